// The one rule on the figures of priority-support companies (重点支援企業) of a type B plan
// against their prefecture's totals: what the registry refuses to store and what the connector
// and hub degrees (services/requirements/scoring.h) divide. Pure; safe from any thread.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs {

// One kind of figure a company and its prefecture's totals both carry.
struct PriorityFigure {
  const char* field;  // "sales_outside_prefecture_yen"
  const char* what;     // for people: "sales outside the prefecture"
  const char* what_ja;  // the same in Japanese: "県外売上高"
  bool (registry::v1::PriorityCompany::*has)() const;
  int64_t (registry::v1::PriorityCompany::*get)() const;
  bool (registry::v1::PrefectureTotals::*has_total)() const;
  int64_t (registry::v1::PrefectureTotals::*get_total)() const;
};
// Sales outside the prefecture (behind the connector degree) and purchases inside it (behind
// the hub degree).
extern const PriorityFigure kSalesOutsidePrefecture;
extern const PriorityFigure kPurchasesInsidePrefecture;

// OK when every figure given is 0 or more, no company's figure is above the prefecture's total
// of the same kind, and the companies together are not above it. Figures or totals that are
// absent ("not known yet") are not compared. INVALID_ARGUMENT otherwise, naming the company and
// the figure (`companies_field`[i] (name).figure) and the total (`totals_field`.figure).
absl::Status CheckPriorityFigures(
    const google::protobuf::RepeatedPtrField<registry::v1::PriorityCompany>& companies,
    const registry::v1::PrefectureTotals& totals, const std::string& companies_field,
    const std::string& totals_field);

}  // namespace rfs
