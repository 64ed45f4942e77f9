// A fixed pool of threads running submitted work in order of submission, with a bounded queue.
// For the blocking parts of otherwise asynchronous request paths (the callback API's threads
// and the async Redis loop must never block). Work that must not wait longer than its caller
// does carries a deadline and is skipped (its `expired` runs instead) once that has passed.
// Stop() (or destruction) finishes the queued work, then joins. Thread-safe.
#pragma once

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rfs {

class Executor {
 public:
  // `max_queued`: work waiting for a thread; Submit refuses more.
  Executor(int threads, size_t max_queued);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `work`, or returns false (and drops it) when the queue is full. When `deadline` has
  // passed by the time a thread takes it, `expired` runs instead of `work`.
  bool Submit(absl::AnyInvocable<void()> work, absl::Time deadline = absl::InfiniteFuture(),
              absl::AnyInvocable<void()> expired = nullptr);
  size_t queued();
  // Finishes the queued work, then joins the threads; Submit refuses work from now on. Called
  // by the destructor; idempotent, from one thread.
  void Stop();

 private:
  void Loop();

  struct Task {
    absl::AnyInvocable<void()> work;
    absl::Time deadline;
    absl::AnyInvocable<void()> expired;
  };
  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace rfs
