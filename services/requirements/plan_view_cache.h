// The BASIC views of plans rfs-requirements keeps in process, so that a cached CheckPlan needs
// no call to rfs-registry: one Redis read for the stored report. Kept true by rfs-notification's
// plan events (common/kit/plan_watch.h): an event for a plan drops a view older than the
// version it names, and a view fetched before an event is refused if the event's version is
// newer. Used only while the watch is live; otherwise checks ask the registry, as without the
// cache. A change reaches the cache within the event path's latency (the registry's outbox
// relay, then the watch: milliseconds): a check in that window may still see the version
// before. Bounded in entries (the oldest go first). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "common/kit/peer.h"

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/kit/plan_watch.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::requirements {

class PlanViewCache {
 public:
  // Follows rfs-notification at `notification` (once started).
  PlanViewCache(Peer notification, size_t max_entries);
  void Start() { watch_.Start(); }
  void Stop() { watch_.Stop(); }
  const PlanWatch& watch() const { return watch_; }

  // The current BASIC view of `name`, when the watch is live and the cache holds it.
  // Shared, not copied: a check reads it and lets it go.
  std::shared_ptr<const registry::v1::Plan> Get(const std::string& name) ABSL_LOCKS_EXCLUDED(mu_);

  // Taken before fetching a view from the registry; Put keeps the view only if nothing it
  // could have missed happened since.
  struct Ticket {
    uint64_t epoch = 0;
    uint64_t generation = 0;
    bool live = false;
  };
  Ticket Begin() ABSL_LOCKS_EXCLUDED(mu_);
  void Put(std::shared_ptr<const registry::v1::Plan> basic, const Ticket& ticket)
      ABSL_LOCKS_EXCLUDED(mu_);

  // A plan event (PlanWatch's on_event): views older than its version go.
  void OnEvent(const common::v1::Event& event) ABSL_LOCKS_EXCLUDED(mu_);
  // Everything goes (PlanWatch's on_reset).
  void Clear() ABSL_LOCKS_EXCLUDED(mu_);

  size_t size() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void ClearLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t max_entries_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const registry::v1::Plan>> views_
      ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);  // insertion order, for eviction
  // The newest version an event named, per plan: a fetch older than it is not kept.
  absl::flat_hash_map<std::string, int64_t> floor_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // moves on Clear
  PlanWatch watch_;  // last: its thread calls OnEvent and Clear until it stops
};

}  // namespace rfs::requirements
