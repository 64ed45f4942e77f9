#include "common/kit/redis_gauges.h"

#include <prometheus/metric_family.h>

#include "absl/strings/numbers.h"
#include "common/base/status.h"

namespace rfs {
namespace {

// An integer field of an INFO reply; 0 when absent.
int64_t InfoInteger(absl::string_view info, absl::string_view field) {
  int64_t value = 0;
  (void)absl::SimpleAtoi(InfoField(info, field), &value);
  return value;
}

}  // namespace

RedisGauges::RedisGauges(RedisPool* pool, std::string service, std::string outbox_key,
                         absl::Duration interval)
    : SnapshotGauges(interval),
      pool_(pool),
      service_(std::move(service)),
      outbox_key_(std::move(outbox_key)) {}

absl::Status RedisGauges::Refresh() {
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies,
                   lease.Pipeline({{"XLEN", outbox_key_}, {"INFO", "memory"}}));
  for (const auto& r : replies) {
    if (r->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(r.get()));
  }
  if (replies[0]->type != REDIS_REPLY_INTEGER) {
    return absl::DataLossError("stored data is unreadable: outbox length");
  }
  const absl::string_view info = ReplyString(replies[1].get());
  auto gauge = [this](const char* name, const char* help, int64_t value) {
    return GaugeFamily(name, help, {{{{"service", service_}}, static_cast<double>(value)}});
  };
  Publish({gauge("rfs_outbox_pending",
                 "Events in the service's outbox not yet delivered to the notification service.",
                 replies[0]->integer),
           gauge("rfs_redis_memory_used_bytes", "Memory Redis uses (INFO memory used_memory).",
                 InfoInteger(info, "used_memory")),
           gauge("rfs_redis_memory_max_bytes",
                 "Redis maxmemory; writes are refused when used memory reaches it (0: no limit).",
                 InfoInteger(info, "maxmemory"))});
  return absl::OkStatus();
}

}  // namespace rfs
