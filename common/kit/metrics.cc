#include "common/kit/metrics.h"

#include <array>
#include <atomic>
#include <chrono>
#include <exception>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <google/protobuf/descriptor.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/base/logging.h"
#include "common/base/text.h"

namespace rfs {

namespace {

constexpr int kCodes = 17;  // canonical gRPC codes 0..16
// A failed call's message in the log is cut to this: error messages quote the caller's input.
constexpr size_t kMaxLoggedErrorChars = 500;

// Lines of UNAUTHENTICATED calls written a minute, per process.
constexpr int64_t kUnauthenticatedLinesPerMinute = 60;

LogSampler& UnauthenticatedLines() {
  static LogSampler* sampler = new LogSampler(kUnauthenticatedLinesPerMinute);
  return *sampler;
}

const char* CodeName(int code) {
  static constexpr const char* kNames[kCodes] = {
      "OK",           "Canceled",         "Unknown",           "InvalidArgument",
      "DeadlineExceeded", "NotFound",     "AlreadyExists",     "PermissionDenied",
      "ResourceExhausted", "FailedPrecondition", "Aborted",    "OutOfRange",
      "Unimplemented", "Internal",        "Unavailable",       "DataLoss",
      "Unauthenticated"};
  return code >= 0 && code < kCodes ? kNames[code] : "Unknown";
}

// Failures that are the server's (or its dependencies') doing, logged at error level; the
// others are the caller's (bad input, no permission...) and logged at info.
bool IsServerFault(int code) {
  switch (code) {
    case grpc::UNKNOWN:
    case grpc::INTERNAL:
    case grpc::DATA_LOSS:
    case grpc::UNAVAILABLE:
    case grpc::DEADLINE_EXCEEDED:
      return true;
    default:
      return false;
  }
}

const char* TypeName(grpc::experimental::ServerRpcInfo::Type type) {
  using Type = grpc::experimental::ServerRpcInfo::Type;
  switch (type) {
    case Type::UNARY:
      return "unary";
    case Type::CLIENT_STREAMING:
      return "client_stream";
    case Type::SERVER_STREAMING:
      return "server_stream";
    case Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unary";
}

}  // namespace

// Families and per-method series. Series are created once per method (and code) and their
// references kept, since Family::Add takes a lock and hashes labels.
class GrpcServerMetrics {
 public:
  struct Method {
    std::string full_name;
    std::string service;
    std::string method;
    std::string type;
    prometheus::Counter* started = nullptr;
    prometheus::Histogram* latency = nullptr;
    std::array<std::atomic<prometheus::Counter*>, kCodes> handled{};
  };

  explicit GrpcServerMetrics(prometheus::Registry& registry)
      : started_(prometheus::BuildCounter()
                     .Name("grpc_server_started_total")
                     .Help("Total number of RPCs started on the server.")
                     .Register(registry)),
        handled_(prometheus::BuildCounter()
                     .Name("grpc_server_handled_total")
                     .Help("Total number of RPCs completed on the server, regardless of success "
                           "or failure.")
                     .Register(registry)),
        latency_(prometheus::BuildHistogram()
                     .Name("grpc_server_handling_seconds")
                     .Help("Histogram of response latency (seconds) of gRPC that had been "
                           "application-level handled by the server.")
                     .Register(registry)) {}

  // Creates the series of a method the server serves. Not thread-safe with Find: call before
  // the server starts.
  void Know(absl::string_view full_name, const char* type) {
    absl::MutexLock lock(&mu_);
    auto& slot = methods_[full_name];
    if (slot != nullptr) return;
    absl::string_view rest = full_name.substr(full_name.empty() || full_name[0] != '/' ? 0 : 1);
    const size_t slash = rest.find('/');
    slot = NewMethod(std::string(full_name), std::string(rest.substr(0, slash)),
                     slash == absl::string_view::npos ? "" : std::string(rest.substr(slash + 1)),
                     type);
  }

