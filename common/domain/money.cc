#include "common/domain/money.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"

namespace rfs {

absl::Status ValidateYen(int64_t yen, absl::string_view field) {
  if (yen < 0) {
    return InvalidField(field,
                        absl::StrCat(yen, " 円は負の値です。金額は0以上で入力してください"),
                        absl::StrCat(yen, " yen is negative; amounts are 0 or more"));
  }
  if (yen > kMaxYen) {
    return InvalidField(
        field,
        absl::StrCat(yen, " 円は大きすぎます（上限は ", FormatThousands(kMaxYen),
                     " 円）。金額は千円単位ではなく円単位で入力してください"),
        absl::StrCat(yen, " yen is implausibly large (at most ", FormatThousands(kMaxYen),
                     "); amounts are in yen, not thousands"));
  }
  return absl::OkStatus();
}

std::string FormatThousands(int64_t value) {
  const bool negative = value < 0;
  std::string digits = absl::StrCat(negative ? -static_cast<uint64_t>(value) : value);
  std::string out;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return negative ? "-" + out : out;
}

namespace {

// "1.25": `whole` and the first two decimals of `rest`/`unit`, truncated, trailing zeros dropped.
std::string TwoDecimals(int64_t whole, int64_t rest, int64_t unit) {
  const int64_t cents = rest / (unit / 100);
  std::string frac;
  if (cents != 0) {
    frac = cents % 10 == 0 ? absl::StrCat(".", cents / 10)
                           : absl::StrCat(".", cents < 10 ? "0" : "", cents);
  }
  return absl::StrCat(FormatThousands(whole), frac);
}

}  // namespace

std::string FormatYenEn(int64_t yen) {
  // Magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64.
  const uint64_t abs = yen < 0 ? uint64_t{0} - static_cast<uint64_t>(yen) : yen;
  const std::string sign = yen < 0 ? "-" : "";
  constexpr uint64_t kBillion = 1'000'000'000, kMillion = 1'000'000;
  if (abs >= kBillion) {
    return absl::StrCat(sign, "¥", TwoDecimals(static_cast<int64_t>(abs / kBillion),
                                                    static_cast<int64_t>(abs % kBillion), kBillion),
                        " billion");
  }
  if (abs >= kMillion) {
    return absl::StrCat(sign, "¥", TwoDecimals(static_cast<int64_t>(abs / kMillion),
                                                    static_cast<int64_t>(abs % kMillion), kMillion),
                        " million");
  }
  return absl::StrCat(sign, "¥", FormatThousands(static_cast<int64_t>(abs)));
}

std::string FormatYenJa(int64_t yen) {
  const int64_t abs = std::llabs(yen);
  const std::string sign = yen < 0 ? "-" : "";
  if (abs >= kYenPerOku) {
    return absl::StrCat(sign, TwoDecimals(abs / kYenPerOku, abs % kYenPerOku, kYenPerOku), "億円");
  }
  if (abs >= 10'000 && abs % 10'000 == 0) {
    return absl::StrCat(sign, FormatThousands(abs / 10'000), "万円");
  }
  return absl::StrCat(sign, FormatThousands(abs), "円");
}

}  // namespace rfs
