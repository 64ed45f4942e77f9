// The registry's domain gauges, read from shared state in Redis so that every replica reports
// the same numbers (dashboards aggregate with max by (...)):
//   rfs_plans{plan_type,stage,block}   plans by type, stage and block
//   rfs_outbox_pending{service}        events written but not yet delivered
//   rfs_redis_memory_used_bytes{service}, rfs_redis_memory_max_bytes{service}
//                                      Redis memory in use and its maxmemory (0: no limit);
//                                      writes fail with RESOURCE_EXHAUSTED when used reaches max
// A background thread refreshes a snapshot every `interval`; a scrape renders the snapshot and
// never waits on Redis. A snapshot older than three intervals (Redis unreachable) is not
// shown: no data is honest, stale numbers are not. Counts that fell to zero stay, as 0.
// Thread-safe.
#pragma once

#include <memory>
#include <thread>
#include <vector>

#include <prometheus/collectable.h>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/registry/registry_store.h"

namespace rfs::registry {

class PlanStats : public prometheus::Collectable {
 public:
  PlanStats(RegistryStore* store, absl::Duration interval);
  ~PlanStats() override;

  // Reads the counts now (also called by the refresh thread).
  absl::Status Refresh();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  RegistryStore* store_;
  mutable absl::Mutex mu_;
  RegistryStore::Stats stats_ ABSL_GUARDED_BY(mu_);
  absl::Time refreshed_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  const absl::Duration interval_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace rfs::registry
