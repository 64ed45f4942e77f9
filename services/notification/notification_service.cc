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

grpc::ServerWriteReactor<v1::WatchEventsResponse>* NotificationService::WatchEvents(
    grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) {
  return ServeStream<v1::WatchEventsResponse>(
      *verifier_, ctx, req,
      [this](const Principal& who, const v1::WatchEventsRequest& request,
             std::shared_ptr<StreamHandle<v1::WatchEventsResponse>> stream) {
        hub_->Watch(who, request, std::move(stream));
      },
      stream_capacity_);
}

}  // namespace rfs::notification
