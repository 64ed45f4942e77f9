// rfs_outbox_pending{service}: events a service wrote into its outbox that the notification
// service has not acknowledged yet, read from Redis (the same on every replica). A background
// thread refreshes the value every `interval`; a scrape never waits on Redis, and a value older
// than three intervals (Redis unreachable) is not shown. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/collectable.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace rfs {

class OutboxGauge : public prometheus::Collectable {
 public:
  OutboxGauge(std::string service, std::function<absl::StatusOr<int64_t>()> read,
              absl::Duration interval);
  ~OutboxGauge() override;

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const std::string service_;
  const std::function<absl::StatusOr<int64_t>()> read_;
  const absl::Duration interval_;
  mutable absl::Mutex mu_;
  int64_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time refreshed_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace rfs
