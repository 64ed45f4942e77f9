// Webhooks against a real redis-server, the real gRPC server and a real HTTP receiver
// (tests/support/http_receiver.h): events delivered signed as Standard Webhooks says (checked
// by an implementation of the spec written here, and by the Python receiver of docs/api.md),
// only those the owner may read; failures retried, then dead letters, redelivered and
// recovered; a hanging receiver timed out; Retry-After honoured; 410 disables; a replica's
// abandoned delivery taken over; addresses refused at connect; owners kept apart.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstring>
#include <set>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/services/notification/notification_fixture.h"
#include "tests/support/http_receiver.h"

namespace rfs::testing {
namespace {

using notification::v1::CreateSubscriptionRequest;
using notification::v1::CreateSubscriptionResponse;
using notification::v1::DeliveryAttempt;
using notification::v1::Subscription;

// The Standard Webhooks signature as the specification defines it, written apart from the
// service's: base64(HMAC-SHA256(base64-decoded secret after "whsec_", "id.timestamp.body")).
std::string SpecSignature(const std::string& secret, const std::string& id,
                          const std::string& timestamp, const std::string& body) {
  std::string key;
  EXPECT_TRUE(absl::StartsWith(secret, "whsec_"));
  EXPECT_TRUE(absl::Base64Unescape(secret.substr(6), &key));
  const std::string content = id + "." + timestamp + "." + body;
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &len);
  return absl::Base64Escape(absl::string_view(reinterpret_cast<char*>(mac), len));
}

// Whether a delivered request carries a valid signature made with `secret`.
bool SignedWith(const HttpReceiver::Request& r, const std::string& secret) {
  const auto id = r.headers.find("webhook-id");
  const auto ts = r.headers.find("webhook-timestamp");
  const auto sig = r.headers.find("webhook-signature");
  if (id == r.headers.end() || ts == r.headers.end() || sig == r.headers.end()) return false;
  const std::string expected = "v1," + SpecSignature(secret, id->second, ts->second, r.body);
  for (absl::string_view s : absl::StrSplit(sig->second, ' ')) {
    if (s == expected) return true;
  }
  return false;
}

class WebhookTest : public NotificationTest {
 protected:
  WebhookTest() {
    webhook_.http.allow_http = true;
    webhook_.guard = *EgressGuard::FromList("127.0.0.0/8");  // the receiver is on loopback
    webhook_.poll = absl::Milliseconds(20);
    webhook_.http.timeout = absl::Seconds(2);
    webhook_.claim_idle = absl::Seconds(3);
    webhook_.retry.first_retry = absl::Milliseconds(50);
    webhook_.retry.max_delay = absl::Milliseconds(200);
    webhook_.retry.window = absl::Seconds(1);
  }

