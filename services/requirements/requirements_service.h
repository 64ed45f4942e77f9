// gRPC adapter of rfs.requirements.v1.RequirementCheck: every method is one call of a
// common/kit/rpc.h helper (authenticate, hand the request to the Checker, map the absl::Status to
// grpc::Status). No logic lives here. CheckPlan, the hot read, uses the callback API with raw
// bytes (ServeRawUnary; the request is parsed on an arena, the Checker answers with serialized
// responses); the other methods are synchronous (HandleUnary). Thread-safe.
#pragma once

#include "common/kit/auth.h"
#include "rfs/requirements/v1/requirements.grpc.pb.h"
#include "services/requirements/checker.h"

namespace rfs::requirements {

class RequirementCheckService final
    : public v1::RequirementCheck::WithRawCallbackMethod_CheckPlan<v1::RequirementCheck::Service> {
 public:
  RequirementCheckService(Checker* checker, const TokenVerifier* verifier)
      : checker_(checker), verifier_(verifier) {}

  grpc::ServerUnaryReactor* CheckPlan(grpc::CallbackServerContext* ctx,
                                      const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) override;
  grpc::Status RecordReview(grpc::ServerContext* ctx, const v1::RecordReviewRequest* req,
                            v1::Review* resp) override;
  grpc::Status ListReviews(grpc::ServerContext* ctx, const v1::ListReviewsRequest* req,
                           v1::ListReviewsResponse* resp) override;
  grpc::Status ScorePriorityCompanies(grpc::ServerContext* ctx,
                                      const v1::ScorePriorityCompaniesRequest* req,
                                      v1::ScorePriorityCompaniesResponse* resp) override;
  grpc::Status GetRuleset(grpc::ServerContext* ctx, const v1::GetRulesetRequest* req,
                          v1::Ruleset* resp) override;

 private:
  Checker* checker_;
  const TokenVerifier* verifier_;
};

}  // namespace rfs::requirements
