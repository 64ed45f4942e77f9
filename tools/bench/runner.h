// rfs-bench's load generator (bench.cc runs the scenarios and reports): the servers under load,
// a scenario and its result, and the Runner that keeps --concurrency calls in flight on each
// scenario (callback API, generic stub, requests serialized once) and reads the server's own
// error and Redis round-trip counts from /metrics. The flags it reads are bench.cc's.
#pragma once

#include <algorithm>
#include <cmath>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <tuple>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/domain/fiscal.h"
#include "common/kit/client.h"
#include "common/kit/config.h"
#include "common/kit/health_client.h"
#include "common/kit/http_get.h"
#include "rfs/kpi/v1/kpi.pb.h"
#include "rfs/registry/v1/registry.pb.h"
#include "rfs/requirements/v1/requirements.pb.h"

ABSL_DECLARE_FLAG(int, channels);
ABSL_DECLARE_FLAG(int, concurrency);
ABSL_DECLARE_FLAG(int, kpi_metrics_port);
ABSL_DECLARE_FLAG(std::string, kpi_target);
ABSL_DECLARE_FLAG(int, metrics_port);
ABSL_DECLARE_FLAG(int, notification_metrics_port);
ABSL_DECLARE_FLAG(std::string, notification_target);
ABSL_DECLARE_FLAG(int, requirements_metrics_port);
ABSL_DECLARE_FLAG(std::string, requirements_target);
ABSL_DECLARE_FLAG(double, seconds);
ABSL_DECLARE_FLAG(std::string, target);
ABSL_DECLARE_FLAG(std::string, token);
ABSL_DECLARE_FLAG(double, warmup_seconds);

namespace rfs::bench {

namespace v1 = registry::v1;
using Clock = std::chrono::steady_clock;

// The servers under load: each scenario's ratio is to Health/Check on its own server.
enum Server { kRegistry = 0, kRequirements = 1, kKpi = 2, kNotification = 3 };
constexpr int kServers = 4;
inline const char* const kServerNames[kServers] = {"rfs-registry", "rfs-requirements", "rfs-kpi",
                                                   "rfs-notification"};

struct Scenario {
  std::string key;      // "get"
  std::string label;    // "GetPlan"
  std::string method;   // full method path
  Server server = kRegistry;
  // Makes the request of call number `n` (most scenarios return the same buffer).
  std::function<grpc::ByteBuffer(uint64_t n)> request;
  std::string token;          // bearer token; empty: --token
  double min_ratio = 0;       // target, 0 = none
  double max_p99_ms = 0;      // target, 0 = none
  double max_round_trips = 0; // target, 0 = none
};

struct Result {
  std::string key, label;
  Server server = kRegistry;
  double rps = 0, p50_ms = 0, p99_ms = 0;
  uint64_t calls = 0, client_errors = 0, server_errors = 0;
  double round_trips_per_call = -1;
  std::map<std::string, uint64_t> error_codes;
  double spread = 0;  // median absolute deviation / median of req/s over the rounds
};

inline grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Sums a metric's samples in Prometheus text whose line contains every `needles` entry;
// `exclude` skips lines containing it.
inline double SumMetric(const std::string& text, const std::string& name,
                 const std::vector<std::string>& needles, const std::string& exclude = "") {
  double sum = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0) continue;
    if (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ') continue;
    bool match = true;
    for (const auto& n : needles) match &= line.find(n) != std::string::npos;
    if (!exclude.empty() && line.find(exclude) != std::string::npos) match = false;
    if (!match) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) sum += v;
  }
  return sum;
}

// A process' resident memory, VmRSS and VmHWM (its peak) of /proc/<pid>/status, in KiB; 0
// when unknown.
inline std::pair<int64_t, int64_t> ResidentKib(int pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  int64_t rss = 0, peak = 0;
  while (std::getline(in, line)) {
    int64_t* out = absl::StartsWith(line, "VmRSS:")   ? &rss
                   : absl::StartsWith(line, "VmHWM:") ? &peak
                                                      : nullptr;
    if (out == nullptr) continue;
    const std::string rest = line.substr(6);  // "\t  123456 kB"
    std::vector<absl::string_view> parts =
        absl::StrSplit(rest, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.empty() || !absl::SimpleAtoi(parts[0], out)) *out = 0;
  }
  return {rss, peak};
}

