#include "common/redis/redis.h"

#include <openssl/evp.h>
#include <signal.h>
#include <sys/time.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/logging.h"
#include "common/redis/sentinel.h"

namespace rfs {
namespace {

// hiredis writes to sockets that the peer may have closed; a write must fail with EPIPE rather
// than kill the process.
void IgnoreSigpipeOnce() {
  static const bool done = [] {
    signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)done;
}

absl::StatusOr<RedisReplyPtr> CheckReply(redisReply* raw) {
  RedisReplyPtr reply(raw);
  if (reply->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(reply.get()));
  return reply;
}

}  // namespace

std::string RedisEndpoint::Describe() const {
  const std::string auth = password.empty() ? "" : ":***@";
  if (!unix_path.empty()) return absl::StrCat("unix://", unix_path, "?db=", db);
  if (through_sentinel()) {
    std::vector<std::string> hosts;
    for (const Address& s : sentinels) hosts.push_back(absl::StrCat(s.host, ":", s.port));
    return absl::StrCat("redis+sentinel://", auth, absl::StrJoin(hosts, ","), "/", master_name,
                        "/", db);
  }
  return absl::StrCat("redis://", auth, host, ":", port, "/", db);
}

namespace {

// "[::1]:6379", "host:6379" or "host" (then `default_port`).
absl::StatusOr<RedisEndpoint::Address> ParseHostPort(absl::string_view hostport,
                                                     int default_port, absl::string_view url) {
  RedisEndpoint::Address out;
  out.port = default_port;
  const size_t bracket = hostport.find(']');
  const size_t colon = hostport.rfind(':');
  const bool has_port = colon != absl::string_view::npos &&
                        (bracket == absl::string_view::npos ? hostport.find(':') == colon
                                                            : colon > bracket);
  if (has_port) {
    if (!absl::SimpleAtoi(hostport.substr(colon + 1), &out.port) || out.port <= 0 ||
        out.port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("'", url, "': bad port"));
    }
    hostport = hostport.substr(0, colon);
  }
  absl::ConsumePrefix(&hostport, "[");
  absl::ConsumeSuffix(&hostport, "]");
  if (hostport.empty()) return absl::InvalidArgumentError(absl::StrCat("'", url, "': no host"));
  out.host = std::string(hostport);
  return out;
}

// The ":password@" part of `rest`, consumed.
void ConsumePassword(absl::string_view* rest, std::string* password) {
  const size_t at = rest->rfind('@');
  if (at == absl::string_view::npos) return;
  absl::string_view userinfo = rest->substr(0, at);
  const size_t colon = userinfo.find(':');
  *password = std::string(colon == absl::string_view::npos ? userinfo : userinfo.substr(colon + 1));
  *rest = rest->substr(at + 1);
}

}  // namespace

