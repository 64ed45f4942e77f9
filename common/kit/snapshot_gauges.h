// Gauges of shared state (Redis), the same on every replica so that dashboards aggregate with
// max by (...): a background job of the service host reads the state and Publishes the families
// it renders; a scrape Collects the last ones and never waits on Redis. One staleness rule for
// every such gauge: families older than three refresh intervals (Redis unreachable, the job
// failing) are not shown, since no data is honest and stale numbers are not. The gauges of the
// host (RedisGauges), of the registry (PlanStats) and of rfs-kpi (KpiStats) derive from it.
// Thread-safe.
#pragma once

#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rfs {

class SnapshotGauges : public prometheus::Collectable {
 public:
  // `refresh_interval`: how often the host's job refreshes the gauges.
  explicit SnapshotGauges(absl::Duration refresh_interval) : interval_(refresh_interval) {}

  // Replaces what scrapes show, as of now.
  void Publish(std::vector<prometheus::MetricFamily> families);
  // The families last published; none when older than three refresh intervals.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const absl::Duration interval_;
  mutable absl::Mutex mu_;
  std::vector<prometheus::MetricFamily> families_ ABSL_GUARDED_BY(mu_);
  absl::Time published_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// A gauge family of one metric per label set: `name`, `help`, and (labels, value) pairs.
prometheus::MetricFamily GaugeFamily(
    std::string name, std::string help,
    std::vector<std::pair<std::vector<prometheus::ClientMetric::Label>, double>> values);

}  // namespace rfs
