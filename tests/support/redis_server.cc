#include "tests/support/redis_server.h"

#include <cstdio>
#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace rfs::testing {

RedisServer::RedisServer(const std::string& dir) : dir_(dir), socket_(dir + "/redis.sock") {}

RedisServer::~RedisServer() { process_.Kill(); }

void RedisServer::Start() {
  process_.Start({"redis-server", "--port", "0", "--unixsocket", socket_, "--unixsocketperm",
                  "700", "--dir", dir_, "--appendonly", "yes", "--appendfsync", "everysec",
                  "--save", "", "--daemonize", "no"},
                 dir_ + "/redis.log");
  const bool up = WaitFor([&] { return absl::StrContains(Cli("PING"), "PONG"); });
  if (!up) throw std::runtime_error("redis-server did not start; see " + dir_ + "/redis.log");
}

std::string RedisServer::Cli(const std::string& args) const {
  const std::string cmd = "redis-cli -s " + socket_ + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return std::string(absl::StripTrailingAsciiWhitespace(out));
}

}  // namespace rfs::testing
