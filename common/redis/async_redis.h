// A non-blocking Redis client for hot read paths: hiredis' async API on a libevent loop owned
// by this class (one thread, one connection). Commands submitted from any thread are written
// together and their replies read together, so concurrent callers share round trips' system
// calls (pipelining) instead of each blocking a thread.
//
// hiredis 0.14 has no command timeout in its async API: every command carries a deadline, and
// a command past it drops the connection (failing everything in flight with UNAVAILABLE);
// the loop reconnects with backoff, re-applying AUTH and SELECT. While disconnected, commands
// fail at once with UNAVAILABLE. Scripts run by EVALSHA and are loaded again on NOSCRIPT.
//
// Callbacks run on the loop thread and must not block; the reply is valid only during the
// callback. Thread-safe.
#pragma once

#include <hiredis/async.h>

#include <atomic>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/base/backoff.h"
#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/redis/redis.h"

struct event;
struct event_base;

namespace rfs {

class AsyncRedis {
 public:
  // Called once, on the loop thread: a reply (valid during the call) or an error status.
  using Callback = absl::AnyInvocable<void(absl::StatusOr<const redisReply*>)>;

  explicit AsyncRedis(RedisOptions options);
  ~AsyncRedis();  // fails whatever is in flight, then stops the loop
  AsyncRedis(const AsyncRedis&) = delete;
  AsyncRedis& operator=(const AsyncRedis&) = delete;

  // Sends one command. Error replies become statuses (MapRedisError).
  void Command(std::vector<std::string> argv, Callback done);
  // EVALSHA `script` with keys and args. `script` must outlive the call (until `done` runs):
  // it is loaded again from it on NOSCRIPT. A script Redis cannot load fails with the load's
  // error.
  void Eval(const RedisScript& script, std::vector<std::string> keys,
            std::vector<std::string> args, Callback done);

  // Whether the connection is up and set up: AUTH and SELECT done and a PING answered on it.
  // False while Redis hangs, even if its socket accepts connections. Thread-safe.
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  // Connects now if disconnected, skipping the backoff (e.g. once a health check saw Redis
  // answer again). Thread-safe.
  void ReconnectNow();

  // Round trips so far: a batch of commands written together counts one (RedisPool counts one
  // per command, pipeline or script call); a NOSCRIPT reload adds one.
  uint64_t round_trips() const { return round_trips_.load(std::memory_order_relaxed); }

 private:
  struct Request {
    std::vector<std::string> argv;
    const RedisScript* script = nullptr;  // set for EVALSHA: reload on NOSCRIPT
    bool reloaded = false;
    absl::Status load_error;  // the SCRIPT LOAD of a reload failed with this
    absl::Time deadline;
    Callback done;
  };

  void Submit(std::unique_ptr<Request> request);
  // Loop thread only below.
  void Drain();
  void Send(std::unique_ptr<Request> request);
  void Connect();
  void Drop(const std::string& why);
  void CheckDeadlines();
  static void OnReply(redisAsyncContext* ac, void* reply, void* privdata);
  static void OnConnect(const redisAsyncContext* ac, int status);
  static void OnDisconnect(const redisAsyncContext* ac, int status);

  const RedisOptions options_;
  std::atomic<uint64_t> round_trips_{0};

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Request>> incoming_ ABSL_GUARDED_BY(mu_);

  // Owned by the loop thread.
  event_base* base_ = nullptr;
  event* wake_ = nullptr;
  event* tick_ = nullptr;
  redisAsyncContext* context_ = nullptr;
  std::atomic<bool> connected_{false};
  std::atomic<bool> reconnect_now_{false};
  std::deque<Request*> in_flight_;  // in send order, which is reply order
  absl::Time next_connect_ = absl::InfinitePast();
  Backoff backoff_;
  std::atomic<bool> stopping_{false};
  std::thread loop_;
};

}  // namespace rfs
