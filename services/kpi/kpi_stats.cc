#include "services/kpi/kpi_stats.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/base/status.h"
#include "services/kpi/aggregate_key.h"

namespace rfs::kpi {

namespace {

// One gauge family being summed up: label values (in the order of `labels`) → Σ.
struct Family {
  const char* name;
  std::string help;
  std::vector<std::string> labels;  // alphabetical, as the rest of rfs renders them
  std::map<std::vector<std::string>, double> values;

  void Add(std::vector<std::string> label_values, int64_t v) {
    values[std::move(label_values)] += static_cast<double>(v);
  }

  prometheus::MetricFamily Render() && {
    prometheus::MetricFamily out;
    out.name = name;
    out.help = std::move(help);
    out.type = prometheus::MetricType::Gauge;
    for (auto& [label_values, v] : values) {
      prometheus::ClientMetric m;
      for (size_t i = 0; i < labels.size(); ++i) m.label.push_back({labels[i], label_values[i]});
      m.gauge.value = v;
      out.metric.push_back(std::move(m));
    }
    return out;
  }
};

// Every series of a family is a sum of shared counters, so replicas agree; the HELP says how
// to aggregate them across replicas without counting each one once per replica.
std::string Help(absl::string_view what, absl::string_view by) {
  return absl::StrCat(what, " From shared state: same on every replica; aggregate with max by (",
                      by, ").");
}

// The unit a KGI is exported in; nullptr for one that is not exported.
const char* UnitOf(absl::string_view kgi) {
  if (kgi == "CAPEX" || kgi == "VALUE_ADDED") return "yen";
  if (kgi == "TALENT") return "persons";
  return nullptr;
}

bool IsFiscalYear(absl::string_view bucket) {
  return !bucket.empty() && std::all_of(bucket.begin(), bucket.end(), absl::ascii_isdigit);
}

// The families of one refresh, and what each kind of aggregate cell adds to them.
struct Families {
  Family indicators{"rfs_indicators",
                    Help("Current indicators of public plans by computed status (of reported "
                         "values), plan type and regional block.",
                         "status, plan_type, block"),
                    {"block", "plan_type", "status"}};
  Family target_yen{"rfs_kgi_target_yen",
                    Help("Σ of the year's targets of the mandatory KGIs CAPEX and VALUE_ADDED of "
                         "public plans, in yen.",
                         kKgiBy),
                    KgiLabels(false)};
  Family actual_yen{"rfs_kgi_actual_yen",
                    Help("Σ of the year's values of the mandatory KGIs CAPEX and VALUE_ADDED of "
                         "public plans, reported or verified, in yen.",
                         kActualBy),
                    KgiLabels(true)};
  Family target_persons{"rfs_kgi_target_persons",
                        Help("Σ of the year's targets of the mandatory KGI TALENT of public "
                             "plans, in persons.",
                             kKgiBy),
                        KgiLabels(false)};
  Family actual_persons{"rfs_kgi_actual_persons",
                        Help("Σ of the year's values of the mandatory KGI TALENT of public "
                             "plans, reported or verified, in persons.",
                             kActualBy),
                        KgiLabels(true)};
  Family pdca{"rfs_pdca_plans",
              Help("Public plans by the phase of their PDCA cycle of the current half year, and "
                   "plan type.",
                   "phase, plan_type"),
              {"phase", "plan_type"}};
  Family overdue{"rfs_reports_overdue",
                 Help("Public plans whose report of a half year is overdue (past the deadline, "
                      "some or every indicator without a value), by regional block.",
                      "block, fiscal_year, half"),
                 {"block", "fiscal_year", "half"}};
  // Plan type → Σ plans, Σ plans with a KPI achieved ("*" rows: each plan once).
  std::map<std::string, std::pair<int64_t, int64_t>> plans_by_type;

  static constexpr char kKgiBy[] = "kgi, plan_type, block, fiscal_year, tokyo_area";
  static constexpr char kActualBy[] =
      "kgi, plan_type, block, fiscal_year, tokyo_area, verification";
  static std::vector<std::string> KgiLabels(bool actual) {
    std::vector<std::string> labels = {"block", "fiscal_year", "kgi", "plan_type", "tokyo_area"};
    if (actual) labels.push_back("verification");
    return labels;
  }

  // A cell of "now": indicators by status, plans by PDCA phase.
  void AddNow(const Row& r, int64_t v) {
    if (r.kind == RowKind::kStatus) {
      indicators.Add({r.block, r.type, r.state}, v);
    } else if (r.kind == RowKind::kPdca) {
      // "PDCA_PHASE_CHECK" → "CHECK".
      pdca.Add({std::string(absl::StripPrefix(r.state, "PDCA_PHASE_")), r.type}, v);
    }
  }

