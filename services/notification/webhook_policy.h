// The rules of webhook delivery, pure (docs/api.md "Webhooks"):
//   - the signing secrets and signatures of the Standard Webhooks specification: a secret is
//     "whsec_" + base64 of 32 random bytes; a delivery carries webhook-id, webhook-timestamp
//     and webhook-signature "v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">", one per
//     secret that signs (two while a rotation overlaps), space-separated;
//   - the retry schedule: after the n-th failed attempt the next comes RetryDelay(n) later,
//     first_retry · 2^(n-1) capped at max_delay, each cut or stretched by up to `jitter` of
//     itself; the event becomes a dead letter when an attempt fails once `window` has passed
//     since the first (so retries go on for at least the window, whatever the jitter drew);
//   - what a response means: 2xx delivered; 410 Gone disables the subscription; 429 and 503
//     honour Retry-After; everything else (3xx included: redirects are not followed) retries.
// Safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rfs::notification {

// A new secret: "whsec_" + base64 of 32 bytes from OpenSSL's CSPRNG.
std::string NewWebhookSecret();
// The key of a secret (the bytes after "whsec_"); INVALID_ARGUMENT when it is not one.
absl::StatusOr<std::string> WebhookSecretKey(absl::string_view secret);
// "v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>".
std::string WebhookSignature(absl::string_view key, absl::string_view id, int64_t timestamp,
                             absl::string_view body);
// The webhook-signature header: one signature per key, space-separated.
std::string WebhookSignatureHeader(const std::vector<std::string>& keys, absl::string_view id,
                                   int64_t timestamp, absl::string_view body);

struct RetryPolicy {
  absl::Duration first_retry = absl::Seconds(30);
  absl::Duration max_delay = absl::Hours(12);
  double jitter = 0.2;
  // Retries go on at least this long after the first attempt (--webhook_retry_window_h).
  absl::Duration window = absl::Hours(72);
  // A subscription every attempt of which failed this long is disabled
  // (--webhook_disable_after_h).
  absl::Duration disable_after = absl::Hours(120);
  // Retry-After is honoured up to this.
  absl::Duration max_retry_after = absl::Hours(24);
};

// The delay after the `failed`-th failed attempt (1, 2, …); `unit` is a uniform draw in [0, 1)
// that places the jitter.
absl::Duration RetryDelay(const RetryPolicy& policy, int failed, double unit);

// What one attempt's response means.
enum class AttemptVerdict {
  kDelivered,  // 2xx
  kGone,       // 410: disable the subscription, dead-letter the event
  kRetry,      // anything else: on the schedule (or after Retry-After), until the window ends
};
AttemptVerdict VerdictOf(int http_status);
// Whether the response's Retry-After is honoured (429 and 503).
bool HonoursRetryAfter(int http_status);

// When the next attempt comes after a failed one: the schedule's delay, or the receiver's
// Retry-After when it honours one and asks for longer (capped at max_retry_after).
absl::Duration NextAttemptDelay(const RetryPolicy& policy, int failed, int http_status,
                                std::optional<absl::Duration> retry_after, double unit);
// Whether a failed attempt at `now` ends the retries of an event first tried at `first`.
bool GivesUp(const RetryPolicy& policy, absl::Time first, absl::Time now);

}  // namespace rfs::notification
