#include "services/kpi/access_policy.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/domain/plan_access.h"

namespace rfs::kpi {

absl::Status Authorize(const Principal& who, Action action, const registry::v1::Plan* plan) {
  switch (action) {
    case Action::kAggregate:
      return absl::OkStatus();
    case Action::kRead:
      if (CanReadPlan(who, *plan)) return absl::OkStatus();
      return ReadDenied(who, plan->name());
    case Action::kRecord:
      if (IsPlanAuthor(who, *plan)) return absl::OkStatus();
      if (!CanReadPlan(who, *plan)) return ReadDenied(who, plan->name());
      return Bilingual(
          absl::StatusCode::kPermissionDenied,
          absl::StrCat(DescribeCallerJa(who), "は ", plan->name(),
                       " の指標の実績値を報告できません。報告するのは計画の策定主体（",
                       plan->lead_author_code(), " ほか）です"),
          absl::StrCat(DescribeCaller(who), " may not report values of ", plan->name(),
                       ": its authoring bodies (", plan->lead_author_code(),
                       " and co-authors) report them"));
    case Action::kPdca:
      if (IsPlanAuthor(who, *plan) || IsPlanReviewer(who, *plan)) return absl::OkStatus();
      if (!CanReadPlan(who, *plan)) return ReadDenied(who, plan->name());
      return Bilingual(
          absl::StatusCode::kPermissionDenied,
          absl::StrCat(DescribeCallerJa(who), "は ", plan->name(),
                       " の PDCA サイクルを進められません。進めるのは計画の策定主体、又は計画の"
                       "ブロックを所管する地方局若しくは事務局です"),
          absl::StrCat(DescribeCaller(who), " may not move the PDCA cycle of ", plan->name(),
                       ": its authoring bodies, the bureau of its block or the secretariat do"));
    case Action::kReview:
    case Action::kOverride:
    case Action::kUnlock: {
      if (IsPlanReviewer(who, *plan)) return absl::OkStatus();
      if (!CanReadPlan(who, *plan)) return ReadDenied(who, plan->name());
      // What was attempted, in the caller's words.
      const char* what_ja = action == Action::kReview     ? "の実績値を確認・差戻しできません"
                            : action == Action::kOverride ? "の指標の状態を上書きできません"
                                                          : "の報告受付を再開できません";
      const char* what_en = action == Action::kReview     ? "may not review values of "
                            : action == Action::kOverride ? "may not override statuses of "
                                                          : "may not reopen half years of ";
      return Bilingual(
          absl::StatusCode::kPermissionDenied,
          absl::StrCat(DescribeCallerJa(who), "は ", plan->name(), " ", what_ja,
                       "。行えるのは計画のブロック（", plan->area().block(),
                       "）を所管する地方局又は事務局です"),
          absl::StrCat(DescribeCaller(who), " ", what_en, plan->name(),
                       ": the bureau of the plan's block (", plan->area().block(),
                       ") or the secretariat does that"));
    }
  }
  return absl::PermissionDeniedError("unknown action");
}

}  // namespace rfs::kpi
