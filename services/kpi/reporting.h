// The reporting calendar and the names of measurements (pure; safe from any thread).
//
//   Measurement names  "plans/{plan_id}/indicators/{indicator_id}/measurements/{fy}-{H1|H2}"
//   Deadlines          a half year's report is due at the end of a configured day (JST):
//                      by default 31 October for H1 (of the same calendar year as its fiscal
//                      year) and 30 April for H2 (of the next calendar year)
//   Locks              a half year accepts reports from its start until its deadline, and
//                      after it only while a reviewer has reopened it
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rfs/common/v1/common.pb.h"

namespace rfs::kpi {

// Day of the year a half's report is due, e.g. {10, 31}; H2's date falls in the calendar year
// after its fiscal year's start.
struct DueDay {
  int month = 0;
  int day = 0;
};
struct Calendar {
  DueDay h1{10, 31};
  DueDay h2{4, 30};
};

// "10-31" → {10, 31}; INVALID_ARGUMENT naming `flag` for anything that is not a day of the
// year ("02-29" is refused: it is not every year's).
absl::StatusOr<DueDay> ParseDueDay(absl::string_view text, absl::string_view flag);

// The first instant after the due day of `period` (fiscal year and H1 or H2), JST.
absl::Time Deadline(const Calendar& calendar, const common::v1::FiscalPeriod& period);

// "2026-H1" for FY2026 H1. Only for H1 or H2.
std::string PeriodKey(const common::v1::FiscalPeriod& period);
// The inverse of PeriodKey; nullopt-like error for anything else.
absl::StatusOr<common::v1::FiscalPeriod> ParsePeriodKey(absl::string_view key);

std::string MeasurementName(absl::string_view plan_id, absl::string_view indicator_id,
                            const common::v1::FiscalPeriod& period);

// The parts of a measurement name.
struct MeasurementRef {
  std::string plan_id;       // "A-00001"
  std::string indicator_id;  // "kgi-capex"
  common::v1::FiscalPeriod period;
};
// INVALID_ARGUMENT naming `field`, in both languages, for a name not of the form above.
absl::StatusOr<MeasurementRef> ParseMeasurementName(absl::string_view name,
                                                    absl::string_view field);

// An indicator id as the registry allows it: lower-case letters, digits and '-', 1..64.
bool IsIndicatorId(absl::string_view id);

}  // namespace rfs::kpi
