// A lease in Redis that lets exactly one replica of a service run its periodic jobs (rfs-kpi's
// plan sync; the outbox relay and the webhook dispatcher to come): every replica runs the job, each turn calls TryHold, and only the one it says
// true to does the work.
//
// The lease is one key holding the holder's instance id with an expiry (`ttl`). TryHold takes
// the key when nobody holds it (SET NX PX) or, when this instance already holds it, extends it
// by `ttl` (a compare-and-extend script: nobody else's lease is ever extended or overwritten).
// So the holder keeps the lease as long as it calls TryHold more often than every `ttl`; a
// holder that was killed, hangs or lost Redis stops extending it, the key expires after at most
// `ttl`, and the next TryHold of another replica takes it. Release (a graceful stop) deletes the
// key only while it is still this instance's, so another replica takes over at its next turn
// instead of waiting out the ttl.
//
// A lease is a best effort against wasted work, not a lock for correctness: a holder whose turn
// runs longer than `ttl` may overlap with the next holder for a while. The work it guards must
// be safe to run twice (the plan sync is: every write is guarded by the plan's generation).
// Its two scripts (lua/lease_extend.lua, lua/lease_release.lua) are registered through the store
// base like every other store's. Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/redis/redis.h"
#include "common/redis/redis_store.h"

namespace rfs {

class LeaderLease : private RedisStore {
 public:
  // `key` is the full Redis key (e.g. store->Key("lease:sync")); `instance_id` must differ
  // between replicas (DefaultInstanceId()); `ttl` is rounded to milliseconds, at least 1 ms.
  LeaderLease(RedisPool* pool, std::string key, std::string instance_id, absl::Duration ttl);

  // True when this instance holds the lease for the next `ttl` (taken now, or extended); false
  // when another instance holds it. An error (Redis unreachable) leaves the question open: the
  // caller must not act as the holder, and held() turns false.
  absl::StatusOr<bool> TryHold();
  // Gives the lease up if this instance still holds it (nothing happens otherwise). held()
  // turns false whatever the outcome.
  absl::Status Release();

  // What the last TryHold said (false before the first one, after an error or a Release). A
  // snapshot for status pages and tests: the lease may have expired since.
  bool held() const { return held_.load(std::memory_order_acquire); }

  const std::string& key() const { return key_; }
  const std::string& instance_id() const { return instance_id_; }

 private:
  const RedisScript& extend_script_;
  const RedisScript& release_script_;
  const std::string key_;
  const std::string instance_id_;
  const std::string ttl_ms_;  // PX / PEXPIRE argument
  std::atomic<bool> held_{false};
};

// "{hostname}:{pid}:{8 random hex digits}": tells replicas apart, also two processes of one
// host, and a restarted process from its former self (whose lease must run out, not be
// extended by a newcomer that happened to get the same pid).
std::string DefaultInstanceId();

}  // namespace rfs
