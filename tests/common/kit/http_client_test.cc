// HttpPost against a real local HTTP server (tests/support/http_receiver.h): what a webhook
// receiver gets, what the sender learns from the answer (status, Retry-After, a timeout), and
// what is never sent (redirects, loopback behind a guard, http when https is required).
// CheckWebhookUrl: the URLs a clerk may register.
#include "common/kit/http_client.h"

#include <gtest/gtest.h>

#include <ostream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "tests/support/http_receiver.h"

namespace rfs {

// Failure kinds by name in test output.
static void PrintTo(HttpResponse::Failure failure, std::ostream* os) {
  switch (failure) {
    case HttpResponse::Failure::kNone: *os << "kNone"; return;
    case HttpResponse::Failure::kTimeout: *os << "kTimeout"; return;
    case HttpResponse::Failure::kRefusedAddress: *os << "kRefusedAddress"; return;
    case HttpResponse::Failure::kConnect: *os << "kConnect"; return;
    case HttpResponse::Failure::kTls: *os << "kTls"; return;
    case HttpResponse::Failure::kOther: *os << "kOther"; return;
  }
  *os << "Failure(" << static_cast<int>(failure) << ")";
}

namespace {

using ::rfs::testing::HttpReceiver;
using Failure = HttpResponse::Failure;
using Headers = std::vector<std::pair<std::string, std::string>>;

// To the local receiver: plain http allowed, no guard.
HttpOptions LocalOptions() {
  HttpOptions options;
  options.allow_http = true;
  options.timeout = absl::Seconds(10);
  return options;
}

std::string HeaderOf(const HttpReceiver::Request& request, const std::string& name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? "<none>" : it->second;
}

TEST(HttpPost, TheReceiverGetsTheBodyAndHeaders) {
  HttpReceiver receiver;
  const std::string body = R"({"type":"plan.created","id":"evt_1"})";
  const HttpResponse response = HttpPost(receiver.Url("/hook"),
                                         {{"Content-Type", "application/json"},
                                          {"webhook-id", "msg_1"},
                                          {"webhook-signature", "v1,c2lnbmF0dXJl"}},
                                         body, LocalOptions());
  ASSERT_EQ(response.failure, Failure::kNone) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.retry_after.has_value());

  const std::vector<HttpReceiver::Request> requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const HttpReceiver::Request& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/hook");
  EXPECT_EQ(request.body, body);
  EXPECT_EQ(HeaderOf(request, "content-type"), "application/json");
  EXPECT_EQ(HeaderOf(request, "webhook-id"), "msg_1");
  EXPECT_EQ(HeaderOf(request, "webhook-signature"), "v1,c2lnbmF0dXJl");
  EXPECT_EQ(HeaderOf(request, "user-agent"), "rfs-notification");
  EXPECT_EQ(HeaderOf(request, "content-length"), std::to_string(body.size()));
  EXPECT_EQ(HeaderOf(request, "expect"), "<none>");  // no 100-continue round trip
}

TEST(HttpPost, ARetryAfterOfA503IsReturned) {
  HttpReceiver receiver;
  receiver.Script({{503, {{"Retry-After", "7"}}, "busy"}});
  const HttpResponse response = HttpPost(receiver.Url(), {}, "{}", LocalOptions());
  ASSERT_EQ(response.failure, Failure::kNone) << response.error;
  EXPECT_EQ(response.status, 503);
  ASSERT_TRUE(response.retry_after.has_value());
  EXPECT_EQ(*response.retry_after, absl::Seconds(7));
  EXPECT_EQ(response.body, "busy");
}

TEST(HttpPost, ARedirectIsAStatusAndIsNotFollowed) {
  HttpReceiver receiver;
  receiver.Script({{302, {{"Location", receiver.Url("/elsewhere")}}, ""}});
  const HttpResponse response = HttpPost(receiver.Url("/hook"), {}, "{}", LocalOptions());
  ASSERT_EQ(response.failure, Failure::kNone) << response.error;
  EXPECT_EQ(response.status, 302);
  const std::vector<HttpReceiver::Request> requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/hook");
}

TEST(HttpPost, OnlyTheFirstBytesOfTheResponseAreKept) {
  HttpReceiver receiver;
  receiver.SetDefault({200, {}, std::string(10000, 'x')});
  HttpOptions options = LocalOptions();
  options.max_response_bytes = 4096;
  const HttpResponse response = HttpPost(receiver.Url(), {}, "{}", options);
  ASSERT_EQ(response.failure, Failure::kNone) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, std::string(4096, 'x'));
}

TEST(HttpPost, AReceiverThatHangsTimesOut) {
  HttpReceiver receiver;
  receiver.Script({{200, {}, "", absl::Seconds(3)}});
  HttpOptions options = LocalOptions();
  options.timeout = absl::Milliseconds(500);
  const HttpResponse response = HttpPost(receiver.Url(), {}, "{}", options);
  EXPECT_EQ(response.failure, Failure::kTimeout) << response.error;
  EXPECT_EQ(response.status, 0);
  EXPECT_TRUE(absl::StartsWith(response.error, "timed out after")) << response.error;
  EXPECT_EQ(receiver.Count(), 1u);  // it got there; the answer did not come back in time
}

