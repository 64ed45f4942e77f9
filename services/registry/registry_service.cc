#include "services/registry/registry_service.h"

#include "common/kit/rpc.h"

namespace rfs::registry {

grpc::Status PlanRegistryService::CreatePlan(grpc::ServerContext* ctx,
                                             const v1::CreatePlanRequest* req, v1::Plan* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return registry_->CreatePlan(who, request);
  });
}

grpc::ServerUnaryReactor* PlanRegistryService::GetPlan(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* req,
                                                       grpc::ByteBuffer* resp) {
  // GetPlanAsync copies the caller and the request's fields before it returns.
  return ServeRawUnary<v1::GetPlanRequest>(
      *verifier_, ctx, req, resp,
      [this](const Principal& who, const v1::GetPlanRequest& request, RawDone done) {
        registry_->GetPlanAsync(who, request, std::move(done));
      });
}

grpc::Status PlanRegistryService::ListPlans(grpc::ServerContext* ctx,
                                            const v1::ListPlansRequest* req,
                                            v1::ListPlansResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return registry_->ListPlans(who, request);
  });
}

grpc::Status PlanRegistryService::UpdatePlan(grpc::ServerContext* ctx,
                                             const v1::UpdatePlanRequest* req, v1::Plan* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return registry_->UpdatePlan(who, request);
  });
}

grpc::Status PlanRegistryService::TransitionPlan(grpc::ServerContext* ctx,
                                                 const v1::TransitionPlanRequest* req,
                                                 v1::Plan* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return registry_->TransitionPlan(who, request);
  });
}

grpc::Status PlanRegistryService::SignOffPlan(grpc::ServerContext* ctx,
                                              const v1::SignOffPlanRequest* req, v1::Plan* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return registry_->SignOffPlan(who, request);
  });
}

grpc::Status PlanRegistryService::ListPlanVersions(grpc::ServerContext* ctx,
                                                   const v1::ListPlanVersionsRequest* req,
                                                   v1::ListPlanVersionsResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return registry_->ListPlanVersions(who, request);
  });
}

grpc::Status PlanRegistryService::DiffPlanVersions(grpc::ServerContext* ctx,
                                                   const v1::DiffPlanVersionsRequest* req,
                                                   v1::DiffPlanVersionsResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return registry_->DiffPlanVersions(who, request);
  });
}

grpc::Status PlanRegistryService::GetPlanHistory(grpc::ServerContext* ctx,
                                                 const v1::GetPlanHistoryRequest* req,
                                                 v1::GetPlanHistoryResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return registry_->GetPlanHistory(who, request);
  });
}

grpc::Status PlanRegistryService::ListReferenceData(grpc::ServerContext* ctx,
                                                    const v1::ListReferenceDataRequest* req,
                                                    v1::ListReferenceDataResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return registry_->ListReferenceData(who, request);
  });
}

}  // namespace rfs::registry
