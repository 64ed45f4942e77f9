// Child processes for tests: real redis-server and rfs binaries, started and killed like an
// operator (or a crash) would. Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace rfs::testing {

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class Process {
 public:
  Process() = default;
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts argv[0] with argv; stdout and stderr go to `log_file`.
  void Start(const std::vector<std::string>& argv, const std::string& log_file);
  // SIGTERM and wait (up to 10 s, then SIGKILL).
  void Stop();
  // SIGKILL and wait: a crash.
  void Kill();
  // Sends `signo` to the process (nothing when it is not running).
  void Signal(int signo);
  // SIGSTOP, returning once the process has stopped (a frozen server: its sockets stay open
  // and nothing is answered); Resume sends SIGCONT and returns once it runs again. Stop and
  // Kill resume a paused process first, so they never wait on a frozen one.
  void Pause();
  void Resume();
  bool running() const { return pid_ > 0; }
  bool paused() const { return paused_; }
  pid_t pid() const { return pid_; }

 private:
  // Waits (up to 10 s) for a waitpid status of `options` that `matches` (or an exit).
  void AwaitStatus(int options, bool (*matches)(int status));

  pid_t pid_ = -1;
  bool paused_ = false;
};

// Runs a shell command line to its end; its exit code and what it printed (stdout and stderr
// together). Quote arguments that need it in `command`.
struct CommandResult {
  int exit_code = -1;
  std::string out;
};
CommandResult RunShell(const std::string& command);

// Polls `ready` until it returns true or `timeout` passes. Returns whether it became true.
bool WaitFor(const std::function<bool()>& ready, absl::Duration timeout = absl::Seconds(20));

// A TCP port on 127.0.0.1 free when asked (for servers that need a TCP port: replication,
// Sentinel, load balancing over replicas).
int FreeLoopbackPort();

// Directory of the build tree's binaries (set by CMake): RFS_BUILD_DIR.
std::string BuildDir();
// The source tree's data directory.
std::string DataDir();

}  // namespace rfs::testing
