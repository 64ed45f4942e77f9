// gRPC adapter of rfs.notification.v1.Notification: every method is one call of a
// common/kit/rpc.h helper (authenticate, hand the request to the Notifier, map the
// absl::Status to grpc::Status). No logic lives here. Thread-safe.
#pragma once

#include "common/kit/auth.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "services/notification/notifier.h"

namespace rfs::notification {

class NotificationService final : public v1::Notification::Service {
 public:
  NotificationService(Notifier* notifier, const TokenVerifier* verifier)
      : notifier_(notifier), verifier_(verifier) {}

  grpc::Status PublishEvents(grpc::ServerContext* ctx, const v1::PublishEventsRequest* req,
                             v1::PublishEventsResponse* resp) override;
  grpc::Status ListEvents(grpc::ServerContext* ctx, const v1::ListEventsRequest* req,
                          v1::ListEventsResponse* resp) override;

 private:
  Notifier* notifier_;
  const TokenVerifier* verifier_;
};

}  // namespace rfs::notification
