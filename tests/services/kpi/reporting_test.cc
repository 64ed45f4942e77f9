// The reporting calendar and the measurement names of rfs-kpi (services/kpi/reporting.h):
// deadlines in JST, due days as configuration, period keys and measurement names both ways.
#include "services/kpi/reporting.h"

#include <optional>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/base/errors.h"
#include "common/domain/fiscal.h"

namespace rfs::kpi {
namespace {

using common::v1::FISCAL_HALF_H1;
using common::v1::FISCAL_HALF_H2;
using common::v1::FiscalHalf;
using common::v1::FiscalPeriod;

FiscalPeriod Period(int year, FiscalHalf half) {
  FiscalPeriod p;
  p.set_fiscal_year(year);
  p.set_half(half);
  return p;
}

absl::Time Jst(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), JapanTimeZone());
}

std::string Utc(absl::Time t) { return absl::FormatTime("%Y-%m-%dT%H:%M:%S", t, absl::UTCTimeZone()); }

// The field the details of an INVALID_ARGUMENT name ("" when none).
std::string FieldOf(const absl::Status& status) {
  std::optional<common::v1::ErrorDetails> details = DetailsOf(status);
  if (!details.has_value() || details->field_violations_size() == 0) return "";
  return details->field_violations(0).field();
}

TEST(Reporting, FirstHalfIsDueOnTheLastDayOfOctoberJst) {
  const absl::Time deadline = Deadline(Calendar{}, Period(2026, FISCAL_HALF_H1));
  // Due 10-31: reports are accepted until the end of that day, JST.
  EXPECT_EQ(deadline, Jst(2026, 11, 1));
  EXPECT_EQ(Utc(deadline), "2026-10-31T15:00:00");  // pinned without JapanTimeZone()
  EXPECT_LT(Jst(2026, 10, 31, 23, 59), deadline);
}

TEST(Reporting, SecondHalfIsDueOnTheLastDayOfAprilOfTheNextCalendarYear) {
  const absl::Time deadline = Deadline(Calendar{}, Period(2026, FISCAL_HALF_H2));
  EXPECT_EQ(deadline, Jst(2027, 5, 1));
  EXPECT_EQ(Utc(deadline), "2027-04-30T15:00:00");
  // Every deadline comes after the half it is for.
  EXPECT_GT(deadline, PeriodEnd(Period(2026, FISCAL_HALF_H2)));
  EXPECT_GT(Deadline(Calendar{}, Period(2026, FISCAL_HALF_H1)),
            PeriodEnd(Period(2026, FISCAL_HALF_H1)));
}

TEST(Reporting, DueDaysAreConfiguration) {
  Calendar calendar;
  calendar.h1 = {11, 30};
  calendar.h2 = {5, 31};
  EXPECT_EQ(Deadline(calendar, Period(2026, FISCAL_HALF_H1)), Jst(2026, 12, 1));
  EXPECT_EQ(Deadline(calendar, Period(2026, FISCAL_HALF_H2)), Jst(2027, 6, 1));
  // A due day at the end of a year rolls into the next day of the next year.
  calendar.h1 = {12, 31};
  EXPECT_EQ(Deadline(calendar, Period(2030, FISCAL_HALF_H1)), Jst(2031, 1, 1));
}

TEST(Reporting, ParseDueDayAcceptsDaysOfEveryYear) {
  absl::StatusOr<DueDay> day = ParseDueDay("10-31", "--h1_due");
  ASSERT_TRUE(day.ok()) << day.status();
  EXPECT_EQ(day->month, 10);
  EXPECT_EQ(day->day, 31);
  day = ParseDueDay("04-30", "--h2_due");
  ASSERT_TRUE(day.ok()) << day.status();
  EXPECT_EQ(day->month, 4);
  EXPECT_EQ(day->day, 30);
  day = ParseDueDay("02-28", "--h2_due");
  ASSERT_TRUE(day.ok()) << day.status();
  EXPECT_EQ(day->month, 2);
  EXPECT_EQ(day->day, 28);
}

