// gRPC adapter of rfs.registry.v1.PlanRegistry: every method is one call of a common/kit/rpc.h
// helper (authenticate, hand the request to Registry, map the absl::Status to grpc::Status). No
// logic lives here. GetPlan, the hot read, uses the callback API with raw bytes
// (ServeRawUnary): the response is the cached serialized plan, and no thread waits on Redis.
// The other methods are synchronous (HandleUnary). Thread-safe.
#pragma once

#include "common/kit/auth.h"
#include "rfs/registry/v1/registry.grpc.pb.h"
#include "services/registry/registry.h"

namespace rfs::registry {

class PlanRegistryService final
    : public v1::PlanRegistry::WithRawCallbackMethod_GetPlan<v1::PlanRegistry::Service> {
 public:
  PlanRegistryService(Registry* registry, const TokenVerifier* verifier)
      : registry_(registry), verifier_(verifier) {}

  grpc::Status CreatePlan(grpc::ServerContext* ctx, const v1::CreatePlanRequest* req,
                          v1::Plan* resp) override;
  grpc::ServerUnaryReactor* GetPlan(grpc::CallbackServerContext* ctx,
                                    const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) override;
  grpc::Status ListPlans(grpc::ServerContext* ctx, const v1::ListPlansRequest* req,
                         v1::ListPlansResponse* resp) override;
  grpc::Status UpdatePlan(grpc::ServerContext* ctx, const v1::UpdatePlanRequest* req,
                          v1::Plan* resp) override;
  grpc::Status TransitionPlan(grpc::ServerContext* ctx, const v1::TransitionPlanRequest* req,
                              v1::Plan* resp) override;
  grpc::Status SignOffPlan(grpc::ServerContext* ctx, const v1::SignOffPlanRequest* req,
                           v1::Plan* resp) override;
  grpc::Status ListPlanVersions(grpc::ServerContext* ctx, const v1::ListPlanVersionsRequest* req,
                                v1::ListPlanVersionsResponse* resp) override;
  grpc::Status DiffPlanVersions(grpc::ServerContext* ctx, const v1::DiffPlanVersionsRequest* req,
                                v1::DiffPlanVersionsResponse* resp) override;
  grpc::Status GetPlanHistory(grpc::ServerContext* ctx, const v1::GetPlanHistoryRequest* req,
                              v1::GetPlanHistoryResponse* resp) override;
  grpc::Status ListReferenceData(grpc::ServerContext* ctx,
                                 const v1::ListReferenceDataRequest* req,
                                 v1::ListReferenceDataResponse* resp) override;

 private:
  Registry* registry_;
  const TokenVerifier* verifier_;
};

}  // namespace rfs::registry
