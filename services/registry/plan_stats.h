// rfs_plans{plan_type,stage,block}: plans by type, lifecycle stage and regional block, read from
// the shared counters in Redis so that every replica reports the same numbers (dashboards
// aggregate with max by (...)). The service host refreshes the snapshot from a background job
// (Refresh); a scrape renders the snapshot and never waits on Redis. A snapshot older than three
// intervals (Redis unreachable) is not shown: no data is honest, stale numbers are not. Counts
// that fell to zero stay, as 0. The outbox and Redis memory gauges are the host's
// (common/redis_gauges.h). Thread-safe.
#pragma once

#include <vector>

#include <prometheus/collectable.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/registry/registry_store.h"

namespace rfs::registry {

class PlanStats : public prometheus::Collectable {
 public:
  PlanStats(RegistryStore* store, absl::Duration interval);

  // Reads the counts now.
  absl::Status Refresh();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  RegistryStore* store_;
  const absl::Duration interval_;
  mutable absl::Mutex mu_;
  std::vector<PlanCount> plans_ ABSL_GUARDED_BY(mu_);
  absl::Time refreshed_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace rfs::registry
