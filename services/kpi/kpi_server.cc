#include "services/kpi/kpi_server.h"

#include <prometheus/counter.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/kit/client.h"
#include "common/domain/codes.h"
#include "common/kit/plan_watch.h"
#include "common/kit/registry_client.h"
#include "services/kpi/kpi_service.h"
#include "services/kpi/kpi_stats.h"
#include "services/kpi/kpi_store.h"
#include "services/kpi/reporting.h"

namespace rfs::kpi {

namespace {

// Keeps the plan sync's lease and the stop apart: jobs stop only after the AtStop hooks, so
// without this a turn could take the lease again right after the stop released it (and then
// hold it, unused, for a whole ttl).
class SyncTurns {
 public:
  SyncTurns(LeaderLease* lease, Tracker* tracker) : lease_(lease), tracker_(tracker) {}

  // One turn of the plan_sync job. Never fails the process: a problem is logged as a warning
  // and the next turn tries again.
  absl::Status Run() {
    if (!Lead()) return absl::OkStatus();
    absl::StatusOr<int> synced = tracker_->SyncPlans();
    if (!synced.ok()) {
      RFS_LOG(kWarning, "plan sync failed; retried next turn")
          .Field("error", synced.status().message());
      return synced.status();
    }
    if (*synced > 0) RFS_LOG(kInfo, "plans synced").Field("plans", *synced);
    return absl::OkStatus();
  }

  // For the AtStop hook: no more turns; the lease goes at once so another replica takes over
  // on its next turn rather than after the ttl.
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
    absl::Status released = lease_->Release();
    if (!released.ok()) {
      RFS_LOG(kWarning, "plan sync lease not released; it expires on its own")
          .Field("error", released.message());
    }
  }

 private:
  // Whether this replica runs this turn; logs when leadership changes hands.
  bool Lead() {
    absl::MutexLock lock(&mu_);
    if (stopped_) return false;
    const bool before = lease_->held();
    absl::StatusOr<bool> held = lease_->TryHold();
    if (!held.ok()) {
      RFS_LOG(kWarning, "plan sync lease unknown; skipping this turn")
          .Field("error", held.status().message());
      return false;
    }
    if (*held != before) {
      RFS_LOG(kInfo, *held ? "plan sync lease taken: this replica syncs plans"
                           : "plan sync lease lost: another replica syncs plans")
          .Field("instance", lease_->instance_id());
    }
    return *held;
  }