TEST(HttpPost, AGuardRefusesLoopbackByAddressAndByName) {
  HttpReceiver receiver;
  const EgressGuard guard;
  HttpOptions options = LocalOptions();
  options.guard = &guard;

  HttpResponse response = HttpPost(receiver.Url(), {}, "{}", options);
  EXPECT_EQ(response.failure, Failure::kRefusedAddress) << response.error;
  EXPECT_EQ(response.status, 0);
  EXPECT_EQ(response.error, "address 127.0.0.1 is not allowed: loopback 127.0.0.0/8");

  // A name that resolves to loopback (127.0.0.1 and ::1) is refused by its addresses.
  response =
      HttpPost(absl::StrCat("http://localhost:", receiver.port(), "/hook"), {}, "{}", options);
  EXPECT_EQ(response.failure, Failure::kRefusedAddress) << response.error;
  EXPECT_TRUE(absl::StrContains(response.error, "is not allowed: loopback")) << response.error;

  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(HttpPost, AnAllowListLetsTheGuardPassItsRange) {
  HttpReceiver receiver;
  absl::StatusOr<EgressGuard> guard = EgressGuard::FromList("127.0.0.0/8");
  ASSERT_TRUE(guard.ok()) << guard.status();
  HttpOptions options = LocalOptions();
  options.guard = &*guard;
  const HttpResponse response = HttpPost(receiver.Url(), {}, "{}", options);
  ASSERT_EQ(response.failure, Failure::kNone) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(receiver.Count(), 1u);
}

TEST(HttpPost, HttpIsRefusedUnlessAllowed) {
  HttpReceiver receiver;
  HttpOptions options = LocalOptions();
  options.allow_http = false;
  const HttpResponse response = HttpPost(receiver.Url(), {}, "{}", options);
  EXPECT_NE(response.failure, Failure::kNone);
  EXPECT_EQ(response.status, 0);
  EXPECT_TRUE(absl::StrContains(response.error, "https://")) << response.error;
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(HttpPost, AHeaderValueWithALineBreakIsNotSent) {
  HttpReceiver receiver;
  const Headers headers = {{"webhook-id", "msg_1\r\nX-Injected: yes"}};
  const HttpResponse response = HttpPost(receiver.Url(), headers, "{}", LocalOptions());
  EXPECT_EQ(response.failure, Failure::kOther);
  EXPECT_FALSE(absl::StrContains(response.error, "X-Injected")) << response.error;
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(HttpPost, NothingListeningIsAConnectFailure) {
  int port = 0;
  {
    HttpReceiver gone;
    port = gone.port();
  }
  const HttpResponse response =
      HttpPost(absl::StrCat("http://127.0.0.1:", port, "/hook"), {}, "{}", LocalOptions());
  EXPECT_EQ(response.failure, Failure::kConnect) << response.error;
  EXPECT_TRUE(absl::StartsWith(response.error, "could not connect: ")) << response.error;
}

TEST(CheckWebhookUrl, AcceptsHttpsUrls) {
  EXPECT_TRUE(CheckWebhookUrl("https://example.go.jp/hook", false, "url").ok());
  EXPECT_TRUE(CheckWebhookUrl("https://example.go.jp:8443/hooks/rfs?team=a", false, "url").ok());
  EXPECT_TRUE(CheckWebhookUrl("HTTPS://EXAMPLE.GO.JP/hook", false, "url").ok());
  EXPECT_TRUE(CheckWebhookUrl("http://example.go.jp/hook", true, "url").ok());
  std::string longest = "https://example.go.jp/";
  longest.resize(kMaxWebhookUrlLength, 'a');
  EXPECT_TRUE(CheckWebhookUrl(longest, false, "url").ok());
}

TEST(CheckWebhookUrl, RefusesWhatCannotBeAWebhookNamingTheField) {
  std::string too_long = "https://example.go.jp/";
  too_long.resize(kMaxWebhookUrlLength + 1, 'a');
  for (const std::string& url : {std::string("ftp://example.go.jp/hook"),
                                  std::string("http://example.go.jp/hook"),
                                  std::string("https://user:secret-pw@example.go.jp/"),
                                  std::string("https://user@example.go.jp/"),
                                  std::string("relative/path"), std::string("/hook"),
                                  std::string("https://"), std::string("https:///hook"),
                                  std::string("https://example.go.jp/hook#part"),
                                  std::string(""), too_long}) {
    const absl::Status status = CheckWebhookUrl(url, false, "subscription.url");
    ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << url;
    std::optional<common::v1::ErrorDetails> details = DetailsOf(status);
    ASSERT_TRUE(details.has_value()) << url;
    ASSERT_EQ(details->field_violations_size(), 1) << url;
    EXPECT_EQ(details->field_violations(0).field(), "subscription.url");
    EXPECT_FALSE(details->message_ja().empty());
    // The URL is not echoed (its path or user information may be a secret).
    EXPECT_FALSE(absl::StrContains(status.message(), "secret-pw")) << status;
  }
  EXPECT_TRUE(absl::StrContains(CheckWebhookUrl("ftp://example.go.jp/", false, "url").message(),
                                "https://"));
  EXPECT_TRUE(absl::StrContains(
      CheckWebhookUrl("http://example.go.jp/", false, "url").message(), "https://"));
  EXPECT_TRUE(absl::StrContains(CheckWebhookUrl(too_long, false, "url").message(), "2000"));
}

}  // namespace
}  // namespace rfs
