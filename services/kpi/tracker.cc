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

namespace rfs::kpi {

using google::protobuf::util::TimeUtil;
using registry::v1::Indicator;
using registry::v1::Plan;

namespace {

constexpr char kSource[] = "rfs-kpi";
constexpr TextRule kSourceRule{500, false, false};
constexpr TextRule kNoteRule{2000, false, true};
constexpr TextRule kReasonRule{2000, true, true};
constexpr absl::Duration kDefaultUnlock = absl::Hours(24 * 14);
constexpr absl::Duration kMaxUnlock = absl::Hours(24 * 366);

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}
absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}

const Indicator* FindIndicator(const Plan& plan, const std::string& id) {
  for (const Indicator& indicator : plan.indicators()) {
    if (indicator.id() == id) return &indicator;
  }
  return nullptr;
}

// The plan's indicator `id`, or INVALID_ARGUMENT naming indicator_id and listing the plan's.
absl::StatusOr<const Indicator*> IndicatorOf(const Plan& plan, const std::string& id) {
  if (const Indicator* indicator = FindIndicator(plan, id)) return indicator;
  std::vector<std::string> ids;
  for (const Indicator& i : plan.indicators()) ids.push_back(i.id());
  return InvalidField("indicator_id",
                      absl::StrCat(plan.name(), " に指標 '", Excerpt(id), "' はありません（あるのは ",
                                   absl::StrJoin(ids, ", "), "）"),
                      absl::StrCat(plan.name(), " has no indicator '", Excerpt(id), "' (it has ",
                                   absl::StrJoin(ids, ", "), ")"));
}

// OK for a plan type filter left unset or a known type; INVALID_ARGUMENT naming plan_type.
absl::Status ValidatePlanTypeFilter(registry::v1::PlanType type) {
  if (registry::v1::PlanType_IsValid(type)) return absl::OkStatus();
  return InvalidField("plan_type", "計画の類型の値が不正です", "not a plan type");
}

const v1::Measurement* FindMeasurement(const std::vector<v1::Measurement>& ms,
                                       const std::string& indicator_id,
                                       const common::v1::FiscalPeriod& period) {
  for (const v1::Measurement& m : ms) {
    if (m.indicator_id() == indicator_id && m.period().fiscal_year() == period.fiscal_year() &&
        m.period().half() == period.half()) {
      return &m;
    }
  }
  return nullptr;
}

// The plan's measurements with `m` in place of the one of the same indicator and period.
std::vector<v1::Measurement> With(std::vector<v1::Measurement> ms, const v1::Measurement& m) {
  for (v1::Measurement& old : ms) {
    if (old.indicator_id() == m.indicator_id() &&
        old.period().fiscal_year() == m.period().fiscal_year() &&
        old.period().half() == m.period().half()) {
      old = m;
      return ms;
    }
  }
  ms.push_back(m);
  return ms;
}

// A unit's words, for messages.
std::string UnitName(const Indicator& indicator) {
  switch (indicator.unit()) {
    case registry::v1::INDICATOR_UNIT_YEN:
      return "yen";
    case registry::v1::INDICATOR_UNIT_PERSONS:
      return "persons";
    case registry::v1::INDICATOR_UNIT_PERCENT:
      return "percent";
    case registry::v1::INDICATOR_UNIT_YEN_PER_WORKER:
      return "yen per worker";
    default:
      return indicator.unit_label().empty() ? std::string("its unit") : indicator.unit_label();
  }
}

// Amounts that cannot fall below zero: people, things counted, and money flowing in (a
// cumulative yen figure such as investment). Levels in yen (an increase in value added) and
// rates can be negative.
bool NeverNegative(const Indicator& indicator) {
  switch (indicator.unit()) {
    case registry::v1::INDICATOR_UNIT_PERSONS:
    case registry::v1::INDICATOR_UNIT_COUNT:
      return true;
    case registry::v1::INDICATOR_UNIT_YEN:
      return indicator.aggregation() == registry::v1::AGGREGATION_CUMULATIVE;
    default:
      return false;
  }
}

// The prefectures a breakdown may name: those of the plan's area and of its enclaves.
absl::flat_hash_set<std::string> BreakdownPrefectures(const Plan& plan) {
  absl::flat_hash_set<std::string> out(plan.area().prefecture_codes().begin(),
                                       plan.area().prefecture_codes().end());
  for (const auto& enclave : plan.area().enclaves()) {
    if (IsPrefectureCode(enclave.local_government_code()) ||
        enclave.local_government_code().size() == 6) {
      out.insert(PrefectureOf(enclave.local_government_code()));
    }
  }
  return out;
}

absl::Status NotFoundMeasurement(const std::string& name) {
  return Bilingual(absl::StatusCode::kNotFound,
                   absl::StrCat(name, " の実績値はまだ報告されていません"),
                   absl::StrCat(name, " has not been reported"));
}

absl::Status ValidatePlanPeriod(const common::v1::FiscalPeriod& period, absl::string_view field,
                                bool half_required) {
  RETURN_IF_ERROR(ValidateFiscalPeriod(period, field));
  if (half_required && period.half() != common::v1::FISCAL_HALF_H1 &&
      period.half() != common::v1::FISCAL_HALF_H2) {
    return InvalidField(absl::StrCat(field, ".half"),
                        "上期（H1）か下期（H2）を指定してください。年度全体の値は下期（H2）に"
                        "記録します",
                        "give H1 or H2; a figure for a whole fiscal year is recorded at H2");
  }
  return absl::OkStatus();
}

absl::Status WithinPlanPeriod(const Plan& plan, const common::v1::FiscalPeriod& period,
                              absl::string_view field) {
  const int fy = period.fiscal_year();
  if (fy < plan.period().start_fiscal_year() || fy > plan.period().end_fiscal_year()) {
    return InvalidField(
        absl::StrCat(field, ".fiscal_year"),
        absl::StrCat(fy, "年度は ", plan.name(), " の計画期間（",
                     plan.period().start_fiscal_year(), "〜", plan.period().end_fiscal_year(),
                     "年度）の外です"),
        absl::StrCat("FY", fy, " is outside the period of ", plan.name(), " (FY",
                     plan.period().start_fiscal_year(), "–FY", plan.period().end_fiscal_year(),
                     ")"));
  }
  return absl::OkStatus();
}

// Keeps `plan` as the snapshot when it differs from the one held, with the last definitions of
// the indicators it dropped (and forgetting those it brings back).
void KeepPlan(const PlanState& state, const Plan& plan, PlanWrite* write) {
  if (state.plan.has_value() && state.plan->SerializeAsString() == plan.SerializeAsString()) {
    return;
  }
  write->plan = plan;
  if (!state.plan.has_value() || state.plan->title() != plan.title()) {
    write->fields.push_back(
        {"titles", std::string(absl::StripPrefix(plan.name(), "plans/")), plan.title()});
  }
  // A dropped indicator is kept only while it has values to show (GetProgress lists them as
  // removed); one without values is forgotten, so replacing indicators costs nothing here.
  if (state.plan.has_value()) {
    absl::flat_hash_set<absl::string_view> with_values;
    for (const v1::Measurement& m : state.measurements) with_values.insert(m.indicator_id());
    for (const Indicator& old : state.plan->indicators()) {
      if (FindIndicator(plan, old.id()) == nullptr && with_values.contains(old.id())) {
        write->removed.push_back(old);
        SlimIndicator(&write->removed.back());
      }
    }
  }
  for (const Indicator& removed : state.removed) {
    if (FindIndicator(plan, removed.id()) != nullptr) write->restored.push_back(removed.id());
  }
}

// Removed indicators kept from before rfs-kpi kept only those with values, and slim: one
// without values is forgotten, one with a description is kept again without it.
void ForgetRemovedWithoutValues(const PlanState& state,
                                const std::vector<v1::Measurement>& measurements,
                                PlanWrite* write) {
  absl::flat_hash_set<absl::string_view> with_values;
  for (const v1::Measurement& m : measurements) with_values.insert(m.indicator_id());
  for (const Indicator& held : state.removed) {
    if (std::find(write->restored.begin(), write->restored.end(), held.id()) !=
        write->restored.end()) {
      continue;
    }
    if (!with_values.contains(held.id())) {
      write->restored.push_back(held.id());
    } else if (!held.description().empty()) {
      Indicator slim = held;
      SlimIndicator(&slim);
      write->removed.push_back(std::move(slim));
    }
  }
}

// "PDCA_PHASE_CHECK" → "CHECK", "PROGRESS_STATUS_ON_TRACK" → "ON_TRACK": the short names the
// events, audit lines and metrics use.
std::string ShortName(const std::string& enum_name, absl::string_view prefix) {
  absl::string_view name = enum_name;
  absl::ConsumePrefix(&name, prefix);
  return std::string(name);
}
std::string PhaseName(v1::PdcaPhase phase) {
  return ShortName(v1::PdcaPhase_Name(phase), "PDCA_PHASE_");
}

