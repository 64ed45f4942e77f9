#include "services/requirements/plan_view_cache.h"

#include <algorithm>
#include <utility>

namespace rfs::requirements {

PlanViewCache::PlanViewCache(Peer notification, size_t max_entries)
    : max_entries_(std::max<size_t>(1, max_entries)),
      watch_(std::move(notification), {"plan.*"},
             [this](const common::v1::Event& e) { OnEvent(e); }, [this] { Clear(); }) {}

std::shared_ptr<const registry::v1::Plan> PlanViewCache::Get(const std::string& name) {
  if (!watch_.live()) return nullptr;
  absl::MutexLock lock(&mu_);
  auto it = views_.find(name);
  if (it == views_.end()) return nullptr;
  return it->second;
}

PlanViewCache::Ticket PlanViewCache::Begin() {
  Ticket t;
  t.epoch = watch_.epoch();
  t.live = watch_.live();
  absl::MutexLock lock(&mu_);
  t.generation = generation_;
  return t;
}

void PlanViewCache::Put(std::shared_ptr<const registry::v1::Plan> basic, const Ticket& ticket) {
  if (!ticket.live || !watch_.live() || watch_.epoch() != ticket.epoch) return;
  const std::string name = basic->name();
  absl::MutexLock lock(&mu_);
  if (generation_ != ticket.generation) return;
  auto floor = floor_.find(name);
  if (floor != floor_.end() && basic->version() < floor->second) return;
  auto [it, inserted] = views_.insert_or_assign(name, std::move(basic));
  if (!inserted) return;
  order_.push_back(name);
  while (views_.size() > max_entries_ && !order_.empty()) {
    views_.erase(order_.front());
    order_.pop_front();
  }
  // `order_` may hold names erased by events: trimmed when it grows past twice the bound.
  if (order_.size() > 2 * max_entries_) {
    std::deque<std::string> kept;
    for (const std::string& n : order_) {
      if (views_.contains(n)) kept.push_back(n);
    }
    order_.swap(kept);
  }
}

void PlanViewCache::OnEvent(const common::v1::Event& event) {
  if (event.plan().empty()) return;
  absl::MutexLock lock(&mu_);
  int64_t& floor = floor_[event.plan()];
  floor = std::max(floor, event.plan_version());
  auto it = views_.find(event.plan());
  if (it != views_.end() && it->second->version() < floor) views_.erase(it);
  // One floor per plan that changed; plans number in the thousands, but bound it anyway.
  if (floor_.size() > 16 * max_entries_) ClearLocked();
}

void PlanViewCache::Clear() {
  absl::MutexLock lock(&mu_);
  ClearLocked();
}

void PlanViewCache::ClearLocked() {
  views_.clear();
  order_.clear();
  floor_.clear();
  ++generation_;
}

size_t PlanViewCache::size() {
  absl::MutexLock lock(&mu_);
  return views_.size();
}

}  // namespace rfs::requirements
