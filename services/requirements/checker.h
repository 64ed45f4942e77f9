// The requirement service's operations: fetch the plan from the registry, authorize (one
// place: access_policy), evaluate the rules (pure: rules.h, scoring.h), and keep reports,
// reviews and events in Redis (requirements_store.h). Handlers call these and only map
// statuses. Thread-safe.
//
// A check of a registered plan costs, when cached: one GetPlan BASIC from the registry and one
// Redis HGET. Uncached: one more GetPlan FULL, one HGETALL of the reviews, the rules, and one
// script storing the report with its event.
#pragma once

#include <memory>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "absl/status/statusor.h"
#include "common/auth.h"
#include "common/registry_client.h"
#include "rfs/requirements/v1/requirements.pb.h"
#include "services/requirements/requirements_store.h"
#include "services/requirements/ruleset.h"

namespace rfs::requirements {

class Checker {
 public:
  Checker(RequirementsStore* store, RegistryClient* registry, Ruleset ruleset,
          prometheus::Registry& metrics);

  absl::StatusOr<v1::CheckPlanResponse> CheckPlan(const Principal& who,
                                                  const v1::CheckPlanRequest& req);
  absl::StatusOr<v1::Review> RecordReview(const Principal& who,
                                          const v1::RecordReviewRequest& req);
  absl::StatusOr<v1::ListReviewsResponse> ListReviews(const Principal& who,
                                                      const v1::ListReviewsRequest& req);
  absl::StatusOr<v1::ScorePriorityCompaniesResponse> ScorePriorityCompanies(
      const Principal& who, const v1::ScorePriorityCompaniesRequest& req);
  absl::StatusOr<v1::Ruleset> GetRuleset(const Principal& who);

  const Ruleset& ruleset() const { return ruleset_; }

 private:
  absl::StatusOr<v1::CheckPlanResponse> CheckRegistered(const Principal& who,
                                                        const v1::CheckPlanRequest& req);
  absl::StatusOr<v1::CheckPlanResponse> CheckInline(const Principal& who,
                                                    const registry::v1::Plan& plan);
  void CountCheck(const v1::Report& report);

  RequirementsStore* store_;
  RegistryClient* registry_;
  const Ruleset ruleset_;
  prometheus::Family<prometheus::Counter>& checks_;
  prometheus::Counter* cache_hit_;
  prometheus::Counter* cache_miss_;
};

}  // namespace rfs::requirements
