// How rfs services read plans: rfs.registry.v1.PlanRegistry/GetPlan and ListPlans with the
// service token, a deadline, and one retry after a short pause when the registry is
// unavailable (both are idempotent reads). Errors keep their meaning for the caller: NOT_FOUND
// and INVALID_ARGUMENT pass through; an unreachable registry is UNAVAILABLE saying so; a
// rejected service token is INTERNAL (a deployment fault, not the caller's). Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kit/peer.h"
#include "common/kit/service_token.h"
#include "rfs/registry/v1/registry.grpc.pb.h"

namespace rfs {

class RegistryClient {
  struct AsyncCall;

 public:
  explicit RegistryClient(const Peer& registry);

  // The plan `name` ("plans/A-00001") at `version` (0: current) in `view`.
  absl::StatusOr<registry::v1::Plan> GetPlan(const std::string& name, int64_t version,
                                             registry::v1::PlanView view);

  // Moves a plan to another stage on behalf of the caller whose bearer token is
  // `caller_token`: the registry authorizes and audits that caller, not this service. Sent
  // once (a write); a refusal comes back as the registry gave it.
  absl::StatusOr<registry::v1::Plan> TransitionPlanAs(
      const std::string& caller_token, const registry::v1::TransitionPlanRequest& request);

  // The same without blocking a thread: `done` runs once, on a gRPC thread, and must not
  // block.
  using Done = absl::AnyInvocable<void(absl::StatusOr<registry::v1::Plan>)>;
  void GetPlanAsync(const std::string& name, int64_t version, registry::v1::PlanView view,
                    Done done);

  // One page of ListPlans, as the service token may see it (rfs-kpi's plan sync walks every
  // page). Same deadline, retry and error mapping as GetPlan.
  absl::StatusOr<registry::v1::ListPlansResponse> ListPlans(
      const registry::v1::ListPlansRequest& request);

  // When the plan was first published by its governor (moved to PUBLISHED_BY_GOVERNOR), from
  // its history; nullopt when it never was. Walks the history's pages (oldest first).
  absl::StatusOr<std::optional<absl::Time>> FirstPublished(const std::string& name);

 private:
  void StartAsync(std::unique_ptr<AsyncCall> call);

  std::unique_ptr<registry::v1::PlanRegistry::Stub> stub_;
  ServiceToken* token_;
  const absl::Duration timeout_;
};

}  // namespace rfs
