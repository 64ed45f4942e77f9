#include "services/registry/registry_server.h"

#include "common/logging.h"
#include "common/status.h"

namespace rfs::registry {

absl::StatusOr<RegistryServerOptions> OptionsFromFlags(int version_cache_mb,
                                                       int stats_interval_ms,
                                                       int request_id_ttl_hours,
                                                       std::string requirements_address,
                                                       int requirements_timeout_ms,
                                                       int write_quota_per_minute,
                                                       int write_quota_mib_per_hour) {
  if (write_quota_per_minute < 0 || write_quota_mib_per_hour < 0) {
    return absl::InvalidArgumentError(
        "--write_quota_per_minute and --write_quota_mib_per_hour must be 0 (no limit) or more");
  }
  if (version_cache_mb < 0 || version_cache_mb > 65536) {
    return absl::InvalidArgumentError("--version_cache_mb must be 0..65536 (0 turns it off)");
  }
  if (stats_interval_ms < 100) {
    return absl::InvalidArgumentError("--stats_interval_ms must be at least 100");
  }
  if (request_id_ttl_hours < 1 || request_id_ttl_hours > 24 * 365 * 10) {
    return absl::InvalidArgumentError("--request_id_ttl_hours must be 1..87600");
  }
  if (requirements_timeout_ms < 10 || requirements_timeout_ms > 600'000) {
    return absl::InvalidArgumentError("--requirements_timeout_ms must be 10..600000");
  }
  RegistryServerOptions options;
  options.requirements_address = std::move(requirements_address);
  options.requirements_timeout = absl::Milliseconds(requirements_timeout_ms);
  options.version_cache_bytes = static_cast<size_t>(version_cache_mb) << 20;
  options.stats_interval = absl::Milliseconds(stats_interval_ms);
  options.registry.request_id_ttl_seconds = int64_t{request_id_ttl_hours} * 3600;
  options.write_quota.writes_per_minute = write_quota_per_minute;
  options.write_quota.bytes_per_hour = int64_t{write_quota_mib_per_hour} << 20;
  return options;
}

absl::StatusOr<std::unique_ptr<RegistryServer>> RegistryServer::Start(
    const ServerConfig& config, RegistryServerOptions options) {
  std::unique_ptr<RegistryServer> s(new RegistryServer());
  // A list page stays well under the largest message the server sends.
  options.registry.max_page_bytes = static_cast<size_t>(config.max_message_bytes) / 4 * 3;
  options.registry.limits = PlanLimitsOf(config);
  ASSIGN_OR_RETURN(s->reference_, ReferenceData::Load(config.data_dir));
  ASSIGN_OR_RETURN(VerificationKey key, LoadAuthKey(config));
  s->verifier_ = std::make_unique<TokenVerifier>(std::move(key), s->reference_.get());
  s->pool_ = std::make_unique<RedisPool>(config.redis);
  s->async_ = std::make_unique<AsyncRedis>(config.redis);
  WarnUnlessDurable(s->pool_.get());
  if (options.write_quota.bytes_per_hour != 0 &&
      options.write_quota.bytes_per_hour < 2 * static_cast<int64_t>(config.max_plan_bytes)) {
    return absl::InvalidArgumentError(
        "--write_quota_mib_per_hour must allow at least two plans of --max_plan_kib");
  }
  s->store_ = std::make_unique<RegistryStore>(s->pool_.get(), s->async_.get(),
                                              options.version_cache_bytes, options.write_quota);
  if (!options.requirements_address.empty()) {
    ASSIGN_OR_RETURN(s->service_token_, ServiceToken::Create(config));
    s->gate_ = std::make_unique<RequirementsGate>(
        MakeChannel(PeerChannelOptions(config, options.requirements_address)),
        s->service_token_.get(), options.requirements_timeout);
  } else {
    RFS_LOG(kWarning, "no --requirements_address: plans enter PRE_CONSULTATION and SUBMITTED "
                      "without a requirement check");
  }
  s->registry_ = std::make_unique<Registry>(s->store_.get(), s->reference_.get(), s->gate_.get(),
                                            options.registry);
  s->service_ = std::make_unique<PlanRegistryService>(s->registry_.get(), s->verifier_.get());

  s->metrics_ = std::make_unique<Metrics>();
  s->stats_ = std::make_shared<PlanStats>(s->store_.get(), options.stats_interval);
  if (!config.metrics_listen.empty()) {
    RETURN_IF_ERROR(s->metrics_->StartExposer(config.metrics_listen));
  }
  s->metrics_->RegisterCollectable(s->stats_);
  RedisPool* pool_ptr = s->pool_.get();
  AsyncRedis* async_ptr = s->async_.get();
  s->metrics_->CountRedisRoundTrips("registry", [pool_ptr, async_ptr] {
    return pool_ptr->round_trips() + async_ptr->round_trips();
  });

  // Ready when both Redis clients can serve: the blocking pool (writes, lists) and the async
  // client (GetPlan). A good ping wakes the async client out of its backoff.
  RedisPool* pool = s->pool_.get();
  AsyncRedis* async = s->async_.get();
  RegistryStore* store = s->store_.get();
  s->runner_ = std::make_unique<ServerRunner>(config, s->metrics_.get(), [pool, async, store] {
    if (absl::Status ping = pool->Ping(); !ping.ok()) return ping;
    if (absl::Status same = store->CheckRedisIdentity(); !same.ok()) return same;
    if (async->connected()) return absl::OkStatus();
    async->ReconnectNow();
    return absl::UnavailableError("the async redis client is reconnecting");
  });
  s->runner_->AddService(s->service_.get(), v1::PlanRegistry::service_full_name());
  RETURN_IF_ERROR(s->runner_->Start());
  return s;
}

RegistryServer::~RegistryServer() {
  if (runner_ != nullptr) runner_->Shutdown();
  // The exposer reads the pool and the stats: stop it before they go.
  metrics_.reset();
}

}  // namespace rfs::registry
