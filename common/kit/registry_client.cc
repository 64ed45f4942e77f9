#include "common/kit/registry_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/status.h"
#include "common/kit/client.h"

namespace rfs {

RegistryClient::RegistryClient(const Peer& registry)
    : stub_(registry::v1::PlanRegistry::NewStub(registry.channel)),
      token_(registry.token),
      timeout_(registry.timeout) {}

namespace {

// What the caller sees of a failed GetPlan or ListPlans (see the header).
absl::Status MapRegistryError(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::UnavailableError(
          absl::StrCat("the plan registry is unreachable (", status.error_message(),
                       "); try again shortly"));
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return absl::InternalError(absl::StrCat(
          "the plan registry refused this service's token (", status.error_message(),
          "); check --service_token_file / --auth_key_file of both services"));
    default:
      return FromGrpcStatus(status);
  }
}

}  // namespace

struct RegistryClient::AsyncCall {
  grpc::ClientContext context;
  registry::v1::GetPlanRequest request;
  registry::v1::Plan response;
  int attempt = 0;
  Done done;
};

void RegistryClient::GetPlanAsync(const std::string& name, int64_t version,
                                  registry::v1::PlanView view, Done done) {
  auto call = std::make_unique<AsyncCall>();
  call->request.set_name(name);
  call->request.set_version(version);
  call->request.set_view(view);
  call->done = std::move(done);
  StartAsync(std::move(call));
}

void RegistryClient::StartAsync(std::unique_ptr<AsyncCall> call) {
  PreparePeerAttempt(&call->context, token_->Get(), timeout_, call->attempt);
  AsyncCall* raw = call.release();
  stub_->async()->GetPlan(&raw->context, &raw->request, &raw->response,
                          [this, raw](grpc::Status status) {
                            std::unique_ptr<AsyncCall> call(raw);
                            if (status.ok()) return call->done(std::move(call->response));
                            if (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
                                call->attempt + 1 < kPeerAttempts) {
                              // A fresh context: one may not be reused for a second call.
                              auto retry = std::make_unique<AsyncCall>();
                              retry->request = std::move(call->request);
                              retry->done = std::move(call->done);
                              retry->attempt = call->attempt + 1;
                              return StartAsync(std::move(retry));
                            }
                            call->done(MapRegistryError(status));
                          });
}

absl::StatusOr<registry::v1::Plan> RegistryClient::GetPlan(const std::string& name,
                                                           int64_t version,
                                                           registry::v1::PlanView view) {
  registry::v1::GetPlanRequest request;
  request.set_name(name);
  request.set_version(version);
  request.set_view(view);
  grpc::Status status;
  for (int attempt = 0; attempt < kPeerAttempts; ++attempt) {
    grpc::ClientContext context;
    PreparePeerAttempt(&context, token_->Get(), timeout_, attempt);
    registry::v1::Plan plan;
    status = stub_->GetPlan(&context, request, &plan);
    if (status.ok()) return plan;
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
  }
  return MapRegistryError(status);
}

absl::StatusOr<registry::v1::ListPlansResponse> RegistryClient::ListPlans(
    const registry::v1::ListPlansRequest& request) {
  grpc::Status status;
  for (int attempt = 0; attempt < kPeerAttempts; ++attempt) {
    grpc::ClientContext context;
    PreparePeerAttempt(&context, token_->Get(), timeout_, attempt);
    registry::v1::ListPlansResponse response;
    status = stub_->ListPlans(&context, request, &response);
    if (status.ok()) return response;
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
  }
  return MapRegistryError(status);
}

absl::StatusOr<std::optional<absl::Time>> RegistryClient::FirstPublished(
    const std::string& name) {
  registry::v1::GetPlanHistoryRequest request;
  request.set_name(name);
  request.set_page_size(500);
  do {
    grpc::Status status;
    registry::v1::GetPlanHistoryResponse response;
    for (int attempt = 0; attempt < kPeerAttempts; ++attempt) {
      grpc::ClientContext context;
      PreparePeerAttempt(&context, token_->Get(), timeout_, attempt);
      status = stub_->GetPlanHistory(&context, request, &response);
      if (status.ok() || status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    }
    if (!status.ok()) return MapRegistryError(status);
    for (const registry::v1::AuditRecord& record : response.records()) {
      if (record.to_stage() == registry::v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR) {
        return std::optional<absl::Time>(absl::FromUnixSeconds(record.time().seconds()) +
                                         absl::Nanoseconds(record.time().nanos()));
      }
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return std::optional<absl::Time>();
}

absl::StatusOr<registry::v1::Plan> RegistryClient::TransitionPlanAs(
    const std::string& caller_token, const registry::v1::TransitionPlanRequest& request) {
  grpc::ClientContext context;
  PreparePeerAttempt(&context, caller_token, timeout_, 0);
  registry::v1::Plan plan;
  const grpc::Status status = stub_->TransitionPlan(&context, request, &plan);
  if (status.ok()) return plan;
  // The caller's own refusals (permission, stage) are theirs to read, in their words.
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return MapRegistryError(status);
  }
  return FromGrpcStatus(status);
}

}  // namespace rfs
