// The e-mail contacts' RPCs (the gRPC adapter hands requests over): add, read, list, change
// and remove the addresses rfs-notification mails about a body's, a block's or the country's
// plans. Who keeps a contact is access_policy.h's CanKeepContact; every write goes through
// WebhookStore (a contact is delivered like a subscription, on the e-mail channel), counted
// against the caller's quota and audited without the address (personal data). Thread-safe.
#pragma once

#include "absl/status/statusor.h"
#include "common/domain/principal.h"
#include "common/domain/reference_data.h"
#include "rfs/notification/v1/notification.pb.h"
#include "services/notification/webhook_store.h"

namespace rfs::notification {

class Contacts {
 public:
  Contacts(WebhookStore* store, const ReferenceData* reference);

  absl::StatusOr<v1::Contact> Create(const Principal& who, const v1::CreateContactRequest& req);
  absl::StatusOr<v1::Contact> Get(const Principal& who, const v1::GetContactRequest& req);
  absl::StatusOr<v1::ListContactsResponse> List(const Principal& who,
                                                const v1::ListContactsRequest& req);
  absl::StatusOr<v1::Contact> Update(const Principal& who, const v1::UpdateContactRequest& req);
  absl::StatusOr<v1::DeleteContactResponse> Delete(const Principal& who,
                                                   const v1::DeleteContactRequest& req);

 private:
  // The fields a keeper sets (address, display_name, language, event_types) keep their rules.
  absl::Status CheckFields(const v1::Contact& c) const;

  WebhookStore* const store_;
  const ReferenceData* const reference_;
};

}  // namespace rfs::notification
