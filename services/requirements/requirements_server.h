// Wires rfs-requirements together: Redis pool, reference data, token verifier, service token
// and registry client, ruleset, store, Checker, the gRPC adapter, metrics and the server.
// main.cc and the integration tests both start the service through this.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/async_redis.h"
#include "common/auth.h"
#include "common/plan_validation.h"
#include "common/executor.h"
#include "common/config.h"
#include "common/metrics.h"
#include "common/outbox_gauge.h"
#include "common/redis.h"
#include "common/reference_data.h"
#include "common/registry_client.h"
#include "common/server.h"
#include "common/service_token.h"
#include "services/requirements/checker.h"
#include "services/requirements/requirements_service.h"
#include "services/requirements/requirements_store.h"

namespace rfs::requirements {

struct RequirementsServerOptions {
  // The ruleset file (data/ruleset.json by default).
  std::string ruleset_file;
  // Where rfs-registry listens: host:port or unix:///path.
  std::string registry_address = "localhost:50051";
  // Deadline of each call to the registry.
  absl::Duration registry_timeout = absl::Seconds(5);
  absl::Duration stats_interval = absl::Seconds(5);
  // Threads computing reports that are not cached.
  int check_threads = 4;
  // Checks waiting for those threads; more are refused with RESOURCE_EXHAUSTED.
  int max_queued_checks = 256;
};

// Checks the service's own flags.
absl::StatusOr<RequirementsServerOptions> OptionsFromFlags(const ServerConfig& config,
                                                           std::string ruleset_file,
                                                           std::string registry_address,
                                                           int registry_timeout_ms);

class RequirementsServer {
 public:
  static absl::StatusOr<std::unique_ptr<RequirementsServer>> Start(
      const ServerConfig& config, RequirementsServerOptions options);
  ~RequirementsServer();

  int port() const { return runner_->port(); }
  int metrics_port() const { return metrics_->exposer_port(); }
  ServerRunner& runner() { return *runner_; }
  const Checker& checker() const { return *checker_; }

 private:
  RequirementsServer() = default;

  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<AsyncRedis> async_;
  std::unique_ptr<Executor> executor_;
  std::unique_ptr<ReferenceData> reference_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::unique_ptr<ServiceToken> service_token_;
  std::unique_ptr<RegistryClient> registry_;
  std::unique_ptr<RequirementsStore> store_;
  std::unique_ptr<Checker> checker_;
  std::unique_ptr<RequirementCheckService> service_;
  std::shared_ptr<OutboxGauge> outbox_;
  std::unique_ptr<ServerRunner> runner_;
};

}  // namespace rfs::requirements
