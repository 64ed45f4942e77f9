// gRPC adapter of rfs.notification.v1.Notification: every method is one call of a
// common/kit/rpc.h helper (authenticate, hand the request to the Notifier or the WatchHub, map
// the absl::Status to grpc::Status). No logic lives here. WatchEvents is a server stream on the
// callback API (ServeStream); the unary methods are synchronous (HandleUnary). Thread-safe.
#pragma once

#include "common/kit/auth.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "services/notification/notifier.h"
#include "services/notification/watch_hub.h"

namespace rfs::notification {

class NotificationService final
    : public v1::Notification::WithCallbackMethod_WatchEvents<v1::Notification::Service> {
 public:
  NotificationService(Notifier* notifier, WatchHub* hub, const TokenVerifier* verifier,
                      size_t stream_capacity)
      : notifier_(notifier), hub_(hub), verifier_(verifier), stream_capacity_(stream_capacity) {}

  grpc::Status PublishEvents(grpc::ServerContext* ctx, const v1::PublishEventsRequest* req,
                             v1::PublishEventsResponse* resp) override;
  grpc::Status ListEvents(grpc::ServerContext* ctx, const v1::ListEventsRequest* req,
                          v1::ListEventsResponse* resp) override;
  grpc::ServerWriteReactor<v1::WatchEventsResponse>* WatchEvents(
      grpc::CallbackServerContext* ctx, const v1::WatchEventsRequest* req) override;

 private:
  Notifier* notifier_;
  WatchHub* hub_;
  const TokenVerifier* verifier_;
  const size_t stream_capacity_;
};

}  // namespace rfs::notification
