#include "services/registry/plan_stats.h"

#include <prometheus/metric_family.h>

#include "absl/time/clock.h"

namespace rfs::registry {

PlanStats::PlanStats(RegistryStore* store, absl::Duration interval)
    : store_(store), interval_(interval) {}

absl::Status PlanStats::Refresh() {
  auto counts = store_->Counts();
  if (!counts.ok()) return counts.status();
  absl::MutexLock lock(&mu_);
  plans_ = *std::move(counts);
  refreshed_ = absl::Now();
  return absl::OkStatus();
}

std::vector<prometheus::MetricFamily> PlanStats::Collect() const {
  absl::MutexLock lock(&mu_);
  if (absl::Now() - refreshed_ > 3 * interval_) return {};  // unknown is not zero plans
  prometheus::MetricFamily plans;
  plans.name = "rfs_plans";
  plans.help = "Plans by type, lifecycle stage and regional block (from shared state).";
  plans.type = prometheus::MetricType::Gauge;
  for (const PlanCount& c : plans_) {
    prometheus::ClientMetric m;
    m.label = {{"block", c.block}, {"plan_type", c.plan_type}, {"stage", c.stage}};
    m.gauge.value = static_cast<double>(c.count);
    plans.metric.push_back(std::move(m));
  }
  return {std::move(plans)};
}

}  // namespace rfs::registry
