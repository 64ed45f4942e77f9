// The tracker's core: the plans it reads, the one write path (Commit) and the plan sync.
#include "services/kpi/tracker.h"


#include <algorithm>
#include <cmath>
#include <utility>

#include <google/protobuf/util/time_util.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/codes.h"
#include "common/domain/fiscal.h"
#include "common/domain/money.h"
#include "common/domain/plan_access.h"
#include "common/domain/plan_event.h"
#include "common/domain/plan_filters.h"
#include "common/domain/plan_validation.h"
#include "common/kit/api.h"
#include "services/kpi/access_policy.h"
#include "services/kpi/ledger.h"

#include "services/kpi/tracker_internal.h"

namespace rfs::kpi {

using google::protobuf::util::TimeUtil;
using registry::v1::Indicator;
using registry::v1::Plan;

Tracker::Tracker(KpiStore* store, RegistryClient* registry, const ReferenceData* reference,
                 TrackerOptions options)
    : store_(store), registry_(registry), reference_(reference), options_(std::move(options)) {}

common::v1::FiscalPeriod Tracker::CurrentHalf() const {
  return FiscalPeriodOf(options_.now());
}

absl::StatusOr<Plan> Tracker::ReadCurrentPlan(const Principal& who, const std::string& name) {
  absl::StatusOr<Plan> plan = registry_->GetPlan(name, 0, registry::v1::PLAN_VIEW_FULL);
  if (!plan.ok()) return HideExistence(who, name, plan.status());
  return SnapshotOf(*plan);
}

absl::StatusOr<Plan> Tracker::HeldPlan(const Principal& who, const std::string& plan_id,
                                       PlanState* state) {
  const std::string name = absl::StrCat("plans/", plan_id);
  ASSIGN_OR_RETURN(*state, store_->Load(plan_id, /*with_contributions=*/false));
  if (state->plan.has_value()) return *state->plan;
  // First sight of the plan: read it from the registry and keep it — once the caller may
  // read it (every caller of HeldPlan reads), so a refused caller writes nothing.
  ASSIGN_OR_RETURN(Plan plan, ReadCurrentPlan(who, name));
  RETURN_IF_ERROR(Authorize(who, Action::kRead, &plan));
  RETURN_IF_ERROR(Resync(plan));
  ASSIGN_OR_RETURN(*state, store_->Load(plan_id, false));
  if (!state->plan.has_value()) return absl::InternalError("plan snapshot was not kept");
  return *state->plan;
}

absl::Status Tracker::Resync(const Plan& plan) {
  Principal system;
  system.subject = kSource;
  system.role = Role::kService;
  return Commit(system, plan, nullptr).status();
}

Moment Tracker::MomentOf(absl::Time now, const PlanState& state,
                         const std::optional<v1::PdcaCycle>& changed) const {
  Moment moment;
  moment.as_of = FiscalPeriodOf(now);
  moment.now = now;
  moment.calendar = options_.calendar;
  moment.notice = options_.report_notice;
  moment.public_since = state.public_since;
  const std::string current = PeriodKey(moment.as_of);
  if (changed.has_value() && PeriodKey(changed->period()) == current) {
    moment.pdca_phase = changed->phase();
  } else if (auto it = state.pdca.find(current); it != state.pdca.end()) {
    moment.pdca_phase = it->second.phase();
  }
  return moment;
}

namespace {

// The report index entry of the plan for the "rep" row `row` (aggregate_key.h).
std::string ReportIndexValue(const Plan& plan, const std::vector<v1::Measurement>& values,
                             const ContributionKey& row) {
  v1::ReportState state_value = v1::REPORT_STATE_UNSPECIFIED;
  v1::ReportState_Parse(row.row.state, &state_value);
  int fiscal_year = 0;
  (void)absl::SimpleAtoi(row.bucket, &fiscal_year);
  absl::flat_hash_set<absl::string_view> with_value;
  for (const v1::Measurement& m : values) {
    if (m.period().fiscal_year() == fiscal_year &&
        (m.period().half() == common::v1::FISCAL_HALF_H1) == (row.row.half == "H1")) {
      with_value.insert(m.indicator_id());
    }
  }
  ReportEntry entry;
  entry.state = static_cast<int>(state_value);
  entry.block = row.row.block;
  for (const Indicator& indicator : plan.indicators()) {
    entry.reported += with_value.contains(indicator.id());
  }
  entry.indicators = plan.indicators_size();
  return FormatReportEntry(entry);
}

// The "rep" row of contribution `key`; nullopt for any other row.
std::optional<ContributionKey> ReportRow(const std::string& key) {
  std::optional<ContributionKey> row = ParseContribution(key);
  if (row.has_value() && row->row.kind != RowKind::kReport) row.reset();
  return row;
}

// "2026-H1": the half year of a "rep" row.
std::string PeriodKeyOf(const ContributionKey& row) {
  return absl::StrCat(row.bucket, "-", row.row.half);
}

// The report index entries `write` sets: when a plan's report state moves, and for the half
// year of the value written (`written_half`, its count moves); removed when it leaves a state.
void AddReportIndex(const std::string& plan_id, const Plan& plan,
                    const std::vector<v1::Measurement>& after_values,
                    const ContributionMap& after, const std::string& written_half,
                    PlanWrite* write) {
  absl::flat_hash_set<std::string> set_halves;
  std::vector<FieldWrite> fields;
  for (const auto& [key, delta] : write->difference) {
    const std::optional<ContributionKey> row = ReportRow(key);
    if (!row.has_value() || delta <= 0) continue;
    const std::string half = PeriodKeyOf(*row);
    set_halves.insert(half);
    fields.push_back({absl::StrCat("rep:", half), plan_id, ReportIndexValue(plan, after_values, *row)});
  }
  if (!written_half.empty() && !set_halves.contains(written_half)) {
    for (const auto& [key, value] : after) {
      const std::optional<ContributionKey> row = ReportRow(key);
      if (!row.has_value() || value <= 0 || PeriodKeyOf(*row) != written_half) continue;
      set_halves.insert(written_half);
      fields.push_back({absl::StrCat("rep:", written_half), plan_id,
                        ReportIndexValue(plan, after_values, *row)});
    }
  }
  for (const auto& [key, delta] : write->difference) {
    const std::optional<ContributionKey> row = ReportRow(key);
    if (!row.has_value() || delta >= 0) continue;
    const std::string half = PeriodKeyOf(*row);
    if (set_halves.insert(half).second) fields.push_back({absl::StrCat("rep:", half), plan_id, ""});
  }
  for (FieldWrite& f : fields) write->fields.push_back(std::move(f));
}

}  // namespace

// Since when the plan is public, when this write is the first to see it so: from the
// registry's history (its move to PUBLISHED_BY_GOVERNOR, read once per Commit into
// `published`); when the history cannot be read, the registry's last change of the plan, which
// came at or after its publication. Nothing when it is kept already or the plan is not public.
std::optional<absl::Time> Tracker::FirstPublic(
    const PlanState& state, const Plan& plan, absl::Time now,
    std::optional<std::optional<absl::Time>>* published) {
  if (state.public_since.has_value() || !IsPublicStage(plan.stage())) return std::nullopt;
  if (!published->has_value()) {
    absl::StatusOr<std::optional<absl::Time>> history = registry_->FirstPublished(plan.name());
    *published = history.ok() ? *history : std::nullopt;
  }
  if ((*published)->has_value()) return std::min(now, ***published);
  return plan.has_update_time() ? std::min(now, FromProto(plan.update_time())) : now;
}

// Events of the indicators whose computed status moved (a value, a new target, or time
// passing), from the state read to the plan and values written.
void Tracker::AddStatusEvents(const Principal& who, const PlanState& state, const Plan& plan,
                              const std::vector<v1::Measurement>& after_values,
                              const common::v1::FiscalPeriod& as_of,
                              const google::protobuf::Timestamp& time,
                              std::vector<common::v1::Event>* events) const {
  const Plan& before_plan = state.plan.has_value() ? *state.plan : plan;
  common::v1::FiscalPeriod before_as_of = as_of;
  if (absl::StatusOr<common::v1::FiscalPeriod> p = ParsePeriodKey(state.as_of.substr(0, 7));
      p.ok()) {
    before_as_of = *p;
  }
  const std::vector<IndicatorEvaluation> was =
      EvaluatePlan(before_plan, state.measurements, before_as_of, options_.thresholds);
  const std::vector<IndicatorEvaluation> is =
      EvaluatePlan(plan, after_values, as_of, options_.thresholds);
  for (int i = 0; i < plan.indicators_size(); ++i) {
    const std::string& id = plan.indicators(i).id();
    for (int j = 0; j < before_plan.indicators_size(); ++j) {
      if (before_plan.indicators(j).id() != id) continue;
      const Status from = was[j].reported.status;
      const Status to = is[i].reported.status;
      if (from == to) break;
      common::v1::Event e =
          PlanEvent(kSource, plan, "kpi.indicator_status_changed", time, who.subject);
      e.set_id(absl::StrCat("kpi/", plan.name(), "/indicators/", id, "/status/",
                            state.generation + 1));
      (*e.mutable_attributes())["indicator_id"] = id;
      (*e.mutable_attributes())["from_status"] = StatusName(from);
      (*e.mutable_attributes())["to_status"] = StatusName(to);
      events->push_back(std::move(e));
      break;
    }
  }
}

// Events of the reports that became due soon or overdue: one per plan, half year and kind.
void Tracker::AddReportEvents(const Principal& who, const Plan& plan,
                              const ContributionMap& before, const ContributionMap& after,
                              const google::protobuf::Timestamp& time,
                              std::vector<common::v1::Event>* events) const {
  for (const auto& [kind, period_key] : ReportNotices(before, after)) {
    common::v1::Event e =
        PlanEvent(kSource, plan, absl::StrCat("kpi.report_", kind), time, who.subject);
    e.set_id(absl::StrCat("kpi/", plan.name(), "/reports/", period_key, "/", kind));
    (*e.mutable_attributes())["period"] = period_key;
    if (absl::StatusOr<common::v1::FiscalPeriod> p = ParsePeriodKey(period_key); p.ok()) {
      (*e.mutable_attributes())["deadline"] =
          absl::FormatTime("%Y-%m-%d", Deadline(options_.calendar, *p) - absl::Seconds(1),
                           JapanTimeZone());
    }
    events->push_back(std::move(e));
  }
}

void Tracker::AddChange(const std::string& plan_id, const Change& change, const Principal* who,
                        PlanWrite* write) const {
  if (!change.request_only) {
    write->measurement = change.measurement;
    if (change.measurement.has_value()) write->change = change.entry;
  }
  if (change.pdca.has_value()) {
    write->fields.push_back({absl::StrCat("pdca:", plan_id), PeriodKey(change.pdca->period()),
                             change.pdca->SerializeAsString()});
  }
  write->events = change.events;
  if (who != nullptr) write->subject = who->subject;
  write->request_key = change.request_key;
  write->request_value = change.request_value;
  write->request_ttl_seconds = options_.request_id_ttl_seconds;
}

absl::StatusOr<Tracker::Change> Tracker::Commit(const Principal& who, const Plan& read_plan,
                                                const Mutation& mutate) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(read_plan.name(), "plan"));
  // Writes of one plan take turns in this process, so they do not make each other read again;
  // the generation check still decides between replicas.
  absl::MutexLock turn(&plan_turns_[absl::HashOf(plan_id) % kPlanTurns]);
  // The registry's publication time of the plan, read once when needed (below).
  std::optional<std::optional<absl::Time>> published;
  for (int attempt = 0; attempt < options_.max_write_attempts; ++attempt) {
    ASSIGN_OR_RETURN(PlanState state, store_->Load(plan_id, /*with_contributions=*/true));
    Change change;
    if (mutate) {
      ASSIGN_OR_RETURN(const bool write_needed, mutate(state, &change));
      if (!write_needed) return change;
    }
    // A sync may have kept a newer version than the registry read this write started from:
    // never go back to an older one.
    const Plan& plan =
        state.plan.has_value() && state.plan->version() > read_plan.version() ? *state.plan
                                                                              : read_plan;
    const absl::Time now = options_.now();
    Moment moment = MomentOf(now, state, change.pdca);
    // Since when the plan is public: kept the first time it is seen so, from the registry's
    // history (its move to PUBLISHED_BY_GOVERNOR); when the history cannot be read, the
    // registry's last change of the plan, which came at or after its publication.
    const std::optional<absl::Time> first_public = FirstPublic(state, plan, now, &published);
    if (first_public.has_value()) moment.public_since = first_public;
    const std::vector<v1::Measurement> after_values =
        change.measurement.has_value() ? With(state.measurements, *change.measurement)
                                       : state.measurements;
    PlanWrite write;
    write.expected_generation = state.generation;
    write.as_of = CalendarMark(options_.calendar, options_.report_notice, now);
    write.plan_version = plan.version();
    KeepPlan(state, plan, &write);
    ForgetRemovedWithoutValues(state, after_values, &write);
    const ContributionMap after = Contributions(plan, after_values, moment, options_.thresholds);
    write.difference = Difference(state.contributions, after);
    if (!mutate && !write.plan.has_value() && write.difference.empty() &&
        state.as_of == write.as_of && !first_public.has_value()) {
      return change;  // nothing moved
    }
    AddChange(plan_id, change, mutate ? &who : nullptr, &write);
    write.bytes = BytesAdded(state, write);
    write.public_since = first_public;
    if (mutate && write.bytes > 0 && options_.plan_bytes_limit > 0 &&
        state.bytes + write.bytes > options_.plan_bytes_limit) {
      return PlanFull(plan.name(), state.bytes, options_.plan_bytes_limit);
    }
    const google::protobuf::Timestamp time = ToProto(now);

    AddStatusEvents(who, state, plan, after_values, moment.as_of, time, &write.events);
    AddReportEvents(who, plan, state.contributions, after, time, &write.events);
    const std::string written_half =
        change.measurement.has_value() ? PeriodKey(change.measurement->period()) : "";
    AddReportIndex(plan_id, plan, after_values, after, written_half, &write);

    write.cells = CellDeltas(write.difference, TokyoAreaOf(*reference_));
    ASSIGN_OR_RETURN(const bool applied, store_->Apply(plan_id, write));
    if (!applied) continue;
    if (mutate) {
      RFS_LOG(kInfo, "audit")
          .Field("actor", who.subject)
          .Field("role", RoleName(who.role))
          .Field("action", change.audit_action)
          .Field("target", change.audit_target)
          .Field("plan_version", plan.version());
    }
    return change;
  }
  return Bilingual(absl::StatusCode::kAborted,
                   "計画の実績値が同時に更新され続けたため、記録できませんでした。再試行してください",
                   "the plan's values kept changing meanwhile; try again");
}