  // A cell of "now:*": plans and plans with a KPI achieved, each plan once per type, outside
  // the Tokyo area (the national figure, as AggregateKgi gives it by default).
  void AddPlanCount(const Row& r, int64_t v) {
    if (r.kind == RowKind::kPlanCount && (r.metric == "plans" || r.metric == "plans_ach") &&
        r.type != "*" && r.block == "*" && r.area == "other") {
      auto& [plans, achieved] = plans_by_type[r.type];
      (r.metric == "plans" ? plans : achieved) += v;
    }
  }

  // A cell of "{fy}": the overdue reports.
  void AddOverdue(absl::string_view year, const Row& r, int64_t v) {
    if (r.kind == RowKind::kReport &&
        (r.state == "REPORT_STATE_INCOMPLETE" || r.state == "REPORT_STATE_MISSING")) {
      overdue.Add({r.block, std::string(year), r.half}, v);
    }
  }

  // A cell of "{fy}:*": a KGI's target, reported or verified sum, for a type and a block.
  void AddKgi(absl::string_view year, const Row& r, int64_t v) {
    if (r.kind != RowKind::kKgi || r.type == "*" || r.block == "*") return;
    const char* unit = UnitOf(r.kgi);
    if (unit == nullptr) return;
    std::vector<std::string> labels = {r.block, std::string(year), r.kgi, r.type,
                                       r.area == "tokyo" ? "true" : "false"};
    const bool yen = absl::string_view(unit) == "yen";
    if (r.metric == "t") {
      (yen ? target_yen : target_persons).Add(std::move(labels), v);
    } else {
      labels.push_back(r.metric == "v" ? "verified" : "reported");
      (yen ? actual_yen : actual_persons).Add(std::move(labels), v);
    }
  }

  std::vector<prometheus::MetricFamily> Render() && {
    Family ratio{"rfs_plans_with_kpi_achieved_ratio",
                 Help("Share of public plans with at least one KPI achieved, by plan type, "
                      "outside the Tokyo area like the national KGIs (no series for a type "
                      "without plans).",
                      "plan_type"),
                 {"plan_type"}};
    for (const auto& [type, counts] : plans_by_type) {
      if (counts.first <= 0) continue;
      ratio.values[{type}] = static_cast<double>(counts.second) / static_cast<double>(counts.first);
    }
    std::vector<prometheus::MetricFamily> families;
    for (Family* f : {&indicators, &target_yen, &actual_yen, &target_persons, &actual_persons,
                      &ratio, &pdca, &overdue}) {
      families.push_back(std::move(*f).Render());
    }
    return families;
  }
};

}  // namespace

KpiStats::KpiStats(KpiStore* store, absl::Duration interval)
    : SnapshotGauges(interval), store_(store) {}

absl::Status KpiStats::Refresh() {
  Families f;
  // The buckets of ledger.h AggregateCells this reads: "now" (statuses, PDCA phases), "now:*"
  // (plans by type, Tokyo area or not), "{fy}" (report states) and "{fy}:*" (KGIs by type,
  // block, Tokyo area or not). The rest ("…:pref", "…:{field}") are for AggregateKgi's filters.
  ASSIGN_OR_RETURN(const std::vector<std::string> buckets, store_->Buckets());
  for (const std::string& bucket : buckets) {
    const std::optional<CellBucket> name = ParseCellBucket(bucket);
    if (!name.has_value() || name->by_prefecture) continue;
    const bool all_fields = name->sfield == "*";
    if (!name->sfield.empty() && !all_fields) continue;
    const bool now = name->base == "now";
    if (!now && !IsFiscalYear(name->base)) continue;  // not ours: skip, do not guess
    ASSIGN_OR_RETURN(const auto fields, store_->Aggregate(bucket));
    for (const auto& [field, v] : fields) {
      const std::optional<Row> row = ParseCellField(field);
      if (!row.has_value()) continue;  // not ours: skip, do not guess
      if (now && all_fields) {
        f.AddPlanCount(*row, v);
      } else if (now) {
        f.AddNow(*row, v);
      } else if (all_fields) {
        f.AddKgi(name->base, *row, v);
      } else {
        f.AddOverdue(name->base, *row, v);
      }
    }
  }
  Publish(std::move(f).Render());
  return absl::OkStatus();
}

}  // namespace rfs::kpi
