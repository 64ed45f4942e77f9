// The webhook subscriptions' RPCs (the gRPC adapter, notification_service.h, hands requests
// over): create, read, change, rotate and delete subscriptions; send a test event; read the
// delivery log and the dead letters (of contacts too); deliver dead letters again. Authorization is
// access_policy.h's; every write goes through WebhookStore (counted against the caller's
// quota) and is audited. Delivery itself is the WebhookDispatcher's. Thread-safe.
#pragma once

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "common/domain/principal.h"
#include "common/domain/reference_data.h"
#include "rfs/notification/v1/notification.pb.h"
#include "services/notification/webhook_dispatcher.h"
#include "services/notification/webhook_store.h"

namespace rfs::notification {

// A new id for a subscription or a contact: 16 hex digits from OpenSSL's CSPRNG.
std::string NewDeliveryId();
// The channel and id a name gives ("subscriptions/{id}" when `subscriptions`, "contacts/{id}"
// when `contacts`); INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::pair<Channel, std::string>> ParseTargetName(absl::string_view name,
                                                                absl::string_view field,
                                                                bool subscriptions,
                                                                bool contacts);
// The subscription or contact `name` names, when `who` may manage it (access_policy.h);
// NOT_FOUND otherwise, also when it exists but is someone else's.
absl::StatusOr<SubscriptionRecord> LoadTarget(WebhookStore* store, const Principal& who,
                                              const std::string& name, absl::string_view field,
                                              bool subscriptions, bool contacts);

class Subscriptions {
 public:
  Subscriptions(WebhookStore* store, WebhookDispatcher* dispatcher,
                const ReferenceData* reference);

  absl::StatusOr<v1::CreateSubscriptionResponse> Create(const Principal& who,
                                                        const v1::CreateSubscriptionRequest& req);
  absl::StatusOr<v1::Subscription> Get(const Principal& who,
                                       const v1::GetSubscriptionRequest& req);
  absl::StatusOr<v1::ListSubscriptionsResponse> List(const Principal& who,
                                                     const v1::ListSubscriptionsRequest& req);
  absl::StatusOr<v1::Subscription> Update(const Principal& who,
                                          const v1::UpdateSubscriptionRequest& req);
  absl::StatusOr<v1::DeleteSubscriptionResponse> Delete(const Principal& who,
                                                        const v1::DeleteSubscriptionRequest& req);
  absl::StatusOr<v1::RotateSecretResponse> RotateSecret(const Principal& who,
                                                        const v1::RotateSecretRequest& req);
  absl::StatusOr<v1::SendTestEventResponse> SendTestEvent(const Principal& who,
                                                          const v1::SendTestEventRequest& req);
  absl::StatusOr<v1::ListDeliveriesResponse> ListDeliveries(
      const Principal& who, const v1::ListDeliveriesRequest& req);
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      const Principal& who, const v1::ListDeadLettersRequest& req);
  absl::StatusOr<v1::RedeliverDeadLetterResponse> RedeliverDeadLetter(
      const Principal& who, const v1::RedeliverDeadLetterRequest& req);
  absl::StatusOr<v1::RecoverDeliveriesResponse> RecoverDeliveries(
      const Principal& who, const v1::RecoverDeliveriesRequest& req);

 private:
  // The subscription `name` names ("subscriptions/{id}", or with `contacts_too` also
  // "contacts/{id}", given as `field`): LoadTarget.
  absl::StatusOr<SubscriptionRecord> Owned(const Principal& who, const std::string& name,
                                           absl::string_view field, bool contacts_too = false);
  // url, filter and description of `s` keep their rules (fields named under `field`).
  absl::Status CheckConfig(const v1::Subscription& s, absl::string_view field) const;

  WebhookStore* const store_;
  WebhookDispatcher* const dispatcher_;
  const ReferenceData* const reference_;
};

}  // namespace rfs::notification
