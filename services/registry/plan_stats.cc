#include "services/registry/plan_stats.h"

#include <prometheus/metric_family.h>

#include "absl/time/clock.h"
#include "common/logging.h"

namespace rfs::registry {

PlanStats::PlanStats(RegistryStore* store, absl::Duration interval)
    : store_(store), interval_(interval) {
  thread_ = std::thread([this, interval] {
    do {
      absl::Status s = Refresh();
      if (!s.ok()) RFS_LOG(kDebug, "plan stats refresh failed").Field("error", s.message());
    } while (!stop_.WaitForNotificationWithTimeout(interval));
  });
}

PlanStats::~PlanStats() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

absl::Status PlanStats::Refresh() {
  auto counts = store_->Counts();
  if (!counts.ok()) return counts.status();
  absl::MutexLock lock(&mu_);
  counts_ = std::move(counts->first);
  outbox_pending_ = counts->second;
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
  for (const PlanCount& c : counts_) {
    prometheus::ClientMetric m;
    m.label = {{"block", c.block}, {"plan_type", c.plan_type}, {"stage", c.stage}};
    m.gauge.value = static_cast<double>(c.count);
    plans.metric.push_back(std::move(m));
  }
  prometheus::MetricFamily outbox;
  outbox.name = "rfs_outbox_pending";
  outbox.help = "Events in the service's outbox not yet delivered to the notification service.";
  outbox.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric m;
  m.label = {{"service", "registry"}};
  m.gauge.value = static_cast<double>(outbox_pending_);
  outbox.metric.push_back(std::move(m));
  return {std::move(plans), std::move(outbox)};
}

}  // namespace rfs::registry
