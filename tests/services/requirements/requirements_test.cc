// rfs-requirements end to end: a real redis-server, the real registry and requirement servers
// on private unix sockets, the registry's submission gate calling the requirement service.
#include <future>

#include <limits>
#include <sstream>
#include <fstream>

#include <gtest/gtest.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/kit/http_get.h"
#include "rfs/common/v1/common.pb.h"
#include "services/requirements/requirements_store.h"
#include "tests/support/assert_ok.h"
#include "tests/support/registry_fixture.h"
#include "tests/support/unknown_fields.h"

namespace rfs::testing {
namespace {

using namespace registry::v1;
using requirements::v1::CheckPlanResponse;
using requirements::v1::ListReviewsResponse;
using requirements::v1::REVIEW_DECISION_ACCEPTED;
using requirements::v1::REVIEW_DECISION_RETURNED;

constexpr auto kPass = common::v1::CHECK_VERDICT_PASS;
constexpr auto kPending = common::v1::CHECK_VERDICT_PENDING_REVIEW;
constexpr auto kFail = common::v1::CHECK_VERDICT_FAIL;

class RequirementsTest : public RegistryFixture {
 protected:
  RequirementsTest() { start_requirements_ = true; }

  requirements::v1::RequirementStatus StatusOf(const CheckPlanResponse& r, const std::string& id) {
    for (const auto& x : r.report().results()) {
      if (x.id() == id) return x.status();
    }
    ADD_FAILURE() << "no result " << id;
    return requirements::v1::REQUIREMENT_STATUS_UNSPECIFIED;
  }
  int64_t Count(const std::string& args) {
    int64_t n = -1;
    EXPECT_TRUE(absl::SimpleAtoi(redis_->Cli(args), &n)) << args;
    return n;
  }
  int64_t OutboxLength() { return Count("XLEN rfs:requirements:outbox"); }
};

TEST_F(RequirementsTest, CheckIsCachedPerContentAndRecomputedForNewContent) {
  const Plan plan = MustCreate(CompletePlanA());
  CheckPlanResponse first;
  ASSERT_OK(Check(Prefecture(kIshikawa), plan.name(), &first));
  EXPECT_FALSE(first.cached());
  EXPECT_EQ(first.report().verdict(), kPending);
  EXPECT_EQ(first.report().plan(), plan.name());
  EXPECT_EQ(first.report().plan_version(), 1);
  EXPECT_EQ(first.report().title(), plan.title());
  EXPECT_EQ(StatusOf(first, "A2"), requirements::v1::REQUIREMENT_STATUS_NEEDS_REVIEW);
  EXPECT_EQ(first.summary().verdict(), kPending);
  EXPECT_TRUE(absl::StartsWith(first.report().ruleset_version(), "2026.05+"));
  EXPECT_EQ(OutboxLength(), 1);  // "requirement check completed"

  CheckPlanResponse again;
  ASSERT_OK(Check(Viewer(), plan.name(), &again));
  EXPECT_TRUE(again.cached());
  EXPECT_EQ(again.report().results_size(), first.report().results_size());
  EXPECT_EQ(OutboxLength(), 1);  // served from the cache: no new event

  // A stage change keeps the content: still the cached report, for the new version.
  Plan moved;
  ASSERT_OK(Transition(Prefecture(kToyama), plan.name(), PLAN_STAGE_PRE_CONSULTATION, &moved));
  ASSERT_OK(Check(Secretariat(), plan.name(), &again));
  EXPECT_TRUE(again.cached());
  EXPECT_EQ(again.report().plan_version(), moved.version());
  EXPECT_EQ(again.report().content_version(), 1);

  // New content: a new report.
  Plan change;
  change.set_name(plan.name());
  change.add_strategic_fields("AI_SEMICONDUCTOR");
  change.add_strategic_fields("SHIPBUILDING");
  Plan v3;
  ASSERT_OK(Update(Prefecture(kToyama), change, "strategic_fields", &v3));
  CheckPlanResponse fresh;
  ASSERT_OK(Check(Secretariat(), plan.name(), &fresh));
  EXPECT_FALSE(fresh.cached());
  EXPECT_EQ(fresh.report().content_version(), v3.version());
  EXPECT_EQ(OutboxLength(), 2);

  // An older version is checked as it was.
  CheckPlanResponse old;
  ASSERT_OK(Check(Secretariat(), plan.name(), &old, 1));
  EXPECT_TRUE(old.cached());
  EXPECT_EQ(old.report().plan_version(), 1);
  EXPECT_EQ(old.report().content_version(), 1);
}

// rfs-requirements following rfs-notification's plan events: a plan's current BASIC view is
// kept in process, so a cached check needs no call to the registry; a change made in the
// registry drops it, and the next check sees the new version.
class RequirementsPlanCacheTest : public RequirementsTest {
 protected:
  void SetUp() override {
    RequirementsTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(StartNotification());
    // The registry relaying its outbox there, the requirement service watching it.
    server_.reset();
    ASSERT_NO_FATAL_FAILURE(StartRegistry());
    ASSERT_NO_FATAL_FAILURE(StartRequirements());
    ASSERT_NE(requirements_->plan_cache(), nullptr);
    ASSERT_TRUE(WaitFor([&] { return requirements_->plan_cache()->watch().live(); }));
  }
  // Waits until the cache's watch has seen `n` events (each registry write makes one).
  bool Seen(int64_t n) {
    return WaitFor([&] { return requirements_->plan_cache()->watch().events_seen() >= n; });
  }
};

TEST_F(RequirementsPlanCacheTest, ACachedCheckNeedsNoRegistryAndAChangeIsSeenByTheNextCheck) {
  const Plan plan = MustCreate(CompletePlanA());
  ASSERT_TRUE(Seen(1));  // plan.created
  CheckPlanResponse first;
  ASSERT_OK(Check(Prefecture(kIshikawa), plan.name(), &first));
  EXPECT_EQ(first.report().plan_version(), 1);
  EXPECT_EQ(requirements_->plan_cache()->size(), 1u);

  // The registry gone: a cached check is the cache's view and the stored report.
  server_.reset();
  CheckPlanResponse cached;
  ASSERT_OK(Check(Viewer(), plan.name(), &cached));
  EXPECT_TRUE(cached.cached());
  EXPECT_EQ(cached.report().plan_version(), 1);
  // Read access is still decided, on the cached view, as on the registry's: a body that is
  // not an author of this draft may not check it.
  CheckPlanResponse refused;
  EXPECT_EQ(Check(Prefecture(kGunma), plan.name(), &refused).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The registry back; a change there reaches the cache with its event, and the next check
  // reports the new version.
  ASSERT_NO_FATAL_FAILURE(StartRegistry());
  Plan moved;
  ASSERT_OK(Transition(Prefecture(kToyama), plan.name(), PLAN_STAGE_PRE_CONSULTATION, &moved));
  ASSERT_TRUE(Seen(2));  // plan.stage_changed (the checks' own events are not plan events)
  CheckPlanResponse next;
  ASSERT_OK(Check(Secretariat(), plan.name(), &next));
  EXPECT_EQ(next.report().plan_version(), moved.version());
  Plan change;
  change.set_name(plan.name());
  change.add_strategic_fields("AI_SEMICONDUCTOR");
  change.add_strategic_fields("SHIPBUILDING");
  Plan v3;
  ASSERT_OK(Update(Prefecture(kToyama), change, "strategic_fields", &v3));
  ASSERT_TRUE(Seen(3));  // plan.updated
  ASSERT_OK(Check(Secretariat(), plan.name(), &next));
  EXPECT_FALSE(next.cached());
  EXPECT_EQ(next.report().content_version(), v3.version());

  // rfs-notification down: the watch is not live, checks ask the registry (still correct).
  notification_.reset();
  ASSERT_TRUE(WaitFor([&] { return !requirements_->plan_cache()->watch().live(); }));
  ASSERT_OK(Check(Secretariat(), plan.name(), &next));
  EXPECT_EQ(next.report().plan_version(), v3.version());
}

TEST_F(RequirementsTest, ReviewsDecideAttestedRequirementsAndResetWhenContentChanges) {
  const Plan plan = MustCreate(CompletePlanA());
  CheckPlanResponse r;
  ASSERT_OK(Check(Secretariat(), plan.name(), &r));
  ASSERT_EQ(r.report().verdict(), kPending);

  requirements::v1::Review review;
  ASSERT_OK(Review(Bureau("HOKURIKU"), plan.name(), "A2", REVIEW_DECISION_ACCEPTED, "確認済み",
                   &review, 1));
  EXPECT_EQ(review.reviewer(), "bureau-HOKURIKU");
  EXPECT_EQ(review.reviewer_role(), "bureau");
  EXPECT_TRUE(review.current());
  ASSERT_OK(Review(Secretariat(), plan.name(), "A3", REVIEW_DECISION_RETURNED,
                   "予算要求額を記載してください"));
  ASSERT_OK(Check(Secretariat(), plan.name(), &r));
  EXPECT_FALSE(r.cached());  // the review invalidated the cached report
  EXPECT_EQ(r.report().verdict(), kFail);
  EXPECT_EQ(StatusOf(r, "A2"), requirements::v1::REQUIREMENT_STATUS_SATISFIED);
  EXPECT_EQ(StatusOf(r, "A3"), requirements::v1::REQUIREMENT_STATUS_NOT_SATISFIED);

  // The authors revise A3; the returned decision no longer applies.
  Plan change;
  change.set_name(plan.name());
  *change.mutable_attestations() = plan.attestations();
  change.mutable_attestations(1)->set_statement("経済産業省と2026年度予算50億円について調整中。");
  Plan v2;
  ASSERT_OK(Update(Prefecture(kToyama), change, "attestations", &v2));
  ASSERT_OK(Check(Secretariat(), plan.name(), &r));
  EXPECT_EQ(StatusOf(r, "A3"), requirements::v1::REQUIREMENT_STATUS_NEEDS_REVIEW);
  EXPECT_EQ(StatusOf(r, "A2"), requirements::v1::REQUIREMENT_STATUS_SATISFIED);
  EXPECT_EQ(r.report().verdict(), kPending);

  ListReviewsResponse latest;
  ASSERT_OK(ListReviews(Prefecture(kToyama), plan.name(), false, &latest));
  ASSERT_EQ(latest.reviews_size(), 2);
  EXPECT_EQ(latest.reviews(0).requirement_id(), "A2");
  EXPECT_TRUE(latest.reviews(0).current());
  EXPECT_EQ(latest.reviews(1).requirement_id(), "A3");
  EXPECT_FALSE(latest.reviews(1).current());

  // A decision on a version whose content has changed since is refused.
  EXPECT_EQ(Review(Secretariat(), plan.name(), "A3", REVIEW_DECISION_ACCEPTED, "", nullptr, 1)
                .error_code(),
            grpc::StatusCode::ABORTED);
  ASSERT_OK(Review(Secretariat(), plan.name(), "A3", REVIEW_DECISION_ACCEPTED, "", nullptr,
                   v2.version()));
  ASSERT_OK(Check(Secretariat(), plan.name(), &r));
  EXPECT_EQ(r.report().verdict(), kPass);

  ListReviewsResponse history;
  ASSERT_OK(ListReviews(Secretariat(), plan.name(), true, &history));
  ASSERT_EQ(history.reviews_size(), 3);
  EXPECT_EQ(history.reviews(1).decision(), REVIEW_DECISION_RETURNED);
  EXPECT_FALSE(history.reviews(1).current());
  EXPECT_TRUE(history.reviews(2).current());
  // A decision repeated on unchanged content supersedes the earlier one: only the latest per
  // requirement is current in a history.
  ASSERT_OK(Review(Secretariat(), plan.name(), "A2", REVIEW_DECISION_ACCEPTED, "再確認"));
  ASSERT_OK(ListReviews(Secretariat(), plan.name(), true, &history));
  ASSERT_EQ(history.reviews_size(), 4);
  EXPECT_EQ(history.reviews(0).requirement_id(), "A2");
  EXPECT_FALSE(history.reviews(0).current());
  EXPECT_TRUE(history.reviews(3).current());
  // Events: every review (4) and every computed report (4: the first check, and after each of
  // the A3 return, the update and the A3 acceptance); the ABORTED review wrote none.
  EXPECT_EQ(OutboxLength(), 8);
  EXPECT_TRUE(absl::StrContains(redis_->Cli("XRANGE rfs:requirements:outbox - + COUNT 100"),
                                "requirement.review_recorded"));
}

TEST_F(RequirementsTest, BadOrUnauthorizedReviewsAreRefusedAndWriteNothing) {
  const Plan plan = MustCreate(CompletePlanA());
  const int64_t keys = Count("DBSIZE");
  auto code = [&](const std::string& token, const std::string& id,
                  requirements::v1::ReviewDecision d, const std::string& comment) {
    return Review(token, plan.name(), id, d, comment).error_code();
  };
  EXPECT_EQ(code(Prefecture(kToyama), "A2", REVIEW_DECISION_ACCEPTED, ""),
            grpc::StatusCode::PERMISSION_DENIED);  // authors do not review themselves
  EXPECT_EQ(code(Bureau("KINKI"), "A2", REVIEW_DECISION_ACCEPTED, ""),
            grpc::StatusCode::PERMISSION_DENIED);  // another block's bureau
  EXPECT_EQ(code(Viewer(), "A2", REVIEW_DECISION_ACCEPTED, ""),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(code(Secretariat(), "A4", REVIEW_DECISION_ACCEPTED, ""),
            grpc::StatusCode::INVALID_ARGUMENT);  // decided from figures
  EXPECT_EQ(code(Secretariat(), "A2", REVIEW_DECISION_RETURNED, ""),
            grpc::StatusCode::INVALID_ARGUMENT);  // returning needs a comment
  EXPECT_EQ(code(Secretariat(), "A2", requirements::v1::REVIEW_DECISION_UNSPECIFIED, ""),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Review(Secretariat(), "plans/A-99999", "A2", REVIEW_DECISION_ACCEPTED, "")
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Review(Secretariat(), "A-1", "A2", REVIEW_DECISION_ACCEPTED, "").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // No attestation of A3 to decide on.
  Plan change;
  change.set_name(plan.name());
  *change.mutable_attestations() = plan.attestations();
  change.mutable_attestations()->RemoveLast();
  Plan v2;
  ASSERT_OK(Update(Prefecture(kToyama), change, "attestations", &v2));
  const int64_t after_update = Count("DBSIZE");
  const grpc::Status missing =
      Review(Secretariat(), plan.name(), "A3", REVIEW_DECISION_ACCEPTED, "");
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(missing.error_message(), "no attestation of A3"));
  EXPECT_EQ(Count("DBSIZE"), after_update);
  EXPECT_GT(after_update, keys);  // the registry wrote; the requirement service did not
  EXPECT_EQ(Count("EXISTS rfs:requirements:review:A-00001"), 0);
  EXPECT_EQ(OutboxLength(), 0);
}

TEST_F(RequirementsTest, ReviewsOfInapplicableOrWithdrawnOrFutureVersionsAreRefused) {
  const Plan b = MustCreate(CompletePlanB());  // no company attracted from outside
  const int64_t keys = Count("DBSIZE");
  grpc::Status s = Review(Bureau(), b.name(), "B2", REVIEW_DECISION_ACCEPTED, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "B2 does not apply")) << s.error_message();
  s = Review(Bureau(), b.name(), "B1", REVIEW_DECISION_ACCEPTED, "", nullptr, b.version() + 5);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "has no version")) << s.error_message();
  Plan p;
  ASSERT_OK(Transition(Prefecture(kToyama), b.name(), PLAN_STAGE_WITHDRAWN, &p, "取下げ"));
  const int64_t after_withdrawal = Count("DBSIZE");
  s = Review(Bureau(), b.name(), "B1", REVIEW_DECISION_ACCEPTED, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "withdrawn")) << s.error_message();
  EXPECT_EQ(Count("DBSIZE"), after_withdrawal);
  EXPECT_GE(after_withdrawal, keys);
  EXPECT_EQ(OutboxLength(), 0);
}

