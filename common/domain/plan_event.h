// The envelope (rfs.common.v1.Event) of an event about a plan, with the facts an authorization
// filter needs (type, block, prefectures, authors), as every service writes it into its outbox
// (common/redis/outbox.h). Pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <string>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs {

// The envelope of an event of `type` about `plan`, made by `actor` (a token subject) at `time`
// in the service `source` ("rfs-registry"). `id` is left to the caller: it names the change and
// must be the same if the change is retried. A plan not named yet (being created) has no plan
// field; the create script adds it.
common::v1::Event PlanEvent(absl::string_view source, const registry::v1::Plan& plan,
                            std::string type, const google::protobuf::Timestamp& time,
                            std::string actor);

// Packs `message` as the event's type-specific payload.
void SetPayload(const google::protobuf::Message& message, common::v1::Event* event);

// The rule an event keeps to enter the event log (rfs-notification's PublishEvents; the outbox
// relay sets aside what breaks it rather than stop on it): an `id` (at most 200 characters),
// a `type` of dotted lower-case words ("plan.stage_changed"), a `source`, a valid `time`, and at
// most kMaxEventBytes serialized: events name the plan version, they do not carry plans.
// INVALID_ARGUMENT naming `field` ("events[3]") and the rule otherwise.
inline constexpr size_t kMaxEventBytes = 20 * 1024;
absl::Status ValidateEnvelope(const common::v1::Event& event, absl::string_view field);
// A Timestamp within protobuf's range (years 1..9999, nanos 0..999,999,999).
bool ValidTimestamp(const google::protobuf::Timestamp& t);

}  // namespace rfs
