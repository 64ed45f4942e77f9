// The Redis-backed gauges every service exports, read from shared state so that every replica
// reports the same numbers (dashboards aggregate with max by (...)):
//   rfs_outbox_pending{service}            events in the service's outbox not yet delivered
//   rfs_outbox_oldest_age_seconds{service} age of the oldest of them (0: none)
//   rfs_redis_memory_used_bytes{service}   Redis used_memory
//   rfs_redis_memory_max_bytes{service}    Redis maxmemory (0: no limit); writes are refused
//                                          with RESOURCE_EXHAUSTED when used reaches it
// Refresh() reads them in one round trip (ServiceHost calls it from a background job) and
// publishes them as a SnapshotGauges (stale ones are not shown). Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/kit/snapshot_gauges.h"
#include "common/redis/redis.h"

namespace rfs {

class RedisGauges : public SnapshotGauges {
 public:
  // `service`: the label value ("registry"); `outbox_key`: the stream to count.
  RedisGauges(RedisPool* pool, std::string service, std::string outbox_key,
              absl::Duration interval);

  absl::Status Refresh();

 private:
  RedisPool* const pool_;
  const std::string service_;
  const std::string outbox_key_;
};

}  // namespace rfs
