#include "services/requirements/access_policy.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/domain/plan_access.h"

namespace rfs::requirements {

absl::Status Authorize(const Principal& who, Action action, const registry::v1::Plan* plan) {
  switch (action) {
    case Action::kCheckInline:
    case Action::kScoreInline:
    case Action::kReadRuleset:
      return absl::OkStatus();
    case Action::kCheckPlan:
    case Action::kListReviews:
    case Action::kScorePlan:
      // The same words as for a plan that does not exist (common/domain/plan_access.h).
      if (CanReadPlan(who, *plan)) return absl::OkStatus();
      return ReadDenied(who, plan->name());
    case Action::kRecordReview:
      if (IsPlanReviewer(who, *plan)) return absl::OkStatus();
      if (!CanReadPlan(who, *plan)) return ReadDenied(who, plan->name());
      return Bilingual(
          absl::StatusCode::kPermissionDenied,
          absl::StrCat(DescribeCallerJa(who), "は ", plan->name(),
                       " の審査結果を記録できません。事前相談の審査結果を記録するのは、計画のブロック（",
                       plan->area().block(), "）を所管する地方局又は事務局です"),
          absl::StrCat(RoleName(who.role), " '", who.subject, "' may not review ", plan->name(),
                       ": pre-consultation decisions are recorded by the bureau of the plan's "
                       "block (",
                       plan->area().block(), ") or the secretariat"));
  }
  return absl::PermissionDeniedError("unknown action");
}

}  // namespace rfs::requirements
