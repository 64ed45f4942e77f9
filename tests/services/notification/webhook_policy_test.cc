// The rules of webhook delivery (services/notification/webhook_policy.h): signatures match the
// Standard Webhooks specification's own example, secrets have its form, the retry schedule
// doubles up to its cap within its jitter and never gives up before the window, and responses
// mean what the specification and the issue say.
#include "services/notification/webhook_policy.h"

#include <gtest/gtest.h>

#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"

namespace rfs::notification {
namespace {

TEST(WebhookPolicyTest, SignsAsTheSpecificationsExample) {
  // The example of the Standard Webhooks specification (and of its reference libraries).
  const absl::StatusOr<std::string> key = WebhookSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(WebhookSignature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                             "{\"test\": 2432232314}"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  // Two keys (a rotation): two signatures, space-separated, the first key's first.
  const std::string other(32, 'x');
  const std::string header = WebhookSignatureHeader({*key, other}, "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                                    1614265330, "{\"test\": 2432232314}");
  EXPECT_EQ(header, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= " +
                        WebhookSignature(other, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                         "{\"test\": 2432232314}"));
}

TEST(WebhookPolicyTest, SecretsAreWhsecAndThirtyTwoRandomBytes) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string secret = NewWebhookSecret();
    ASSERT_TRUE(absl::StartsWith(secret, "whsec_"));
    const absl::StatusOr<std::string> key = WebhookSecretKey(secret);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(key->size(), 32u);
    seen.insert(secret);
  }
  EXPECT_EQ(seen.size(), 50u);
  EXPECT_FALSE(WebhookSecretKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").ok());  // no prefix
  EXPECT_FALSE(WebhookSecretKey("whsec_!!!").ok());
}

TEST(WebhookPolicyTest, TheScheduleDoublesUpToItsCapWithinItsJitter) {
  const RetryPolicy policy;  // 30 s, doubling, at most 12 h, ±20 %
  EXPECT_EQ(RetryDelay(policy, 1, 0.5), absl::Seconds(30));
  EXPECT_EQ(RetryDelay(policy, 2, 0.5), absl::Seconds(60));
  EXPECT_EQ(RetryDelay(policy, 5, 0.5), absl::Seconds(480));
  EXPECT_EQ(RetryDelay(policy, 30, 0.5), absl::Hours(12));
  EXPECT_EQ(RetryDelay(policy, 1, 0.0), absl::Seconds(24));
  EXPECT_EQ(RetryDelay(policy, 30, 1.0), absl::Hours(12) * 1.2);
  // The whole schedule: retries keep coming until the window (72 h) has passed, however the
  // jitter falls, and then stop.
  for (const double unit : {0.0, 0.5, 0.999}) {
    absl::Duration elapsed;
    int failed = 1;
    while (!GivesUp(policy, absl::UnixEpoch(), absl::UnixEpoch() + elapsed)) {
      elapsed += RetryDelay(policy, failed++, unit);
    }
    EXPECT_GE(elapsed, absl::Hours(72));
    EXPECT_LT(elapsed, absl::Hours(72) + absl::Hours(12) * 1.2);
    EXPECT_GE(failed, 10);
    EXPECT_LE(failed, 25);
  }
}

TEST(WebhookPolicyTest, ResponsesMeanWhatTheSpecificationSays) {
  EXPECT_EQ(VerdictOf(200), AttemptVerdict::kDelivered);
  EXPECT_EQ(VerdictOf(204), AttemptVerdict::kDelivered);
  EXPECT_EQ(VerdictOf(410), AttemptVerdict::kGone);
  for (const int status : {301, 302, 307, 400, 401, 404, 429, 500, 503}) {
    EXPECT_EQ(VerdictOf(status), AttemptVerdict::kRetry) << status;
  }
  const RetryPolicy policy;
  // 429 and 503 honour Retry-After when it asks for longer than the schedule, up to a day.
  EXPECT_EQ(NextAttemptDelay(policy, 1, 503, absl::Seconds(600), 0.5), absl::Seconds(600));
  EXPECT_EQ(NextAttemptDelay(policy, 1, 429, absl::Hours(48), 0.5), absl::Hours(24));
  EXPECT_EQ(NextAttemptDelay(policy, 1, 429, absl::Seconds(1), 0.5), absl::Seconds(30));
  EXPECT_EQ(NextAttemptDelay(policy, 1, 500, absl::Seconds(600), 0.5), absl::Seconds(30));
}

}  // namespace
}  // namespace rfs::notification
