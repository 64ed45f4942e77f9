#include "services/requirements/requirements_store.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/base/status.h"
#include "common/redis/outbox.h"
#include "common/redis/write_quota.h"
#include "services/requirements/lua_scripts.h"

namespace rfs::requirements {
namespace {

constexpr char kGenerationField[] = "#gen";

std::string ReportField(int64_t content_version, absl::string_view ruleset_version) {
  return absl::StrCat(content_version, ":", ruleset_version);
}

// kPutReportLua: lua/put_report.lua (its keys, arguments and replies are described there).

// lua/put_report.lua, its keys and arguments by name: the order is the script's, in one place.
// Reply: 1 stored (or already there), 0 not stored (a review was recorded meanwhile; the event
// is written all the same).
struct PutReportCall {
  std::string review_key, report_key, outbox_key;
  std::string generation;     // the review generation the report was computed under
  std::string report_field;   // ReportField
  absl::string_view report;   // the cached value (not owned: the caller's bytes)
  std::string max_reports;    // kMaxReportsPerPlan: a full hash is emptied first
  std::string event_id, event_type, event;

  std::vector<absl::string_view> Keys() const { return {review_key, report_key, outbox_key}; }
  std::vector<absl::string_view> Argv() const {
    return {generation, report_field, report, max_reports, event_id, event_type, event};
  }
};

// kRecordReviewLua: lua/record_review.lua (its keys, arguments and replies are described there).

// lua/record_review.lua, its keys and arguments by name.
// Reply: the new generation | {'QUOTA', retry seconds, what} (nothing written).
struct RecordReviewCall {
  std::string review_key, log_key, report_key, outbox_key;
  std::string requirement_id;
  std::string review;  // the serialized Review, stored as the latest and appended to the log
  std::string event_id, event_type, event;
  QuotaArgs quota;     // the reviewer's

  std::vector<absl::string_view> Keys() const {
    return {review_key, log_key, report_key, outbox_key};
  }
  std::vector<absl::string_view> Argv() const {
    return {requirement_id, review,    event_id,         event_type,     event,
            quota.prefix,   quota.who, quota.per_minute, quota.per_hour, quota.bytes};
  }
};

}  // namespace

RequirementsStore::RequirementsStore(RedisPool* pool, AsyncRedis* async, WriteQuota quota)
    : RedisStore(pool, async, "rfs:requirements:"),
      put_report_script_(Script({lua::kPutReportLua})),
      record_review_script_(Script({lua::kRecordReviewLua})),
      quota_(quota) {}

void RequirementsStore::GetReportAsync(const std::string& plan_id, int64_t content_version,
                                       const std::string& ruleset_version, ReportDone done) {
  async_->Command({"HGET", Key(absl::StrCat("report:", plan_id)),
                   ReportField(content_version, ruleset_version)},
                  [done = std::move(done)](absl::StatusOr<const redisReply*> reply) mutable {
                    if (!reply.ok()) return done(reply.status());
                    if ((*reply)->type == REDIS_REPLY_NIL) {
                      return done(std::optional<std::string>());
                    }
                    if ((*reply)->type != REDIS_REPLY_STRING) return done(Corrupt("cached report"));
                    done(std::optional<std::string>(std::string(ReplyString(*reply))));
                  });
}

absl::StatusOr<bool> RequirementsStore::PutReport(const std::string& plan_id,
                                                  int64_t content_version,
                                                  const std::string& ruleset_version,
                                                  const std::string& bytes, int64_t generation,
                                                  const common::v1::Event& event) {
  PutReportCall call;
  call.review_key = Key(absl::StrCat("review:", plan_id));
  call.report_key = Key(absl::StrCat("report:", plan_id));
  call.outbox_key = OutboxKey();
  call.generation = absl::StrCat(generation);
  call.report_field = ReportField(content_version, ruleset_version);
  call.report = bytes;
  call.max_reports = absl::StrCat(kMaxReportsPerPlan);
  call.event_id = event.id();
  call.event_type = event.type();
  call.event = event.SerializeAsString();
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Eval(put_report_script_, call.Keys(), call.Argv()));
  ASSIGN_OR_RETURN(const int64_t stored, IntegerOf(reply.get(), "report store reply"));
  return stored == 1;
}

absl::StatusOr<ReviewState> RequirementsStore::GetReviews(const std::string& plan_id) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Command({"HGETALL", Key(absl::StrCat("review:", plan_id))}));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 0) return Corrupt("reviews");
  ReviewState state;
  for (size_t i = 0; i + 1 < reply->elements; i += 2) {
    const absl::string_view field = ReplyString(reply->element[i]);
    const redisReply* value = reply->element[i + 1];
    if (field == kGenerationField) {
      ASSIGN_OR_RETURN(state.generation, IntegerOf(value, "review generation"));
      continue;
    }
    v1::Review review;
    RETURN_IF_ERROR(ParseOf(value, &review, absl::StrCat("review ", field)));
    state.latest.emplace(std::string(field), std::move(review));
  }
  return state;
}

absl::Status RequirementsStore::RecordReview(const std::string& plan_id, const v1::Review& review,
                                             const common::v1::Event& event,
                                             const std::string& subject) {
  RecordReviewCall call;
  call.review_key = Key(absl::StrCat("review:", plan_id));
  call.log_key = absl::StrCat(call.review_key, ":log");
  call.report_key = Key(absl::StrCat("report:", plan_id));
  call.outbox_key = OutboxKey();
  call.requirement_id = review.requirement_id();
  call.review = review.SerializeAsString();
  call.event_id = event.id();
  call.event_type = event.type();
  call.event = event.SerializeAsString();
  // What the write adds: the review twice (latest and log) and its event.
  call.quota = QuotaArgsOf(quota_, prefix(), subject,
                           static_cast<int64_t>(2 * call.review.size() + call.event.size()));
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Eval(record_review_script_, call.Keys(), call.Argv()));
  if (std::optional<QuotaRefusal> refusal = QuotaRefusalOf(reply.get())) {
    return OverQuota(subject, *refusal);
  }
  return IntegerOf(reply.get(), "review reply").status();
}

absl::StatusOr<RequirementsStore::ReviewLogPart> RequirementsStore::ReviewLogRange(
    const std::string& plan_id, int64_t offset, int64_t count) {
  return ListRange<v1::Review>(Key(absl::StrCat("review:", plan_id, ":log")), offset, count,
                               "review log");
}

}  // namespace rfs::requirements
