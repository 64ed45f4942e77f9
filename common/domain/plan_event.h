// The envelope (rfs.common.v1.Event) of an event about a plan, with the facts an authorization
// filter needs (type, block, prefectures, authors), as every service writes it into its outbox
// (common/redis/outbox.h). Pure functions; safe from any thread.
#pragma once

#include <string>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

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

}  // namespace rfs
