// Wires rfs-requirements together on the service host (common/kit/service_host.h): ruleset,
// registry client, store, check executor, Checker and the gRPC adapter.
// main.cc and the integration tests both start the service through this.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kit/config.h"
#include "common/kit/peer.h"
#include "common/kit/server.h"
#include "common/kit/service_host.h"
#include "services/requirements/checker.h"

namespace rfs::requirements {

struct RequirementsServerOptions {
  // The ruleset file (data/ruleset.json by default).
  std::string ruleset_file;
  // rfs-registry: where it listens and the deadline of each call.
  PeerAddress registry{"localhost:50051", absl::Seconds(5)};
  absl::Duration stats_interval = absl::Seconds(5);
  // Threads computing reports that are not cached.
  int check_threads = 4;
  // Checks waiting for those threads; more are refused with RESOURCE_EXHAUSTED.
  int max_queued_checks = 256;
  // BASIC views of plans kept in process (plan_view_cache.h), when --notification_address
  // is set (the cache follows its plan events); 0: no cache.
  int plan_cache_entries = 10000;
};

// Checks the service's own flags.
absl::StatusOr<RequirementsServerOptions> OptionsFromFlags(const ServerConfig& config,
                                                           std::string ruleset_file,
                                                           std::string registry_address,
                                                           int registry_timeout_ms);

// rfs-requirements on the service host: the ruleset, the registry client, the store, the check
// executor, the Checker and its gRPC adapter are its own; the rest is the host's.
class RequirementsServer : public HostedService {
 public:
  static absl::StatusOr<std::unique_ptr<RequirementsServer>> Start(
      const ServerConfig& config, RequirementsServerOptions options);

  int port() const { return host_->port(); }
  int metrics_port() const { return host_->metrics_port(); }
  ServiceHost& host() override { return *host_; }
  ServerRunner& runner() { return host_->runner(); }
  const Checker& checker() const { return *checker_; }
  // The BASIC views kept in process; null without --notification_address.
  PlanViewCache* plan_cache() { return plan_cache_; }

 private:
  RequirementsServer() = default;

  std::unique_ptr<ServiceHost> host_;
  PlanViewCache* plan_cache_ = nullptr;  // owned by the host
  Checker* checker_ = nullptr;  // owned by the host
};

}  // namespace rfs::requirements