  grpc::Status CreateSub(const std::string& token, const std::string& url,
                         CreateSubscriptionResponse* out, const EventFilter& filter = {},
                         Subscription::State state = Subscription::ACTIVE) {
    CreateSubscriptionRequest req;
    req.mutable_subscription()->set_url(url);
    *req.mutable_subscription()->mutable_filter() = filter;
    req.mutable_subscription()->set_description("県の受信システム");
    req.mutable_subscription()->set_state(state);
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return stub_->CreateSubscription(&ctx, req, out);
  }
  CreateSubscriptionResponse MustCreateSub(const std::string& token, const std::string& url,
                                           const EventFilter& filter = {}) {
    CreateSubscriptionResponse out;
    const grpc::Status s = CreateSub(token, url, &out, filter);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  template <typename Req, typename Resp, typename Method>
  grpc::Status Call(Method method, const std::string& token, const Req& req, Resp* out) {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return (stub_.get()->*method)(&ctx, req, out);
  }
  notification::v1::ListDeliveriesResponse Deliveries(const std::string& token,
                                                      const std::string& sub) {
    notification::v1::ListDeliveriesRequest req;
    req.set_subscription(sub);
    notification::v1::ListDeliveriesResponse out;
    EXPECT_OK(Call(&notification::v1::Notification::Stub::ListDeliveries, token, req, &out));
    return out;
  }
  notification::v1::ListDeadLettersResponse DeadLetters(const std::string& token,
                                                        const std::string& sub) {
    notification::v1::ListDeadLettersRequest req;
    req.set_subscription(sub);
    notification::v1::ListDeadLettersResponse out;
    EXPECT_OK(Call(&notification::v1::Notification::Stub::ListDeadLetters, token, req, &out));
    return out;
  }
  Subscription GetSub(const std::string& token, const std::string& name) {
    notification::v1::GetSubscriptionRequest req;
    req.set_name(name);
    Subscription out;
    EXPECT_OK(Call(&notification::v1::Notification::Stub::GetSubscription, token, req, &out));
    return out;
  }
  std::string Toyama() { return Token(Principal{"pref-toyama", Role::kPrefecture, kToyama}); }

  HttpReceiver receiver_;
};

// An event of a plan Toyama authors, and one of a draft in Kanto it may not read.
common::v1::Event ToyamaEvent(const std::string& id) {
  return EventOf(Named(PlanA(), "plans/A-00001", registry::v1::PLAN_STAGE_DRAFTING),
                 "plan.updated", id);
}
common::v1::Event KantoDraftEvent(const std::string& id) {
  Plan plan = Named(PlanA(), "plans/A-00002", registry::v1::PLAN_STAGE_DRAFTING);
  MoveToKanto(&plan);
  return EventOf(plan, "plan.updated", id);
}

TEST_F(WebhookTest, EventsTheOwnerMayReadArriveSignedAsTheSpecificationSays) {
  const CreateSubscriptionResponse sub = MustCreateSub(Toyama(), receiver_.Url());
  EXPECT_TRUE(absl::StartsWith(sub.secret(), "whsec_")) << sub.secret();
  std::string key;
  ASSERT_TRUE(absl::Base64Unescape(sub.secret().substr(6), &key));
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(sub.subscription().owner(), "pref-toyama");
  EXPECT_EQ(sub.subscription().state(), Subscription::ACTIVE);
  // The secret is shown once: never again.
  const Subscription got = GetSub(Toyama(), sub.subscription().name());
  EXPECT_FALSE(absl::StrContains(got.DebugString(), sub.secret()));

  ASSERT_NO_FATAL_FAILURE(MustPublish({KantoDraftEvent("e-kanto"), ToyamaEvent("e-toyama")}));
  ASSERT_TRUE(receiver_.WaitFor(1, absl::Seconds(20)));
  // The Kanto draft is acknowledged without a delivery; nothing else comes.
  ASSERT_TRUE(WaitFor([&] { return Deliveries(Toyama(), sub.subscription().name()).attempts_size() == 1; }));
  const std::vector<HttpReceiver::Request> requests = receiver_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const HttpReceiver::Request& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.headers.at("webhook-id"), "e-toyama");
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  int64_t ts = 0;
  ASSERT_TRUE(absl::SimpleAtoi(r.headers.at("webhook-timestamp"), &ts));
  EXPECT_LE(std::abs(ts - absl::ToUnixSeconds(absl::Now())), 60);
  EXPECT_TRUE(SignedWith(r, sub.secret())) << r.headers.at("webhook-signature");
  // The body is the event in protobuf's JSON mapping.
  common::v1::Event event;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &event).ok()) << r.body;
  EXPECT_EQ(event.id(), "e-toyama");
  EXPECT_EQ(event.plan(), "plans/A-00001");

  const auto log = Deliveries(Toyama(), sub.subscription().name());
  ASSERT_EQ(log.attempts_size(), 1);
  EXPECT_EQ(log.attempts(0).result(), DeliveryAttempt::DELIVERED);
  EXPECT_EQ(log.attempts(0).http_status(), 200);
  EXPECT_EQ(log.attempts(0).event_id(), "e-toyama");
  EXPECT_EQ(log.attempts(0).attempt(), 1);
}

