#include "services/requirements/access_policy.h"

#include "absl/strings/str_cat.h"
#include "common/plan_access.h"

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
      if (CanReadPlan(who, *plan)) return absl::OkStatus();
      return absl::PermissionDeniedError(absl::StrCat(
          RoleName(who.role), " '", who.subject, "' may not read ", plan->name(),
          ": before publication a plan is visible to its authors, the local governments of its "
          "area, its block's bureau and the secretariat"));
    case Action::kRecordReview:
      if (IsPlanReviewer(who, *plan)) return absl::OkStatus();
      return absl::PermissionDeniedError(absl::StrCat(
          RoleName(who.role), " '", who.subject, "' may not review ", plan->name(),
          ": pre-consultation decisions are recorded by the bureau of the plan's block (",
          plan->area().block(), ") or the secretariat"));
  }
  return absl::PermissionDeniedError("unknown action");
}

}  // namespace rfs::requirements
