#include "services/requirements/scoring.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/base/errors.h"
#include "common/base/text.h"
#include "common/domain/money.h"
#include "common/domain/priority_figures.h"

namespace rfs::requirements {
namespace {

using registry::v1::PriorityCompany;

using Figure = PriorityFigure;
const Figure& kSales = kSalesOutsidePrefecture;
const Figure& kPurchases = kPurchasesInsidePrefecture;

// The figure's name for people, in Japanese (Figure::what is the English one).

// The prefecture's total of one figure: present and above zero (the degrees divide by it).
absl::Status CheckTotal(const registry::v1::PrefectureTotals& totals, const Figure& f,
                        const std::string& totals_field) {
  const std::string total_field = absl::StrCat(totals_field, ".", f.field);
  if (!(totals.*f.has_total)()) {
    return InvalidField(
        total_field,
        absl::StrCat("県全体の", f.what_ja,
                     "の合計が入力されていません。コネクター度・ハブ度はこの合計で割って"
                     "求めるため、入力してください"),
        absl::StrCat("the prefecture's total ", f.what, " is missing; the degree divides by it"));
  }
  const int64_t total = (totals.*f.get_total)();
  if (total <= 0) {
    return InvalidField(
        total_field,
        absl::StrCat("県全体の", f.what_ja, "の合計が ", FormatThousands(total),
                     " 円です。コネクター度・ハブ度はこの合計で割って求めるため、0より大きい金額を"
                     "入力してください"),
        absl::StrCat("the prefecture's total ", f.what, " is ", FormatThousands(total),
                     " yen; it must be more than zero (the degree divides by it)"));
  }
  return absl::OkStatus();
}

// Degrees of every company for one figure (the figures already checked against the totals by
// CheckPriorityFigures); a company without the figure gets -1 and, when `missing` is given, the
// figure's name there instead of an error.
absl::StatusOr<std::vector<double>> Degrees(
    const google::protobuf::RepeatedPtrField<PriorityCompany>& companies,
    const registry::v1::PrefectureTotals& totals, const Figure& f,
    const std::string& companies_field, const std::string& totals_field,
    std::vector<std::vector<std::string>>* missing) {
  const int64_t total = (totals.*f.get_total)();  // checked by CheckTotal
  std::vector<double> degrees;
  for (int i = 0; i < companies.size(); ++i) {
    const PriorityCompany& c = companies[i];
    if (!(c.*f.has)()) {
      if (missing == nullptr) {
        return InvalidField(
            absl::StrCat(companies_field, "[", i, "] (", Excerpt(c.name()), ").", f.field),
            absl::StrCat("この企業の", f.what_ja, "が入力されていません。金額を入力してください"),
            absl::StrCat("the company's ", f.what, " is missing"));
      }
      (*missing)[i].push_back(f.field);
      degrees.push_back(-1);
      continue;
    }
    degrees.push_back(static_cast<double>((c.*f.get)()) / static_cast<double>(total));
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
    const std::string& totals_field, bool score_missing) {
  if (companies.empty()) {
    return InvalidField(
        companies_field,
        "評価する重点支援企業がありません。1社以上指定してください",
        "no priority-support company to score (at least one)");
  }
  if (companies.size() > 10000) {
    return InvalidField(companies_field,
                        "1回の呼び出しで評価できるのは 10,000 社までです。分けて呼び出してください",
                        "at most 10,000 companies per call");
  }
  for (const Figure* f : {&kSales, &kPurchases}) {
    if (absl::Status s = CheckTotal(totals, *f, totals_field); !s.ok()) return s;
  }
  if (absl::Status s = CheckPriorityFigures(companies, totals, companies_field, totals_field);
      !s.ok()) {
    return s;
  }
  std::vector<std::vector<std::string>> missing(companies.size());
  std::vector<std::vector<std::string>>* unscored = score_missing ? &missing : nullptr;
  absl::StatusOr<std::vector<double>> connector =
      Degrees(companies, totals, kSales, companies_field, totals_field, unscored);
  if (!connector.ok()) return connector.status();
  absl::StatusOr<std::vector<double>> hub =
      Degrees(companies, totals, kPurchases, companies_field, totals_field, unscored);
  if (!hub.ok()) return hub.status();
  const std::vector<int> connector_rank = Ranks(*connector);
  const std::vector<int> hub_rank = Ranks(*hub);
  v1::ScorePriorityCompaniesResponse out;
  out.set_fiscal_year(totals.fiscal_year());
  for (int i = 0; i < companies.size(); ++i) {
    v1::CompanyScore* s = out.add_scores();
    s->set_name(companies[i].name());
    s->set_corporate_number(companies[i].corporate_number());
    for (const std::string& f : missing[i]) s->add_missing_figures(f);
    if ((*connector)[i] >= 0) {
      s->set_connector_degree((*connector)[i]);
      s->set_connector_rank(connector_rank[i]);
    }
    if ((*hub)[i] >= 0) {
      s->set_hub_degree((*hub)[i]);
      s->set_hub_rank(hub_rank[i]);
    }
  }
  return out;
}

}  // namespace rfs::requirements
