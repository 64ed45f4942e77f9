#include "common/kit/redis_gauges.h"

#include <prometheus/metric_family.h>

#include <algorithm>

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
                   lease.Pipeline({{"XLEN", outbox_key_},
                                   {"INFO", "memory"},
                                   {"XRANGE", outbox_key_, "-", "+", "COUNT", "1"},
                                   {"TIME"}}));
  for (const auto& r : replies) {
    if (r->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(r.get()));
  }
  if (replies[0]->type != REDIS_REPLY_INTEGER) {
    return absl::DataLossError("stored data is unreadable: outbox length");
  }
  const absl::string_view info = ReplyString(replies[1].get());
  // The oldest event's age: Redis' clock now, less the time in its stream id ("{ms}-{seq}");
  // 0 for an empty outbox.
  int64_t oldest_age_seconds = 0;
  const redisReply* first = replies[2].get();
  const redisReply* time = replies[3].get();
  int64_t first_ms = 0, now_s = 0;
  if (first->type == REDIS_REPLY_ARRAY && first->elements == 1 &&
      first->element[0]->type == REDIS_REPLY_ARRAY && first->element[0]->elements == 2 &&
      time->type == REDIS_REPLY_ARRAY && time->elements == 2) {
    const absl::string_view id = ReplyString(first->element[0]->element[0]);
    if (absl::SimpleAtoi(id.substr(0, id.find('-')), &first_ms) &&
        absl::SimpleAtoi(ReplyString(time->element[0]), &now_s)) {
      oldest_age_seconds = std::max<int64_t>(0, now_s - first_ms / 1000);
    }
  }
  auto gauge = [this](const char* name, const char* help, int64_t value) {
    return GaugeFamily(name, help, {{{{"service", service_}}, static_cast<double>(value)}});
  };
  Publish({gauge("rfs_outbox_pending",
                 "Events in the service's outbox not yet delivered to the notification service.",
                 replies[0]->integer),
           gauge("rfs_outbox_oldest_age_seconds",
                 "Age of the oldest event in the service's outbox (0 when it is empty): grows "
                 "while rfs-notification does not take events.",
                 oldest_age_seconds),
           gauge("rfs_redis_memory_used_bytes", "Memory Redis uses (INFO memory used_memory).",
                 InfoInteger(info, "used_memory")),
           gauge("rfs_redis_memory_max_bytes",
                 "Redis maxmemory; writes are refused when used memory reaches it (0: no limit).",
                 InfoInteger(info, "maxmemory"))});
  return absl::OkStatus();
}

}  // namespace rfs
