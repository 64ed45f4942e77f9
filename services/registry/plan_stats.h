// rfs_plans{plan_type,stage,block}: plans by type, lifecycle stage and regional block, read from
// the shared counters in Redis so that every replica reports the same numbers. The service host
// refreshes them from a background job (Refresh); they are a SnapshotGauges (a scrape never
// waits on Redis; stale ones are not shown). Counts that fell to zero stay, as 0. The outbox and Redis memory gauges are the host's
// (common/kit/redis_gauges.h). Thread-safe.
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/kit/snapshot_gauges.h"
#include "services/registry/registry_store.h"

namespace rfs::registry {

class PlanStats : public SnapshotGauges {
 public:
  PlanStats(RegistryStore* store, absl::Duration interval);

  // Reads the counts now.
  absl::Status Refresh();

 private:
  RegistryStore* store_;
};

}  // namespace rfs::registry
