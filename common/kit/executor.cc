#include "common/kit/executor.h"

#include "absl/time/clock.h"

namespace rfs {

Executor::Executor(int threads, size_t max_queued) : max_queued_(max_queued) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

Executor::~Executor() { Stop(); }

void Executor::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

bool Executor::Submit(absl::AnyInvocable<void()> work, absl::Time deadline,
                      absl::AnyInvocable<void()> expired) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= max_queued_) return false;
  queue_.push_back({std::move(work), deadline, std::move(expired)});
  return true;
}

size_t Executor::queued() {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

void Executor::Loop() {
  for (;;) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Executor* e) ABSL_EXCLUSIVE_LOCKS_REQUIRED(e->mu_) {
            return e->stopping_ || !e->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and nothing left to do
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    if (absl::Now() > task.deadline) {
      if (task.expired) task.expired();
      continue;
    }
    task.work();
  }
}

}  // namespace rfs
