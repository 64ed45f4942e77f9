#include "common/kit/service_host.h"

#include <cstdio>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/kit/outbox_relay.h"
#include "common/kit/redis_gauges.h"

namespace rfs {

// A thread running one job every interval until stopped.
class PeriodicJob {
 public:
  PeriodicJob(std::string name, absl::Duration interval, std::function<absl::Status()> run)
      : name_(std::move(name)) {
    thread_ = std::thread([this, interval, run = std::move(run)] {
      do {
        absl::Status s = run();
        if (!s.ok()) RFS_LOG(kDebug, "background job failed").Field("job", name_).Field("error", s.message());
      } while (!stop_.WaitForNotificationWithTimeout(interval));
    });
  }
  ~PeriodicJob() {
    stop_.Notify();
    thread_.join();
  }

 private:
  const std::string name_;
  absl::Notification stop_;
  std::thread thread_;
};

ServiceHost::ServiceHost(const ServerConfig& config, std::string name,
                         absl::Duration stats_interval)
    : config_(config), name_(std::move(name)), stats_interval_(stats_interval) {}

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Create(const ServerConfig& config,
                                                                 std::string name,
                                                                 absl::Duration stats_interval) {
  std::unique_ptr<ServiceHost> host(new ServiceHost(config, std::move(name), stats_interval));
  ASSIGN_OR_RETURN(host->reference_, ReferenceData::Load(config.data_dir));
  ASSIGN_OR_RETURN(VerificationKey key, LoadAuthKey(config));
  ASSIGN_OR_RETURN(std::optional<VerificationKey> extra, LoadExtraAuthKey(config));
  host->verifier_ =
      std::make_unique<TokenVerifier>(std::move(key), host->reference_.get(), std::move(extra));
  host->pool_ = std::make_unique<RedisPool>(config.redis);
  host->async_ = std::make_unique<AsyncRedis>(config.redis);
  WarnUnlessDurable(host->pool_.get());
  host->metrics_ = std::make_unique<Metrics>();
  return host;
}

ServiceHost::~ServiceHost() {
  Shutdown();
  // 4. parts, newest first; 5. the members below, in reverse order of declaration.
  while (!parts_.empty()) parts_.pop_back();
}

absl::StatusOr<ServiceToken*> ServiceHost::service_token() {
  absl::MutexLock lock(&token_mu_);
  if (service_token_ == nullptr) {
    ASSIGN_OR_RETURN(service_token_, ServiceToken::Create(config_));
  }
  return service_token_.get();
}

absl::StatusOr<Peer> ServiceHost::ConnectPeer(const PeerAddress& address) {
  ASSIGN_OR_RETURN(ServiceToken * token, service_token());
  return Peer{MakeChannel(PeerChannelOptions(config_, address.address)), token, address.timeout};
}

void ServiceHost::AddService(grpc::Service* service, const std::string& full_name) {
  services_.emplace_back(service, full_name);
}

void ServiceHost::AddStore(RedisStore* store) {
  stores_.push_back(store);
  if (gauges_ == nullptr) {
    gauges_ = std::make_shared<RedisGauges>(pool_.get(), name_, store->OutboxKey(),
                                            stats_interval_);
    AddCollectable(gauges_);
    RedisGauges* gauges = gauges_.get();
    AddJob("redis gauges", stats_interval_, [gauges] { return gauges->Refresh(); });
  }
}

void ServiceHost::AddReadinessCheck(std::function<absl::Status()> check) {
  readiness_checks_.push_back(std::move(check));
}

void ServiceHost::AddCollectable(std::shared_ptr<prometheus::Collectable> collectable) {
  collectables_.push_back(std::move(collectable));
}

void ServiceHost::AddJob(std::string name, absl::Duration interval,
                         std::function<absl::Status()> job) {
  job_specs_.push_back({std::move(name), interval, std::move(job)});
}

absl::Status ServiceHost::RunJobsNow() {
  absl::Status first;
  for (const JobSpec& spec : job_specs_) first.Update(spec.run());
  return first;
}

void ServiceHost::AtStop(std::function<void()> hook) { stop_hooks_.push_back(std::move(hook)); }

void ServiceHost::BeforeDrain(std::function<void()> hook) {
  before_drain_hooks_.push_back(std::move(hook));
}

absl::Status ServiceHost::Ready() {
  // Ready when both Redis clients can serve: the blocking pool (writes, lists) and the async
  // client (hot reads). A good ping wakes the async client out of its backoff.
  RETURN_IF_ERROR(pool_->Ping());
  for (const auto& check : readiness_checks_) RETURN_IF_ERROR(check());
  if (async_->connected()) return absl::OkStatus();
  async_->ReconnectNow();
  return absl::UnavailableError("the async redis client is reconnecting");
}

absl::Status ServiceHost::Start() {
  if (!config_.metrics_listen.empty()) {
    RETURN_IF_ERROR(metrics_->StartExposer(config_.metrics_listen));
  }
  for (const auto& collectable : collectables_) metrics_->RegisterCollectable(collectable);
  RedisPool* pool = pool_.get();
  AsyncRedis* async = async_.get();
  metrics_->CountRedisRoundTrips(name_, [pool, async] {
    return pool->round_trips() + async->round_trips();
  });
  // A Redis that is not reachable yet is the readiness check's business; a script Redis
  // refuses to compile is ours, and stops the start.
  for (RedisStore* store : stores_) {
    absl::Status loaded = store->LoadScripts();
    if (loaded.code() == absl::StatusCode::kInternal) return loaded;
    if (!loaded.ok()) RFS_LOG(kInfo, "scripts not loaded yet").Field("error", loaded.message());
  }
  for (const JobSpec& spec : job_specs_) {
    jobs_.push_back(std::make_unique<PeriodicJob>(spec.name, spec.interval, spec.run));
  }
  runner_ = std::make_unique<ServerRunner>(config_, metrics_.get(), [this] { return Ready(); });
  for (auto& [service, name] : services_) runner_->AddService(service, name);
  for (auto& hook : before_drain_hooks_) runner_->BeforeDrain(hook);
  RETURN_IF_ERROR(runner_->Start());
  if (!config_.notification_address.empty() && !stores_.empty()) {
    ASSIGN_OR_RETURN(const Peer notification,
                     ConnectPeer({config_.notification_address, config_.notification_timeout}));
    RedisStore* store = stores_.front();
    relay_ = std::make_unique<OutboxRelay>(pool_.get(), store->OutboxKey(),
                                           store->Key("lease:relay"), notification);
    relay_->Start();
  }
  return absl::OkStatus();
}

void ServiceHost::Shutdown() {
  if (stopped_) return;
  stopped_ = true;
  if (runner_ != nullptr) runner_->Shutdown();  // 1.
  for (auto& hook : stop_hooks_) hook();        // 2.
  if (relay_ != nullptr) relay_->Stop();
  jobs_.clear();                                // 3.
  metrics_.reset();
}

void ServiceHost::WaitForSignalAndShutdown() {
  runner_->WaitForSignalAndShutdown();
  Shutdown();
}

int ServiceMain(int argc, char** argv, const ServiceDefaults& defaults, const char* usage,
                const StartService& start) {
  ServerRunner::BlockTerminationSignals();
  ParseFlagsWithEnv(argc, argv, usage);
  auto config = ServerConfigFromFlags(defaults);
  if (!config.ok()) {
    std::fprintf(stderr, "%s: %s\n", defaults.name.c_str(),
                 std::string(config.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<HostedService>> service = start(*config);
  if (!service.ok()) {
    // A bad flag of the service's own, a bad ruleset or token setup: fix and start again.
    if (service.status().code() == absl::StatusCode::kInvalidArgument) {
      std::fprintf(stderr, "%s: %s\n", defaults.name.c_str(),
                   std::string(service.status().message()).c_str());
      return 2;
    }
    RFS_LOG(kError, "cannot start").Field("error", service.status().message());
    return 1;
  }
  (*service)->host().WaitForSignalAndShutdown();
  return 0;
}

}  // namespace rfs
