// Wires rfs-notification together on the service host (common/kit/service_host.h): the event
// log, the Notifier and the gRPC adapter. main.cc and the integration tests both start the
// service through this.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kit/config.h"
#include "common/kit/server.h"
#include "common/kit/service_host.h"
#include "services/notification/event_log.h"
#include "services/notification/notifier.h"
#include "services/notification/watch_hub.h"

namespace rfs::notification {

struct NotificationServerOptions {
  // How long the log keeps events, and at most how many (--event_retention_days,
  // --event_log_max_entries).
  absl::Duration retention = absl::Hours(24 * 90);
  int64_t max_entries = 10'000'000;
  // WatchEvents (--watch_heartbeat_s, --max_watch_streams, --max_watch_streams_per_caller).
  WatchOptions watch;
  absl::Duration stats_interval = absl::Seconds(5);
};

// The service's own flags, as main.cc reads them.
struct NotificationFlags {
  int event_retention_days = 90;
  int64_t event_log_max_entries = 10'000'000;
  int watch_heartbeat_s = 15;
  int max_watch_streams = 2000;
  int max_watch_streams_per_caller = 50;
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

 private:
  NotificationServer() = default;

  std::unique_ptr<ServiceHost> host_;
  EventLog* log_ = nullptr;  // owned by the host
  WatchHub* hub_ = nullptr;  // owned by the host
};

}  // namespace rfs::notification
