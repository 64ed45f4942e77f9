// A real redis-server for one test: private unix socket in a temp dir, AOF on with
// `appendfsync always` (as deployed: see docs/operations.md), no TCP port. Restartable on the
// same data, killable like a crash, and killable at the worst moment a test can name.
#pragma once

#include <string>
#include <vector>

#include "common/redis/redis.h"
#include "tests/support/process.h"

namespace rfs::testing {

class RedisServer {
 public:
  // `extra_args` are appended to the command line (e.g. {"--maxmemory", "4mb"}).
  explicit RedisServer(const std::string& dir, std::vector<std::string> extra_args = {});
  ~RedisServer();

  // Starts and waits until it answers PING (and has loaded its AOF).
  void Start();
  // Stop and Kill resume a paused server first.
  void Stop() { process_.Stop(); }
  void Kill() { process_.Kill(); }
  bool running() const { return process_.running(); }
  // SIGSTOP: the server keeps its socket and connections but answers nothing (a hung Redis);
  // returns once it has stopped. Resume (SIGCONT) returns once it runs again. Cli refuses to
  // run while paused (it would wait forever).
  void Pause();
  void Resume();
  bool paused() const { return process_.paused(); }

  // kill -9 at the worst moment this Redis shows: while a background fsync of the AOF is
  // pending, or while written data waits in its AOF buffer (with the everysec fsync policy, Redis
  // 7.0 then answers clients before the data reaches the file). Polls INFO persistence for up
  // to `patience`; when neither is seen (as with `appendfsync always`, where Redis writes and
  // fsyncs before it answers), kills at the end of it, under the caller's load. Returns what
  // it aimed at: "pending_fsync", "aof_buffer" or "load".
  std::string KillAtWorstMoment(absl::Duration patience = absl::Seconds(2));

  std::string url() const { return "unix://" + socket_; }
  // Options of a client of this server (the kit's defaults, its socket).
  RedisOptions options() const;
  const std::string& socket() const { return socket_; }
  // Runs a command with redis-cli and returns its output (for assertions on raw state).
  std::string Cli(const std::string& args) const;
  // Returns once this Redis's clock is not in the last seconds of a minute, waiting for the
  // next minute when it is: a test of the write quota (writes a minute, bytes an hour, counted
  // by this clock; an hour ends where a minute does) then makes its writes in one window, so a
  // window turning between them cannot make it pass or fail by chance. Not a timing assert: it
  // only steers clear of a boundary.
  void AwayFromMinuteEnd() const;

 private:
  std::string dir_;
  std::string socket_;
  std::vector<std::string> extra_args_;
  Process process_;
};

}  // namespace rfs::testing
