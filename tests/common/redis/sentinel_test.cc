// The kit's Redis clients through Redis Sentinel, on loopback: a primary, a replica and three
// Sentinels (real redis-server processes, the Sentinels in --sentinel mode). The pool and the
// non-blocking client find the primary by asking the Sentinels, and follow a failover: after
// kill -9 of the primary under a write load, and after a graceful SENTINEL FAILOVER that leaves
// the old primary up as a replica; a node demoted under its clients (answering READONLY) is
// left for the next connection. Replication is asynchronous:
// the test counts the acknowledged writes the new primary does not have, and checks that no
// write acknowledged with WAIT 1 (the replica had it) was lost.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/redis/async_redis.h"
#include "common/redis/redis.h"
#include "common/redis/sentinel.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"
#include "tests/support/sentinel_cluster.h"

namespace rfs::testing {
namespace {

constexpr const char* kMaster = SentinelCluster::kMaster;


class SentinelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.Start();
    options_ = cluster_.options();
  }

  int NamedPrimary() { return cluster_.NamedPrimary(); }

  SentinelCluster cluster_;
  RedisOptions options_;
};

// SET key value, then WAIT 1 (when `wait`): whether it was acknowledged, and by how many
// replicas (WAIT's answer; -1 without WAIT).
struct Ack {
  bool ok = false;
  int64_t replicas = -1;
};
Ack Write(RedisPool& pool, const std::string& key, bool wait) {
  absl::StatusOr<RedisLease> lease = pool.Acquire();
  if (!lease.ok()) return {};
  if (!lease->Command({"SET", key, "1"}).ok()) return {};
  Ack ack{true, -1};
  if (wait) {
    absl::StatusOr<RedisReplyPtr> w = lease->Command({"WAIT", "1", "500"});
    ack.replicas = w.ok() && (*w)->type == REDIS_REPLY_INTEGER ? (*w)->integer : 0;
  }
  return ack;
}

// SET key 1 through the non-blocking client: whether it was acknowledged.
bool AsyncSet(AsyncRedis& async, const std::string& key) {
  absl::Notification done;
  bool ok = false;
  async.Command({"SET", key, "1"}, [&](absl::StatusOr<const redisReply*> r) {
    ok = r.ok();
    done.Notify();
  });
  done.WaitForNotification();
  return ok;
}

TEST_F(SentinelTest, ThePoolAndTheAsyncClientFollowAPrimaryKilledUnderWrites) {
  RedisPool pool(options_);
  AsyncRedis async(options_);
  ASSERT_EQ(NamedPrimary(), cluster_.primary_port());
  ASSERT_TRUE(pool.Ping().ok());

  // Two writers: plain writes, and writes each followed by WAIT 1 (acknowledged by the replica).
  std::atomic<bool> stop{false};
  std::atomic<int> after_kill{0};
  std::atomic<bool> killed{false};
  std::vector<std::string> acked_plain, acked_waited;
  absl::Mutex mu;
  auto writer = [&](const std::string& prefix, bool wait, std::vector<std::string>* acked) {
    for (int i = 0; !stop.load(); ++i) {
      const std::string key = absl::StrCat(prefix, i);
      const Ack ack = Write(pool, key, wait);
      if (ack.ok && (!wait || ack.replicas >= 1)) {
        absl::MutexLock lock(&mu);
        acked->push_back(key);
        if (killed.load()) after_kill.fetch_add(1);
      }
      if (!ack.ok) absl::SleepFor(absl::Milliseconds(5));
    }
  };
  std::thread plain(writer, "plain:", false, &acked_plain);
  std::thread waited(writer, "waited:", true, &acked_waited);
  ASSERT_TRUE(WaitFor([&] {
    absl::MutexLock lock(&mu);
    return acked_plain.size() >= 300 && acked_waited.size() >= 100;
  }));
  cluster_.primary().Kill();  // kill -9, writes in flight
  killed = true;
  const absl::Time killed_at = absl::Now();
  const bool resumed = WaitFor([&] { return after_kill.load() >= 200; }, absl::Seconds(60));
  const absl::Duration outage = absl::Now() - killed_at;
  stop = true;
  plain.join();
  waited.join();
  ASSERT_TRUE(resumed) << "writes did not resume after the primary was killed";
  EXPECT_EQ(NamedPrimary(), cluster_.replica_port()) << "the replica was not promoted";

  // What the new primary holds of what was acknowledged.
  int lost_plain = 0, lost_waited = 0;
  for (const std::string& key : acked_plain) {
    if (absl::StripAsciiWhitespace(cluster_.replica().Cli("EXISTS " + key)) != "1") ++lost_plain;
  }
  for (const std::string& key : acked_waited) {
    if (absl::StripAsciiWhitespace(cluster_.replica().Cli("EXISTS " + key)) != "1") ++lost_waited;
  }
  RecordProperty("acknowledged_plain", static_cast<int>(acked_plain.size()));
  RecordProperty("lost_plain", lost_plain);
  RecordProperty("acknowledged_with_wait", static_cast<int>(acked_waited.size()));
  RecordProperty("lost_with_wait", lost_waited);
  RecordProperty("outage_ms", static_cast<int>(absl::ToInt64Milliseconds(outage)));
  std::printf("failover: %zu plain writes acknowledged, %d lost; %zu acknowledged with WAIT 1, "
              "%d lost; writes resumed after %lld ms\n",
              acked_plain.size(), lost_plain, acked_waited.size(), lost_waited,
              static_cast<long long>(absl::ToInt64Milliseconds(outage)));
  EXPECT_EQ(lost_waited, 0) << "a write the replica had acknowledged (WAIT 1) was lost";

  // The non-blocking client reaches the new primary too.
  EXPECT_TRUE(WaitFor([&] { return AsyncSet(async, "async:after"); }));
  EXPECT_EQ(absl::StripAsciiWhitespace(cluster_.replica().Cli("EXISTS async:after")), "1");
}

