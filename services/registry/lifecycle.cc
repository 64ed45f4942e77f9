#include "services/registry/lifecycle.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/errors.h"
#include "common/domain/plan_validation.h"

namespace rfs::registry {

using v1::PlanStage;

std::vector<PlanStage> NextStages(PlanStage from) {
  switch (from) {
    case v1::PLAN_STAGE_DRAFTING:
      return {v1::PLAN_STAGE_PRE_CONSULTATION, v1::PLAN_STAGE_WITHDRAWN};
    case v1::PLAN_STAGE_PRE_CONSULTATION:
      return {v1::PLAN_STAGE_COORDINATION, v1::PLAN_STAGE_DRAFTING, v1::PLAN_STAGE_WITHDRAWN};
    case v1::PLAN_STAGE_COORDINATION:
      return {v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR, v1::PLAN_STAGE_WITHDRAWN};
    case v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR:
      return {v1::PLAN_STAGE_SUBMITTED, v1::PLAN_STAGE_WITHDRAWN};
    case v1::PLAN_STAGE_SUBMITTED:
      return {v1::PLAN_STAGE_PUBLISHED, v1::PLAN_STAGE_WITHDRAWN};
    case v1::PLAN_STAGE_PUBLISHED:
      return {v1::PLAN_STAGE_REVISING};
    case v1::PLAN_STAGE_REVISING:
      return {v1::PLAN_STAGE_PUBLISHED};
    default:
      return {};
  }
}

absl::Status CheckTransition(PlanStage from, PlanStage to, const std::string& comment) {
  if (!v1::PlanStage_IsValid(to) || to == v1::PLAN_STAGE_UNSPECIFIED) {
    return InvalidField("target_stage", "移行先の段階を指定してください（例: PRE_CONSULTATION）",
                        "required (e.g. PRE_CONSULTATION)");
  }
  bool allowed = false;
  std::vector<std::string> names;
  for (PlanStage next : NextStages(from)) {
    allowed |= next == to;
    names.push_back(StageName(next));
  }
  if (!allowed) {
    const std::string options_ja =
        names.empty() ? std::string("この段階からはどの段階にも移行できません（最終の段階です）")
        : names.size() == 1
            ? absl::StrCat("移行できるのは ", names[0], " です")
            : absl::StrCat("移行できるのは ", absl::StrJoin(names, "、"), " のいずれかです");
    return FailedPrecondition(
        absl::StrCat("段階が ", StageName(from), " の計画は ", StageName(to), " に移行できません。",
                     options_ja),
        absl::StrCat("a plan in ", StageName(from), " cannot move to ", StageName(to), "; ",
                     names.empty() ? std::string("it is final")
                                   : absl::StrCat("it can move to ", absl::StrJoin(names, " or "))));
  }
  const bool returned =
      from == v1::PLAN_STAGE_PRE_CONSULTATION && to == v1::PLAN_STAGE_DRAFTING;
  if ((returned || to == v1::PLAN_STAGE_WITHDRAWN) && comment.empty()) {
    return InvalidField(
        "comment",
        absl::StrCat(returned ? "事前相談を差し戻して DRAFTING に戻す場合" : "計画を取り下げる場合",
                     "は必須です。理由を記入してください"),
        absl::StrCat("required when ", returned ? "returning a pre-consultation to DRAFTING"
                                                : "withdrawing a plan",
                     " (say why)"));
  }
  return absl::OkStatus();
}

bool ContentEditable(PlanStage stage) {
  return stage == v1::PLAN_STAGE_DRAFTING || stage == v1::PLAN_STAGE_PRE_CONSULTATION ||
         stage == v1::PLAN_STAGE_COORDINATION || stage == v1::PLAN_STAGE_REVISING;
}

bool SignOffOpen(PlanStage stage) {
  return stage == v1::PLAN_STAGE_COORDINATION || stage == v1::PLAN_STAGE_REVISING;
}

bool NeedsSignOffs(PlanStage to) {
  return to == v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR || to == v1::PLAN_STAGE_SUBMITTED ||
         to == v1::PLAN_STAGE_PUBLISHED;
}

std::vector<std::string> MissingSignOffs(const v1::Plan& plan) {
  std::vector<std::string> missing;
  if (plan.authors_size() < 2) return missing;
  for (const auto& author : plan.authors()) {
    bool signed_current = false;
    for (const auto& s : plan.sign_offs()) {
      signed_current |= s.author_code() == author.local_government_code() &&
                        s.content_version() == plan.content_version();
    }
    if (!signed_current) missing.push_back(author.local_government_code());
  }
  return missing;
}

}  // namespace rfs::registry