// What `write` adds to the bytes of the plan's KPI state read as `state` (PlanState::bytes):
// the measurement over the one it replaces, its history entry, removed indicators kept or
// forgotten, and PDCA cycles over the ones they replace.
int64_t BytesAdded(const PlanState& state, const PlanWrite& write) {
  int64_t bytes = 0;
  if (write.measurement.has_value()) {
    bytes += static_cast<int64_t>(write.measurement->ByteSizeLong());
    if (const v1::Measurement* old = FindMeasurement(
            state.measurements, write.measurement->indicator_id(), write.measurement->period())) {
      bytes -= static_cast<int64_t>(old->ByteSizeLong());
    }
  }
  if (write.change.has_value()) bytes += static_cast<int64_t>(write.change->ByteSizeLong());
  for (const Indicator& removed : write.removed) {
    bytes += static_cast<int64_t>(removed.ByteSizeLong());
    for (const Indicator& held : state.removed) {  // kept again: replaces the one held
      if (held.id() == removed.id()) bytes -= static_cast<int64_t>(held.ByteSizeLong());
    }
  }
  for (const Indicator& held : state.removed) {
    if (std::find(write.restored.begin(), write.restored.end(), held.id()) !=
        write.restored.end()) {
      bytes -= static_cast<int64_t>(held.ByteSizeLong());
    }
  }
  for (const FieldWrite& f : write.fields) {
    if (!absl::StartsWith(f.key, "pdca:")) continue;
    bytes += static_cast<int64_t>(f.value.size());
    if (auto it = state.pdca.find(f.field); it != state.pdca.end()) {
      bytes -= static_cast<int64_t>(it->second.ByteSizeLong());
    }
  }
  return bytes;
}

// OK for a plan being implemented: published by the governor, submitted, published nationally,
// or in revision after that (DOMAIN.md: implementation with its PDCA follows the governor's
// publication; a plan in revision is still being implemented). FAILED_PRECONDITION naming the
// stage otherwise: a draft is not yet a commitment, a withdrawn plan no longer one.
absl::Status BeingImplemented(const Plan& plan, absl::string_view what_ja,
                              absl::string_view what_en) {
  if (IsPublicStage(plan.stage())) return absl::OkStatus();
  const std::string stage = StageName(plan.stage());
  if (plan.stage() == registry::v1::PLAN_STAGE_WITHDRAWN) {
    return FailedPrecondition(
        absl::StrCat(plan.name(), " は取り下げられています（", stage, "）。取り下げた計画の",
                     what_ja, "ることはできません"),
        absl::StrCat(plan.name(), " is withdrawn (", stage, "): no more ", what_en,
                     " for it"));
  }
  return FailedPrecondition(
      absl::StrCat(plan.name(), " は ", stage, " の段階です。", what_ja,
                   "るのは知事が公表した後（PUBLISHED_BY_GOVERNOR 以降）の計画です"),
      absl::StrCat(plan.name(), " is at stage ", stage, "; ", what_en,
                   " once the governor has published the plan (PUBLISHED_BY_GOVERNOR or later)"));
}

// RESOURCE_EXHAUSTED: the plan holds as much as one plan may.
absl::Status PlanFull(const std::string& plan_name, int64_t held, int64_t limit) {
  return Bilingual(
      absl::StatusCode::kResourceExhausted,
      absl::StrCat(plan_name, " の実績値・履歴・PDCA の記録は ", held / 1024, " KiB で、1計画の上限 ",
                   limit / 1024,
                   " KiB に達しています。備考や理由を短くするか、事務局に相談してください"),
      absl::StrCat(plan_name, " holds ", held / 1024, " KiB of values, histories and PDCA "
                   "records, the most one plan may (", limit / 1024,
                   " KiB); shorten notes and reasons, or ask the secretariat"));
}

}  // namespace

// What a write changes: the measurement as it will stand and its history entry, or the PDCA
// cycle; its own events (status and report events are added by Commit), and what the audit
// log says.
struct Tracker::Change {
  std::optional<v1::Measurement> measurement;
  v1::MeasurementChange entry;
  std::optional<v1::PdcaCycle> pdca;
  std::vector<common::v1::Event> events;
  std::string audit_action;
  std::string audit_target;
  std::string request_key;
  std::string request_value;
  // Only the request id is remembered (the value sent is the value held).
  bool request_only = false;
};

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
    std::optional<absl::Time> first_public;
    if (!state.public_since.has_value() && IsPublicStage(plan.stage())) {
      if (!published.has_value()) {
        absl::StatusOr<std::optional<absl::Time>> history = registry_->FirstPublished(plan.name());
        published = history.ok() ? *history : std::nullopt;
      }
      first_public = published->has_value()
                         ? std::min(now, **published)
                         : plan.has_update_time() ? std::min(now, FromProto(plan.update_time()))
                                                  : now;
      moment.public_since = first_public;
    }
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
    if (!change.request_only) {
      write.measurement = change.measurement;
      if (change.measurement.has_value()) write.change = change.entry;
    }
    if (change.pdca.has_value()) {
      write.fields.push_back({absl::StrCat("pdca:", plan_id), PeriodKey(change.pdca->period()),
                              change.pdca->SerializeAsString()});
    }
    write.bytes = BytesAdded(state, write);
    write.public_since = first_public;
    if (mutate && write.bytes > 0 && options_.plan_bytes_limit > 0 &&
        state.bytes + write.bytes > options_.plan_bytes_limit) {
      return PlanFull(plan.name(), state.bytes, options_.plan_bytes_limit);
    }
    write.events = change.events;
    if (mutate) write.subject = who.subject;  // the plan sync is the service's own
    write.request_key = change.request_key;
    write.request_value = change.request_value;
    write.request_ttl_seconds = options_.request_id_ttl_seconds;
    const google::protobuf::Timestamp time = ToProto(now);

    // Indicators whose computed status moved (a value, a new target, or time passing).
    const Plan& before_plan = state.plan.has_value() ? *state.plan : plan;
    common::v1::FiscalPeriod before_as_of = moment.as_of;
    if (absl::StatusOr<common::v1::FiscalPeriod> p = ParsePeriodKey(state.as_of.substr(0, 7));
        p.ok()) {
      before_as_of = *p;
    }
    const std::vector<IndicatorEvaluation> was =
        EvaluatePlan(before_plan, state.measurements, before_as_of, options_.thresholds);
    const std::vector<IndicatorEvaluation> is =
        EvaluatePlan(plan, after_values, moment.as_of, options_.thresholds);
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
        write.events.push_back(std::move(e));
        break;
      }
    }
    // Reports that became due soon or overdue: one event per plan, half year and kind.
    for (const auto& [kind, period_key] : ReportNotices(state.contributions, after)) {
      common::v1::Event e = PlanEvent(kSource, plan, absl::StrCat("kpi.report_", kind), time,
                                      who.subject);
      e.set_id(absl::StrCat("kpi/", plan.name(), "/reports/", period_key, "/", kind));
      (*e.mutable_attributes())["period"] = period_key;
      if (absl::StatusOr<common::v1::FiscalPeriod> p = ParsePeriodKey(period_key); p.ok()) {
        (*e.mutable_attributes())["deadline"] =
            absl::FormatTime("%Y-%m-%d", Deadline(options_.calendar, *p) - absl::Seconds(1),
                             JapanTimeZone());
      }
      write.events.push_back(std::move(e));
    }
    // The report index follows the "rep" rows: "{fy}|rep|{H}|{STATE}|{type}|{block}", and
    // holds "{state}|{block}|{indicators with a value}|{indicators}" per plan: set when the
    // state moves, and for the half year of the value written (its count moves).
    const auto index_value = [&](const std::vector<std::string>& parts) {
      v1::ReportState state_value = v1::REPORT_STATE_UNSPECIFIED;
      v1::ReportState_Parse(parts[3], &state_value);
      int fiscal_year = 0;
      (void)absl::SimpleAtoi(parts[0], &fiscal_year);
      absl::flat_hash_set<absl::string_view> with_value;
      for (const v1::Measurement& m : after_values) {
        if (m.period().fiscal_year() == fiscal_year &&
            (m.period().half() == common::v1::FISCAL_HALF_H1) == (parts[2] == "H1")) {
          with_value.insert(m.indicator_id());
        }
      }
      int reported = 0;
      for (const Indicator& indicator : plan.indicators()) {
        reported += with_value.contains(indicator.id());
      }
      return absl::StrCat(static_cast<int>(state_value), "|", parts[5], "|", reported, "|",
                          plan.indicators_size());
    };
    const std::string written_half =
        change.measurement.has_value() ? PeriodKey(change.measurement->period()) : "";
    absl::flat_hash_set<std::string> set_halves;
    for (const auto& [key, delta] : write.difference) {
      const std::vector<std::string> parts = absl::StrSplit(key, '|');
      if (parts.size() != 6 || parts[1] != "rep" || delta <= 0) continue;
      const std::string half = absl::StrCat(parts[0], "-", parts[2]);
      set_halves.insert(half);
      write.fields.push_back({absl::StrCat("rep:", half), plan_id, index_value(parts)});
    }
    if (!written_half.empty() && !set_halves.contains(written_half)) {
      for (const auto& [key, value] : after) {
        const std::vector<std::string> parts = absl::StrSplit(key, '|');
        if (parts.size() != 6 || parts[1] != "rep" || value <= 0 ||
            absl::StrCat(parts[0], "-", parts[2]) != written_half) {
          continue;
        }
        set_halves.insert(written_half);
        write.fields.push_back(
            {absl::StrCat("rep:", written_half), plan_id, index_value(parts)});
      }
    }
    for (const auto& [key, delta] : write.difference) {
      const std::vector<std::string> parts = absl::StrSplit(key, '|');
      if (parts.size() != 6 || parts[1] != "rep" || delta >= 0) continue;
      const std::string half = absl::StrCat(parts[0], "-", parts[2]);
      if (set_halves.insert(half).second) {
        write.fields.push_back({absl::StrCat("rep:", half), plan_id, ""});
      }
    }

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

