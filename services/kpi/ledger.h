// A plan's share of the national picture, and its indicators' progress, computed from the
// plan as rfs-kpi holds it and its measurements (pure; safe from any thread).
//
// The national aggregates are kept on write (docs/architecture.md, "rfs-kpi"): every write that
// changes a plan's values, its definition or the half year "now" recomputes the plan's
// Contributions, and the store applies the difference from the ones it holds for the plan, in
// the same atomic step as the change. Summing every plan's contributions is therefore always
// the aggregate, and a recount from the raw values equals it.
//
// A contribution is keyed "{bucket}|{field}" (one typed form, Row, in aggregate_key.h):
//   bucket = a fiscal year ("2027"), or "now" for figures that depend on the current half year
//   field, in a fiscal-year bucket, for each mandatory KGI CAPEX / VALUE_ADDED / TALENT:
//     t|{kgi}|{type}|{block}|{sfield}|{pref}   expected on the path for that fiscal year
//     r|{kgi}|...                              reported values of the year
//     v|{kgi}|...                              verified values of the year
//     rep|{H1|H2}|{state}|{type}|{block}       1 per plan expected to report that half year, by
//                                              its ReportState (only with a Moment's time)
//     due|{H1|H2}|{type}|{block}               1 per plan whose report is due soon (the notice
//                                              window before the deadline) and not complete
//   field, in "now":
//     ind|{status}|{type}|{block}              current indicators by computed status
//     pdca|{phase}|{type}                      1 per plan, its PDCA phase of the current half
//     plans|{type}|{block}|{sfield}|{pref}     1 per plan
//     plans_ach|...                            1 per plan with at least one KPI achieved
//     kpis|... , kpis_ach|...                  KPIs, KPIs achieved
// {type} is A/B/C, {sfield} is "*" (every plan) and then each strategic field of the plan, so a
// filter by field reads its own rows and no filter reads "*" rows (nothing counted twice);
// {pref} is a value's breakdown prefecture, else the plan's lead prefecture (always the lead
// prefecture for targets and plan counts). Only plans at a public stage (published by the
// governor or later, common/domain/plan_access.h) contribute: drafts are not commitments.
//
// A year's value: a CUMULATIVE indicator's flows of both halves added; a LEVEL indicator's
// value of its latest half. A year's target: for CUMULATIVE the rise of the path over the year
// (expected at its H2 minus expected at the previous H2), for LEVEL the expected level at H2.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/domain/reference_data.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/kpi/v1/kpi.pb.h"
#include "rfs/registry/v1/registry.pb.h"
#include "services/kpi/aggregate_key.h"
#include "services/kpi/progress.h"
#include "services/kpi/reporting.h"

