#include "services/registry/access_policy.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/domain/codes.h"
#include "common/domain/plan_access.h"
#include "common/domain/plan_validation.h"

namespace rfs::registry {
namespace {

using v1::Plan;

// May change the plan's content, start its pre-consultation, withdraw or revise it.
bool IsEditor(const Principal& who, const Plan& plan) {
  return who.role == Role::kSecretariat ||
         (IsPlanBureau(who, plan) && plan.type() == v1::PLAN_TYPE_A) || IsPlanAuthor(who, plan);
}

// PERMISSION_DENIED: `who` may not do `what` (a verb phrase; in Japanese ending in the plain
// form, e.g. "計画を作成する") because of `rule`.
absl::Status Denied(const Principal& who, absl::string_view what_ja, absl::string_view what_en,
                    absl::string_view rule_ja, absl::string_view rule_en) {
  // A half-width space between Japanese text and a following name or code.
  const bool ascii_first = !what_ja.empty() && static_cast<unsigned char>(what_ja.front()) < 0x80;
  return Bilingual(absl::StatusCode::kPermissionDenied,
                   absl::StrCat(DescribeCallerJa(who), ascii_first ? "は " : "は", what_ja,
                                "ことができません。", rule_ja),
                   absl::StrCat(DescribeCaller(who), " may not ", what_en, ": ", rule_en));
}

constexpr char kReadOnlyJa[] =
    "閲覧専用のロールです。計画の作成・変更は、策定主体である地方公共団体、地方局又は事務局に"
    "依頼してください";
constexpr char kEditorsJa[] =
    "この操作を行えるのは、計画の策定主体、ブロックを所管する地方局（タイプAの計画の場合）又は"
    "事務局です";

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
    return Denied(who, "計画を作成する", "create plans", kReadOnlyJa, "read-only role");
  }
  if (plan_or_null == nullptr) return absl::OkStatus();  // the role may create some plans
  const Plan& plan = *plan_or_null;
  switch (who.role) {
    case Role::kSecretariat:
      return absl::OkStatus();
    case Role::kBureau:
      if (plan.type() == v1::PLAN_TYPE_A && IsPlanBureau(who, plan)) return absl::OkStatus();
      return Denied(who, "この計画を作成する", "create this plan",
                    "地方局が作成できるのは、所管するブロックのタイプAの計画です",
                    "a regional bureau drafts type A plans of its own block");
    case Role::kPrefecture:
      if (IsPlanAuthor(who, plan)) return absl::OkStatus();
      return Denied(who, "この計画を作成する", "create this plan",
                    "都道府県が作成できるのは、自らが策定主体に含まれる計画です。authors に自らの"
                    "団体コードが含まれているか確認してください",
                    "a prefecture creates plans it is an author of");
    case Role::kMunicipality:
      if (plan.type() == v1::PLAN_TYPE_C && IsPlanAuthor(who, plan)) return absl::OkStatus();
      return Denied(who, "この計画を作成する", "create this plan",
                    "市区町村が作成できるのは、自らが策定主体に含まれるタイプCの計画です",
                    "a municipality creates type C plans it is an author of");
    default:
      return Denied(who, "計画を作成する", "create plans", kReadOnlyJa, "read-only role");
  }
}

