// rfs-kpi's state in Redis, under rfs:kpi: (docs/architecture.md, "rfs-kpi"):
//   plan:{id}            string  the plan as rfs-kpi last read it from the registry (identity,
//                                stage, authors, area, fields, period, indicators, versions)
//   m:{id}               hash    "{indicator}|{fy}-{H1|H2}" → Measurement (no history);
//                                "#gen" → write generation of the plan's KPI state;
//                                "#bytes" → bytes of the plan's values, histories, removed
//                                indicators and PDCA cycles (bounded, --max_plan_kpi_mib)
//   h:{id}:{indicator}|{fy}-{H}  list  the measurement's MeasurementChange entries, oldest first
//   c:{id}               hash    the plan's contributions to the aggregates (ledger.h),
//                                "#asof" → the half year its "now" figures were computed at,
//                                "#since" → unix seconds since when the plan is public
//   agg:{bucket}         hash    Σ of every plan's contributions, in the cells of
//                                ledger.h AggregateCells: "{fy}", "{fy}:{sfield}",
//                                "{fy}:{sfield}:pref", "now", "now:{sfield}", "now:{sfield}:pref"
//   buckets              set     the buckets that exist (for the metrics)
//   plans                set     plan ids rfs-kpi holds
//   versions             hash    plan id → "{plan version} {as-of}" held (for the plan sync)
//   gone:{id}            hash    indicator → last definition (slim, SnapshotOf) of an indicator
//                                the plan dropped while it had values
//   titles               hash    plan id → the plan's title (for GetReportingStatus's lists;
//                                set with the snapshot when the title changes)
//   pdca:{id}            hash    "{fy}-{H}" → PdcaCycle
//   rep:{fy}-{H}         hash    plan id → "{ReportState}|{block}|{reported}|{indicators}" of
//                                each plan expected to report that half year (kept with the
//                                "rep" contributions; entries written before the counts have
//                                the first two)
//   o:{id}               hash    indicator → StatusOverride
//   unlock:{id}          hash    "{fy}-{H}" → PeriodLock (reopened half years)
//   req:{len}:{subject}:{request_id}  string  "measurement-name fingerprint", for a while
//   outbox               stream  rfs.common.v1.Event
// Every change of a plan's values or definition is one Lua script (Apply) guarded by "#gen":
// the caller read the state at a generation, computed the new measurement and the difference of
// contributions, and the script applies all of it only if nobody wrote in between (otherwise
// the caller reads again and retries). So the aggregates always equal the sum of the plans'
// contributions, also after a crash at any point. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "common/domain/reference_data.h"
#include "common/redis/redis_store.h"
#include "common/redis/write_quota.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/kpi/v1/kpi.pb.h"
#include "rfs/registry/v1/registry.pb.h"
#include "services/kpi/ledger.h"

namespace rfs::kpi {

// What rfs-kpi holds of one plan.
struct PlanState {
  std::optional<registry::v1::Plan> plan;  // unset until first read from the registry
  std::vector<v1::Measurement> measurements;
  int64_t generation = 0;
  // Bytes the plan's KPI state holds ("#bytes" of m:{id}): values, history entries, removed
  // indicators and PDCA cycles (what a write adds is counted by the write, PlanWrite::bytes).
  int64_t bytes = 0;
  ContributionMap contributions;
  std::string as_of;  // PeriodKey the "now" contributions were computed at; empty if none
  // Since when the plan is public, as rfs-kpi first saw it so ("#since" of c:{id}); unset
  // while it never was (read with the contributions).
  std::optional<absl::Time> public_since;
  absl::flat_hash_map<std::string, v1::StatusOverride> overrides;
  absl::flat_hash_map<std::string, v1::PeriodLock> unlocks;
  // Last definitions of indicators the plan no longer has (their values are kept).
  std::vector<registry::v1::Indicator> removed;
  // PDCA cycles by PeriodKey.
  absl::flat_hash_map<std::string, v1::PdcaCycle> pdca;
};

// A field of another hash set (or, with an empty value, deleted) by a PlanWrite.
struct FieldWrite {
  std::string key;  // without the store's prefix, e.g. "pdca:A-00001"
  std::string field;
  std::string value;
};

// One atomic change of a plan's state (see Apply).
struct PlanWrite {
  int64_t expected_generation = 0;
  // The plan snapshot to keep, when it changed.
  std::optional<registry::v1::Plan> plan;
  // The measurement written, and its history entry.
  std::optional<v1::Measurement> measurement;
  std::optional<v1::MeasurementChange> change;
  // Contribution difference (ledger.h Difference), the aggregate cells it moves (ledger.h
  // CellDeltas: the store applies these, it decides nothing of the domain), and the half year
  // "now" is computed at.
  ContributionMap difference;
  std::vector<CellDelta> cells;
  std::string as_of;
  // Remembered request id: its key and value, for `request_ttl_seconds`.
  std::string request_key;
  std::string request_value;
  int64_t request_ttl_seconds = 0;
  std::vector<common::v1::Event> events;
  // Indicators the new snapshot drops (their last definitions are kept), or brings back.
  std::vector<registry::v1::Indicator> removed;
  std::vector<std::string> restored;
  // The plan version held after the write (the versions hash, for the plan sync).
  int64_t plan_version = 0;
  // Other fields written in the same step: the PDCA cycle, the report index.
  std::vector<FieldWrite> fields;
  // What the write adds to PlanState::bytes (negative when it shrinks it). Exact: the state it
  // was computed from is the one the generation guard applies it to.
  int64_t bytes = 0;
  // Whose write it is, for the write quota; empty for the service's own (the plan sync).
  std::string subject;
  // Set the first time the plan is seen public (kept once: HSETNX).
  std::optional<absl::Time> public_since;
};

class KpiStore : public RedisStore {
 public:
  // Every write made for a person counts against their `quota` (common/redis/write_quota.h).
  KpiStore(RedisPool* pool, AsyncRedis* async, WriteQuota quota = {});

