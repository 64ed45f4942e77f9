// Authorization of rfs-notification, in one place. Every RPC maps to an Action; the Notifier
// asks Authorize before it reads or writes, and Visible (event_filter.h) for each event read
// (docs/security.md).
//   publish events        the service role (the outbox relay of every rfs service)
//   read the event log    everyone authenticated, each receiving only events of plans they may
//                         read (the read rule, decided on each event's envelope)
// Pure functions; safe from any thread.
#pragma once

#include "absl/status/status.h"
#include "common/domain/principal.h"

namespace rfs::notification {

enum class Action {
  kPublish,
  kRead,
};

// OK, or PERMISSION_DENIED naming what was attempted and who may do it.
absl::Status Authorize(const Principal& who, Action action);

}  // namespace rfs::notification
