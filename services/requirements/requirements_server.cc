#include "services/requirements/requirements_server.h"

#include "absl/strings/str_cat.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/domain/plan_validation.h"
#include "common/kit/executor.h"
#include "common/kit/registry_client.h"
#include "services/requirements/plan_view_cache.h"
#include "services/requirements/requirements_service.h"
#include "services/requirements/requirements_store.h"

namespace rfs::requirements {

absl::StatusOr<RequirementsServerOptions> OptionsFromFlags(const ServerConfig& config,
                                                           std::string ruleset_file,
                                                           std::string registry_address,
                                                           int registry_timeout_ms) {
  RequirementsServerOptions options;
  options.ruleset_file =
      ruleset_file.empty() ? absl::StrCat(config.data_dir, "/ruleset.json") : ruleset_file;
  ASSIGN_OR_RETURN(options.registry,
                   PeerFromFlags("registry", std::move(registry_address), registry_timeout_ms,
                                 "reports are made from plans read from rfs-registry"));
  return options;
}

absl::StatusOr<std::unique_ptr<RequirementsServer>> RequirementsServer::Start(
    const ServerConfig& config, RequirementsServerOptions options) {
  ASSIGN_OR_RETURN(Ruleset ruleset, LoadRuleset(options.ruleset_file));
  std::unique_ptr<RequirementsServer> s(new RequirementsServer());
  ASSIGN_OR_RETURN(s->host_,
                   ServiceHost::Create(config, "requirements", options.stats_interval));
  ServiceHost& host = *s->host_;
  ASSIGN_OR_RETURN(const Peer registry_peer, host.ConnectPeer(options.registry));
  // The registry's reachability is not part of readiness: when it is down, checks of
  // registered plans fail with UNAVAILABLE, while inline checks, scores of inline figures and
  // the ruleset still work.
  RegistryClient* registry = host.Own(std::make_unique<RegistryClient>(registry_peer));
  RequirementsStore* store =
      host.Own(std::make_unique<RequirementsStore>(host.pool(), host.async(), config.write_quota));
  host.AddStore(store);
  Executor* executor = host.Own(std::make_unique<Executor>(
      options.check_threads, static_cast<size_t>(options.max_queued_checks)));
  // Queued checks finish while the checker and the clients they use still live.
  host.AtStop([executor] { executor->Stop(); });

  RFS_LOG(kInfo, "ruleset loaded")
      .Field("version", ruleset.version)
      .Field("a4_min_total_investment_yen", ruleset.a4_min_total_investment_yen);
  s->checker_ = host.Own(std::make_unique<Checker>(store, registry, executor, host.reference(),
                                                   PlanLimitsOf(config.max_plan_bytes), std::move(ruleset),
                                                   host.metrics()->registry(),
                                                   static_cast<size_t>(config.max_message_bytes) /
                                                       4 * 3));
  if (!config.notification_address.empty() && options.plan_cache_entries > 0) {
    // Current BASIC views in process, kept true by rfs-notification's plan events.
    ASSIGN_OR_RETURN(const Peer notification,
                     host.ConnectPeer({config.notification_address, config.notification_timeout}));
    s->plan_cache_ = host.Own(std::make_unique<PlanViewCache>(
        notification, static_cast<size_t>(options.plan_cache_entries)));
    s->checker_->UsePlanCache(s->plan_cache_);
    PlanViewCache* cache = s->plan_cache_;
    host.AtStop([cache] { cache->Stop(); });
    cache->Start();
  }
  auto* service =
      host.Own(std::make_unique<RequirementCheckService>(s->checker_, host.verifier()));
  host.AddService(service, v1::RequirementCheck::service_full_name());
  RETURN_IF_ERROR(host.Start());
  return s;
}

}  // namespace rfs::requirements
