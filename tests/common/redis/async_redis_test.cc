// AsyncRedis against a real redis-server (tests/support): many threads at once, deadlines on a
// hung Redis, reconnecting after a restart (by itself and with ReconnectNow), NOSCRIPT reloads,
// failing at once while disconnected, and failing what is in flight on destruction.
#include "common/redis/async_redis.h"

#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/redis/redis.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs {
namespace {

using absl::StatusCode;

// What a callback saw, copied out (the reply itself is only valid during the callback). Held by
// shared_ptr so a callback that comes late (after a failed wait) has somewhere to write.
struct Outcome {
  absl::Notification done;
  absl::Status status;  // OK when a reply came
  int type = -1;
  std::string str;
  long long integer = 0;
};

AsyncRedis::Callback Record(std::shared_ptr<Outcome> out) {
  return [out](absl::StatusOr<const redisReply*> reply) {
    if (reply.ok()) {
      out->type = (*reply)->type;
      if ((*reply)->str != nullptr) out->str = std::string(ReplyString(*reply));
      out->integer = (*reply)->integer;
    } else {
      out->status = reply.status();
    }
    out->done.Notify();
  };
}

std::shared_ptr<Outcome> Send(AsyncRedis& redis, std::vector<std::string> argv) {
  auto out = std::make_shared<Outcome>();
  redis.Command(std::move(argv), Record(out));
  return out;
}

std::shared_ptr<Outcome> SendEval(AsyncRedis& redis, const RedisScript& script,
                                  std::vector<std::string> keys, std::vector<std::string> args) {
  auto out = std::make_shared<Outcome>();
  redis.Eval(script, std::move(keys), std::move(args), Record(out));
  return out;
}

// Waits (generously) for the callback.
bool Wait(const Outcome& out, absl::Duration timeout = absl::Seconds(30)) {
  return out.done.WaitForNotificationWithTimeout(timeout);
}

// One PING answered with PONG.
bool Works(AsyncRedis& redis) {
  auto out = Send(redis, {"PING"});
  return Wait(*out) && out->status.ok() && out->str == "PONG";
}

class AsyncRedisTest : public ::testing::Test {
 protected:
  void SetUp() override { redis_.Start(); }

  RedisOptions Options() const {
    RedisOptions o;
    o.endpoint.unix_path = redis_.socket();
    o.connect_timeout = absl::Seconds(5);
    o.command_timeout = absl::Seconds(20);
    o.backoff_initial = absl::Milliseconds(10);
    o.backoff_max = absl::Milliseconds(100);
    return o;
  }

  testing::TempDir dir_;
  testing::RedisServer redis_{dir_.path()};
};

// Commands submitted from several threads at once all complete, each with its own reply.
TEST_F(AsyncRedisTest, CommandsFromManyThreadsGetTheirOwnReplies) {
  struct Tally {
    absl::Mutex mu;
    int done ABSL_GUARDED_BY(mu) = 0;
    int wrong ABSL_GUARDED_BY(mu) = 0;
    std::string first_problem ABSL_GUARDED_BY(mu);
  };
  auto tally = std::make_shared<Tally>();
  AsyncRedis redis(Options());
  ASSERT_TRUE(testing::WaitFor([&] { return redis.connected(); }));

  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  const uint64_t trips_before = redis.round_trips();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&redis, tally, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string want = absl::StrCat("thread ", t, " command ", i);
        // Alternate two commands so replies of different types are interleaved.
        std::vector<std::string> argv =
            i % 2 == 0 ? std::vector<std::string>{"ECHO", want}
                       : std::vector<std::string>{"INCR", absl::StrCat("counter:", t)};
        redis.Command(std::move(argv), [tally, want, i](absl::StatusOr<const redisReply*> r) {
          std::string problem;
          if (!r.ok()) {
            problem = std::string(r.status().message());
          } else if (i % 2 == 0 && ((*r)->type != REDIS_REPLY_STRING ||
                                    ReplyString(*r) != want)) {
            problem = absl::StrCat("'", want, "' answered with '", ReplyString(*r), "'");
          } else if (i % 2 == 1 &&
                     ((*r)->type != REDIS_REPLY_INTEGER || (*r)->integer != (i + 1) / 2)) {
            problem = absl::StrCat("INCR #", (i + 1) / 2, " of ", want, " answered with type ",
                                   (*r)->type, " value ", (*r)->integer);
          }
          absl::MutexLock lock(&tally->mu);
          ++tally->done;
          if (!problem.empty()) {
            if (tally->wrong++ == 0) tally->first_problem = problem;
          }
        });
      }
    });
  }
  for (std::thread& t : threads) t.join();

  constexpr int kTotal = kThreads * kPerThread;
  absl::MutexLock lock(&tally->mu);
  auto all_done = [&tally]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(tally->mu) {
    return tally->done == kTotal;
  };
  EXPECT_TRUE(tally->mu.AwaitWithTimeout(absl::Condition(&all_done), absl::Seconds(60)))
      << tally->done << " of " << kTotal << " callbacks ran";
  EXPECT_EQ(tally->wrong, 0) << tally->first_problem;
  const uint64_t trips = redis.round_trips() - trips_before;
  EXPECT_GE(trips, 1u);
  EXPECT_LE(trips, static_cast<uint64_t>(kTotal));
}