TEST_F(WebhookTest, FailuresAreRetriedThenDeadLetteredThenRedeliveredAndRecovered) {
  HttpReceiver::Reply fail;
  fail.status = 500;
  receiver_.SetDefault(fail);
  const CreateSubscriptionResponse sub = MustCreateSub(Secretariat(), receiver_.Url());
  const std::string name = sub.subscription().name();
  ASSERT_NO_FATAL_FAILURE(MustPublish({ToyamaEvent("e-1")}));
  ASSERT_TRUE(WaitFor([&] { return DeadLetters(Secretariat(), name).dead_letters_size() == 1; }));
  const size_t attempts = receiver_.Count();
  EXPECT_GE(attempts, 3u);  // retried within the (shortened) window before giving up
  const auto letters = DeadLetters(Secretariat(), name);
  const auto& d = letters.dead_letters(0);
  EXPECT_EQ(d.event().event().id(), "e-1");
  EXPECT_EQ(d.http_status(), 500);
  EXPECT_EQ(d.attempts(), static_cast<int>(attempts));
  EXPECT_TRUE(absl::StartsWith(d.name(), name + "/deadLetters/")) << d.name();
  // The delivery log has every attempt, newest first: the last dead-lettered, the others
  // retried, each naming when the next would come.
  const auto log = Deliveries(Secretariat(), name);
  ASSERT_EQ(log.attempts_size(), static_cast<int>(attempts));
  EXPECT_EQ(log.attempts(0).result(), DeliveryAttempt::DEAD_LETTERED);
  for (int i = 1; i < log.attempts_size(); ++i) {
    EXPECT_EQ(log.attempts(i).result(), DeliveryAttempt::RETRYING);
    EXPECT_TRUE(log.attempts(i).has_next_attempt_time());
    EXPECT_EQ(log.attempts(i).error(), "HTTP 500");
    EXPECT_EQ(log.attempts(i).attempt(), log.attempts_size() - i);
  }
  EXPECT_EQ(GetSub(Secretariat(), name).state(), Subscription::ACTIVE);
  EXPECT_TRUE(GetSub(Secretariat(), name).has_failing_since());

  // The receiver is fixed: one dead letter delivered again.
  receiver_.SetDefault(HttpReceiver::Reply{});
  notification::v1::RedeliverDeadLetterRequest again;
  again.set_name(d.name());
  notification::v1::RedeliverDeadLetterResponse done;
  ASSERT_OK(Call(&notification::v1::Notification::Stub::RedeliverDeadLetter, Secretariat(),
                 again, &done));
  ASSERT_TRUE(receiver_.WaitFor(attempts + 1, absl::Seconds(20)));
  EXPECT_EQ(receiver_.Requests().back().headers.at("webhook-id"), "e-1");
  ASSERT_TRUE(WaitFor([&] { return !GetSub(Secretariat(), name).has_failing_since(); }));
  EXPECT_EQ(DeadLetters(Secretariat(), name).dead_letters_size(), 0);
  // Redelivering it again: it is no longer a dead letter.
  EXPECT_EQ(Call(&notification::v1::Notification::Stub::RedeliverDeadLetter, Secretariat(),
                 again, &done).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Two more fail for good; Recover(since) delivers both again.
  receiver_.SetDefault(fail);
  const absl::Time since = absl::Now();
  ASSERT_NO_FATAL_FAILURE(MustPublish({ToyamaEvent("e-2"), ToyamaEvent("e-3")}));
  ASSERT_TRUE(WaitFor([&] { return DeadLetters(Secretariat(), name).dead_letters_size() == 2; }));
  receiver_.SetDefault(HttpReceiver::Reply{});
  const size_t before = receiver_.Count();
  notification::v1::RecoverDeliveriesRequest recover;
  recover.set_subscription(name);
  *recover.mutable_since() = TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(since));
  notification::v1::RecoverDeliveriesResponse recovered;
  ASSERT_OK(Call(&notification::v1::Notification::Stub::RecoverDeliveries, Secretariat(),
                 recover, &recovered));
  EXPECT_EQ(recovered.requeued(), 2);
  ASSERT_TRUE(receiver_.WaitFor(before + 2, absl::Seconds(20)));
  std::set<std::string> ids;
  const auto requests = receiver_.Requests();
  for (size_t i = before; i < requests.size(); ++i) ids.insert(requests[i].headers.at("webhook-id"));
  EXPECT_EQ(ids, (std::set<std::string>{"e-2", "e-3"}));
  ASSERT_TRUE(WaitFor([&] { return DeadLetters(Secretariat(), name).dead_letters_size() == 0; }));
}

