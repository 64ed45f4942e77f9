// Wires rfs-registry together: Redis pool, reference data, token verifier, store, Registry,
// the gRPC adapter, metrics and the server. main.cc and the integration tests both start the
// service through this, so tests run exactly what ships.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/redis.h"
#include "common/reference_data.h"
#include "common/server.h"
#include "common/service_token.h"
#include "services/registry/plan_stats.h"
#include "services/registry/registry.h"
#include "services/registry/registry_service.h"
#include "services/registry/registry_store.h"

namespace rfs::registry {

struct RegistryServerOptions {
  size_t version_cache_bytes = 256 << 20;
  absl::Duration stats_interval = absl::Seconds(5);
  RegistryOptions registry;
  // Per principal, counted in Redis.
  WriteQuota write_quota;
  // Where rfs-requirements listens (host:port or unix:///path). Empty: no requirement check
  // on the way to PRE_CONSULTATION and SUBMITTED (the service logs a warning at start).
  std::string requirements_address;
  // Deadline of one requirement check.
  absl::Duration requirements_timeout = absl::Seconds(10);
};

// The registry's own flags, checked: a cache of 0..65536 MiB, a stats interval of at least
// 100 ms, a request id memory of 1 hour to 10 years, write quotas of 0 (none) or more.
absl::StatusOr<RegistryServerOptions> OptionsFromFlags(int version_cache_mb,
                                                       int stats_interval_ms,
                                                       int request_id_ttl_hours,
                                                       std::string requirements_address,
                                                       int requirements_timeout_ms,
                                                       int write_quota_per_minute,
                                                       int write_quota_mib_per_hour);

class RegistryServer {
 public:
  static absl::StatusOr<std::unique_ptr<RegistryServer>> Start(const ServerConfig& config,
                                                               RegistryServerOptions options);
  ~RegistryServer();

  int port() const { return runner_->port(); }
  int metrics_port() const { return metrics_->exposer_port(); }
  ServerRunner& runner() { return *runner_; }
  PlanStats& stats() { return *stats_; }

 private:
  RegistryServer() = default;

  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<AsyncRedis> async_;
  std::unique_ptr<ReferenceData> reference_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::unique_ptr<ServiceToken> service_token_;
  std::unique_ptr<SubmissionGate> gate_;
  std::unique_ptr<RegistryStore> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<PlanRegistryService> service_;
  std::shared_ptr<PlanStats> stats_;
  std::unique_ptr<ServerRunner> runner_;
};

}  // namespace rfs::registry
