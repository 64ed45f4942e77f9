// SnapshotGauges: what a scrape shows of gauges a background job refreshes, and the one
// staleness rule (nothing rather than numbers older than three refresh intervals).
#include "common/kit/snapshot_gauges.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"

namespace rfs {
namespace {

std::vector<prometheus::MetricFamily> OneGauge(double value) {
  return {GaugeFamily("rfs_test_gauge", "A gauge of a test.",
                      {{{{"block", "HOKURIKU"}, {"plan_type", "B"}}, value}})};
}

TEST(SnapshotGauges, ShowsWhatWasPublishedLast) {
  SnapshotGauges gauges(absl::Hours(1));
  EXPECT_TRUE(gauges.Collect().empty());  // nothing read yet is not zero
  gauges.Publish(OneGauge(3));
  gauges.Publish(OneGauge(4));
  const std::vector<prometheus::MetricFamily> families = gauges.Collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "rfs_test_gauge");
  EXPECT_EQ(families[0].type, prometheus::MetricType::Gauge);
  ASSERT_EQ(families[0].metric.size(), 1u);
  EXPECT_EQ(families[0].metric[0].gauge.value, 4);
  ASSERT_EQ(families[0].metric[0].label.size(), 2u);
  EXPECT_EQ(families[0].metric[0].label[0].name, "block");
  EXPECT_EQ(families[0].metric[0].label[0].value, "HOKURIKU");
}

TEST(SnapshotGauges, StaleNumbersAreNotShown) {
  // Refreshed every millisecond: 30 ms without a refresh is ten intervals late.
  SnapshotGauges gauges(absl::Milliseconds(1));
  gauges.Publish(OneGauge(7));
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_TRUE(gauges.Collect().empty());
  gauges.Publish(OneGauge(8));  // a refresh that works again shows at once
  SnapshotGauges fresh(absl::Hours(1));
  fresh.Publish(OneGauge(8));
  EXPECT_EQ(fresh.Collect().size(), 1u);
}

}  // namespace
}  // namespace rfs
