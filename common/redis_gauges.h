// The Redis-backed gauges every service exports, read from shared state so that every replica
// reports the same numbers (dashboards aggregate with max by (...)):
//   rfs_outbox_pending{service}            events in the service's outbox not yet delivered
//   rfs_redis_memory_used_bytes{service}   Redis used_memory
//   rfs_redis_memory_max_bytes{service}    Redis maxmemory (0: no limit); writes are refused
//                                          with RESOURCE_EXHAUSTED when used reaches it
// Refresh() reads them in one round trip (ServiceHost calls it from a background job); a
// scrape renders the last snapshot and never waits on Redis. A snapshot older than three
// intervals (Redis unreachable) is not shown: no data is honest, stale numbers are not.
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis.h"

namespace rfs {

class RedisGauges : public prometheus::Collectable {
 public:
  // `service`: the label value ("registry"); `outbox_key`: the stream to count.
  RedisGauges(RedisPool* pool, std::string service, std::string outbox_key,
              absl::Duration interval);

  absl::Status Refresh();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  RedisPool* const pool_;
  const std::string service_;
  const std::string outbox_key_;
  const absl::Duration interval_;
  mutable absl::Mutex mu_;
  int64_t outbox_pending_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t used_memory_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t max_memory_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time refreshed_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace rfs
