// The event envelope (common/domain/plan_event.h): the facts a subscriber's authorization filter
// needs (block, prefectures, municipalities, authors with the lead first, stage) and the typed
// payload. That they are enough for the read rule: plan_access_test.cc.
#include "common/domain/plan_event.h"

#include <gtest/gtest.h>

#include <google/protobuf/util/time_util.h>

namespace rfs {
namespace {

registry::v1::Plan JointPlan() {
  registry::v1::Plan plan;
  plan.set_name("plans/A-00007");
  plan.set_type(registry::v1::PLAN_TYPE_A);
  plan.set_version(4);
  plan.mutable_area()->set_block("HOKURIKU");
  plan.mutable_area()->add_prefecture_codes("160008");
  plan.mutable_area()->add_prefecture_codes("170003");
  plan.add_authors()->set_local_government_code("160008");
  plan.add_authors()->set_local_government_code("170003");
  plan.add_authors()->set_local_government_code("162019");
  plan.set_lead_author_code("170003");
  plan.set_stage(registry::v1::PLAN_STAGE_PRE_CONSULTATION);
  return plan;
}

TEST(PlanEvent, CarriesWhatAnAuthorizationFilterNeeds) {
  const auto time = google::protobuf::util::TimeUtil::SecondsToTimestamp(1'800'000'000);
  common::v1::Event e = PlanEvent("rfs-test", JointPlan(), "plan.updated", time, "clerk-1");
  EXPECT_TRUE(e.id().empty());  // the caller names the change
  EXPECT_EQ(e.type(), "plan.updated");
  EXPECT_EQ(e.source(), "rfs-test");
  EXPECT_EQ(e.time().seconds(), 1'800'000'000);
  EXPECT_EQ(e.actor(), "clerk-1");
  EXPECT_EQ(e.plan(), "plans/A-00007");
  EXPECT_EQ(e.plan_type(), "A");
  EXPECT_EQ(e.block(), "HOKURIKU");
  EXPECT_EQ(e.plan_version(), 4);
  ASSERT_EQ(e.prefecture_codes_size(), 2);
  EXPECT_EQ(e.prefecture_codes(1), "170003");
  // The lead author first, each author once.
  ASSERT_EQ(e.author_codes_size(), 3);
  EXPECT_EQ(e.author_codes(0), "170003");
  EXPECT_EQ(e.author_codes(1), "160008");
  EXPECT_EQ(e.author_codes(2), "162019");
  EXPECT_EQ(e.stage(), "PLAN_STAGE_PRE_CONSULTATION");
  EXPECT_EQ(e.municipality_codes_size(), 0);  // the whole of its prefectures
  EXPECT_FALSE(e.has_payload());
}

TEST(PlanEvent, APlanBeingCreatedHasNoNameYet) {
  registry::v1::Plan plan = JointPlan();
  plan.clear_name();
  common::v1::Event e = PlanEvent("rfs-test", plan, "plan.created", {}, "clerk-1");
  EXPECT_TRUE(e.plan().empty());
  EXPECT_EQ(e.author_codes_size(), 3);
}

TEST(PlanEvent, PayloadIsTheTypedMessage) {
  common::v1::Event e = PlanEvent("rfs-test", JointPlan(), "requirement.check_completed", {}, "s");
  common::v1::RequirementCheckSummary summary;
  summary.set_verdict(common::v1::CHECK_VERDICT_FAIL);
  summary.set_ruleset_version("2026.1");
  SetPayload(summary, &e);
  ASSERT_TRUE(e.payload().Is<common::v1::RequirementCheckSummary>());
  common::v1::RequirementCheckSummary back;
  ASSERT_TRUE(e.payload().UnpackTo(&back));
  EXPECT_EQ(back.verdict(), common::v1::CHECK_VERDICT_FAIL);
  EXPECT_EQ(back.ruleset_version(), "2026.1");
  EXPECT_FALSE(e.payload().Is<common::v1::Event>());
}

}  // namespace
}  // namespace rfs
