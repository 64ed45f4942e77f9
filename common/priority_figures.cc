#include "common/priority_figures.h"

#include "absl/strings/str_cat.h"
#include "common/money.h"
#include "common/text.h"

namespace rfs {
namespace {

using registry::v1::PrefectureTotals;
using registry::v1::PriorityCompany;

}  // namespace

const PriorityFigure kSalesOutsidePrefecture{
    "sales_outside_prefecture_yen", "sales outside the prefecture",
    &PriorityCompany::has_sales_outside_prefecture_yen,
    &PriorityCompany::sales_outside_prefecture_yen,
    &PrefectureTotals::has_sales_outside_prefecture_yen,
    &PrefectureTotals::sales_outside_prefecture_yen};
const PriorityFigure kPurchasesInsidePrefecture{
    "purchases_inside_prefecture_yen", "purchases inside the prefecture",
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
      return absl::InvalidArgumentError(absl::StrCat(
          total_field, ": ", FormatThousands(total), " yen is negative; give 0 or more"));
    }
    int64_t sum = 0;
    for (int i = 0; i < companies.size(); ++i) {
      const PriorityCompany& c = companies[i];
      if (!(c.*f.has)()) continue;
      const std::string field =
          absl::StrCat(companies_field, "[", i, "] (", Excerpt(c.name()), ").", f.field);
      const int64_t v = (c.*f.get)();
      if (v < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ": ", FormatThousands(v), " yen is negative; give 0 or more"));
      }
      if (!has_total) continue;
      if (v > total) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ": ", FormatThousands(v), " yen is more than the prefecture's total ",
            FormatThousands(total), " yen (", total_field, "); one company cannot exceed it"));
      }
      sum += v;  // each v <= total, and the check below stops before an overflow
      if (sum > total) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ": the companies' ", f.what, " add up to more than the prefecture's total ",
            FormatThousands(total), " yen (", total_field, ") by ",
            FormatThousands(sum - total), " yen; check the figures and the totals' fiscal year"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace rfs
