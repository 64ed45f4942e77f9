// RequirementsStore's scripts (lua/put_report.lua, lua/record_review.lua) against a real
// redis-server: each distinct reply of each script, as the store reads it, that a refused write
// leaves nothing behind, and that unreadable stored data is an error.
#include "services/requirements/requirements_store.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "tests/support/assert_ok.h"
#include "tests/support/process.h"
#include "tests/support/raw_redis.h"
#include "tests/support/redis_server.h"

namespace rfs::requirements {
namespace {

constexpr char kPlan[] = "A-00001";
constexpr char kRuleset[] = "2025.1";
constexpr char kReports[] = "rfs:requirements:report:A-00001";
constexpr char kReviews[] = "rfs:requirements:review:A-00001";
constexpr char kLog[] = "rfs:requirements:review:A-00001:log";
constexpr char kOutbox[] = "rfs:requirements:outbox";

common::v1::Event EventOf(const std::string& id, const std::string& type) {
  common::v1::Event event;
  event.set_id(id);
  event.set_type(type);
  event.set_plan("plans/A-00001");
  return event;
}

v1::Review ReviewOf(const std::string& requirement_id, const std::string& comment,
                    v1::ReviewDecision decision = v1::REVIEW_DECISION_ACCEPTED) {
  v1::Review review;
  review.set_plan("plans/A-00001");
  review.set_requirement_id(requirement_id);
  review.set_decision(decision);
  review.set_comment(comment);
  review.set_reviewer("reviewer");
  review.set_reviewer_role("secretariat");
  return review;
}

// The field of the report hash of (content version, kRuleset).
std::string Field(int64_t content_version) { return absl::StrCat(content_version, ":", kRuleset); }

class RequirementsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.Start();
    pool_ = std::make_unique<RedisPool>(redis_.options());
    raw_ = std::make_unique<testing::RawRedis>(pool_.get());
  }

  std::unique_ptr<RequirementsStore> Store(WriteQuota quota = {0, 0}) {
    return std::make_unique<RequirementsStore>(pool_.get(), nullptr, quota);
  }

  // A report of content version `content_version` under kRuleset, computed under `generation`.
  absl::StatusOr<bool> Put(RequirementsStore& store, int64_t content_version,
                           const std::string& value, int64_t generation,
                           const std::string& event_id) {
    return store.PutReport(kPlan, content_version, kRuleset, value, generation,
                           EventOf(event_id, "plan.requirements_checked"));
  }

  absl::Status Record(RequirementsStore& store, const v1::Review& review,
                      const std::string& event_id, const std::string& subject = "reviewer") {
    return store.RecordReview(kPlan, review, EventOf(event_id, "plan.requirement_reviewed"),
                              subject);
  }

  // The outbox's entries, oldest first: each one's fields (id, type, event) by name.
  std::vector<std::map<std::string, std::string>> Outbox() {
    return raw_->StreamEntries(kOutbox);
  }

  testing::TempDir dir_;
  testing::RedisServer redis_{dir_.path()};
  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<testing::RawRedis> raw_;  // raw Redis, bypassing the store
};

TEST_F(RequirementsStoreTest, PutReportCachesTheReportWithItsEvent) {
  auto store = Store();
  absl::StatusOr<bool> put = Put(*store, 3, "1report", 0, "requirements/check/1");
  ASSERT_OK(put.status());
  EXPECT_TRUE(*put);
  EXPECT_EQ(raw_->Str({"HGET", kReports, Field(3)}), "1report");
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].at("id"), "requirements/check/1");
  EXPECT_EQ(outbox[0].at("type"), "plan.requirements_checked");
  common::v1::Event event;
  ASSERT_TRUE(event.ParseFromString(outbox[0].at("event")));
  EXPECT_EQ(event.id(), "requirements/check/1");
  EXPECT_EQ(event.plan(), "plans/A-00001");
}

TEST_F(RequirementsStoreTest, PutReportOfACachedReportRewritesNothing) {
  auto store = Store();
  absl::StatusOr<bool> first = Put(*store, 3, "1first", 0, "requirements/check/1");
  ASSERT_OK(first.status());
  ASSERT_TRUE(*first);
  // The same (content, ruleset) again: reported as cached, the first value kept, no second event.
  absl::StatusOr<bool> again = Put(*store, 3, "3second", 0, "requirements/check/2");
  ASSERT_OK(again.status());
  EXPECT_TRUE(*again);
  EXPECT_EQ(raw_->Str({"HGET", kReports, Field(3)}), "1first");
  EXPECT_EQ(raw_->Int({"HLEN", kReports}), 1);
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].at("id"), "requirements/check/1");
}