TEST_F(WebhookTest, AHangingReceiverIsTimedOutAndRetryAfterIsHonoured) {
  webhook_.http.timeout = absl::Milliseconds(300);
  webhook_.retry.window = absl::Hours(1);
  ASSERT_NO_FATAL_FAILURE(StartNotification());
  HttpReceiver::Reply hang;
  hang.delay = absl::Seconds(3);
  HttpReceiver::Reply busy;
  busy.status = 503;
  busy.headers = {{"Retry-After", "120"}};
  receiver_.Script({hang, busy});
  const CreateSubscriptionResponse sub = MustCreateSub(Secretariat(), receiver_.Url());
  const std::string name = sub.subscription().name();
  ASSERT_NO_FATAL_FAILURE(MustPublish({ToyamaEvent("e-slow")}));
  ASSERT_TRUE(WaitFor([&] { return Deliveries(Secretariat(), name).attempts_size() == 2; }));
  const auto log = Deliveries(Secretariat(), name);
  // Oldest last: the timeout, then the 503.
  const DeliveryAttempt& timed_out = log.attempts(1);
  EXPECT_EQ(timed_out.result(), DeliveryAttempt::RETRYING);
  EXPECT_EQ(timed_out.http_status(), 0);
  EXPECT_TRUE(absl::StrContains(timed_out.error(), "timed out")) << timed_out.error();
  const DeliveryAttempt& busy_attempt = log.attempts(0);
  EXPECT_EQ(busy_attempt.http_status(), 503);
  EXPECT_EQ(busy_attempt.result(), DeliveryAttempt::RETRYING);
  // Retry-After 120 s, far beyond the schedule's 100 ms: the next attempt waits for it.
  EXPECT_GE(TimeUtil::TimestampToSeconds(busy_attempt.next_attempt_time()) -
                TimeUtil::TimestampToSeconds(busy_attempt.time()),
            119);
}

TEST_F(WebhookTest, GoneDisablesTheSubscriptionAndLogsAnEvent) {
  HttpReceiver::Reply gone;
  gone.status = 410;
  receiver_.SetDefault(gone);
  const CreateSubscriptionResponse sub = MustCreateSub(Toyama(), receiver_.Url());
  const std::string name = sub.subscription().name();
  ASSERT_NO_FATAL_FAILURE(MustPublish({ToyamaEvent("e-1")}));
  ASSERT_TRUE(WaitFor([&] { return GetSub(Toyama(), name).state() == Subscription::DISABLED; }));
  const Subscription s = GetSub(Toyama(), name);
  EXPECT_TRUE(absl::StrContains(s.disabled_reason(), "410")) << s.disabled_reason();
  EXPECT_EQ(receiver_.Count(), 1u);  // 410 is not retried
  EXPECT_EQ(DeadLetters(Toyama(), name).dead_letters_size(), 1);
  // Nothing more is sent while disabled.
  ASSERT_NO_FATAL_FAILURE(MustPublish({ToyamaEvent("e-2")}));
  EventFilter disabled;
  disabled.add_types("webhook.subscription_disabled");
  ASSERT_TRUE(WaitFor([&] { return ListAll(Secretariat(), disabled).size() == 1; }));
  const auto events = ListAll(Secretariat(), disabled);
  EXPECT_EQ(events[0].event().attributes().at("subscription"), name);
  EXPECT_EQ(events[0].event().attributes().at("reason"), "gone");
  EXPECT_EQ(receiver_.Count(), 1u);

  // Turned ACTIVE again, it resumes where it stopped: e-2 follows.
  receiver_.SetDefault(HttpReceiver::Reply{});
  notification::v1::UpdateSubscriptionRequest update;
  update.mutable_subscription()->set_name(name);
  update.mutable_subscription()->set_state(Subscription::ACTIVE);
  update.mutable_update_mask()->add_paths("state");
  Subscription updated;
  ASSERT_OK(Call(&notification::v1::Notification::Stub::UpdateSubscription, Toyama(), update,
                 &updated));
  EXPECT_EQ(updated.state(), Subscription::ACTIVE);
  EXPECT_TRUE(updated.disabled_reason().empty());
  ASSERT_TRUE(receiver_.WaitFor(2, absl::Seconds(20)));
  EXPECT_EQ(receiver_.Requests()[1].headers.at("webhook-id"), "e-2");
}

