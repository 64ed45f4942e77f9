#include "services/registry/submission_gate.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/status.h"
#include "common/kit/client.h"

namespace rfs::registry {
RequirementsGate::RequirementsGate(const Peer& requirements)
    : stub_(requirements::v1::RequirementCheck::NewStub(requirements.channel)),
      token_(requirements.token),
      timeout_(requirements.timeout) {}

absl::StatusOr<common::v1::RequirementCheckSummary> RequirementsGate::Check(
    const v1::Plan& plan) {
  requirements::v1::CheckPlanRequest request;
  request.set_name(plan.name());
  request.set_version(plan.version());
  grpc::Status status;
  requirements::v1::CheckPlanResponse response;
  for (int attempt = 0; attempt < kPeerAttempts; ++attempt) {
    grpc::ClientContext context;
    PreparePeerAttempt(&context, token_->Get(), timeout_, attempt);
    status = stub_->CheckPlan(&context, request, &response);
    if (status.ok() || status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
  }
  if (!status.ok()) {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      return absl::UnavailableError(absl::StrCat(
          "the requirement check service is unreachable (", status.error_message(), "); ",
          plan.name(), " was not moved: try again shortly"));
    }
    return absl::InternalError(absl::StrCat("the requirement check of ", plan.name(),
                                            " failed: ", status.error_message()));
  }
  if (response.summary().verdict() == common::v1::CHECK_VERDICT_UNSPECIFIED) {
    return absl::InternalError(
        absl::StrCat("the requirement check of ", plan.name(), " returned no verdict"));
  }
  return std::move(*response.mutable_summary());
}

}  // namespace rfs::registry
