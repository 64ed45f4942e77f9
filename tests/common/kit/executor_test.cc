#include "common/kit/executor.h"

#include <atomic>

#include <gtest/gtest.h>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace rfs {
namespace {

TEST(Executor, RunsWorkAndRefusesMoreThanItsQueueHolds) {
  Executor executor(1, 2);
  absl::Notification release, started;
  ASSERT_TRUE(executor.Submit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the one thread is busy; the queue is empty
  std::atomic<int> ran{0};
  EXPECT_TRUE(executor.Submit([&] { ++ran; }));
  EXPECT_TRUE(executor.Submit([&] { ++ran; }));
  EXPECT_FALSE(executor.Submit([&] { ++ran; }));  // full: refused, never run
  EXPECT_EQ(executor.queued(), 2u);
  release.Notify();
  while (executor.queued() > 0 || ran.load() < 2) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(ran.load(), 2);
}

TEST(Executor, WorkWhoseDeadlinePassedWhileQueuedIsSkipped) {
  Executor executor(1, 8);
  absl::Notification release, started;
  ASSERT_TRUE(executor.Submit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();
  std::atomic<int> ran{0}, expired{0};
  absl::Notification done;
  ASSERT_TRUE(executor.Submit([&] { ++ran; }, absl::Now() + absl::Milliseconds(1),
                              [&] { ++expired; }));
  ASSERT_TRUE(executor.Submit([&] { ++ran; done.Notify(); }, absl::InfiniteFuture()));
  absl::SleepFor(absl::Milliseconds(20));  // the first one's deadline passes in the queue
  release.Notify();
  done.WaitForNotification();
  EXPECT_EQ(ran.load(), 1);
  EXPECT_EQ(expired.load(), 1);
}

}  // namespace
}  // namespace rfs