// The half year now (JST) and its fiscal year: the one rfs-kpi always accepts reports for.
inline common::v1::FiscalPeriod CurrentHalf() { return FiscalPeriodOf(absl::Now()); }

class Runner {
 public:
  Runner() {
    const std::string targets[kServers] = {absl::GetFlag(FLAGS_target),
                                           absl::GetFlag(FLAGS_requirements_target),
                                           absl::GetFlag(FLAGS_kpi_target),
                                           absl::GetFlag(FLAGS_notification_target)};
    for (int server = 0; server < kServers; ++server) {
      if (targets[server].empty()) continue;
      for (int i = 0; i < absl::GetFlag(FLAGS_channels); ++i) {
        grpc::ChannelArguments args;
        args.SetInt("rfs.bench.channel", i);  // distinct args: distinct connections
        args.SetMaxReceiveMessageSize(64 << 20);
        stubs_[server].push_back(std::make_unique<grpc::GenericStub>(grpc::CreateCustomChannel(
            targets[server], grpc::InsecureChannelCredentials(), args)));
      }
    }
    token_ = absl::GetFlag(FLAGS_token);
  }

  Result Run(const Scenario& s) {
    const int metrics_ports[kServers] = {absl::GetFlag(FLAGS_metrics_port),
                                         absl::GetFlag(FLAGS_requirements_metrics_port),
                                         absl::GetFlag(FLAGS_kpi_metrics_port),
                                         absl::GetFlag(FLAGS_notification_metrics_port)};
    const int metrics_port = metrics_ports[s.server];
    Phase(s, absl::GetFlag(FLAGS_warmup_seconds), nullptr);
    const std::string before = HttpGet(metrics_port, "/metrics");
    Result r;
    r.key = s.key;
    r.label = s.label;
    r.server = s.server;
    Phase(s, absl::GetFlag(FLAGS_seconds), &r);
    const std::string after = HttpGet(metrics_port, "/metrics");
    const std::string method_name = s.method.substr(s.method.rfind('/') + 1);
    const std::vector<std::string> label = {"grpc_method=\"" + method_name + "\""};
    r.server_errors = static_cast<uint64_t>(
        SumMetric(after, "grpc_server_handled_total", label, "grpc_code=\"OK\"") -
        SumMetric(before, "grpc_server_handled_total", label, "grpc_code=\"OK\""));
    const double server_calls = SumMetric(after, "grpc_server_handled_total", label) -
                                SumMetric(before, "grpc_server_handled_total", label);
    const double trips = SumMetric(after, "rfs_redis_round_trips_total", {}) -
                         SumMetric(before, "rfs_redis_round_trips_total", {});
    if (server_calls > 0 && !before.empty()) r.round_trips_per_call = trips / server_calls;
    return r;
  }

 private:
  struct Call {
    grpc::ClientContext ctx;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    Clock::time_point start;
  };

  // One caller: at most one call in flight, so its fields need no lock.
  struct Slot {
    std::vector<double> latencies;
    std::map<std::string, uint64_t> errors;
  };

  // Runs the closed loop for `seconds`; fills `out` unless it is the warm-up.
  void Phase(const Scenario& s, double seconds, Result* out) {
    const int concurrency = absl::GetFlag(FLAGS_concurrency);
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(seconds));
    std::mutex mu;
    std::condition_variable cv;
    std::atomic<int> active{concurrency};
    std::vector<Slot> slots(concurrency);
    for (Slot& slot : slots) slot.latencies.reserve(1 << 16);
    const std::string& token = s.token.empty() ? token_ : s.token;
    const std::string authorization = token.empty() ? "" : "Bearer " + token;

