#include "common/base/logging.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include <google/protobuf/stubs/logging.h>
#include <grpc/support/log.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/base/japan_time.h"

namespace rfs {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::string* g_service = new std::string("rfs");
std::mutex g_write_mu;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

bool LooksSecret(absl::string_view key) {
  const std::string k = absl::AsciiStrToLower(key);
  return absl::StrContains(k, "token") || absl::StrContains(k, "secret") ||
         absl::StrContains(k, "password") || absl::StrContains(k, "authorization");
}

void ProtobufLog(google::protobuf::LogLevel level, const char* file, int line,
                 const std::string& message) {
  // libprotobuf reports at ERROR what a caller's bytes got wrong (invalid UTF-8 in a string
  // field): the request fails with INVALID_ARGUMENT, so it is a warning here, not a fault.
  const LogLevel ours = level >= google::protobuf::LOGLEVEL_FATAL   ? LogLevel::kError
                        : level >= google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                                      : LogLevel::kInfo;
  if (!LogEnabled(ours)) return;
  LogLine(ours, "libprotobuf").Field("detail", message).Field("file", file).Field("line", line);
}

void GrpcLog(gpr_log_func_args* args) {
  const LogLevel ours = args->severity == GPR_LOG_SEVERITY_ERROR  ? LogLevel::kError
                        : args->severity == GPR_LOG_SEVERITY_INFO ? LogLevel::kInfo
                                                                  : LogLevel::kDebug;
  if (!LogEnabled(ours)) return;
  LogLine(ours, "grpc")
      .Field("detail", args->message == nullptr ? "" : args->message)
      .Field("file", args->file == nullptr ? "" : args->file)
      .Field("line", args->line);
}

}  // namespace

void RouteLibraryLogs() {
  google::protobuf::SetLogHandler(&ProtobufLog);
  gpr_set_log_function(&GrpcLog);
}

void SetLogService(absl::string_view service) { *g_service = std::string(service); }
void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (text == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

bool LogSampler::Allow(absl::Time now, int64_t* suppressed) {
  *suppressed = 0;
  const int64_t minute = absl::ToUnixSeconds(now) / 60;
  int64_t window = window_.load(std::memory_order_relaxed);
  if (window != minute && window_.compare_exchange_strong(window, minute)) {
    used_.store(0, std::memory_order_relaxed);
  }
  if (used_.fetch_add(1, std::memory_order_relaxed) >= per_minute_) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  *suppressed = suppressed_.exchange(0, std::memory_order_relaxed);
  return true;
}

LogLine::LogLine(LogLevel level, absl::string_view msg) : line_(nlohmann::json::object()) {
  line_["time"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3S%Ez", absl::Now(), JapanTimeZone());
  line_["level"] = LevelName(level);
  line_["service"] = *g_service;
  line_["msg"] = std::string(msg);
}

LogLine::~LogLine() {
  // Invalid UTF-8 in a field is replaced rather than thrown on.
  std::string text = line_.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.push_back('\n');
  std::lock_guard<std::mutex> lock(g_write_mu);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

LogLine& LogLine::Field(absl::string_view key, absl::string_view value) {
  line_[std::string(key)] = LooksSecret(key) ? std::string("[redacted]") : std::string(value);
  return *this;
}

LogLine& LogLine::Field(absl::string_view key, int64_t value) {
  line_[std::string(key)] = value;
  return *this;
}

LogLine& LogLine::Field(absl::string_view key, double value) {
  line_[std::string(key)] = value;
  return *this;
}

LogLine& LogLine::Field(absl::string_view key, bool value) {
  line_[std::string(key)] = value;
  return *this;
}

}  // namespace rfs