absl::StatusOr<v1::Measurement> Tracker::RecordMeasurement(
    const Principal& who, const v1::RecordMeasurementRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  if (!IsIndicatorId(req.indicator_id())) {
    return InvalidField("indicator_id",
                        "計画の指標 ID（kgi-capex など、英小文字・数字・'-' の 64 文字以内）を"
                        "指定してください",
                        "give the id of one of the plan's indicators (like kgi-capex)");
  }
  RETURN_IF_ERROR(ValidatePlanPeriod(req.period(), "period", /*half_required=*/true));
  RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  RETURN_IF_ERROR(ValidateText(req.source(), "source", kSourceRule));
  RETURN_IF_ERROR(ValidateText(req.note(), "note", kNoteRule));
  if (!req.etag().empty()) RETURN_IF_ERROR(ParseEtag(req.etag()).status());

  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, req.plan()));
  RETURN_IF_ERROR(Authorize(who, Action::kRecord, &plan));
  RETURN_IF_ERROR(BeingImplemented(plan, "実績値を報告", "values are reported"));

  // The request against the plan's current version.
  ASSIGN_OR_RETURN(const Indicator* indicator, IndicatorOf(plan, req.indicator_id()));
  RETURN_IF_ERROR(WithinPlanPeriod(plan, req.period(), "period"));
  const absl::Time now = options_.now();
  if (PeriodStart(req.period()) > now) {
    return InvalidField(
        "period",
        absl::StrCat(FormatPeriodJa(req.period()), "はまだ始まっていません。実績値は期が始まってから"
                                                   "報告してください"),
        absl::StrCat(FormatPeriod(req.period()), " has not begun yet"));
  }
  if (req.unit() != registry::v1::INDICATOR_UNIT_UNSPECIFIED && req.unit() != indicator->unit()) {
    return InvalidField(
        "unit",
        absl::StrCat("指標 ", indicator->id(), " の単位は ", UnitName(*indicator), "（",
                     registry::v1::IndicatorUnit_Name(indicator->unit()),
                     "）です。その単位の値を送ってください"),
        absl::StrCat("indicator ", indicator->id(), " is in ", UnitName(*indicator), " (",
                     registry::v1::IndicatorUnit_Name(indicator->unit()),
                     "); send the value in that unit"));
  }
  if (req.has_decimal_places() && req.decimal_places() != indicator->decimal_places()) {
    return InvalidField(
        "decimal_places",
        absl::StrCat("指標 ", indicator->id(), " の値は小数点以下 ", indicator->decimal_places(),
                     " 桁の固定小数点です"),
        absl::StrCat("values of indicator ", indicator->id(), " have ",
                     indicator->decimal_places(), " decimal places"));
  }
  if (req.value() > kMaxYen || req.value() < -kMaxYen) {
    return InvalidField("value",
                        "値の絶対値は 10^15（1,000兆）以下にしてください",
                        "must be within ±10^15 (the registry's bound for indicator values)");
  }
  if (NeverNegative(*indicator) && req.value() < 0) {
    return InvalidField(
        "value",
        absl::StrCat("指標 ", indicator->id(), "（", UnitName(*indicator),
                     "）の値は負になりません"),
        absl::StrCat("indicator ", indicator->id(), " (", UnitName(*indicator),
                     ") cannot be negative"));
  }
  if (!req.breakdown().empty() && indicator->unit() != registry::v1::INDICATOR_UNIT_YEN &&
      indicator->unit() != registry::v1::INDICATOR_UNIT_PERSONS &&
      indicator->unit() != registry::v1::INDICATOR_UNIT_COUNT) {
    return InvalidField(
        "breakdown",
        absl::StrCat("指標 ", indicator->id(), "（", UnitName(*indicator),
                     "）は都道府県別に足し合わせられないため、内訳は指定できません"),
        absl::StrCat("indicator ", indicator->id(), " (", UnitName(*indicator),
                     ") does not add up across prefectures: give no breakdown"));
  }
  if (!req.breakdown().empty()) {
    const absl::flat_hash_set<std::string> allowed = BreakdownPrefectures(plan);
    absl::flat_hash_set<std::string> seen;
    int64_t sum = 0;
    for (int i = 0; i < req.breakdown_size(); ++i) {
      const v1::PrefectureValue& part = req.breakdown(i);
      const std::string field = absl::StrCat("breakdown[", i, "].prefecture_code");
      if (!allowed.contains(part.prefecture_code())) {
        return InvalidField(
            field,
            absl::StrCat("'", Excerpt(part.prefecture_code()), "' は ", plan.name(),
                         " の区域の都道府県ではありません（区域: ",
                         absl::StrJoin(allowed, ", "), "）"),
            absl::StrCat("'", Excerpt(part.prefecture_code()),
                         "' is not a prefecture of the area of ", plan.name(), " (",
                         absl::StrJoin(allowed, ", "), ")"));
      }
      if (!seen.insert(part.prefecture_code()).second) {
        return InvalidField(field,
                            absl::StrCat(part.prefecture_code(), " が二度あります"),
                            absl::StrCat(part.prefecture_code(), " appears twice"));
      }
      if (part.value() > kMaxYen || part.value() < -kMaxYen) {
        return InvalidField(absl::StrCat("breakdown[", i, "].value"),
                            "値の絶対値は 10^15（1,000兆）以下にしてください",
                            "must be within ±10^15");
      }
      if (NeverNegative(*indicator) && part.value() < 0) {
        return InvalidField(absl::StrCat("breakdown[", i, "].value"), "負の値は指定できません",
                            "cannot be negative");
      }
      sum += part.value();
    }
    if (sum != req.value()) {
      return InvalidField(
          "breakdown",
          absl::StrCat("都道府県別の内訳の合計 ", sum, " が値 ", req.value(), " と一致しません"),
          absl::StrCat("the parts add up to ", sum, ", not to the value ", req.value()));
    }
  }

  const std::string name = MeasurementName(plan_id, indicator->id(), req.period());
  const std::string request_key =
      req.request_id().empty() ? std::string() : store_->RequestKey(who.subject, req.request_id());
  // The request as a write: a check of it (validate_only) and the write itself are the same
  // request, so a checked retry of a recorded line finds its id.
  std::string fingerprint;
  if (!req.request_id().empty()) {
    v1::RecordMeasurementRequest as_write = req;
    as_write.clear_validate_only();
    fingerprint = RequestFingerprint(as_write);
  }
  const absl::Time deadline = Deadline(options_.calendar, req.period());
  return WriteMeasurement(who, plan, [&](const PlanState& state, Change* change) -> absl::StatusOr<bool> {
    const v1::Measurement* current = FindMeasurement(state.measurements, indicator->id(),
                                                     req.period());
    if (!request_key.empty()) {
      ASSIGN_OR_RETURN(std::optional<std::string> seen, store_->GetRequest(request_key));
      if (seen.has_value()) {
        if (*seen != absl::StrCat(name, " ", fingerprint)) {
          return InvalidField(
              "request_id",
              "この request_id は別の内容の報告に使われています。新しい報告には新しい "
              "request_id を付けてください",
              "this request_id was used for another report; give a new report a new id");
        }
        if (current == nullptr) return NotFoundMeasurement(name);
        change->measurement = *current;
        return false;
      }
    }
    if (!req.etag().empty() && (current == nullptr || current->etag() != req.etag())) {
      return EtagConflict(name, req.etag(), current == nullptr ? "" : current->etag());
    }
    // Locked after the deadline unless a reviewer reopened the half year.
    if (now >= deadline) {
      auto it = state.unlocks.find(PeriodKey(req.period()));
      const bool open = it != state.unlocks.end() && it->second.has_unlocked_until() &&
                        now < FromProto(it->second.unlocked_until());
      if (!open) {
        return FailedPrecondition(
            absl::StrCat(FormatPeriodJa(req.period()), "の報告期限（",
                         absl::FormatTime("%Y-%m-%d", deadline - absl::Seconds(1),
                                          JapanTimeZone()),
                         "）を過ぎたため締め切られています。報告するには地方局又は事務局に"
                         "受付の再開を依頼してください"),
            absl::StrCat(FormatPeriod(req.period()), " closed at its report deadline (",
                         absl::FormatTime("%Y-%m-%d", deadline - absl::Seconds(1),
                                          JapanTimeZone()),
                         " JST); ask the bureau or the secretariat to reopen it"));
      }
    }
    v1::Measurement m;
    if (current != nullptr) m = *current;
    const bool same = current != nullptr && current->value() == req.value() &&
                      current->source() == req.source() && current->note() == req.note() &&
                      current->breakdown_size() == req.breakdown_size() &&
                      std::equal(current->breakdown().begin(), current->breakdown().end(),
                                 req.breakdown().begin(),
                                 [](const v1::PrefectureValue& a, const v1::PrefectureValue& b) {
                                   return a.prefecture_code() == b.prefecture_code() &&
                                          a.value() == b.value();
                                 });
    if (same && current->state() != v1::MEASUREMENT_STATE_RETURNED) {
      change->measurement = *current;
      if (request_key.empty() || req.validate_only()) return false;  // nothing to correct
      // Nothing to correct, but the request id is remembered, so that a retry after someone
      // else's correction does not write this value back.
      change->request_only = true;
      change->request_key = request_key;
      change->request_value = absl::StrCat(name, " ", fingerprint);
      change->audit_action = "RECORD_MEASUREMENT_UNCHANGED";
      change->audit_target = name;
      return true;
    }
    m.set_name(name);
    m.set_plan(plan.name());
    m.set_indicator_id(indicator->id());
    *m.mutable_period() = req.period();
    m.set_value(req.value());
    *m.mutable_breakdown() = req.breakdown();
    m.set_source(req.source());
    m.set_note(req.note());
    m.set_state(v1::MEASUREMENT_STATE_REPORTED);
    m.set_reported_by(who.subject);
    *m.mutable_report_time() = ToProto(now);
    m.set_revision(m.revision() + 1);
    m.set_etag(EtagOf(m.revision()));
    m.set_late(now >= deadline);

    if (req.validate_only()) {
      change->measurement = std::move(m);
      return false;  // checked as a write would be; nothing written
    }
    v1::MeasurementChange& entry = change->entry;
    entry.set_action(current == nullptr ? v1::MeasurementChange::ACTION_RECORDED
                                        : v1::MeasurementChange::ACTION_CORRECTED);
    entry.set_actor(who.subject);
    *entry.mutable_time() = ToProto(now);
    if (current != nullptr) entry.set_old_value(current->value());
    entry.set_new_value(req.value());
    entry.set_reason(req.note());
    entry.set_revision(m.revision());

    common::v1::Event& e = change->events.emplace_back(
        PlanEvent(kSource, plan, "kpi.measurement_recorded", ToProto(now), who.subject));
    e.set_id(absl::StrCat("kpi/", name, "/r", m.revision()));
    (*e.mutable_attributes())["measurement"] = name;
    (*e.mutable_attributes())["indicator_id"] = indicator->id();
    (*e.mutable_attributes())["correction"] = current == nullptr ? "false" : "true";
    SetPayload(m, &e);
    change->audit_action = current == nullptr ? "RECORD_MEASUREMENT" : "CORRECT_MEASUREMENT";
    change->audit_target = name;
    change->request_key = request_key;
    if (!request_key.empty()) change->request_value = absl::StrCat(name, " ", fingerprint);
    change->measurement = std::move(m);
    return true;
  });
}

