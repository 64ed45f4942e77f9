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

  // A field of "now": ind|{status}|{type}|{block} and pdca|{phase}|{type}.
  void AddNow(const std::vector<absl::string_view>& p, int64_t v) {
    if (p[0] == "ind" && p.size() == 4) {
      indicators.Add({std::string(p[3]), std::string(p[2]), std::string(p[1])}, v);
    } else if (p[0] == "pdca" && p.size() == 3) {
      // "PDCA_PHASE_CHECK" → "CHECK".
      absl::string_view phase = p[1];
      absl::ConsumePrefix(&phase, "PDCA_PHASE_");
      pdca.Add({std::string(phase), std::string(p[2])}, v);
    }
  }

  // A field of "now:*": {plans|plans_ach}|{T}|*|other, each plan once per type, outside the
  // Tokyo area (the national figure, as AggregateKgi gives it by default).
  void AddPlanCount(const std::vector<absl::string_view>& p, int64_t v) {
    if ((p[0] == "plans" || p[0] == "plans_ach") && p.size() == 4 && p[1] != "*" &&
        p[2] == "*" && p[3] == "other") {
      auto& [plans, achieved] = plans_by_type[std::string(p[1])];
      (p[0] == "plans" ? plans : achieved) += v;
    }
  }

  // A field of "{fy}": rep|{H}|{STATE}|{type}|{block}, the overdue reports.
  void AddOverdue(absl::string_view year, const std::vector<absl::string_view>& p, int64_t v) {
    if (p[0] == "rep" && p.size() == 5 &&
        (p[2] == "REPORT_STATE_INCOMPLETE" || p[2] == "REPORT_STATE_MISSING")) {
      overdue.Add({std::string(p[4]), std::string(year), std::string(p[1])}, v);
    }
  }

  // A field of "{fy}:*": {t|r|v}|{kgi}|{T}|{B}|{tokyo|other}, for a type and a block.
  void AddKgi(absl::string_view year, const std::vector<absl::string_view>& p, int64_t v) {
    if (p.size() != 5 || p[2] == "*" || p[3] == "*") return;
    if (p[0] != "t" && p[0] != "r" && p[0] != "v") return;
    const char* unit = UnitOf(p[1]);
    if (unit == nullptr) return;
    std::vector<std::string> labels = {std::string(p[3]), std::string(year), std::string(p[1]),
                                       std::string(p[2]), p[4] == "tokyo" ? "true" : "false"};
    const bool yen = absl::string_view(unit) == "yen";
    if (p[0] == "t") {
      (yen ? target_yen : target_persons).Add(std::move(labels), v);
    } else {
      labels.push_back(p[0] == "v" ? "verified" : "reported");
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
    const std::vector<absl::string_view> name = absl::StrSplit(bucket, ':');
    const bool all_fields = name.size() == 2 && name[1] == "*";
    if (name.size() > 2 || (name.size() == 2 && !all_fields)) continue;
    const bool now = name[0] == "now";
    if (!now && !IsFiscalYear(std::string(name[0]))) continue;  // not ours: skip, do not guess
    ASSIGN_OR_RETURN(const auto fields, store_->Aggregate(bucket));
    for (const auto& [field, v] : fields) {
      const std::vector<absl::string_view> p = absl::StrSplit(field, '|');
      if (now && all_fields) {
        f.AddPlanCount(p, v);
      } else if (now) {
        f.AddNow(p, v);
      } else if (all_fields) {
        f.AddKgi(name[0], p, v);
      } else {
        f.AddOverdue(name[0], p, v);
      }
    }
  }
  Publish(std::move(f).Render());
  return absl::OkStatus();
}

}  // namespace rfs::kpi