namespace rfs::kpi {

using ContributionMap = absl::btree_map<std::string, int64_t>;

// "CAPEX", "VALUE_ADDED", "TALENT"; nullptr for the other KGIs (not aggregated nationally).
const char* AggregatedKgiName(registry::v1::MandatoryKgi kgi);

// The prefecture a plan's values without a breakdown, its targets and its counts are set at:
// the lead author's prefecture, else the first of its area ("" for neither).
std::string LeadPrefecture(const registry::v1::Plan& plan);

// True when the national KGIs leave `m` out whole: a mandatory KGI counted nationally, with no
// breakdown, on a plan whose lead prefecture is in the Tokyo area (`tokyo_area` tells).
bool OutsideNationalKgis(const registry::v1::Plan& plan, const v1::Measurement& m,
                         const std::function<bool(absl::string_view)>& tokyo_area);

// v1::ProgressStatus of a computed status.
v1::ProgressStatus ToProto(Status status);

// Progress of one indicator from reported or verified values.
struct IndicatorEvaluation {
  Progress reported;
  Progress verified;
  int measurements = 0;
  int verified_measurements = 0;
};

// The actuals of `indicator_id` among `measurements`: reported values, or verified ones.
std::vector<Actual> ActualsOf(const std::vector<v1::Measurement>& measurements,
                              const std::string& indicator_id, bool verified);

// Progress of each of the plan's indicators (same order as plan.indicators()).
std::vector<IndicatorEvaluation> EvaluatePlan(const registry::v1::Plan& plan,
                                              const std::vector<v1::Measurement>& measurements,
                                              const common::v1::FiscalPeriod& as_of,
                                              const Thresholds& thresholds);

// When contributions are computed: the half year "now", and for the reporting rows the time
// itself, the calendar and the notice window before a deadline. Without `now`, no reporting
// rows are made.
struct Moment {
  common::v1::FiscalPeriod as_of;
  std::optional<absl::Time> now;
  Calendar calendar;
  absl::Duration notice = absl::Hours(24 * 14);
  // The phase of the plan's PDCA cycle of the current half year.
  v1::PdcaPhase pdca_phase = v1::PDCA_PHASE_PLAN;
  // Since when the plan is public (published by the governor), as far as rfs-kpi knows: half
  // years that ended before then are not expected to be reported (see ReportStates).
  std::optional<absl::Time> public_since;
};

// The marks of the calendar at `now`: the half year, the last half whose deadline passed, and
// the half whose notice window is open ("-" when none). Contributions computed at two times
// with the same mark are the same, so a plan is computed again only when its mark moves.
std::string CalendarMark(const Calendar& calendar, absl::Duration notice, absl::Time now);

// The report state of each half year of the plan's period that has begun by `now`, keyed by
// PeriodKey (plans with no indicator expect no report). A plan is expected to report the half
// years it was public in: one that ended before `public_since` is left out, unless the plan
// reported something for it.
absl::btree_map<std::string, v1::ReportState> ReportStates(
    const registry::v1::Plan& plan, const std::vector<v1::Measurement>& measurements,
    absl::Time now, const Calendar& calendar,
    std::optional<absl::Time> public_since = std::nullopt);

// The plan's contributions (see above); zeros are left out.
ContributionMap Contributions(const registry::v1::Plan& plan,
                              const std::vector<v1::Measurement>& measurements,
                              const Moment& moment, const Thresholds& thresholds);
// The same without reporting rows, at half year `as_of`.
ContributionMap Contributions(const registry::v1::Plan& plan,
                              const std::vector<v1::Measurement>& measurements,
                              const common::v1::FiscalPeriod& as_of,
                              const Thresholds& thresholds);

// Half years whose report became due soon ("due") or overdue ("overdue") between two
// contribution maps of one plan: (kind, PeriodKey) pairs, for the "report due" and "report
// overdue" events.
std::vector<std::pair<std::string, std::string>> ReportNotices(const ContributionMap& before,
                                                               const ContributionMap& after);

// Where one contribution is summed in the aggregate hashes agg:{bucket}, so that every read
// of the national picture is a fixed handful of fields (HMGET), however many plans there are:
//   {fy}|{t|r|v}|{kgi}|{type}|{block}|{sfield}|{pref} and now|{plans…}|{type}|{block}|{sfield}|{pref}
//     go to 8 cells: for T in {type, *} and B in {block, *},
//       bucket "{fy}:{sfield}"      field "{m}|{kgi}|{T}|{B}|{tokyo|other}"  (m|T|B|… for now)
//       bucket "{fy}:{sfield}:pref" field "{m}|{kgi}|{T}|{B}|{pref}"
//   anything else ("{fy}|rep|…", "now|ind|…", "now|pdca|…") to bucket "{fy}" or "now",
//   field = the rest, as it is.
struct AggregateCell {
  std::string bucket;
  std::string field;
};
std::vector<AggregateCell> AggregateCells(absl::string_view contribution,
                                          const std::function<bool(absl::string_view)>& tokyo_area);

// What to add to each field to go from `before` to `after` (fields that do not change are left
// out).
ContributionMap Difference(const ContributionMap& before, const ContributionMap& after);

// Whether a prefecture (6-digit code) is in the Tokyo area, as the reference data says.
using TokyoArea = std::function<bool(absl::string_view)>;
TokyoArea TokyoAreaOf(const ReferenceData& reference);

// A contribution's change and the aggregate cells it moves: what a write applies.
struct CellDelta {
  std::string contribution;  // "{bucket}|{field}"
  int64_t delta = 0;
  std::vector<AggregateCell> cells;
};
// The cells of every field of `difference`, in its order.
std::vector<CellDelta> CellDeltas(const ContributionMap& difference, const TokyoArea& tokyo_area);

}  // namespace rfs::kpi