absl::StatusOr<RedisEndpoint> ParseRedisUrl(absl::string_view url) {
  RedisEndpoint ep;
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "unix://")) {
    absl::string_view path = rest;
    const size_t q = rest.find('?');
    if (q != absl::string_view::npos) {
      path = rest.substr(0, q);
      absl::string_view query = rest.substr(q + 1);
      if (!absl::ConsumePrefix(&query, "db=") || !absl::SimpleAtoi(query, &ep.db)) {
        return absl::InvalidArgumentError(absl::StrCat("'", url, "': query must be ?db=N"));
      }
    }
    if (path.empty() || path[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("'", url, "': unix socket path must be absolute (unix:///path)"));
    }
    ep.unix_path = std::string(path);
  } else if (absl::ConsumePrefix(&rest, "redis+sentinel://")) {
    ConsumePassword(&rest, &ep.password);
    // hosts "/" master-name [ "/" db ]
    const std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');
    if (parts.size() < 2 || parts.size() > 3 || parts[1].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", url, "': redis+sentinel://host:26379,host:26379/master-name[/db] expected"));
    }
    for (absl::string_view hostport : absl::StrSplit(parts[0], ',')) {
      absl::StatusOr<RedisEndpoint::Address> a = ParseHostPort(hostport, 26379, url);
      if (!a.ok()) return a.status();
      ep.sentinels.push_back(*a);
    }
    ep.master_name = std::string(parts[1]);
    if (parts.size() == 3 && !parts[2].empty() && !absl::SimpleAtoi(parts[2], &ep.db)) {
      return absl::InvalidArgumentError(absl::StrCat("'", url, "': database must be a number"));
    }
  } else if (absl::ConsumePrefix(&rest, "redis://")) {
    ConsumePassword(&rest, &ep.password);
    absl::string_view hostport = rest;
    const size_t slash = rest.find('/');
    if (slash != absl::string_view::npos) {
      hostport = rest.substr(0, slash);
      absl::string_view db = rest.substr(slash + 1);
      if (!db.empty() && !absl::SimpleAtoi(db, &ep.db)) {
        return absl::InvalidArgumentError(absl::StrCat("'", url, "': database must be a number"));
      }
    }
    absl::StatusOr<RedisEndpoint::Address> a = ParseHostPort(hostport, 6379, url);
    if (!a.ok()) return a.status();
    ep.host = a->host;
    ep.port = a->port;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", url, "' is not a Redis address (redis://host:port/db, unix:///path or "
        "redis+sentinel://host:26379,…/master-name/db)"));
  }
  if (ep.db < 0 || ep.db > 15) {
    return absl::InvalidArgumentError(absl::StrCat("'", url, "': database must be 0..15"));
  }
  return ep;
}

absl::string_view InfoField(absl::string_view info, absl::string_view field) {
  // Lines are "field:value\r\n"; match at a line start so "maxmemory" is not "used_maxmemory".
  for (size_t at = 0; at < info.size();) {
    const size_t end = std::min(info.find_first_of("\r\n", at), info.size());
    const absl::string_view line = info.substr(at, end - at);
    if (line.size() > field.size() && line[field.size()] == ':' &&
        absl::StartsWith(line, field)) {
      return line.substr(field.size() + 1);
    }
    at = end + 1;
  }
  return {};
}

absl::Status MapRedisError(absl::string_view error) {
  for (absl::string_view transient : {"LOADING", "BUSY ", "MASTERDOWN", "READONLY", "TRYAGAIN",
                                      "CLUSTERDOWN", "NOREPLICAS"}) {
    if (absl::StartsWith(error, transient)) {
      return absl::UnavailableError(absl::StrCat("redis is not ready: ", error));
    }
  }
  if (absl::StartsWith(error, "OOM")) {
    return absl::ResourceExhaustedError(
        "the data store (Redis) is full (maxmemory reached), so nothing was written; an "
        "operator must free memory or raise maxmemory (reads still work)");
  }
  return absl::InternalError(absl::StrCat("redis error: ", error));
}

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(source_.data(), source_.size(), digest, &len, EVP_sha1(), nullptr);
  for (unsigned int i = 0; i < len; ++i) absl::StrAppendFormat(&sha_, "%02x", digest[i]);
}

// --- RedisLease ---

RedisLease::RedisLease(RedisLease&& other) noexcept
    : pool_(other.pool_), context_(other.context_), not_primary_(other.not_primary_) {
  other.context_ = nullptr;
}

RedisLease::~RedisLease() {
  if (context_ != nullptr) pool_->Release(context_, context_->err != 0 || not_primary_);
}

void RedisLease::Watch(const redisReply* reply) {
  if (reply->type == REDIS_REPLY_ERROR && NoLongerPrimary(ReplyString(reply))) {
    not_primary_ = true;
  }
}

absl::Status RedisLease::Broken() {
  return absl::UnavailableError(absl::StrCat("redis connection failed: ", context_->errstr));
}

