// Who may see a plan: the one read rule every rfs service applies before it shows a plan or
// anything derived from it (a requirement report, KPI figures). The registry's policy
// (services/registry/access_policy.cc) builds its write rules on the same predicates.
//   secretariat, viewer, service  every plan
//   bureau                        plans of its block
//   prefecture, municipality      plans it authors or co-authors, plans whose area covers it
// Public plans (published by the governor or later) are readable by everyone authenticated.
// The rule is decided on a plan's read facts (PlanReadFacts), which a plan and the envelope of
// an event about it (rfs.common.v1.Event) both carry, so a subscriber's filter decides from the
// event alone exactly what the rule decides on the plan. Pure functions; safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/domain/principal.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs {

// What the read rule looks at: the plan's authors, block, area and whether it is public.
struct PlanReadFacts {
  std::vector<std::string> author_codes;
  std::string block;
  std::vector<std::string> prefecture_codes;
  std::vector<std::string> municipality_codes;  // empty: the whole of its prefectures
  bool is_public = false;
};
PlanReadFacts ReadFactsOf(const registry::v1::Plan& plan);
PlanReadFacts ReadFactsOf(const common::v1::Event& event);
// The read rule above, on the facts.
bool CanRead(const Principal& who, const PlanReadFacts& plan);
// The read rule on the envelope of an event about a plan: the same answer as CanReadPlan on
// the plan the event was made from (PlanEvent).
bool CanReadEvent(const Principal& who, const common::v1::Event& event);

// A prefecture or municipality among the plan's authors.
bool IsPlanAuthor(const Principal& who, const registry::v1::Plan& plan);
// A bureau whose block is the plan's block.
bool IsPlanBureau(const Principal& who, const registry::v1::Plan& plan);
// A prefecture or municipality inside the plan's area.
bool PlanAreaCovers(const Principal& who, const registry::v1::Plan& plan);
// Published by the governor, submitted, published nationally or being revised.
bool IsPublicStage(registry::v1::PlanStage stage);
// The read rule above.
bool CanReadPlan(const Principal& who, const registry::v1::Plan& plan);
// Who is calling, for error messages: "role prefecture (160008)" and
// "都道府県（ロール prefecture、団体コード 160008）".
std::string DescribeCaller(const Principal& who);
std::string DescribeCallerJa(const Principal& who);

// May read every plan, so learning that a plan does not exist tells it nothing new.
bool ReadsEveryPlan(const Principal& who);
// PERMISSION_DENIED for reading `plan_name`: the same words whether or not the plan exists.
absl::Status ReadDenied(const Principal& who, absl::string_view plan_name);
// A plan lookup's NOT_FOUND as the caller may see it (Google AIP-211): unchanged for callers who
// read every plan; for the others the same PERMISSION_DENIED as for a plan they may not read,
// so that nobody learns which plans exist. Any other status is returned as it is.
absl::Status HideExistence(const Principal& who, absl::string_view plan_name,
                           const absl::Status& status);

// May decide a pre-consultation (事前相談の窓口): the secretariat, or the plan block's bureau.
bool IsPlanReviewer(const Principal& who, const registry::v1::Plan& plan);

}  // namespace rfs
