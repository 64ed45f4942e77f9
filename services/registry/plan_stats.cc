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
  stats_ = *std::move(counts);
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
  for (const PlanCount& c : stats_.plans) {
    prometheus::ClientMetric m;
    m.label = {{"block", c.block}, {"plan_type", c.plan_type}, {"stage", c.stage}};
    m.gauge.value = static_cast<double>(c.count);
    plans.metric.push_back(std::move(m));
  }
  auto gauge = [](const char* name, const char* help, int64_t value) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = prometheus::MetricType::Gauge;
    prometheus::ClientMetric m;
    m.label = {{"service", "registry"}};
    m.gauge.value = static_cast<double>(value);
    f.metric.push_back(std::move(m));
    return f;
  };
  return {std::move(plans),
          gauge("rfs_outbox_pending",
                "Events in the service's outbox not yet delivered to the notification service.",
                stats_.outbox_pending),
          gauge("rfs_redis_memory_used_bytes", "Memory Redis uses (INFO memory used_memory).",
                stats_.redis_used_memory),
          gauge("rfs_redis_memory_max_bytes",
                "Redis maxmemory; writes are refused when used memory reaches it (0: no limit).",
                stats_.redis_max_memory)};
}

}  // namespace rfs::registry
