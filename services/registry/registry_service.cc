#include "services/registry/registry_service.h"

#include "common/rpc.h"

namespace rfs::registry {

grpc::Status PlanRegistryService::CreatePlan(grpc::ServerContext* ctx,
                                             const v1::CreatePlanRequest* req, v1::Plan* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return registry_->CreatePlan(who, *req); });
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
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return registry_->ListPlans(who, *req); });
}

grpc::Status PlanRegistryService::UpdatePlan(grpc::ServerContext* ctx,
                                             const v1::UpdatePlanRequest* req, v1::Plan* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return registry_->UpdatePlan(who, *req); });
}

grpc::Status PlanRegistryService::TransitionPlan(grpc::ServerContext* ctx,
                                                 const v1::TransitionPlanRequest* req,
                                                 v1::Plan* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return registry_->TransitionPlan(who, *req); });
}

grpc::Status PlanRegistryService::SignOffPlan(grpc::ServerContext* ctx,
                                              const v1::SignOffPlanRequest* req, v1::Plan* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return registry_->SignOffPlan(who, *req); });
}

grpc::Status PlanRegistryService::ListPlanVersions(grpc::ServerContext* ctx,
                                                   const v1::ListPlanVersionsRequest* req,
                                                   v1::ListPlanVersionsResponse* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return registry_->ListPlanVersions(who, *req); });
}

grpc::Status PlanRegistryService::DiffPlanVersions(grpc::ServerContext* ctx,
                                                   const v1::DiffPlanVersionsRequest* req,
                                                   v1::DiffPlanVersionsResponse* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return registry_->DiffPlanVersions(who, *req); });
}

grpc::Status PlanRegistryService::GetPlanHistory(grpc::ServerContext* ctx,
                                                 const v1::GetPlanHistoryRequest* req,
                                                 v1::GetPlanHistoryResponse* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return registry_->GetPlanHistory(who, *req); });
}

grpc::Status PlanRegistryService::ListReferenceData(grpc::ServerContext* ctx,
                                                    const v1::ListReferenceDataRequest* req,
                                                    v1::ListReferenceDataResponse* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return registry_->ListReferenceData(who, *req); });
}

}  // namespace rfs::registry
