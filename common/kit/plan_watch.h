// Follows rfs-notification's plan events for a service that keeps something derived from
// plans (rfs-requirements' BASIC views, rfs-kpi's plan snapshots): one WatchEvents stream
// (types "plan.*"), resumed from its last cursor after every break so that no change is missed,
// on a thread of its own. The service learns each change (on_event, in log order) and whether
// the stream is live: connected and caught up, so every change logged before now has been
// seen, up to the stream's latency (the outbox relay and the watch: milliseconds). While the
// stream is not live, what the service derived may be stale and it reads from the source.
// Each time the stream goes live (the first time, and again after a break) on_reset says that
// everything derived must be dropped: after a break, changes may still be on their way (a
// producer's relay backing off while rfs-notification was down), so what was derived before
// is derived afresh from the source; so too when the log no longer holds the events after the
// last cursor (OUT_OF_RANGE). Thread-safe.
//
//   epoch()  changes whenever the stream goes live or stops being live. A reader that fetched
//            from the source keeps the result only when the epoch it saw before the fetch is
//            still the epoch and the stream is live (a change it may have missed cannot hide).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/kit/peer.h"
#include "rfs/common/v1/common.pb.h"

namespace grpc {
class ClientContext;
}

namespace rfs {

class PlanWatch {
 public:
  using OnEvent = std::function<void(const common::v1::Event&)>;
  using OnReset = std::function<void()>;

  // `notification`: the peer (rfs-notification, with this service's token); `types`: what to
  // follow ("plan.*").
  PlanWatch(Peer notification, std::vector<std::string> types, OnEvent on_event,
            OnReset on_reset);
  ~PlanWatch();
  PlanWatch(const PlanWatch&) = delete;
  PlanWatch& operator=(const PlanWatch&) = delete;

  void Start();
  // Ends the stream and joins; idempotent.
  void Stop();

  bool live() const { return live_.load(); }
  uint64_t epoch() const { return epoch_.load(); }
  // Events received so far (tests wait on it).
  int64_t events_seen() const { return events_seen_.load(); }

 private:
  void Loop();
  // One stream from `cursor_` until it ends; its final status.
  void RunStream();
  void SetLive(bool live);

  const Peer notification_;
  const std::vector<std::string> types_;
  const OnEvent on_event_;
  const OnReset on_reset_;
  std::atomic<bool> live_{false};
  std::atomic<uint64_t> epoch_{0};
  std::atomic<int64_t> events_seen_{0};
  std::string cursor_;  // the watch thread's alone

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;  // the open stream's
  std::thread thread_;
};

}  // namespace rfs