// A hung Redis (SIGSTOP) never answers: each command fails with UNAVAILABLE once its deadline
// (command_timeout) has passed, while Redis is still hung. Once Redis runs again the client
// reconnects and works.
TEST_F(AsyncRedisTest, CommandsFailAtTheirDeadlineWhileRedisHangs) {
  RedisOptions o = Options();
  o.command_timeout = absl::Milliseconds(200);
  AsyncRedis redis(o);
  ASSERT_TRUE(testing::WaitFor([&] { return Works(redis); }));

  redis_.Pause();
  std::vector<std::shared_ptr<Outcome>> stuck;
  for (int i = 0; i < 3; ++i) stuck.push_back(Send(redis, {"ECHO", absl::StrCat("paused ", i)}));
  bool all_failed_while_paused = true;
  for (const auto& out : stuck) all_failed_while_paused = Wait(*out) && all_failed_while_paused;
  redis_.Resume();

  ASSERT_TRUE(all_failed_while_paused) << "a command waited for the hung Redis past its deadline";
  for (const auto& out : stuck) {
    EXPECT_EQ(out->status.code(), StatusCode::kUnavailable) << out->status;
  }
  EXPECT_TRUE(testing::WaitFor([&] { return Works(redis); })) << "no recovery after SIGCONT";
  auto echo = Send(redis, {"ECHO", "after"});
  ASSERT_TRUE(Wait(*echo));
  ASSERT_TRUE(echo->status.ok()) << echo->status;
  EXPECT_EQ(echo->str, "after");  // its own reply, not a late one of the hung connection
}

// Redis restarted on the same socket: connected() goes false, then true again by itself (the
// backoff is short), commands work and go to the configured database (SELECT re-applied).
TEST_F(AsyncRedisTest, ReconnectsAfterRedisRestarts) {
  RedisOptions o = Options();
  o.endpoint.db = 2;
  AsyncRedis redis(o);
  ASSERT_TRUE(testing::WaitFor([&] { return redis.connected(); }));
  auto before = Send(redis, {"SET", "before", "1"});
  ASSERT_TRUE(Wait(*before));
  ASSERT_TRUE(before->status.ok()) << before->status;

  redis_.Stop();
  EXPECT_TRUE(testing::WaitFor([&] { return !redis.connected(); }))
      << "connected() stayed true with Redis stopped";
  redis_.Start();
  EXPECT_TRUE(testing::WaitFor([&] { return redis.connected(); }));
  EXPECT_TRUE(testing::WaitFor([&] { return Works(redis); }));

  auto after = Send(redis, {"SET", "after", "2"});
  ASSERT_TRUE(Wait(*after));
  ASSERT_TRUE(after->status.ok()) << after->status;
  auto get = Send(redis, {"GET", "before"});
  ASSERT_TRUE(Wait(*get));
  ASSERT_TRUE(get->status.ok()) << get->status;
  EXPECT_EQ(get->str, "1");
  EXPECT_EQ(redis_.Cli("-n 2 GET after"), "2");
  EXPECT_EQ(redis_.Cli("-n 0 GET after"), "") << "the new connection did not SELECT 2";
}

