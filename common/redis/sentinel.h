// Redis Sentinel, as much as rfs needs of it: which node is the primary now. hiredis 0.14 has
// no Sentinel support; asking is two commands, written once here for the pool (redis.h) and
// the non-blocking client (async_redis.h), which ask at every new connection of an endpoint
// given as redis+sentinel://… and check that the node they reached is a primary (ROLE). A
// connection to a node that is no longer the primary is given up when Redis says so (a READONLY
// error) or when it breaks, and the next connection asks again: so a failover is followed
// without a restart. docs/operations.md "Redis high availability".
#pragma once

#include <hiredis/hiredis.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/redis/redis.h"

namespace rfs {

// Asks the Sentinels of `endpoint` in order for the address of the primary they monitor under
// `endpoint.master_name` (SENTINEL get-master-addr-by-name); the first that answers with one
// decides. `timeout` bounds the connection to each and its answer. UNAVAILABLE, naming what
// each Sentinel said, when none knows the primary.
absl::StatusOr<RedisEndpoint::Address> AskSentinels(const RedisEndpoint& endpoint,
                                                    absl::Duration timeout);

// OK when `role` (the reply to ROLE) says "master"; UNAVAILABLE otherwise (right after a
// failover a Sentinel may still name the old primary, now a replica).
absl::Status PrimaryRole(const redisReply* role);

// Whether an error reply means the node has stopped being the primary (READONLY: a replica
// refuses writes): the connection must be given up and the primary asked for again.
bool NoLongerPrimary(absl::string_view error);

}  // namespace rfs
