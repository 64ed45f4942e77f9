#include "common/kit/config.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/base/logging.h"
#include "common/base/status.h"

ABSL_FLAG(std::string, listen, "", "gRPC listen address host:port or unix:///path (default: 0.0.0.0:<service port>)");
ABSL_FLAG(std::string, metrics_listen, "", "Prometheus /metrics address host:port (default: 0.0.0.0:<metrics port>); 'off' disables");
ABSL_FLAG(std::string, redis, "redis://127.0.0.1:6379/0", "Redis: redis://[:password@]host:port/db or unix:///path/redis.sock[?db=N]");
ABSL_FLAG(int, redis_pool_size, 16, "Maximum Redis connections of the pool");
ABSL_FLAG(int, redis_connect_timeout_ms, 1000, "Redis connect timeout");
ABSL_FLAG(int, redis_command_timeout_ms, 2000, "Redis command timeout");
ABSL_FLAG(std::string, auth_key_file, "", "JWT verification key: an HS256 secret, or an RS256 public key in PEM (required)");
ABSL_FLAG(std::string, auth_extra_key_file, "",
          "A second JWT verification key accepted as well, never used to mint: the next key "
          "before a rotation, the previous one after it (docs/operations.md, Rotating the token key)");
ABSL_FLAG(std::string, auth_issuer, "", "Expected 'iss' claim of tokens (required with an RS256 key: the identity provider's issuer)");
ABSL_FLAG(std::string, auth_audience, "", "Expected 'aud' claim of tokens (required with an RS256 key: the audience the identity provider issues rfs tokens for)");
ABSL_FLAG(std::string, data_dir, RFS_DEFAULT_DATA_DIR, "Directory with reference data (prefectures.csv, blocks.csv, strategic_fields.csv)");
ABSL_FLAG(std::string, log_level, "info", "debug (one line per request), info, warning or error");
ABSL_FLAG(int, max_threads, 64, "Cap on the gRPC server's threads");
ABSL_FLAG(int, max_message_bytes, 8 << 20, "Largest gRPC message received or sent");
ABSL_FLAG(int, max_plan_kib, 2048, "Largest plan stored or checked, in KiB of its serialized form (below --max_message_bytes)");
ABSL_FLAG(int, write_quota_per_minute, 300, "Writes one principal (token subject) may make per minute to this service, all replicas together; 0: no limit");
ABSL_FLAG(int, write_quota_mib_per_hour, 64, "MiB one principal may write to this service per hour, all replicas together; 0: no limit");
ABSL_FLAG(int, shutdown_grace_seconds, 10, "How long in-flight calls may finish after SIGTERM");
ABSL_FLAG(int, health_interval_ms, 1000, "How often Redis reachability is checked for health");
ABSL_FLAG(int, shutdown_delay_seconds, 0, "After SIGTERM, how long to answer NOT_SERVING before draining (load balancers catch up)");
ABSL_FLAG(int, max_connection_age_seconds, 1800, "Close client connections after this age so load spreads over new replicas (0: never)");
ABSL_FLAG(std::string, health_listen, "", "Also serve grpc.health.v1 alone, in plaintext, here (host:port), for probes when --tls_cert_file is set");
ABSL_FLAG(std::string, redis_password_file, "", "File holding the Redis password (instead of putting it in --redis)");
ABSL_FLAG(std::string, tls_cert_file, "", "Server certificate (PEM); empty serves plaintext");
ABSL_FLAG(std::string, tls_key_file, "", "Server private key (PEM)");
ABSL_FLAG(std::string, service_token_file, "", "Bearer token for calls to other rfs services (role service); empty: minted from the HS256 --auth_key_file");
ABSL_FLAG(std::string, notification_address, "", "rfs-notification (host:port or unix:///path): the outbox relay publishes this service's events there, and rfs-requirements and rfs-kpi follow its plan events; empty: events wait in the outbox, and plans are read from the registry and synced periodically");
ABSL_FLAG(int, notification_timeout_ms, 5000, "Deadline of each call to rfs-notification");
ABSL_FLAG(std::string, peer_ca_file, "", "CA (PEM) of the other rfs services' TLS certificates; set: calls to them use TLS (with --tls_cert_file as client certificate)");
ABSL_FLAG(std::string, tls_client_ca_file, "", "CA (PEM) that client certificates must chain to (mTLS); empty: no client certificates");

