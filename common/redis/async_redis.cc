#include "common/redis/async_redis.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <hiredis/adapters/libevent.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/logging.h"
#include "common/redis/sentinel.h"

namespace rfs {
namespace {

constexpr absl::Duration kTick = absl::Milliseconds(20);

void EnableLibeventThreads() {
  static const bool done = [] { return evthread_use_pthreads() == 0; }();
  (void)done;
}

absl::StatusOr<const redisReply*> Checked(const redisReply* r) {
  if (r->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(r));
  return r;
}

}  // namespace

AsyncRedis::AsyncRedis(RedisOptions options)
    : options_(std::move(options)), backoff_(options_.backoff_initial, options_.backoff_max) {
  EnableLibeventThreads();
  base_ = event_base_new();
  wake_ = event_new(
      base_, -1, 0, [](evutil_socket_t, short, void* self) { static_cast<AsyncRedis*>(self)->Drain(); },
      this);
  tick_ = event_new(
      base_, -1, EV_PERSIST,
      [](evutil_socket_t, short, void* self) { static_cast<AsyncRedis*>(self)->CheckDeadlines(); },
      this);
  const timeval tick = absl::ToTimeval(kTick);
  event_add(tick_, &tick);
  loop_ = std::thread([this] {
    Connect();
    while (!stopping_.load()) event_base_loop(base_, EVLOOP_ONCE);
    if (context_ != nullptr) {
      redisAsyncContext* c = context_;
      context_ = nullptr;
      redisAsyncFree(c);  // runs the callbacks in flight with a null reply
    }
    Drain();  // fails what arrived meanwhile
  });
}

AsyncRedis::~AsyncRedis() {
  stopping_.store(true);
  event_active(wake_, 0, 0);
  loop_.join();
  event_free(wake_);
  event_free(tick_);
  event_base_free(base_);
}

void AsyncRedis::Command(std::vector<std::string> argv, Callback done) {
  auto request = std::make_unique<Request>();
  request->argv = std::move(argv);
  request->done = std::move(done);
  Submit(std::move(request));
}

void AsyncRedis::Eval(const RedisScript& script, std::vector<std::string> keys,
                      std::vector<std::string> args, Callback done) {
  auto request = std::make_unique<Request>();
  request->argv.reserve(3 + keys.size() + args.size());
  request->argv.push_back("EVALSHA");
  request->argv.push_back(script.sha());
  request->argv.push_back(absl::StrCat(keys.size()));
  for (auto& k : keys) request->argv.push_back(std::move(k));
  for (auto& a : args) request->argv.push_back(std::move(a));
  request->script = &script;
  request->done = std::move(done);
  Submit(std::move(request));
}

void AsyncRedis::Submit(std::unique_ptr<Request> request) {
  request->deadline = absl::Now() + options_.command_timeout;
  bool first;
  {
    absl::MutexLock lock(&mu_);
    first = incoming_.empty();
    incoming_.push_back(std::move(request));
  }
  // One wake-up per batch: the loop drains everything that arrived meanwhile.
  if (first) event_active(wake_, 0, 0);
}

void AsyncRedis::ReconnectNow() {
  reconnect_now_.store(true);
  event_active(wake_, 0, 0);
}

void AsyncRedis::Drain() {
  if (reconnect_now_.exchange(false) && context_ == nullptr && !stopping_.load()) {
    backoff_.Reset();
    next_connect_ = absl::InfinitePast();
    Connect();
  }
  std::vector<std::unique_ptr<Request>> batch;
  {
    absl::MutexLock lock(&mu_);
    batch.swap(incoming_);
  }
  // A batch written together is one round trip; one that was only failed (no connection)
  // made none.
  if (!batch.empty() && context_ != nullptr && !stopping_.load()) {
    round_trips_.fetch_add(1, std::memory_order_relaxed);
  }
  for (auto& request : batch) {
    if (stopping_.load()) {
      request->done(absl::UnavailableError("shutting down"));
      continue;
    }
    Send(std::move(request));
  }
}

void AsyncRedis::Send(std::unique_ptr<Request> request) {
  if (context_ == nullptr) {
    request->done(absl::UnavailableError(
        absl::StrCat("redis at ", options_.endpoint.Describe(), " is unreachable; retrying")));
    return;
  }
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(request->argv.size());
  lens.reserve(request->argv.size());
  for (const auto& a : request->argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  Request* raw = request.get();
  if (redisAsyncCommandArgv(context_, &AsyncRedis::OnReply, raw,
                            static_cast<int>(ptrs.size()), ptrs.data(), lens.data()) != REDIS_OK) {
    request->done(absl::UnavailableError("redis connection is closing"));
    return;
  }
  in_flight_.push_back(request.release());
}

void AsyncRedis::OnReply(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* self = static_cast<AsyncRedis*>(ac->data);
  std::unique_ptr<Request> request(static_cast<Request*>(privdata));
  auto it = std::find(self->in_flight_.begin(), self->in_flight_.end(), request.get());
  if (it != self->in_flight_.end()) self->in_flight_.erase(it);
  const auto* r = static_cast<const redisReply*>(reply);
  if (r == nullptr) {
    // The connection is gone: say so before anyone hears of it through this callback.
    self->connected_.store(false, std::memory_order_release);
    request->done(absl::UnavailableError(
        absl::StrCat("redis connection lost: ", ac->errstr[0] != '\0' ? ac->errstr : "closed")));
    return;
  }
  if (r->type == REDIS_REPLY_ERROR && request->script != nullptr && !request->reloaded &&
      absl::StartsWith(ReplyString(r), "NOSCRIPT")) {
    // Load the script, then run the same call again; replies keep this order.
    request->reloaded = true;
    auto load = std::make_unique<Request>();
    load->argv = {"SCRIPT", "LOAD", request->script->source()};
    load->deadline = request->deadline;
    // Its reply comes before the retry's, which is still alive to hear a failure.
    Request* retry = request.get();
    load->done = [retry](absl::StatusOr<const redisReply*> loaded) {
      if (!loaded.ok()) retry->load_error = loaded.status();
    };
    self->round_trips_.fetch_add(1, std::memory_order_relaxed);  // the load and the retry
    self->Send(std::move(load));
    self->Send(std::move(request));
    return;
  }
  // A script Redis could not load: its reason, not the NOSCRIPT that followed.
  if (r->type == REDIS_REPLY_ERROR && !request->load_error.ok()) {
    return request->done(request->load_error);
  }
  request->done(Checked(r));
  // The node is no longer the primary (a failover): this connection is given up, and the next
  // one asks the Sentinels (a plain endpoint reconnects to the same address).
  if (r->type == REDIS_REPLY_ERROR && NoLongerPrimary(ReplyString(r)) && self->context_ == ac) {
    self->Drop("the node is no longer the primary (READONLY)");
  }
}

void AsyncRedis::Connect() {
  const RedisEndpoint& ep = options_.endpoint;
  RedisEndpoint::Address node{ep.host, ep.port};
  if (ep.through_sentinel()) {
    // Blocking, on the loop thread: while there is no connection every command fails at once
    // anyway, and each Sentinel gets connect_timeout.
    absl::StatusOr<RedisEndpoint::Address> primary = AskSentinels(ep, options_.connect_timeout);
    if (!primary.ok()) {
      Drop(std::string(primary.status().message()));
      return;
    }
    node = *primary;
  }
  redisAsyncContext* c = ep.unix_path.empty() ? redisAsyncConnect(node.host.c_str(), node.port)
                                               : redisAsyncConnectUnix(ep.unix_path.c_str());
  if (c == nullptr || c->err != 0) {
    Drop(c != nullptr ? c->errstr : "cannot allocate a context");
    if (c != nullptr) redisAsyncFree(c);
    return;
  }
  c->data = this;
  if (ep.unix_path.empty()) redisEnableKeepAlive(&c->c);
  redisLibeventAttach(c, base_);
  redisAsyncSetConnectCallback(c, &AsyncRedis::OnConnect);
  redisAsyncSetDisconnectCallback(c, &AsyncRedis::OnDisconnect);
  context_ = c;
  // Sent as soon as the connection is up, ahead of any command: AUTH and SELECT when needed,
  // then PING. The connection counts as up (connected(), backoff reset) only once PING is
  // answered: a socket the kernel accepted for a hung Redis is not a working connection. The
  // deadline of these commands bounds the TCP connect and the setup (connect_timeout +
  // command_timeout; CheckDeadlines drops the connection past it).
  auto setup = [this, c](std::vector<std::string> argv, bool last) {
    auto request = std::make_unique<Request>();
    const bool role = argv.front() == "ROLE";
    request->argv = std::move(argv);
    request->deadline = absl::Now() + options_.connect_timeout + options_.command_timeout;
    request->done = [this, c, last, role](absl::StatusOr<const redisReply*> r) {
      if (context_ != c) return;  // a connection already dropped
      if (r.ok() && role) r = [&]() -> absl::StatusOr<const redisReply*> {
        absl::Status primary = PrimaryRole(*r);
        if (!primary.ok()) return primary;
        return *r;
      }();
      if (!r.ok()) {
        RFS_LOG(kError, "redis connection setup failed").Field("error", r.status().message());
        Drop(std::string(r.status().message()));
        return;
      }
      if (last) {
        connected_.store(true, std::memory_order_release);
        backoff_.Reset();
      }
    };
    Send(std::move(request));
  };
  if (!ep.password.empty()) setup({"AUTH", ep.password}, false);
  if (ep.db != 0) setup({"SELECT", absl::StrCat(ep.db)}, false);
  // Through Sentinel: the node named must be the primary (ROLE), or this connection is dropped
  // and the Sentinels asked again after the backoff.
  if (ep.through_sentinel()) setup({"ROLE"}, false);
  setup({"PING"}, true);
}

void AsyncRedis::OnConnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<AsyncRedis*>(ac->data);
  if (status != REDIS_OK) {
    // hiredis frees the context after this callback.
    if (self->context_ == ac) self->context_ = nullptr;
    self->Drop(ac->errstr);
    return;
  }
  // Up, but not yet set up: connected() waits for the setup's PING (see Connect).
}

void AsyncRedis::OnDisconnect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<AsyncRedis*>(ac->data);
  if (self->context_ == ac) self->context_ = nullptr;
  self->connected_.store(false, std::memory_order_release);
  if (!self->stopping_.load()) self->Drop(status == REDIS_OK ? "closed" : ac->errstr);
}

// Forgets the connection (if any) and schedules the next attempt.
void AsyncRedis::Drop(const std::string& why) {
  // Before the callbacks in flight run (redisAsyncFree runs them): none may see it still up.
  connected_.store(false, std::memory_order_release);
  if (context_ != nullptr) {
    redisAsyncContext* c = context_;
    context_ = nullptr;
    redisAsyncFree(c);  // deferred by hiredis when called from inside its callback
  }
  connected_.store(false, std::memory_order_release);
  if (next_connect_ <= absl::Now()) {
    RFS_LOG(kWarning, "async redis connection down").Field("error", why);
    next_connect_ = absl::Now() + backoff_.Next();
  }
}

void AsyncRedis::CheckDeadlines() {
  const absl::Time now = absl::Now();
  if (!in_flight_.empty() && in_flight_.front()->deadline < now) {
    // Redis answers in order: the oldest command is overdue, so the connection is stuck.
    Drop("command timed out");
  }
  if (context_ == nullptr && !stopping_.load() && now >= next_connect_) Connect();
}

}  // namespace rfs
