#include "services/registry/plan_stats.h"

namespace rfs::registry {

PlanStats::PlanStats(RegistryStore* store, absl::Duration interval)
    : SnapshotGauges(interval), store_(store) {}

absl::Status PlanStats::Refresh() {
  auto counts = store_->Counts();
  if (!counts.ok()) return counts.status();
  std::vector<std::pair<std::vector<prometheus::ClientMetric::Label>, double>> values;
  for (const PlanCount& c : *counts) {
    values.push_back({{{"block", c.block}, {"plan_type", c.plan_type}, {"stage", c.stage}},
                      static_cast<double>(c.count)});
  }
  Publish({GaugeFamily("rfs_plans",
                       "Plans by type, lifecycle stage and regional block (from shared state).",
                       std::move(values))});
  return absl::OkStatus();
}

}  // namespace rfs::registry
