// Progress of one indicator against its path (the "Check" of PDCA), after the Open SDG /
// Statistics Canada method (DESIGN.md, "Domain behaviour worth getting right"):
//
//   R = progress made ÷ progress needed by then
//     = (actual − baseline) ÷ (expected − baseline),
//
// both at the period of the latest value counted. `expected` follows the path from the baseline
// through the milestones to the target, half year by half year: linear, or compound growth
// between two positive points where the indicator says so; before the baseline it is the
// baseline, after the target the target (registry.v1.Indicator.growth). The formula holds for either direction (a decreasing
// indicator has negative progress needed, so moving down gives R > 0).
//
//   ACHIEVED       the target is met (≥ for INCREASE, ≤ for DECREASE), whatever the period
//   ON_TRACK       R ≥ on_track (0.95)        AT_RISK      at_risk (0.6) ≤ R < on_track
//   OFF_TRACK      0 ≤ R < at_risk            DETERIORATING R < 0 (moved the wrong way)
//   NO_DATA        no value after the baseline period, up to `as_of`
//   TARGET_UNSET   the target has no value yet (a "○○" target); the actual is still given
// When the progress needed by then is zero (a path still flat, or a target equal to its
// baseline), an actual on the right side of the baseline is ON_TRACK, the wrong side
// DETERIORATING.
//
// Values are fixed-point integers in the indicator's unit (registry.v1.PeriodValue). A
// CUMULATIVE indicator's values are flows: its actual is the baseline plus the sum of the
// values of the periods after the baseline period; a LEVEL indicator's actual is its latest
// value. Periods are half years; a whole fiscal year (FISCAL_HALF_UNSPECIFIED) counts at its
// end, the second half. Pure functions: no I/O, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rfs/common/v1/common.pb.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::kpi {

enum class Status { kNoData, kTargetUnset, kAchieved, kOnTrack, kAtRisk, kOffTrack, kDeteriorating };

// "ON_TRACK", ... (the names the API and the metrics use).
const char* StatusName(Status status);

// The status thresholds of R (configuration).
struct Thresholds {
  double on_track = 0.95;
  double at_risk = 0.6;
};

// A value reported for a period.
struct Actual {
  common::v1::FiscalPeriod period;
  int64_t value = 0;
};

// Half years counted from FY0 H1: fiscal_year * 2, + 1 for the second half or a whole year.
int64_t HalfIndex(const common::v1::FiscalPeriod& period);

// The expected value at half `half` on the indicator's path (its `growth`: linear, or compound
// between two positive points); nullopt while its target is unset.
std::optional<double> ExpectedAt(const registry::v1::Indicator& indicator, int64_t half);

struct Progress {
  Status status = Status::kNoData;
  // The actual (cumulative sum or latest level) and the half year of its latest value.
  std::optional<int64_t> actual;
  int64_t actual_half = 0;
  // Expected at that half year, and R; unset for NO_DATA and TARGET_UNSET (R also when the
  // progress needed is zero).
  std::optional<double> expected;
  std::optional<double> ratio;
};

// The progress of `indicator` from the values `actuals` (any order; one per period) up to and
// including the period `as_of`.
Progress Evaluate(const registry::v1::Indicator& indicator, const std::vector<Actual>& actuals,
                  const common::v1::FiscalPeriod& as_of, const Thresholds& thresholds = {});

}  // namespace rfs::kpi
