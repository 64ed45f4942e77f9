// The KPI tracking logic of rfs-kpi, behind the gRPC adapter (kpi_service.h): validation,
// authorization (access_policy.h), the plan as the registry has it, measurements and their
// history, progress, the national aggregates and the plan sync. Every write of a plan's values
// goes through one path (Write): read the plan's state at a generation, compute the new
// measurement, the difference of the plan's contributions to the aggregates and the events,
// and apply all of it in one Lua script if the generation still holds (else read again).
//
// Plans: writes read the plan's current version from the registry (authorization and
// validation use the plan as it is now); reads use the snapshot rfs-kpi keeps in Redis, which
// writes and the plan sync (SyncPlans, a job on the lease holder) keep up to date with the
// registry; a plan rfs-kpi has never seen is read from the registry on first use.
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <prometheus/counter.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/domain/reference_data.h"
#include "common/kit/auth.h"
#include "common/kit/registry_client.h"
#include "rfs/kpi/v1/kpi.pb.h"
#include "services/kpi/kpi_store.h"
#include "services/kpi/progress.h"
#include "services/kpi/reporting.h"

namespace rfs::kpi {

struct TrackerOptions {
  Calendar calendar;
  Thresholds thresholds;
  // A ListMeasurements page ends before it passes this many bytes (KpiServer: 3/4 of
  // --max_message_bytes).
  size_t max_page_bytes = size_t{6} << 20;
  // How long a RecordMeasurement request_id is remembered.
  int64_t request_id_ttl_seconds = 7 * 24 * 3600;
  // Bytes one plan's values, histories, removed indicators and PDCA cycles may hold; a write
  // that would pass it is RESOURCE_EXHAUSTED (the plan sync is never refused). 0: no bound.
  int64_t plan_bytes_limit = int64_t{8} << 20;
  // Reads of the plan's state before a write gives up with ABORTED (others kept writing).
  int max_write_attempts = 16;
  // How long before a deadline a "report due" event goes to plans that have not reported.
  absl::Duration report_notice = absl::Hours(24 * 14);
  // Plans whose computed progress is kept in process, by generation and half year (0: none).
  size_t progress_cache_plans = 20'000;
  // ... and at most this many bytes of them (a plan of 200 indicators costs ~0.3 MiB).
  size_t progress_cache_bytes = size_t{64} << 20;
  // rfs_cache_requests_total{cache="kpi_progress",result=hit|miss}, when set.
  prometheus::Counter* progress_cache_hit = nullptr;
  prometheus::Counter* progress_cache_miss = nullptr;
  // The clock (tests set a fixed day).
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

struct AggregateScope;

class Tracker {
 public:
  Tracker(KpiStore* store, RegistryClient* registry, const ReferenceData* reference,
          TrackerOptions options);

  absl::StatusOr<v1::Measurement> RecordMeasurement(const Principal& who,
                                                    const v1::RecordMeasurementRequest& req);
  absl::StatusOr<v1::Measurement> VerifyMeasurement(const Principal& who,
                                                    const v1::VerifyMeasurementRequest& req);
  absl::StatusOr<v1::Measurement> ReturnMeasurement(const Principal& who,
                                                    const v1::ReturnMeasurementRequest& req);
  absl::StatusOr<v1::ListMeasurementsResponse> ListMeasurements(
      const Principal& who, const v1::ListMeasurementsRequest& req);
  absl::StatusOr<v1::PlanProgress> GetProgress(const Principal& who,
                                               const v1::GetProgressRequest& req);
  absl::StatusOr<v1::StatusOverride> OverrideStatus(const Principal& who,
                                                    const v1::OverrideStatusRequest& req);
  absl::StatusOr<v1::PeriodLock> UnlockPeriod(const Principal& who,
                                              const v1::UnlockPeriodRequest& req);
  absl::StatusOr<v1::AggregateKgiResponse> AggregateKgi(const Principal& who,
                                                        const v1::AggregateKgiRequest& req);
  absl::StatusOr<v1::ReportingStatus> GetReportingStatus(
      const Principal& who, const v1::GetReportingStatusRequest& req);
  absl::StatusOr<v1::PdcaCycle> GetPdcaCycle(const Principal& who,
                                             const v1::GetPdcaCycleRequest& req);
  // `caller_token` is the caller's bearer token, for the registry when ACT asks for a
  // revision (the registry decides whether the caller may start one).
  absl::StatusOr<v1::PdcaCycle> AdvancePdcaCycle(const Principal& who,
                                                 const v1::AdvancePdcaCycleRequest& req,
                                                 const std::string& caller_token);

