// The outbox relay (DESIGN.md "Events: transactional outbox → notification"), one for every
// rfs service that writes an outbox: the service host starts it when --notification_address
// is set. On the holder of a lease (one replica at a time; common/redis/leader_lease.h) it
// reads the outbox oldest first, publishes the events to rfs-notification in batches
// (Notification.PublishEvents, idempotent by event id) and deletes them from the outbox only
// once rfs-notification acknowledged them. So:
//   - an event is never lost: while rfs-notification is down, refuses (its quota, its Redis
//     full) or answers late, the relay waits (Backoff, or the RetryInfo of a refusal) and tries
//     the same batch again; nothing is ever dropped from an outbox to save memory;
//   - an event is never doubled in the log: a batch sent again after a lost acknowledgement, or
//     by two replicas during a lease handover, is recognised by its ids;
//   - each plan's events keep their order: a batch is published only after every event before
//     it was acknowledged, so the log appends them in outbox order.
// An outbox entry whose event cannot be parsed or breaks the log's rule (ValidateEnvelope,
// common/domain/plan_event.h: not of rfs's making) would stop the relay for good: it is moved
// whole to "<outbox>:unreadable" (kept, logged), and the relay goes on.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/kit/peer.h"
#include "common/redis/leader_lease.h"
#include "common/redis/redis.h"
#include "rfs/notification/v1/notification.grpc.pb.h"

namespace rfs {

struct OutboxRelayOptions {
  int batch = 200;  // events a PublishEvents call, at most
  // How often an empty outbox is looked at again (also how soon a new event leaves it).
  absl::Duration poll = absl::Milliseconds(100);
  // The lease: another replica takes over at most this long after the holder died.
  absl::Duration lease_ttl = absl::Seconds(10);
  // Waits after failures: from `retry_initial`, doubling up to `retry_max`, with jitter.
  absl::Duration retry_initial = absl::Milliseconds(200);
  absl::Duration retry_max = absl::Seconds(30);
};

class OutboxRelay {
 public:
  // Relays `outbox_key` to the rfs-notification at `notification`; `lease_key` names its lease
  // (one per outbox). Not started.
  OutboxRelay(RedisPool* pool, std::string outbox_key, std::string lease_key,
              const Peer& notification, OutboxRelayOptions options = {});
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Runs the relay on a thread of its own until Stop().
  void Start();
  // Stops the thread (an attempt in flight finishes or times out first) and gives the lease up,
  // so another replica takes over at once. Idempotent.
  void Stop();

  // One pass, on the caller's thread: when this instance holds the lease, publishes batches
  // until the outbox is empty. Returns the events rfs-notification acknowledged; the first
  // failure ends the pass (what was not acknowledged stays in the outbox).
  absl::StatusOr<int64_t> RelayOnce();

  // Events acknowledged by rfs-notification since the start (for tests and logs).
  int64_t relayed() const;

 private:
  // Publishes the oldest batch; false when the outbox was empty.
  absl::StatusOr<bool> RelayBatch(int64_t* relayed);
  void Run();

  RedisPool* const pool_;
  const std::string outbox_key_;
  const OutboxRelayOptions options_;
  LeaderLease lease_;
  std::unique_ptr<notification::v1::Notification::Stub> stub_;
  ServiceToken* const token_;
  const absl::Duration timeout_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t relayed_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace rfs
