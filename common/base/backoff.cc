#include "common/base/backoff.h"

#include <algorithm>

#include "absl/random/distributions.h"

namespace rfs {

Backoff::Backoff(absl::Duration initial, absl::Duration max, double jitter)
    : initial_(initial),
      max_(std::max(initial, max)),
      jitter_(std::clamp(jitter, 0.0, 1.0)),
      next_(initial) {}

absl::Duration Backoff::Next() {
  absl::Duration delay = next_;
  next_ = std::min(next_ * 2, max_);
  if (jitter_ > 0) delay -= delay * (jitter_ * absl::Uniform(random_, 0.0, 1.0));
  return delay;
}

}  // namespace rfs