  // The series of a call: its method's when the server knows it, else the shared "unknown"
  // ones of its type.
  Method* Find(const char* full_name, grpc::experimental::ServerRpcInfo::Type type) {
    if (full_name != nullptr) {
      absl::ReaderMutexLock lock(&mu_);
      auto it = methods_.find(absl::string_view(full_name));
      if (it != methods_.end()) return it->second.get();
    }
    const int t = static_cast<int>(type);
    Method* m = unknown_[t].load(std::memory_order_acquire);
    if (m != nullptr) return m;
    absl::MutexLock lock(&mu_);
    m = unknown_[t].load(std::memory_order_relaxed);
    if (m == nullptr) {
      unknown_owned_[t] = NewMethod("unknown", "unknown", "unknown", TypeName(type));
      m = unknown_owned_[t].get();
      unknown_[t].store(m, std::memory_order_release);
    }
    return m;
  }

  prometheus::Counter* Handled(Method* m, int code) {
    if (code < 0 || code >= kCodes) code = grpc::StatusCode::UNKNOWN;
    prometheus::Counter* c = m->handled[code].load(std::memory_order_acquire);
    if (c != nullptr) return c;
    absl::MutexLock lock(&mu_);
    c = &handled_.Add({{"grpc_type", m->type},
                       {"grpc_service", m->service},
                       {"grpc_method", m->method},
                       {"grpc_code", CodeName(code)}});
    m->handled[code].store(c, std::memory_order_release);
    return c;
  }

 private:
  std::unique_ptr<Method> NewMethod(std::string full_name, std::string service,
                                    std::string method, std::string type) {
    auto m = std::make_unique<Method>();
    m->full_name = std::move(full_name);
    m->service = std::move(service);
    m->method = std::move(method);
    m->type = std::move(type);
    const prometheus::Labels labels{
        {"grpc_type", m->type}, {"grpc_service", m->service}, {"grpc_method", m->method}};
    m->started = &started_.Add(labels);
    m->latency = &latency_.Add(labels, prometheus::Histogram::BucketBoundaries{
                                           0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                           0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    return m;
  }

  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& latency_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Method>> methods_ ABSL_GUARDED_BY(mu_);
  // Calls to methods the server does not know, one entry per call type (at most 4).
  std::array<std::atomic<Method*>, 4> unknown_{};
  std::array<std::unique_ptr<Method>, 4> unknown_owned_ ABSL_GUARDED_BY(mu_);
};

namespace {

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(GrpcServerMetrics* metrics, grpc::experimental::ServerRpcInfo* info)
      : metrics_(metrics),
        method_(metrics->Find(info->method(), info->type())),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_INITIAL_METADATA)) {
      method_->started->Increment();
    }
    // gRPC could not parse the request into the method's message type (its recv message is
    // then null): the caller sent bytes that are not a request, which gRPC reports as INTERNAL.
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsable_ = true;
    }
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      if (unparsable_ && methods->GetSendStatus().error_code() == grpc::StatusCode::INTERNAL) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            "リクエストがこのメソッドのメッセージとして読めません（protobuf の形式が誤っています）\n"
            "the request is not a valid protobuf message of this method's request type"));
      }
      const grpc::Status status = methods->GetSendStatus();
      const int code = status.error_code();
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      metrics_->Handled(method_, code)->Increment();
      method_->latency->Observe(seconds);
      // RESOURCE_EXHAUSTED is a quota or a full Redis: worth a warning either way.
      const LogLevel level = code == 0                               ? LogLevel::kDebug
                             : IsServerFault(code)                   ? LogLevel::kError
                             : code == grpc::RESOURCE_EXHAUSTED ? LogLevel::kWarning
                                                                     : LogLevel::kInfo;
      // Calls without a valid token cost their sender nothing: their lines are sampled
      // (grpc_server_handled_total{grpc_code="Unauthenticated"} counts every one).
      int64_t suppressed = 0;
      if (LogEnabled(level) &&
          (code != grpc::UNAUTHENTICATED || UnauthenticatedLines().Allow(&suppressed))) {
        LogLine line(level, code == 0 ? "rpc" : "rpc failed");
        line.Field("method", method_->full_name)
            .Field("code", CodeName(code))
            .Field("ms", seconds * 1000.0);
        if (code != 0) line.Field("error", Excerpt(status.error_message(), kMaxLoggedErrorChars));
        if (suppressed > 0) line.Field("similar_lines_suppressed", suppressed);
      }
    }
    methods->Proceed();
  }

 private:
  GrpcServerMetrics* metrics_;
  GrpcServerMetrics::Method* method_;
  std::chrono::steady_clock::time_point start_;
  bool unparsable_ = false;
};

