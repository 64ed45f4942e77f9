#include "common/domain/priority_figures.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/base/errors.h"
#include "common/base/text.h"
#include "common/domain/money.h"

namespace rfs {
namespace {

using registry::v1::PrefectureTotals;
using registry::v1::PriorityCompany;

// The figure's name for people, in Japanese (PriorityFigure::what is the English one).

}  // namespace

const PriorityFigure kSalesOutsidePrefecture{
    "sales_outside_prefecture_yen", "sales outside the prefecture", "県外売上高",
    &PriorityCompany::has_sales_outside_prefecture_yen,
    &PriorityCompany::sales_outside_prefecture_yen,
    &PrefectureTotals::has_sales_outside_prefecture_yen,
    &PrefectureTotals::sales_outside_prefecture_yen};
const PriorityFigure kPurchasesInsidePrefecture{
    "purchases_inside_prefecture_yen", "purchases inside the prefecture", "県内仕入額",
    &PriorityCompany::has_purchases_inside_prefecture_yen,
    &PriorityCompany::purchases_inside_prefecture_yen,
    &PrefectureTotals::has_purchases_inside_prefecture_yen,
    &PrefectureTotals::purchases_inside_prefecture_yen};

absl::Status CheckPriorityFigures(
    const google::protobuf::RepeatedPtrField<PriorityCompany>& companies,
    const PrefectureTotals& totals, const std::string& companies_field,
    const std::string& totals_field) {
  for (const PriorityFigure* figure : {&kSalesOutsidePrefecture, &kPurchasesInsidePrefecture}) {
    const PriorityFigure& f = *figure;
    const bool has_total = (totals.*f.has_total)();
    const int64_t total = has_total ? (totals.*f.get_total)() : 0;
    const std::string total_field = absl::StrCat(totals_field, ".", f.field);
    if (has_total && total < 0) {
      return InvalidField(total_field,
                          absl::StrCat("県全体の", f.what_ja, " ", FormatThousands(total),
                                       " 円は負の値です。0以上の金額を入力してください"),
                          absl::StrCat(FormatThousands(total), " yen is negative; give 0 or more"));
    }
    int64_t sum = 0;
    for (int i = 0; i < companies.size(); ++i) {
      const PriorityCompany& c = companies[i];
      if (!(c.*f.has)()) continue;
      const std::string field =
          absl::StrCat(companies_field, "[", i, "] (", Excerpt(c.name()), ").", f.field);
      const int64_t v = (c.*f.get)();
      if (v < 0) {
        return InvalidField(field,
                            absl::StrCat(f.what_ja, " ", FormatThousands(v),
                                         " 円は負の値です。0以上の金額を入力してください"),
                            absl::StrCat(FormatThousands(v), " yen is negative; give 0 or more"));
      }
      if (!has_total) continue;
      if (v > total) {
        return InvalidField(
            field,
            absl::StrCat(f.what_ja, " ", FormatThousands(v), " 円が県全体の合計 ",
                         FormatThousands(total), " 円（", total_field,
                         "）を上回っています。1社の金額が県全体の合計を超えることはないため、"
                         "金額を確認してください"),
            absl::StrCat(FormatThousands(v), " yen is more than the prefecture's total ",
                         FormatThousands(total), " yen (", total_field,
                         "); one company cannot exceed it"));
      }
      sum += v;  // each v <= total, and the check below stops before an overflow
      if (sum > total) {
        return InvalidField(
            field,
            absl::StrCat("重点支援企業の", f.what_ja, "の合計が、県全体の合計 ",
                         FormatThousands(total), " 円（", total_field, "）を ",
                         FormatThousands(sum - total),
                         " 円上回っています。各社の金額と、県全体の合計の年度が合っているかを確認"
                         "してください"),
            absl::StrCat("the companies' ", f.what, " add up to more than the prefecture's total ",
                         FormatThousands(total), " yen (", total_field, ") by ",
                         FormatThousands(sum - total),
                         " yen; check the figures and the totals' fiscal year"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace rfs
