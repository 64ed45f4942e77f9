#include "common/redis/write_quota.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/base/errors.h"
#include "common/base/text.h"
#include "common/redis/redis.h"

namespace rfs {

const char kQuotaLua[] = R"lua(
local function quota_check(prefix, who, per_minute, per_hour, bytes)
  per_minute = tonumber(per_minute)
  per_hour = tonumber(per_hour)
  bytes = tonumber(bytes)
  if per_minute <= 0 and per_hour <= 0 then return {'OK', '', ''} end
  local t = redis.call('TIME')
  local now = tonumber(t[1])
  local wkey = prefix .. 'quota:' .. who .. ':w:' .. math.floor(now / 60)
  local bkey = prefix .. 'quota:' .. who .. ':b:' .. math.floor(now / 3600)
  if per_minute > 0 and tonumber(redis.call('GET', wkey) or '0') >= per_minute then
    return {'QUOTA', tostring(60 - now % 60), 'writes'}
  end
  if per_hour > 0 and tonumber(redis.call('GET', bkey) or '0') + bytes > per_hour then
    return {'QUOTA', tostring(3600 - now % 3600), 'bytes'}
  end
  return {'OK', per_minute > 0 and wkey or '', per_hour > 0 and bkey or ''}
end
local function quota_charge(q, bytes)
  if q[2] ~= '' then
    redis.call('INCR', q[2])
    redis.call('EXPIRE', q[2], 120)
  end
  if q[3] ~= '' then
    redis.call('INCRBY', q[3], tonumber(bytes))
    redis.call('EXPIRE', q[3], 7200)
  end
end
)lua";

QuotaArgs QuotaArgsOf(const WriteQuota& quota, absl::string_view prefix,
                      absl::string_view subject, int64_t bytes) {
  return {std::string(prefix), absl::StrCat(subject.size(), ":", subject),
          absl::StrCat(quota.writes_per_minute), absl::StrCat(quota.bytes_per_hour),
          absl::StrCat(bytes)};
}

QuotaArgs NoQuota(absl::string_view prefix) { return {std::string(prefix), "-", "0", "0", "0"}; }

std::optional<QuotaRefusal> QuotaRefusalOf(const redisReply* reply) {
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      ReplyString(reply->element[0]) != "QUOTA") {
    return std::nullopt;
  }
  QuotaRefusal refusal;
  (void)absl::SimpleAtoi(ReplyString(reply->element[1]), &refusal.retry_seconds);
  refusal.what = std::string(ReplyString(reply->element[2]));
  return refusal;
}

absl::Status OverQuota(absl::string_view subject, const QuotaRefusal& refusal) {
  const bool bytes = refusal.what == "bytes";
  return WithRetryDelay(
      Bilingual(absl::StatusCode::kResourceExhausted,
                absl::StrCat(Excerpt(subject), " の書込み上限（",
                             bytes ? "1時間あたりの書込みバイト数" : "1分あたりの書込み回数",
                             "）に達しました。何も書き込まれていません。", refusal.retry_seconds,
                             " 秒後に再試行してください"),
                absl::StrCat("write quota of ", Excerpt(subject), " used up (",
                             bytes ? "bytes written this hour" : "writes this minute",
                             "); nothing was written; retry in ", refusal.retry_seconds, " s")),
      absl::Seconds(refusal.retry_seconds));
}

}  // namespace rfs
