// WatchEvents: every stream of this replica, fed from the event log (docs/architecture.md
// "rfs-notification", "Watching").
//
// A stream is first replayed: a replay step (on the hub's executor) reads the log after the
// stream's cursor and pushes what the filter and the read rule let through, pacing itself on
// the stream's buffer (it stops while half of it waits and goes on when a quarter is left:
// StreamHandle::OnSpace), so a slow reader is waited for, never cut. Once a read finds nothing
// newer than what the tail has dispatched, the stream joins the live set and gets CaughtUp.
// One tail thread per replica follows the log (XREAD BLOCK on a connection of its own), reads
// each new entry once, decides the read rule's facts once, and pushes it to every live stream
// whose cursor is before it. A live stream whose buffer is half full leaves the live set and is
// replayed again from its cursor: events are read back from the log, not held in memory. So
// memory per stream is bounded by its buffer, and every stream's cursor only moves forward
// over entries it has been given or passed over: nothing missed, nothing twice.
// A heartbeat thread sends a Heartbeat on every live stream that sent nothing for the
// heartbeat interval (a replay does the same between its reads), and ends with UNAUTHENTICATED
// the streams whose token expired. A replay that finds the log trimmed past its cursor ends
// the stream with OUT_OF_RANGE naming the oldest cursor, never skipping in silence. Stop() ends every stream with UNAVAILABLE at once (before the server's
// drain), so clients resume on another replica. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/domain/principal.h"
#include "common/domain/reference_data.h"
#include "common/kit/executor.h"
#include "common/kit/rpc.h"
#include "rfs/notification/v1/notification.pb.h"
#include "services/notification/event_filter.h"
#include "services/notification/event_log.h"

namespace rfs::notification {

struct WatchOptions {
  // A Heartbeat on a stream that sent nothing for this long.
  absl::Duration heartbeat = absl::Seconds(15);
  // Streams of this replica, and of one token subject on it, at most.
  int max_streams = 2000;
  int max_streams_per_subject = 50;
  // Messages waiting per stream, at most (its memory bound).
  size_t stream_capacity = 256;
  // Threads replaying streams from the log.
  int replay_threads = 2;
  // How long the tail waits for a new entry per read (also how soon it sees Stop()).
  absl::Duration tail_block = absl::Milliseconds(250);
};

// A watch stream's messages are serialized WatchEventsResponses (ServeRawStream): the tail
// serializes each live event once and every stream it goes to shares the bytes.
using WatchStream = StreamHandle<grpc::ByteBuffer>;

class WatchHub {
 public:
  // `tail_pool`: a pool whose connection the tail may hold for `tail_block` at a time.
  WatchHub(EventLog* log, RedisPool* tail_pool, const ReferenceData* reference,
           prometheus::Registry& metrics, WatchOptions options);
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Starts the tail and heartbeat threads.
  void Start();
  // Ends every stream with UNAVAILABLE now, refuses new ones, stops the threads. Idempotent.
  void Stop();

  // Serves a WatchEvents call: checks the request (a refusal finishes the stream), registers
  // the stream and queues its first replay step. Does not block (called on a gRPC thread).
  void Watch(const Principal& who, const v1::WatchEventsRequest& req,
             std::shared_ptr<WatchStream> stream);

  // Streams open on this replica.
  size_t streams() const;
  // Times a stream waited for its reader (a replay paused, or a live stream sent back to
  // replay) since the start: what tests and logs see of the pacing.
  int64_t paced() const;

 private:
  struct Stream;
  using StreamPtr = std::shared_ptr<Stream>;

  // Replays `s` from its cursor until it is paced, closed, or joins the live set.
  void Replay(const StreamPtr& s);
  // Queues a replay step; a full executor ends the stream (UNAVAILABLE: resume elsewhere).
  void ScheduleReplay(const StreamPtr& s);
  // Forgets a closed stream.
  void Remove(const StreamPtr& s);
  // Ends a stream with `status` and forgets it.
  void End(const StreamPtr& s, absl::Status status);
  void Tail();
  // Sends a Heartbeat on `s` when it sent nothing for the heartbeat interval.
  void HeartbeatIfIdle(const StreamPtr& s);
  // The heartbeat thread: heartbeats on idle live streams, and the end of streams whose token
  // expired.
  void Heartbeats();

  EventLog* const log_;
  RedisPool* const tail_pool_;
  const ReferenceData* const reference_;
  const WatchOptions options_;
  prometheus::Gauge& open_streams_;
  Executor executor_;

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  int64_t paced_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<StreamPtr> all_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<StreamPtr> live_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_subject_ ABSL_GUARDED_BY(mu_);
  // The last entry the tail dispatched to the live set; unset until the tail has read the tip.
  std::optional<LogCursor> tail_ ABSL_GUARDED_BY(mu_);
  absl::Notification stopping_;
  std::thread tail_thread_;
  std::thread heartbeat_thread_;
};

}  // namespace rfs::notification
