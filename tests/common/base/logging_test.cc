// Tests of common/base/logging.h that need no server: the sampler that bounds the log lines of
// cheap failures.
#include "common/base/logging.h"

#include <gtest/gtest.h>

namespace rfs {
namespace {

TEST(LogSampler, LetsThroughItsBudgetThenCountsWhatItHoldsBack) {
  LogSampler sampler(3);
  const absl::Time minute = absl::FromUnixSeconds(1'800'000'000 / 60 * 60);
  int64_t suppressed = -1;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(sampler.Allow(minute + absl::Seconds(i), &suppressed)) << i;
    EXPECT_EQ(suppressed, 0);
  }
  for (int i = 0; i < 20'000; ++i) {
    EXPECT_FALSE(sampler.Allow(minute + absl::Seconds(10), &suppressed));
  }
  // The next minute: the first line says how many were held back.
  EXPECT_TRUE(sampler.Allow(minute + absl::Seconds(61), &suppressed));
  EXPECT_EQ(suppressed, 20'000);
  EXPECT_TRUE(sampler.Allow(minute + absl::Seconds(62), &suppressed));
  EXPECT_EQ(suppressed, 0);
}

TEST(LogSampler, ANoBudgetSamplerWritesNothing) {
  LogSampler sampler(0);
  int64_t suppressed = 0;
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(sampler.Allow(&suppressed));
}

}  // namespace
}  // namespace rfs
