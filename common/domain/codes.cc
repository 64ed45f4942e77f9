#include "common/domain/codes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/base/errors.h"
#include "common/base/text.h"

namespace rfs {
namespace {

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

int LocalGovernmentCheckDigit(absl::string_view body) {
  static constexpr int kWeights[5] = {6, 5, 4, 3, 2};
  int sum = 0;
  for (int i = 0; i < 5; ++i) sum += (body[i] - '0') * kWeights[i];
  return (11 - sum % 11) % 10;
}

absl::StatusOr<std::string> NormalizeLocalGovernmentCode(absl::string_view code,
                                                         absl::string_view field) {
  if ((code.size() != 5 && code.size() != 6) || !AllDigits(code)) {
    return InvalidField(
        field,
        absl::StrCat("'", Excerpt(code),
                     "' は全国地方公共団体コードではありません。6桁（チェックディジットを除く場合は"
                     "5桁）の数字で入力してください"),
        absl::StrCat("'", Excerpt(code),
                     "' is not a local government code (6 digits, or 5 without the check digit)"));
  }
  const int prefecture = (code[0] - '0') * 10 + (code[1] - '0');
  if (prefecture < 1 || prefecture > 47) {
    return InvalidField(
        field,
        absl::StrCat("'", Excerpt(code),
                     "' の先頭2桁が都道府県番号（01～47）ではありません。全国地方公共団体コードを"
                     "確認してください"),
        absl::StrCat("'", Excerpt(code), "' does not start with a prefecture number 01..47"));
  }
  const int check = LocalGovernmentCheckDigit(code.substr(0, 5));
  if (code.size() == 5) return absl::StrCat(code, check);
  if (code[5] - '0' != check) {
    return InvalidField(
        field,
        absl::StrCat("'", Excerpt(code), "' のチェックディジットが誤っています（正しくは ", check,
                     "、つまり ", code.substr(0, 5), check, " です）。コードを確認してください"),
        absl::StrCat("'", Excerpt(code), "' has a wrong check digit (expected ", check, ", i.e. ",
                     code.substr(0, 5), check, ")"));
  }
  return std::string(code);
}

bool IsPrefectureCode(absl::string_view code6) { return code6.substr(2, 3) == "000"; }

std::string PrefectureOf(absl::string_view code6) {
  std::string body = absl::StrCat(code6.substr(0, 2), "000");
  return absl::StrCat(body, LocalGovernmentCheckDigit(body));
}

int CorporateNumberCheckDigit(absl::string_view body12) {
  int sum = 0;
  for (int n = 1; n <= 12; ++n) {
    const int p = body12[12 - n] - '0';
    sum += p * ((n % 2 == 1) ? 1 : 2);
  }
  return 9 - sum % 9;
}

absl::Status ValidateCorporateNumber(absl::string_view number, absl::string_view field) {
  if (number.size() != 13 || !AllDigits(number)) {
    return InvalidField(
        field,
        absl::StrCat("'", Excerpt(number),
                     "' は法人番号ではありません。13桁の数字で入力してください"),
        absl::StrCat("'", Excerpt(number), "' is not a corporate number (13 digits)"));
  }
  const int check = CorporateNumberCheckDigit(number.substr(1));
  if (number[0] - '0' != check) {
    return InvalidField(
        field,
        absl::StrCat("'", Excerpt(number), "' のチェックディジットが誤っています（先頭の1桁は ",
                     check, " になるはずです）。法人番号を確認してください"),
        absl::StrCat("'", Excerpt(number), "' has a wrong check digit (the first digit should be ",
                     check, ")"));
  }
  return absl::OkStatus();
}

const char* PlanTypeLetter(registry::v1::PlanType type) {
  switch (type) {
    case registry::v1::PLAN_TYPE_A:
      return "A";
    case registry::v1::PLAN_TYPE_B:
      return "B";
    case registry::v1::PLAN_TYPE_C:
      return "C";
    default:
      return "?";
  }
}

absl::StatusOr<std::string> ParsePlanName(absl::string_view name, absl::string_view field) {
  absl::string_view id = name;
  bool ok = absl::ConsumePrefix(&id, "plans/") && id.size() >= 3 && id.size() <= 16 &&
            (id[0] == 'A' || id[0] == 'B' || id[0] == 'C') && id[1] == '-';
  for (size_t i = 2; ok && i < id.size(); ++i) ok = absl::ascii_isdigit(id[i]);
  if (!ok) {
    return InvalidField(
        field,
        absl::StrCat("'", Excerpt(name),
                     "' は計画名ではありません。plans/A-00001 のような形式で指定してください"),
        absl::StrCat("'", Excerpt(name), "' is not a plan name (like plans/A-00001)"));
  }
  return std::string(id);
}

}  // namespace rfs