// With a backoff far longer than the test, only ReconnectNow brings the connection back.
TEST_F(AsyncRedisTest, ReconnectNowSkipsTheBackoff) {
  RedisOptions o = Options();
  o.backoff_initial = absl::Minutes(10);
  o.backoff_max = absl::Minutes(10);
  AsyncRedis redis(o);
  ASSERT_TRUE(testing::WaitFor([&] { return Works(redis); }));

  redis_.Stop();
  ASSERT_TRUE(testing::WaitFor([&] { return !redis.connected(); }));
  redis_.Start();
  redis.ReconnectNow();
  EXPECT_TRUE(testing::WaitFor([&] { return redis.connected(); }))
      << "ReconnectNow did not reconnect (the next attempt by backoff is 10 minutes away)";
  EXPECT_TRUE(Works(redis));
}

// EVALSHA of a script Redis forgot (SCRIPT FLUSH) loads it and runs the call again.
TEST_F(AsyncRedisTest, EvalReloadsTheScriptAfterScriptFlush) {
  AsyncRedis redis(Options());
  ASSERT_TRUE(testing::WaitFor([&] { return redis.connected(); }));
  const RedisScript script("return KEYS[1] .. '=' .. ARGV[1]");
  auto first = SendEval(redis, script, {"k"}, {"v"});
  ASSERT_TRUE(Wait(*first));
  ASSERT_TRUE(first->status.ok()) << first->status;
  EXPECT_EQ(first->str, "k=v");
  EXPECT_EQ(redis_.Cli("SCRIPT EXISTS " + script.sha()), "1");

  ASSERT_EQ(redis_.Cli("SCRIPT FLUSH"), "OK");
  ASSERT_EQ(redis_.Cli("SCRIPT EXISTS " + script.sha()), "0");
  // Two calls in a row: both see NOSCRIPT, both must come back right and in their own order.
  auto again = SendEval(redis, script, {"k2"}, {"w"});
  auto third = SendEval(redis, script, {"k3"}, {"x"});
  ASSERT_TRUE(Wait(*again));
  ASSERT_TRUE(Wait(*third));
  ASSERT_TRUE(again->status.ok()) << again->status;
  ASSERT_TRUE(third->status.ok()) << third->status;
  EXPECT_EQ(again->str, "k2=w");
  EXPECT_EQ(third->str, "k3=x");
  EXPECT_EQ(redis_.Cli("SCRIPT EXISTS " + script.sha()), "1");

  // A script's own error is a status, not retried as NOSCRIPT.
  const RedisScript failing("return redis.error_reply('ERR boom')");
  auto boom = SendEval(redis, failing, {}, {});
  ASSERT_TRUE(Wait(*boom));
  EXPECT_EQ(boom->status.code(), StatusCode::kInternal) << boom->status;
}

// A script Redis cannot compile fails with Redis' reason, not with the NOSCRIPT of the retry.
TEST_F(AsyncRedisTest, AScriptThatDoesNotCompileFailsWithItsReason) {
  AsyncRedis redis(Options());
  ASSERT_TRUE(testing::WaitFor([&] { return redis.connected(); }));
  const RedisScript broken("return {'unclosed'");
  auto out = SendEval(redis, broken, {}, {});
  ASSERT_TRUE(Wait(*out));
  EXPECT_EQ(out->status.code(), StatusCode::kInternal) << out->status;
  EXPECT_FALSE(absl::StrContains(out->status.message(), "NOSCRIPT")) << out->status;
  EXPECT_TRUE(absl::StrContains(out->status.message(), "script")) << out->status;
  EXPECT_TRUE(Works(redis));  // the connection goes on
}

