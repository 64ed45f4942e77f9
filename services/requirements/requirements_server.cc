#include "services/requirements/requirements_server.h"

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/status.h"

namespace rfs::requirements {

absl::StatusOr<RequirementsServerOptions> OptionsFromFlags(const ServerConfig& config,
                                                           std::string ruleset_file,
                                                           std::string registry_address,
                                                           int registry_timeout_ms) {
  RequirementsServerOptions options;
  options.ruleset_file =
      ruleset_file.empty() ? absl::StrCat(config.data_dir, "/ruleset.json") : ruleset_file;
  if (registry_address.empty()) {
    return absl::InvalidArgumentError(
        "--registry_address is required: reports are made from plans read from rfs-registry");
  }
  options.registry_address = std::move(registry_address);
  if (registry_timeout_ms < 10 || registry_timeout_ms > 600'000) {
    return absl::InvalidArgumentError("--registry_timeout_ms must be 10..600000");
  }
  options.registry_timeout = absl::Milliseconds(registry_timeout_ms);
  return options;
}

absl::StatusOr<std::unique_ptr<RequirementsServer>> RequirementsServer::Start(
    const ServerConfig& config, RequirementsServerOptions options) {
  std::unique_ptr<RequirementsServer> s(new RequirementsServer());
  ASSIGN_OR_RETURN(Ruleset ruleset, LoadRuleset(options.ruleset_file));
  ASSIGN_OR_RETURN(s->reference_, ReferenceData::Load(config.data_dir));
  ASSIGN_OR_RETURN(VerificationKey key, LoadAuthKey(config));
  s->verifier_ = std::make_unique<TokenVerifier>(std::move(key), s->reference_.get());
  ASSIGN_OR_RETURN(s->service_token_, ServiceToken::Create(config));
  s->registry_ = std::make_unique<RegistryClient>(
      MakeChannel(PeerChannelOptions(config, options.registry_address)), s->service_token_.get(),
      options.registry_timeout);
  s->pool_ = std::make_unique<RedisPool>(config.redis);
  s->async_ = std::make_unique<AsyncRedis>(config.redis);
  WarnUnlessDurable(s->pool_.get());
  s->store_ = std::make_unique<RequirementsStore>(s->pool_.get(), s->async_.get());
  s->executor_ = std::make_unique<Executor>(options.check_threads,
                                                static_cast<size_t>(options.max_queued_checks));

  s->metrics_ = std::make_unique<Metrics>();
  RFS_LOG(kInfo, "ruleset loaded")
      .Field("version", ruleset.version)
      .Field("a4_min_total_investment_yen", ruleset.a4_min_total_investment_yen);
  s->checker_ = std::make_unique<Checker>(s->store_.get(), s->registry_.get(),
                                          s->executor_.get(), s->reference_.get(),
                                          PlanLimitsOf(config), std::move(ruleset),
                                          s->metrics_->registry());
  s->service_ = std::make_unique<RequirementCheckService>(s->checker_.get(), s->verifier_.get());
  RequirementsStore* store = s->store_.get();
  s->outbox_ = std::make_shared<OutboxGauge>(
      "requirements", [store] { return store->OutboxLength(); }, options.stats_interval);
  if (!config.metrics_listen.empty()) {
    RETURN_IF_ERROR(s->metrics_->StartExposer(config.metrics_listen));
  }
  s->metrics_->RegisterCollectable(s->outbox_);
  RedisPool* pool = s->pool_.get();
  AsyncRedis* async = s->async_.get();
  s->metrics_->CountRedisRoundTrips("requirements", [pool, async] {
    return pool->round_trips() + async->round_trips();
  });

  // Ready while both Redis clients can serve. The registry's reachability is not part of
  // readiness: when it is down, checks of registered plans fail with UNAVAILABLE, while inline
  // checks, scores of inline figures and the ruleset still work.
  s->runner_ = std::make_unique<ServerRunner>(config, s->metrics_.get(), [pool, async] {
    if (absl::Status ping = pool->Ping(); !ping.ok()) return ping;
    if (async->connected()) return absl::OkStatus();
    async->ReconnectNow();
    return absl::UnavailableError("the async redis client is reconnecting");
  });
  s->runner_->AddService(s->service_.get(), v1::RequirementCheck::service_full_name());
  RETURN_IF_ERROR(s->runner_->Start());
  return s;
}

RequirementsServer::~RequirementsServer() {
  if (runner_ != nullptr) runner_->Shutdown();
  // Queued checks finish before the clients they use go.
  executor_.reset();
  metrics_.reset();
}

}  // namespace rfs::requirements