TEST_F(RequirementsStoreTest, PutReportAfterAReviewWritesOnlyItsEvent) {
  auto store = Store();
  // A review was recorded after the report was computed (under generation 0).
  raw_->Do({"HSET", kReviews, "#gen", "1"});
  absl::StatusOr<bool> stale = Put(*store, 3, "1stale", 0, "requirements/check/stale");
  ASSERT_OK(stale.status());
  EXPECT_FALSE(*stale);
  EXPECT_EQ(raw_->Int({"EXISTS", kReports}), 0);
  // The check did complete (its caller got it): its event is written all the same.
  auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].at("id"), "requirements/check/stale");
  // Computed under the current generation: cached.
  absl::StatusOr<bool> fresh = Put(*store, 3, "1fresh", 1, "requirements/check/fresh");
  ASSERT_OK(fresh.status());
  EXPECT_TRUE(*fresh);
  EXPECT_EQ(raw_->Str({"HGET", kReports, Field(3)}), "1fresh");
  outbox = Outbox();
  ASSERT_EQ(outbox.size(), 2u);
  EXPECT_EQ(outbox[1].at("id"), "requirements/check/fresh");
}

TEST_F(RequirementsStoreTest, PutReportIntoAFullHashEmptiesItFirst) {
  auto store = Store();
  constexpr int kMax = RequirementsStore::kMaxReportsPerPlan;
  for (int v = 1; v <= kMax; ++v) {
    absl::StatusOr<bool> put = Put(*store, v, absl::StrCat("1report ", v), 0,
                                   absl::StrCat("requirements/check/", v));
    ASSERT_OK(put.status());
    ASSERT_TRUE(*put) << v;
  }
  // Exactly full: nothing dropped yet.
  EXPECT_EQ(raw_->Int({"HLEN", kReports}), kMax);
  absl::StatusOr<bool> put = Put(*store, kMax + 1, "1newest", 0, "requirements/check/newest");
  ASSERT_OK(put.status());
  EXPECT_TRUE(*put);
  EXPECT_EQ(raw_->Int({"HLEN", kReports}), 1);
  EXPECT_EQ(raw_->Str({"HGET", kReports, Field(kMax + 1)}), "1newest");
  EXPECT_EQ(raw_->Int({"HEXISTS", kReports, Field(1)}), 0);
  EXPECT_EQ(raw_->Int({"XLEN", kOutbox}), kMax + 1);
}

TEST_F(RequirementsStoreTest, RecordReviewStoresTheDecisionAndDropsCachedReports) {
  auto store = Store();
  absl::StatusOr<bool> put = Put(*store, 3, "2pending", 0, "requirements/check/1");
  ASSERT_OK(put.status());
  ASSERT_TRUE(*put);

  ASSERT_OK(Record(*store, ReviewOf("A2", "確認済み"), "requirements/review/1"));
  absl::StatusOr<ReviewState> state = store->GetReviews(kPlan);
  ASSERT_OK(state.status());
  EXPECT_EQ(state->generation, 1);
  ASSERT_EQ(state->latest.size(), 1u);
  ASSERT_EQ(state->latest.count("A2"), 1u);
  EXPECT_EQ(state->latest.at("A2").comment(), "確認済み");
  EXPECT_EQ(state->latest.at("A2").decision(), v1::REVIEW_DECISION_ACCEPTED);
  // The cached reports were made with the old decisions.
  EXPECT_EQ(raw_->Int({"EXISTS", kReports}), 0);
  EXPECT_EQ(raw_->Int({"LLEN", kLog}), 1);
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 2u);
  EXPECT_EQ(outbox[1].at("id"), "requirements/review/1");
  EXPECT_EQ(outbox[1].at("type"), "plan.requirement_reviewed");

  // A second decision: the next generation, both latest decisions, both in the log in order.
  ASSERT_OK(Record(*store, ReviewOf("A3", "要修正", v1::REVIEW_DECISION_RETURNED),
                   "requirements/review/2"));
  state = store->GetReviews(kPlan);
  ASSERT_OK(state.status());
  EXPECT_EQ(state->generation, 2);
  EXPECT_EQ(state->latest.size(), 2u);
  absl::StatusOr<RequirementsStore::ReviewLogPart> log = store->ReviewLogRange(kPlan, 0, 10);
  ASSERT_OK(log.status());
  EXPECT_EQ(log->length, 2);
  ASSERT_EQ(log->items.size(), 2u);
  EXPECT_EQ(log->items[0].requirement_id(), "A2");
  EXPECT_EQ(log->items[1].requirement_id(), "A3");
  EXPECT_EQ(log->items[1].decision(), v1::REVIEW_DECISION_RETURNED);
  EXPECT_EQ(raw_->Int({"XLEN", kOutbox}), 3);
}

