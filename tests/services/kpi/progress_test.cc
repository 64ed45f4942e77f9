// The status math of rfs-kpi (services/kpi/progress.h) at every edge the issue names:
// decreasing indicators, an unset target, a target equal to its baseline, values before the
// baseline period and after the target period, compound growth, cumulative vs level,
// milestones, whole years vs halves, configured thresholds.
#include "services/kpi/progress.h"

#include <cmath>
#include <optional>

#include <gtest/gtest.h>

namespace rfs::kpi {
namespace {

using common::v1::FISCAL_HALF_H1;
using common::v1::FISCAL_HALF_H2;
using common::v1::FISCAL_HALF_UNSPECIFIED;
using common::v1::FiscalHalf;
using common::v1::FiscalPeriod;
using registry::v1::Indicator;

FiscalPeriod Period(int year, FiscalHalf half = FISCAL_HALF_UNSPECIFIED) {
  FiscalPeriod p;
  p.set_fiscal_year(year);
  p.set_half(half);
  return p;
}

// Baseline FY2024 (counted at its second half), target FY2029; a level indicator.
Indicator Level(int64_t baseline, std::optional<int64_t> target,
                registry::v1::Direction direction = registry::v1::DIRECTION_INCREASE) {
  Indicator ind;
  ind.set_id("kpi-1");
  ind.set_aggregation(registry::v1::AGGREGATION_LEVEL);
  ind.set_direction(direction);
  *ind.mutable_baseline()->mutable_period() = Period(2024);
  ind.mutable_baseline()->set_value(baseline);
  *ind.mutable_target()->mutable_period() = Period(2029);
  if (target) ind.mutable_target()->set_value(*target);
  return ind;
}

Progress At2026H2(const Indicator& ind, int64_t value) {
  return Evaluate(ind, {{Period(2026, FISCAL_HALF_H2), value}}, Period(2026, FISCAL_HALF_H2));
}

TEST(Progress, HalfYearsCountAWholeYearAtItsEnd) {
  EXPECT_EQ(HalfIndex(Period(2026, FISCAL_HALF_H1)), 4052);
  EXPECT_EQ(HalfIndex(Period(2026, FISCAL_HALF_H2)), 4053);
  EXPECT_EQ(HalfIndex(Period(2026)), 4053);
}

// 100 → 200 over ten half years: 140 is expected at FY2026 H2.
TEST(Progress, RatioOfProgressMadeToProgressNeededDecidesTheStatus) {
  const Indicator ind = Level(100, 200);
  Progress p = At2026H2(ind, 140);
  EXPECT_EQ(p.status, Status::kOnTrack);
  ASSERT_TRUE(p.expected.has_value());
  EXPECT_DOUBLE_EQ(*p.expected, 140);
  EXPECT_DOUBLE_EQ(*p.ratio, 1.0);
  EXPECT_EQ(At2026H2(ind, 138).status, Status::kOnTrack);  // R = 0.95 exactly
  EXPECT_EQ(At2026H2(ind, 130).status, Status::kAtRisk);   // R = 0.75
  EXPECT_EQ(At2026H2(ind, 124).status, Status::kAtRisk);   // R = 0.6 exactly
  EXPECT_EQ(At2026H2(ind, 110).status, Status::kOffTrack);  // R = 0.25
  EXPECT_EQ(At2026H2(ind, 100).status, Status::kOffTrack);  // R = 0: no progress
  EXPECT_EQ(At2026H2(ind, 95).status, Status::kDeteriorating);
  EXPECT_EQ(At2026H2(ind, 200).status, Status::kAchieved);  // met early is met
}

TEST(Progress, ADecreasingIndicatorProgressesDownwards) {
  const Indicator ind = Level(100, 50, registry::v1::DIRECTION_DECREASE);
  EXPECT_DOUBLE_EQ(*At2026H2(ind, 80).expected, 80);
  EXPECT_EQ(At2026H2(ind, 80).status, Status::kOnTrack);
  EXPECT_EQ(At2026H2(ind, 90).status, Status::kOffTrack);   // R = 0.5
  EXPECT_EQ(At2026H2(ind, 105).status, Status::kDeteriorating);
  EXPECT_EQ(At2026H2(ind, 50).status, Status::kAchieved);
  EXPECT_EQ(At2026H2(ind, 40).status, Status::kAchieved);
}

TEST(Progress, AnUnsetTargetIsTargetUnset) {
  const Indicator ind = Level(100, std::nullopt);
  const Progress p = At2026H2(ind, 150);
  EXPECT_EQ(p.status, Status::kTargetUnset);
  ASSERT_TRUE(p.actual.has_value());  // the value reported is still shown
  EXPECT_EQ(*p.actual, 150);
  EXPECT_FALSE(p.expected.has_value());
  EXPECT_FALSE(p.ratio.has_value());
  EXPECT_FALSE(ExpectedAt(ind, 4053).has_value());
}

TEST(Progress, NoValueAfterTheBaselineUpToAsOfIsNoData) {
  const Indicator ind = Level(100, 200);
  EXPECT_EQ(Evaluate(ind, {}, Period(2026)).status, Status::kNoData);
  // At or before the baseline period: not progress.
  EXPECT_EQ(Evaluate(ind, {{Period(2024, FISCAL_HALF_H2), 150}, {Period(2023), 120}}, Period(2026))
                .status,
            Status::kNoData);
  // After as_of: not yet.
  EXPECT_EQ(Evaluate(ind, {{Period(2027, FISCAL_HALF_H1), 150}}, Period(2026)).status,
            Status::kNoData);
}

TEST(Progress, ATargetEqualToItsBaselineNeedsNoProgress) {
  const Indicator ind = Level(100, 100);
  EXPECT_EQ(At2026H2(ind, 100).status, Status::kAchieved);
  EXPECT_EQ(At2026H2(ind, 120).status, Status::kAchieved);
  const Progress worse = At2026H2(ind, 90);
  EXPECT_EQ(worse.status, Status::kDeteriorating);
  EXPECT_FALSE(worse.ratio.has_value());
}

TEST(Progress, AfterTheTargetPeriodTheTargetIsExpected) {
  const Indicator ind = Level(100, 200);
  const Progress late = Evaluate(ind, {{Period(2031, FISCAL_HALF_H1), 190}}, Period(2031));
  EXPECT_DOUBLE_EQ(*late.expected, 200);
  EXPECT_DOUBLE_EQ(*late.ratio, 0.9);
  EXPECT_EQ(late.status, Status::kAtRisk);
  // Before the baseline the baseline is expected.
  EXPECT_DOUBLE_EQ(*ExpectedAt(ind, 4000), 100);
}

TEST(Progress, CompoundGrowthFollowsAGeometricPath) {
  Indicator ind = Level(100, 400);
  // Half way (five of ten half years): 100 × 4^0.5 = 200, where linear says 250.
  EXPECT_DOUBLE_EQ(*ExpectedAt(ind, 4054), 250);
  ind.set_growth(registry::v1::INDICATOR_GROWTH_COMPOUND);
  EXPECT_NEAR(*ExpectedAt(ind, 4054), 200, 1e-9);
  const Progress p = Evaluate(ind, {{Period(2027, FISCAL_HALF_H2), 200}}, Period(2027, FISCAL_HALF_H2));
  // FY2027 H2 is six half years in: 100 × 4^0.6.
  EXPECT_NEAR(*p.expected, 100 * std::pow(4.0, 0.6), 1e-9);
  // A path through zero cannot grow geometrically: linear there.
  Indicator from_zero = Level(0, 400);
  from_zero.set_growth(registry::v1::INDICATOR_GROWTH_COMPOUND);
  EXPECT_DOUBLE_EQ(*ExpectedAt(from_zero, 4054), 200);
}

TEST(Progress, CumulativeSumsItsPeriodsAndLevelTakesTheLatest) {
  Indicator ind = Level(0, 1000);
  ind.set_aggregation(registry::v1::AGGREGATION_CUMULATIVE);
  const std::vector<Actual> flows = {{Period(2024, FISCAL_HALF_H2), 999},  // the baseline period
                                     {Period(2025, FISCAL_HALF_H1), 100},
                                     {Period(2025, FISCAL_HALF_H2), 100},
                                     {Period(2026, FISCAL_HALF_H2), 100},
                                     {Period(2026, FISCAL_HALF_H1), 100}};
  const Progress sum = Evaluate(ind, flows, Period(2026, FISCAL_HALF_H2));
  EXPECT_EQ(*sum.actual, 400);
  EXPECT_EQ(sum.actual_half, 4053);
  EXPECT_DOUBLE_EQ(*sum.expected, 400);
  EXPECT_EQ(sum.status, Status::kOnTrack);

  ind.set_aggregation(registry::v1::AGGREGATION_LEVEL);
  const Progress level = Evaluate(ind, flows, Period(2026, FISCAL_HALF_H2));
  EXPECT_EQ(*level.actual, 100);  // FY2026 H2's value, whatever the order given
  EXPECT_EQ(level.status, Status::kOffTrack);
}

TEST(Progress, MilestonesShapeThePath) {
  Indicator ind = Level(100, 200);
  auto* milestone = ind.add_milestones();
  *milestone->mutable_period() = Period(2026, FISCAL_HALF_H2);
  milestone->set_value(120);
  EXPECT_DOUBLE_EQ(*ExpectedAt(ind, 4051), 110);
  EXPECT_DOUBLE_EQ(*ExpectedAt(ind, 4053), 120);
  EXPECT_DOUBLE_EQ(*ExpectedAt(ind, 4056), 160);
  EXPECT_EQ(At2026H2(ind, 120).status, Status::kOnTrack);  // on the milestone
  // A milestone not set yet is skipped.
  milestone->clear_value();
  EXPECT_DOUBLE_EQ(*ExpectedAt(ind, 4053), 140);
}

TEST(Progress, ThresholdsAreConfiguration) {
  const Indicator ind = Level(100, 200);
  const std::vector<Actual> v = {{Period(2026, FISCAL_HALF_H2), 130}};  // R = 0.75
  EXPECT_EQ(Evaluate(ind, v, Period(2026)).status, Status::kAtRisk);
  EXPECT_EQ(Evaluate(ind, v, Period(2026), {0.7, 0.5}).status, Status::kOnTrack);
  EXPECT_EQ(Evaluate(ind, v, Period(2026), {0.9, 0.8}).status, Status::kOffTrack);
}

TEST(Progress, StatusNamesAreTheApiNames) {
  EXPECT_STREQ(StatusName(Status::kOnTrack), "ON_TRACK");
  EXPECT_STREQ(StatusName(Status::kDeteriorating), "DETERIORATING");
  EXPECT_STREQ(StatusName(Status::kTargetUnset), "TARGET_UNSET");
}

}  // namespace
}  // namespace rfs::kpi