namespace rfs {
namespace {

bool Readable(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

absl::Status ValidateHostPort(const std::string& addr, absl::string_view flag) {
  if (absl::StartsWith(addr, "unix:")) return absl::OkStatus();
  const size_t colon = addr.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(addr.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, "='", addr, "' is not host:port (e.g. 0.0.0.0:50051 or [::]:50051)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<char*> ParseFlagsWithEnv(int argc, char** argv, const char* usage) {
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles (a debug aid that
  // costs a graph update per lock, gRPC's own locks included). Tests keep it; binaries don't.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  RouteLibraryLogs();
  absl::SetProgramUsageMessage(usage);
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    const std::string env = absl::StrCat("RFS_", absl::AsciiStrToUpper(name));
    const char* value = std::getenv(env.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "%s: environment variable %s: %s\n", argv[0], env.c_str(),
                   error.c_str());
      std::exit(2);
    }
  }
  return absl::ParseCommandLine(argc, argv);
}

absl::StatusOr<ServerConfig> ServerConfigFromFlags(const ServiceDefaults& defaults) {
  ServerConfig config;
  config.service_name = defaults.name;

  config.listen = absl::GetFlag(FLAGS_listen);
  if (config.listen.empty()) config.listen = absl::StrCat("0.0.0.0:", defaults.grpc_port);
  RETURN_IF_ERROR(ValidateHostPort(config.listen, "listen"));

  config.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  if (config.metrics_listen.empty()) {
    config.metrics_listen = absl::StrCat("0.0.0.0:", defaults.metrics_port);
  }
  if (config.metrics_listen == "off") {
    config.metrics_listen.clear();
  } else {
    RETURN_IF_ERROR(ValidateHostPort(config.metrics_listen, "metrics_listen"));
  }

  auto endpoint = ParseRedisUrl(absl::GetFlag(FLAGS_redis));
  if (!endpoint.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--redis: ", endpoint.status().message()));
  }
  config.redis.endpoint = *endpoint;
  const std::string password_file = absl::GetFlag(FLAGS_redis_password_file);
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    std::string password;
    if (!in || !std::getline(in, password)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--redis_password_file: cannot read ", password_file));
    }
    config.redis.endpoint.password = std::string(absl::StripAsciiWhitespace(password));
  }
  config.redis.pool_size = absl::GetFlag(FLAGS_redis_pool_size);
  if (config.redis.pool_size < 1 || config.redis.pool_size > 1024) {
    return absl::InvalidArgumentError("--redis_pool_size must be 1..1024");
  }
  const int connect_ms = absl::GetFlag(FLAGS_redis_connect_timeout_ms);
  const int command_ms = absl::GetFlag(FLAGS_redis_command_timeout_ms);
  if (connect_ms < 1 || command_ms < 1) {
    return absl::InvalidArgumentError("Redis timeouts must be at least 1 ms");
  }
  config.redis.connect_timeout = absl::Milliseconds(connect_ms);
  config.redis.command_timeout = absl::Milliseconds(command_ms);

  config.auth_key_file = absl::GetFlag(FLAGS_auth_key_file);
  if (config.auth_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--auth_key_file (RFS_AUTH_KEY_FILE) is required: every RPC is authenticated. For a "
        "local run, `make run` creates one under the data directory.");
  }
  if (!Readable(config.auth_key_file)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_key_file: cannot read ", config.auth_key_file));
  }

  config.auth_extra_key_file = absl::GetFlag(FLAGS_auth_extra_key_file);
  config.auth_issuer = absl::GetFlag(FLAGS_auth_issuer);
  config.auth_audience = absl::GetFlag(FLAGS_auth_audience);
  if (absl::Status key = LoadExtraAuthKey(config).status(); !key.ok()) {
    return absl::InvalidArgumentError(key.message());
  }
  if (absl::Status key = LoadAuthKey(config).status(); !key.ok()) {
    return absl::InvalidArgumentError(key.message());
  }

  config.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (!Readable(config.data_dir + "/prefectures.csv")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--data_dir: ", config.data_dir, " has no readable prefectures.csv"));
  }

  LogLevel level;
  if (!ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return absl::InvalidArgumentError("--log_level must be debug, info, warning or error");
  }
  SetLogLevel(level);
  SetLogService(defaults.name);

