// Authorization of rfs-notification, in one place. Every RPC maps to an Action; the Notifier
// asks Authorize before it reads or writes, and Visible (event_filter.h) for each event read
// (docs/security.md).
//   publish events        the service role (the outbox relay of every rfs service)
//   read the event log    everyone authenticated, each receiving only events of plans they may
//                         read (the read rule, decided on each event's envelope)
//   subscribe (webhooks)  everyone authenticated; a subscription receives only events of plans
//                         its owner may read
//   manage a subscription its owner (the subject that created it) and the secretariat; to
//                         anyone else it does not exist (NOT_FOUND, so ids cannot be probed)
//   keep a contact        its body (a prefecture or municipality of its body_code, a bureau of
//                         its block) and the secretariat (national contacts: the secretariat
//                         only); to anyone else it does not exist (addresses are personal data)
// Pure functions; safe from any thread.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/domain/principal.h"

namespace rfs::notification {

enum class Action {
  kPublish,
  kRead,
  kSubscribe,
};

// OK, or PERMISSION_DENIED naming what was attempted and who may do it.
absl::Status Authorize(const Principal& who, Action action);

// Whether `who` may read and change the subscription owned by `owner`.
bool CanManageSubscription(const Principal& who, absl::string_view owner);
// Whether `who` may read and change the contacts of a body (body_code) or a block (block);
// both empty: national contacts.
bool CanKeepContact(const Principal& who, absl::string_view body_code, absl::string_view block);

}  // namespace rfs::notification
