// Wires rfs-kpi together on the service host (common/kit/service_host.h): registry client, store,
// Tracker, the gRPC adapter, the metrics of the national picture (kpi_stats.h), and the plan
// sync, which runs on one replica at a time (common/redis/leader_lease.h).
// main.cc and the integration tests both start the service through this.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kit/config.h"
#include "common/kit/peer.h"
#include "common/kit/plan_watch.h"
#include "common/kit/server.h"
#include "common/kit/service_host.h"
#include "common/redis/leader_lease.h"
#include "services/kpi/kpi_stats.h"
#include "services/kpi/tracker.h"

namespace rfs::kpi {

struct KpiServerOptions {
  // rfs-registry: where it listens and the deadline of each call.
  PeerAddress registry{"localhost:50051", absl::Seconds(5)};
  absl::Duration stats_interval = absl::Seconds(5);
  // How often each replica tries the plan sync (only the lease holder runs it).
  absl::Duration sync_interval = absl::Seconds(15);
  // How long the sync lease outlives its holder's last turn: a killed holder is replaced
  // after at most this. Longer than sync_interval, or the holder loses it between turns.
  absl::Duration lease_ttl = absl::Seconds(30);
  // The lease holder's name; empty: DefaultInstanceId().
  std::string instance_id;
  TrackerOptions tracker;
};

// The service's own flags as given (main.cc), checked by OptionsFromFlags.
struct KpiFlags {
  std::string registry_address = "localhost:50051";
  int registry_timeout_ms = 5000;
  std::string h1_report_due = "10-31";
  std::string h2_report_due = "04-30";
  double on_track_threshold = 0.95;
  double at_risk_threshold = 0.6;
  int plan_sync_interval_s = 15;
  int request_id_ttl_hours = 168;
  int lease_ttl_s = 30;
  int report_notice_days = 14;
  int max_plan_kpi_mib = 8;
};

// Checks the service's own flags; errors name the flag.
absl::StatusOr<KpiServerOptions> OptionsFromFlags(const ServerConfig& config,
                                                  const KpiFlags& flags);

// rfs-kpi on the service host: the registry client, the store, the Tracker, its gRPC adapter,
// the stats and the sync lease are its own; the rest is the host's.
class KpiServer : public HostedService {
 public:
  static absl::StatusOr<std::unique_ptr<KpiServer>> Start(const ServerConfig& config,
                                                          KpiServerOptions options);

  int port() const { return host_->port(); }
  int metrics_port() const { return host_->metrics_port(); }
  ServiceHost& host() override { return *host_; }
  ServerRunner& runner() { return host_->runner(); }
  Tracker& tracker() { return *tracker_; }
  LeaderLease& lease() { return *lease_; }
  // The plan events followed; null without --notification_address.
  PlanWatch* plan_watch() { return plan_watch_; }
  KpiStats& stats() { return *stats_; }

 private:
  KpiServer() = default;

  std::unique_ptr<ServiceHost> host_;
  Tracker* tracker_ = nullptr;    // owned by the host
  LeaderLease* lease_ = nullptr;  // owned by the host
  PlanWatch* plan_watch_ = nullptr;  // owned by the host; null without --notification_address
  std::shared_ptr<KpiStats> stats_;
};

}  // namespace rfs::kpi
