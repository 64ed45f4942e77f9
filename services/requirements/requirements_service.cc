#include "services/requirements/requirements_service.h"

#include "absl/time/time.h"
#include "common/kit/rpc.h"

namespace rfs::requirements {

grpc::ServerUnaryReactor* RequirementCheckService::CheckPlan(grpc::CallbackServerContext* ctx,
                                                             const grpc::ByteBuffer* req,
                                                             grpc::ByteBuffer* resp) {
  // Checker::CheckPlan copies the caller and what it needs of the request before it returns
  // (an inline plan is checked on this thread, before it returns).
  return ServeRawUnary<v1::CheckPlanRequest>(
      *verifier_, ctx, req, resp,
      [this, ctx](const Principal& who, const v1::CheckPlanRequest& request, RawDone done) {
        checker_->CheckPlan(who, request, absl::FromChrono(ctx->deadline()),
                            [done = std::move(done)](
                                absl::StatusOr<std::string> response) mutable {
                              if (!response.ok()) return done(response.status());
                              // The slice takes the string over: no copy of the report.
                              done(SliceOf(*std::move(response)));
                            });
      });
}

grpc::Status RequirementCheckService::RecordReview(grpc::ServerContext* ctx,
                                                   const v1::RecordReviewRequest* req,
                                                   v1::Review* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return checker_->RecordReview(who, request);
  });
}

grpc::Status RequirementCheckService::ListReviews(grpc::ServerContext* ctx,
                                                  const v1::ListReviewsRequest* req,
                                                  v1::ListReviewsResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return checker_->ListReviews(who, request);
  });
}

grpc::Status RequirementCheckService::ScorePriorityCompanies(
    grpc::ServerContext* ctx, const v1::ScorePriorityCompaniesRequest* req,
    v1::ScorePriorityCompaniesResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return checker_->ScorePriorityCompanies(who, request);
  });
}

grpc::Status RequirementCheckService::GetRuleset(grpc::ServerContext* ctx,
                                                 const v1::GetRulesetRequest* req,
                                                 v1::Ruleset* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto&) {
    return checker_->GetRuleset(who);
  });
}

}  // namespace rfs::requirements
