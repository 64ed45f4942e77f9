#include "services/kpi/reporting.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/errors.h"
#include "common/base/text.h"
#include "common/domain/codes.h"
#include "common/domain/fiscal.h"

namespace rfs::kpi {

absl::StatusOr<DueDay> ParseDueDay(absl::string_view text, absl::string_view flag) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  int month = 0;
  int day = 0;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (parts.size() != 2 || parts[0].size() != 2 || parts[1].size() != 2 ||
      !absl::SimpleAtoi(parts[0], &month) || !absl::SimpleAtoi(parts[1], &day) || month < 1 ||
      month > 12 || day < 1 || day > kDays[month - 1]) {
    return InvalidField(flag,
                        absl::StrCat("毎年ある日付を MM-DD で指定してください（10-31 など）。'",
                                     Excerpt(text), "' は使えません"),
                        absl::StrCat("must be a day of every year as MM-DD, e.g. 10-31; got '",
                                     Excerpt(text), "'"));
  }
  return DueDay{month, day};
}

absl::Time Deadline(const Calendar& calendar, const common::v1::FiscalPeriod& period) {
  const bool h1 = period.half() == common::v1::FISCAL_HALF_H1;
  const DueDay due = h1 ? calendar.h1 : calendar.h2;
  // H1's due day is in the fiscal year's own calendar year only if it comes after the half's
  // end (October or later); otherwise, and for H2, in the next calendar year.
  int year = period.fiscal_year();
  if (!h1 || due.month < 10) ++year;
  const absl::CivilDay day(year, due.month, due.day);
  return absl::FromCivil(day + 1, JapanTimeZone());
}

std::string PeriodKey(const common::v1::FiscalPeriod& period) {
  return absl::StrCat(period.fiscal_year(),
                      period.half() == common::v1::FISCAL_HALF_H1 ? "-H1" : "-H2");
}

absl::StatusOr<common::v1::FiscalPeriod> ParsePeriodKey(absl::string_view key) {
  common::v1::FiscalPeriod period;
  int year = 0;
  if (key.size() == 7 && key[4] == '-' && key[5] == 'H' && (key[6] == '1' || key[6] == '2') &&
      absl::SimpleAtoi(key.substr(0, 4), &year) && year >= kMinFiscalYear &&
      year <= kMaxFiscalYear) {
    period.set_fiscal_year(year);
    period.set_half(key[6] == '1' ? common::v1::FISCAL_HALF_H1 : common::v1::FISCAL_HALF_H2);
    return period;
  }
  return InvalidField("period",
                      absl::StrCat("'", Excerpt(key), "' は半期ではありません（2026-H1 など）"),
                      absl::StrCat("'", Excerpt(key), "' is not a half year (like 2026-H1)"));
}

std::string MeasurementName(absl::string_view plan_id, absl::string_view indicator_id,
                            const common::v1::FiscalPeriod& period) {
  return absl::StrCat("plans/", plan_id, "/indicators/", indicator_id, "/measurements/",
                      PeriodKey(period));
}

bool IsIndicatorId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<MeasurementRef> ParseMeasurementName(absl::string_view name,
                                                    absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  MeasurementRef ref;
  bool ok = parts.size() == 6 && parts[2] == "indicators" && parts[4] == "measurements" &&
            IsIndicatorId(parts[3]);
  if (ok) {
    absl::StatusOr<std::string> plan_id =
        ParsePlanName(absl::StrCat(parts[0], "/", parts[1]), field);
    absl::StatusOr<common::v1::FiscalPeriod> period = ParsePeriodKey(parts[5]);
    ok = plan_id.ok() && period.ok();
    if (ok) {
      ref.plan_id = *std::move(plan_id);
      ref.indicator_id = std::string(parts[3]);
      ref.period = *std::move(period);
    }
  }
  if (!ok) {
    return InvalidField(
        field,
        absl::StrCat("'", Excerpt(name),
                     "' は測定値の名前ではありません。plans/A-00001/indicators/kgi-capex/"
                     "measurements/2026-H1 のような形式で指定してください"),
        absl::StrCat("'", Excerpt(name),
                     "' is not a measurement name (like "
                     "plans/A-00001/indicators/kgi-capex/measurements/2026-H1)"));
  }
  return ref;
}

}  // namespace rfs::kpi
