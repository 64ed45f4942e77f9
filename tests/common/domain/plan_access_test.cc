// The read rule (common/domain/plan_access.h): who may see a plan, decided on the plan and,
// for subscribers, on the envelope of an event about it; for every role, every stage and the
// kinds of area a plan has, the envelope decides what the plan decides.
#include "common/domain/plan_access.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/domain/plan_event.h"
#include "tests/support/plans.h"

namespace rfs {
namespace {

using testing::Who;
using registry::v1::Plan;
using registry::v1::PlanStage;

// Toyama and Ishikawa (Hokuriku), led by Toyama, co-authored by Kanazawa city.
Plan PrefecturesPlan(PlanStage stage) {
  Plan plan;
  plan.set_name("plans/B-00009");
  plan.set_type(registry::v1::PLAN_TYPE_B);
  plan.set_stage(stage);
  plan.mutable_area()->set_block("HOKURIKU");
  plan.mutable_area()->add_prefecture_codes("160008");
  plan.mutable_area()->add_prefecture_codes("170003");
  plan.add_authors()->set_local_government_code("160008");
  plan.add_authors()->set_local_government_code("172014");
  plan.set_lead_author_code("160008");
  return plan;
}

// Two municipalities of Toyama only (Toyama city and Takaoka), authored by Toyama city.
Plan MunicipalitiesPlan(PlanStage stage) {
  Plan plan;
  plan.set_name("plans/C-00003");
  plan.set_type(registry::v1::PLAN_TYPE_C);
  plan.set_stage(stage);
  plan.mutable_area()->set_block("HOKURIKU");
  plan.mutable_area()->add_prefecture_codes("160008");
  plan.mutable_area()->add_municipality_codes("162019");
  plan.mutable_area()->add_municipality_codes("162027");
  plan.add_authors()->set_local_government_code("162019");
  plan.set_lead_author_code("162019");
  return plan;
}

std::vector<Principal> EveryKindOfCaller() {
  return {Who(Role::kSecretariat),
          Who(Role::kViewer),
          Who(Role::kService),
          Who(Role::kBureau, "", "HOKURIKU"),
          Who(Role::kBureau, "", "KANTO"),
          Who(Role::kPrefecture, "160008"),  // Toyama: author, in the area
          Who(Role::kPrefecture, "170003"),  // Ishikawa: in the first plan's area only
          Who(Role::kPrefecture, "130001"),  // Tokyo: neither
          Who(Role::kMunicipality, "172014"),  // Kanazawa: co-author of the first plan
          Who(Role::kMunicipality, "162019"),  // Toyama city: author of the second
          Who(Role::kMunicipality, "162027"),  // Takaoka: in the second plan's area
          Who(Role::kMunicipality, "162035"),  // Uozu: in Toyama, outside the second plan
          Who(Role::kMunicipality, "131016")};  // Chiyoda: neither
}

TEST(PlanAccess, TheEnvelopeDecidesWhatThePlanDecides) {
  int readable = 0, hidden = 0;
  for (int s = registry::v1::PLAN_STAGE_DRAFTING; s <= registry::v1::PLAN_STAGE_REVISING; ++s) {
    const PlanStage stage = static_cast<PlanStage>(s);
    for (const Plan& plan : {PrefecturesPlan(stage), MunicipalitiesPlan(stage)}) {
      const common::v1::Event event = PlanEvent("rfs-test", plan, "plan.updated", {}, "clerk");
      for (const Principal& who : EveryKindOfCaller()) {
        const bool on_plan = CanReadPlan(who, plan);
        EXPECT_EQ(CanReadEvent(who, event), on_plan)
            << RoleName(who.role) << " " << who.body_code << who.block << " on " << plan.name()
            << " at " << registry::v1::PlanStage_Name(stage);
        (on_plan ? readable : hidden) += 1;
      }
    }
  }
  // Both answers occur: the comparison is not of two rules that always say yes.
  EXPECT_GT(readable, 0);
  EXPECT_GT(hidden, 0);
}

TEST(PlanAccess, WhoReadsAPlanBeforeItIsPublic) {
  const Plan drafting = PrefecturesPlan(registry::v1::PLAN_STAGE_DRAFTING);
  EXPECT_TRUE(CanReadPlan(Who(Role::kSecretariat), drafting));
  EXPECT_TRUE(CanReadPlan(Who(Role::kBureau, "", "HOKURIKU"), drafting));
  EXPECT_FALSE(CanReadPlan(Who(Role::kBureau, "", "KANTO"), drafting));
  EXPECT_TRUE(CanReadPlan(Who(Role::kPrefecture, "170003"), drafting));   // in its area
  EXPECT_FALSE(CanReadPlan(Who(Role::kPrefecture, "130001"), drafting));
  EXPECT_TRUE(CanReadPlan(Who(Role::kMunicipality, "172014"), drafting));  // co-author
  EXPECT_TRUE(CanReadPlan(Who(Role::kMunicipality, "162035"), drafting));  // in Toyama
  const Plan local = MunicipalitiesPlan(registry::v1::PLAN_STAGE_DRAFTING);
  EXPECT_TRUE(CanReadPlan(Who(Role::kMunicipality, "162027"), local));
  EXPECT_FALSE(CanReadPlan(Who(Role::kMunicipality, "162035"), local));  // outside its area
  // Public: everyone authenticated.
  const Plan published = MunicipalitiesPlan(registry::v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR);
  EXPECT_TRUE(CanReadPlan(Who(Role::kMunicipality, "131016"), published));
  EXPECT_TRUE(CanReadPlan(Who(Role::kBureau, "", "KANTO"), published));
  // A withdrawn plan is not public again.
  EXPECT_FALSE(CanReadPlan(Who(Role::kPrefecture, "130001"),
                           PrefecturesPlan(registry::v1::PLAN_STAGE_WITHDRAWN)));
}

TEST(PlanAccess, AnEnvelopeWithoutAKnownStageIsNotPublic) {
  common::v1::Event event =
      PlanEvent("rfs-test", PrefecturesPlan(registry::v1::PLAN_STAGE_PUBLISHED), "x", {}, "c");
  EXPECT_TRUE(CanReadEvent(Who(Role::kPrefecture, "130001"), event));
  event.set_stage("");  // an envelope written before the stage was carried
  EXPECT_FALSE(CanReadEvent(Who(Role::kPrefecture, "130001"), event));
  EXPECT_TRUE(CanReadEvent(Who(Role::kPrefecture, "160008"), event));  // still its author
}

}  // namespace
}  // namespace rfs
