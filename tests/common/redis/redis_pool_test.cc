// RedisPool, RedisLease and RedisScript against a real redis-server (tests/support): command
// timeouts on a hung Redis, reconnecting after a restart, NOSCRIPT reloads, the acquire timeout,
// how error replies map to statuses, pipelines and the round-trip count. URL parsing is covered
// by tests/common/kit/config_redis_test.cc.
#include <hiredis/hiredis.h>

#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/redis/redis.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs {
namespace {

using absl::StatusCode;

std::string Str(const RedisReplyPtr& reply) { return std::string(ReplyString(reply.get())); }

// The id Redis gives the connection a command ran on: a new connection gets a new id.
long long ClientId(RedisLease& lease) {
  auto reply = lease.Command({"CLIENT", "ID"});
  EXPECT_TRUE(reply.ok()) << reply.status();
  if (!reply.ok() || (*reply)->type != REDIS_REPLY_INTEGER) return -1;
  return (*reply)->integer;
}

class RedisPoolTest : public ::testing::Test {
 protected:
  void SetUp() override { redis_.Start(); }

  // Generous timeouts (a test fails on a wrong answer, not on a slow machine) and a short
  // backoff so a reconnect is not far off.
  RedisOptions Options() const {
    RedisOptions o;
    o.endpoint.unix_path = redis_.socket();
    o.pool_size = 4;
    o.connect_timeout = absl::Seconds(5);
    o.command_timeout = absl::Seconds(20);
    o.backoff_initial = absl::Milliseconds(10);
    o.backoff_max = absl::Milliseconds(100);
    o.acquire_timeout = absl::Seconds(20);
    return o;
  }

