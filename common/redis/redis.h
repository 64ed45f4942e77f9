// Redis access over hiredis 0.14: a pool of blocking contexts handed out as RAII leases, with
// connect and command timeouts (applied to every new connection), reconnect with exponential
// backoff, and Lua scripts run by EVALSHA (loaded again on NOSCRIPT).
//
// A redisContext is not thread-safe; a Lease gives one thread exclusive use of one context and
// gives it back when destroyed (or drops it when the connection broke). RedisPool itself is
// thread-safe. A failure to reach Redis is UNAVAILABLE; callers never see a half-read reply.
#pragma once

#include <hiredis/hiredis.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/base/backoff.h"
#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rfs {

// Where Redis is: TCP (host, port) or a unix socket, a database number and an optional
// password (Redis `requirepass`).
struct RedisEndpoint {
  std::string host;
  int port = 6379;
  std::string unix_path;  // set: unix socket instead of TCP
  int db = 0;
  std::string password;
  // Set: the primary is found through these Redis Sentinels (common/redis/sentinel.h), by the
  // name they monitor it under, at every connection; `host` and `port` are then unused.
  struct Address {
    std::string host;
    int port = 26379;
  };
  std::vector<Address> sentinels;
  std::string master_name;

  bool through_sentinel() const { return !sentinels.empty(); }
  // For logs: never shows the password.
  std::string Describe() const;
};

// Parses "redis://[:password@]host[:port][/db]", "unix:///path/redis.sock[?db=N]" and
// "redis+sentinel://[:password@]host[:port][,host[:port]…]/master-name[/db]" (the Sentinels,
// 26379 by default; the password is the data nodes', the Sentinels are asked without one).
absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url);

struct RedisOptions {
  RedisEndpoint endpoint;
  int pool_size = 16;
  absl::Duration connect_timeout = absl::Seconds(1);
  absl::Duration command_timeout = absl::Seconds(2);
  absl::Duration backoff_initial = absl::Milliseconds(50);
  absl::Duration backoff_max = absl::Seconds(2);
  // How long Acquire waits for a free connection when all are leased.
  absl::Duration acquire_timeout = absl::Seconds(2);
};

struct RedisReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

// A Lua script and its SHA-1, computed once here so EVALSHA needs no prior SCRIPT LOAD.
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha() const { return sha_; }

 private:
  std::string source_;
  std::string sha_;
};

class RedisPool;

// Exclusive use of one connection. Move-only; returns the connection to the pool on
// destruction, or closes it if it broke or its node answered that it is no longer the primary
// (READONLY: a failover happened; the next connection finds the new one).
class RedisLease {
 public:
  RedisLease(RedisLease&& other) noexcept;
  RedisLease& operator=(RedisLease&&) = delete;
  RedisLease(const RedisLease&) = delete;
  ~RedisLease();

  // Runs one command. An error reply becomes a status (see MapRedisError); a broken
  // connection becomes UNAVAILABLE and the connection is dropped.
  absl::StatusOr<RedisReplyPtr> Command(const std::vector<absl::string_view>& argv);
  // Sends all commands in one write and reads all replies (one round trip). Error replies are
  // returned as replies, so the caller sees which command failed.
  absl::StatusOr<std::vector<RedisReplyPtr>> Pipeline(
      const std::vector<std::vector<absl::string_view>>& commands);
  // EVALSHA, falling back to SCRIPT LOAD + EVALSHA when Redis does not know the script.
  absl::StatusOr<RedisReplyPtr> Eval(const RedisScript& script,
                                     const std::vector<absl::string_view>& keys,
                                     const std::vector<absl::string_view>& args);

 private:
  friend class RedisPool;
  RedisLease(RedisPool* pool, redisContext* context) : pool_(pool), context_(context) {}
  absl::StatusOr<RedisReplyPtr> Raw(const std::vector<absl::string_view>& argv);
  absl::Status Broken();

  // Notes an error reply that says the node is no longer the primary.
  void Watch(const redisReply* reply);

  RedisPool* pool_;
  redisContext* context_;
  bool not_primary_ = false;
};

class RedisPool {
 public:
  explicit RedisPool(RedisOptions options);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // A connection, reused or newly made. UNAVAILABLE when Redis cannot be reached (then no new
  // attempt is made until the backoff has passed) or no connection frees up in time.
  absl::StatusOr<RedisLease> Acquire();

  // Acquire + one command.
  absl::StatusOr<RedisReplyPtr> Command(const std::vector<absl::string_view>& argv);
  // Acquire + EVALSHA.
  absl::StatusOr<RedisReplyPtr> Eval(const RedisScript& script,
                                     const std::vector<absl::string_view>& keys,
                                     const std::vector<absl::string_view>& args);
  // PING; OK when Redis answers.
  absl::Status Ping();

  const RedisOptions& options() const { return options_; }
  // Round trips made so far (a command, a pipeline or a script call each count one).
  uint64_t round_trips() const { return round_trips_.load(std::memory_order_relaxed); }

 private:
  friend class RedisLease;
  absl::StatusOr<redisContext*> Connect();
  void Release(redisContext* context, bool broken);

  const RedisOptions options_;
  std::atomic<uint64_t> round_trips_{0};
  absl::Mutex mu_;
  std::vector<redisContext*> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + leased + being connected
  absl::Time next_attempt_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  Backoff backoff_ ABSL_GUARDED_BY(mu_);
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

// Logs a warning when the Redis behind `pool` does not write and fsync its AOF before it
// answers (appendonly yes, appendfsync always): then a killed Redis can lose acknowledged writes
// (docs/operations.md). Says so at info level when it cannot tell (CONFIG disabled, as some
// managed Redis do, or Redis not reachable yet). Called once at start.
void WarnUnlessDurable(RedisPool* pool);

// Maps a Redis error reply ("LOADING ...", "OOM ...", "ERR ...") to a status: transient server
// states are UNAVAILABLE, out of memory RESOURCE_EXHAUSTED, anything else INTERNAL.
absl::Status MapRedisError(absl::string_view error);

// Helpers to read replies.
inline absl::string_view ReplyString(const redisReply* r) {
  return absl::string_view(r->str, r->len);
}

// The value of `field` ("used_memory", "run_id") in the text of an INFO reply; empty when the
// reply has no such line.
absl::string_view InfoField(absl::string_view info, absl::string_view field);

}  // namespace rfs