// A receiver failing longer than disable_after: the subscription is disabled, with a reason.
class WebhookDisableTest : public WebhookTest {
 protected:
  WebhookDisableTest() { webhook_.retry.disable_after = absl::Milliseconds(500); }
};

TEST_F(WebhookDisableTest, ASubscriptionFailingTooLongIsDisabled) {
  HttpReceiver::Reply fail;
  fail.status = 502;
  receiver_.SetDefault(fail);
  const CreateSubscriptionResponse sub = MustCreateSub(Toyama(), receiver_.Url());
  const std::string name = sub.subscription().name();
  ASSERT_NO_FATAL_FAILURE(MustPublish({ToyamaEvent("e-1")}));
  ASSERT_TRUE(WaitFor([&] { return GetSub(Toyama(), name).state() == Subscription::DISABLED; }));
  const Subscription s = GetSub(Toyama(), name);
  EXPECT_TRUE(s.has_failing_since());
  EXPECT_FALSE(s.disabled_reason().empty());
  EventFilter disabled;
  disabled.add_types("webhook.subscription_disabled");
  ASSERT_TRUE(WaitFor([&] { return ListAll(Secretariat(), disabled).size() == 1; }));
  EXPECT_EQ(ListAll(Secretariat(), disabled)[0].event().attributes().at("reason"), "failing");
  // The owner, a prefecture, does not read events that are about no plan.
  EXPECT_TRUE(ListAll(Toyama(), disabled).empty());
}

// A replica that read an event through the group and died before it delivered it: once the
// delivery has been pending longer than claim_idle, another replica takes it over.
TEST_F(WebhookTest, AKilledReplicasPendingDeliveryIsTakenOverByAnother) {
  const CreateSubscriptionResponse sub = MustCreateSub(Secretariat(), receiver_.Url());
  const std::string group = "wh:" + sub.subscription().name().substr(strlen("subscriptions/"));
  // Stop this replica's deliveries; the dead replica reads the event and never acknowledges.
  server_->dispatcher().Stop();
  ASSERT_NO_FATAL_FAILURE(MustPublish({ToyamaEvent("e-orphan")}));
  const std::string read = redis_->Cli(absl::StrCat("XREADGROUP GROUP ", group,
                                                    " dead-replica COUNT 10 STREAMS ", kLog,
                                                    " '>'"));
  ASSERT_TRUE(absl::StrContains(read, "e-orphan")) << read;
  EXPECT_EQ(receiver_.Count(), 0u);
  ASSERT_NO_FATAL_FAILURE(StartNotification());  // a new replica
  ASSERT_TRUE(receiver_.WaitFor(1, absl::Seconds(30)));
  EXPECT_EQ(receiver_.Requests()[0].headers.at("webhook-id"), "e-orphan");
  // Acknowledged once delivered: nothing pending in the group.
  ASSERT_TRUE(WaitFor([&] {
    return absl::StartsWith(redis_->Cli(absl::StrCat("XPENDING ", kLog, " ", group)), "0");
  }));
  EXPECT_EQ(receiver_.Count(), 1u);
}