  testing::TempDir dir_;
  testing::RedisServer redis_{dir_.path()};
};

TEST(RedisScript, ShaIsTheSha1OfTheSourceAsRedisComputesIt) {
  // `redis-cli SCRIPT LOAD "return 1"` answers this.
  EXPECT_EQ(RedisScript("return 1").sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  EXPECT_EQ(RedisScript("return 1").source(), "return 1");
}

// A hung Redis (SIGSTOP): the command fails with UNAVAILABLE after command_timeout, and the
// connection it was on is closed rather than given back (it would hold the late reply). With a
// pool of one, the next command after Redis runs again must get a fresh connection and its own
// reply.
TEST_F(RedisPoolTest, CommandTimeoutFailsAndDropsTheConnection) {
  RedisOptions o = Options();
  o.pool_size = 1;
  o.command_timeout = absl::Milliseconds(200);
  o.acquire_timeout = absl::Seconds(5);
  RedisPool pool(o);
  long long before = -1;
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    before = ClientId(*lease);
  }
  ASSERT_GE(before, 0);

  redis_.Pause();
  auto stuck = pool.Command({"ECHO", "while paused"});
  redis_.Resume();
  EXPECT_EQ(stuck.status().code(), StatusCode::kUnavailable) << stuck.status();

  // No retry: the one slot is free again and the broken connection is gone.
  auto echo = pool.Command({"ECHO", "after resume"});
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(Str(*echo), "after resume");
  auto lease = pool.Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status();
  EXPECT_NE(ClientId(*lease), before) << "the timed-out connection was used again";
}

// A connection that broke takes the idle ones with it: they were made before the outage too.
TEST_F(RedisPoolTest, ABrokenConnectionClosesTheIdleOnes) {
  RedisOptions o = Options();
  o.pool_size = 3;
  o.command_timeout = absl::Milliseconds(200);
  RedisPool pool(o);
  std::set<long long> before;
  {
    std::vector<RedisLease> leases;
    leases.reserve(3);
    for (int i = 0; i < 3; ++i) {
      auto lease = pool.Acquire();
      ASSERT_TRUE(lease.ok()) << lease.status();
      leases.push_back(std::move(*lease));
    }
    for (RedisLease& lease : leases) before.insert(ClientId(lease));
  }  // all three idle now
  ASSERT_EQ(before.size(), 3u);

  redis_.Pause();
  auto stuck = pool.Command({"PING"});
  redis_.Resume();
  EXPECT_EQ(stuck.status().code(), StatusCode::kUnavailable) << stuck.status();

  std::vector<RedisLease> leases;
  leases.reserve(3);
  for (int i = 0; i < 3; ++i) {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    leases.push_back(std::move(*lease));
  }
  for (RedisLease& lease : leases) {
    const long long id = ClientId(lease);
    EXPECT_GE(id, 0);
    EXPECT_EQ(before.count(id), 0u) << "connection " << id << " from before the outage is reused";
  }
}

// Redis stopped: UNAVAILABLE (on the dead idle connection, on the failed connect and within the
// backoff). Started again on the same socket: the pool serves again, with the data of before.
TEST_F(RedisPoolTest, ReconnectsWhenRedisIsBack) {
  RedisPool pool(Options());
  auto set = pool.Command({"SET", "kept", "across restarts"});
  ASSERT_TRUE(set.ok()) << set.status();

  redis_.Stop();
  for (int i = 0; i < 3; ++i) {
    auto get = pool.Command({"GET", "kept"});
    EXPECT_EQ(get.status().code(), StatusCode::kUnavailable) << i << ": " << get.status();
  }
  EXPECT_EQ(pool.Ping().code(), StatusCode::kUnavailable);

  redis_.Start();
  EXPECT_TRUE(testing::WaitFor([&] { return pool.Ping().ok(); }))
      << "the pool did not reconnect: " << pool.Ping();
  auto get = pool.Command({"GET", "kept"});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(Str(*get), "across restarts");
}

// Nothing listening yet: UNAVAILABLE naming the address; once Redis is up the pool connects.
TEST_F(RedisPoolTest, UnreachableAtFirstThenServes) {
  redis_.Stop();
  RedisPool pool(Options());
  const absl::Status down = pool.Ping();
  EXPECT_EQ(down.code(), StatusCode::kUnavailable) << down;
  EXPECT_TRUE(absl::StrContains(down.message(), redis_.socket())) << down;
  redis_.Start();
  EXPECT_TRUE(testing::WaitFor([&] { return pool.Ping().ok(); })) << pool.Ping();
}

TEST_F(RedisPoolTest, UsesTheDatabaseOfTheEndpoint) {
  RedisOptions o = Options();
  o.endpoint.db = 3;
  RedisPool pool(o);
  auto set = pool.Command({"SET", "where", "db3"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(redis_.Cli("-n 3 GET where"), "db3");
  EXPECT_EQ(redis_.Cli("-n 0 GET where"), "");
}

// EVALSHA of a script Redis forgot (SCRIPT FLUSH, or a restarted Redis without it) loads the
// script and runs it again, invisibly to the caller.
TEST_F(RedisPoolTest, EvalReloadsTheScriptAfterScriptFlush) {
  RedisPool pool(Options());
  const RedisScript script("return KEYS[1] .. '=' .. ARGV[1]");
  auto first = pool.Eval(script, {"k"}, {"v"});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(Str(*first), "k=v");
  EXPECT_EQ(redis_.Cli("SCRIPT EXISTS " + script.sha()), "1");

  ASSERT_EQ(redis_.Cli("SCRIPT FLUSH"), "OK");
  ASSERT_EQ(redis_.Cli("SCRIPT EXISTS " + script.sha()), "0");

  auto again = pool.Eval(script, {"k2"}, {"w"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(Str(*again), "k2=w");
  EXPECT_EQ(redis_.Cli("SCRIPT EXISTS " + script.sha()), "1");

  // The same through a lease.
  ASSERT_EQ(redis_.Cli("SCRIPT FLUSH"), "OK");
  auto lease = pool.Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status();
  auto leased = lease->Eval(script, {"k3"}, {"x"});
  ASSERT_TRUE(leased.ok()) << leased.status();
  EXPECT_EQ(Str(*leased), "k3=x");
}

// All connections leased: Acquire gives up with UNAVAILABLE after acquire_timeout (not forever),
// and a connection given back is there for the next caller.
TEST_F(RedisPoolTest, AcquireTimesOutWhenEveryConnectionIsLeased) {
  RedisOptions o = Options();
  o.pool_size = 1;
  o.acquire_timeout = absl::Milliseconds(100);
  RedisPool pool(o);
  {
    auto held = pool.Acquire();
    ASSERT_TRUE(held.ok()) << held.status();
    auto second = pool.Acquire();
    EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << second.status();
    EXPECT_EQ(pool.Command({"PING"}).status().code(), StatusCode::kUnavailable);
    // The holder is not disturbed.
    auto ping = held->Command({"PING"});
    ASSERT_TRUE(ping.ok()) << ping.status();
    EXPECT_EQ(Str(*ping), "PONG");
  }
  auto after = pool.Acquire();
  ASSERT_TRUE(after.ok()) << after.status();
}

// A caller waiting in Acquire gets the connection as soon as the holder gives it back.
TEST_F(RedisPoolTest, AWaitingAcquireGetsTheConnectionGivenBack) {
  RedisOptions o = Options();
  o.pool_size = 1;
  o.acquire_timeout = absl::Seconds(30);
  RedisPool pool(o);
  std::optional<RedisLease> held;
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    held.emplace(std::move(*lease));
  }
  const long long held_id = ClientId(*held);
  absl::Status waiter_status;
  long long waiter_id = -1;
  std::thread waiter([&] {
    auto lease = pool.Acquire();
    waiter_status = lease.status();
    if (lease.ok()) waiter_id = ClientId(*lease);
  });
  absl::SleepFor(absl::Milliseconds(100));  // most likely waiting by now (either way must work)
  held.reset();
  waiter.join();
  ASSERT_TRUE(waiter_status.ok()) << waiter_status;
  EXPECT_EQ(waiter_id, held_id) << "the given-back connection should be reused";
}

TEST(InfoField, FindsAWholeFieldAtTheStartOfALine) {
  const absl::string_view info =
      "# Memory\r\nused_memory:1024\r\nused_memory_human:1.00K\r\nmaxmemory:0\r\n"
      "# Server\r\nrun_id:abc123\r\n";
  EXPECT_EQ(InfoField(info, "used_memory"), "1024");
  EXPECT_EQ(InfoField(info, "maxmemory"), "0");
  EXPECT_EQ(InfoField(info, "run_id"), "abc123");
  EXPECT_EQ(InfoField(info, "memory"), "");  // only whole names
  EXPECT_EQ(InfoField(info, "absent"), "");
  EXPECT_EQ(InfoField("", "run_id"), "");
}

TEST(MapRedisError, TransientStatesAreUnavailable) {
  for (const char* error : {
           "LOADING Redis is loading the dataset in memory",
           "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
           "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
           "READONLY You can't write against a read only replica.",
           "TRYAGAIN Multiple keys request during rehashing of slot",
           "CLUSTERDOWN The cluster is down",
           "NOREPLICAS Not enough good replicas to write.",
       }) {
    EXPECT_EQ(MapRedisError(error).code(), StatusCode::kUnavailable) << error;
  }
}

TEST(MapRedisError, OutOfMemoryIsResourceExhausted) {
  const absl::Status s =
      MapRedisError("OOM command not allowed when used memory > 'maxmemory'.");
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "maxmemory")) << s;
}

TEST(MapRedisError, EverythingElseIsInternalWithTheRedisMessage) {
  for (const char* error : {
           "ERR unknown command 'NOSUCHCMD'",
           "WRONGTYPE Operation against a key holding the wrong kind of value",
           "NOSCRIPT No matching script. Please use EVAL.",
           "ERR LOADING is only a prefix when it comes first",
           "NOAUTH Authentication required.",
           // permanent, though they start like BUSY: retrying cannot help
           "BUSYGROUP Consumer Group name already exists",
           "BUSYKEY Target key name already exists.",
       }) {
    const absl::Status s = MapRedisError(error);
    EXPECT_EQ(s.code(), StatusCode::kInternal) << error;
    EXPECT_TRUE(absl::StrContains(s.message(), error)) << s;
  }
}

// Error replies from a real Redis become statuses, and the connection stays in use (an error
// reply is a whole reply: nothing is left to read).
TEST_F(RedisPoolTest, ErrorRepliesBecomeStatusesAndKeepTheConnection) {
  RedisPool pool(Options());
  auto lease = pool.Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status();
  const long long id = ClientId(*lease);
  ASSERT_TRUE(lease->Command({"SET", "str", "v"}).ok());

  auto wrong = lease->Command({"LPUSH", "str", "x"});
  EXPECT_EQ(wrong.status().code(), StatusCode::kInternal) << wrong.status();
  EXPECT_TRUE(absl::StrContains(wrong.status().message(), "WRONGTYPE")) << wrong.status();

  auto unknown = lease->Command({"NOSUCHCMD"});
  EXPECT_EQ(unknown.status().code(), StatusCode::kInternal) << unknown.status();

  const RedisScript failing("return redis.error_reply('ERR boom')");
  auto script = lease->Eval(failing, {}, {});
  EXPECT_EQ(script.status().code(), StatusCode::kInternal) << script.status();
  EXPECT_TRUE(absl::StrContains(script.status().message(), "boom")) << script.status();

  auto get = lease->Command({"GET", "str"});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(Str(*get), "v");
  EXPECT_EQ(ClientId(*lease), id);
}

// A script running past busy-reply-threshold: other commands get BUSY, which is UNAVAILABLE
// (try again), not INTERNAL.
TEST_F(RedisPoolTest, BusyRedisIsUnavailable) {
  ASSERT_EQ(redis_.Cli("CONFIG SET busy-reply-threshold 100"), "OK");
  RedisPool pool(Options());
  absl::StatusOr<RedisReplyPtr> looped = absl::UnknownError("not run");
  std::thread looper([&] { looped = pool.Command({"EVAL", "while true do end", "0"}); });
  absl::Status busy;
  const bool seen = testing::WaitFor([&] {
    busy = pool.Ping();
    return !busy.ok();
  });
  redis_.Cli("SCRIPT KILL");  // ends the loop (or says NOTBUSY)
  looper.join();
  ASSERT_TRUE(seen) << "PING never saw the busy script";
  EXPECT_EQ(busy.code(), StatusCode::kUnavailable) << busy;
  EXPECT_TRUE(absl::StrContains(busy.message(), "BUSY")) << busy;
  // The killed script's caller gets Redis' error, as INTERNAL.
  EXPECT_EQ(looped.status().code(), StatusCode::kInternal) << looped.status();
  EXPECT_TRUE(pool.Ping().ok());
}

// Redis at maxmemory (noeviction) refuses writes with OOM: RESOURCE_EXHAUSTED, for commands and
// for scripts that write; reads go on.
TEST_F(RedisPoolTest, FullRedisRefusesWritesWithResourceExhausted) {
  RedisPool pool(Options());
  ASSERT_TRUE(pool.Command({"SET", "kept", "v"}).ok());
  const RedisScript write("return redis.call('SET', KEYS[1], ARGV[1])");
  ASSERT_EQ(redis_.Cli("CONFIG SET maxmemory 1"), "OK");

  auto set = pool.Command({"SET", "new", "v"});
  EXPECT_EQ(set.status().code(), StatusCode::kResourceExhausted) << set.status();
  auto eval = pool.Eval(write, {"new"}, {"v"});
  EXPECT_EQ(eval.status().code(), StatusCode::kResourceExhausted) << eval.status();
  auto get = pool.Command({"GET", "kept"});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(Str(*get), "v");
  EXPECT_EQ(redis_.Cli("EXISTS new"), "0");

  ASSERT_EQ(redis_.Cli("CONFIG SET maxmemory 0"), "OK");
  EXPECT_TRUE(pool.Command({"SET", "new", "v"}).ok());
  EXPECT_TRUE(pool.Eval(write, {"new2"}, {"v"}).ok());
}

// One write, all replies in order; a failing command's error is its reply, the others are not
// affected, and the connection goes on.
TEST_F(RedisPoolTest, PipelineRepliesInOrderWithTheErrorReplyVisible) {
  RedisPool pool(Options());
  auto lease = pool.Acquire();
  ASSERT_TRUE(lease.ok()) << lease.status();
  auto replies = lease->Pipeline({
      {"SET", "p", "1"},
      {"LPUSH", "p", "x"},  // WRONGTYPE
      {"INCR", "p"},
      {"ECHO", "last"},
  });
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 4u);
  EXPECT_EQ((*replies)[0]->type, REDIS_REPLY_STATUS);
  EXPECT_EQ(Str((*replies)[0]), "OK");
  EXPECT_EQ((*replies)[1]->type, REDIS_REPLY_ERROR);
  EXPECT_TRUE(absl::StartsWith(Str((*replies)[1]), "WRONGTYPE")) << Str((*replies)[1]);
  EXPECT_EQ((*replies)[2]->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ((*replies)[2]->integer, 2);
  EXPECT_EQ((*replies)[3]->type, REDIS_REPLY_STRING);
  EXPECT_EQ(Str((*replies)[3]), "last");

  auto get = lease->Command({"GET", "p"});
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(Str(*get), "2");
}

TEST_F(RedisPoolTest, RoundTripsCountACommandAPipelineAndAScriptCallOnceEach) {
  RedisOptions o = Options();
  o.pool_size = 1;
  RedisPool pool(o);
  const RedisScript script("return ARGV[1]");
  ASSERT_TRUE(pool.Eval(script, {}, {"load it"}).ok());  // known to Redis from now on

  const uint64_t start = pool.round_trips();
  ASSERT_TRUE(pool.Command({"SET", "a", "1"}).ok());
  EXPECT_EQ(pool.round_trips(), start + 1);
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    EXPECT_EQ(pool.round_trips(), start + 1) << "Acquire made a round trip";
    auto replies = lease->Pipeline({{"INCR", "a"}, {"INCR", "a"}, {"GET", "a"}});
    ASSERT_TRUE(replies.ok()) << replies.status();
    ASSERT_EQ(replies->size(), 3u);
    EXPECT_EQ(Str((*replies)[2]), "3");
  }
  EXPECT_EQ(pool.round_trips(), start + 2);
  auto eval = pool.Eval(script, {}, {"x"});
  ASSERT_TRUE(eval.ok()) << eval.status();
  EXPECT_EQ(Str(*eval), "x");
  EXPECT_EQ(pool.round_trips(), start + 3);
  EXPECT_TRUE(pool.Ping().ok());
  EXPECT_EQ(pool.round_trips(), start + 4);
  {
    auto lease = pool.Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    auto none = lease->Pipeline({});
    ASSERT_TRUE(none.ok()) << none.status();
    EXPECT_TRUE(none->empty());
  }
  EXPECT_EQ(pool.round_trips(), start + 4) << "an empty pipeline sends nothing";
}

}  // namespace
}  // namespace rfs
