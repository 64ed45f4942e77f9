// PDCA cycles: reading one, and moving it a phase on (ACT may ask the registry for a revision).
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

namespace {

// The checks of an AdvancePdcaCycleRequest that need no plan.
absl::Status ValidateAdvance(const v1::AdvancePdcaCycleRequest& req) {
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
    RETURN_IF_ERROR(ValidateText(a.description(), absl::StrCat("actions[", i, "].description"),
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
  return absl::OkStatus();
}

// FAILED_PRECONDITION: `cycle` does not move to `to_phase` next (the next phase named, or the
// cycle complete).
absl::Status NotTheNextPhase(const v1::PdcaCycle& cycle) {
  const bool complete = cycle.phase() == v1::PDCA_PHASE_ACT;
  const std::string next =
      complete ? "" : PhaseName(static_cast<v1::PdcaPhase>(cycle.phase() + 1));
  return FailedPrecondition(
      absl::StrCat(cycle.name(), " は ", PhaseName(cycle.phase()), " の段階です。次に進めるのは ",
                   complete ? std::string("（なし：このサイクルは完了しています）") : next,
                   " です"),
      absl::StrCat(cycle.name(), " is in ", PhaseName(cycle.phase()),
                   complete ? std::string("; the cycle is complete")
                            : absl::StrCat("; it moves next to ", next)));
}

// CHECK's snapshot: each indicator's computed status, actual and expected value of the half
// year, and the reviewer's status where one is set.
void FillChecks(const Plan& plan, const PlanState& state, const common::v1::FiscalPeriod& period,
                const Thresholds& thresholds, v1::PdcaCycle* cycle) {
  cycle->clear_checks();
  const std::vector<IndicatorEvaluation> evaluations =
      EvaluatePlan(plan, state.measurements, period, thresholds);
  for (int i = 0; i < plan.indicators_size(); ++i) {
    v1::IndicatorCheck* c = cycle->add_checks();
    c->set_indicator_id(plan.indicators(i).id());
    const Progress& p = evaluations[i].reported;
    c->set_status(ToProto(p.status));
    if (p.actual.has_value()) c->set_actual(*p.actual);
    if (p.expected.has_value()) c->set_expected(std::llround(*p.expected));
    if (auto o = state.overrides.find(plan.indicators(i).id()); o != state.overrides.end()) {
      c->set_override_status(o->second.status());
    }
  }
}

}  // namespace

absl::StatusOr<v1::PdcaCycle> Tracker::AdvancePdcaCycle(const Principal& who,
                                                        const v1::AdvancePdcaCycleRequest& req,
                                                        const std::string& caller_token) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  RETURN_IF_ERROR(ValidateAdvance(req));
  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, req.plan()));
  RETURN_IF_ERROR(Authorize(who, Action::kPdca, &plan));
  RETURN_IF_ERROR(BeingImplemented(plan, "PDCA サイクルを進め", "PDCA cycles move"));
  RETURN_IF_ERROR(WithinPlanPeriod(plan, req.period(), "period"));
  if (PeriodStart(req.period()) > options_.now()) {
    return InvalidField(
        "period",
        absl::StrCat(FormatPeriodJa(req.period()),
                     "はまだ始まっていません。PDCA サイクルは期が始まってから進めます"),
        absl::StrCat(FormatPeriod(req.period()),
                     " has not begun yet; its PDCA cycle moves once it has"));
  }
  int64_t revision_version = 0;
  if (req.to_phase() == v1::PDCA_PHASE_ACT && req.request_revision()) {
    ASSIGN_OR_RETURN(revision_version, RequestRevision(who, plan, plan_id, req, caller_token));
  }
  const absl::Time now = options_.now();
  ASSIGN_OR_RETURN(Change change,
                   Commit(who, plan, [&](const PlanState& state, Change* change) {
                     return AdvanceChange(who, plan, req, revision_version, now, state, change);
                   }));
  return *std::move(change.pdca);
}