absl::StatusOr<RedisReplyPtr> RedisLease::Raw(const std::vector<absl::string_view>& argv) {
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (absl::string_view a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  pool_->round_trips_.fetch_add(1, std::memory_order_relaxed);
  void* raw = redisCommandArgv(context_, static_cast<int>(argv.size()), ptrs.data(), lens.data());
  if (raw == nullptr) return Broken();
  Watch(static_cast<redisReply*>(raw));
  return RedisReplyPtr(static_cast<redisReply*>(raw));
}

absl::StatusOr<RedisReplyPtr> RedisLease::Command(const std::vector<absl::string_view>& argv) {
  auto reply = Raw(argv);
  if (!reply.ok()) return reply.status();
  return CheckReply(reply->release());
}

absl::StatusOr<std::vector<RedisReplyPtr>> RedisLease::Pipeline(
    const std::vector<std::vector<absl::string_view>>& commands) {
  if (commands.empty()) return std::vector<RedisReplyPtr>();  // nothing sent: no round trip
  for (const auto& argv : commands) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (absl::string_view a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), ptrs.data(),
                               lens.data()) != REDIS_OK) {
      return Broken();
    }
  }
  pool_->round_trips_.fetch_add(1, std::memory_order_relaxed);
  std::vector<RedisReplyPtr> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) return Broken();
    Watch(static_cast<redisReply*>(raw));
    replies.emplace_back(static_cast<redisReply*>(raw));
  }
  return replies;
}

absl::StatusOr<RedisReplyPtr> RedisLease::Eval(const RedisScript& script,
                                               const std::vector<absl::string_view>& keys,
                                               const std::vector<absl::string_view>& args) {
  const std::string nkeys = absl::StrCat(keys.size());
  std::vector<absl::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(script.sha());
  argv.push_back(nkeys);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  for (int attempt = 0;; ++attempt) {
    auto reply = Raw(argv);
    if (!reply.ok()) return reply.status();
    redisReply* r = reply->get();
    if (r->type == REDIS_REPLY_ERROR && absl::StartsWith(ReplyString(r), "NOSCRIPT") &&
        attempt == 0) {
      auto loaded = Command({"SCRIPT", "LOAD", script.source()});
      if (!loaded.ok()) return loaded.status();
      continue;
    }
    return CheckReply(reply->release());
  }
}

// --- RedisPool ---

RedisPool::RedisPool(RedisOptions options)
    : options_(std::move(options)), backoff_(options_.backoff_initial, options_.backoff_max) {
  IgnoreSigpipeOnce();
}

RedisPool::~RedisPool() {
  absl::MutexLock lock(&mu_);
  for (redisContext* c : idle_) redisFree(c);
  idle_.clear();
}

absl::StatusOr<redisContext*> RedisPool::Connect() {
  const RedisEndpoint& ep = options_.endpoint;
  const timeval connect_tv = absl::ToTimeval(options_.connect_timeout);
  RedisEndpoint::Address node{ep.host, ep.port};
  if (ep.through_sentinel()) {
    absl::StatusOr<RedisEndpoint::Address> primary = AskSentinels(ep, options_.connect_timeout);
    if (!primary.ok()) return primary.status();
    node = *primary;
  }
  redisContext* c = ep.unix_path.empty()
                        ? redisConnectWithTimeout(node.host.c_str(), node.port, connect_tv)
                        : redisConnectUnixWithTimeout(ep.unix_path.c_str(), connect_tv);
  if (c == nullptr) return absl::ResourceExhaustedError("cannot allocate a redis context");
  auto fail = [&](std::string why) -> absl::Status {
    redisFree(c);
    return absl::UnavailableError(
        absl::StrCat("cannot connect to redis at ", ep.Describe(), ": ", why));
  };
  if (c->err != 0) return fail(c->errstr);
  if (redisSetTimeout(c, absl::ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return fail("cannot set the command timeout");
  }
  if (ep.unix_path.empty() && redisEnableKeepAlive(c) != REDIS_OK) {
    return fail("cannot enable TCP keepalive");
  }
  auto setup = [&](std::vector<const char*> argv) -> absl::Status {
    void* raw = redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), nullptr);
    if (raw == nullptr) return absl::UnavailableError(c->errstr);
    RedisReplyPtr reply(static_cast<redisReply*>(raw));
    if (reply->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(reply.get()));
    return absl::OkStatus();
  };
  if (!ep.password.empty()) {
    if (absl::Status s = setup({"AUTH", ep.password.c_str()}); !s.ok()) {
      return fail("authentication failed (check the password in the Redis address)");
    }
  }
  if (ep.db != 0) {
    const std::string db = absl::StrCat(ep.db);
    if (absl::Status s = setup({"SELECT", db.c_str()}); !s.ok()) {
      return fail(std::string(s.message()));
    }
  }
  if (ep.through_sentinel()) {
    void* raw = redisCommand(c, "ROLE");
    if (raw == nullptr) return fail(c->errstr);
    RedisReplyPtr role(static_cast<redisReply*>(raw));
    if (absl::Status s = PrimaryRole(role.get()); !s.ok()) {
      return fail(absl::StrCat(node.host, ":", node.port, ": ", s.message()));
    }
  }
  return c;
}

