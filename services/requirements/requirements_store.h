// The requirement service's state in Redis, under rfs:requirements: (docs/architecture.md):
//   report:{plan_id}       hash  "{content_version}:{ruleset_version}" → cached report: one
//                                byte, the verdict ('1' PASS, '2' PENDING_REVIEW, '3' FAIL),
//                                then the serialized CheckPlanResponse (report and summary)
//   review:{plan_id}       hash  requirement id → latest Review; "#gen" → review generation
//   review:{plan_id}:log   list  every Review recorded, oldest first (the audit trail)
//   outbox                 stream of rfs.common.v1.Event (id, type, event)
// Recording a review is one Lua script: the decision, its audit entry, the outbox event, the
// generation bump and the removal of the plan's cached reports. A report is stored only if the
// generation it was computed under is still current, so a report made with old decisions never
// lands after a newer review. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/redis/async_redis.h"
#include "common/redis/redis.h"
#include "common/redis/redis_store.h"
#include "common/redis/write_quota.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/requirements/v1/requirements.pb.h"
#include "services/requirements/rules.h"

namespace rfs::requirements {

struct ReviewState {
  ReviewMap latest;        // by requirement id
  int64_t generation = 0;  // bumped by every recorded review
};

class RequirementsStore : public RedisStore {
 public:
  // At most this many cached reports per plan (versions × rulesets); the hash is emptied when
  // it is full, and refilled by the next checks.
  static constexpr int kMaxReportsPerPlan = 32;

  // Reviews count against the reviewer's `quota`.
  RequirementsStore(RedisPool* pool, AsyncRedis* async, WriteQuota quota = {});

  // The cached value of (plan, content version, ruleset version), if any (format above), read
  // on the async client: `done` runs on its loop thread and must not block.
  using ReportDone = absl::AnyInvocable<void(absl::StatusOr<std::optional<std::string>>)>;
  void GetReportAsync(const std::string& plan_id, int64_t content_version,
                      const std::string& ruleset_version, ReportDone done);
  // Stores a cached value computed under `generation`, with its "requirement check completed"
  // event, unless a review was recorded since (then only the event is written; returns false).
  absl::StatusOr<bool> PutReport(const std::string& plan_id, int64_t content_version,
                                 const std::string& ruleset_version, const std::string& value,
                                 int64_t generation, const common::v1::Event& event);
  // The latest decisions and the generation.
  absl::StatusOr<ReviewState> GetReviews(const std::string& plan_id);
  // Records a decision (see above), counted against `subject`'s write quota
  // (RESOURCE_EXHAUSTED with the delay when it is used up; nothing is written then).
  absl::Status RecordReview(const std::string& plan_id, const v1::Review& review,
                            const common::v1::Event& event, const std::string& subject);
  // At most `count` decisions recorded from `offset`, oldest first, and how many there are.
  using ReviewLogPart = ListPart<v1::Review>;
  absl::StatusOr<ReviewLogPart> ReviewLogRange(const std::string& plan_id, int64_t offset,
                                               int64_t count);

 private:
  const RedisScript& put_report_script_;
  const RedisScript& record_review_script_;
  const WriteQuota quota_;
};

}  // namespace rfs::requirements