absl::StatusOr<int64_t> Tracker::RequestRevision(const Principal& who, const Plan& plan,
                                                 const std::string& plan_id,
                                                 const v1::AdvancePdcaCycleRequest& req,
                                                 const std::string& caller_token) {
  // ACT asking for a revision moves the plan first, as the caller: a retry finds it REVISING
  // and does not move it again. Only a move the cycle allows gets that far: the cycle is
  // checked here (etag, phase) and again where it is written.
  ASSIGN_OR_RETURN(const PlanState held, store_->Load(plan_id, /*with_contributions=*/false));
  const std::string period_key = PeriodKey(req.period());
  auto it = held.pdca.find(period_key);
  const v1::PdcaCycle cycle = it != held.pdca.end() ? it->second : NewCycle(plan, req.period());
  if (!req.etag().empty() && req.etag() != cycle.etag() && cycle.phase() != v1::PDCA_PHASE_ACT) {
    return EtagConflict(cycle.name(), req.etag(), cycle.etag());
  }
  if (cycle.phase() != v1::PDCA_PHASE_CHECK && cycle.phase() != v1::PDCA_PHASE_ACT) {
    return FailedPrecondition(
        absl::StrCat(cycle.name(), " は ", PhaseName(cycle.phase()),
                     " の段階です。ACT には CHECK の後に進めます"),
        absl::StrCat(cycle.name(), " is in ", PhaseName(cycle.phase()), "; ACT comes after CHECK"));
  }
  // Already in ACT: a retry of the move that got there (Commit answers with the cycle as it
  // stands) or a move Commit refuses (the cycle is complete). Either way the plan is not
  // moved, whatever stage it is in now and whether or not that ACT asked for a revision.
  if (cycle.phase() == v1::PDCA_PHASE_ACT) return cycle.revision_plan_version();
  // What else Commit could refuse, checked before the plan moves: the plan's bound and the
  // caller's quota. (A race with another move of the same cycle, or the caller's own writes
  // using up the quota meanwhile, can still refuse the cycle after the plan moved: the same
  // ACT sent again then completes it without moving the plan twice.)
  const int64_t grows = static_cast<int64_t>(req.ByteSizeLong() + cycle.ByteSizeLong());
  if (options_.plan_bytes_limit > 0 && held.bytes + grows > options_.plan_bytes_limit) {
    return PlanFull(plan.name(), held.bytes, options_.plan_bytes_limit);
  }
  // The write carries the cycle about twice (the cycle and its event's payload).
  RETURN_IF_ERROR(store_->CheckQuota(who.subject, 2 * grows));
  if (plan.stage() == registry::v1::PLAN_STAGE_REVISING) return plan.version();
  registry::v1::TransitionPlanRequest transition;
  transition.set_name(plan.name());
  transition.set_target_stage(registry::v1::PLAN_STAGE_REVISING);
  transition.set_comment(absl::StrCat("PDCA ", period_key, " ACT: ", req.comment()));
  ASSIGN_OR_RETURN(const Plan moved, registry_->TransitionPlanAs(caller_token, transition));
  return moved.version();
}

absl::StatusOr<bool> Tracker::AdvanceChange(const Principal& who, const Plan& plan,
                                            const v1::AdvancePdcaCycleRequest& req,
                                            int64_t revision_version, absl::Time now,
                                            const PlanState& state, Change* change) {
  const std::string period_key = PeriodKey(req.period());
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
  if (req.to_phase() != cycle.phase() + 1) return NotTheNextPhase(cycle);
  v1::PdcaTransition* t = cycle.add_transitions();
  t->set_from_phase(cycle.phase());
  t->set_to_phase(req.to_phase());
  t->set_actor(who.subject);
  *t->mutable_time() = ToProto(now);
  t->set_comment(req.comment());
  cycle.set_phase(req.to_phase());
  cycle.set_etag(EtagOf(cycle.transitions_size()));
  const bool act = req.to_phase() == v1::PDCA_PHASE_ACT;
  if (req.to_phase() == v1::PDCA_PHASE_CHECK) {
    cycle.set_findings(req.findings());
    FillChecks(plan, state, req.period(), options_.thresholds, &cycle);
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
}

}  // namespace rfs::kpi