TEST_F(WebhookTest, RotationSignsWithBothSecretsForTheOverlap) {
  const CreateSubscriptionResponse sub = MustCreateSub(Toyama(), receiver_.Url());
  notification::v1::RotateSecretRequest rotate;
  rotate.set_name(sub.subscription().name());
  notification::v1::RotateSecretResponse rotated;
  ASSERT_OK(Call(&notification::v1::Notification::Stub::RotateSecret, Toyama(), rotate,
                 &rotated));
  EXPECT_NE(rotated.secret(), sub.secret());
  EXPECT_GT(TimeUtil::TimestampToSeconds(rotated.previous_secret_expire_time()),
            absl::ToUnixSeconds(absl::Now() + absl::Hours(23)));
  // SendTestEvent: the owner checks its verifier.
  notification::v1::SendTestEventRequest test;
  test.set_name(sub.subscription().name());
  notification::v1::SendTestEventResponse tested;
  ASSERT_OK(Call(&notification::v1::Notification::Stub::SendTestEvent, Toyama(), test, &tested));
  EXPECT_EQ(tested.attempt().result(), DeliveryAttempt::DELIVERED);
  EXPECT_EQ(tested.attempt().event_type(), "webhook.test");
  ASSERT_EQ(receiver_.Count(), 1u);
  const HttpReceiver::Request r = receiver_.Requests()[0];
  EXPECT_TRUE(SignedWith(r, rotated.secret()));
  EXPECT_TRUE(SignedWith(r, sub.secret()));
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(r.headers.at("webhook-signature"), ' ')).size(), 2u);
  EXPECT_EQ(Deliveries(Toyama(), sub.subscription().name()).attempts(0).event_type(),
            "webhook.test");
}

