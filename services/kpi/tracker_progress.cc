// Progress of a plan: computed, kept by generation and half year, one computation at a time.
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

}  // namespace rfs::kpi
