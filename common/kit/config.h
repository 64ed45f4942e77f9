// Process configuration shared by every rfs binary: Abseil flags, each with an environment
// fallback RFS_<FLAG_NAME_IN_CAPITALS> (a flag on the command line wins over the environment),
// validated once at start with a message that says what to fix.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kit/auth.h"
#include "common/kit/client.h"
#include "common/redis/redis.h"
#include "common/redis/write_quota.h"

namespace rfs {

// Defaults that differ per service.
struct ServiceDefaults {
  std::string name;         // "rfs-registry": log and metric label.
  int grpc_port;            // 50051
  int metrics_port;         // 9101
};

struct TlsConfig {
  std::string cert_file;       // empty: plaintext
  std::string key_file;
  std::string client_ca_file;  // set: clients must present a certificate (mTLS)
};

struct ServerConfig {
  std::string service_name;
  std::string listen;          // "0.0.0.0:50051" or "unix:///path"
  std::string metrics_listen;  // "0.0.0.0:9101"; "" disables the exposer
  RedisOptions redis;
  std::string auth_key_file;
  // A second verification key, accepted too and never used to mint (--auth_extra_key_file):
  // empty outside a key rotation.
  std::string auth_extra_key_file;
  // Expected `iss` and `aud` claims of tokens; required with an RS256 key.
  std::string auth_issuer;
  std::string auth_audience;
  std::string data_dir;
  int max_threads = 64;
  int max_message_bytes = 8 << 20;
  // Largest plan the registry stores (serialized), also applied to inline checks.
  size_t max_plan_bytes = 2 << 20;
  // Every write of the service counts against its caller's quota (common/redis/write_quota.h).
  WriteQuota write_quota;
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Between NOT_SERVING and Shutdown: time for load balancers to stop sending.
  absl::Duration shutdown_delay = absl::ZeroDuration();
  // Connections are closed (gracefully) after this age so clients rebalance across replicas.
  absl::Duration max_connection_age = absl::Minutes(30);
  // A plaintext listener serving only grpc.health.v1 (for probes when the main port is TLS).
  std::string health_listen;
  absl::Duration health_interval = absl::Seconds(1);
  TlsConfig tls;
  // Token for calls to other rfs services; empty: minted from the HS256 auth key.
  std::string service_token_file;
  // Set: calls to other rfs services use TLS, trusting this CA.
  std::string peer_ca_file;
  // rfs-notification, where the outbox relay publishes this service's events (host:port or
  // unix:///path); empty: no relay, events wait in the outbox (common/kit/outbox_relay.h).
  std::string notification_address;
  absl::Duration notification_timeout = absl::Seconds(5);
};

// Applies RFS_* environment variables to flags and parses the command line (argv wins).
// Returns the positional arguments. Exits with a message on a malformed flag or variable.
// Call first in main: it also sets process-wide defaults (see config.cc).
std::vector<char*> ParseFlagsWithEnv(int argc, char** argv, const char* usage);

// Builds and validates the server configuration from the flags of common/kit/config.cc.
absl::StatusOr<ServerConfig> ServerConfigFromFlags(const ServiceDefaults& defaults);

// The token verification key of --auth_key_file with the expected issuer and audience
// (--auth_issuer, --auth_audience; both required with an RS256 key).
absl::StatusOr<VerificationKey> LoadAuthKey(const ServerConfig& config);
// The key of --auth_extra_key_file, with the same issuer and audience; nullopt without one.
absl::StatusOr<std::optional<VerificationKey>> LoadExtraAuthKey(const ServerConfig& config);

}  // namespace rfs
