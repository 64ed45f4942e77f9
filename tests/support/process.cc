#include "tests/support/process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>

#include "absl/time/clock.h"

namespace rfs::testing {

TempDir::TempDir() {
  const char* base = getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/rfs-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Process::~Process() {
  if (running()) Kill();
}

void Process::Start(const std::vector<std::string>& argv, const std::string& log_file) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    // The child must not inherit a blocked SIGTERM from a test that blocked it.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execvp(args[0], args.data());
    std::perror("execvp");
    _exit(127);
  }
  if (pid_ < 0) throw std::runtime_error("fork failed");
}

void Process::Stop() {
  if (!running()) return;
  Resume();  // a stopped process would not act on SIGTERM
  kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  Kill();
}

void Process::Kill() {
  if (!running()) return;
  Resume();
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void Process::Signal(int signo) {
  if (running()) kill(pid_, signo);
}

void Process::Pause() {
  if (!running() || paused_) return;
  kill(pid_, SIGSTOP);
  AwaitStatus(WUNTRACED, [](int status) { return WIFSTOPPED(status); });
  paused_ = running();
}

void Process::Resume() {
  if (!running() || !paused_) return;
  paused_ = false;
  kill(pid_, SIGCONT);
  AwaitStatus(WCONTINUED, [](int status) { return WIFCONTINUED(status); });
}

void Process::AwaitStatus(int options, bool (*matches)(int status)) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (running() && absl::Now() < deadline) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, options | WNOHANG);
    if (r == pid_) {
      if (WIFEXITED(status) || WIFSIGNALED(status)) {
        pid_ = -1;
        paused_ = false;
        return;
      }
      if (matches(status)) return;
    } else if (r < 0) {
      return;
    } else {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
}

bool WaitFor(const std::function<bool()>& ready, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (ready()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return ready();
}

std::string BuildDir() { return RFS_BUILD_DIR; }
std::string DataDir() { return RFS_SOURCE_DIR "/data"; }

CommandResult RunShell(const std::string& command) {
  CommandResult result;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return result;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) result.out.append(buf, n);
  const int status = pclose(p);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

int FreeLoopbackPort() {
  // Outside the kernel's ephemeral range (32768 and up), from an offset of this process: a port
  // the kernel hands to another test's "port 0" (or that another test picked the same way) is
  // not one a replica of ours is about to bind again after a restart. Never the same port twice.
  static std::mutex mu;
  static std::set<int> given;
  std::lock_guard<std::mutex> lock(mu);
  const int start = static_cast<int>((static_cast<unsigned>(getpid()) * 97u) % 10000u);
  for (int i = 0; i < 10000; ++i) {
    const int port = 20000 + (start + i) % 10000;
    if (given.count(port) != 0) continue;
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    const bool free = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    if (free) {
      given.insert(port);
      return port;
    }
  }
  throw std::runtime_error("no free loopback port in 20000..29999");
}

}  // namespace rfs::testing