TEST(Reporting, ParseDueDayRefusesWhatIsNotADayOfEveryYear) {
  for (const char* text : {"02-29",  // only in leap years
                           "13-01", "00-10", "04-31", "10-00", "10-32", "1031", "10/31", "",
                           "10-31-01", "ab-cd", "10-31x"}) {
    const absl::StatusOr<DueDay> day = ParseDueDay(text, "--h1_due");
    ASSERT_FALSE(day.ok()) << "'" << text << "' accepted";
    EXPECT_EQ(day.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_TRUE(absl::StrContains(day.status().message(), "--h1_due"))
        << text << ": " << day.status();
  }
}

TEST(Reporting, PeriodKeysRoundTrip) {
  EXPECT_EQ(PeriodKey(Period(2026, FISCAL_HALF_H1)), "2026-H1");
  EXPECT_EQ(PeriodKey(Period(2026, FISCAL_HALF_H2)), "2026-H2");
  for (int year : {2000, 2026, 2030, 2100}) {
    for (FiscalHalf half : {FISCAL_HALF_H1, FISCAL_HALF_H2}) {
      const FiscalPeriod p = Period(year, half);
      const absl::StatusOr<FiscalPeriod> back = ParsePeriodKey(PeriodKey(p));
      ASSERT_TRUE(back.ok()) << PeriodKey(p) << ": " << back.status();
      EXPECT_EQ(back->fiscal_year(), year);
      EXPECT_EQ(back->half(), half);
    }
  }
}

TEST(Reporting, ParsePeriodKeyRefusesAnythingElse) {
  for (const char* key : {"", "2026", "2026-H3", "2026-H0", "2026H1", "2026-h1", "26-H1",
                          "2026-H1 ", " 2026-H1", "2026-1", "abcd-H1", "2026-H12"}) {
    EXPECT_FALSE(ParsePeriodKey(key).ok()) << "'" << key << "' accepted";
  }
}

TEST(Reporting, MeasurementNamesRoundTrip) {
  const std::string name = MeasurementName("B-00001", "kgi-capex", Period(2026, FISCAL_HALF_H2));
  EXPECT_EQ(name, "plans/B-00001/indicators/kgi-capex/measurements/2026-H2");
  const absl::StatusOr<MeasurementRef> ref = ParseMeasurementName(name, "name");
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->plan_id, "B-00001");
  EXPECT_EQ(ref->indicator_id, "kgi-capex");
  EXPECT_EQ(ref->period.fiscal_year(), 2026);
  EXPECT_EQ(ref->period.half(), FISCAL_HALF_H2);

  for (const auto& [plan, indicator, period] :
       {std::make_tuple("A-00001", "kgi-value-added", Period(2027, FISCAL_HALF_H1)),
        std::make_tuple("C-00042", "kpi-1", Period(2030, FISCAL_HALF_H2))}) {
    const absl::StatusOr<MeasurementRef> back =
        ParseMeasurementName(MeasurementName(plan, indicator, period), "name");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->plan_id, plan);
    EXPECT_EQ(back->indicator_id, indicator);
    EXPECT_EQ(back->period.fiscal_year(), period.fiscal_year());
    EXPECT_EQ(back->period.half(), period.half());
    EXPECT_EQ(MeasurementName(back->plan_id, back->indicator_id, back->period),
              MeasurementName(plan, indicator, period));
  }
}

TEST(Reporting, BadMeasurementNamesAreRefusedNamingTheField) {
  for (const char* name : {
           "",
           "plans/B-00001",
           "plans/B-00001/indicators/kgi-capex",
           "plans/B-00001/indicators/kgi-capex/measurements",
           "plans/B-00001/indicators/kgi-capex/measurements/2026",
           "plans/B-00001/indicators/kgi-capex/measurements/2026-H3",
           "plans/B-00001/indicators/kgi-capex/measurements/2026-h1",
           "plans/B-00001/indicators/KGI-CAPEX/measurements/2026-H1",
           "plans/B-00001/indicators/kgi_capex/measurements/2026-H1",
           "plans/B-00001/indicator/kgi-capex/measurements/2026-H1",
           "plans/B-00001/indicators/kgi-capex/measurement/2026-H1",
           "plans/B-00001/kgi-capex/measurements/2026-H1",
           "plan/B-00001/indicators/kgi-capex/measurements/2026-H1",
           "plans//indicators/kgi-capex/measurements/2026-H1",
           "plans/X-00001/indicators/kgi-capex/measurements/2026-H1",
           "/plans/B-00001/indicators/kgi-capex/measurements/2026-H1",
           "plans/B-00001/indicators/kgi-capex/measurements/2026-H1/",
           "plans/B-00001/indicators/kgi-capex/measurements/2026-H1/extra",
       }) {
    const absl::StatusOr<MeasurementRef> ref = ParseMeasurementName(name, "name");
    ASSERT_FALSE(ref.ok()) << "'" << name << "' accepted";
    EXPECT_EQ(ref.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(FieldOf(ref.status()), "name") << name << ": " << ref.status();
  }
  // The field is the caller's.
  const absl::StatusOr<MeasurementRef> ref = ParseMeasurementName("nope", "measurement.name");
  ASSERT_FALSE(ref.ok());
  EXPECT_EQ(FieldOf(ref.status()), "measurement.name");
  std::optional<common::v1::ErrorDetails> details = DetailsOf(ref.status());
  ASSERT_TRUE(details.has_value());
  EXPECT_FALSE(details->message_ja().empty());  // both languages
  EXPECT_FALSE(details->message_en().empty());
}

TEST(Reporting, IndicatorIdsAreTheRegistrys) {
  EXPECT_TRUE(IsIndicatorId("kgi-capex"));
  EXPECT_TRUE(IsIndicatorId("kpi-1"));
  EXPECT_TRUE(IsIndicatorId(std::string(64, 'a')));
  EXPECT_FALSE(IsIndicatorId(std::string(65, 'a')));
  EXPECT_FALSE(IsIndicatorId(""));
  EXPECT_FALSE(IsIndicatorId("KGI"));
  EXPECT_FALSE(IsIndicatorId("kgi_capex"));
  EXPECT_FALSE(IsIndicatorId("kgi/capex"));
}

}  // namespace
}  // namespace rfs::kpi
