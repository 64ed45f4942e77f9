// The plan registry's operations, independent of gRPC: each takes the authenticated caller
// and a request message, and returns the response or a status with a canonical code and a
// message a person can act on. Validation (plan_validation.h), authorization
// (access_policy.h) and the lifecycle (lifecycle.h) are decided by pure functions; this class
// sequences them around the store. Thread-safe.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "common/domain/codes.h"
#include "common/domain/plan_validation.h"
#include "common/domain/reference_data.h"
#include "common/kit/api.h"  // EtagOf
#include "common/kit/auth.h"
#include "rfs/registry/v1/registry.pb.h"
#include "services/registry/registry_store.h"
#include "services/registry/submission_gate.h"

namespace rfs::registry {

struct RegistryOptions {
  PlanLimits limits;
  int default_page_size = 50;
  int max_page_size = 500;
  // A ListPlans page ends before its plans pass this many bytes (keep it well under the
  // maximum message size).
  size_t max_page_bytes = 6 << 20;
  int64_t request_id_ttl_seconds = 7 * 24 * 3600;
  // Writes without an etag are retried this often when another write got in between.
  int write_attempts = 10;
};

class Registry {
 public:
  // `gate` may be null: no requirement check before SUBMITTED.
  Registry(RegistryStore* store, const ReferenceData* reference, SubmissionGate* gate,
           RegistryOptions options = {});

  absl::StatusOr<v1::Plan> CreatePlan(const Principal& who, const v1::CreatePlanRequest& req);
  // Reads a plan without blocking a thread (the hot path): `done` receives the serialized
  // plan (FULL or BASIC view), shared with the cache, on the Redis loop thread or at once.
  void GetPlanAsync(const Principal& who, const v1::GetPlanRequest& req,
                    absl::AnyInvocable<void(absl::StatusOr<grpc::Slice>)> done);
  absl::StatusOr<v1::ListPlansResponse> ListPlans(const Principal& who,
                                                  const v1::ListPlansRequest& req);
  absl::StatusOr<v1::Plan> UpdatePlan(const Principal& who, const v1::UpdatePlanRequest& req);
  absl::StatusOr<v1::Plan> TransitionPlan(const Principal& who,
                                          const v1::TransitionPlanRequest& req);
  absl::StatusOr<v1::Plan> SignOffPlan(const Principal& who, const v1::SignOffPlanRequest& req);
  absl::StatusOr<v1::ListPlanVersionsResponse> ListPlanVersions(
      const Principal& who, const v1::ListPlanVersionsRequest& req);
  absl::StatusOr<v1::DiffPlanVersionsResponse> DiffPlanVersions(
      const Principal& who, const v1::DiffPlanVersionsRequest& req);
  absl::StatusOr<v1::GetPlanHistoryResponse> GetPlanHistory(const Principal& who,
                                                            const v1::GetPlanHistoryRequest& req);
  absl::StatusOr<v1::ListReferenceDataResponse> ListReferenceData(
      const Principal& who, const v1::ListReferenceDataRequest& req);

 private:
  // ListPlans' filters: known enum values, block, prefecture, field, title text; else
  // INVALID_ARGUMENT naming the field.
  absl::Status ValidateListFilters(const v1::ListPlansRequest& req) const;
  // Builds and writes the next version of `current` made by `change` (which edits a copy).
  // Retries on a concurrent write unless the caller pinned an etag.
  template <typename Change>
  absl::StatusOr<v1::Plan> WriteNextVersion(const Principal& who, const std::string& name,
                                            const std::string& etag, v1::ChangeKind kind,
                                            Change change);

  // Versions up to which `who` may read plan `id`: all (the maximum) when it may read the plan
  // now; up to the last version it authored when it is a former author of a joint plan;
  // otherwise the read denial (also when the plan does not exist, for callers who do not read
  // every plan).
  absl::StatusOr<int64_t> ReadableUntil(const Principal& who, const std::string& name,
                                        const std::string& id);

  RegistryStore* store_;
  const ReferenceData* reference_;
  SubmissionGate* gate_;
  const RegistryOptions options_;
};


}  // namespace rfs::registry
