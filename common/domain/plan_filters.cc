#include "common/domain/plan_filters.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/codes.h"

namespace rfs {

absl::Status ValidatePlanTypeFilter(registry::v1::PlanType type, absl::string_view field) {
  if (registry::v1::PlanType_IsValid(type)) return absl::OkStatus();
  return InvalidField(field, "計画の類型の値が不正です", "not a plan type");
}

absl::Status ValidateBlockFilter(const ReferenceData& reference, absl::string_view block,
                                 absl::string_view field) {
  if (block.empty() || reference.FindBlock(block) != nullptr) return absl::OkStatus();
  return InvalidField(field,
                      absl::StrCat("不明なブロック '", Excerpt(block),
                                   "' です。ブロックの一覧は ListReferenceData で確認してください"),
                      absl::StrCat("unknown block '", Excerpt(block), "'"));
}

absl::Status ValidateStrategicFieldFilter(const ReferenceData& reference,
                                          absl::string_view strategic_field,
                                          absl::string_view field) {
  if (strategic_field.empty() || reference.FindStrategicField(strategic_field) != nullptr) {
    return absl::OkStatus();
  }
  return InvalidField(
      field,
      absl::StrCat("不明な戦略分野 '", Excerpt(strategic_field),
                   "' です。戦略分野の一覧は ListReferenceData で確認してください"),
      absl::StrCat("unknown strategic field '", Excerpt(strategic_field), "'"));
}

absl::StatusOr<std::string> NormalizePrefectureFilter(absl::string_view code,
                                                      absl::string_view field) {
  if (code.empty()) return std::string();
  ASSIGN_OR_RETURN(std::string prefecture, NormalizeLocalGovernmentCode(code, field));
  if (!IsPrefectureCode(prefecture)) {
    return InvalidField(
        field,
        absl::StrCat(prefecture, " は都道府県の団体コードではありません。都道府県の全国地方公共団体"
                                 "コードを指定してください"),
        absl::StrCat(prefecture, " is not a prefecture's code"));
  }
  return prefecture;
}

}  // namespace rfs
