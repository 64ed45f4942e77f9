#include "services/registry/registry_service.h"

#include "common/errors.h"
#include "common/status.h"

namespace rfs::registry {

template <typename Response, typename Op>
grpc::Status PlanRegistryService::Handle(grpc::ServerContext* ctx, Response* resp, Op op) {
  absl::StatusOr<Principal> who = verifier_->Authenticate(*ctx);
  if (!who.ok()) return ToGrpcStatus(who.status(), LanguageOf(*ctx));
  absl::StatusOr<Response> result = op(*who);
  if (!result.ok()) return ToGrpcStatus(result.status(), LanguageOf(*ctx));
  *resp = std::move(*result);
  return grpc::Status::OK;
}

grpc::Status PlanRegistryService::CreatePlan(grpc::ServerContext* ctx,
                                             const v1::CreatePlanRequest* req, v1::Plan* resp) {
  return Handle(ctx, resp, [&](const Principal& who) { return registry_->CreatePlan(who, *req); });
}

grpc::ServerUnaryReactor* PlanRegistryService::GetPlan(grpc::CallbackServerContext* ctx,
                                                       const grpc::ByteBuffer* req,
                                                       grpc::ByteBuffer* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<Principal> who = verifier_->Authenticate(*ctx);
  if (!who.ok()) {
    reactor->Finish(ToGrpcStatus(who.status(), LanguageOf(*ctx)));
    return reactor;
  }
  v1::GetPlanRequest request;
  grpc::Slice bytes;
  if (!req->DumpToSingleSlice(&bytes).ok() ||
      !request.ParseFromArray(bytes.begin(), static_cast<int>(bytes.size()))) {
    reactor->Finish(ToGrpcStatus(
        Bilingual(absl::StatusCode::kInvalidArgument,
                  "リクエストが GetPlanRequest として読めません",
                  "request is not a GetPlanRequest"),
        LanguageOf(*ctx)));
    return reactor;
  }
  registry_->GetPlanAsync(*who, request,
                          [reactor, resp, language = LanguageOf(*ctx)](
                              absl::StatusOr<grpc::Slice> plan) {
                            if (!plan.ok()) {
                              return reactor->Finish(ToGrpcStatus(plan.status(), language));
                            }
                            *resp = grpc::ByteBuffer(&*plan, 1);
                            reactor->Finish(grpc::Status::OK);
                          });
  return reactor;
}

grpc::Status PlanRegistryService::ListPlans(grpc::ServerContext* ctx,
                                            const v1::ListPlansRequest* req,
                                            v1::ListPlansResponse* resp) {
  return Handle(ctx, resp, [&](const Principal& who) { return registry_->ListPlans(who, *req); });
}

grpc::Status PlanRegistryService::UpdatePlan(grpc::ServerContext* ctx,
                                             const v1::UpdatePlanRequest* req, v1::Plan* resp) {
  return Handle(ctx, resp, [&](const Principal& who) { return registry_->UpdatePlan(who, *req); });
}

grpc::Status PlanRegistryService::TransitionPlan(grpc::ServerContext* ctx,
                                                 const v1::TransitionPlanRequest* req,
                                                 v1::Plan* resp) {
  return Handle(ctx, resp,
                [&](const Principal& who) { return registry_->TransitionPlan(who, *req); });
}

grpc::Status PlanRegistryService::SignOffPlan(grpc::ServerContext* ctx,
                                              const v1::SignOffPlanRequest* req, v1::Plan* resp) {
  return Handle(ctx, resp, [&](const Principal& who) { return registry_->SignOffPlan(who, *req); });
}

grpc::Status PlanRegistryService::ListPlanVersions(grpc::ServerContext* ctx,
                                                   const v1::ListPlanVersionsRequest* req,
                                                   v1::ListPlanVersionsResponse* resp) {
  return Handle(ctx, resp,
                [&](const Principal& who) { return registry_->ListPlanVersions(who, *req); });
}

grpc::Status PlanRegistryService::DiffPlanVersions(grpc::ServerContext* ctx,
                                                   const v1::DiffPlanVersionsRequest* req,
                                                   v1::DiffPlanVersionsResponse* resp) {
  return Handle(ctx, resp,
                [&](const Principal& who) { return registry_->DiffPlanVersions(who, *req); });
}

grpc::Status PlanRegistryService::GetPlanHistory(grpc::ServerContext* ctx,
                                                 const v1::GetPlanHistoryRequest* req,
                                                 v1::GetPlanHistoryResponse* resp) {
  return Handle(ctx, resp,
                [&](const Principal& who) { return registry_->GetPlanHistory(who, *req); });
}

grpc::Status PlanRegistryService::ListReferenceData(grpc::ServerContext* ctx,
                                                    const v1::ListReferenceDataRequest* req,
                                                    v1::ListReferenceDataResponse* resp) {
  return Handle(ctx, resp,
                [&](const Principal& who) { return registry_->ListReferenceData(who, *req); });
}

}  // namespace rfs::registry
