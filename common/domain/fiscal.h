// Japanese fiscal years (年度) and halves. FY2026 runs 2026-04-01 to 2027-03-31 (JST); H1 is
// April–September, H2 October–March. Pure functions; safe from any thread.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/base/japan_time.h"
#include "rfs/common/v1/common.pb.h"

namespace rfs {

inline constexpr int kMinFiscalYear = 2000;
inline constexpr int kMaxFiscalYear = 2100;

// The fiscal period (year and half) that contains `t`, in JST.
common::v1::FiscalPeriod FiscalPeriodOf(absl::Time t);

// The first instant of a period (or of its fiscal year when no half is named).
absl::Time PeriodStart(const common::v1::FiscalPeriod& p);
// The first instant after a period.
absl::Time PeriodEnd(const common::v1::FiscalPeriod& p);

// Orders periods by start; a whole year starts with its H1. <0, 0, >0 like strcmp.
int ComparePeriodStart(const common::v1::FiscalPeriod& a, const common::v1::FiscalPeriod& b);

// OK when the year is in [kMinFiscalYear, kMaxFiscalYear] and the half is known; otherwise
// INVALID_ARGUMENT naming `field`.
absl::Status ValidateFiscalPeriod(const common::v1::FiscalPeriod& p, absl::string_view field);

// "FY2026", "FY2026 H1".
std::string FormatPeriod(const common::v1::FiscalPeriod& p);
// "2026年度（令和8年度）上期", the form people read; Gregorian first.
std::string FormatPeriodJa(const common::v1::FiscalPeriod& p);

}  // namespace rfs
