// Server bootstrap shared by every rfs service: TLS or plaintext listener, the health service
// (readiness follows a probe, normally Redis PING; "liveness" is SERVING while the process
// runs), server reflection, the metrics interceptor, a thread cap, explicit message sizes and
// keepalive, a maximum connection age, and graceful shutdown (NOT_SERVING first, an optional
// delay, then Shutdown with a deadline). With --health_listen, a second plaintext server
// answers only grpc.health.v1, mirroring the main one, for probes that speak no TLS.
//
// Not thread-safe to configure; Start/Shutdown/Wait may be called from different threads once.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/server.h>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "common/kit/config.h"
#include "common/kit/metrics.h"

namespace rfs {

// Health service name that is SERVING as long as the process runs (Kubernetes liveness).
inline constexpr char kLivenessServiceName[] = "liveness";

class ServerRunner {
 public:
  // `readiness` is polled every config.health_interval; while it fails, the overall health
  // ("") and every registered service are NOT_SERVING.
  ServerRunner(const ServerConfig& config, Metrics* metrics,
               std::function<absl::Status()> readiness);
  ~ServerRunner();

  // Registers a service (not owned; must outlive the runner). Its full name is used as the
  // health service name.
  void AddService(grpc::Service* service, const std::string& health_name);

  // Builds, binds and starts. Fails when the port cannot be bound or TLS files are bad.
  absl::Status Start();
  // The port bound for config.listen (useful when it was 0).
  int port() const { return port_; }
  // The port bound for config.health_listen, 0 when there is none.
  int health_port() const { return health_port_; }

  // Blocks SIGTERM and SIGINT in the calling thread and the threads it starts later. Call
  // first thing in main, then WaitForSignalAndShutdown().
  static void BlockTerminationSignals();
  // Waits for SIGTERM or SIGINT, then Shutdown().
  void WaitForSignalAndShutdown();
  // NOT_SERVING, then drains in-flight calls for config.shutdown_grace and stops.
  void Shutdown();
  // Runs `hook` in Shutdown once NOT_SERVING has been said (and the shutdown delay passed),
  // before the drain: long-lived calls (server streams) end there, promptly, instead of holding
  // the drain to its grace. Configure before Start.
  void BeforeDrain(std::function<void()> hook) { before_drain_.push_back(std::move(hook)); }

 private:
  void SetServing(bool serving);
  void HealthLoop();

  const ServerConfig config_;
  Metrics* metrics_;
  std::function<absl::Status()> readiness_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::vector<std::function<void()>> before_drain_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;  // plaintext, health only (--health_listen)
  int port_ = 0;
  int health_port_ = 0;
  absl::Notification stopping_;
  std::thread health_thread_;
  bool last_serving_ = false;
  bool shut_down_ = false;
};

}  // namespace rfs
