// Wires rfs-registry together on the service host (common/kit/service_host.h): store, submission
// gate, Registry, the gRPC adapter and the plan gauges. main.cc and the integration tests both start the
// service through this, so tests run exactly what ships.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/kit/config.h"
#include "common/kit/peer.h"
#include "common/kit/server.h"
#include "common/kit/service_host.h"
#include "services/registry/registry.h"
#include "services/registry/registry_store.h"

namespace rfs::registry {

struct RegistryServerOptions {
  size_t version_cache_bytes = 256 << 20;
  absl::Duration stats_interval = absl::Seconds(5);
  RegistryOptions registry;
  // rfs-requirements: where it listens and the deadline of one requirement check. No
  // address: no requirement check on the way to PRE_CONSULTATION and SUBMITTED (the service
  // logs a warning at start).
  PeerAddress requirements{"", absl::Seconds(10)};
};

// The registry's own flags, as main.cc reads them.
struct RegistryFlags {
  int version_cache_mb = 256;
  int stats_interval_ms = 5000;
  int request_id_ttl_hours = 168;
  std::string requirements_address = "localhost:50052";  // empty: no submission gate
  int requirements_timeout_ms = 10000;
};

// The registry's own flags, checked: a cache of 0..65536 MiB, a stats interval of at least
// 100 ms, a request id memory of 1 hour to 10 years, the requirement service's deadline.
absl::StatusOr<RegistryServerOptions> OptionsFromFlags(const RegistryFlags& flags);

// rfs-registry on the service host: the store, the submission gate, the registry and its gRPC
// adapter, and the rfs_plans gauges are its own; the rest is the host's.
class RegistryServer : public HostedService {
 public:
  static absl::StatusOr<std::unique_ptr<RegistryServer>> Start(const ServerConfig& config,
                                                               RegistryServerOptions options);

  int port() const { return host_->port(); }
  int metrics_port() const { return host_->metrics_port(); }
  ServiceHost& host() override { return *host_; }
  ServerRunner& runner() { return host_->runner(); }
  // Reads the Redis-backed gauges now instead of at the next refresh.
  absl::Status RefreshStats() { return host_->RunJobsNow(); }

 private:
  RegistryServer() = default;

  std::unique_ptr<ServiceHost> host_;
};

}  // namespace rfs::registry