  // The plan's state in one round trip; `with_contributions` also reads c:{id}.
  absl::StatusOr<PlanState> Load(const std::string& plan_id, bool with_contributions);
  // Applies `write`; false when the generation moved (read again and retry);
  // RESOURCE_EXHAUSTED (with the delay) when the writer's quota is used up. Nothing is written
  // but on true.
  absl::StatusOr<bool> Apply(const std::string& plan_id, const PlanWrite& write);

  // The plan's write generation ("#gen" of m:{id}; 0 before any write). It moves with every
  // change that shows in the plan's progress: values, snapshot, overrides.
  absl::StatusOr<int64_t> Generation(const std::string& plan_id);

  // The value of a remembered request id, if any.
  absl::StatusOr<std::optional<std::string>> GetRequest(const std::string& key);
  std::string RequestKey(absl::string_view subject, absl::string_view request_id) const;

  // Parts of measurements' histories, (measurement field, offset) each: at most `count`
  // entries each from the offset (oldest first), and the length of each whole history, in one
  // round trip.
  using HistoryPart = ListPart<v1::MeasurementChange>;
  absl::StatusOr<std::vector<HistoryPart>> HistoryRanges(
      const std::string& plan_id, const std::vector<std::pair<std::string, int64_t>>& fields,
      int64_t count);

  // OK when `subject`'s quota allows a write now (nothing is charged): for a step that must not
  // start unless its write will be accepted; RESOURCE_EXHAUSTED (OverQuota) otherwise.
  absl::Status CheckQuota(const std::string& subject, int64_t bytes);

  // Sets (or, with an unset status, clears) an indicator's override, with its event; moves the
  // plan's generation.
  // Counted against `subject`'s quota.
  absl::Status PutOverride(const std::string& plan_id, const v1::StatusOverride& override,
                           const common::v1::Event& event, const std::string& subject);
  // Records a reopened half year, with its event.
  absl::Status PutUnlock(const std::string& plan_id, const std::string& period_key,
                         const v1::PeriodLock& lock, const common::v1::Event& event,
                         const std::string& subject);

  // An aggregate bucket ("2027", "now"): field → Σ.
  absl::StatusOr<absl::flat_hash_map<std::string, int64_t>> Aggregate(const std::string& bucket);
  // Plan id → "{ReportState number}|{block}" of every plan expected to report the half year
  // `period_key` ("2026-H1").
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> ReportIndex(
      const std::string& period_key);
  // The titles kept of these plans (those kept; plans last synced before titles were kept have
  // none), in one round trip.
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Titles(
      const std::vector<std::string>& plan_ids);
  // The snapshots held of these plans (those held), in one round trip.
  absl::StatusOr<absl::flat_hash_map<std::string, registry::v1::Plan>> Snapshots(
      const std::vector<std::string>& plan_ids);
  // Fields of aggregate buckets, in one round trip: for each (bucket, fields), the values (0
  // for a field not there).
  absl::StatusOr<std::vector<std::vector<int64_t>>> AggregateFields(
      const std::vector<std::pair<std::string, std::vector<std::string>>>& reads);
  // The buckets that exist.
  absl::StatusOr<std::vector<std::string>> Buckets();
  // Plan id → "{version} {as-of}" of every plan held (what the plan sync compares with the
  // registry and the calendar).
  absl::StatusOr<absl::flat_hash_map<std::string, std::string>> Versions();

  // "{indicator}|{fy}-{H}": the field of a measurement in m:{id}.
  static std::string MeasurementField(const std::string& indicator_id,
                                      const common::v1::FiscalPeriod& period);

 private:
  // The quota arguments of a write by `subject` (none for the service's own writes: "").
  QuotaArgs QuotaOf(const std::string& subject, int64_t bytes) const;
  // Sets (or, with empty `bytes`, deletes) a field of `key` with its event, as `subject`;
  // moves the generation in `generation_key` when asked.
  absl::Status PutField(const std::string& key, const std::string& generation_key,
                        const std::string& field, const std::string& bytes,
                        const common::v1::Event& event, bool move_generation,
                        const std::string& subject);

  const WriteQuota quota_;
  const RedisScript& apply_script_;
  const RedisScript& put_field_script_;
  const RedisScript& check_quota_script_;
};

// The plan as rfs-kpi keeps it: what authorization, validation, progress and the aggregates
// need, without the plan's long texts (statements, investments, stakeholders, enclave reasons,
// indicator descriptions and the notes of their baselines, milestones and targets: up to
// 4,000 characters each, which the registry keeps compressed and serves). What is left is
// bounded by the plan limits to a few hundred KiB even for the largest plan.
registry::v1::Plan SnapshotOf(const registry::v1::Plan& plan);
// An indicator as the snapshot keeps it: without its description and notes.
void SlimIndicator(registry::v1::Indicator* indicator);

}  // namespace rfs::kpi
