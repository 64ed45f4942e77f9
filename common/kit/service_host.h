// The host of one rfs service: everything a service needs that is not its own. It owns the
// process' metrics (registry, /metrics exposer, gRPC interceptor, Redis round trips), both
// Redis clients (the blocking pool for writes and scans, the async client for hot reads), the
// reference data, the token verifier, the service token for calls to other rfs services, the
// Redis-backed gauges (outbox pending, Redis memory), readiness that follows Redis, background
// jobs, and the gRPC server runner with its graceful stop.
//
// A service's `*_server.cc` creates the host, builds its own parts on the host's clients and
// hands them over (Own), registers its gRPC services, stores, readiness checks, collectables
// and jobs, and calls Start(). Everything then stops in one order (~ServiceHost or Shutdown):
//   1. NOT_SERVING, drain in-flight calls (ServerRunner::Shutdown);
//   2. the AtStop hooks (e.g. finish queued work on an executor while what it uses still lives),
//      then the outbox relay (what it has published is acknowledged; the rest waits);
//   3. background jobs, then the /metrics exposer (both read service parts);
//   4. the owned parts, newest first (a part may use any part owned before it);
//   5. the clients, the verifier and the reference data.
//
// Configure from one thread before Start(); the accessors are thread-safe afterwards.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/impl/codegen/service_type.h>
#include <prometheus/collectable.h>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/domain/reference_data.h"
#include "common/kit/auth.h"
#include "common/kit/config.h"
#include "common/kit/metrics.h"
#include "common/kit/peer.h"
#include "common/kit/server.h"
#include "common/kit/service_token.h"
#include "common/redis/async_redis.h"
#include "common/redis/redis.h"
#include "common/redis/redis_store.h"

namespace rfs {

class OutboxRelay;
class PeriodicJob;
class RedisGauges;

class ServiceHost {
 public:
  // Loads the reference data and the token key, and opens both Redis clients (they connect in
  // the background; a Redis that is down makes the service NOT_SERVING, not fail). Warns when
  // Redis does not fsync every write. `name` labels the service's metrics ("registry");
  // `stats_interval` is how often Redis-backed gauges are refreshed. Nothing listens yet.
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Create(const ServerConfig& config,
                                                             std::string name,
                                                             absl::Duration stats_interval);
  ~ServiceHost();
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  const ServerConfig& config() const { return config_; }
  const std::string& name() const { return name_; }
  RedisPool* pool() { return pool_.get(); }
  AsyncRedis* async() { return async_.get(); }
  const ReferenceData* reference() const { return reference_.get(); }
  const TokenVerifier* verifier() const { return verifier_.get(); }
  Metrics* metrics() { return metrics_.get(); }
  // The token this service presents to other rfs services, made on first use. Fails when the
  // deployment provides none (see ServiceToken::Create).
  absl::StatusOr<ServiceToken*> service_token();
  // What a client of the peer at `address` is made of: its channel in this deployment, the
  // service token, the deadline of each call. Fails as service_token() does.
  absl::StatusOr<Peer> ConnectPeer(const PeerAddress& address);