  // Brings every plan's snapshot and contributions up to date: plans whose registry version
  // differs from the one held, and plans whose "now" figures are of an earlier half year.
  // Returns how many plans were rewritten.
  absl::StatusOr<int> SyncPlans();
  // The same for one plan, from its current version in the registry.
  absl::Status RefreshPlan(const std::string& plan_id);

  const TrackerOptions& options() const { return options_; }
  // Bytes of the GetProgress answers kept in process (bounded by progress_cache_bytes).
  size_t progress_cache_bytes() ABSL_LOCKS_EXCLUDED(progress_mu_) {
    absl::MutexLock lock(&progress_mu_);
    return progress_bytes_;
  }

 private:
  struct Change;
  using Mutation = std::function<absl::StatusOr<bool>(const PlanState& state, Change* change)>;

  // The plan's current version from the registry, as the caller may see it.
  absl::StatusOr<registry::v1::Plan> ReadCurrentPlan(const Principal& who,
                                                     const std::string& name);
  // The snapshot held, else the registry's current version (kept from then on).
  absl::StatusOr<registry::v1::Plan> HeldPlan(const Principal& who, const std::string& plan_id,
                                              PlanState* state);
  // The write path (see the top of this file). `mutate` fills the change, or returns false
  // when there is nothing to write (the change then holds what stands); without `mutate` the
  // plan's snapshot and contributions are brought up to date (Resync).
  absl::StatusOr<Change> Commit(const Principal& who, const registry::v1::Plan& plan,
                                const Mutation& mutate);
  // Commit's parts: since when the plan is public (when this write is the first to see it
  // so), and the events of statuses and reports that moved.
  std::optional<absl::Time> FirstPublic(const PlanState& state, const registry::v1::Plan& plan,
                                        absl::Time now,
                                        std::optional<std::optional<absl::Time>>* published);
  void AddStatusEvents(const Principal& who, const PlanState& state,
                       const registry::v1::Plan& plan,
                       const std::vector<v1::Measurement>& after_values,
                       const common::v1::FiscalPeriod& as_of,
                       const google::protobuf::Timestamp& time,
                       std::vector<common::v1::Event>* events) const;
  void AddReportEvents(const Principal& who, const registry::v1::Plan& plan,
                       const ContributionMap& before, const ContributionMap& after,
                       const google::protobuf::Timestamp& time,
                       std::vector<common::v1::Event>* events) const;
  // What a mutation's change adds to its write: the value and its history entry, the PDCA
  // cycle, its events, the request id, and whose quota it uses (`who`; null for the plan sync,
  // the service's own).
  void AddChange(const std::string& plan_id, const Change& change, const Principal* who,
                 PlanWrite* write) const;
  // Commit of a mutation that writes a measurement; the measurement as it stands afterwards.
  absl::StatusOr<v1::Measurement> WriteMeasurement(const Principal& who,
                                                   const registry::v1::Plan& plan,
                                                   const Mutation& mutate);
  // `m` as served: marked when the national KGIs leave it out (v1::Measurement's
  // outside_national_kgis).
  void MarkNational(const registry::v1::Plan& plan, v1::Measurement* m) const;
  // When contributions are computed: now, and the phase of the current half's PDCA cycle (as
  // `changed` leaves it, when it is that cycle).
  Moment MomentOf(absl::Time now, const PlanState& state,
                  const std::optional<v1::PdcaCycle>& changed) const;
  absl::Status Resync(const registry::v1::Plan& plan);
  // Resync from the snapshot held (when only the calendar moved).
  absl::Status ResyncHeld(const std::string& plan_id);
  // RecordMeasurement's parts: the change it makes of the plan's state (false: nothing to
  // write, the change holds what stands), the measurement it writes, and the history entry,
  // event and audit of that write.
  struct Recording;
  absl::StatusOr<bool> RecordChange(const Recording& r, const PlanState& state, Change* change);
  static v1::Measurement NewValue(const Recording& r, const v1::Measurement* current);
  static void FillRecorded(const Recording& r, const v1::Measurement* current,
                           v1::Measurement m, Change* change);
  // AdvancePdcaCycle's parts: ACT's revision of the plan, requested in the registry as the
  // caller once the cycle allows the move (the plan version in revision), and the change of
  // the cycle.
  absl::StatusOr<int64_t> RequestRevision(const Principal& who, const registry::v1::Plan& plan,
                                          const std::string& plan_id,
                                          const v1::AdvancePdcaCycleRequest& req,
                                          const std::string& caller_token);
  absl::StatusOr<bool> AdvanceChange(const Principal& who, const registry::v1::Plan& plan,
                                     const v1::AdvancePdcaCycleRequest& req,
                                     int64_t revision_version, absl::Time now,
                                     const PlanState& state, Change* change);
  // Where AggregateKgi reads (tracker_national.cc), or INVALID_ARGUMENT naming the filter.
  absl::StatusOr<AggregateScope> ScopeOf(const v1::AggregateKgiRequest& req) const;
  // Verify (`verify`) or return a measurement, with the reviewer's comment.
  absl::StatusOr<v1::Measurement> Review(const Principal& who, const std::string& name,
                                         const std::string& etag, const std::string& comment,
                                         bool verify);

