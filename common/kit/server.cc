#include "common/kit/server.h"

#include <pthread.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/logging.h"

namespace rfs {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const TlsConfig& tls) {
  if (tls.cert_file.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      tls.client_ca_file.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                 : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  auto cert = ReadFile(tls.cert_file);
  if (!cert.ok()) return cert.status();
  auto key = ReadFile(tls.key_file);
  if (!key.ok()) return key.status();
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!tls.client_ca_file.empty()) {
    auto ca = ReadFile(tls.client_ca_file);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
  }
  return grpc::SslServerCredentials(options);
}

}  // namespace

ServerRunner::ServerRunner(const ServerConfig& config, Metrics* metrics,
                           std::function<absl::Status()> readiness)
    : config_(config), metrics_(metrics), readiness_(std::move(readiness)) {}

ServerRunner::~ServerRunner() { Shutdown(); }

void ServerRunner::AddService(grpc::Service* service, const std::string& health_name) {
  services_.emplace_back(service, health_name);
  if (metrics_ != nullptr) metrics_->KnowMethodsOf(health_name);
}

absl::Status ServerRunner::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  auto credentials = Credentials(config_.tls);
  if (!credentials.ok()) return credentials.status();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, *credentials, &port_);
  for (auto& [service, name] : services_) builder.RegisterService(service);

  grpc::ResourceQuota quota(config_.service_name);
  quota.SetMaxThreads(config_.max_threads);
  builder.SetResourceQuota(quota);
  // Sync handlers block on Redis. gRPC's default lets at most 2 idle pollers live per queue
  // and ends the rest, so under load threads are created and destroyed per request; keep
  // them instead (bounded by the quota above).
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              config_.max_threads);
  builder.SetMaxReceiveMessageSize(config_.max_message_bytes);
  builder.SetMaxSendMessageSize(config_.max_message_bytes);
  // Keepalive: ping idle connections every 60 s, drop them if no answer in 20 s; let clients
  // ping every 10 s without data so their keepalive is not punished.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  if (config_.max_connection_age != absl::InfiniteDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               static_cast<int>(absl::ToInt64Milliseconds(config_.max_connection_age)));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30'000);
  }

  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  if (metrics_ != nullptr) creators.push_back(metrics_->NewInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(creators));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config_.listen,
                                               " (address in use, or bad TLS files?)"));
  }
  if (!config_.health_listen.empty()) {
    grpc::ServerBuilder health_builder;
    health_builder.AddListeningPort(config_.health_listen, grpc::InsecureServerCredentials(),
                                    &health_port_);
    health_server_ = health_builder.BuildAndStart();
    if (health_server_ == nullptr || health_port_ == 0) {
      server_->Shutdown();
      return absl::UnavailableError(
          absl::StrCat("cannot listen on --health_listen ", config_.health_listen));
    }
  }
  // Liveness never follows Redis: a Redis outage must not restart every pod.
  for (grpc::Server* s : {server_.get(), health_server_.get()}) {
    if (s != nullptr) s->GetHealthCheckService()->SetServingStatus(kLivenessServiceName, true);
  }
  SetServing(readiness_().ok());
  health_thread_ = std::thread([this] { HealthLoop(); });
  RFS_LOG(kInfo, "server started")
      .Field("listen", config_.listen)
      .Field("port", port_)
      .Field("tls", !config_.tls.cert_file.empty())
      .Field("redis", config_.redis.endpoint.Describe());
  return absl::OkStatus();
}

void ServerRunner::SetServing(bool serving) {
  for (grpc::Server* s : {server_.get(), health_server_.get()}) {
    if (s == nullptr) continue;
    auto* health = s->GetHealthCheckService();
    health->SetServingStatus("", serving);
    for (auto& [service, name] : services_) health->SetServingStatus(name, serving);
  }
  if (metrics_ != nullptr) metrics_->SetReady(serving);
  if (serving != last_serving_) {
    RFS_LOG(kInfo, serving ? "ready: serving" : "not ready: redis unreachable");
  }
  last_serving_ = serving;
}

void ServerRunner::HealthLoop() {
  while (!stopping_.WaitForNotificationWithTimeout(config_.health_interval)) {
    absl::Status ready = readiness_();
    if (!ready.ok() && last_serving_) {
      RFS_LOG(kError, "readiness check failed").Field("error", ready.message());
    }
    if (!stopping_.HasBeenNotified()) SetServing(ready.ok());
  }
}

void ServerRunner::BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void ServerRunner::WaitForSignalAndShutdown() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  sigwait(&set, &signal_number);
  RFS_LOG(kInfo, "shutting down").Field("signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  Shutdown();
}

void ServerRunner::Shutdown() {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  stopping_.Notify();
  if (health_thread_.joinable()) health_thread_.join();
  // Readiness first, so load balancers stop sending, then drain.
  SetServing(false);
  absl::SleepFor(config_.shutdown_delay);
  server_->GetHealthCheckService()->SetServingStatus(false);
  for (auto& hook : before_drain_) hook();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoSeconds(config_.shutdown_grace));
  server_->Wait();
  if (health_server_ != nullptr) {
    health_server_->Shutdown(std::chrono::system_clock::now());
    health_server_->Wait();
  }
  RFS_LOG(kInfo, "server stopped");
}

}  // namespace rfs
