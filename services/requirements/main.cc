// rfs-requirements: the requirement check (rfs.requirements.v1.RequirementCheck). Wiring only.
#include <cstdio>

#include "absl/flags/flag.h"
#include "common/config.h"
#include "common/logging.h"
#include "common/server.h"
#include "services/requirements/requirements_server.h"

ABSL_FLAG(std::string, ruleset_file, "", "Requirement ruleset JSON (default: <data_dir>/ruleset.json)");
ABSL_FLAG(std::string, registry_address, "localhost:50051", "rfs-registry address: host:port or unix:///path");
ABSL_FLAG(int, registry_timeout_ms, 5000, "Deadline of each call to rfs-registry");

int main(int argc, char** argv) {
  rfs::ServerRunner::BlockTerminationSignals();
  rfs::ParseFlagsWithEnv(argc, argv,
                         "rfs-requirements: requirement checks of Regional Future Strategy plans.\n"
                         "Flags also read RFS_<FLAG> from the environment.");
  auto config = rfs::ServerConfigFromFlags({"rfs-requirements", 50052, 9102});
  if (!config.ok()) {
    std::fprintf(stderr, "rfs-requirements: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  auto options = rfs::requirements::OptionsFromFlags(
      *config, absl::GetFlag(FLAGS_ruleset_file), absl::GetFlag(FLAGS_registry_address),
      absl::GetFlag(FLAGS_registry_timeout_ms));
  if (!options.ok()) {
    std::fprintf(stderr, "rfs-requirements: %s\n", std::string(options.status().message()).c_str());
    return 2;
  }
  auto server = rfs::requirements::RequirementsServer::Start(*config, *options);
  if (!server.ok()) {
    RFS_LOG(kError, "cannot start").Field("error", server.status().message());
    // A bad ruleset or token setup is a configuration error, like a bad flag.
    return server.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  (*server)->runner().WaitForSignalAndShutdown();
  return 0;
}
