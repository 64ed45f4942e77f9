// rfs-requirements: the requirement check (rfs.requirements.v1.RequirementCheck). Its own
// flags; the rest is the service host's (common/kit/service_host.h).
#include "absl/flags/flag.h"
#include "common/base/status.h"
#include "common/kit/service_host.h"
#include "services/requirements/requirements_server.h"

ABSL_FLAG(std::string, ruleset_file, "", "Requirement ruleset JSON (default: <data_dir>/ruleset.json)");
ABSL_FLAG(std::string, registry_address, "localhost:50051", "rfs-registry address: host:port or unix:///path");
ABSL_FLAG(int, registry_timeout_ms, 5000, "Deadline of each call to rfs-registry");

int main(int argc, char** argv) {
  return rfs::ServiceMain(
      argc, argv, {"rfs-requirements", 50052, 9102},
      "rfs-requirements: requirement checks of Regional Future Strategy plans.\n"
      "Flags also read RFS_<FLAG> from the environment.",
      [](const rfs::ServerConfig& config) -> absl::StatusOr<std::unique_ptr<rfs::HostedService>> {
        ASSIGN_OR_RETURN(auto options, rfs::requirements::OptionsFromFlags(
                                           config, absl::GetFlag(FLAGS_ruleset_file),
                                           absl::GetFlag(FLAGS_registry_address),
                                           absl::GetFlag(FLAGS_registry_timeout_ms)));
        return rfs::requirements::RequirementsServer::Start(config, std::move(options));
      });
}