class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(GrpcServerMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(metrics_, info);
  }

 private:
  GrpcServerMetrics* metrics_;
};

}  // namespace

CacheCounters CacheRequestCounters(prometheus::Registry& registry, const std::string& cache) {
  auto& family = prometheus::BuildCounter()
                     .Name("rfs_cache_requests_total")
                     .Help("Cache lookups by cache and result (hit, miss).")
                     .Register(registry);
  return {&family.Add({{"cache", cache}, {"result", "hit"}}),
          &family.Add({{"cache", cache}, {"result", "miss"}})};
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      grpc_(std::make_unique<GrpcServerMetrics>(*registry_)),
      ready_(&prometheus::BuildGauge()
                  .Name("rfs_ready")
                  .Help("1 while this replica is ready (it reaches Redis; its gRPC health "
                        "service answers SERVING), 0 while not")
                  .Register(*registry_)
                  .Add({})) {
  // Served by every rfs binary (common/kit/server.cc), outside the generated descriptor pool.
  grpc_->Know("/grpc.health.v1.Health/Check", "unary");
  grpc_->Know("/grpc.health.v1.Health/Watch", "server_stream");
  grpc_->Know("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", "bidi_stream");
}

Metrics::~Metrics() = default;

void Metrics::SetReady(bool ready) { ready_->Set(ready ? 1 : 0); }

void Metrics::KnowMethodsOf(const std::string& service_full_name) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_full_name);
  if (service == nullptr) return;
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* m = service->method(i);
    const char* type = m->client_streaming() ? (m->server_streaming() ? "bidi_stream"
                                                                      : "client_stream")
                       : m->server_streaming() ? "server_stream"
                                               : "unary";
    grpc_->Know(absl::StrCat("/", service_full_name, "/", m->name()), type);
  }
}

absl::Status Metrics::StartExposer(const std::string& listen) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(listen, /*num_threads=*/2);
    exposer_->RegisterCollectable(registry_);
    for (const auto& c : collectables_) exposer_->RegisterCollectable(c);
  } catch (const std::exception& e) {
    exposer_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", listen, ": ", e.what(),
                     " (is the port in use? set --metrics_listen)"));
  }
  return absl::OkStatus();
}

void Metrics::RegisterCollectable(const std::shared_ptr<prometheus::Collectable>& collectable) {
  collectables_.push_back(collectable);
  if (exposer_ != nullptr) exposer_->RegisterCollectable(collectable);
}

namespace {

class RedisRoundTrips : public prometheus::Collectable {
 public:
  RedisRoundTrips(std::function<uint64_t()> count, std::string service)
      : count_(std::move(count)), service_(std::move(service)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    prometheus::MetricFamily f;
    f.name = "rfs_redis_round_trips_total";
    f.help = "Round trips to Redis (a command, a pipeline or a script call each count one).";
    f.type = prometheus::MetricType::Counter;
    prometheus::ClientMetric m;
    m.label = {{"service", service_}};
    m.counter.value = static_cast<double>(count_());
    f.metric.push_back(std::move(m));
    return {std::move(f)};
  }

 private:
  std::function<uint64_t()> count_;
  std::string service_;
};

}  // namespace

void Metrics::CountRedisRoundTrips(const std::string& service, std::function<uint64_t()> count) {
  auto collector = std::make_shared<RedisRoundTrips>(std::move(count), service);
  owned_collectables_.push_back(collector);
  RegisterCollectable(collector);
}

int Metrics::exposer_port() const {
  if (exposer_ == nullptr) return 0;
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Metrics::NewInterceptorFactory() {
  return std::make_unique<MetricsInterceptorFactory>(grpc_.get());
}

}  // namespace rfs