absl::StatusOr<v1::Measurement> Tracker::WriteMeasurement(const Principal& who,
                                                          const Plan& plan,
                                                          const Mutation& mutate) {
  ASSIGN_OR_RETURN(Change change, Commit(who, plan, mutate));
  if (!change.measurement.has_value()) return absl::InternalError("no measurement written");
  MarkNational(plan, &*change.measurement);
  return *std::move(change.measurement);
}

void Tracker::MarkNational(const Plan& plan, v1::Measurement* m) const {
  m->set_outside_national_kgis(OutsideNationalKgis(plan, *m, [this](absl::string_view pref) {
    const PrefectureInfo* info = reference_->FindPrefecture(pref);
    return info != nullptr && info->tokyo_area;
  }));
}

absl::Status Tracker::ResyncHeld(const std::string& plan_id) {
  ASSIGN_OR_RETURN(const PlanState state, store_->Load(plan_id, /*with_contributions=*/false));
  // A snapshot kept before snapshots had the plan's update time: read the plan once more, so
  // that since when it is public is not taken as now.
  if (!state.plan.has_value() || !state.plan->has_update_time()) return RefreshPlan(plan_id);
  return Resync(*state.plan);
}

absl::Status Tracker::RefreshPlan(const std::string& plan_id) {
  absl::StatusOr<Plan> plan =
      registry_->GetPlan(absl::StrCat("plans/", plan_id), 0, registry::v1::PLAN_VIEW_FULL);
  if (!plan.ok()) return plan.status();
  return Resync(SnapshotOf(*plan));
}

