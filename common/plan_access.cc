#include "common/plan_access.h"

#include "absl/strings/str_cat.h"
#include "common/codes.h"

namespace rfs {

using registry::v1::Plan;

bool IsPlanAuthor(const Principal& who, const Plan& plan) {
  if (who.role != Role::kPrefecture && who.role != Role::kMunicipality) return false;
  for (const auto& a : plan.authors()) {
    if (a.local_government_code() == who.body_code) return true;
  }
  return false;
}

bool IsPlanBureau(const Principal& who, const Plan& plan) {
  return who.role == Role::kBureau && who.block == plan.area().block();
}

bool PlanAreaCovers(const Principal& who, const Plan& plan) {
  if (who.role == Role::kPrefecture) {
    for (const auto& p : plan.area().prefecture_codes()) {
      if (p == who.body_code) return true;
    }
  }
  if (who.role == Role::kMunicipality) {
    for (const auto& m : plan.area().municipality_codes()) {
      if (m == who.body_code) return true;
    }
    if (plan.area().municipality_codes().empty()) {
      const std::string pref = PrefectureOf(who.body_code);
      for (const auto& p : plan.area().prefecture_codes()) {
        if (p == pref) return true;
      }
    }
  }
  return false;
}

bool IsPublicStage(registry::v1::PlanStage stage) {
  return stage == registry::v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR ||
         stage == registry::v1::PLAN_STAGE_SUBMITTED ||
         stage == registry::v1::PLAN_STAGE_PUBLISHED || stage == registry::v1::PLAN_STAGE_REVISING;
}

bool CanReadPlan(const Principal& who, const Plan& plan) {
  switch (who.role) {
    case Role::kSecretariat:
    case Role::kViewer:
    case Role::kService:
      return true;
    case Role::kBureau:
      return IsPlanBureau(who, plan) || IsPublicStage(plan.stage());
    case Role::kPrefecture:
    case Role::kMunicipality:
      return IsPlanAuthor(who, plan) || PlanAreaCovers(who, plan) || IsPublicStage(plan.stage());
  }
  return false;
}

bool ReadsEveryPlan(const Principal& who) {
  return who.role == Role::kSecretariat || who.role == Role::kViewer ||
         who.role == Role::kService;
}

absl::Status ReadDenied(const Principal& who, absl::string_view plan_name) {
  std::string role = absl::StrCat("role ", RoleName(who.role));
  if (!who.body_code.empty()) absl::StrAppend(&role, " (", who.body_code, ")");
  if (!who.block.empty()) absl::StrAppend(&role, " (block ", who.block, ")");
  return absl::PermissionDeniedError(absl::StrCat(
      role, " may not read ", plan_name,
      ": before publication a plan is visible to its authors, the local governments of its "
      "area, its block's bureau and the secretariat (a plan that does not exist is answered "
      "the same way)"));
}

absl::Status HideExistence(const Principal& who, absl::string_view plan_name,
                           const absl::Status& status) {
  if (absl::IsNotFound(status) && !ReadsEveryPlan(who)) return ReadDenied(who, plan_name);
  return status;
}

bool IsPlanReviewer(const Principal& who, const Plan& plan) {
  return who.role == Role::kSecretariat || IsPlanBureau(who, plan);
}

}  // namespace rfs
