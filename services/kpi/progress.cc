#include "services/kpi/progress.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace rfs::kpi {
namespace {

using registry::v1::Indicator;

// The points of the path with a value, in half-year order: baseline, milestones, target.
std::vector<std::pair<int64_t, double>> PathOf(const Indicator& indicator) {
  std::vector<std::pair<int64_t, double>> points;
  auto add = [&points](const registry::v1::PeriodValue& p) {
    if (p.has_value()) points.emplace_back(HalfIndex(p.period()), static_cast<double>(p.value()));
  };
  add(indicator.baseline());
  for (const auto& m : indicator.milestones()) add(m);
  add(indicator.target());
  std::stable_sort(points.begin(), points.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return points;
}

bool Met(const Indicator& indicator, int64_t actual) {
  const int64_t target = indicator.target().value();
  return indicator.direction() == registry::v1::DIRECTION_DECREASE ? actual <= target
                                                                   : actual >= target;
}

}  // namespace

const char* StatusName(Status status) {
  switch (status) {
    case Status::kNoData:
      return "NO_DATA";
    case Status::kTargetUnset:
      return "TARGET_UNSET";
    case Status::kAchieved:
      return "ACHIEVED";
    case Status::kOnTrack:
      return "ON_TRACK";
    case Status::kAtRisk:
      return "AT_RISK";
    case Status::kOffTrack:
      return "OFF_TRACK";
    case Status::kDeteriorating:
      return "DETERIORATING";
  }
  return "NO_DATA";
}

int64_t HalfIndex(const common::v1::FiscalPeriod& period) {
  return int64_t{period.fiscal_year()} * 2 + (period.half() == common::v1::FISCAL_HALF_H1 ? 0 : 1);
}

std::optional<double> ExpectedAt(const Indicator& indicator, int64_t half) {
  const bool compound = indicator.growth() == registry::v1::INDICATOR_GROWTH_COMPOUND;
  if (!indicator.target().has_value()) return std::nullopt;
  const auto points = PathOf(indicator);
  if (half <= points.front().first) return points.front().second;
  if (half >= points.back().first) return points.back().second;
  for (size_t i = 1; i < points.size(); ++i) {
    const auto& [ha, va] = points[i - 1];
    const auto& [hb, vb] = points[i];
    if (half > hb) continue;
    if (hb == ha) return vb;
    const double t = static_cast<double>(half - ha) / static_cast<double>(hb - ha);
    if (compound && va > 0 && vb > 0) return va * std::pow(vb / va, t);
    return va + (vb - va) * t;
  }
  return points.back().second;
}

Progress Evaluate(const Indicator& indicator, const std::vector<Actual>& actuals,
                  const common::v1::FiscalPeriod& as_of, const Thresholds& thresholds) {
  Progress progress;
  const int64_t baseline_half = HalfIndex(indicator.baseline().period());
  const int64_t baseline = indicator.baseline().value();
  const int64_t last = HalfIndex(as_of);
  const bool cumulative = indicator.aggregation() == registry::v1::AGGREGATION_CUMULATIVE;
  // Values after the baseline period, up to as_of.
  std::vector<std::pair<int64_t, int64_t>> counted;
  for (const Actual& a : actuals) {
    const int64_t h = HalfIndex(a.period);
    if (h > baseline_half && h <= last) counted.emplace_back(h, a.value);
  }
  if (counted.empty()) {
    if (!indicator.target().has_value()) progress.status = Status::kTargetUnset;
    return progress;  // NO_DATA
  }
  std::sort(counted.begin(), counted.end());
  progress.actual_half = counted.back().first;
  int64_t actual = counted.back().second;
  if (cumulative) {
    actual = baseline;
    for (const auto& [h, v] : counted) actual += v;
  }
  progress.actual = actual;
  if (!indicator.target().has_value()) {
    // The actual is shown; there is no path to measure it against yet.
    progress.status = Status::kTargetUnset;
    return progress;
  }
  progress.expected = ExpectedAt(indicator, progress.actual_half);
  if (Met(indicator, actual)) {
    progress.status = Status::kAchieved;
    return progress;
  }
  const double made = static_cast<double>(actual - baseline);
  const double needed = *progress.expected - static_cast<double>(baseline);
  const bool decreasing = indicator.direction() == registry::v1::DIRECTION_DECREASE;
  if (std::abs(needed) < 1e-9) {
    // Nothing needed yet: the right side of the baseline (or on it) is on track.
    const bool wrong_way = decreasing ? made > 0 : made < 0;
    progress.status = wrong_way ? Status::kDeteriorating : Status::kOnTrack;
    return progress;
  }
  const double r = made / needed;
  progress.ratio = r;
  if (r >= thresholds.on_track) {
    progress.status = Status::kOnTrack;
  } else if (r >= thresholds.at_risk) {
    progress.status = Status::kAtRisk;
  } else if (r >= 0) {
    progress.status = Status::kOffTrack;
  } else {
    progress.status = Status::kDeteriorating;
  }
  return progress;
}

}  // namespace rfs::kpi