TEST_F(RequirementsTest, SubmissionIsGatedByThePassingCheck) {
  // A type B plan of Toyama alone, missing KGIs and attestations.
  const Plan plan = MustCreate(PlanB());
  const std::string name = plan.name();
  const std::string toyama = Prefecture(kToyama);
  Plan p;
  ASSERT_OK(Transition(toyama, name, PLAN_STAGE_PRE_CONSULTATION, &p));
  // The advisory check is stored with the plan.
  ASSERT_TRUE(p.has_requirement_check());
  EXPECT_EQ(p.requirement_check().verdict(), kFail);
  EXPECT_EQ(p.requirement_check().plan_version(), 1);
  EXPECT_EQ(p.requirement_check().content_version(), 1);
  EXPECT_TRUE(absl::StartsWith(p.requirement_check().ruleset_version(), "2026.05+"));
  EXPECT_EQ(absl::StrJoin(p.requirement_check().unmet_requirement_ids(), ","),
            "B1,B3,B4,KGI-VALUE_ADDED,KGI-TALENT");
  ASSERT_OK(Transition(Bureau(), name, PLAN_STAGE_COORDINATION, &p));

  // Publication by the governor freezes the content, so it is gated too: a failing plan stays
  // in COORDINATION, where its authors can still complete it.
  const int64_t before = p.version();
  const grpc::Status refused = Transition(toyama, name, PLAN_STAGE_PUBLISHED_BY_GOVERNOR, &p);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(refused.error_message(),
                                "unmet requirements: B1, B3, B4, KGI-VALUE_ADDED, KGI-TALENT"))
      << refused.error_message();
  Plan now;
  ASSERT_OK(Get(toyama, name, &now));
  EXPECT_EQ(now.version(), before);
  EXPECT_EQ(now.stage(), PLAN_STAGE_COORDINATION);
  EXPECT_EQ(Transition(toyama, name, PLAN_STAGE_SUBMITTED, &p).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // not a move from COORDINATION at all

  // A complete plan passes once its attested requirements are accepted.
  const Plan good = MustCreate(CompletePlanB());
  ASSERT_OK(Transition(toyama, good.name(), PLAN_STAGE_PRE_CONSULTATION, &p));
  EXPECT_EQ(p.requirement_check().verdict(), kPending);
  EXPECT_EQ(absl::StrJoin(p.requirement_check().pending_requirement_ids(), ","), "B1,B4");
  ASSERT_OK(Transition(Bureau(), good.name(), PLAN_STAGE_COORDINATION, &p));
  const grpc::Status pending =
      Transition(toyama, good.name(), PLAN_STAGE_PUBLISHED_BY_GOVERNOR, &p);
  EXPECT_EQ(pending.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(pending.error_message(), "awaiting a reviewer's decision: B1, B4"))
      << pending.error_message();
  ASSERT_OK(Review(Bureau(), good.name(), "B1", REVIEW_DECISION_ACCEPTED, ""));
  ASSERT_OK(Review(Bureau(), good.name(), "B4", REVIEW_DECISION_ACCEPTED, ""));
  ASSERT_OK(Transition(toyama, good.name(), PLAN_STAGE_PUBLISHED_BY_GOVERNOR, &p));
  EXPECT_EQ(p.requirement_check().verdict(), kPass);
  // No decision can fail a plan whose content is frozen (it could not be fixed).
  const grpc::Status frozen =
      Review(Bureau(), good.name(), "B1", REVIEW_DECISION_RETURNED, "やはり不十分");
  EXPECT_EQ(frozen.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << frozen.error_message();
  ASSERT_OK(Transition(toyama, good.name(), PLAN_STAGE_SUBMITTED, &p));
  EXPECT_EQ(p.stage(), PLAN_STAGE_SUBMITTED);
  EXPECT_EQ(p.requirement_check().verdict(), kPass);
  EXPECT_TRUE(p.requirement_check().unmet_requirement_ids().empty());

  // A revision is published again only when it passes: REVISING → PUBLISHED is gated.
  ASSERT_OK(Transition(Secretariat(), good.name(), PLAN_STAGE_PUBLISHED, &p));
  ASSERT_OK(Transition(toyama, good.name(), PLAN_STAGE_REVISING, &p));
  Plan revised = p;
  for (auto& a : *revised.mutable_attestations()) {
    if (a.requirement_id() == "B1") a.set_statement(a.statement() + "（改訂）");
  }
  ASSERT_OK(Update(toyama, revised, "attestations", &p));  // B1 needs review again
  const grpc::Status unrevised = Transition(Secretariat(), good.name(), PLAN_STAGE_PUBLISHED, &p);
  EXPECT_EQ(unrevised.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(unrevised.error_message(), "B1")) << unrevised.error_message();
  ASSERT_OK(Review(Bureau(), good.name(), "B1", REVIEW_DECISION_ACCEPTED, ""));
  ASSERT_OK(Transition(Secretariat(), good.name(), PLAN_STAGE_PUBLISHED, &p));
  EXPECT_EQ(p.stage(), PLAN_STAGE_PUBLISHED);
}

// While rfs-requirements is down, a gated move (here into SUBMITTED) fails with UNAVAILABLE and
// writes nothing.
TEST_F(RequirementsTest, SubmissionFailsUnavailableWhileTheCheckerIsDown) {
  const Plan good = MustCreate(CompletePlanB());
  const std::string toyama = Prefecture(kToyama);
  Plan p;
  ASSERT_OK(Transition(toyama, good.name(), PLAN_STAGE_PRE_CONSULTATION, &p));
  ASSERT_OK(Review(Bureau(), good.name(), "B1", REVIEW_DECISION_ACCEPTED, ""));
  ASSERT_OK(Review(Bureau(), good.name(), "B4", REVIEW_DECISION_ACCEPTED, ""));
  ASSERT_OK(Transition(Bureau(), good.name(), PLAN_STAGE_COORDINATION, &p));
  ASSERT_OK(Transition(toyama, good.name(), PLAN_STAGE_PUBLISHED_BY_GOVERNOR, &p));
  requirements_.reset();
  const grpc::Status down = Transition(toyama, good.name(), PLAN_STAGE_SUBMITTED, &p);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  Plan now;
  ASSERT_OK(Get(toyama, good.name(), &now));
  EXPECT_EQ(now.stage(), PLAN_STAGE_PUBLISHED_BY_GOVERNOR);
  StartRequirements();
  ASSERT_OK(Transition(toyama, good.name(), PLAN_STAGE_SUBMITTED, &p));
}

TEST_F(RequirementsTest, TransitionFailsUnavailableWhileTheCheckerIsDown) {
  const Plan plan = MustCreate(CompletePlanC());
  requirements_.reset();
  Plan p;
  const grpc::Status down =
      Transition(Municipality(kKanazawaCity), plan.name(), PLAN_STAGE_PRE_CONSULTATION, &p);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  Plan now;
  ASSERT_OK(Get(Secretariat(), plan.name(), &now));
  EXPECT_EQ(now.version(), 1);
  EXPECT_EQ(now.stage(), PLAN_STAGE_DRAFTING);
  EXPECT_FALSE(now.has_requirement_check());

  StartRequirements();
  ASSERT_OK(Transition(Municipality(kKanazawaCity), plan.name(), PLAN_STAGE_PRE_CONSULTATION, &p));
  EXPECT_EQ(p.requirement_check().verdict(), kPending);
}

TEST_F(RequirementsTest, CheckNeedsTheRegistryAndReadAccess) {
  const Plan plan = MustCreate(CompletePlanC());
  CheckPlanResponse r;
  EXPECT_EQ(Check(Prefecture(kAichi), plan.name(), &r).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // not its area, not public
  EXPECT_EQ(Check(Bureau("KINKI"), plan.name(), &r).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Check(Prefecture(kIshikawa), plan.name(), &r));  // its area
  EXPECT_EQ(Check(Secretariat(), "plans/C-99999", &r).error_code(), grpc::StatusCode::NOT_FOUND);
  // Who may not read every plan is not told whether one exists (AIP-211).
  EXPECT_EQ(Check(Prefecture(kAichi), "plans/C-99999", &r).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ListReviewsResponse reviews;
  EXPECT_EQ(ListReviews(Prefecture(kAichi), "plans/C-99999", false, &reviews).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Check(Secretariat(), plan.name(), &r, 7).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Check(Secretariat(), "C-00001", &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Check(Secretariat(), plan.name(), &r, -1).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  server_.reset();  // the registry goes away
  const grpc::Status down = Check(Secretariat(), plan.name(), &r);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(down.error_message(), "plan registry is unreachable"));
  // Inline checks do not need the registry.
  ASSERT_OK(CheckInline(Viewer(), CompletePlanC(), &r));
}

TEST_F(RequirementsTest, ReadAccessFollowsTheCurrentVersionForEveryVersion) {
  const Plan plan = MustCreate(CompletePlanB());  // Toyama's
  const std::string toyama = Prefecture(kToyama);
  Plan p;
  ASSERT_OK(Transition(toyama, plan.name(), PLAN_STAGE_PRE_CONSULTATION, &p));
  ASSERT_OK(Review(Bureau(), plan.name(), "B1", REVIEW_DECISION_ACCEPTED, ""));
  ASSERT_OK(Review(Bureau(), plan.name(), "B4", REVIEW_DECISION_ACCEPTED, ""));
  ASSERT_OK(Transition(Bureau(), plan.name(), PLAN_STAGE_COORDINATION, &p));
  ASSERT_OK(Transition(toyama, plan.name(), PLAN_STAGE_PUBLISHED_BY_GOVERNOR, &p));
  const int64_t published = p.version();
  CheckPlanResponse r;
  ASSERT_OK(Check(Prefecture(kAichi), plan.name(), &r));  // public: everyone may read it
  ASSERT_OK(Transition(toyama, plan.name(), PLAN_STAGE_WITHDRAWN, &p, "計画を取り下げる"));
  EXPECT_EQ(Check(Prefecture(kAichi), plan.name(), &r).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Not even the version that was public: access is decided on the current version.
  EXPECT_EQ(Check(Prefecture(kAichi), plan.name(), &r, published).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Check(toyama, plan.name(), &r, published));
  EXPECT_EQ(r.report().plan_version(), published);
}

TEST_F(RequirementsTest, InlineCheckIsADryRunThatStoresNothing) {
  const int64_t keys = Count("DBSIZE");
  CheckPlanResponse r;
  Plan draft = PlanA();
  draft.set_name("plans/A-00042");  // ignored: an inline plan is not a registered one
  ASSERT_OK(CheckInline(Municipality(kToyamaCity), draft, &r));
  EXPECT_EQ(r.report().plan(), "");
  EXPECT_EQ(r.report().plan_version(), 0);
  EXPECT_EQ(r.report().verdict(), kFail);
  EXPECT_FALSE(r.cached());
  EXPECT_EQ(Count("DBSIZE"), keys);
  Plan untyped = PlanA();
  untyped.clear_type();
  const grpc::Status bad = CheckInline(Viewer(), untyped, &r);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(bad.error_message(), "plan.type")) << bad.error_message();
  requirements::v1::CheckPlanRequest empty;
  requirements::v1::CheckPlanResponse out;
  grpc::ClientContext ctx;
  PrepareCall(&ctx, Viewer(), absl::Seconds(5));
  EXPECT_EQ(requirements_stub_->CheckPlan(&ctx, empty, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// An inline plan gets the registry's validation before any rule: what the registry would
// refuse is INVALID_ARGUMENT naming the field, never a failure inside the rules.
TEST_F(RequirementsTest, InlineCheckValidatesThePlanFirst) {
  CheckPlanResponse r;
  Plan unknown_kind = CompletePlanA();
  unknown_kind.add_infrastructure_needs()->set_kind(static_cast<InfrastructureKind>(99));
  unknown_kind.mutable_infrastructure_needs(unknown_kind.infrastructure_needs_size() - 1)
      ->set_description("謎");
  grpc::Status s = CheckInline(Viewer(), unknown_kind, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "plan.infrastructure_needs[")) << s.error_message();
  Plan huge_value = CompletePlanA();
  huge_value.mutable_core_investments(0)->set_amount_yen(std::numeric_limits<int64_t>::min());
  s = CheckInline(Viewer(), huge_value, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "plan.core_investments[0].amount_yen"))
      << s.error_message();
  Plan twice = CompletePlanA();
  *twice.add_indicators() = twice.indicators(0);
  twice.mutable_indicators(twice.indicators_size() - 1)->set_id("again");
  EXPECT_EQ(CheckInline(Viewer(), twice, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_OK(CheckInline(Viewer(), CompletePlanA(), &r));
}

TEST_F(RequirementsTest, ScoresPriorityCompaniesOfAPlanOrInlineFigures) {
  Plan b = CompletePlanB();
  PriorityCompany* second = b.add_priority_companies();
  second->set_name("第二精工株式会社");
  second->set_sales_outside_prefecture_yen(6'000'000'000);
  second->set_purchases_inside_prefecture_yen(900'000'000);
  const Plan plan = MustCreate(b);
  requirements::v1::ScorePriorityCompaniesRequest req;
  req.set_name(plan.name());
  requirements::v1::ScorePriorityCompaniesResponse scores;
  ASSERT_OK(Score(Prefecture(kToyama), req, &scores));
  ASSERT_EQ(scores.scores_size(), 2);
  EXPECT_DOUBLE_EQ(scores.scores(0).connector_degree(), 3e9 / 4e12);
  EXPECT_EQ(scores.scores(0).connector_rank(), 2);
  EXPECT_EQ(scores.scores(1).connector_rank(), 1);
  EXPECT_EQ(scores.scores(1).hub_rank(), 1);
  EXPECT_EQ(scores.fiscal_year(), 2024);

  const Plan a = MustCreate(CompletePlanA());
  req.set_name(a.name());
  EXPECT_EQ(Score(Secretariat(), req, &scores).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  requirements::v1::ScorePriorityCompaniesRequest inline_req;
  auto* figures = inline_req.mutable_figures();
  *figures->mutable_totals() = b.prefecture_totals();
  PriorityCompany* big = figures->add_companies();
  big->set_name("過大商事");
  big->set_sales_outside_prefecture_yen(5'000'000'000'000);  // above the prefecture's 4兆円
  big->set_purchases_inside_prefecture_yen(1);
  const grpc::Status bad = Score(Viewer(), inline_req, &scores);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(
      bad.error_message(), "figures.companies[0] (過大商事).sales_outside_prefecture_yen"))
      << bad.error_message();
}

// The registry refuses company figures its prefecture's totals cannot hold (the same rule the
// scores use); a registered plan whose companies lack a figure is scored for the others.
TEST_F(RequirementsTest, PriorityFiguresAreCheckedOnceAndMissingOnesLeftUnscored) {
  Plan over = CompletePlanB();
  over.mutable_priority_companies(0)->set_sales_outside_prefecture_yen(
      over.prefecture_totals().sales_outside_prefecture_yen() + 1);
  Plan out;
  grpc::Status s = Create(Prefecture(kToyama), over, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "priority_companies[0]")) << s.error_message();
  EXPECT_TRUE(absl::StrContains(s.error_message(), "prefecture_totals.sales_outside_prefecture_yen"))
      << s.error_message();

  Plan unknown = CompletePlanB();
  PriorityCompany* second = unknown.add_priority_companies();
  second->set_name("仕入額未把握株式会社");
  second->set_sales_outside_prefecture_yen(1'000'000'000);  // purchases not known yet
  const Plan stored = MustCreate(unknown);
  requirements::v1::ScorePriorityCompaniesRequest req;
  req.set_name(stored.name());
  requirements::v1::ScorePriorityCompaniesResponse scores;
  ASSERT_OK(Score(Prefecture(kToyama), req, &scores));
  ASSERT_EQ(scores.scores_size(), unknown.priority_companies_size());
  EXPECT_EQ(scores.scores(1).missing_figures_size(), 1);
  EXPECT_EQ(scores.scores(1).missing_figures(0), "purchases_inside_prefecture_yen");
  EXPECT_EQ(scores.scores(1).hub_rank(), 0);
  EXPECT_GT(scores.scores(1).connector_rank(), 0);  // its other degree is still computed
  EXPECT_EQ(scores.scores(0).missing_figures_size(), 0);
  EXPECT_EQ(scores.scores(0).hub_rank(), 1);
}

// What make run shows: the illustrative B and C samples pass once the bureau accepts their
// attested requirements; the seed's A drafts fail (their targets are still ○○).
TEST_F(RequirementsTest, IllustrativeSamplesPassOnceReviewedAndSeedDraftsFail) {
  auto load = [&](const std::string& file) {
    std::ifstream in(DataDir() + "/samples/" + file);
    std::stringstream text;
    text << in.rdbuf();
    Plan plan;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text.str(), &plan).ok()) << file;
    return MustCreate(plan);
  };
  for (const char* file : {"toyama-b-illustrative.json", "ishikawa-c-illustrative.json"}) {
    const Plan plan = load(file);
    for (const auto& a : plan.attestations()) {
      ASSERT_OK(Review(Bureau(), plan.name(), a.requirement_id(), REVIEW_DECISION_ACCEPTED, "確認"));
    }
    CheckPlanResponse r;
    ASSERT_OK(Check(Secretariat(), plan.name(), &r));
    EXPECT_EQ(r.report().verdict(), kPass) << file;
  }
  for (const char* file : {"hokuriku-a-ai-semiconductor.json", "hokuriku-a-materials-circular.json"}) {
    CheckPlanResponse r;
    ASSERT_OK(Check(Secretariat(), load(file).name(), &r));
    EXPECT_EQ(r.report().verdict(), kFail) << file;
  }
}

TEST_F(RequirementsTest, EveryRpcNeedsAToken) {
  auto forged = [] {
    return std::string("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZSI6InNlY3JldGFyaWF0In0.x");
  };
  for (const std::string& token : {std::string(), forged()}) {
    CheckPlanResponse r;
    EXPECT_EQ(Check(token, "plans/A-00001", &r).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Review(token, "plans/A-00001", "A2", REVIEW_DECISION_ACCEPTED, "").error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    ListReviewsResponse l;
    EXPECT_EQ(ListReviews(token, "plans/A-00001", false, &l).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    requirements::v1::ScorePriorityCompaniesResponse s;
    EXPECT_EQ(Score(token, {}, &s).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    requirements::v1::Ruleset ruleset;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(5));
    EXPECT_EQ(requirements_stub_->GetRuleset(&ctx, {}, &ruleset).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  requirements::v1::Ruleset ruleset;
  grpc::ClientContext ctx;
  PrepareCall(&ctx, Viewer(), absl::Seconds(5));
  ASSERT_OK(requirements_stub_->GetRuleset(&ctx, {}, &ruleset));
  EXPECT_EQ(ruleset.a4_min_total_investment_yen(), 2'000'000'000);
  EXPECT_EQ(ruleset.milestone_max_gap_fiscal_years(), 1);
}

TEST_F(RequirementsTest, MetricsCountChecksAndCacheResults) {
  StartRequirements(/*metrics=*/true);
  const Plan plan = MustCreate(CompletePlanB());
  CheckPlanResponse r;
  ASSERT_OK(Check(Secretariat(), plan.name(), &r));
  ASSERT_OK(Check(Secretariat(), plan.name(), &r));
  ASSERT_OK(CheckInline(Secretariat(), PlanC(), &r));
  const std::string text = HttpGet(requirements_->metrics_port(), "/metrics");
  EXPECT_TRUE(absl::StrContains(
      text, R"(rfs_requirement_checks_total{plan_type="B",verdict="PENDING_REVIEW"} 2)"))
      << text;
  EXPECT_TRUE(
      absl::StrContains(text, R"(rfs_requirement_checks_total{plan_type="C",verdict="FAIL"} 1)"));
  EXPECT_TRUE(absl::StrContains(
      text, R"(rfs_cache_requests_total{cache="requirement_report",result="hit"} 1)"));
  EXPECT_TRUE(absl::StrContains(
      text, R"(rfs_cache_requests_total{cache="requirement_report",result="miss"} 1)"));
  EXPECT_TRUE(absl::StrContains(text, "grpc_server_handled_total"));
}

// The store's cached value, read as the service reads it (async client), waited for.
absl::StatusOr<std::optional<std::string>> Cached(requirements::RequirementsStore& store,
                                                  const std::string& id, int64_t content_version,
                                                  const std::string& ruleset) {
  std::promise<absl::StatusOr<std::optional<std::string>>> promise;
  store.GetReportAsync(id, content_version, ruleset,
                       [&promise](absl::StatusOr<std::optional<std::string>> v) {
                         promise.set_value(std::move(v));
                       });
  return promise.get_future().get();
}

// The store never lands a report computed before a review recorded meanwhile.
TEST_F(RequirementsTest, AReportComputedBeforeAReviewIsNotCached) {
  RedisPool pool(config_.redis);
  AsyncRedis async(config_.redis);
  requirements::RequirementsStore store(&pool, &async);
  const std::string value = "3report";
  common::v1::Event event;
  event.set_id("e1");
  event.set_type("requirement.check_completed");
  requirements::v1::Review review;
  review.set_requirement_id("A2");
  ASSERT_TRUE(store.RecordReview("A-00001", review, event, "bureau-1").ok());  // gen 0 → 1
  auto stale = store.PutReport("A-00001", 1, "r1", value, /*generation=*/0, event);
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale);
  // Not cached, yet the check did complete: its event is written (review + check).
  EXPECT_EQ(redis_->Cli("XLEN rfs:requirements:outbox"), "2");
  auto cached = Cached(store, "A-00001", 1, "r1");
  ASSERT_TRUE(cached.ok());
  EXPECT_FALSE(cached->has_value());
  auto fresh = store.PutReport("A-00001", 1, "r1", value, /*generation=*/1, event);
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(*fresh);
  cached = Cached(store, "A-00001", 1, "r1");
  ASSERT_TRUE(cached.ok() && cached->has_value());
  EXPECT_EQ(**cached, value);
}

// Fields no schema knows, in a review (1,500 of them at 7 MiB filled Redis in the review), are
// neither stored nor served: the kit drops them before the checker sees the request.
TEST_F(RequirementsTest, UnknownFieldsOfAReviewAreNeitherStoredNorServed) {
  const Plan plan = MustCreate(CompletePlanA());
  requirements::v1::RecordReviewRequest req;
  req.set_name(plan.name());
  req.set_requirement_id("A2");
  req.set_decision(REVIEW_DECISION_ACCEPTED);
  req.set_comment("確認済み");
  req.set_version(1);
  Smuggle(&req, 200'000);
  requirements::v1::Review out;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  ctx.AddMetadata("authorization", "Bearer " + Bureau("HOKURIKU"));
  ASSERT_OK(requirements_stub_->RecordReview(&ctx, req, &out));
  EXPECT_EQ(UnknownBytes(out), 0u);
  ListReviewsResponse history;
  ASSERT_OK(ListReviews(Secretariat(), plan.name(), true, &history));
  EXPECT_EQ(UnknownBytes(history), 0u);
  EXPECT_LT(history.ByteSizeLong(), 10'000u);
}

// Reviews count against the reviewer's write quota (the kit's, as every write of every
// service): past it RESOURCE_EXHAUSTED with the delay, and nothing is written. With 3 writes a
// minute, 7 quick reviews span at most two minutes, so one of them is refused.
TEST_F(RequirementsTest, ReviewsCountAgainstTheReviewersQuota) {
  requirements_config_.write_quota = {3, 0};
  ASSERT_NO_FATAL_FAILURE(StartRequirements());
  const Plan plan = MustCreate(CompletePlanA());
  grpc::Status s;
  std::string keys, outbox;
  int reviews = 0;
  for (; reviews < 7; ++reviews) {
    keys = redis_->Cli("DBSIZE");
    outbox = redis_->Cli("XLEN rfs:requirements:outbox");
    s = Review(Bureau("HOKURIKU"), plan.name(), "A2",
               reviews % 2 == 0 ? REVIEW_DECISION_ACCEPTED : REVIEW_DECISION_RETURNED,
               absl::StrCat("確認 ", reviews), nullptr, 1);
    if (!s.ok()) break;
  }
  ASSERT_LT(reviews, 7);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_TRUE(RetryDelayOf(FromGrpcStatus(s)).has_value()) << "no google.rpc.RetryInfo";
  EXPECT_EQ(redis_->Cli("DBSIZE"), keys);
  EXPECT_EQ(redis_->Cli("XLEN rfs:requirements:outbox"), outbox);
  ListReviewsResponse history;
  ASSERT_OK(ListReviews(Secretariat(), plan.name(), true, &history));
  EXPECT_EQ(history.reviews_size(), reviews);
  ASSERT_OK(Review(Secretariat(), plan.name(), "A3", REVIEW_DECISION_ACCEPTED, "確認済み"));
}

// A review trail of any length is read in pages bounded by bytes (the review's 1,500 reviews
// made ListReviews(history) fail for everyone): 150 decisions with 2,000-character comments
// through a server whose largest message is 256 KiB.
TEST_F(RequirementsTest, AReviewTrailOfAnyLengthIsReadInPages) {
  requirements_config_.max_message_bytes = 256 << 10;
  ASSERT_NO_FATAL_FAILURE(StartRequirements());
  const Plan plan = MustCreate(CompletePlanA());
  std::string comment;
  for (int i = 0; i < 1990; ++i) comment += "確";
  constexpr int kReviews = 150;
  for (int i = 0; i < kReviews; ++i) {
    ASSERT_OK(Review(Bureau("HOKURIKU"), plan.name(), i % 2 == 0 ? "A2" : "A3",
                     REVIEW_DECISION_ACCEPTED, absl::StrCat(comment, i), nullptr, 1));
  }
  requirements::v1::ListReviewsRequest req;
  req.set_name(plan.name());
  req.set_history(true);
  std::vector<std::string> seen;
  int current = 0, pages = 0;
  do {
    ListReviewsResponse page;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    ctx.AddMetadata("authorization", "Bearer " + Secretariat());
    ASSERT_OK(requirements_stub_->ListReviews(&ctx, req, &page));
    ASSERT_LT(++pages, 100);
    EXPECT_LE(page.ByteSizeLong(), 256u << 10);
    for (const auto& r : page.reviews()) {
      seen.push_back(r.comment().substr(comment.size()));
      current += r.current();
    }
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_GT(pages, 3);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kReviews));
  for (int i = 0; i < kReviews; ++i) EXPECT_EQ(seen[i], absl::StrCat(i));
  EXPECT_EQ(current, 2) << "the last decision of A2 and of A3 apply, no earlier one";
}

}  // namespace
}  // namespace rfs::testing
