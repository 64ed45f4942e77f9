// The transactional outbox every rfs service writes its domain events into
// (docs/architecture.md, "Events: the outbox"): a Redis stream `<prefix>outbox` of entries
// {id, type, event}, appended by the same Lua script that makes the change, so an event exists
// exactly when its change does. Consumers deduplicate by id. Nothing here reads the stream: the
// relay comes with the notification service.
//
//   (the envelope of an event about a plan, rfs.common.v1.Event, is made by PlanEvent in
//   common/domain/plan_event.h)
//   kOutboxLua  the Lua fragment with outbox_append(key, id, type, event_bytes): lua/outbox.lua,
//               which a write script includes with "--@include outbox" (cmake/RfsLua.cmake)
#pragma once

#include "common/redis/lua_scripts.h"

namespace rfs {

using lua::kOutboxLua;

}  // namespace rfs