namespace {

// The measurement a review names, in the state read.
absl::StatusOr<const v1::Measurement*> Reviewed(const PlanState& state, const MeasurementRef& ref,
                                                const std::string& name,
                                                const std::string& etag) {
  const v1::Measurement* current = FindMeasurement(state.measurements, ref.indicator_id,
                                                   ref.period);
  if (current == nullptr) return NotFoundMeasurement(name);
  if (!etag.empty() && current->etag() != etag) {
    return EtagConflict(name, etag, current->etag());
  }
  return current;
}

}  // namespace

absl::StatusOr<v1::Measurement> Tracker::Review(const Principal& who, const std::string& name_in,
                                                const std::string& etag,
                                                const std::string& comment, bool verify) {
  ASSIGN_OR_RETURN(const MeasurementRef ref, ParseMeasurementName(name_in, "name"));
  RETURN_IF_ERROR(ValidateText(comment, "comment", verify ? kNoteRule : kReasonRule));
  if (!etag.empty()) RETURN_IF_ERROR(ParseEtag(etag).status());
  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, absl::StrCat("plans/", ref.plan_id)));
  RETURN_IF_ERROR(Authorize(who, Action::kReview, &plan));
  const std::string name = MeasurementName(ref.plan_id, ref.indicator_id, ref.period);
  const absl::Time now = options_.now();
  const v1::MeasurementState to =
      verify ? v1::MEASUREMENT_STATE_VERIFIED : v1::MEASUREMENT_STATE_RETURNED;
  return WriteMeasurement(who, plan, [&](const PlanState& state, Change* change) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(const v1::Measurement* current, Reviewed(state, ref, name, etag));
    v1::Measurement m = *current;
    if (m.state() == to && comment == m.review_comment() && m.reviewed_by() == who.subject) {
      change->measurement = std::move(m);
      return false;  // a retry of the same decision
    }
    // Four eyes: whoever reported the value (or last corrected it) does not review it, also
    // with another role's token.
    if (m.reported_by() == who.subject) {
      return Bilingual(
          absl::StatusCode::kPermissionDenied,
          absl::StrCat(name, " の現在の値は ", Excerpt(who.subject),
                       " 自身が報告したものです。確認・差戻しは報告者以外の担当者が行います"),
          absl::StrCat(Excerpt(who.subject), " reported the current value of ", name,
                       " and may not ", verify ? "verify" : "return",
                       " it: another person reviews it"));
    }
    v1::MeasurementChange& entry = change->entry;
    entry.set_action(verify ? v1::MeasurementChange::ACTION_VERIFIED
                            : v1::MeasurementChange::ACTION_RETURNED);
    entry.set_actor(who.subject);
    *entry.mutable_time() = ToProto(now);
    if (verify) {
      // What the verified value was, and what it is now.
      if (m.has_verified_value()) entry.set_old_value(m.verified_value());
      m.set_verified_value(m.value());
      *m.mutable_verified_breakdown() = m.breakdown();
    } else {
      entry.set_old_value(m.value());
    }
    entry.set_new_value(m.value());
    entry.set_reason(comment);
    m.set_state(to);
    m.set_review_comment(comment);
    m.set_reviewed_by(who.subject);
    *m.mutable_review_time() = ToProto(now);
    m.set_revision(m.revision() + 1);
    m.set_etag(EtagOf(m.revision()));
    entry.set_revision(m.revision());
    common::v1::Event& e = change->events.emplace_back(PlanEvent(
        kSource, plan, verify ? "kpi.measurement_verified" : "kpi.measurement_returned",
        ToProto(now), who.subject));
    e.set_id(absl::StrCat("kpi/", name, "/r", m.revision()));
    (*e.mutable_attributes())["measurement"] = name;
    (*e.mutable_attributes())["indicator_id"] = ref.indicator_id;
    SetPayload(m, &e);
    change->audit_action = verify ? "VERIFY_MEASUREMENT" : "RETURN_MEASUREMENT";
    change->audit_target = name;
    change->measurement = std::move(m);
    return true;
  });
}

absl::StatusOr<v1::Measurement> Tracker::VerifyMeasurement(
    const Principal& who, const v1::VerifyMeasurementRequest& req) {
  return Review(who, req.name(), req.etag(), req.comment(), /*verify=*/true);
}

absl::StatusOr<v1::Measurement> Tracker::ReturnMeasurement(
    const Principal& who, const v1::ReturnMeasurementRequest& req) {
  return Review(who, req.name(), req.etag(), req.comment(), /*verify=*/false);
}

