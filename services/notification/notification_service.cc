#include "services/notification/notification_service.h"

#include "common/kit/rpc.h"

namespace rfs::notification {

grpc::ServerUnaryReactor* NotificationService::PublishEvents(grpc::CallbackServerContext* ctx,
                                                             const grpc::ByteBuffer* req,
                                                             grpc::ByteBuffer* resp) {
  return ServeRawUnary<v1::PublishEventsRequest>(
      *verifier_, ctx, req, resp,
      [this](const Principal& who, const v1::PublishEventsRequest& request, RawDone done) {
        notifier_->PublishEvents(
            who, request,
            [done = std::move(done)](absl::StatusOr<v1::PublishEventsResponse> out) mutable {
              if (!out.ok()) return done(out.status());
              done(SliceOf(out->SerializeAsString()));
            });
      });
}

grpc::Status NotificationService::ListEvents(grpc::ServerContext* ctx,
                                             const v1::ListEventsRequest* req,
                                             v1::ListEventsResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return notifier_->ListEvents(who, request);
  });
}

grpc::Status NotificationService::CreateSubscription(grpc::ServerContext* ctx, const v1::CreateSubscriptionRequest* req,
                                      v1::CreateSubscriptionResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->Create(who, request);
  });
}

grpc::Status NotificationService::GetSubscription(grpc::ServerContext* ctx, const v1::GetSubscriptionRequest* req,
                                      v1::Subscription* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->Get(who, request);
  });
}

grpc::Status NotificationService::ListSubscriptions(grpc::ServerContext* ctx, const v1::ListSubscriptionsRequest* req,
                                      v1::ListSubscriptionsResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->List(who, request);
  });
}

grpc::Status NotificationService::UpdateSubscription(grpc::ServerContext* ctx, const v1::UpdateSubscriptionRequest* req,
                                      v1::Subscription* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->Update(who, request);
  });
}

grpc::Status NotificationService::DeleteSubscription(grpc::ServerContext* ctx, const v1::DeleteSubscriptionRequest* req,
                                      v1::DeleteSubscriptionResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->Delete(who, request);
  });
}

grpc::Status NotificationService::RotateSecret(grpc::ServerContext* ctx, const v1::RotateSecretRequest* req,
                                      v1::RotateSecretResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->RotateSecret(who, request);
  });
}

grpc::Status NotificationService::SendTestEvent(grpc::ServerContext* ctx, const v1::SendTestEventRequest* req,
                                      v1::SendTestEventResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->SendTestEvent(who, request);
  });
}

grpc::Status NotificationService::ListDeliveries(grpc::ServerContext* ctx, const v1::ListDeliveriesRequest* req,
                                      v1::ListDeliveriesResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->ListDeliveries(who, request);
  });
}

grpc::Status NotificationService::ListDeadLetters(grpc::ServerContext* ctx, const v1::ListDeadLettersRequest* req,
                                      v1::ListDeadLettersResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->ListDeadLetters(who, request);
  });
}

grpc::Status NotificationService::RedeliverDeadLetter(grpc::ServerContext* ctx, const v1::RedeliverDeadLetterRequest* req,
                                      v1::RedeliverDeadLetterResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->RedeliverDeadLetter(who, request);
  });
}

grpc::Status NotificationService::RecoverDeliveries(grpc::ServerContext* ctx, const v1::RecoverDeliveriesRequest* req,
                                      v1::RecoverDeliveriesResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return subscriptions_->RecoverDeliveries(who, request);
  });
}

grpc::Status NotificationService::CreateContact(grpc::ServerContext* ctx, const v1::CreateContactRequest* req,
                                      v1::Contact* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return contacts_->Create(who, request);
  });
}

grpc::Status NotificationService::GetContact(grpc::ServerContext* ctx, const v1::GetContactRequest* req,
                                      v1::Contact* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return contacts_->Get(who, request);
  });
}

grpc::Status NotificationService::ListContacts(grpc::ServerContext* ctx, const v1::ListContactsRequest* req,
                                      v1::ListContactsResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return contacts_->List(who, request);
  });
}

grpc::Status NotificationService::UpdateContact(grpc::ServerContext* ctx, const v1::UpdateContactRequest* req,
                                      v1::Contact* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return contacts_->Update(who, request);
  });
}

grpc::Status NotificationService::DeleteContact(grpc::ServerContext* ctx, const v1::DeleteContactRequest* req,
                                      v1::DeleteContactResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return contacts_->Delete(who, request);
  });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* NotificationService::WatchEvents(
    grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req) {
  return ServeRawStream<v1::WatchEventsRequest>(
      *verifier_, ctx, req,
      [this](const Principal& who, const v1::WatchEventsRequest& request,
             std::shared_ptr<WatchStream> stream) {
        hub_->Watch(who, request, std::move(stream));
      },
      stream_capacity_);
}

}  // namespace rfs::notification
