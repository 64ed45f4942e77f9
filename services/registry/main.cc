// rfs-registry: the plan registry (rfs.registry.v1.PlanRegistry). Its own flags; the rest is
// the service host's (common/kit/service_host.h).
#include "absl/flags/flag.h"
#include "common/base/status.h"
#include "common/kit/service_host.h"
#include "services/registry/registry_server.h"

ABSL_FLAG(int, version_cache_mb, 256, "In-process cache of immutable plan versions (MiB)");
ABSL_FLAG(int, stats_interval_ms, 5000, "How often rfs_plans is refreshed from Redis");
ABSL_FLAG(int, request_id_ttl_hours, 168, "How long CreatePlan request ids are remembered");
ABSL_FLAG(std::string, requirements_address, "localhost:50052", "rfs-requirements address (host:port or unix:///path) for the submission gate; empty turns the gate off");
ABSL_FLAG(int, requirements_timeout_ms, 10000, "Deadline of one requirement check");

int main(int argc, char** argv) {
  return rfs::ServiceMain(
      argc, argv, {"rfs-registry", 50051, 9101},
      "rfs-registry: the Regional Future Strategy plan registry.\n"
      "Flags also read RFS_<FLAG> from the environment.",
      [](const rfs::ServerConfig& config) -> absl::StatusOr<std::unique_ptr<rfs::HostedService>> {
        rfs::registry::RegistryFlags flags;
        flags.version_cache_mb = absl::GetFlag(FLAGS_version_cache_mb);
        flags.stats_interval_ms = absl::GetFlag(FLAGS_stats_interval_ms);
        flags.request_id_ttl_hours = absl::GetFlag(FLAGS_request_id_ttl_hours);
        flags.requirements_address = absl::GetFlag(FLAGS_requirements_address);
        flags.requirements_timeout_ms = absl::GetFlag(FLAGS_requirements_timeout_ms);
        ASSIGN_OR_RETURN(auto options, rfs::registry::OptionsFromFlags(flags));
        return rfs::registry::RegistryServer::Start(config, std::move(options));
      });
}