absl::StatusOr<v1::ListMeasurementsResponse> Tracker::ListMeasurements(
    const Principal& who, const v1::ListMeasurementsRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  if (req.fiscal_year() != 0 &&
      (req.fiscal_year() < kMinFiscalYear || req.fiscal_year() > kMaxFiscalYear)) {
    return InvalidField("fiscal_year",
                        absl::StrCat(kMinFiscalYear, "〜", kMaxFiscalYear,
                                     " の年度、又は 0（全年度）を指定してください"),
                        absl::StrCat("give a fiscal year in ", kMinFiscalYear, "..",
                                     kMaxFiscalYear, ", or 0 for every year"));
  }
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 100, 1000));
  // The token holds the measurement to continue at ("{indicator}|{fy}-{H}", the order of the
  // list) and how much of its history was sent: values recorded between pages neither shift
  // nor repeat what comes next.
  const uint64_t binding = StableHash(absl::StrCat(req.plan(), "|", req.indicator_id(), "|",
                                                   req.fiscal_year(), "|",
                                                   req.include_history()));
  ASSIGN_OR_RETURN(const KeyPosition position,
                   DecodeKeyPageToken(req.page_token(), "measurements", binding));
  std::string resume_indicator;
  int64_t resume_half = 0;
  if (!position.key.empty()) {
    const std::vector<std::string> parts = absl::StrSplit(position.key, '|');
    std::optional<common::v1::FiscalPeriod> period;
    if (parts.size() == 2) {
      if (absl::StatusOr<common::v1::FiscalPeriod> p = ParsePeriodKey(parts[1]); p.ok()) {
        period = *p;
      }
    }
    if (!period.has_value()) {
      return InvalidField("page_token",
                          "このメソッドが返したトークンではありません。page_token を指定せずに"
                          "最初からやり直してください",
                          "not a token this method returned; start again without one");
    }
    resume_indicator = parts[0];
    resume_half = HalfIndex(*period);
  }

  PlanState state;
  ASSIGN_OR_RETURN(const Plan plan, HeldPlan(who, plan_id, &state));
  RETURN_IF_ERROR(Authorize(who, Action::kRead, &plan));
  std::vector<v1::Measurement> all;
  for (v1::Measurement& m : state.measurements) {
    if (!req.indicator_id().empty() && m.indicator_id() != req.indicator_id()) continue;
    if (req.fiscal_year() != 0 && m.period().fiscal_year() != req.fiscal_year()) continue;
    all.push_back(std::move(m));
  }
  std::sort(all.begin(), all.end(), [](const v1::Measurement& a, const v1::Measurement& b) {
    if (a.indicator_id() != b.indicator_id()) return a.indicator_id() < b.indicator_id();
    return HalfIndex(a.period()) < HalfIndex(b.period());
  });
  // The first measurement at or after the token's; its history from the token's offset when
  // it is the same one.
  size_t index = 0;
  int64_t offset = 0;
  if (!position.key.empty()) {
    while (index < all.size() &&
           std::make_pair(all[index].indicator_id(), HalfIndex(all[index].period())) <
               std::make_pair(resume_indicator, resume_half)) {
      ++index;
    }
    if (index < all.size() && all[index].indicator_id() == resume_indicator &&
        HalfIndex(all[index].period()) == resume_half) {
      offset = position.offset;
    }
  }
  const auto field_of = [](const v1::Measurement& m) {
    return KpiStore::MeasurementField(m.indicator_id(), m.period());
  };
  // The first entries of the page's histories in one round trip (a few each: most histories
  // are that short); a longer one is read on a chunk at a time.
  constexpr int64_t kFirstEntries = 8;
  constexpr int64_t kChunk = 256;
  std::vector<KpiStore::HistoryPart> firsts;
  if (req.include_history()) {
    std::vector<std::pair<std::string, int64_t>> fields;
    for (size_t i = index; i < all.size() && fields.size() < static_cast<size_t>(page_size); ++i) {
      fields.emplace_back(field_of(all[i]), i == index ? offset : 0);
    }
    ASSIGN_OR_RETURN(firsts, store_->HistoryRanges(plan_id, fields, kFirstEntries));
  }
  v1::ListMeasurementsResponse response;
  size_t bytes = 0;
  for (size_t n = 0; index < all.size() && response.measurements_size() < page_size;
       ++index, ++n, offset = 0) {
    v1::Measurement m = std::move(all[index]);
    MarkNational(plan, &m);
    bytes += m.ByteSizeLong();
    // A page holds at least one measurement, whatever its size.
    if (response.measurements_size() > 0 && bytes > options_.max_page_bytes) {
      response.set_next_page_token(EncodeKeyPageToken("measurements", binding, field_of(m), 0));
      return response;
    }
    if (!req.include_history()) {
      *response.add_measurements() = std::move(m);
      continue;
    }
    KpiStore::HistoryPart part = std::move(firsts[n]);
    for (;;) {
      for (v1::MeasurementChange& entry : part.items) {
        bytes += entry.ByteSizeLong() + 4;
        // A page holds at least one history entry; the rest of this history starts the next
        // page (with the measurement again).
        if (bytes > options_.max_page_bytes &&
            m.history_size() + response.measurements_size() > 0) {
          const std::string field = field_of(m);
          if (m.history_size() > 0) *response.add_measurements() = std::move(m);
          response.set_next_page_token(EncodeKeyPageToken("measurements", binding, field, offset));
          return response;
        }
        *m.add_history() = std::move(entry);
        ++offset;
      }
      if (offset >= part.length || part.items.empty()) break;
      ASSIGN_OR_RETURN(std::vector<KpiStore::HistoryPart> more,
                       store_->HistoryRanges(plan_id, {{field_of(m), offset}}, kChunk));
      part = std::move(more[0]);
    }
    *response.add_measurements() = std::move(m);
  }
  if (index < all.size()) {
    response.set_next_page_token(
        EncodeKeyPageToken("measurements", binding, field_of(all[index]), 0));
  }
  return response;
}

namespace {

void FillActual(const Progress& p, v1::Actual* out) {
  if (p.actual.has_value()) {
    out->set_value(*p.actual);
    out->mutable_period()->set_fiscal_year(static_cast<int32_t>(p.actual_half / 2));
    out->mutable_period()->set_half(p.actual_half % 2 == 0 ? common::v1::FISCAL_HALF_H1
                                                           : common::v1::FISCAL_HALF_H2);
  }
  if (p.expected.has_value() && p.actual.has_value()) {
    out->set_expected(static_cast<int64_t>(std::llround(*p.expected)));
  }
  if (p.ratio.has_value() && std::isfinite(*p.ratio)) out->set_ratio(*p.ratio);
  out->set_status(ToProto(p.status));
}

}  // namespace

absl::StatusOr<v1::PlanProgress> Tracker::GetProgress(const Principal& who,
                                                      const v1::GetProgressRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  common::v1::FiscalPeriod as_of = CurrentHalf();
  if (req.has_as_of()) {
    RETURN_IF_ERROR(ValidatePlanPeriod(req.as_of(), "as_of", /*half_required=*/true));
    as_of = req.as_of();
  }
  // Progress changes only with the plan's generation (values, snapshot, overrides) and the
  // half year asked about: one HGET tells whether the progress computed last still holds.
  if (options_.progress_cache_plans == 0) return ComputeProgress(who, plan_id, as_of);
  ASSIGN_OR_RETURN(const int64_t generation, store_->Generation(plan_id));
  const std::string as_of_key = PeriodKey(as_of);
  if (auto cached = Kept(plan_id, generation, as_of_key)) {
    RETURN_IF_ERROR(Authorize(who, Action::kRead, &cached->plan));
    return cached->progress;
  }
  if (options_.progress_cache_miss != nullptr) options_.progress_cache_miss->Increment();
  const std::string flight_key = absl::StrCat(plan_id, " ", as_of_key);
  std::shared_ptr<Flight> flight;
  bool lead = false;
  {
    absl::MutexLock lock(&progress_mu_);
    std::shared_ptr<Flight>& f = flights_[flight_key];
    if (f == nullptr) {
      f = std::make_shared<Flight>();
      lead = true;
    }
    flight = f;
  }
  if (!lead) {
    // The leader's reads are bounded by the Redis and registry deadlines.
    flight->done.WaitForNotification();
    if (auto cached = Kept(plan_id, generation, as_of_key)) {
      RETURN_IF_ERROR(Authorize(who, Action::kRead, &cached->plan));
      return cached->progress;
    }
    // The leader failed (its caller may not read the plan, say): compute for this caller.
    return ComputeProgress(who, plan_id, as_of);
  }
  absl::StatusOr<v1::PlanProgress> out = ComputeProgress(who, plan_id, as_of);
  {
    absl::MutexLock lock(&progress_mu_);
    flights_.erase(flight_key);
  }
  flight->done.Notify();
  return out;
}

std::shared_ptr<const Tracker::CachedProgress> Tracker::Kept(const std::string& plan_id,
                                                             int64_t generation,
                                                             const std::string& as_of) {
  std::shared_ptr<const CachedProgress> cached;
  {
    absl::MutexLock lock(&progress_mu_);
    auto it = progress_.find(plan_id);
    if (it != progress_.end()) cached = it->second;
  }
  if (cached == nullptr || cached->generation < generation || cached->as_of != as_of) {
    return nullptr;
  }
  if (options_.progress_cache_hit != nullptr) options_.progress_cache_hit->Increment();
  return cached;
}

void Tracker::Keep(const std::string& plan_id, std::shared_ptr<CachedProgress> entry) {
  entry->bytes = entry->plan.SpaceUsedLong() + entry->progress.SpaceUsedLong() + plan_id.size();
  // An answer larger than the whole cache is not kept.
  if (entry->bytes > options_.progress_cache_bytes) return;
  absl::MutexLock lock(&progress_mu_);
  if (auto it = progress_.find(plan_id); it != progress_.end()) {
    progress_bytes_ -= it->second->bytes;
    progress_.erase(it);
  }
  // Bounded by plans and by bytes: when full, start over (the plans read most come back first).
  if (progress_.size() >= options_.progress_cache_plans ||
      progress_bytes_ + entry->bytes > options_.progress_cache_bytes) {
    progress_.clear();
    progress_bytes_ = 0;
  }
  progress_bytes_ += entry->bytes;
  progress_[plan_id] = std::move(entry);
}

absl::StatusOr<v1::PlanProgress> Tracker::ComputeProgress(const Principal& who,
                                                          const std::string& plan_id,
                                                          const common::v1::FiscalPeriod& as_of) {
  PlanState state;
  ASSIGN_OR_RETURN(const Plan plan, HeldPlan(who, plan_id, &state));
  // The read rule comes after the answer is kept: the answer is the same whoever asks, so a
  // caller who may not read the plan cannot make every reader waiting on it compute it again.

  v1::PlanProgress out;
  out.set_plan(plan.name());
  out.set_plan_version(plan.version());
  *out.mutable_as_of() = as_of;
  const std::vector<IndicatorEvaluation> evaluations =
      EvaluatePlan(plan, state.measurements, as_of, options_.thresholds);
  v1::ProgressSummary* summary = out.mutable_summary();
  for (int i = 0; i < plan.indicators_size(); ++i) {
    const Indicator& indicator = plan.indicators(i);
    const IndicatorEvaluation& e = evaluations[i];
    v1::IndicatorProgress* p = out.add_indicators();
    *p->mutable_indicator() = indicator;
    FillActual(e.reported, p->mutable_reported());
    FillActual(e.verified, p->mutable_verified());
    if (const auto expected = ExpectedAt(indicator, HalfIndex(as_of))) {
      p->set_expected_now(static_cast<int64_t>(std::llround(*expected)));
    }
    if (auto it = state.overrides.find(indicator.id()); it != state.overrides.end()) {
      *p->mutable_override() = it->second;
    }
    p->set_measurements(e.measurements);
    p->set_verified_measurements(e.verified_measurements);
    (*summary->mutable_indicators_by_status())[StatusName(e.reported.status)] += 1;
    if (indicator.kind() == registry::v1::INDICATOR_KIND_KPI) {
      summary->set_kpis(summary->kpis() + 1);
      if (e.reported.status == Status::kAchieved) {
        summary->set_kpis_achieved(summary->kpis_achieved() + 1);
      }
    }
  }
  summary->set_any_kpi_achieved(summary->kpis_achieved() > 0);
  // Indicators the plan dropped, with their values.
  for (const Indicator& indicator : state.removed) {
    if (FindIndicator(plan, indicator.id()) != nullptr) continue;
    const std::vector<Actual> reported = ActualsOf(state.measurements, indicator.id(), false);
    if (reported.empty()) continue;
    v1::IndicatorProgress* p = out.add_indicators();
    *p->mutable_indicator() = indicator;
    p->set_removed(true);
    FillActual(Evaluate(indicator, reported, as_of, options_.thresholds), p->mutable_reported());
    FillActual(Evaluate(indicator, ActualsOf(state.measurements, indicator.id(), true), as_of,
                        options_.thresholds),
               p->mutable_verified());
    p->set_measurements(static_cast<int32_t>(reported.size()));
  }
  if (options_.progress_cache_plans > 0) {
    auto entry = std::make_shared<CachedProgress>();
    entry->generation = state.generation;
    entry->as_of = PeriodKey(as_of);
    entry->plan = plan;
    entry->progress = out;
    Keep(plan_id, std::move(entry));
  }
  RETURN_IF_ERROR(Authorize(who, Action::kRead, &plan));
  return out;
}

