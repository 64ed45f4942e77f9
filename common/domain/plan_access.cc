#include "common/domain/plan_access.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/domain/codes.h"

namespace rfs {

using registry::v1::Plan;

namespace {

bool Contains(const std::vector<std::string>& codes, const std::string& code) {
  for (const std::string& c : codes) {
    if (c == code) return true;
  }
  return false;
}

bool IsAuthor(const Principal& who, const PlanReadFacts& plan) {
  return (who.role == Role::kPrefecture || who.role == Role::kMunicipality) &&
         Contains(plan.author_codes, who.body_code);
}

bool IsBureau(const Principal& who, const PlanReadFacts& plan) {
  return who.role == Role::kBureau && who.block == plan.block;
}

bool AreaCovers(const Principal& who, const PlanReadFacts& plan) {
  if (who.role == Role::kPrefecture) return Contains(plan.prefecture_codes, who.body_code);
  if (who.role == Role::kMunicipality) {
    if (Contains(plan.municipality_codes, who.body_code)) return true;
    return plan.municipality_codes.empty() &&
           Contains(plan.prefecture_codes, PrefectureOf(who.body_code));
  }
  return false;
}

}  // namespace

PlanReadFacts ReadFactsOf(const Plan& plan) {
  PlanReadFacts f;
  for (const auto& a : plan.authors()) f.author_codes.push_back(a.local_government_code());
  f.block = plan.area().block();
  f.prefecture_codes.assign(plan.area().prefecture_codes().begin(),
                            plan.area().prefecture_codes().end());
  f.municipality_codes.assign(plan.area().municipality_codes().begin(),
                              plan.area().municipality_codes().end());
  f.is_public = IsPublicStage(plan.stage());
  return f;
}

PlanReadFacts ReadFactsOf(const common::v1::Event& event) {
  PlanReadFacts f;
  f.author_codes.assign(event.author_codes().begin(), event.author_codes().end());
  f.block = event.block();
  f.prefecture_codes.assign(event.prefecture_codes().begin(), event.prefecture_codes().end());
  f.municipality_codes.assign(event.municipality_codes().begin(),
                              event.municipality_codes().end());
  registry::v1::PlanStage stage = registry::v1::PLAN_STAGE_UNSPECIFIED;
  f.is_public = registry::v1::PlanStage_Parse(event.stage(), &stage) && IsPublicStage(stage);
  return f;
}

bool CanRead(const Principal& who, const PlanReadFacts& plan) {
  switch (who.role) {
    case Role::kSecretariat:
    case Role::kViewer:
    case Role::kService:
      return true;
    case Role::kBureau:
      return IsBureau(who, plan) || plan.is_public;
    case Role::kPrefecture:
    case Role::kMunicipality:
      return IsAuthor(who, plan) || AreaCovers(who, plan) || plan.is_public;
  }
  return false;
}

bool CanReadEvent(const Principal& who, const common::v1::Event& event) {
  return CanRead(who, ReadFactsOf(event));
}

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
  return AreaCovers(who, ReadFactsOf(plan));
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
      return true;  // without copying the plan's facts: the hot path of every read
    default:
      return CanRead(who, ReadFactsOf(plan));
  }
}

bool ReadsEveryPlan(const Principal& who) {
  return who.role == Role::kSecretariat || who.role == Role::kViewer ||
         who.role == Role::kService;
}

namespace {

const char* RoleNameJa(Role role) {
  switch (role) {
    case Role::kSecretariat:
      return "事務局";
    case Role::kBureau:
      return "地方局";
    case Role::kPrefecture:
      return "都道府県";
    case Role::kMunicipality:
      return "市区町村";
    case Role::kViewer:
      return "閲覧者";
    case Role::kService:
      return "連携サービス";
  }
  return "不明なロール";
}

}  // namespace

std::string DescribeCaller(const Principal& who) {
  std::string s = absl::StrCat("role ", RoleName(who.role));
  if (!who.body_code.empty()) absl::StrAppend(&s, " (", who.body_code, ")");
  if (!who.block.empty()) absl::StrAppend(&s, " (block ", who.block, ")");
  return s;
}

std::string DescribeCallerJa(const Principal& who) {
  std::string s = absl::StrCat(RoleNameJa(who.role), "（ロール ", RoleName(who.role));
  if (!who.body_code.empty()) absl::StrAppend(&s, "、団体コード ", who.body_code);
  if (!who.block.empty()) absl::StrAppend(&s, "、ブロック ", who.block);
  absl::StrAppend(&s, "）");
  return s;
}

absl::Status ReadDenied(const Principal& who, absl::string_view plan_name) {
  const std::string role = DescribeCaller(who);
  const std::string role_ja = DescribeCallerJa(who);
  return Bilingual(
      absl::StatusCode::kPermissionDenied,
      absl::StrCat(role_ja, "は ", plan_name,
                   " を閲覧できません。公表前の計画を閲覧できるのは、その策定主体、計画区域内の"
                   "地方公共団体、ブロックを所管する地方局及び事務局です（存在しない計画についても"
                   "同じ回答となります）。計画名を確認し、必要な場合は策定主体に問い合わせてください"),
      absl::StrCat(
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
