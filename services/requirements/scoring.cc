#include "services/requirements/scoring.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/money.h"

namespace rfs::requirements {
namespace {

using registry::v1::PriorityCompany;

// One figure pair: what the company has and what the prefecture has.
struct Figure {
  const char* field;  // "sales_outside_prefecture_yen"
  const char* what;   // for people
  bool (PriorityCompany::*has)() const;
  int64_t (PriorityCompany::*get)() const;
  bool (registry::v1::PrefectureTotals::*has_total)() const;
  int64_t (registry::v1::PrefectureTotals::*get_total)() const;
};

const Figure kSales{"sales_outside_prefecture_yen", "sales outside the prefecture",
                    &PriorityCompany::has_sales_outside_prefecture_yen,
                    &PriorityCompany::sales_outside_prefecture_yen,
                    &registry::v1::PrefectureTotals::has_sales_outside_prefecture_yen,
                    &registry::v1::PrefectureTotals::sales_outside_prefecture_yen};
const Figure kPurchases{"purchases_inside_prefecture_yen", "purchases inside the prefecture",
                        &PriorityCompany::has_purchases_inside_prefecture_yen,
                        &PriorityCompany::purchases_inside_prefecture_yen,
                        &registry::v1::PrefectureTotals::has_purchases_inside_prefecture_yen,
                        &registry::v1::PrefectureTotals::purchases_inside_prefecture_yen};

// Degrees of every company for one figure, after checking the figures are possible.
absl::StatusOr<std::vector<double>> Degrees(
    const google::protobuf::RepeatedPtrField<PriorityCompany>& companies,
    const registry::v1::PrefectureTotals& totals, const Figure& f,
    const std::string& companies_field, const std::string& totals_field) {
  const std::string total_field = absl::StrCat(totals_field, ".", f.field);
  if (!(totals.*f.has_total)()) {
    return absl::InvalidArgumentError(absl::StrCat(
        total_field, ": the prefecture's total ", f.what, " is missing; the degree divides by it"));
  }
  const int64_t total = (totals.*f.get_total)();
  if (total <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        total_field, ": the prefecture's total ", f.what, " is ", FormatThousands(total),
        " yen; it must be more than zero (the degree divides by it)"));
  }
  std::vector<double> degrees;
  int64_t sum = 0;
  for (int i = 0; i < companies.size(); ++i) {
    const PriorityCompany& c = companies[i];
    const std::string field =
        absl::StrCat(companies_field, "[", i, "] (", c.name(), ").", f.field);
    if (!(c.*f.has)()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": the company's ", f.what, " is missing"));
    }
    const int64_t v = (c.*f.get)();
    if (v < 0) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", FormatThousands(v),
                                                     " yen is negative; give 0 or more"));
    }
    if (v > total) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": ", FormatThousands(v), " yen is more than the prefecture's total ",
          FormatThousands(total), " yen (", total_field, "); one company cannot exceed it"));
    }
    sum += v;  // each v <= total <= int64 max, and the check below stops before overflow
    if (sum > total) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": the companies' ", f.what, " add up to more than the prefecture's total ",
          FormatThousands(total), " yen (", total_field, ") by ", FormatThousands(sum - total),
          " yen; check the figures and the totals' fiscal year"));
    }
    degrees.push_back(static_cast<double>(v) / static_cast<double>(total));
  }
  return degrees;
}

// Competition ranks: 1 + the number of strictly larger degrees.
std::vector<int> Ranks(const std::vector<double>& d) {
  std::vector<size_t> order(d.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&d](size_t a, size_t b) { return d[a] > d[b]; });
  std::vector<int> ranks(d.size(), 1);
  for (size_t pos = 0; pos < order.size(); ++pos) {
    const bool tie = pos > 0 && d[order[pos]] == d[order[pos - 1]];
    ranks[order[pos]] = tie ? ranks[order[pos - 1]] : static_cast<int>(pos) + 1;
  }
  return ranks;
}

}  // namespace

absl::StatusOr<v1::ScorePriorityCompaniesResponse> ScoreCompanies(
    const google::protobuf::RepeatedPtrField<PriorityCompany>& companies,
    const registry::v1::PrefectureTotals& totals, const std::string& companies_field,
    const std::string& totals_field) {
  if (companies.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(companies_field, ": no priority-support company to score (at least one)"));
  }
  if (companies.size() > 10000) {
    return absl::InvalidArgumentError(
        absl::StrCat(companies_field, ": at most 10,000 companies per call"));
  }
  absl::StatusOr<std::vector<double>> connector =
      Degrees(companies, totals, kSales, companies_field, totals_field);
  if (!connector.ok()) return connector.status();
  absl::StatusOr<std::vector<double>> hub =
      Degrees(companies, totals, kPurchases, companies_field, totals_field);
  if (!hub.ok()) return hub.status();
  const std::vector<int> connector_rank = Ranks(*connector);
  const std::vector<int> hub_rank = Ranks(*hub);
  v1::ScorePriorityCompaniesResponse out;
  out.set_fiscal_year(totals.fiscal_year());
  for (int i = 0; i < companies.size(); ++i) {
    v1::CompanyScore* s = out.add_scores();
    s->set_name(companies[i].name());
    s->set_corporate_number(companies[i].corporate_number());
    s->set_connector_degree((*connector)[i]);
    s->set_hub_degree((*hub)[i]);
    s->set_connector_rank(connector_rank[i]);
    s->set_hub_rank(hub_rank[i]);
  }
  return out;
}

}  // namespace rfs::requirements
