// The requirement service's operations: fetch the plan from the registry, authorize (one
// place: access_policy), evaluate the rules (pure: rules.h, scoring.h), and keep reports,
// reviews and events in Redis (requirements_store.h). Handlers call these and only map
// statuses. Thread-safe.
//
// CheckPlan of a registered plan, when cached, blocks no thread: GetPlan BASIC on the
// registry's callback client (for the current version and the access check; a second one when
// an older version is asked for), one HGET on the
// async Redis client, and the reply is the stored bytes with the asked version merged in (no
// parse, no serialization). A miss runs on the executor: one more GetPlan FULL, one HGETALL of
// the reviews, the rules, and one script storing the report with its event. An inline check is
// pure computation and runs on the calling thread.
#pragma once

#include <memory>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/domain/plan_validation.h"
#include "common/domain/reference_data.h"
#include "common/kit/auth.h"
#include "common/kit/executor.h"
#include "common/kit/registry_client.h"
#include "services/requirements/plan_view_cache.h"
#include "rfs/requirements/v1/requirements.pb.h"
#include "services/requirements/requirements_store.h"
#include "services/requirements/ruleset.h"

namespace rfs::requirements {

class Checker {
 public:
  // `reference` and `limits` validate inline plans as the registry validates what it stores.
  // A ListReviews page ends before it passes `max_page_bytes`.
  Checker(RequirementsStore* store, RegistryClient* registry, Executor* executor,
          const ReferenceData* reference, PlanLimits limits, Ruleset ruleset,
          prometheus::Registry& metrics, size_t max_page_bytes = size_t{6} << 20);

  // The serialized CheckPlanResponse. `done` runs once, on some thread, and must not block.
  using CheckDone = absl::AnyInvocable<void(absl::StatusOr<std::string>)>;
  // A report not cached is computed on the executor unless `deadline` (the caller's) passes
  // first (DEADLINE_EXCEEDED) or too many wait (RESOURCE_EXHAUSTED).
  void CheckPlan(const Principal& who, const v1::CheckPlanRequest& req, absl::Time deadline,
                 CheckDone done);
  absl::StatusOr<v1::Review> RecordReview(const Principal& who,
                                          const v1::RecordReviewRequest& req);
  absl::StatusOr<v1::ListReviewsResponse> ListReviews(const Principal& who,
                                                      const v1::ListReviewsRequest& req);
  absl::StatusOr<v1::ScorePriorityCompaniesResponse> ScorePriorityCompanies(
      const Principal& who, const v1::ScorePriorityCompaniesRequest& req);
  absl::StatusOr<v1::Ruleset> GetRuleset(const Principal& who);

  const Ruleset& ruleset() const { return ruleset_; }
  // Current BASIC views come from `cache` when it holds them (set before serving; may be null).
  void UsePlanCache(PlanViewCache* cache) { plan_cache_ = cache; }

 private:
  // The rest of CheckPlan once the plan's current BASIC view (or why there is none) is known:
  // authorization on it, then the report of the version asked for.
  void CheckCurrent(const Principal& who, std::string id, const std::string& name,
                    int64_t version, absl::Time deadline, CheckDone done,
                    std::shared_ptr<const registry::v1::Plan> current);
  // The report of `basic` (the version asked for; access already checked): cached or computed.
  void Serve(const Principal& who, std::string id, std::shared_ptr<const registry::v1::Plan> basic,
             absl::Time deadline, CheckDone done);
  // Serves a cached value (see requirements_store.h); false when it is malformed.
  bool ServeCached(const registry::v1::Plan& basic, const std::string& value, CheckDone* done);
  // The miss path: computes, stores (with the event) and returns the response bytes.
  absl::StatusOr<std::string> ComputeRegistered(const Principal& who, const std::string& id,
                                                const registry::v1::Plan& basic);
  absl::StatusOr<v1::CheckPlanResponse> CheckInline(const Principal& who,
                                                    const registry::v1::Plan& plan);
  // The current plan, FULL, read as the service; NOT_FOUND hidden from callers who do not read
  // every plan (common/domain/plan_access.h).
  absl::StatusOr<registry::v1::Plan> ReadPlan(const Principal& who, const std::string& name);
  void CountCheck(registry::v1::PlanType type, common::v1::CheckVerdict verdict);

  RequirementsStore* store_;
  RegistryClient* registry_;
  PlanViewCache* plan_cache_ = nullptr;
  Executor* executor_;
  const ReferenceData* reference_;
  const PlanLimits limits_;
  const size_t max_page_bytes_;
  const Ruleset ruleset_;
  prometheus::Family<prometheus::Counter>& checks_;
  // [plan type A..C][verdict PASS..FAIL] (enum values 1..3) of checks_.
  static constexpr int kCountedKinds = 4;
  prometheus::Counter* check_counters_[kCountedKinds][kCountedKinds] = {};
  prometheus::Counter* cache_hit_;
  prometheus::Counter* cache_miss_;
};

}  // namespace rfs::requirements