  common::v1::FiscalPeriod CurrentHalf() const;

  // GetProgress computed, for one plan at one generation and half year, with the snapshot it
  // was computed from (for the read rule).
  struct CachedProgress {
    int64_t generation = 0;
    std::string as_of;
    registry::v1::Plan plan;
    v1::PlanProgress progress;
    size_t bytes = 0;  // what the entry costs the cache
  };
  absl::StatusOr<v1::PlanProgress> ComputeProgress(const Principal& who,
                                                   const std::string& plan_id,
                                                   const common::v1::FiscalPeriod& as_of);

  // The progress kept for `plan_id` when it is of `generation` (or later) and half year
  // `as_of`; null otherwise. Counts a hit.
  std::shared_ptr<const CachedProgress> Kept(const std::string& plan_id, int64_t generation,
                                             const std::string& as_of);
  // Keeps `entry`, within the cache's bounds (plans and bytes).
  void Keep(const std::string& plan_id, std::shared_ptr<CachedProgress> entry);

  // One computation of a plan's progress at a time per half year in this process: concurrent
  // misses wait for it and take its answer (a plan read by many at once costs one read of its
  // state, and holds one Redis connection, not one per reader).
  struct Flight {
    absl::Notification done;
  };

  absl::Mutex progress_mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const CachedProgress>> progress_
      ABSL_GUARDED_BY(progress_mu_);
  // Bytes of the entries of progress_ (plan snapshot and answer, as protobuf counts them).
  size_t progress_bytes_ ABSL_GUARDED_BY(progress_mu_) = 0;
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights_ ABSL_GUARDED_BY(progress_mu_);

  static constexpr size_t kPlanTurns = 64;
  // Plan id → one of these (by hash): the turns of Commit.
  absl::Mutex plan_turns_[kPlanTurns];

  KpiStore* store_;
  RegistryClient* registry_;
  const ReferenceData* reference_;
  const TrackerOptions options_;
};

}  // namespace rfs::kpi