absl::StatusOr<RedisLease> RedisPool::Acquire() {
  const absl::Time deadline = absl::Now() + options_.acquire_timeout;
  {
    absl::MutexLock lock(&mu_);
    auto can_proceed = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.pool_size;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&can_proceed), deadline)) {
      return absl::UnavailableError("all redis connections are busy; try again");
    }
    if (!idle_.empty()) {
      redisContext* c = idle_.back();
      idle_.pop_back();
      return RedisLease(this, c);
    }
    if (absl::Now() < next_attempt_) {
      return absl::UnavailableError(absl::StrCat("redis is unreachable (", last_error_,
                                                 "); retrying with backoff"));
    }
    ++open_;  // reserve a slot while connecting outside the lock
  }
  auto connected = Connect();
  absl::MutexLock lock(&mu_);
  if (!connected.ok()) {
    --open_;
    last_error_ = std::string(connected.status().message());
    next_attempt_ = absl::Now() + backoff_.Next();
    return connected.status();
  }
  if (next_attempt_ != absl::InfinitePast()) {
    RFS_LOG(kInfo, "redis reachable again").Field("redis", options_.endpoint.Describe());
  }
  backoff_.Reset();
  next_attempt_ = absl::InfinitePast();
  return RedisLease(this, *connected);
}

void RedisPool::Release(redisContext* context, bool broken) {
  absl::MutexLock lock(&mu_);
  if (broken) {
    --open_;
    redisFree(context);
    // Connections made before an outage are all suspect: drop the idle ones too, so the next
    // caller reconnects instead of failing on a dead socket.
    for (redisContext* c : idle_) redisFree(c);
    open_ -= static_cast<int>(idle_.size());
    idle_.clear();
    return;
  }
  idle_.push_back(context);
}

absl::StatusOr<RedisReplyPtr> RedisPool::Command(const std::vector<absl::string_view>& argv) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  return lease->Command(argv);
}

absl::StatusOr<RedisReplyPtr> RedisPool::Eval(const RedisScript& script,
                                              const std::vector<absl::string_view>& keys,
                                              const std::vector<absl::string_view>& args) {
  auto lease = Acquire();
  if (!lease.ok()) return lease.status();
  return lease->Eval(script, keys, args);
}

void WarnUnlessDurable(RedisPool* pool) {
  std::string aof, fsync;
  for (auto [name, out] : {std::pair<const char*, std::string*>{"appendonly", &aof},
                           {"appendfsync", &fsync}}) {
    absl::StatusOr<RedisReplyPtr> reply = pool->Command({"CONFIG", "GET", name});
    if (!reply.ok() || (*reply)->type != REDIS_REPLY_ARRAY || (*reply)->elements != 2) {
      RFS_LOG(kInfo, "cannot check Redis durability settings (CONFIG GET not answered)")
          .Field("redis", pool->options().endpoint.Describe());
      return;
    }
    *out = std::string(ReplyString((*reply)->element[1]));
  }
  if (aof != "yes" || fsync != "always") {
    RFS_LOG(kWarning, "Redis does not write and fsync every acknowledged write: a killed Redis "
                      "can lose them; run it with appendonly yes and appendfsync always")
        .Field("appendonly", aof)
        .Field("appendfsync", fsync)
        .Field("redis", pool->options().endpoint.Describe());
  }
}

absl::Status RedisPool::Ping() {
  auto reply = Command({"PING"});
  return reply.ok() ? absl::OkStatus() : reply.status();
}

}  // namespace rfs
