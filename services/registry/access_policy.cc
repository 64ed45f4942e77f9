#include "services/registry/access_policy.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/codes.h"
#include "common/plan_access.h"
#include "common/plan_validation.h"

namespace rfs::registry {
namespace {

using v1::Plan;

// May change the plan's content, start its pre-consultation, withdraw or revise it.
bool IsEditor(const Principal& who, const Plan& plan) {
  return who.role == Role::kSecretariat ||
         (IsPlanBureau(who, plan) && plan.type() == v1::PLAN_TYPE_A) || IsPlanAuthor(who, plan);
}

std::string Who(const Principal& who) {
  std::string s = absl::StrCat("role ", RoleName(who.role));
  if (!who.body_code.empty()) absl::StrAppend(&s, " (", who.body_code, ")");
  if (!who.block.empty()) absl::StrAppend(&s, " (block ", who.block, ")");
  return s;
}

absl::Status Denied(const Principal& who, absl::string_view what, absl::string_view rule) {
  return absl::PermissionDeniedError(
      absl::StrCat(Who(who), " may not ", what, ": ", rule));
}

std::vector<std::string> AuthorCodes(const Plan& plan) {
  std::vector<std::string> codes;
  for (const auto& a : plan.authors()) codes.push_back(a.local_government_code());
  std::sort(codes.begin(), codes.end());
  return codes;
}

bool IsJoint(const Plan& plan) { return plan.authors_size() >= 2; }

// The secretariat, or the block's bureau of a type A plan: who acts for every author of a
// joint plan.
bool ActsForAllAuthors(const Principal& who, const Plan& plan) {
  return who.role == Role::kSecretariat ||
         (IsPlanBureau(who, plan) && plan.type() == v1::PLAN_TYPE_A);
}

absl::Status AuthorizeCreate(const Principal& who, const Plan* plan_or_null) {
  if (who.role == Role::kViewer || who.role == Role::kService) {
    return Denied(who, "create plans", "read-only role");
  }
  if (plan_or_null == nullptr) return absl::OkStatus();  // the role may create some plans
  const Plan& plan = *plan_or_null;
  switch (who.role) {
    case Role::kSecretariat:
      return absl::OkStatus();
    case Role::kBureau:
      if (plan.type() == v1::PLAN_TYPE_A && IsPlanBureau(who, plan)) return absl::OkStatus();
      return Denied(who, "create this plan",
                    "a regional bureau drafts type A plans of its own block");
    case Role::kPrefecture:
      if (IsPlanAuthor(who, plan)) return absl::OkStatus();
      return Denied(who, "create this plan", "a prefecture creates plans it is an author of");
    case Role::kMunicipality:
      if (plan.type() == v1::PLAN_TYPE_C && IsPlanAuthor(who, plan)) return absl::OkStatus();
      return Denied(who, "create this plan",
                    "a municipality creates type C plans it is an author of");
    default:
      return Denied(who, "create plans", "read-only role");
  }
}

absl::Status AuthorizeTransition(const Principal& who, const Plan& plan, v1::PlanStage target) {
  const std::string what = absl::StrCat("move ", plan.name(), " to ", StageName(target));
  switch (target) {
    case v1::PLAN_STAGE_WITHDRAWN:
      if (IsJoint(plan) && IsPlanAuthor(who, plan) && who.body_code != plan.lead_author_code()) {
        return Denied(who, what,
                      absl::StrCat("a joint plan is withdrawn by its lead author (",
                                   plan.lead_author_code(),
                                   "), its block's bureau (type A) or the secretariat"));
      }
      if (IsEditor(who, plan)) return absl::OkStatus();
      return Denied(who, what, "only the plan's authors, its block's bureau (type A) or the "
                               "secretariat do this");
    case v1::PLAN_STAGE_PRE_CONSULTATION:
    case v1::PLAN_STAGE_REVISING:
      if (IsEditor(who, plan)) return absl::OkStatus();
      return Denied(who, what, "only the plan's authors, its block's bureau (type A) or the "
                               "secretariat do this");
    case v1::PLAN_STAGE_COORDINATION:
      if (IsPlanReviewer(who, plan)) return absl::OkStatus();
      return Denied(who, what, "a pre-consultation is decided by the bureau of the plan's block "
                               "or the secretariat");
    case v1::PLAN_STAGE_DRAFTING:
      if (IsPlanReviewer(who, plan)) return absl::OkStatus();
      return Denied(who, what, "a pre-consultation is returned by the bureau of the plan's block "
                               "or the secretariat");
    case v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR:
    case v1::PLAN_STAGE_SUBMITTED:
      if (who.role == Role::kSecretariat || IsPlanAuthor(who, plan)) return absl::OkStatus();
      return Denied(who, what, "the governor or mayor of an authoring local government does this");
    case v1::PLAN_STAGE_PUBLISHED:
      if (who.role == Role::kSecretariat) return absl::OkStatus();
      return Denied(who, what, "only the national secretariat publishes nationally");
    default:
      return absl::OkStatus();  // an unknown target is refused by the lifecycle check
  }
}

}  // namespace

absl::Status Authorize(const Principal& who, const AccessRequest& request) {
  if (request.action == Action::kReadReferenceData) return absl::OkStatus();
  if (request.action == Action::kCreatePlan) return AuthorizeCreate(who, request.plan);
  const Plan& plan = *request.plan;
  switch (request.action) {
    case Action::kCreatePlan:
      break;
    case Action::kReadPlan:
      if (CanReadPlan(who, plan)) return absl::OkStatus();
      return ReadDenied(who, plan.name());
    case Action::kUpdatePlan: {
      const std::string what = absl::StrCat("change ", plan.name());
      if (who.role == Role::kViewer || who.role == Role::kService) {
        return Denied(who, what, "read-only role");
      }
      if (!IsEditor(who, plan)) {
        return Denied(who, what, "only the plan's authors, its block's bureau (type A) or the "
                                 "secretariat change a plan");
      }
      if (request.proposed == nullptr) return absl::OkStatus();
      const Plan& next = *request.proposed;
      if (IsJoint(plan) && !ActsForAllAuthors(who, plan) &&
          (AuthorCodes(plan) != AuthorCodes(next) ||
           plan.lead_author_code() != next.lead_author_code())) {
        return Denied(who, absl::StrCat("change the authors of ", plan.name()),
                      "a change of the authors of a joint plan needs the consent of every "
                      "current author; the secretariat (or, for a type A plan, its block's "
                      "bureau) records it");
      }
      if (!IsEditor(who, next)) {
        return Denied(who, what, "the change would leave you unable to edit the plan (you are "
                                 "not among its authors afterwards)");
      }
      return absl::OkStatus();
    }
    case Action::kTransitionPlan:
      return AuthorizeTransition(who, plan, request.target);
    case Action::kSignOffPlan: {
      const std::string what = absl::StrCat("sign off ", plan.name(), " for ", request.author_code);
      if (who.role != Role::kPrefecture && who.role != Role::kMunicipality) {
        return Denied(who, what, "sign-offs are given by the authoring local governments");
      }
      if (who.body_code != request.author_code) {
        return Denied(who, what, "a local government signs off only for itself");
      }
      if (!IsPlanAuthor(who, plan)) return Denied(who, what, "not an author of this plan");
      return absl::OkStatus();
    }
    case Action::kReadReferenceData:
      break;
  }
  return absl::OkStatus();
}

}  // namespace rfs::registry