// A hung Redis (SIGSTOP) still accepts connections on its socket: a client that reconnects to
// it must not call itself connected, since nothing answers (readiness reads connected()).
TEST_F(AsyncRedisTest, AReconnectToAHungRedisIsNotConnected) {
  RedisOptions o = Options();
  o.command_timeout = absl::Milliseconds(200);
  o.connect_timeout = absl::Milliseconds(200);
  o.backoff_max = absl::Milliseconds(50);
  AsyncRedis redis(o);
  ASSERT_TRUE(testing::WaitFor([&] { return Works(redis); }));
  redis_.Pause();
  auto stuck = Send(redis, {"PING"});
  ASSERT_TRUE(Wait(*stuck));
  EXPECT_EQ(stuck->status.code(), StatusCode::kUnavailable);
  // Several reconnects happen meanwhile (backoff at most 50 ms, setup deadline 400 ms): none may
  // count as connected.
  bool ever_connected = false;
  const absl::Time until = absl::Now() + absl::Seconds(2);
  while (absl::Now() < until) {
    redis.ReconnectNow();
    ever_connected = ever_connected || redis.connected();
    absl::SleepFor(absl::Milliseconds(5));
  }
  redis_.Resume();
  EXPECT_FALSE(ever_connected) << "connected() said yes while Redis answered nothing";
  EXPECT_TRUE(testing::WaitFor([&] { return redis.connected() && Works(redis); }));
}

// Error replies map like RedisPool's (MapRedisError) and do not disturb the connection.
TEST_F(AsyncRedisTest, ErrorRepliesBecomeStatuses) {
  AsyncRedis redis(Options());
  ASSERT_TRUE(testing::WaitFor([&] { return redis.connected(); }));
  auto set = Send(redis, {"SET", "str", "v"});
  auto wrong = Send(redis, {"LPUSH", "str", "x"});
  auto get = Send(redis, {"GET", "str"});
  ASSERT_TRUE(Wait(*set) && Wait(*wrong) && Wait(*get));
  EXPECT_TRUE(set->status.ok()) << set->status;
  EXPECT_EQ(wrong->status.code(), StatusCode::kInternal) << wrong->status;
  ASSERT_TRUE(get->status.ok()) << get->status;
  EXPECT_EQ(get->str, "v");
  EXPECT_TRUE(redis.connected());
}

// While Redis is down, a command fails at once with UNAVAILABLE: it does not wait for its
// deadline (an hour here) nor for a reconnect.
TEST_F(AsyncRedisTest, WhileDisconnectedCommandsFailAtOnce) {
  RedisOptions o = Options();
  o.command_timeout = absl::Hours(1);
  AsyncRedis redis(o);
  ASSERT_TRUE(testing::WaitFor([&] { return Works(redis); }));

  redis_.Stop();
  ASSERT_TRUE(testing::WaitFor([&] { return !redis.connected(); }));
  auto ping = Send(redis, {"PING"});
  const RedisScript script("return 1");
  auto eval = SendEval(redis, script, {}, {});
  ASSERT_TRUE(Wait(*ping)) << "the command waits instead of failing";
  ASSERT_TRUE(Wait(*eval)) << "the script call waits instead of failing";
  EXPECT_EQ(ping->status.code(), StatusCode::kUnavailable) << ping->status;
  EXPECT_EQ(eval->status.code(), StatusCode::kUnavailable) << eval->status;
  EXPECT_FALSE(redis.connected());
}

// Destroying the client fails what is in flight (here: stuck on a hung Redis, with an hour to
// go) instead of dropping the callbacks or waiting.
TEST_F(AsyncRedisTest, DestructionFailsCommandsInFlight) {
  RedisOptions o = Options();
  o.command_timeout = absl::Hours(1);
  auto redis = std::make_unique<AsyncRedis>(o);
  ASSERT_TRUE(testing::WaitFor([&] { return Works(*redis); }));
  redis_.Pause();
  auto stuck = Send(*redis, {"ECHO", "never answered"});
  redis.reset();
  redis_.Resume();
  ASSERT_TRUE(stuck->done.HasBeenNotified()) << "the callback did not run";
  EXPECT_EQ(stuck->status.code(), StatusCode::kUnavailable) << stuck->status;
}

}  // namespace
}  // namespace rfs
