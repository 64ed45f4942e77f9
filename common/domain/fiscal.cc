#include "common/domain/fiscal.h"

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"

namespace rfs {

using common::v1::FiscalHalf;
using common::v1::FiscalPeriod;

FiscalPeriod FiscalPeriodOf(absl::Time t) {
  const absl::CivilSecond cs = absl::ToCivilSecond(t, JapanTimeZone());
  FiscalPeriod p;
  const int month = cs.month();
  p.set_fiscal_year(static_cast<int>(month >= 4 ? cs.year() : cs.year() - 1));
  p.set_half(month >= 4 && month <= 9 ? common::v1::FISCAL_HALF_H1 : common::v1::FISCAL_HALF_H2);
  return p;
}

absl::Time PeriodStart(const FiscalPeriod& p) {
  const int month = p.half() == common::v1::FISCAL_HALF_H2 ? 10 : 4;
  return absl::FromCivil(absl::CivilMonth(p.fiscal_year(), month), JapanTimeZone());
}

absl::Time PeriodEnd(const FiscalPeriod& p) {
  absl::CivilMonth end = p.half() == common::v1::FISCAL_HALF_H1
                             ? absl::CivilMonth(p.fiscal_year(), 10)
                             : absl::CivilMonth(p.fiscal_year() + 1, 4);
  return absl::FromCivil(end, JapanTimeZone());
}

int ComparePeriodStart(const FiscalPeriod& a, const FiscalPeriod& b) {
  auto ordinal = [](const FiscalPeriod& p) {
    return p.fiscal_year() * 2 + (p.half() == common::v1::FISCAL_HALF_H2 ? 1 : 0);
  };
  return ordinal(a) - ordinal(b);
}

absl::Status ValidateFiscalPeriod(const FiscalPeriod& p, absl::string_view field) {
  if (p.fiscal_year() < kMinFiscalYear || p.fiscal_year() > kMaxFiscalYear) {
    return InvalidField(absl::StrCat(field, ".fiscal_year"),
                        absl::StrCat("年度 ", p.fiscal_year(), " は ", kMinFiscalYear, "～",
                                     kMaxFiscalYear,
                                     " の範囲外です。和暦ではなく西暦の年で入力してください"),
                        absl::StrCat(p.fiscal_year(), " is outside ", kMinFiscalYear, "..",
                                     kMaxFiscalYear, " (use the Gregorian year)"));
  }
  if (!common::v1::FiscalHalf_IsValid(p.half())) {
    return InvalidField(
        absl::StrCat(field, ".half"),
        absl::StrCat("不明な値 ", p.half(),
                     " です。H1（上期）、H2（下期）のいずれかを指定するか、未指定にしてください"),
        absl::StrCat("unknown value ", p.half(), " (use H1, H2 or leave it unset)"));
  }
  return absl::OkStatus();
}

std::string FormatPeriod(const FiscalPeriod& p) {
  switch (p.half()) {
    case common::v1::FISCAL_HALF_H1:
      return absl::StrCat("FY", p.fiscal_year(), " H1");
    case common::v1::FISCAL_HALF_H2:
      return absl::StrCat("FY", p.fiscal_year(), " H2");
    default:
      return absl::StrCat("FY", p.fiscal_year());
  }
}

std::string FormatPeriodJa(const FiscalPeriod& p) {
  // Reiwa 1 = 2019. Earlier years are shown in Gregorian form only.
  std::string era;
  if (p.fiscal_year() >= 2019) {
    const int reiwa = p.fiscal_year() - 2018;
    era = reiwa == 1 ? "（令和元年度）" : absl::StrCat("（令和", reiwa, "年度）");
  }
  std::string half;
  if (p.half() == common::v1::FISCAL_HALF_H1) half = "上期";
  if (p.half() == common::v1::FISCAL_HALF_H2) half = "下期";
  return absl::StrCat(p.fiscal_year(), "年度", era, half);
}

}  // namespace rfs
