// Structured logging: one JSON object per line on stderr, e.g.
//   {"time":"2026-05-18T10:30:00.123+09:00","level":"info","service":"rfs-registry",
//    "msg":"server started","port":50051}
// Lines are written whole under a mutex, so lines of concurrent threads never interleave.
// Never pass tokens or secrets: fields named like credentials are redacted as a last guard.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace rfs {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Process-wide settings; call before starting threads.
void SetLogService(absl::string_view service);
void SetLogLevel(LogLevel level);
// Parses "debug", "info", "warning", "error".
bool ParseLogLevel(absl::string_view text, LogLevel* level);
bool LogEnabled(LogLevel level);
// Sends what libprotobuf and gRPC log through this logger, so stderr holds only JSON lines.
// Call once, first thing in main.
void RouteLibraryLogs();

// Lets through at most `per_minute` lines of one kind a minute (a fixed window), and counts the
// lines it held back, so that a flood of cheap failures (calls without a token, made by anyone)
// cannot fill the disk behind stderr. The count goes out with the next line let through.
// Thread-safe; never blocks.
class LogSampler {
 public:
  explicit LogSampler(int64_t per_minute) : per_minute_(per_minute) {}
  // True when this line may be written; `*suppressed` is then the number of lines held back
  // since the last one written (0 otherwise).
  bool Allow(int64_t* suppressed) { return Allow(absl::Now(), suppressed); }
  // The same at `now` (tests).
  bool Allow(absl::Time now, int64_t* suppressed);

 private:
  const int64_t per_minute_;
  std::atomic<int64_t> window_{-1};  // minutes since the epoch of the current window
  std::atomic<int64_t> used_{0};
  std::atomic<int64_t> suppressed_{0};
};

// Builds one log line and writes it when destroyed. Use through RFS_LOG.
class LogLine {
 public:
  LogLine(LogLevel level, absl::string_view msg);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& Field(absl::string_view key, absl::string_view value);
  LogLine& Field(absl::string_view key, const char* value) {
    return Field(key, absl::string_view(value));
  }
  LogLine& Field(absl::string_view key, const std::string& value) {
    return Field(key, absl::string_view(value));
  }
  LogLine& Field(absl::string_view key, int64_t value);
  LogLine& Field(absl::string_view key, int value) { return Field(key, int64_t{value}); }
  LogLine& Field(absl::string_view key, double value);
  LogLine& Field(absl::string_view key, bool value);

 private:
  nlohmann::json line_;
};

}  // namespace rfs

namespace rfs {
// Swallows the LogLine expression so RFS_LOG is a single expression (safe inside if/else).
struct LogVoidify {
  void operator&(const LogLine&) {}
};
}  // namespace rfs

// RFS_LOG(kInfo, "server started").Field("port", port);
// Fields are not evaluated when the level is disabled.
#define RFS_LOG(level, msg)                     \
  !::rfs::LogEnabled(::rfs::LogLevel::level)    \
      ? (void)0                                 \
      : ::rfs::LogVoidify() & ::rfs::LogLine(::rfs::LogLevel::level, msg)