  LeaderLease* const lease_;
  Tracker* const tracker_;
  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

absl::StatusOr<KpiServerOptions> OptionsFromFlags(const ServerConfig& config,
                                                  const KpiFlags& flags) {
  const double on_track = flags.on_track_threshold;
  const double at_risk = flags.at_risk_threshold;
  const int sync_interval_s = flags.plan_sync_interval_s;
  const int request_id_ttl_hours = flags.request_id_ttl_hours;
  const int lease_ttl_s = flags.lease_ttl_s;
  const int report_notice_days = flags.report_notice_days;
  KpiServerOptions options;
  ASSIGN_OR_RETURN(options.registry,
                   PeerFromFlags("registry", flags.registry_address, flags.registry_timeout_ms,
                                 "indicators and who may report come from the plans in "
                                 "rfs-registry"));
  ASSIGN_OR_RETURN(options.tracker.calendar.h1,
                   ParseDueDay(flags.h1_report_due, "--h1_report_due"));
  ASSIGN_OR_RETURN(options.tracker.calendar.h2,
                   ParseDueDay(flags.h2_report_due, "--h2_report_due"));
  // H2 ends on 31 March: a due day from January to March would close it before it ends.
  if (options.tracker.calendar.h2.month < 4) {
    return absl::InvalidArgumentError(
        "--h2_report_due must be in April or later (H2 ends on 31 March; its report is due in "
        "the next fiscal year)");
  }
  // Written so that NaN fails too.
  if (!(on_track > 0 && on_track <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--on_track_threshold must be above 0 and at most 1; got ", on_track));
  }
  if (!(at_risk > 0 && at_risk < on_track)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--at_risk_threshold must be above 0 and below --on_track_threshold (", on_track,
        "); got ", at_risk));
  }
  options.tracker.thresholds.on_track = on_track;
  options.tracker.thresholds.at_risk = at_risk;
  if (sync_interval_s < 1 || sync_interval_s > 3600) {
    return absl::InvalidArgumentError("--plan_sync_interval_s must be 1..3600");
  }
  options.sync_interval = absl::Seconds(sync_interval_s);
  // The holder renews the lease every turn: it must outlive a turn with room to spare.
  if (lease_ttl_s < 2 * sync_interval_s || lease_ttl_s > 86'400) {
    return absl::InvalidArgumentError(
        absl::StrCat("--lease_ttl_s must be at least twice --plan_sync_interval_s (",
                     2 * sync_interval_s, ") and at most 86400; got ", lease_ttl_s));
  }
  options.lease_ttl = absl::Seconds(lease_ttl_s);
  if (report_notice_days < 1 || report_notice_days > 90) {
    return absl::InvalidArgumentError("--report_notice_days must be 1..90");
  }
  options.tracker.report_notice = absl::Hours(24 * report_notice_days);
  if (request_id_ttl_hours < 1 || request_id_ttl_hours > 87'600) {
    return absl::InvalidArgumentError("--request_id_ttl_hours must be 1..87600 (10 years)");
  }
  options.tracker.request_id_ttl_seconds = int64_t{request_id_ttl_hours} * 3600;
  // A plan's values, histories, removed indicators and PDCA cycles are read whole by its writes
  // and progress: the bound keeps one plan from slowing Redis (single-threaded) for the others.
  if (flags.max_plan_kpi_mib < 1 || flags.max_plan_kpi_mib > 256) {
    return absl::InvalidArgumentError("--max_plan_kpi_mib must be 1..256");
  }
  options.tracker.plan_bytes_limit = int64_t{flags.max_plan_kpi_mib} << 20;
  return options;
}

absl::StatusOr<std::unique_ptr<KpiServer>> KpiServer::Start(const ServerConfig& config,
                                                            KpiServerOptions options) {
  std::unique_ptr<KpiServer> s(new KpiServer());
  ASSIGN_OR_RETURN(s->host_, ServiceHost::Create(config, "kpi", options.stats_interval));
  ServiceHost& host = *s->host_;
  ASSIGN_OR_RETURN(const Peer registry_peer, host.ConnectPeer(options.registry));
  // The registry's reachability is not part of readiness: when it is down, writes and first
  // reads of a plan fail with UNAVAILABLE, while reads of plans held and the aggregates work.
  RegistryClient* registry = host.Own(std::make_unique<RegistryClient>(registry_peer));
  KpiStore* store =
      host.Own(std::make_unique<KpiStore>(host.pool(), host.async(),
                                         config.write_quota));
  host.AddStore(store);
  const CacheCounters cache = CacheRequestCounters(host.metrics()->registry(), "kpi_progress");
  options.tracker.progress_cache_hit = cache.hit;
  options.tracker.progress_cache_miss = cache.miss;
  // A list page stays well under the largest message the server sends.
  options.tracker.max_page_bytes = static_cast<size_t>(config.max_message_bytes) / 4 * 3;
  s->tracker_ = host.Own(
      std::make_unique<Tracker>(store, registry, host.reference(), std::move(options.tracker)));

  if (options.instance_id.empty()) options.instance_id = DefaultInstanceId();
  s->lease_ = host.Own(std::make_unique<LeaderLease>(host.pool(), store->Key("lease:sync"),
                                                     options.instance_id, options.lease_ttl));
  SyncTurns* sync = host.Own(std::make_unique<SyncTurns>(s->lease_, s->tracker_));
  host.AddJob("plan_sync", options.sync_interval, [sync] { return sync->Run(); });
  host.AtStop([sync] { sync->Stop(); });
  RFS_LOG(kInfo, "plan sync on the lease holder")
      .Field("instance", options.instance_id)
      .Field("interval_s", absl::ToInt64Seconds(options.sync_interval))
      .Field("lease_ttl_s", absl::ToInt64Seconds(options.lease_ttl));

  if (!config.notification_address.empty()) {
    // The plan sync follows rfs-notification's plan events: a change reaches the snapshot as
    // soon as its event does (milliseconds), the periodic sync staying as the fallback. The
    // lease holder acts (one registry read per change, not one per replica); when the log lost
    // events for the stream, a whole sync runs.
    ASSIGN_OR_RETURN(const Peer notification,
                     host.ConnectPeer({config.notification_address, config.notification_timeout}));
    LeaderLease* lease = s->lease_;
    Tracker* tracker = s->tracker_;
    s->plan_watch_ = host.Own(std::make_unique<PlanWatch>(
        notification, std::vector<std::string>{"plan.*"},
        [lease, tracker](const common::v1::Event& e) {
          absl::StatusOr<std::string> id = ParsePlanName(e.plan(), "plan");
          if (!lease->held() || !id.ok()) return;
          if (absl::Status s = tracker->RefreshPlan(*id); !s.ok()) {
            RFS_LOG(kWarning, "plan change not followed; the periodic sync will")
                .Field("plan", e.plan())
                .Field("error", s.ToString());
          }
        },
        [lease, tracker] {
          if (lease->held()) (void)tracker->SyncPlans();
        }));
    PlanWatch* watch = s->plan_watch_;
    host.AtStop([watch] { watch->Stop(); });
    watch->Start();
  }

  auto stats = std::make_shared<KpiStats>(store, options.stats_interval);
  s->stats_ = stats;
  host.AddCollectable(stats);
  host.AddJob("kpi_stats", options.stats_interval, [stats] { return stats->Refresh(); });

  auto* service =
      host.Own(std::make_unique<KpiTrackingService>(s->tracker_, host.verifier()));
  host.AddService(service, v1::KpiTracking::service_full_name());
  RETURN_IF_ERROR(host.Start());
  return s;
}

}  // namespace rfs::kpi
