#include "common/kit/snapshot_gauges.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"

namespace rfs {

void SnapshotGauges::Publish(std::vector<prometheus::MetricFamily> families) {
  absl::MutexLock lock(&mu_);
  families_ = std::move(families);
  published_ = absl::Now();
}

std::vector<prometheus::MetricFamily> SnapshotGauges::Collect() const {
  absl::MutexLock lock(&mu_);
  if (absl::Now() - published_ > 3 * interval_) return {};  // unknown is not zero
  return families_;
}

prometheus::MetricFamily GaugeFamily(
    std::string name, std::string help,
    std::vector<std::pair<std::vector<prometheus::ClientMetric::Label>, double>> values) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Gauge;
  for (auto& [labels, value] : values) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = value;
    family.metric.push_back(std::move(m));
  }
  return family;
}

}  // namespace rfs
