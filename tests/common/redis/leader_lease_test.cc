// LeaderLease: one holder at a time among replicas, renewed by its holder, freed by its holder
// only, taken over once it runs out. Against a real redis-server.
#include "common/redis/leader_lease.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs {
namespace {

class LeaderLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.Start();
    options_ = redis_.options();
  }

  testing::TempDir dir_;
  testing::RedisServer redis_{dir_.path()};
  RedisOptions options_;
};

TEST_F(LeaderLeaseTest, HasOneHolder) {
  RedisPool pool(options_);
  const std::string key = "rfs:test:lease";
  LeaderLease a(&pool, key, "instance-a", absl::Seconds(10));
  LeaderLease b(&pool, key, "instance-b", absl::Seconds(10));

  absl::StatusOr<bool> held = a.TryHold();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(*held);
  held = b.TryHold();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_FALSE(*held);
  held = a.TryHold();  // the holder renews
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(*held);
  EXPECT_TRUE(absl::StrContains(redis_.Cli("GET " + key), "instance-a"));

  // A release by another instance frees nothing.
  EXPECT_TRUE(b.Release().ok());
  held = b.TryHold();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_FALSE(*held);

  ASSERT_TRUE(a.Release().ok());
  held = b.TryHold();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(*held);
  held = a.TryHold();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_FALSE(*held);

  // A holder that stops renewing loses the lease when it runs out (made to run out now).
  EXPECT_EQ(redis_.Cli("PEXPIRE " + key + " 1"), "1");
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        absl::StatusOr<bool> h = a.TryHold();
        return h.ok() && *h;
      },
      absl::Seconds(20)));
  held = b.TryHold();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_FALSE(*held);
  EXPECT_TRUE(absl::StrContains(redis_.Cli("GET " + key), "instance-a"));
}
}  // namespace
}  // namespace rfs
