#include "common/redis/write_quota.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/base/errors.h"
#include "common/base/text.h"
#include "common/redis/redis.h"

namespace rfs {


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