absl::Status AuthorizeTransition(const Principal& who, const Plan& plan, v1::PlanStage target) {
  const std::string what_ja = absl::StrCat(plan.name(), " を ", StageName(target), " に移行する");
  const std::string what = absl::StrCat("move ", plan.name(), " to ", StageName(target));
  switch (target) {
    case v1::PLAN_STAGE_WITHDRAWN:
      if (IsJoint(plan) && IsPlanAuthor(who, plan) && who.body_code != plan.lead_author_code()) {
        return Denied(who, what_ja, what,
                      absl::StrCat("共同策定の計画の取下げは、代表団体（", plan.lead_author_code(),
                                   "）、ブロックを所管する地方局（タイプAの計画の場合）又は事務局が"
                                   "行います。代表団体に取下げを依頼してください"),
                      absl::StrCat("a joint plan is withdrawn by its lead author (",
                                   plan.lead_author_code(),
                                   "), its block's bureau (type A) or the secretariat"));
      }
      if (IsEditor(who, plan)) return absl::OkStatus();
      return Denied(who, what_ja, what, kEditorsJa,
                    "only the plan's authors, its block's bureau (type A) or the secretariat do "
                    "this");
    case v1::PLAN_STAGE_PRE_CONSULTATION:
    case v1::PLAN_STAGE_REVISING:
      if (IsEditor(who, plan)) return absl::OkStatus();
      return Denied(who, what_ja, what, kEditorsJa,
                    "only the plan's authors, its block's bureau (type A) or the secretariat do "
                    "this");
    case v1::PLAN_STAGE_COORDINATION:
      if (IsPlanReviewer(who, plan)) return absl::OkStatus();
      return Denied(who, what_ja, what,
                    "事前相談の結果は、計画のブロックを所管する地方局又は事務局が判断します",
                    "a pre-consultation is decided by the bureau of the plan's block or the "
                    "secretariat");
    case v1::PLAN_STAGE_DRAFTING:
      if (IsPlanReviewer(who, plan)) return absl::OkStatus();
      return Denied(who, what_ja, what,
                    "事前相談の差戻しは、計画のブロックを所管する地方局又は事務局が行います",
                    "a pre-consultation is returned by the bureau of the plan's block or the "
                    "secretariat");
    case v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR:
    case v1::PLAN_STAGE_SUBMITTED:
      if (who.role == Role::kSecretariat || IsPlanAuthor(who, plan)) return absl::OkStatus();
      return Denied(who, what_ja, what,
                    "この操作は、策定主体である地方公共団体（知事又は市区町村長）が行います",
                    "the governor or mayor of an authoring local government does this");
    case v1::PLAN_STAGE_PUBLISHED:
      if (who.role == Role::kSecretariat) return absl::OkStatus();
      return Denied(who, what_ja, what, "内閣官房HP公表は事務局のみが行います",
                    "only the national secretariat publishes nationally");
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
      const std::string what_ja = absl::StrCat(plan.name(), " を変更する");
      const std::string what = absl::StrCat("change ", plan.name());
      if (who.role == Role::kViewer || who.role == Role::kService) {
        return Denied(who, what_ja, what, kReadOnlyJa, "read-only role");
      }
      if (!IsEditor(who, plan)) {
        return Denied(who, what_ja, what,
                      "計画を変更できるのは、計画の策定主体、ブロックを所管する地方局（タイプAの計画の"
                      "場合）又は事務局です",
                      "only the plan's authors, its block's bureau (type A) or the secretariat "
                      "change a plan");
      }
      if (request.proposed == nullptr) return absl::OkStatus();
      const Plan& next = *request.proposed;
      if (IsJoint(plan) && !ActsForAllAuthors(who, plan) &&
          (AuthorCodes(plan) != AuthorCodes(next) ||
           plan.lead_author_code() != next.lead_author_code())) {
        return Denied(who, absl::StrCat(plan.name(), " の策定主体を変更する"),
                      absl::StrCat("change the authors of ", plan.name()),
                      "共同策定の計画の策定主体の変更には、現在のすべての策定主体の同意が必要です。"
                      "同意を得たうえで、事務局（タイプAの計画の場合はブロックを所管する地方局も可）"
                      "に変更の登録を依頼してください",
                      "a change of the authors of a joint plan needs the consent of every "
                      "current author; the secretariat (or, for a type A plan, its block's "
                      "bureau) records it");
      }
      if (!IsEditor(who, next)) {
        return Denied(who, what_ja, what,
                      "この変更を行うと、変更後の策定主体に含まれなくなり、計画を編集できなく"
                      "なります。策定主体から自らを外す場合は、事務局に依頼してください",
                      "the change would leave you unable to edit the plan (you are not among its "
                      "authors afterwards)");
      }
      return absl::OkStatus();
    }
    case Action::kTransitionPlan:
      return AuthorizeTransition(who, plan, request.target);
    case Action::kSignOffPlan: {
      const std::string what_ja = absl::StrCat(request.author_code, " として ", plan.name(),
                                               " に署名（サインオフ）する");
      const std::string what = absl::StrCat("sign off ", plan.name(), " for ", request.author_code);
      if (who.role != Role::kPrefecture && who.role != Role::kMunicipality) {
        return Denied(who, what_ja, what,
                      "署名（サインオフ）は、策定主体である地方公共団体が行います",
                      "sign-offs are given by the authoring local governments");
      }
      if (who.body_code != request.author_code) {
        return Denied(who, what_ja, what,
                      "地方公共団体が署名（サインオフ）できるのは自らの分のみです。author_code に"
                      "自らの団体コードを指定してください",
                      "a local government signs off only for itself");
      }
      if (!IsPlanAuthor(who, plan)) {
        return Denied(who, what_ja, what, "この計画の策定主体ではありません",
                      "not an author of this plan");
      }
      return absl::OkStatus();
    }
    case Action::kReadReferenceData:
      break;
  }
  return absl::OkStatus();
}

}  // namespace rfs::registry
