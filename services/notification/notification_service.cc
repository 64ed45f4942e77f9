#include "services/notification/notification_service.h"

#include "common/kit/rpc.h"

namespace rfs::notification {

grpc::Status NotificationService::PublishEvents(grpc::ServerContext* ctx,
                                                const v1::PublishEventsRequest* req,
                                                v1::PublishEventsResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return notifier_->PublishEvents(who, request);
  });
}

grpc::Status NotificationService::ListEvents(grpc::ServerContext* ctx,
                                             const v1::ListEventsRequest* req,
                                             v1::ListEventsResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return notifier_->ListEvents(who, request);
  });
}

}  // namespace rfs::notification
