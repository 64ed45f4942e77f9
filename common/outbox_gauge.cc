#include "common/outbox_gauge.h"

#include <prometheus/metric_family.h>

#include "absl/time/clock.h"

namespace rfs {

OutboxGauge::OutboxGauge(std::string service, std::function<absl::StatusOr<int64_t>()> read,
                         absl::Duration interval)
    : service_(std::move(service)), read_(std::move(read)), interval_(interval) {
  thread_ = std::thread([this] {
    do {
      absl::StatusOr<int64_t> pending = read_();
      if (pending.ok()) {
        absl::MutexLock lock(&mu_);
        pending_ = *pending;
        refreshed_ = absl::Now();
      }
    } while (!stop_.WaitForNotificationWithTimeout(interval_));
  });
}

OutboxGauge::~OutboxGauge() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

std::vector<prometheus::MetricFamily> OutboxGauge::Collect() const {
  absl::MutexLock lock(&mu_);
  if (absl::Now() - refreshed_ > 3 * interval_) return {};
  prometheus::MetricFamily outbox;
  outbox.name = "rfs_outbox_pending";
  outbox.help = "Events in the service's outbox not yet delivered to the notification service.";
  outbox.type = prometheus::MetricType::Gauge;
  prometheus::ClientMetric m;
  m.label = {{"service", service_}};
  m.gauge.value = static_cast<double>(pending_);
  outbox.metric.push_back(std::move(m));
  return {std::move(outbox)};
}

}  // namespace rfs
