#include "services/requirements/requirements_service.h"

#include <google/protobuf/arena.h>

#include "common/errors.h"
#include "common/status.h"

namespace rfs::requirements {

template <typename Response, typename Op>
grpc::Status RequirementCheckService::Handle(grpc::ServerContext* ctx, Response* resp, Op op) {
  absl::StatusOr<Principal> who = verifier_->Authenticate(*ctx);
  if (!who.ok()) return ToGrpcStatus(who.status(), LanguageOf(*ctx));
  absl::StatusOr<Response> result = op(*who);
  if (!result.ok()) return ToGrpcStatus(result.status(), LanguageOf(*ctx));
  *resp = std::move(*result);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* RequirementCheckService::CheckPlan(grpc::CallbackServerContext* ctx,
                                                             const grpc::ByteBuffer* req,
                                                             grpc::ByteBuffer* resp) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<Principal> who = verifier_->Authenticate(*ctx);
  if (!who.ok()) {
    reactor->Finish(ToGrpcStatus(who.status(), LanguageOf(*ctx)));
    return reactor;
  }
  // An inline plan has hundreds of strings: an arena makes them one allocation.
  google::protobuf::Arena arena;
  auto* request = google::protobuf::Arena::CreateMessage<v1::CheckPlanRequest>(&arena);
  grpc::Slice bytes;
  if (!req->DumpToSingleSlice(&bytes).ok() ||
      !request->ParseFromArray(bytes.begin(), static_cast<int>(bytes.size()))) {
    reactor->Finish(ToGrpcStatus(
        Bilingual(absl::StatusCode::kInvalidArgument,
                  "リクエストが CheckPlanRequest として読めません",
                  "request is not a CheckPlanRequest"),
        LanguageOf(*ctx)));
    return reactor;
  }
  checker_->CheckPlan(*who, *request, absl::FromChrono(ctx->deadline()),
                      [reactor, resp, language = LanguageOf(*ctx)](
                          absl::StatusOr<std::string> response) {
    if (!response.ok()) return reactor->Finish(ToGrpcStatus(response.status(), language));
    // The slice takes the string over: no copy of the report.
    auto* owned = new std::string(*std::move(response));
    grpc::Slice slice(owned->data(), owned->size(),
                      [](void* p) { delete static_cast<std::string*>(p); }, owned);
    *resp = grpc::ByteBuffer(&slice, 1);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
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