absl::StatusOr<v1::StatusOverride> Tracker::OverrideStatus(
    const Principal& who, const v1::OverrideStatusRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  if (!v1::ProgressStatus_IsValid(req.status())) {
    return InvalidField("status", "状態の値が不正です", "not a progress status");
  }
  RETURN_IF_ERROR(ValidateText(req.reason(), "reason", kReasonRule));
  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, req.plan()));
  RETURN_IF_ERROR(Authorize(who, Action::kOverride, &plan));
  RETURN_IF_ERROR(IndicatorOf(plan, req.indicator_id()).status());
  const absl::Time now = options_.now();
  v1::StatusOverride o;
  o.set_plan(plan.name());
  o.set_indicator_id(req.indicator_id());
  o.set_status(req.status());
  o.set_reason(req.reason());
  o.set_actor(who.subject);
  *o.mutable_time() = ToProto(now);
  common::v1::Event e = PlanEvent(kSource, plan, "kpi.status_overridden", ToProto(now),
                                  who.subject);
  e.set_id(absl::StrCat("kpi/", plan.name(), "/indicators/", req.indicator_id(), "/override/",
                        absl::ToUnixNanos(now)));
  (*e.mutable_attributes())["indicator_id"] = req.indicator_id();
  (*e.mutable_attributes())["status"] =
      ShortName(v1::ProgressStatus_Name(req.status()), "PROGRESS_STATUS_");
  SetPayload(o, &e);
  RETURN_IF_ERROR(store_->PutOverride(plan_id, o, e, who.subject));
  RFS_LOG(kInfo, "audit")
      .Field("actor", who.subject)
      .Field("role", RoleName(who.role))
      .Field("action", req.status() == v1::PROGRESS_STATUS_UNSPECIFIED ? "CLEAR_OVERRIDE"
                                                                       : "OVERRIDE_STATUS")
      .Field("plan", plan.name())
      .Field("indicator", req.indicator_id())
      .Field("status", ShortName(v1::ProgressStatus_Name(req.status()), "PROGRESS_STATUS_"));
  return o;
}

absl::StatusOr<v1::PeriodLock> Tracker::UnlockPeriod(const Principal& who,
                                                     const v1::UnlockPeriodRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  RETURN_IF_ERROR(ValidatePlanPeriod(req.period(), "period", /*half_required=*/true));
  RETURN_IF_ERROR(ValidateText(req.reason(), "reason", kReasonRule));
  const absl::Time now = options_.now();
  const absl::Time until = req.has_until() ? FromProto(req.until()) : now + kDefaultUnlock;
  if (until <= now || until > now + kMaxUnlock) {
    return InvalidField("until", "現在から 366 日以内の将来の日時を指定してください",
                        "give a time in the next 366 days");
  }
  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, req.plan()));
  RETURN_IF_ERROR(Authorize(who, Action::kUnlock, &plan));
  RETURN_IF_ERROR(WithinPlanPeriod(plan, req.period(), "period"));
  v1::PeriodLock lock;
  lock.set_plan(plan.name());
  *lock.mutable_period() = req.period();
  *lock.mutable_deadline() = ToProto(Deadline(options_.calendar, req.period()));
  *lock.mutable_unlocked_until() = ToProto(until);
  lock.set_unlocked_by(who.subject);
  lock.set_reason(req.reason());
  lock.set_locked(false);
  common::v1::Event e = PlanEvent(kSource, plan, "kpi.period_unlocked", ToProto(now),
                                  who.subject);
  e.set_id(absl::StrCat("kpi/", plan.name(), "/periods/", PeriodKey(req.period()), "/unlock/",
                        absl::ToUnixNanos(now)));
  (*e.mutable_attributes())["period"] = PeriodKey(req.period());
  SetPayload(lock, &e);
  RETURN_IF_ERROR(store_->PutUnlock(plan_id, PeriodKey(req.period()), lock, e, who.subject));
  RFS_LOG(kInfo, "audit")
      .Field("actor", who.subject)
      .Field("role", RoleName(who.role))
      .Field("action", "UNLOCK_PERIOD")
      .Field("plan", plan.name())
      .Field("period", PeriodKey(req.period()))
      .Field("until", absl::FormatTime(until));
  return lock;
}

absl::StatusOr<v1::AggregateKgiResponse> Tracker::AggregateKgi(
    const Principal& who, const v1::AggregateKgiRequest& req) {
  RETURN_IF_ERROR(Authorize(who, Action::kAggregate));
  if (req.fiscal_year() < kMinFiscalYear || req.fiscal_year() > kMaxFiscalYear) {
    return InvalidField("fiscal_year",
                        absl::StrCat(kMinFiscalYear, "〜", kMaxFiscalYear,
                                     " の年度を指定してください（2027 など）"),
                        absl::StrCat("give a fiscal year in ", kMinFiscalYear, "..",
                                     kMaxFiscalYear, " (like 2027)"));
  }
  RETURN_IF_ERROR(ValidatePlanTypeFilter(req.plan_type()));
  RETURN_IF_ERROR(ValidateBlockFilter(*reference_, req.block()));
  RETURN_IF_ERROR(ValidateStrategicFieldFilter(*reference_, req.strategic_field()));
  ASSIGN_OR_RETURN(const std::string prefecture_code,
                   NormalizePrefectureFilter(req.prefecture_code()));
  const PrefectureInfo* filter_pref =
      prefecture_code.empty() ? nullptr : reference_->FindPrefecture(prefecture_code);
  // The cells of ledger.h AggregateCells: a fixed handful of fields whatever the number of
  // plans — by prefecture when one is asked for, else outside (and, when asked, inside) the
  // Tokyo area.
  const std::string type =
      req.plan_type() == registry::v1::PLAN_TYPE_UNSPECIFIED ? "*" : PlanTypeLetter(req.plan_type());
  const std::string block = req.block().empty() ? "*" : req.block();
  const std::string sfield = req.strategic_field().empty() ? "*" : req.strategic_field();
  if (filter_pref != nullptr && filter_pref->tokyo_area && !req.include_tokyo_area()) {
    return InvalidField(
        "prefecture_code",
        absl::StrCat(filter_pref->name_ja,
                     "は東京圏の都道府県で、全国KGIの集計からは除かれます。この都道府県の値を"
                     "見るには include_tokyo_area を指定してください"),
        absl::StrCat(filter_pref->name_en,
                     " is in the Tokyo area, which the national KGIs leave out; set "
                     "include_tokyo_area to see its values"));
  }
  const std::string suffix = filter_pref != nullptr ? ":pref" : "";
  std::vector<std::string> areas;
  if (filter_pref != nullptr) {
    if (!filter_pref->tokyo_area || req.include_tokyo_area()) areas.push_back(prefecture_code);
  } else {
    areas.push_back("other");
    if (req.include_tokyo_area()) areas.push_back("tokyo");
  }
  const registry::v1::MandatoryKgi kgis[] = {registry::v1::MANDATORY_KGI_CAPEX,
                                             registry::v1::MANDATORY_KGI_VALUE_ADDED,
                                             registry::v1::MANDATORY_KGI_TALENT};
  static constexpr const char* kMetrics[] = {"t", "r", "v"};
  static constexpr const char* kCounts[] = {"plans", "plans_ach", "kpis", "kpis_ach"};
  std::vector<std::string> year_fields;
  for (const auto kgi : kgis) {
    for (const char* m : kMetrics) {
      for (const std::string& area : areas) {
        year_fields.push_back(
            absl::StrCat(m, "|", AggregatedKgiName(kgi), "|", type, "|", block, "|", area));
      }
    }
  }
  std::vector<std::string> now_fields;
  for (const char* c : kCounts) {
    for (const std::string& area : areas) {
      now_fields.push_back(absl::StrCat(c, "|", type, "|", block, "|", area));
    }
  }
  v1::AggregateKgiResponse out;
  out.set_fiscal_year(req.fiscal_year());
  std::vector<std::vector<int64_t>> values(2);
  if (!areas.empty()) {
    ASSIGN_OR_RETURN(values,
                     store_->AggregateFields(
                         {{absl::StrCat(req.fiscal_year(), ":", sfield, suffix), year_fields},
                          {absl::StrCat("now:", sfield, suffix), now_fields}}));
  }
  size_t i = 0;
  for (const auto kgi : kgis) {
    v1::KgiTotal* t = out.add_totals();
    t->set_kgi(kgi);
    t->set_unit(kgi == registry::v1::MANDATORY_KGI_TALENT ? registry::v1::INDICATOR_UNIT_PERSONS
                                                          : registry::v1::INDICATOR_UNIT_YEN);
    for (int m = 0; m < 3; ++m) {
      for (size_t a = 0; a < areas.size(); ++a, ++i) {
        const int64_t v = values[0][i];
        if (m == 0) t->set_target(t->target() + v);
        if (m == 1) t->set_reported(t->reported() + v);
        if (m == 2) t->set_verified(t->verified() + v);
      }
    }
  }
  int64_t counts[4] = {0, 0, 0, 0};
  i = 0;
  for (int c = 0; c < 4; ++c) {
    for (size_t a = 0; a < areas.size(); ++a, ++i) counts[c] += values[1][i];
  }
  const int64_t plans = counts[0], plans_ach = counts[1], kpis = counts[2], kpis_ach = counts[3];
  out.set_plans(static_cast<int32_t>(plans));
  out.set_plans_with_kpi_achieved(static_cast<int32_t>(plans_ach));
  out.set_plans_with_kpi_achieved_ratio(plans > 0 ? static_cast<double>(plans_ach) / plans : 0);
  out.set_kpis(static_cast<int32_t>(kpis));
  out.set_kpis_achieved(static_cast<int32_t>(kpis_ach));
  out.set_kpis_achieved_ratio(kpis > 0 ? static_cast<double>(kpis_ach) / kpis : 0);
  return out;
}

