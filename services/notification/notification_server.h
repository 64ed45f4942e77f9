// Wires rfs-notification together on the service host (common/kit/service_host.h): the event
// log, the Notifier and the gRPC adapter. main.cc and the integration tests both start the
// service through this.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kit/config.h"
#include "common/kit/server.h"
#include "common/kit/service_host.h"
#include "services/notification/event_log.h"
#include "services/notification/notifier.h"
#include "services/notification/watch_hub.h"
#include "services/notification/webhook_dispatcher.h"
#include "services/notification/webhook_store.h"

namespace rfs::notification {

struct NotificationServerOptions {
  // How long the log keeps events, and at most how many (--event_retention_days,
  // --event_log_max_entries).
  absl::Duration retention = absl::Hours(24 * 90);
  int64_t max_entries = 10'000'000;
  // WatchEvents (--watch_heartbeat_s, --max_watch_streams, --max_watch_streams_per_caller).
  WatchOptions watch;
  // Webhooks (--webhook_*, --max_subscriptions*).
  WebhookOptions webhook;
  WebhookStoreOptions subscriptions;
  absl::Duration stats_interval = absl::Seconds(5);
};

// The service's own flags, as main.cc reads them.
struct NotificationFlags {
  int event_retention_days = 90;
  int64_t event_log_max_entries = 10'000'000;
  int watch_heartbeat_s = 15;
  int max_watch_streams = 2000;
  int max_watch_streams_per_caller = 50;
  absl::Duration webhook_timeout = absl::Seconds(15);
  bool webhook_allow_http = false;
  std::string webhook_allow_cidrs;
  std::string webhook_ca_file;
  absl::Duration webhook_first_retry = absl::Seconds(30);
  absl::Duration webhook_max_retry_delay = absl::Hours(12);
  absl::Duration webhook_retry_window = absl::Hours(72);
  absl::Duration webhook_disable_after = absl::Hours(120);
  absl::Duration webhook_secret_overlap = absl::Hours(24);
  absl::Duration webhook_poll = absl::Milliseconds(200);
  absl::Duration webhook_claim_idle = absl::Seconds(90);
  int webhook_workers = 8;
  int webhook_in_flight_per_subscription = 4;
  int max_subscriptions_per_owner = 20;
  int max_subscriptions = 1000;
  int webhook_attempt_log_entries = 1000;
  int webhook_max_dead_letters = 10000;
  std::string smtp_url;
  bool smtp_require_tls = true;
  std::string smtp_user;
  std::string smtp_password_file;
  std::string smtp_ca_file;
  std::string mail_from = "rfs-notification@localhost.localdomain";
  std::string mail_from_name = "地域未来戦略 rfs";
  std::string mail_dir;
  int mail_digest_hour = 8;
  int max_contacts_per_body = 50;
  int max_contacts = 10000;
};

// Checks the service's own flags: INVALID_ARGUMENT naming the flag.
absl::StatusOr<NotificationServerOptions> OptionsFromFlags(const NotificationFlags& flags);

class NotificationServer : public HostedService {
 public:
  static absl::StatusOr<std::unique_ptr<NotificationServer>> Start(
      const ServerConfig& config, NotificationServerOptions options);

  int port() const { return host_->port(); }
  int metrics_port() const { return host_->metrics_port(); }
  ServiceHost& host() override { return *host_; }
  ServerRunner& runner() { return host_->runner(); }
  EventLog& log() { return *log_; }
  WatchHub& hub() { return *hub_; }
  WebhookStore& webhooks() { return *webhooks_; }
  WebhookDispatcher& dispatcher() { return *dispatcher_; }

 private:
  NotificationServer() = default;

  std::unique_ptr<ServiceHost> host_;
  EventLog* log_ = nullptr;  // owned by the host
  WatchHub* hub_ = nullptr;  // owned by the host
  WebhookStore* webhooks_ = nullptr;  // owned by the host
  WebhookDispatcher* dispatcher_ = nullptr;  // owned by the host
};

}  // namespace rfs::notification
