#include "services/registry/registry_server.h"

#include "common/base/logging.h"
#include "common/base/status.h"
#include "services/registry/plan_stats.h"
#include "services/registry/registry_service.h"

namespace rfs::registry {

absl::StatusOr<RegistryServerOptions> OptionsFromFlags(const RegistryFlags& flags) {
  const int version_cache_mb = flags.version_cache_mb;
  const int stats_interval_ms = flags.stats_interval_ms;
  const int request_id_ttl_hours = flags.request_id_ttl_hours;
  if (version_cache_mb < 0 || version_cache_mb > 65536) {
    return absl::InvalidArgumentError("--version_cache_mb must be 0..65536 (0 turns it off)");
  }
  if (stats_interval_ms < 100) {
    return absl::InvalidArgumentError("--stats_interval_ms must be at least 100");
  }
  if (request_id_ttl_hours < 1 || request_id_ttl_hours > 24 * 365 * 10) {
    return absl::InvalidArgumentError("--request_id_ttl_hours must be 1..87600");
  }
  RegistryServerOptions options;
  // Optional: without it the submission gate is off.
  ASSIGN_OR_RETURN(options.requirements,
                   PeerFromFlags("requirements", flags.requirements_address,
                                 flags.requirements_timeout_ms, /*required_because=*/""));
  options.version_cache_bytes = static_cast<size_t>(version_cache_mb) << 20;
  options.stats_interval = absl::Milliseconds(stats_interval_ms);
  options.registry.request_id_ttl_seconds = int64_t{request_id_ttl_hours} * 3600;
  return options;
}

absl::StatusOr<std::unique_ptr<RegistryServer>> RegistryServer::Start(
    const ServerConfig& config, RegistryServerOptions options) {
  if (config.write_quota.bytes_per_hour != 0 &&
      config.write_quota.bytes_per_hour < 2 * static_cast<int64_t>(config.max_plan_bytes)) {
    return absl::InvalidArgumentError(
        "--write_quota_mib_per_hour must allow at least two plans of --max_plan_kib");
  }
  std::unique_ptr<RegistryServer> s(new RegistryServer());
  ASSIGN_OR_RETURN(s->host_, ServiceHost::Create(config, "registry", options.stats_interval));
  ServiceHost& host = *s->host_;
  // A list page stays well under the largest message the server sends.
  options.registry.max_page_bytes = static_cast<size_t>(config.max_message_bytes) / 4 * 3;
  options.registry.limits = PlanLimitsOf(config.max_plan_bytes);

  RegistryStore* store = host.Own(std::make_unique<RegistryStore>(
      host.pool(), host.async(), options.version_cache_bytes, config.write_quota));
  host.AddStore(store);
  // A restarted or replaced Redis may reuse plan numbers: the version cache goes with it.
  host.AddReadinessCheck([store] { return store->CheckRedisIdentity(); });

  SubmissionGate* gate = nullptr;
  if (!options.requirements.address.empty()) {
    ASSIGN_OR_RETURN(const Peer peer, host.ConnectPeer(options.requirements));
    gate = host.Own(std::make_unique<RequirementsGate>(peer));
  } else {
    RFS_LOG(kWarning, "no --requirements_address: plans enter PRE_CONSULTATION and SUBMITTED "
                      "without a requirement check");
  }
  Registry* registry = host.Own(
      std::make_unique<Registry>(store, host.reference(), gate, options.registry));
  auto* service = host.Own(std::make_unique<PlanRegistryService>(registry, host.verifier()));
  host.AddService(service, v1::PlanRegistry::service_full_name());

  auto stats = std::make_shared<PlanStats>(store, options.stats_interval);
  host.AddCollectable(stats);
  host.AddJob("plan stats", options.stats_interval, [stats] { return stats->Refresh(); });

  RETURN_IF_ERROR(host.Start());
  return s;
}

}  // namespace rfs::registry
