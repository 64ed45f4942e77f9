#include "services/notification/webhook_policy.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/base/errors.h"

namespace rfs::notification {
namespace {

constexpr absl::string_view kSecretPrefix = "whsec_";
constexpr size_t kSecretBytes = 32;

}  // namespace

std::string NewWebhookSecret() {
  unsigned char bytes[kSecretBytes];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();  // no entropy: nothing safe to do
  return absl::StrCat(kSecretPrefix,
                      absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(bytes),
                                                           sizeof(bytes))));
}

absl::StatusOr<std::string> WebhookSecretKey(absl::string_view secret) {
  std::string key;
  if (!absl::ConsumePrefix(&secret, kSecretPrefix) || !absl::Base64Unescape(secret, &key) ||
      key.size() < 24 || key.size() > 64) {
    return InvalidField("secret", "whsec_ で始まる署名鍵ではありません",
                        "not a signing secret (whsec_ and base64)");
  }
  return key;
}

std::string WebhookSignature(absl::string_view key, absl::string_view id, int64_t timestamp,
                             absl::string_view body) {
  const std::string content = absl::StrCat(id, ".", timestamp, ".", body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &mac_len);
  return absl::StrCat(
      "v1,", absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(mac), mac_len)));
}

std::string WebhookSignatureHeader(const std::vector<std::string>& keys, absl::string_view id,
                                   int64_t timestamp, absl::string_view body) {
  std::vector<std::string> signatures;
  signatures.reserve(keys.size());
  for (const std::string& key : keys) {
    signatures.push_back(WebhookSignature(key, id, timestamp, body));
  }
  return absl::StrJoin(signatures, " ");
}

absl::Duration RetryDelay(const RetryPolicy& policy, int failed, double unit) {
  const int doublings = std::clamp(failed - 1, 0, 40);
  absl::Duration delay = policy.first_retry * std::ldexp(1.0, doublings);
  delay = std::min(delay, policy.max_delay);
  const double factor = 1.0 + policy.jitter * (2.0 * std::clamp(unit, 0.0, 1.0) - 1.0);
  return std::max(absl::Milliseconds(1), delay * factor);
}

AttemptVerdict VerdictOf(int http_status) {
  if (http_status >= 200 && http_status < 300) return AttemptVerdict::kDelivered;
  if (http_status == 410) return AttemptVerdict::kGone;
  return AttemptVerdict::kRetry;
}

bool HonoursRetryAfter(int http_status) { return http_status == 429 || http_status == 503; }

absl::Duration NextAttemptDelay(const RetryPolicy& policy, int failed, int http_status,
                                std::optional<absl::Duration> retry_after, double unit) {
  absl::Duration delay = RetryDelay(policy, failed, unit);
  if (HonoursRetryAfter(http_status) && retry_after.has_value()) {
    delay = std::max(delay, std::min(*retry_after, policy.max_retry_after));
  }
  return delay;
}

bool GivesUp(const RetryPolicy& policy, absl::Time first, absl::Time now) {
  return now - first >= policy.window;
}

}  // namespace rfs::notification