absl::StatusOr<int> Tracker::SyncPlans() {
  ASSIGN_OR_RETURN(const auto held, store_->Versions());
  const std::string as_of =
      CalendarMark(options_.calendar, options_.report_notice, options_.now());
  int rewritten = 0;
  registry::v1::ListPlansRequest list;
  list.set_page_size(500);
  list.set_view(registry::v1::PLAN_VIEW_BASIC);
  do {
    ASSIGN_OR_RETURN(registry::v1::ListPlansResponse page, registry_->ListPlans(list));
    for (const Plan& plan : page.plans()) {
      ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(plan.name(), "plan"));
      auto it = held.find(plan_id);
      if (it != held.end() && it->second == absl::StrCat(plan.version(), " ", as_of)) continue;
      // Same version, only the calendar moved: the snapshot held is the plan; otherwise read
      // the new version.
      const bool same_version =
          it != held.end() && absl::StartsWith(it->second, absl::StrCat(plan.version(), " "));
      absl::Status refreshed = same_version ? ResyncHeld(plan_id) : RefreshPlan(plan_id);
      if (!refreshed.ok()) {
        RFS_LOG(kWarning, "plan sync: a plan could not be refreshed")
            .Field("plan", plan.name())
            .Field("error", refreshed.ToString());
        continue;
      }
      ++rewritten;
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  return rewritten;
}

}  // namespace rfs::kpi