TEST_F(SentinelTest, AGracefulFailoverIsFollowed) {
  RedisPool pool(options_);
  AsyncRedis async(options_);
  ASSERT_TRUE(pool.Command({"SET", "before", "1"}).ok());
  ASSERT_TRUE(WaitFor([&] { return async.connected(); }));
  // Sentinel promotes the replica and makes the old primary its replica (it stays up, and
  // Sentinel closes its clients' connections): both clients find the new primary.
  ASSERT_TRUE(absl::StrContains(SentinelCluster::CliAt(cluster_.sentinel_ports()[0], absl::StrCat("SENTINEL FAILOVER ", kMaster)), "OK"));
  ASSERT_TRUE(WaitFor([&] {
    return NamedPrimary() == cluster_.replica_port() &&
           absl::StrContains(cluster_.primary().Cli("INFO replication"), "role:slave");
  }, absl::Seconds(30)));
  EXPECT_TRUE(WaitFor([&] { return pool.Command({"SET", "after", "1"}).ok(); }));
  EXPECT_EQ(absl::StripAsciiWhitespace(cluster_.replica().Cli("GET after")), "1")
      << "the write went to the new primary";
  EXPECT_TRUE(WaitFor([&] { return AsyncSet(async, "async:after"); }));
  EXPECT_EQ(absl::StripAsciiWhitespace(cluster_.replica().Cli("GET async:after")), "1");
}

// Sentinel kills the clients of a primary it demotes, but a primary cut off from the Sentinels
// (a partition) is demoted when it comes back with its clients still connected: their writes
// are answered READONLY. Both clients then give that connection up, so the next one asks the
// Sentinels again (here, without Sentinels, it reaches the same node: a new client id shows the
// reconnection).
TEST(ReadonlyReply, BothClientsGiveTheConnectionUp) {
  TempDir a_dir, b_dir;
  const int b_port = FreeLoopbackPort();
  RedisServer a(a_dir.path());
  RedisServer b(b_dir.path(), {"--port", absl::StrCat(b_port), "--bind", "127.0.0.1"});
  a.Start();
  b.Start();
  RedisOptions options = a.options();
  options.pool_size = 1;  // one connection: its id says whether it was replaced
  RedisPool pool(options);
  AsyncRedis async(options);
  ASSERT_TRUE(WaitFor([&] { return async.connected(); }));
  auto pool_id = [&] {
    absl::StatusOr<RedisReplyPtr> r = pool.Command({"CLIENT", "ID"});
    return r.ok() ? (*r)->integer : -1;
  };
  auto async_call = [&](std::vector<std::string> argv) {
    absl::Notification done;
    absl::StatusOr<int64_t> out = absl::UnknownError("no reply");
    async.Command(std::move(argv), [&](absl::StatusOr<const redisReply*> r) {
      if (!r.ok()) {
        out = r.status();
      } else {
        out = (*r)->type == REDIS_REPLY_INTEGER ? (*r)->integer : 0;
      }
      done.Notify();
    });
    done.WaitForNotification();
    return out;
  };
  const int64_t pool_before = pool_id();
  const absl::StatusOr<int64_t> async_before = async_call({"CLIENT", "ID"});
  ASSERT_GT(pool_before, 0);
  ASSERT_TRUE(async_before.ok()) << async_before.status();

  a.Cli(absl::StrCat("REPLICAOF 127.0.0.1 ", b_port));  // demoted; its clients stay connected
  ASSERT_TRUE(WaitFor([&] { return absl::StrContains(a.Cli("INFO replication"), "role:slave"); }));
  const absl::StatusOr<RedisReplyPtr> refused = pool.Command({"SET", "k", "1"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable) << refused.status();
  const absl::StatusOr<int64_t> async_refused = async_call({"SET", "k", "1"});
  EXPECT_EQ(async_refused.status().code(), absl::StatusCode::kUnavailable);

  EXPECT_TRUE(WaitFor([&] {
    const int64_t id = pool_id();
    return id > 0 && id != pool_before;
  })) << "the pool kept the connection that was answered READONLY";
  EXPECT_TRUE(WaitFor([&] {
    const absl::StatusOr<int64_t> id = async_call({"CLIENT", "ID"});
    return id.ok() && *id != *async_before;
  })) << "the async client kept the connection that was answered READONLY";
}

TEST_F(SentinelTest, NoSentinelAnsweringIsUnavailableNamingEach) {
  RedisEndpoint ep;
  ep.sentinels = {{"127.0.0.1", FreeLoopbackPort()}, {"127.0.0.1", cluster_.sentinel_ports()[0]}};
  ep.master_name = "no-such-primary";
  absl::StatusOr<RedisEndpoint::Address> a = AskSentinels(ep, absl::Milliseconds(300));
  ASSERT_EQ(a.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(a.status().message(), "no-such-primary")) << a.status();
  EXPECT_TRUE(absl::StrContains(a.status().message(), absl::StrCat(cluster_.sentinel_ports()[0])))
      << a.status();
}

}  // namespace
}  // namespace rfs::testing
