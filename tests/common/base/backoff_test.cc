// Backoff: doubling delays up to a bound, a success starting again, jitter only shortening.
#include "common/base/backoff.h"

#include <gtest/gtest.h>

namespace rfs {
namespace {

TEST(Backoff, DoublesUpToItsBoundAndStartsAgainAfterASuccess) {
  Backoff backoff(absl::Milliseconds(50), absl::Milliseconds(300));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(50));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(100));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(200));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(300));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(300));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(50));
}

TEST(Backoff, JitterShortensEachDelayByAtMostItsShare) {
  Backoff backoff(absl::Seconds(8), absl::Seconds(8), /*jitter=*/0.5);
  bool varied = false;
  absl::Duration first = backoff.Next();
  for (int i = 0; i < 200; ++i) {
    const absl::Duration d = i == 0 ? first : backoff.Next();
    EXPECT_GE(d, absl::Seconds(4));
    EXPECT_LE(d, absl::Seconds(8));
    varied |= d != first;
  }
  EXPECT_TRUE(varied);  // 200 draws of one value would mean no jitter at all
}

}  // namespace
}  // namespace rfs
