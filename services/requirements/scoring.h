// Connector degree and hub degree of priority-support companies (重点支援企業, DOMAIN.md):
//   connector degree (コネクター度) = company's sales outside the prefecture
//                                   / the prefecture's total sales outside the prefecture
//   hub degree (ハブ度)            = company's purchases inside the prefecture
//                                   / the prefecture's total purchases inside the prefecture
// Pure functions; safe from any thread.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "rfs/requirements/v1/requirements.pb.h"

namespace rfs::requirements {

// Scores and ranks (1 = highest; equal degrees share a rank: 1, 2, 2, 4). Impossible figures
// give INVALID_ARGUMENT naming the company and the figure: a negative figure, a total that is
// missing or zero, a company above the prefecture's total, companies adding up to more than
// the total (common/domain/priority_figures.h, the registry's rule too). A company without a figure
// is INVALID_ARGUMENT too, unless `score_missing` (a stored plan may lack figures not known
// yet): then it is listed with `missing_figures` and no degree or rank for them, and the
// others are ranked among themselves.
absl::StatusOr<v1::ScorePriorityCompaniesResponse> ScoreCompanies(
    const google::protobuf::RepeatedPtrField<registry::v1::PriorityCompany>& companies,
    const registry::v1::PrefectureTotals& totals, const std::string& companies_field,
    const std::string& totals_field, bool score_missing = false);

}  // namespace rfs::requirements