  config.max_threads = absl::GetFlag(FLAGS_max_threads);
  if (config.max_threads < 4 || config.max_threads > 4096) {
    return absl::InvalidArgumentError("--max_threads must be 4..4096");
  }
  config.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  if (config.max_message_bytes < (64 << 10) || config.max_message_bytes > (256 << 20)) {
    return absl::InvalidArgumentError("--max_message_bytes must be 64 KiB..256 MiB");
  }
  const int plan_kib = absl::GetFlag(FLAGS_max_plan_kib);
  if (plan_kib < 16 || int64_t{plan_kib} * 1024 > config.max_message_bytes / 2) {
    return absl::InvalidArgumentError(
        "--max_plan_kib must be 16 or more and at most half of --max_message_bytes");
  }
  config.max_plan_bytes = static_cast<size_t>(plan_kib) << 10;
  const int per_minute = absl::GetFlag(FLAGS_write_quota_per_minute);
  const int mib_per_hour = absl::GetFlag(FLAGS_write_quota_mib_per_hour);
  if (per_minute < 0 || mib_per_hour < 0) {
    return absl::InvalidArgumentError(
        "--write_quota_per_minute and --write_quota_mib_per_hour must be 0 (no limit) or more");
  }
  config.write_quota.writes_per_minute = per_minute;
  config.write_quota.bytes_per_hour = int64_t{mib_per_hour} << 20;
  const int grace = absl::GetFlag(FLAGS_shutdown_grace_seconds);
  if (grace < 0 || grace > 600) {
    return absl::InvalidArgumentError("--shutdown_grace_seconds must be 0..600");
  }
  config.shutdown_grace = absl::Seconds(grace);
  const int delay = absl::GetFlag(FLAGS_shutdown_delay_seconds);
  if (delay < 0 || delay > 300) {
    return absl::InvalidArgumentError("--shutdown_delay_seconds must be 0..300");
  }
  config.shutdown_delay = absl::Seconds(delay);
  const int age = absl::GetFlag(FLAGS_max_connection_age_seconds);
  if (age < 0) return absl::InvalidArgumentError("--max_connection_age_seconds must be >= 0");
  config.max_connection_age = age == 0 ? absl::InfiniteDuration() : absl::Seconds(age);
  config.health_listen = absl::GetFlag(FLAGS_health_listen);
  if (!config.health_listen.empty()) {
    RETURN_IF_ERROR(ValidateHostPort(config.health_listen, "health_listen"));
  }
  const int health_ms = absl::GetFlag(FLAGS_health_interval_ms);
  if (health_ms < 10) return absl::InvalidArgumentError("--health_interval_ms must be >= 10");
  config.health_interval = absl::Milliseconds(health_ms);

  config.tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file and --tls_key_file go together");
  }
  if (!config.tls.client_ca_file.empty() && config.tls.cert_file.empty()) {
    return absl::InvalidArgumentError("--tls_client_ca_file needs --tls_cert_file and --tls_key_file");
  }
  for (const std::string* f :
       {&config.tls.cert_file, &config.tls.key_file, &config.tls.client_ca_file}) {
    if (!f->empty() && !Readable(*f)) {
      return absl::InvalidArgumentError(absl::StrCat("cannot read TLS file ", *f));
    }
  }
  config.service_token_file = absl::GetFlag(FLAGS_service_token_file);
  config.notification_address = absl::GetFlag(FLAGS_notification_address);
  const int notification_ms = absl::GetFlag(FLAGS_notification_timeout_ms);
  if (notification_ms < 10 || notification_ms > 600'000) {
    return absl::InvalidArgumentError("--notification_timeout_ms must be 10..600000");
  }
  config.notification_timeout = absl::Milliseconds(notification_ms);
  if (!config.service_token_file.empty() && !Readable(config.service_token_file)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--service_token_file: cannot read ", config.service_token_file));
  }
  config.peer_ca_file = absl::GetFlag(FLAGS_peer_ca_file);
  if (!config.peer_ca_file.empty() && !Readable(config.peer_ca_file)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--peer_ca_file: cannot read ", config.peer_ca_file));
  }
  return config;
}

namespace {

// The key of `path` (flag `flag`) with the configured issuer and audience.
absl::StatusOr<VerificationKey> LoadKeyOfFlag(const ServerConfig& config, const std::string& path,
                                              absl::string_view flag) {
  absl::StatusOr<VerificationKey> key = LoadVerificationKey(path);
  if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat(flag, ": ", key.status().message()));
  if (key->algorithm == VerificationKey::Algorithm::kRs256 &&
      (config.auth_issuer.empty() || config.auth_audience.empty())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--auth_issuer and --auth_audience are required with an RS256 ", flag,
        ": an identity provider signs tokens for other systems too, and only tokens issued for "
        "rfs may pass"));
  }
  key->issuer = config.auth_issuer;
  key->audience = config.auth_audience;
  return key;
}

}  // namespace

absl::StatusOr<VerificationKey> LoadAuthKey(const ServerConfig& config) {
  return LoadKeyOfFlag(config, config.auth_key_file, "--auth_key_file");
}

absl::StatusOr<std::optional<VerificationKey>> LoadExtraAuthKey(const ServerConfig& config) {
  if (config.auth_extra_key_file.empty()) return std::optional<VerificationKey>();
  if (!Readable(config.auth_extra_key_file)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--auth_extra_key_file: cannot read ", config.auth_extra_key_file));
  }
  ASSIGN_OR_RETURN(VerificationKey key,
                   LoadKeyOfFlag(config, config.auth_extra_key_file, "--auth_extra_key_file"));
  return std::optional<VerificationKey>(std::move(key));
}

}  // namespace rfs
