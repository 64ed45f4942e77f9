// The event log in Redis, under rfs:notification: (docs/architecture.md "rfs-notification"):
//   log          STREAM  one entry per event, in the order published: id, type, event (the
//                        serialized rfs.common.v1.Event), n (its ordinal: 1, 2, …); trimmed
//                        by age and by length only, oldest first
//   added        STRING  entries ever added (the last ordinal): "added - XLEN log" were trimmed
//   seen:{id}    STRING  the ordinal of the event with that id, for the retention: what makes
//                        PublishEvents idempotent by event id
//   quota:…      STRING  the publishers' write quota (common/redis/write_quota.h)
// A log entry's id ("1733560000000-0": Redis' clock in milliseconds when it took the event,
// and a sequence) is its position: LogPosition below, which a cursor wraps. Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis/redis_store.h"
#include "common/redis/write_quota.h"
#include "rfs/common/v1/common.pb.h"

namespace rfs::notification {

// Where an entry is in the log: its stream id. {0, 0} is before every entry.
struct LogPosition {
  uint64_t ms = 0;
  uint64_t seq = 0;

  std::string ToString() const;  // "ms-seq", the stream id
  // nullopt for text that is not a stream id.
  static std::optional<LogPosition> Parse(absl::string_view text);
  absl::Time time() const { return absl::FromUnixMillis(static_cast<int64_t>(ms)); }
  bool zero() const { return ms == 0 && seq == 0; }

  friend bool operator<(const LogPosition& a, const LogPosition& b) {
    return a.ms != b.ms ? a.ms < b.ms : a.seq < b.seq;
  }
  friend bool operator==(const LogPosition& a, const LogPosition& b) {
    return a.ms == b.ms && a.seq == b.seq;
  }
  friend bool operator!=(const LogPosition& a, const LogPosition& b) { return !(a == b); }
  friend bool operator<=(const LogPosition& a, const LogPosition& b) { return !(b < a); }
};

// A place in the log as a reader holds it (what a cursor wraps): after the entry at `position`,
// the `ordinal`-th entry ever added. {0, 0} is before the first.
struct LogCursor {
  LogPosition position;
  int64_t ordinal = 0;
};

// One entry of the log: where it is and the event, still serialized (a reader parses it once
// it wants it).
struct LogEntry {
  LogCursor at;
  std::string event;
};

// What bounds the log.
struct EventLogOptions {
  absl::Duration retention = absl::Hours(24 * 90);
  int64_t max_entries = 10'000'000;
  WriteQuota quota;  // of each publisher
};

// How far the log reaches.
struct LogBounds {
  int64_t length = 0;   // entries it holds
  int64_t trimmed = 0;  // entries trimmed away: ordinals 1..trimmed
  // The first entry it holds, if any.
  std::optional<LogPosition> first;

  // A cursor at ordinal n has lost events when entries after it were trimmed.
  bool Lost(const LogCursor& c) const { return c.ordinal < trimmed; }
  // The oldest cursor a reader can continue from: just before the first entry kept.
  LogCursor Oldest() const;
};

class EventLog : public RedisStore {
 public:
  EventLog(RedisPool* pool, AsyncRedis* async, EventLogOptions options);
  // Waits for the batches in Redis and the calls queued behind them to be answered (the Redis
  // client answers every command, failing it at its deadline at the latest), so no answer
  // arrives after the log is gone.
  ~EventLog();

  struct Published {
    int appended = 0;
    int duplicates = 0;
    std::vector<bool> appended_each;  // per event, in order: appended (else a duplicate)
  };
  // An event to append, already taken apart: its id, its type, its serialized bytes.
  struct Outgoing {
    std::string id;
    std::string type;
    std::string bytes;
  };
  using PublishDone = absl::AnyInvocable<void(absl::StatusOr<Published>)>;

  // Appends `events` in order, each once (see lua/publish.lua), as `subject` (whose write quota
  // it uses: RESOURCE_EXHAUSTED with the delay when it is used up, nothing written). The
  // service's own events (a subscription disabled) pass counted = false: no quota.
  //
  // Group commit: without blocking. A call is sent to Redis at once when fewer than
  // kBatchesInFlight batches are there; otherwise it waits, and every call that waited goes in
  // the next batch, as one script (one round trip, one fsync of the AOF for all of them). Each
  // call is still taken whole or not at all, under its own quota. `done` runs exactly once, on
  // the Redis client's loop thread (it must not block), or at once on this thread with
  // UNAVAILABLE when kMaxWaitingEvents events already wait (Redis is behind: retry).
  void PublishAsync(std::vector<Outgoing> events, const std::string& subject, bool counted,
                    PublishDone done);
  // The same, waiting for the outcome (never call it on the Redis client's loop thread).
  absl::StatusOr<Published> Publish(const std::vector<common::v1::Event>& events,
                                    const std::string& subject, bool counted = true);

  static constexpr int kBatchesInFlight = 1;
  static constexpr size_t kMaxBatchEvents = 2000;  // a batch's script stays short (ms)
  static constexpr size_t kMaxWaitingEvents = 100'000;

  // At most `count` entries after `after` (exclusive), oldest first.
  absl::StatusOr<std::vector<LogEntry>> Read(const LogPosition& after, int64_t count);
  // The same, waiting up to `block` for an entry to come when there is none yet (XREAD BLOCK),
  // on a connection of `pool` (one it may hold that long: not the shared pool).
  absl::StatusOr<std::vector<LogEntry>> ReadBlocking(RedisPool* pool, const LogPosition& after,
                                                     int64_t count, absl::Duration block);
  // The place of the newest entry (what "from now on" starts after); {0, 0} while the log
  // holds none (then every entry to come is after it).
  absl::StatusOr<LogCursor> Tip();
  absl::StatusOr<LogBounds> Bounds();

  // One entry of an XRANGE / XREADGROUP / XAUTOCLAIM reply ([id, [field, value, ...]]), and
  // the entries of an array of them.
  static absl::StatusOr<LogEntry> EntryOf(const redisReply* entry);
  static absl::StatusOr<std::vector<LogEntry>> EntriesOf(const redisReply* reply);

  std::string LogKey() const { return Key("log"); }
  std::string AddedKey() const { return Key("added"); }

 private:
  // A PublishAsync call waiting for its batch.
  struct Waiting {
    std::vector<Outgoing> events;
    std::string subject;
    QuotaArgs quota;
    PublishDone done;
  };
  // Takes the waiting calls for one batch (at least one, up to kMaxBatchEvents events unless
  // the first call alone has more) and counts the batch in flight; empty when none wait or
  // kBatchesInFlight are already in Redis.
  std::vector<Waiting> TakeBatchLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // No batch in Redis and none waiting.
  bool IdleLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_flight_ == 0 && waiting_.empty();
  }
  // Sends a batch as one script; when its reply is in, answers each call and sends the next.
  void Send(std::vector<Waiting> batch);
  // Answers the calls of a batch from the script's reply.
  static void Answer(std::vector<Waiting>& batch, absl::StatusOr<const redisReply*> reply);

  const EventLogOptions options_;
  const RedisScript& publish_script_;
  absl::Mutex mu_;
  std::deque<Waiting> waiting_ ABSL_GUARDED_BY(mu_);
  size_t waiting_events_ ABSL_GUARDED_BY(mu_) = 0;
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace rfs::notification