  // Takes over a part of the service (a store, a domain object, an adapter); parts are
  // destroyed newest first, after the server stopped and before the clients go.
  template <typename T>
  T* Own(std::unique_ptr<T> part) {
    T* raw = part.get();
    parts_.emplace_back(std::move(part));
    return raw;
  }
  // Serves `service` (not owned: Own it first). `full_name` ("rfs.registry.v1.PlanRegistry")
  // names its health status and its metric series.
  void AddService(grpc::Service* service, const std::string& full_name);
  // A store over the host's Redis: its scripts are loaded at Start() (a script Redis cannot
  // compile fails the start) and its outbox is counted by rfs_outbox_pending{service} and
  // rfs_outbox_oldest_age_seconds{service}. One store per service carries the outbox (the first
  // added): with --notification_address set, the outbox relay (common/kit/outbox_relay.h)
  // publishes it to rfs-notification from Start() until the stop.
  void AddStore(RedisStore* store);
  // Readiness also needs `check` to pass (polled every --health_interval); both Redis clients
  // are always checked first.
  void AddReadinessCheck(std::function<absl::Status()> check);
  // Exposes `collectable` on /metrics.
  void AddCollectable(std::shared_ptr<prometheus::Collectable> collectable);
  // Runs `job` now and then every `interval` on a thread of its own until the stop; a failure
  // is logged at debug level (jobs retry on their next turn).
  void AddJob(std::string name, absl::Duration interval, std::function<absl::Status()> job);
  // Runs every job once now, in the caller's thread (tests, and callers that must not wait for
  // the next turn); the first failure is returned.
  absl::Status RunJobsNow();
  // Runs `hook` after the server drained, before jobs and parts stop.
  void AtStop(std::function<void()> hook);
  // Runs `hook` once the service says NOT_SERVING, before the drain (ServerRunner::BeforeDrain):
  // to end server streams promptly, so their clients resume on another replica.
  void BeforeDrain(std::function<void()> hook);

  // Starts the exposer (when --metrics_listen is set), loads the scripts, starts the jobs and
  // the server. Fails when a port cannot be bound or a script does not compile.
  absl::Status Start();
  // Stops in the order above; idempotent.
  void Shutdown();
  // Waits for SIGTERM or SIGINT, then Shutdown(). Call ServerRunner::BlockTerminationSignals()
  // first thing in main.
  void WaitForSignalAndShutdown();

  int port() const { return runner_->port(); }
  // The outbox relay; null without --notification_address or a store.
  OutboxRelay* relay() { return relay_.get(); }
  int metrics_port() const { return metrics_->exposer_port(); }
  ServerRunner& runner() { return *runner_; }

 private:
  ServiceHost(const ServerConfig& config, std::string name, absl::Duration stats_interval);
  absl::Status Ready();

  const ServerConfig config_;
  const std::string name_;
  const absl::Duration stats_interval_;
  std::unique_ptr<ReferenceData> reference_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<AsyncRedis> async_;
  std::unique_ptr<Metrics> metrics_;
  absl::Mutex token_mu_;
  std::unique_ptr<ServiceToken> service_token_ ABSL_GUARDED_BY(token_mu_);
  std::vector<std::shared_ptr<void>> parts_;
  std::vector<RedisStore*> stores_;
  std::shared_ptr<RedisGauges> gauges_;
  std::vector<std::function<absl::Status()>> readiness_checks_;
  std::vector<std::shared_ptr<prometheus::Collectable>> collectables_;
  struct JobSpec {
    std::string name;
    absl::Duration interval;
    std::function<absl::Status()> run;
  };
  std::vector<JobSpec> job_specs_;
  std::vector<std::unique_ptr<PeriodicJob>> jobs_;
  std::vector<std::function<void()>> stop_hooks_;
  std::vector<std::function<void()>> before_drain_hooks_;
  std::vector<std::pair<grpc::Service*, std::string>> services_;
  std::unique_ptr<ServerRunner> runner_;
  std::unique_ptr<OutboxRelay> relay_;
  bool stopped_ = false;
};

// What a service's Start() returns: the service, owning its host.
class HostedService {
 public:
  virtual ~HostedService() = default;
  virtual ServiceHost& host() = 0;
};

// The whole main() of a service: blocks SIGTERM/SIGINT, parses the flags (and RFS_* variables)
// with `usage`, builds the server configuration with `defaults`, calls `start` (which reads the
// service's own flags and starts it), then serves until SIGTERM or SIGINT and stops gracefully.
// Returns the exit code: 0 after a stop, 2 for a configuration error (a bad flag, or `start`
// failing with INVALID_ARGUMENT; the message goes to stderr), 1 when the service cannot start.
using StartService =
    std::function<absl::StatusOr<std::unique_ptr<HostedService>>(const ServerConfig& config)>;
int ServiceMain(int argc, char** argv, const ServiceDefaults& defaults, const char* usage,
                const StartService& start);

}  // namespace rfs