    std::function<void(int)> start_call = [&](int slot) {
      auto* call = new Call();
      call->request = s.request(counter_.fetch_add(1, std::memory_order_relaxed));
      if (!authorization.empty()) call->ctx.AddMetadata("authorization", authorization);
      call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      call->start = Clock::now();
      const auto& stubs = stubs_[s.server];
      stubs[slot % stubs.size()]->UnaryCall(
          &call->ctx, s.method, grpc::StubOptions(), &call->request, &call->response,
          [&, call, slot](grpc::Status status) {
            const auto now = Clock::now();
            if (out != nullptr) {
              slots[slot].latencies.push_back(
                  std::chrono::duration<double, std::milli>(now - call->start).count());
              if (!status.ok()) ++slots[slot].errors[absl::StrCat(status.error_code())];
            }
            delete call;
            if (now < end) return start_call(slot);
            if (active.fetch_sub(1) == 1) {
              std::lock_guard<std::mutex> lock(mu);
              cv.notify_all();
            }
          });
    };
    const auto begin = Clock::now();
    for (int i = 0; i < concurrency; ++i) start_call(i);
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return active.load() == 0; });
    }
    if (out == nullptr) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
    std::vector<double> latencies;
    for (Slot& slot : slots) {
      latencies.insert(latencies.end(), slot.latencies.begin(), slot.latencies.end());
      for (const auto& [code, n] : slot.errors) out->error_codes[code] += n;
    }
    std::sort(latencies.begin(), latencies.end());
    out->calls = latencies.size();
    out->rps = latencies.size() / elapsed;
    if (!latencies.empty()) {
      out->p50_ms = latencies[latencies.size() / 2];
      out->p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
    }
    for (const auto& [code, n] : out->error_codes) out->client_errors += n;
  }

  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_[kServers];
  std::string token_;

 public:
  // Whether the server's address was given.
  bool Serves(Server server) const { return !stubs_[server].empty(); }
  // One call of the scenario's, waited for (the checks before and after the measured phases).
  grpc::Status CallOnce(const Scenario& s, grpc::ByteBuffer* response) {
    if (stubs_[s.server].empty()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "no target for this server");
    }
    grpc::ClientContext ctx;
    const std::string& token = s.token.empty() ? token_ : s.token;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::ByteBuffer request = s.request(counter_.fetch_add(1, std::memory_order_relaxed));
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    grpc::Status result;
    stubs_[s.server][0]->UnaryCall(&ctx, s.method, grpc::StubOptions(), &request, response,
                                   [&](grpc::Status status) {
                                     std::lock_guard<std::mutex> lock(mu);
                                     result = std::move(status);
                                     done = true;
                                     cv.notify_all();
                                   });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
    return result;
  }

  // Registers `count` copies of `plan` on the registry (32 at a time) and returns their names.
  std::vector<std::string> Register(const v1::Plan& plan, int count) {
    v1::CreatePlanRequest create;
    *create.mutable_plan() = plan;
    const grpc::ByteBuffer request = ToBuffer(create.SerializeAsString());
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::string> names;
    int started = 0, finished = 0;
    const std::string authorization = "Bearer " + token_;
    std::function<void()> next = [&] {
      auto* call = new Call();
      call->request = request;
      call->ctx.AddMetadata("authorization", authorization);
      call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      stubs_[kRegistry][0]->UnaryCall(
          &call->ctx, "/rfs.registry.v1.PlanRegistry/CreatePlan", grpc::StubOptions(),
          &call->request, &call->response, [&, call](grpc::Status status) {
            v1::Plan created;
            grpc::Slice slice;
            if (status.ok() && call->response.DumpToSingleSlice(&slice).ok() &&
                created.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
              std::lock_guard<std::mutex> lock(mu);
              names.push_back(created.name());
            }
            delete call;
            std::unique_lock<std::mutex> lock(mu);
            ++finished;
            if (started < count) {
              ++started;
              lock.unlock();
              next();
            } else {
              cv.notify_all();
            }
          });
    };
    {
      std::lock_guard<std::mutex> lock(mu);
      started = std::min(count, 32);
    }
    for (int i = 0; i < std::min(count, 32); ++i) next();
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return finished >= count; });
    return names;
  }
  // Numbers every call of the run: CreatePlan request ids must never repeat across phases and
  // rounds, or a measured create would be answered as a retry of an earlier one.
  std::atomic<uint64_t> counter_{0};
};

}  // namespace rfs::bench
