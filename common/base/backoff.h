// Exponential backoff between attempts at something that fails for a while (a Redis
// connection; the outbox relay and webhook deliveries to come): the delay after each failure
// doubles from `initial` up to `max`, and a success starts again from `initial`. With
// `jitter` (0..1) each delay is cut by a random share of up to `jitter` of itself, so that many
// clients failing at once do not retry in step. Not thread-safe: its user keeps it under the
// lock that guards the attempts.
#pragma once

#include "absl/random/random.h"
#include "absl/time/time.h"

namespace rfs {

class Backoff {
 public:
  Backoff(absl::Duration initial, absl::Duration max, double jitter = 0);

  // The delay before the next attempt, after a failure; the one after doubles.
  absl::Duration Next();
  // After a success: the next failure waits `initial` again.
  void Reset() { next_ = initial_; }

 private:
  const absl::Duration initial_;
  const absl::Duration max_;
  const double jitter_;
  absl::Duration next_;
  absl::BitGen random_;
};

}  // namespace rfs
