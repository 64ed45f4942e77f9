#include "common/redis/leader_lease.h"

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "common/redis/lua_scripts.h"

namespace rfs {

LeaderLease::LeaderLease(RedisPool* pool, std::string key, std::string instance_id,
                         absl::Duration ttl)
    : RedisStore(pool, nullptr, ""),
      extend_script_(Script({lua::kLeaseExtendLua})),
      release_script_(Script({lua::kLeaseReleaseLua})),
      key_(std::move(key)),
      instance_id_(std::move(instance_id)),
      ttl_ms_(absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl)))) {}

absl::StatusOr<bool> LeaderLease::TryHold() {
  // Free: take it. Most turns of the holder find the key there and go on to extend it.
  absl::StatusOr<RedisReplyPtr> set =
      pool_->Command({"SET", key_, instance_id_, "NX", "PX", ttl_ms_});
  if (!set.ok()) {
    held_.store(false, std::memory_order_release);
    return set.status();
  }
  if ((*set)->type == REDIS_REPLY_STATUS) {  // +OK; a lease held by anyone is a nil reply
    held_.store(true, std::memory_order_release);
    return true;
  }
  absl::StatusOr<RedisReplyPtr> extended =
      pool_->Eval(extend_script_, {key_}, {instance_id_, ttl_ms_});
  if (!extended.ok()) {
    held_.store(false, std::memory_order_release);
    return extended.status();
  }
  absl::StatusOr<int64_t> ours = IntegerOf(extended->get(), "leader lease reply");
  if (!ours.ok()) {
    held_.store(false, std::memory_order_release);
    return ours.status();
  }
  held_.store(*ours == 1, std::memory_order_release);
  return *ours == 1;
}

absl::Status LeaderLease::Release() {
  held_.store(false, std::memory_order_release);
  absl::StatusOr<RedisReplyPtr> reply = pool_->Eval(release_script_, {key_}, {instance_id_});
  if (!reply.ok()) return reply.status();
  return IntegerOf(reply->get(), "leader lease release reply").status();
}

std::string DefaultInstanceId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    host[0] = '?';
    host[1] = '\0';
  }
  absl::BitGen bitgen;
  const uint32_t nonce = absl::Uniform<uint32_t>(bitgen);
  return absl::StrCat(host, ":", static_cast<int64_t>(getpid()), ":",
                      absl::Hex(nonce, absl::kZeroPad8));
}

}  // namespace rfs