absl::StatusOr<v1::ReportingStatus> Tracker::GetReportingStatus(
    const Principal& who, const v1::GetReportingStatusRequest& req) {
  RETURN_IF_ERROR(Authorize(who, Action::kAggregate));
  RETURN_IF_ERROR(ValidatePlanPeriod(req.period(), "period", /*half_required=*/true));
  RETURN_IF_ERROR(ValidatePlanTypeFilter(req.plan_type()));
  RETURN_IF_ERROR(ValidateBlockFilter(*reference_, req.block()));
  const std::string type =
      req.plan_type() == registry::v1::PLAN_TYPE_UNSPECIFIED ? "" : PlanTypeLetter(req.plan_type());
  const std::string half = req.period().half() == common::v1::FISCAL_HALF_H1 ? "H1" : "H2";
  const std::string period_key = PeriodKey(req.period());
  ASSIGN_OR_RETURN(auto year, store_->Aggregate(absl::StrCat(req.period().fiscal_year())));
  ASSIGN_OR_RETURN(auto index, store_->ReportIndex(period_key));

  v1::ReportingStatus out;
  *out.mutable_period() = req.period();
  *out.mutable_deadline() = ToProto(Deadline(options_.calendar, req.period()));
  *out.mutable_compute_time() = ToProto(options_.now());
  // Counts: "rep|{H}|{STATE}|{type}|{block}" rows of the fiscal year.
  for (const auto& [key, value] : year) {
    const std::vector<absl::string_view> parts = absl::StrSplit(key, '|');
    if (parts.size() != 5 || parts[0] != "rep" || parts[1] != half) continue;
    if (!type.empty() && parts[3] != type) continue;
    if (!req.block().empty() && parts[4] != req.block()) continue;
    v1::ReportState state = v1::REPORT_STATE_UNSPECIFIED;
    v1::ReportState_Parse(std::string(parts[2]), &state);
    const int32_t n = static_cast<int32_t>(value);
    out.set_expected(out.expected() + n);
    switch (state) {
      case v1::REPORT_STATE_NOT_YET_DUE:
        out.set_not_yet_due(out.not_yet_due() + n);
        break;
      case v1::REPORT_STATE_ON_TIME:
        out.set_on_time(out.on_time() + n);
        break;
      case v1::REPORT_STATE_LATE:
        out.set_late(out.late() + n);
        break;
      case v1::REPORT_STATE_INCOMPLETE:
        out.set_incomplete(out.incomplete() + n);
        break;
      case v1::REPORT_STATE_MISSING:
        out.set_missing(out.missing() + n);
        break;
      default:
        break;
    }
  }
  // The plans, as far as the caller may see them.
  std::vector<std::string> ids;
  for (const auto& [plan_id, value] : index) {
    if (!type.empty() && plan_id.substr(0, 1) != type) continue;
    const std::vector<absl::string_view> fields = absl::StrSplit(value, '|');
    if (!req.block().empty() && (fields.size() < 2 || fields[1] != req.block())) continue;
    ids.push_back(plan_id);
  }
  std::sort(ids.begin(), ids.end());
  // Their titles, and which of them the caller may read: the titles kept, and the snapshots (a
  // batch at a time, so memory per call stays bounded however many plans report) only of the
  // plans of a caller who may not read every plan, or whose title is not kept yet (plans last
  // synced before titles were kept).
  ASSIGN_OR_RETURN(auto titles, store_->Titles(ids));
  const bool every = ReadsEveryPlan(who);
  std::vector<std::string> to_read;
  for (const std::string& plan_id : ids) {
    if (!every || !titles.contains(plan_id)) to_read.push_back(plan_id);
  }
  absl::flat_hash_set<std::string> hidden;
  constexpr size_t kBatch = 64;
  for (size_t from = 0; from < to_read.size(); from += kBatch) {
    const std::vector<std::string> batch(to_read.begin() + from,
                                         to_read.begin() + std::min(to_read.size(), from + kBatch));
    ASSIGN_OR_RETURN(const auto snapshots, store_->Snapshots(batch));
    for (const std::string& plan_id : batch) {
      auto it = snapshots.find(plan_id);
      if (!every && (it == snapshots.end() || !CanReadPlan(who, it->second))) {
        hidden.insert(plan_id);
      } else if (it != snapshots.end()) {
        titles.try_emplace(plan_id, it->second.title());
      }
    }
  }
  if (!hidden.empty()) {
    ids.erase(std::remove_if(ids.begin(), ids.end(),
                             [&](const std::string& id) { return hidden.contains(id); }),
              ids.end());
  }
  for (const std::string& plan_id : ids) {
    // "{state}|{block}|{reported}|{indicators}" (entries kept before the counts: the first two).
    const std::vector<std::string> fields = absl::StrSplit(index.at(plan_id), '|');
    int state = 0;
    if (fields.size() < 2 || !absl::SimpleAtoi(fields[0], &state)) continue;
    v1::PlanReport* r = out.add_plans();
    r->set_plan(absl::StrCat("plans/", plan_id));
    r->set_plan_type(plan_id[0] == 'A'   ? registry::v1::PLAN_TYPE_A
                     : plan_id[0] == 'B' ? registry::v1::PLAN_TYPE_B
                                         : registry::v1::PLAN_TYPE_C);
    r->set_block(fields[1]);
    if (auto title = titles.find(plan_id); title != titles.end()) r->set_title(title->second);
    r->set_state(static_cast<v1::ReportState>(state));
    int reported = 0, indicators = 0;
    if (fields.size() == 4 && absl::SimpleAtoi(fields[2], &reported) &&
        absl::SimpleAtoi(fields[3], &indicators)) {
      r->set_reported(reported);
      r->set_indicators(indicators);
    }
  }
  return out;
}

namespace {

v1::PdcaCycle NewCycle(const Plan& plan, const common::v1::FiscalPeriod& period) {
  v1::PdcaCycle cycle;
  cycle.set_name(absl::StrCat(plan.name(), "/pdca/", PeriodKey(period)));
  cycle.set_plan(plan.name());
  *cycle.mutable_period() = period;
  cycle.set_phase(v1::PDCA_PHASE_PLAN);
  cycle.set_etag(EtagOf(0));
  return cycle;
}

bool IsDate(const std::string& text) {
  absl::CivilDay day;
  return text.size() == 10 && absl::ParseCivilTime(text, &day);
}

}  // namespace

absl::StatusOr<v1::PdcaCycle> Tracker::GetPdcaCycle(const Principal& who,
                                                    const v1::GetPdcaCycleRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  RETURN_IF_ERROR(ValidatePlanPeriod(req.period(), "period", /*half_required=*/true));
  PlanState state;
  ASSIGN_OR_RETURN(const Plan plan, HeldPlan(who, plan_id, &state));
  RETURN_IF_ERROR(Authorize(who, Action::kRead, &plan));
  RETURN_IF_ERROR(WithinPlanPeriod(plan, req.period(), "period"));
  auto it = state.pdca.find(PeriodKey(req.period()));
  if (it != state.pdca.end()) return it->second;
  return NewCycle(plan, req.period());
}

