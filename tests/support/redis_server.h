// A real redis-server for one test: private unix socket in a temp dir, AOF on (appendfsync
// everysec, as deployed), no TCP port. Restartable on the same data, killable like a crash.
#pragma once

#include <string>

#include "tests/support/process.h"

namespace rfs::testing {

class RedisServer {
 public:
  explicit RedisServer(const std::string& dir);
  ~RedisServer();

  // Starts and waits until it answers PING (and has loaded its AOF).
  void Start();
  void Stop() { process_.Stop(); }
  void Kill() { process_.Kill(); }
  bool running() const { return process_.running(); }

  std::string url() const { return "unix://" + socket_; }
  const std::string& socket() const { return socket_; }
  // Runs a command with redis-cli and returns its output (for assertions on raw state).
  std::string Cli(const std::string& args) const;

 private:
  std::string dir_;
  std::string socket_;
  Process process_;
};

}  // namespace rfs::testing
