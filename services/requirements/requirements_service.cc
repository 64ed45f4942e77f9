#include "services/requirements/requirements_service.h"

#include "common/status.h"

namespace rfs::requirements {

template <typename Response, typename Op>
grpc::Status RequirementCheckService::Handle(grpc::ServerContext* ctx, Response* resp, Op op) {
  absl::StatusOr<Principal> who = verifier_->Authenticate(*ctx);
  if (!who.ok()) return ToGrpcStatus(who.status());
  absl::StatusOr<Response> result = op(*who);
  if (!result.ok()) return ToGrpcStatus(result.status());
  *resp = std::move(*result);
  return grpc::Status::OK;
}

grpc::Status RequirementCheckService::CheckPlan(grpc::ServerContext* ctx,
                                                const v1::CheckPlanRequest* req,
                                                v1::CheckPlanResponse* resp) {
  return Handle(ctx, resp, [&](const Principal& who) { return checker_->CheckPlan(who, *req); });
}

grpc::Status RequirementCheckService::RecordReview(grpc::ServerContext* ctx,
                                                   const v1::RecordReviewRequest* req,
                                                   v1::Review* resp) {
  return Handle(ctx, resp,
                [&](const Principal& who) { return checker_->RecordReview(who, *req); });
}

grpc::Status RequirementCheckService::ListReviews(grpc::ServerContext* ctx,
                                                  const v1::ListReviewsRequest* req,
                                                  v1::ListReviewsResponse* resp) {
  return Handle(ctx, resp,
                [&](const Principal& who) { return checker_->ListReviews(who, *req); });
}

grpc::Status RequirementCheckService::ScorePriorityCompanies(
    grpc::ServerContext* ctx, const v1::ScorePriorityCompaniesRequest* req,
    v1::ScorePriorityCompaniesResponse* resp) {
  return Handle(ctx, resp, [&](const Principal& who) {
    return checker_->ScorePriorityCompanies(who, *req);
  });
}

grpc::Status RequirementCheckService::GetRuleset(grpc::ServerContext* ctx,
                                                 const v1::GetRulesetRequest*,
                                                 v1::Ruleset* resp) {
  return Handle(ctx, resp, [&](const Principal& who) { return checker_->GetRuleset(who); });
}

}  // namespace rfs::requirements