TEST_F(WebhookTest, OwnersAreKeptApartAndBounded) {
  const CreateSubscriptionResponse mine = MustCreateSub(Toyama(), receiver_.Url());
  const std::string ishikawa = Token(Principal{"pref-ishikawa", Role::kPrefecture, kIshikawa});
  // Someone else's subscription does not exist for them.
  notification::v1::GetSubscriptionRequest get;
  get.set_name(mine.subscription().name());
  Subscription out;
  EXPECT_EQ(Call(&notification::v1::Notification::Stub::GetSubscription, ishikawa, get, &out)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  notification::v1::DeleteSubscriptionRequest del;
  del.set_name(mine.subscription().name());
  notification::v1::DeleteSubscriptionResponse deleted;
  EXPECT_EQ(Call(&notification::v1::Notification::Stub::DeleteSubscription, ishikawa, del,
                 &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
  notification::v1::ListDeliveriesRequest deliveries;
  deliveries.set_subscription(mine.subscription().name());
  notification::v1::ListDeliveriesResponse log;
  EXPECT_EQ(Call(&notification::v1::Notification::Stub::ListDeliveries, ishikawa, deliveries,
                 &log).error_code(),
            grpc::StatusCode::NOT_FOUND);
  (void)MustCreateSub(ishikawa, receiver_.Url());
  notification::v1::ListSubscriptionsResponse listed;
  ASSERT_OK(Call(&notification::v1::Notification::Stub::ListSubscriptions, Toyama(),
                 notification::v1::ListSubscriptionsRequest(), &listed));
  ASSERT_EQ(listed.subscriptions_size(), 1);
  EXPECT_EQ(listed.subscriptions(0).name(), mine.subscription().name());
  ASSERT_OK(Call(&notification::v1::Notification::Stub::ListSubscriptions, Secretariat(),
                 notification::v1::ListSubscriptionsRequest(), &listed));
  EXPECT_EQ(listed.subscriptions_size(), 2);
  // The secretariat manages every subscription.
  ASSERT_OK(Call(&notification::v1::Notification::Stub::DeleteSubscription, Secretariat(), del,
                 &deleted));
  EXPECT_EQ(redis_->Cli(absl::StrCat("EXISTS rfs:notification:wh:sub:",
                                     mine.subscription().name().substr(14))),
            "0");
  // An owner may hold at most 20.
  for (int i = 0; i < 20; ++i) (void)MustCreateSub(Toyama(), receiver_.Url());
  CreateSubscriptionResponse over;
  const grpc::Status s = CreateSub(Toyama(), receiver_.Url(), &over);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
}

TEST_F(WebhookTest, BadSubscriptionsAreRefusedNamingTheField) {
  CreateSubscriptionResponse out;
  for (const char* url : {"ftp://example.go.jp/hook", "https://user:pw@example.go.jp/",
                                "not a url", ""}) {
    const grpc::Status s = CreateSub(Toyama(), url, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << url;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "subscription.url")) << s.error_message();
  }
  EventFilter bad;
  bad.add_types("Not A Type");
  grpc::Status s = CreateSub(Toyama(), receiver_.Url(), &out, bad);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "subscription.filter.types[0]"))
      << s.error_message();
  EventFilter timed;
  *timed.mutable_start_time() = TimeUtil::GetCurrentTime();
  s = CreateSub(Toyama(), receiver_.Url(), &out, timed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(redis_->Cli("EXISTS rfs:notification:wh:subs"), "0");  // nothing written
}

// Without an allow-list, loopback (and every private or reserved range) is refused at connect
// time, after resolution: a name that resolves to loopback too.
class WebhookGuardTest : public WebhookTest {
 protected:
  WebhookGuardTest() { webhook_.guard = EgressGuard(); }
};

TEST_F(WebhookGuardTest, LoopbackIsRefusedAtConnectAlsoThroughAName) {
  for (const std::string& url :
       {receiver_.Url(), absl::StrCat("http://localhost:", receiver_.port(), "/hook")}) {
    const CreateSubscriptionResponse sub = MustCreateSub(Toyama(), url);
    notification::v1::SendTestEventRequest test;
    test.set_name(sub.subscription().name());
    notification::v1::SendTestEventResponse tested;
    ASSERT_OK(Call(&notification::v1::Notification::Stub::SendTestEvent, Toyama(), test,
                   &tested));
    EXPECT_EQ(tested.attempt().result(), DeliveryAttempt::FAILED) << url;
    EXPECT_TRUE(absl::StrContains(tested.attempt().error(), "not allowed"))
        << tested.attempt().error();
  }
  EXPECT_EQ(receiver_.Count(), 0u);
}

// The example receiver of docs/api.md, in Python: an implementation of the specification that
// shares nothing with the service's, verifies what the service sends.
TEST_F(WebhookTest, TheDocumentedPythonReceiverVerifiesTheSignature) {
  CreateSubscriptionResponse sub;
  ASSERT_OK(CreateSub(Secretariat(), "http://127.0.0.1:9/later", &sub, {},
                      Subscription::DISABLED));
  const std::string out = dir_.File("verified.jsonl");
  const std::string printed = dir_.File("receiver.log");
  Process receiver;
  receiver.Start({"python3", DataDir() + "/../docs/examples/webhook_receiver.py", "--port", "0",
                  "--secret", sub.secret(), "--out", out},
                 printed);
  std::string port;
  ASSERT_TRUE(WaitFor([&] {
    std::ifstream in(printed);
    std::string line;
    while (std::getline(in, line)) {
      if (absl::StartsWith(line, "listening on ")) {
        port = line.substr(strlen("listening on "));
        return true;
      }
    }
    return false;
  })) << "the receiver did not start";
  notification::v1::UpdateSubscriptionRequest update;
  update.mutable_subscription()->set_name(sub.subscription().name());
  update.mutable_subscription()->set_url(absl::StrCat("http://127.0.0.1:", port, "/hook"));
  update.mutable_subscription()->set_state(Subscription::ACTIVE);
  update.mutable_update_mask()->add_paths("url");
  update.mutable_update_mask()->add_paths("state");
  Subscription updated;
  ASSERT_OK(Call(&notification::v1::Notification::Stub::UpdateSubscription, Secretariat(),
                 update, &updated));
  ASSERT_NO_FATAL_FAILURE(MustPublish({ToyamaEvent("e-python")}));
  ASSERT_TRUE(WaitFor([&] {
    const auto log = Deliveries(Secretariat(), sub.subscription().name());
    return log.attempts_size() > 0 && log.attempts(0).result() == DeliveryAttempt::DELIVERED;
  }));
  std::ifstream in(out);
  std::string verified((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(absl::StrContains(verified, "\"e-python\"")) << verified;
  receiver.Stop();
}

}  // namespace
}  // namespace rfs::testing