TEST_F(RequirementsStoreTest, RecordReviewOverQuotaByWritesWritesNothing) {
  auto store = Store(WriteQuota{1, 0});  // one review a minute
  redis_.AwayFromMinuteEnd();  // both reviews in one minute
  ASSERT_OK(Record(*store, ReviewOf("A2", "確認済み"), "requirements/review/1"));
  const int64_t keys = raw_->Int({"DBSIZE"});

  const absl::Status refused = Record(
      *store, ReviewOf("A3", "要修正", v1::REVIEW_DECISION_RETURNED), "requirements/review/2");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_TRUE(absl::StrContains(ToGrpcStatus(refused, Language::kEnglish).error_message(),
                                "writes this minute"))
      << refused;
  EXPECT_TRUE(RetryDelayOf(refused).has_value());
  EXPECT_EQ(raw_->Int({"DBSIZE"}), keys);
  EXPECT_EQ(raw_->Str({"HGET", kReviews, "#gen"}), "1");
  EXPECT_EQ(raw_->Int({"HEXISTS", kReviews, "A3"}), 0);
  EXPECT_EQ(raw_->Int({"LLEN", kLog}), 1);
  EXPECT_EQ(raw_->Int({"XLEN", kOutbox}), 1);

  // Another reviewer has a quota of its own.
  ASSERT_OK(Record(*store, ReviewOf("A3", "要修正", v1::REVIEW_DECISION_RETURNED),
                   "requirements/review/3", "other-reviewer"));
  EXPECT_EQ(raw_->Str({"HGET", kReviews, "#gen"}), "2");
}

TEST_F(RequirementsStoreTest, RecordReviewOverQuotaByBytesWritesNothing) {
  auto store = Store(WriteQuota{0, 10});  // 10 bytes an hour: less than one review
  absl::StatusOr<bool> put = Put(*store, 3, "2pending", 0, "requirements/check/1");
  ASSERT_OK(put.status());
  ASSERT_TRUE(*put);
  const int64_t keys = raw_->Int({"DBSIZE"});

  const absl::Status refused = Record(*store, ReviewOf("A2", "確認済み"), "requirements/review/1");
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  EXPECT_TRUE(absl::StrContains(ToGrpcStatus(refused, Language::kEnglish).error_message(),
                                "bytes written this hour"))
      << refused;
  EXPECT_EQ(raw_->Int({"DBSIZE"}), keys);
  EXPECT_EQ(raw_->Int({"EXISTS", kReviews}), 0);
  EXPECT_EQ(raw_->Int({"EXISTS", kLog}), 0);
  // The cached report stays: no decision changed.
  EXPECT_EQ(raw_->Str({"HGET", kReports, Field(3)}), "2pending");
  EXPECT_EQ(raw_->Int({"XLEN", kOutbox}), 1);
}

TEST_F(RequirementsStoreTest, UnreadableStoredDataIsAnError) {
  auto store = Store();
  // A decision that is not a Review.
  raw_->Do({"HSET", kReviews, "A2", "garbage"});
  absl::StatusOr<ReviewState> state = store->GetReviews(kPlan);
  EXPECT_EQ(state.status().code(), absl::StatusCode::kDataLoss) << state.status();
  // A generation that is not a number.
  raw_->Do({"DEL", kReviews});
  raw_->Do({"HSET", kReviews, "#gen", "x"});
  state = store->GetReviews(kPlan);
  EXPECT_EQ(state.status().code(), absl::StatusCode::kDataLoss) << state.status();
  // A log entry that is not a Review.
  raw_->Do({"RPUSH", kLog, "garbage"});
  absl::StatusOr<RequirementsStore::ReviewLogPart> log = store->ReviewLogRange(kPlan, 0, 10);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kDataLoss) << log.status();

  // Not a hash where the review hash should be: both scripts fail before writing anything.
  raw_->Do({"DEL", kReviews});
  raw_->Do({"SET", kReviews, "garbage"});
  absl::StatusOr<bool> put = Put(*store, 3, "1report", 0, "requirements/check/1");
  EXPECT_FALSE(put.ok());
  EXPECT_FALSE(Record(*store, ReviewOf("A2", "確認済み"), "requirements/review/1").ok());
  EXPECT_EQ(raw_->Int({"EXISTS", kReports}), 0);
  EXPECT_EQ(raw_->Int({"LLEN", kLog}), 1);
  EXPECT_EQ(raw_->Int({"XLEN", kOutbox}), 0);
}

}  // namespace
}  // namespace rfs::requirements
