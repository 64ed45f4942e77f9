#include <gtest/gtest.h>

#include "services/registry/access_policy.h"
#include "services/registry/lifecycle.h"
#include "tests/support/plans.h"

namespace rfs::registry {
namespace {

using namespace rfs::testing;
using v1::Plan;
using v1::PlanStage;

// All test plans lie in HOKURIKU; the registry derives the block of B and C plans.
Plan Staged(Plan p, PlanStage stage) {
  p.set_name("plans/X-00001");
  p.set_stage(stage);
  p.mutable_area()->set_block("HOKURIKU");
  return p;
}

TEST(Lifecycle, TheForwardPathAndNothingElse) {
  const PlanStage path[] = {v1::PLAN_STAGE_DRAFTING, v1::PLAN_STAGE_PRE_CONSULTATION,
                            v1::PLAN_STAGE_COORDINATION, v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR,
                            v1::PLAN_STAGE_SUBMITTED, v1::PLAN_STAGE_PUBLISHED};
  for (int i = 0; i + 1 < 6; ++i) {
    EXPECT_TRUE(CheckTransition(path[i], path[i + 1], "").ok()) << i;
    for (int j = 0; j < 6; ++j) {
      if (j == i + 1) continue;
      const bool returned = i == 1 && j == 0;
      if (returned) continue;
      EXPECT_EQ(CheckTransition(path[i], path[j], "x").code(),
                absl::StatusCode::kFailedPrecondition)
          << i << "->" << j;
    }
  }
}

TEST(Lifecycle, ReturnToDraftingNeedsAComment) {
  EXPECT_EQ(CheckTransition(v1::PLAN_STAGE_PRE_CONSULTATION, v1::PLAN_STAGE_DRAFTING, "").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      CheckTransition(v1::PLAN_STAGE_PRE_CONSULTATION, v1::PLAN_STAGE_DRAFTING, "A4の根拠").ok());
}

TEST(Lifecycle, WithdrawBeforePublicationOnly) {
  for (PlanStage s : {v1::PLAN_STAGE_DRAFTING, v1::PLAN_STAGE_PRE_CONSULTATION,
                      v1::PLAN_STAGE_COORDINATION, v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR,
                      v1::PLAN_STAGE_SUBMITTED}) {
    EXPECT_TRUE(CheckTransition(s, v1::PLAN_STAGE_WITHDRAWN, "断念").ok()) << s;
    EXPECT_EQ(CheckTransition(s, v1::PLAN_STAGE_WITHDRAWN, "").code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(CheckTransition(v1::PLAN_STAGE_PUBLISHED, v1::PLAN_STAGE_WITHDRAWN, "x").code(),
            absl::StatusCode::kFailedPrecondition);
  auto final_stage = CheckTransition(v1::PLAN_STAGE_WITHDRAWN, v1::PLAN_STAGE_DRAFTING, "x");
  EXPECT_NE(final_stage.message().find("final"), std::string::npos);
}

TEST(Lifecycle, RevisionCycle) {
  EXPECT_TRUE(CheckTransition(v1::PLAN_STAGE_PUBLISHED, v1::PLAN_STAGE_REVISING, "").ok());
  EXPECT_TRUE(CheckTransition(v1::PLAN_STAGE_REVISING, v1::PLAN_STAGE_PUBLISHED, "").ok());
  EXPECT_FALSE(CheckTransition(v1::PLAN_STAGE_REVISING, v1::PLAN_STAGE_DRAFTING, "x").ok());
}

TEST(Lifecycle, EditableStagesAndSignOffs) {
  EXPECT_TRUE(ContentEditable(v1::PLAN_STAGE_DRAFTING));
  EXPECT_TRUE(ContentEditable(v1::PLAN_STAGE_REVISING));
  EXPECT_FALSE(ContentEditable(v1::PLAN_STAGE_SUBMITTED));
  EXPECT_FALSE(ContentEditable(v1::PLAN_STAGE_PUBLISHED));
  Plan p = PlanA();
  p.set_content_version(4);
  EXPECT_EQ(MissingSignOffs(p).size(), 3u);
  v1::SignOff* s = p.add_sign_offs();
  s->set_author_code(kIshikawa);
  s->set_content_version(3);  // signed older content: does not count
  EXPECT_EQ(MissingSignOffs(p).size(), 3u);
  s->set_content_version(4);
  EXPECT_EQ(MissingSignOffs(p), (std::vector<std::string>{kToyama, kFukui}));
  EXPECT_TRUE(MissingSignOffs(PlanB()).empty());  // single author
}

TEST(AccessPolicy, ViewerReadsButNeverWrites) {
  Principal viewer = Who(Role::kViewer);
  Plan p = Staged(PlanA(), v1::PLAN_STAGE_DRAFTING);
  EXPECT_TRUE(Authorize(viewer, {Action::kReadPlan, &p}).ok());
  EXPECT_EQ(Authorize(viewer, {Action::kUpdatePlan, &p}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(viewer, {Action::kCreatePlan, &p}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(viewer, {Action::kTransitionPlan, &p, v1::PLAN_STAGE_PRE_CONSULTATION}).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(AccessPolicy, MunicipalityCannotTouchAPrefecturesPlan) {
  Principal city = Who(Role::kMunicipality, kToyamaCity);
  Plan b = Staged(PlanB(), v1::PLAN_STAGE_DRAFTING);  // Toyama prefecture's plan
  EXPECT_EQ(Authorize(city, {Action::kUpdatePlan, &b}).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(city, {Action::kCreatePlan, &b}).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(city, {Action::kTransitionPlan, &b, v1::PLAN_STAGE_WITHDRAWN}).code(),
            absl::StatusCode::kPermissionDenied);
  // It may read it: the plan's area includes the city.
  EXPECT_TRUE(Authorize(city, {Action::kReadPlan, &b}).ok());
}

TEST(AccessPolicy, OtherPrefecturesDoNotSeeDrafts) {
  Principal aichi = Who(Role::kPrefecture, kAichi);
  Plan b = Staged(PlanB(), v1::PLAN_STAGE_COORDINATION);
  EXPECT_EQ(Authorize(aichi, {Action::kReadPlan, &b}).code(), absl::StatusCode::kPermissionDenied);
  b.set_stage(v1::PLAN_STAGE_PUBLISHED);
  EXPECT_TRUE(Authorize(aichi, {Action::kReadPlan, &b}).ok());  // public once published
}

TEST(AccessPolicy, BureauActsOnlyInItsBlock) {
  Principal hokuriku = Who(Role::kBureau, "", "HOKURIKU");
  Principal kinki = Who(Role::kBureau, "", "KINKI");
  Plan a = Staged(PlanA(), v1::PLAN_STAGE_DRAFTING);
  EXPECT_TRUE(Authorize(hokuriku, {Action::kCreatePlan, &a}).ok());
  EXPECT_TRUE(Authorize(hokuriku, {Action::kUpdatePlan, &a}).ok());
  EXPECT_EQ(Authorize(kinki, {Action::kCreatePlan, &a}).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(kinki, {Action::kUpdatePlan, &a}).code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(kinki, {Action::kReadPlan, &a}).code(), absl::StatusCode::kPermissionDenied);
  a.set_stage(v1::PLAN_STAGE_PRE_CONSULTATION);
  EXPECT_TRUE(Authorize(hokuriku, {Action::kTransitionPlan, &a, v1::PLAN_STAGE_COORDINATION}).ok());
  EXPECT_EQ(
      Authorize(kinki, {Action::kTransitionPlan, &a, v1::PLAN_STAGE_COORDINATION}).code(),
      absl::StatusCode::kPermissionDenied);
  // A bureau drafts type A plans; it does not edit a prefecture's B plan.
  Plan b = Staged(PlanB(), v1::PLAN_STAGE_DRAFTING);
  EXPECT_EQ(Authorize(hokuriku, {Action::kUpdatePlan, &b}).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Authorize(hokuriku, {Action::kReadPlan, &b}).ok());
}

TEST(AccessPolicy, OnlyTheSecretariatPublishesNationally) {
  Plan a = Staged(PlanA(), v1::PLAN_STAGE_SUBMITTED);
  const AccessRequest publish{Action::kTransitionPlan, &a, v1::PLAN_STAGE_PUBLISHED};
  EXPECT_TRUE(Authorize(Who(Role::kSecretariat), publish).ok());
  for (const Principal& p : {Who(Role::kPrefecture, kToyama), Who(Role::kBureau, "", "HOKURIKU"),
                             Who(Role::kService), Who(Role::kViewer)}) {
    EXPECT_EQ(Authorize(p, publish).code(), absl::StatusCode::kPermissionDenied);
  }
}

TEST(AccessPolicy, GovernorOfAnAuthorPublishesAndSubmits) {
  Plan a = Staged(PlanA(), v1::PLAN_STAGE_COORDINATION);
  EXPECT_TRUE(Authorize(Who(Role::kPrefecture, kFukui),
                        {Action::kTransitionPlan, &a, v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR})
                  .ok());
  EXPECT_EQ(Authorize(Who(Role::kBureau, "", "HOKURIKU"),
                      {Action::kTransitionPlan, &a, v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR})
                .code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(AccessPolicy, PreConsultationIsDecidedByReviewersNotAuthors) {
  Plan b = Staged(PlanB(), v1::PLAN_STAGE_PRE_CONSULTATION);
  const AccessRequest accept{Action::kTransitionPlan, &b, v1::PLAN_STAGE_COORDINATION};
  EXPECT_EQ(Authorize(Who(Role::kPrefecture, kToyama), accept).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Authorize(Who(Role::kBureau, "", "HOKURIKU"), accept).ok());
  EXPECT_TRUE(Authorize(Who(Role::kSecretariat), accept).ok());
}

TEST(AccessPolicy, SignOffOnlyForOneself) {
  Plan a = Staged(PlanA(), v1::PLAN_STAGE_COORDINATION);
  EXPECT_TRUE(Authorize(Who(Role::kPrefecture, kIshikawa),
                        {Action::kSignOffPlan, &a, v1::PLAN_STAGE_UNSPECIFIED, kIshikawa})
                  .ok());
  EXPECT_EQ(Authorize(Who(Role::kPrefecture, kIshikawa),
                      {Action::kSignOffPlan, &a, v1::PLAN_STAGE_UNSPECIFIED, kFukui})
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(Who(Role::kSecretariat),
                      {Action::kSignOffPlan, &a, v1::PLAN_STAGE_UNSPECIFIED, kFukui})
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Authorize(Who(Role::kPrefecture, kAichi),
                      {Action::kSignOffPlan, &a, v1::PLAN_STAGE_UNSPECIFIED, kAichi})
                .code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(AccessPolicy, MunicipalityCreatesOnlyTypeCItAuthors) {
  Principal kanazawa = Who(Role::kMunicipality, kKanazawaCity);
  Plan c = Staged(PlanC(), v1::PLAN_STAGE_DRAFTING);
  EXPECT_TRUE(Authorize(kanazawa, {Action::kCreatePlan, &c}).ok());
  EXPECT_EQ(Authorize(Who(Role::kMunicipality, kToyamaCity), {Action::kCreatePlan, &c}).code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace rfs::registry