absl::StatusOr<v1::PdcaCycle> Tracker::AdvancePdcaCycle(const Principal& who,
                                                        const v1::AdvancePdcaCycleRequest& req,
                                                        const std::string& caller_token) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  RETURN_IF_ERROR(ValidatePlanPeriod(req.period(), "period", /*half_required=*/true));
  if (req.to_phase() < v1::PDCA_PHASE_DO || req.to_phase() > v1::PDCA_PHASE_ACT) {
    return InvalidField("to_phase", "次の段階（DO、CHECK 又は ACT）を指定してください",
                        "give the next phase: DO, CHECK or ACT");
  }
  const bool check = req.to_phase() == v1::PDCA_PHASE_CHECK;
  const bool act = req.to_phase() == v1::PDCA_PHASE_ACT;
  RETURN_IF_ERROR(ValidateText(req.findings(), "findings", {10'000, check, true}));
  if (!check && !req.findings().empty()) {
    return InvalidField("findings", "所見は CHECK に進めるときに記入します",
                        "findings go with the move to CHECK");
  }
  if (act && (req.actions().empty() || req.actions_size() > 50)) {
    return InvalidField("actions", "ACT には改善策を 1〜50 件指定してください",
                        "ACT needs 1 to 50 improvement actions");
  }
  if (!act && (!req.actions().empty() || req.request_revision())) {
    return InvalidField(req.actions().empty() ? "request_revision" : "actions",
                        "改善策と計画の見直しの依頼は ACT に進めるときに指定します",
                        "actions and a revision request go with the move to ACT");
  }
  for (int i = 0; i < req.actions_size(); ++i) {
    const v1::ImprovementAction& a = req.actions(i);
    RETURN_IF_ERROR(
        ValidateText(a.description(), absl::StrCat("actions[", i, "].description"),
                     {2000, true, true}));
    RETURN_IF_ERROR(
        ValidateText(a.owner(), absl::StrCat("actions[", i, "].owner"), {200, true, false}));
    if (!IsDate(a.due_date())) {
      return InvalidField(absl::StrCat("actions[", i, "].due_date"),
                          "期限を YYYY-MM-DD の日付で指定してください（2027-03-31 など）",
                          "give the due date as YYYY-MM-DD (like 2027-03-31)");
    }
  }
  RETURN_IF_ERROR(ValidateText(req.comment(), "comment", kNoteRule));
  if (!req.etag().empty()) RETURN_IF_ERROR(ParseEtag(req.etag()).status());

  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, req.plan()));
  RETURN_IF_ERROR(Authorize(who, Action::kPdca, &plan));
  RETURN_IF_ERROR(BeingImplemented(plan, "PDCA サイクルを進め", "PDCA cycles move"));
  RETURN_IF_ERROR(WithinPlanPeriod(plan, req.period(), "period"));
  const std::string period_key = PeriodKey(req.period());
  if (PeriodStart(req.period()) > options_.now()) {
    return InvalidField(
        "period",
        absl::StrCat(FormatPeriodJa(req.period()),
                     "はまだ始まっていません。PDCA サイクルは期が始まってから進めます"),
        absl::StrCat(FormatPeriod(req.period()),
                     " has not begun yet; its PDCA cycle moves once it has"));
  }

  // ACT asking for a revision moves the plan first, as the caller: a retry finds it REVISING
  // and does not move it again. Only a move the cycle allows gets that far: the cycle is
  // checked here (etag, phase) and again where it is written.
  int64_t revision_version = 0;
  bool move_plan = false;
  if (act && req.request_revision()) {
    ASSIGN_OR_RETURN(const PlanState held, store_->Load(plan_id, /*with_contributions=*/false));
    auto it = held.pdca.find(period_key);
    const v1::PdcaCycle cycle = it != held.pdca.end() ? it->second : NewCycle(plan, req.period());
    if (!req.etag().empty() && req.etag() != cycle.etag() &&
        cycle.phase() != v1::PDCA_PHASE_ACT) {
      return EtagConflict(cycle.name(), req.etag(), cycle.etag());
    }
    if (cycle.phase() != v1::PDCA_PHASE_CHECK && cycle.phase() != v1::PDCA_PHASE_ACT) {
      return FailedPrecondition(
          absl::StrCat(cycle.name(), " は ", PhaseName(cycle.phase()),
                       " の段階です。ACT には CHECK の後に進めます"),
          absl::StrCat(cycle.name(), " is in ", PhaseName(cycle.phase()),
                       "; ACT comes after CHECK"));
    }
    // Already in ACT: a retry of the move that got there (Commit answers with the cycle as it
    // stands) or a move Commit refuses (the cycle is complete). Either way the plan is not
    // moved, whatever stage it is in now and whether or not that ACT asked for a revision.
    if (cycle.phase() == v1::PDCA_PHASE_ACT) {
      revision_version = cycle.revision_plan_version();
    } else {
      // What else Commit could refuse, checked before the plan moves: the plan's bound and
      // the caller's quota. (A race with another move of the same cycle, or the caller's
      // own writes using up the quota meanwhile, can still refuse the cycle after the plan
      // moved: the same ACT sent again then completes it without moving the plan twice.)
      const int64_t grows = static_cast<int64_t>(req.ByteSizeLong() + cycle.ByteSizeLong());
      if (options_.plan_bytes_limit > 0 && held.bytes + grows > options_.plan_bytes_limit) {
        return PlanFull(plan.name(), held.bytes, options_.plan_bytes_limit);
      }
      // The write carries the cycle about twice (the cycle and its event's payload).
      RETURN_IF_ERROR(store_->CheckQuota(who.subject, 2 * grows));
      move_plan = true;
    }
  }
  if (move_plan) {
    if (plan.stage() == registry::v1::PLAN_STAGE_REVISING) {
      revision_version = plan.version();
    } else {
      registry::v1::TransitionPlanRequest transition;
      transition.set_name(plan.name());
      transition.set_target_stage(registry::v1::PLAN_STAGE_REVISING);
      transition.set_comment(absl::StrCat("PDCA ", period_key, " ACT: ", req.comment()));
      ASSIGN_OR_RETURN(const Plan moved, registry_->TransitionPlanAs(caller_token, transition));
      revision_version = moved.version();
    }
  }
  const absl::Time now = options_.now();
  ASSIGN_OR_RETURN(
      Change change, Commit(who, plan, [&](const PlanState& state, Change* change)
                                           -> absl::StatusOr<bool> {
        auto it = state.pdca.find(period_key);
        v1::PdcaCycle cycle = it != state.pdca.end() ? it->second : NewCycle(plan, req.period());
        if (cycle.phase() == req.to_phase() && !cycle.transitions().empty() &&
            cycle.transitions().rbegin()->actor() == who.subject &&
            cycle.transitions().rbegin()->comment() == req.comment()) {
          change->pdca = std::move(cycle);
          return false;  // a retry of the same move
        }
        if (!req.etag().empty() && req.etag() != cycle.etag()) {
          return EtagConflict(cycle.name(), req.etag(), cycle.etag());
        }
        if (req.to_phase() != cycle.phase() + 1) {
          return FailedPrecondition(
              absl::StrCat(cycle.name(), " は ", PhaseName(cycle.phase()),
                           " の段階です。次に進めるのは ",
                           cycle.phase() == v1::PDCA_PHASE_ACT
                               ? std::string("（なし：このサイクルは完了しています）")
                               : PhaseName(static_cast<v1::PdcaPhase>(cycle.phase() + 1)),
                           " です"),
              absl::StrCat(cycle.name(), " is in ", PhaseName(cycle.phase()),
                           cycle.phase() == v1::PDCA_PHASE_ACT
                               ? std::string("; the cycle is complete")
                               : absl::StrCat("; it moves next to ",
                                              PhaseName(static_cast<v1::PdcaPhase>(
                                                  cycle.phase() + 1)))));
        }
        v1::PdcaTransition* t = cycle.add_transitions();
        t->set_from_phase(cycle.phase());
        t->set_to_phase(req.to_phase());
        t->set_actor(who.subject);
        *t->mutable_time() = ToProto(now);
        t->set_comment(req.comment());
        cycle.set_phase(req.to_phase());
        cycle.set_etag(EtagOf(cycle.transitions_size()));
        if (check) {
          cycle.set_findings(req.findings());
          cycle.clear_checks();
          const std::vector<IndicatorEvaluation> evaluations =
              EvaluatePlan(plan, state.measurements, req.period(), options_.thresholds);
          for (int i = 0; i < plan.indicators_size(); ++i) {
            v1::IndicatorCheck* c = cycle.add_checks();
            c->set_indicator_id(plan.indicators(i).id());
            const Progress& p = evaluations[i].reported;
            c->set_status(ToProto(p.status));
            if (p.actual.has_value()) c->set_actual(*p.actual);
            if (p.expected.has_value()) c->set_expected(std::llround(*p.expected));
            if (auto o = state.overrides.find(plan.indicators(i).id());
                o != state.overrides.end()) {
              c->set_override_status(o->second.status());
            }
          }
        }
        if (act) {
          *cycle.mutable_actions() = req.actions();
          cycle.set_revision_requested(req.request_revision());
          cycle.set_revision_plan_version(revision_version);
        }
        common::v1::Event& e = change->events.emplace_back(
            PlanEvent(kSource, plan, "kpi.pdca_phase_changed", ToProto(now), who.subject));
        e.set_id(absl::StrCat("kpi/", cycle.name(), "/", PhaseName(req.to_phase())));
        (*e.mutable_attributes())["period"] = period_key;
        (*e.mutable_attributes())["from_phase"] = PhaseName(t->from_phase());
        (*e.mutable_attributes())["to_phase"] = PhaseName(req.to_phase());
        if (act && req.request_revision()) (*e.mutable_attributes())["revision_requested"] = "true";
        SetPayload(cycle, &e);
        change->audit_action = absl::StrCat("PDCA_", PhaseName(req.to_phase()));
        change->audit_target = cycle.name();
        change->pdca = std::move(cycle);
        return true;
      }));
  return *std::move(change.pdca);
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
