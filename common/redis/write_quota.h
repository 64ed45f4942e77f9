// The write quota of one principal (a token's subject), the same for every write of every
// service: at most `writes_per_minute` writes a minute and `bytes_per_hour` bytes an hour, all
// replicas together. Counted in Redis by the write's own Lua script, in the same atomic step as
// the write (so a refused write writes nothing, and an accepted one is always counted), under
// the store's prefix: `{prefix}quota:{len}:{subject}:w:{minute}` and `...:b:{hour}`, which
// expire on their own.
//
// A store's script includes the fragment ("--@include quota" in its .lua file) and calls,
// before it writes anything,
//   local q = quota_check(prefix, who, per_minute, per_hour, bytes)
//   if q[1] ~= 'OK' then return q end        -- {'QUOTA', retry seconds, 'writes'|'bytes'}
// and, once every other check has passed,
//   quota_charge(q, bytes)
// with the five arguments of QuotaArgs. The C++ side reads a refusal with QuotaRefusalOf and
// answers OverQuota. Writes a service makes on its own (a plan sync) pass NoQuota.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <hiredis/hiredis.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/redis/lua_scripts.h"

namespace rfs {

struct WriteQuota {
  int64_t writes_per_minute = 300;           // 0: no limit
  int64_t bytes_per_hour = int64_t{64} << 20;  // 0: no limit
};

// The Lua fragment defining quota_check and quota_charge (see above): lua/quota.lua, which a
// write script includes with "--@include quota" (cmake/RfsLua.cmake).
using lua::kQuotaLua;

// The arguments of quota_check, as script arguments, in its order.
struct QuotaArgs {
  std::string prefix;      // the store's key prefix
  std::string who;         // "{len}:{subject}", so no two subjects share a key
  std::string per_minute;  // "0": no limit
  std::string per_hour;    // "0": no limit
  std::string bytes;       // what this write adds, counted against the hour
};
QuotaArgs QuotaArgsOf(const WriteQuota& quota, absl::string_view prefix,
                      absl::string_view subject, int64_t bytes);
// For the writes a service makes on its own: nothing is counted, nothing refused.
QuotaArgs NoQuota(absl::string_view prefix);

// A script's refusal: retry after `retry_seconds`; `what` is "writes" or "bytes".
struct QuotaRefusal {
  int64_t retry_seconds = 0;
  std::string what;
};
// The refusal of a reply {'QUOTA', seconds, what}; nullopt for any other reply.
std::optional<QuotaRefusal> QuotaRefusalOf(const redisReply* reply);

// RESOURCE_EXHAUSTED in both languages: `subject`'s quota is used up, nothing was written, retry
// after the delay (also as a google.rpc.RetryInfo detail, common/base/errors.h WithRetryDelay).
absl::Status OverQuota(absl::string_view subject, const QuotaRefusal& refusal);

}  // namespace rfs
