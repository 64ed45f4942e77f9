// gRPC adapter of rfs.notification.v1.Notification: every method is one call of a
// common/kit/rpc.h helper (authenticate, hand the request to the Notifier, the WatchHub, Subscriptions or Contacts, map
// the absl::Status to grpc::Status). No logic lives here. WatchEvents is a server stream on the
// callback API on raw bytes (ServeRawStream: an event serialized once for every watcher);
// PublishEvents a raw callback unary method (ServeRawUnary: no
// thread waits while its batch is in Redis); the other unary methods are synchronous
// (HandleUnary). Thread-safe.
#pragma once

#include "common/kit/auth.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "services/notification/contacts.h"
#include "services/notification/notifier.h"
#include "services/notification/subscriptions.h"
#include "services/notification/watch_hub.h"

namespace rfs::notification {

class NotificationService final
    : public v1::Notification::WithRawCallbackMethod_PublishEvents<
          v1::Notification::WithRawCallbackMethod_WatchEvents<v1::Notification::Service>> {
 public:
  NotificationService(Notifier* notifier, WatchHub* hub, Subscriptions* subscriptions,
                      Contacts* contacts, const TokenVerifier* verifier, size_t stream_capacity)
      : notifier_(notifier),
        hub_(hub),
        subscriptions_(subscriptions),
        contacts_(contacts),
        verifier_(verifier),
        stream_capacity_(stream_capacity) {}

  grpc::ServerUnaryReactor* PublishEvents(grpc::CallbackServerContext* ctx,
                                          const grpc::ByteBuffer* req,
                                          grpc::ByteBuffer* resp) override;
  grpc::Status ListEvents(grpc::ServerContext* ctx, const v1::ListEventsRequest* req,
                          v1::ListEventsResponse* resp) override;
  grpc::Status CreateSubscription(grpc::ServerContext* ctx, const v1::CreateSubscriptionRequest* req,
                      v1::CreateSubscriptionResponse* resp) override;
  grpc::Status GetSubscription(grpc::ServerContext* ctx, const v1::GetSubscriptionRequest* req,
                      v1::Subscription* resp) override;
  grpc::Status ListSubscriptions(grpc::ServerContext* ctx, const v1::ListSubscriptionsRequest* req,
                      v1::ListSubscriptionsResponse* resp) override;
  grpc::Status UpdateSubscription(grpc::ServerContext* ctx, const v1::UpdateSubscriptionRequest* req,
                      v1::Subscription* resp) override;
  grpc::Status DeleteSubscription(grpc::ServerContext* ctx, const v1::DeleteSubscriptionRequest* req,
                      v1::DeleteSubscriptionResponse* resp) override;
  grpc::Status RotateSecret(grpc::ServerContext* ctx, const v1::RotateSecretRequest* req,
                      v1::RotateSecretResponse* resp) override;
  grpc::Status SendTestEvent(grpc::ServerContext* ctx, const v1::SendTestEventRequest* req,
                      v1::SendTestEventResponse* resp) override;
  grpc::Status ListDeliveries(grpc::ServerContext* ctx, const v1::ListDeliveriesRequest* req,
                      v1::ListDeliveriesResponse* resp) override;
  grpc::Status ListDeadLetters(grpc::ServerContext* ctx, const v1::ListDeadLettersRequest* req,
                      v1::ListDeadLettersResponse* resp) override;
  grpc::Status RedeliverDeadLetter(grpc::ServerContext* ctx, const v1::RedeliverDeadLetterRequest* req,
                      v1::RedeliverDeadLetterResponse* resp) override;
  grpc::Status RecoverDeliveries(grpc::ServerContext* ctx, const v1::RecoverDeliveriesRequest* req,
                      v1::RecoverDeliveriesResponse* resp) override;
  grpc::Status CreateContact(grpc::ServerContext* ctx, const v1::CreateContactRequest* req,
                      v1::Contact* resp) override;
  grpc::Status GetContact(grpc::ServerContext* ctx, const v1::GetContactRequest* req,
                      v1::Contact* resp) override;
  grpc::Status ListContacts(grpc::ServerContext* ctx, const v1::ListContactsRequest* req,
                      v1::ListContactsResponse* resp) override;
  grpc::Status UpdateContact(grpc::ServerContext* ctx, const v1::UpdateContactRequest* req,
                      v1::Contact* resp) override;
  grpc::Status DeleteContact(grpc::ServerContext* ctx, const v1::DeleteContactRequest* req,
                      v1::DeleteContactResponse* resp) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchEvents(grpc::CallbackServerContext* ctx,
                                                         const grpc::ByteBuffer* req) override;

 private:
  Notifier* notifier_;
  WatchHub* hub_;
  Subscriptions* subscriptions_;
  Contacts* contacts_;
  const TokenVerifier* verifier_;
  const size_t stream_capacity_;
};

}  // namespace rfs::notification
