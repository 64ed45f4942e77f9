#include "tests/support/redis_server.h"

#include <gtest/gtest.h>

#include <hiredis/hiredis.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"

namespace rfs::testing {
namespace {

// The integer after "name:" in an INFO reply, -1 when absent.
int64_t InfoField(absl::string_view info, absl::string_view name) {
  const std::string key = std::string(name) + ":";
  const size_t at = info.find(key);
  if (at == absl::string_view::npos) return -1;
  const size_t end = info.find_first_of("\r\n", at);
  int64_t v = -1;
  if (!absl::SimpleAtoi(info.substr(at + key.size(), end - at - key.size()), &v)) return -1;
  return v;
}

}  // namespace

RedisServer::RedisServer(const std::string& dir, std::vector<std::string> extra_args)
    : dir_(dir), socket_(dir + "/redis.sock"), extra_args_(std::move(extra_args)) {}

RedisServer::~RedisServer() {
  process_.Resume();  // (Kill resumes too) a paused server must never outlive its test
  process_.Kill();
}

void RedisServer::Pause() { process_.Pause(); }

void RedisServer::Resume() { process_.Resume(); }

void RedisServer::Start() {
  // RFS_TEST_APPENDFSYNC=everysec runs the tests against the lossy setting, to show that the
  // crash tests catch the loss (docs/operations.md).
  const char* fsync = std::getenv("RFS_TEST_APPENDFSYNC");
  std::vector<std::string> argv = {"redis-server", "--port",        "0",      "--unixsocket",
                                   socket_,        "--unixsocketperm", "700", "--dir",
                                   dir_,           "--appendonly",  "yes",    "--appendfsync",
                                   fsync != nullptr ? fsync : "always",       "--save",        "",       "--daemonize",
                                   "no"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  process_.Start(argv, dir_ + "/redis.log");
  const bool up = WaitFor([&] { return absl::StrContains(Cli("PING"), "PONG"); });
  if (!up) throw std::runtime_error("redis-server did not start; see " + dir_ + "/redis.log");
}

std::string RedisServer::KillAtWorstMoment(absl::Duration patience) {
  process_.Resume();  // a paused server would never answer INFO
  redisContext* c = redisConnectUnix(socket_.c_str());
  std::string aimed = "load";
  const absl::Time deadline = absl::Now() + patience;
  while (c != nullptr && c->err == 0 && absl::Now() < deadline) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "INFO persistence"));
    if (reply == nullptr) break;
    const absl::string_view info(reply->str == nullptr ? "" : reply->str,
                                 reply->str == nullptr ? 0 : reply->len);
    const int64_t pending = InfoField(info, "aof_pending_bio_fsync");
    const int64_t buffered = InfoField(info, "aof_buffer_length");
    freeReplyObject(reply);
    if (pending > 0) {
      aimed = "pending_fsync";
      break;
    }
    if (buffered > 0) aimed = "aof_buffer";
  }
  process_.Kill();
  if (c != nullptr) redisFree(c);
  return aimed;
}

std::string RedisServer::Cli(const std::string& args) const {
  if (process_.paused()) return "ERR redis-server is paused (RedisServer::Cli would hang)";
  const std::string out = RunShell("redis-cli -s " + socket_ + " " + args).out;
  return std::string(absl::StripTrailingAsciiWhitespace(out));
}

RedisOptions RedisServer::options() const {
  RedisOptions options;
  options.endpoint = *ParseRedisUrl(url());
  return options;
}

void RedisServer::AwayFromMinuteEnd() const {
  // "TIME" prints seconds then microseconds, one a line.
  int64_t seconds = 0;
  const std::string time = Cli("TIME");
  if (!absl::SimpleAtoi(time.substr(0, time.find('\n')), &seconds)) {
    ADD_FAILURE() << "TIME: " << time;
    return;
  }
  constexpr int64_t kMargin = 10;  // a test's quota writes take well under this
  const int64_t into_minute = seconds % 60;
  if (into_minute >= 60 - kMargin) absl::SleepFor(absl::Seconds(60 - into_minute));
}

}  // namespace rfs::testing
