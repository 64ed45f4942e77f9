// E-mail to people against a real redis-server, the real gRPC server and a real SMTP receiver
// (tests/support/smtp_receiver.h): a contact is mailed about its own body's plans, for the
// event types it wants, Japanese first; contacts are kept and read only by their body and the
// secretariat; a permanent refusal marks the address bounced, a transient one is retried; a
// digest contact gets one mail a day listing the day's events.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/base/japan_time.h"
#include "common/kit/mail.h"
#include "tests/services/notification/notification_fixture.h"
#include "tests/support/smtp_receiver.h"

namespace rfs::testing {
namespace {

using notification::v1::Contact;
using notification::v1::DeliveryAttempt;
using notification::v1::Notification;

constexpr char kTaro[] = "taro.yamada@pref.toyama.lg.jp";

class MailTest : public NotificationTest {
 protected:
  MailTest() {
    SmtpOptions smtp;
    smtp.url = smtp_.Url();
    smtp.require_tls = false;  // the test's receiver speaks plain SMTP
    webhook_.mail = SmtpTransport(smtp);
    webhook_.mail_from = "rfs@example.go.jp";
    webhook_.poll = absl::Milliseconds(20);
    webhook_.retry.first_retry = absl::Milliseconds(50);
    webhook_.retry.max_delay = absl::Milliseconds(200);
    webhook_.retry.window = absl::Hours(1);
    webhook_.digest_every = absl::Hours(24);  // the test sends digests itself
  }

  std::string Toyama() { return Token(Principal{"pref-toyama", Role::kPrefecture, kToyama}); }
  std::string Ishikawa() {
    return Token(Principal{"pref-ishikawa", Role::kPrefecture, kIshikawa});
  }

  grpc::Status CreateContact(const std::string& token, const Contact& c, Contact* out) {
    notification::v1::CreateContactRequest req;
    *req.mutable_contact() = c;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return stub_->CreateContact(&ctx, req, out);
  }
  Contact MustCreateContact(const std::string& token, const Contact& c) {
    Contact out;
    const grpc::Status s = CreateContact(token, c, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }
  static Contact ToyamaContact(bool digest = false) {
    Contact c;
    c.set_body_code(kToyama);
    c.set_address(kTaro);
    c.set_display_name("富山県 地域振興課");
    c.set_daily_digest(digest);
    return c;
  }
  grpc::Status GetContact(const std::string& token, const std::string& name, Contact* out) {
    notification::v1::GetContactRequest req;
    req.set_name(name);
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return stub_->GetContact(&ctx, req, out);
  }
  notification::v1::ListContactsResponse ListContacts(const std::string& token) {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    notification::v1::ListContactsResponse out;
    EXPECT_OK(stub_->ListContacts(&ctx, notification::v1::ListContactsRequest(), &out));
    return out;
  }
  notification::v1::ListDeliveriesResponse Deliveries(const std::string& token,
                                                      const std::string& name) {
    notification::v1::ListDeliveriesRequest req;
    req.set_subscription(name);
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    notification::v1::ListDeliveriesResponse out;
    EXPECT_OK(stub_->ListDeliveries(&ctx, req, &out));
    return out;
  }

  SmtpReceiver smtp_;
};

// A report of a plan Toyama co-authors (Hokuriku, type A) falls due; one of a Kanto plan too.
common::v1::Event ReportDue(const std::string& plan_name, bool kanto) {
  Plan plan = Named(PlanA(), plan_name, registry::v1::PLAN_STAGE_PUBLISHED);
  if (kanto) MoveToKanto(&plan);
  common::v1::Event e = EventOf(plan, "kpi.report_due", "kpi/" + plan_name + "/reports/2026H1/due");
  (*e.mutable_attributes())["period"] = "2026H1";
  (*e.mutable_attributes())["deadline"] = "2026-10-31";
  return e;
}

TEST_F(MailTest, AContactIsMailedAboutItsOwnBodysPlansJapaneseFirst) {
  const Contact contact = MustCreateContact(Toyama(), ToyamaContact());
  EXPECT_TRUE(absl::StartsWith(contact.name(), "contacts/")) << contact.name();
  EXPECT_EQ(contact.state(), Contact::ACTIVE);
  EXPECT_EQ(contact.language(), "ja");
  ASSERT_NO_FATAL_FAILURE(MustPublish({
      ReportDue("plans/A-00009", /*kanto=*/true),  // not Toyama's
      EventOf(Named(PlanA(), "plans/A-00001", registry::v1::PLAN_STAGE_DRAFTING), "plan.updated",
              "e-updated"),                        // not a type mailed by default
      ReportDue("plans/A-00001", /*kanto=*/false),
  }));
  ASSERT_TRUE(smtp_.WaitFor(1, absl::Seconds(20)));
  ASSERT_TRUE(WaitFor([&] { return Deliveries(Toyama(), contact.name()).attempts_size() == 1; }));
  const std::vector<SmtpReceiver::Mail> mails = smtp_.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].from, "rfs@example.go.jp");
  ASSERT_EQ(mails[0].to.size(), 1u);
  EXPECT_EQ(mails[0].to[0], kTaro);
  const std::string subject = MailHeader(mails[0].data, "Subject");
  EXPECT_TRUE(absl::StrContains(subject, "plans/A-00001")) << subject;
  const std::string body = MailBody(mails[0].data);
  EXPECT_TRUE(absl::StrContains(body, "2026-10-31")) << body;
  const size_t ja = body.find("期限");
  const size_t en = body.find("due");
  ASSERT_NE(ja, std::string::npos) << body;
  ASSERT_NE(en, std::string::npos) << body;
  EXPECT_LT(ja, en) << body;  // Japanese first
  EXPECT_TRUE(absl::StrContains(MailHeader(mails[0].data, "To"), "富山県 地域振興課"));
  const auto log = Deliveries(Toyama(), contact.name());
  EXPECT_EQ(log.attempts(0).result(), DeliveryAttempt::DELIVERED);
  EXPECT_EQ(log.attempts(0).http_status(), 250);
  // Addresses are personal data: not in the event log.
  for (const auto& e : ListAll(Secretariat())) {
    EXPECT_FALSE(absl::StrContains(e.DebugString(), kTaro));
  }
}

TEST_F(MailTest, ContactsAreKeptAndReadOnlyByTheirBodyAndTheSecretariat) {
  const Contact mine = MustCreateContact(Toyama(), ToyamaContact());
  Contact out;
  // Another prefecture does not see it, nor may it add contacts for Toyama.
  EXPECT_EQ(GetContact(Ishikawa(), mine.name(), &out).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(CreateContact(Ishikawa(), ToyamaContact(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ListContacts(Ishikawa()).contacts_size(), 0);
  EXPECT_EQ(ListContacts(Token(Who(Role::kViewer))).contacts_size(), 0);
  // A bureau keeps its block's; the secretariat keeps and reads every one.
  Contact bureau;
  bureau.set_block("HOKURIKU");
  bureau.set_address("hokuriku@meti.go.jp");
  const std::string hokuriku = Token(Principal{"bureau-hokuriku", Role::kBureau, "", "HOKURIKU"});
  (void)MustCreateContact(hokuriku, bureau);
  EXPECT_EQ(ListContacts(hokuriku).contacts_size(), 1);
  EXPECT_EQ(ListContacts(Toyama()).contacts_size(), 1);
  EXPECT_EQ(ListContacts(Secretariat()).contacts_size(), 2);
  ASSERT_OK(GetContact(Secretariat(), mine.name(), &out));
  EXPECT_EQ(out.address(), kTaro);
  // Bad input names the field.
  Contact bad = ToyamaContact();
  bad.set_address("taro@pref.toyama.lg.jp\r\nBcc: x@example.com");
  grpc::Status s = CreateContact(Toyama(), bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "contact.address")) << s.error_message();
  bad = ToyamaContact();
  bad.add_event_types("Not A Type");
  s = CreateContact(Toyama(), bad, &out);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "contact.event_types[0]")) << s.error_message();
}

TEST_F(MailTest, APermanentRefusalMarksTheAddressBouncedATransientOneIsRetried) {
  const Contact contact = MustCreateContact(Toyama(), ToyamaContact());
  Contact other = ToyamaContact();
  other.set_address("hanako@pref.toyama.lg.jp");
  const Contact busy = MustCreateContact(Toyama(), other);
  smtp_.RefuseRecipient(kTaro, 550);
  smtp_.RefuseRecipient("hanako@pref.toyama.lg.jp", 450);
  ASSERT_NO_FATAL_FAILURE(MustPublish({ReportDue("plans/A-00001", false)}));
  Contact now;
  ASSERT_TRUE(WaitFor([&] {
    return GetContact(Toyama(), contact.name(), &now).ok() && now.state() == Contact::DISABLED;
  }));
  EXPECT_TRUE(absl::StrContains(now.disabled_reason(), "relay")) << now.disabled_reason();
  notification::v1::ListDeadLettersRequest dead;
  dead.set_subscription(contact.name());
  notification::v1::ListDeadLettersResponse letters;
  grpc::ClientContext ctx;
  PrepareCall(&ctx, Toyama(), absl::Seconds(10));
  ASSERT_OK(stub_->ListDeadLetters(&ctx, dead, &letters));
  ASSERT_EQ(letters.dead_letters_size(), 1);
  EXPECT_EQ(letters.dead_letters(0).http_status(), 550);
  // 450: retried on the schedule, the contact still ACTIVE.
  ASSERT_TRUE(WaitFor([&] { return Deliveries(Toyama(), busy.name()).attempts_size() >= 2; }));
  const auto log = Deliveries(Toyama(), busy.name());
  EXPECT_EQ(log.attempts(0).result(), DeliveryAttempt::RETRYING);
  EXPECT_EQ(log.attempts(0).http_status(), 450);
  ASSERT_OK(GetContact(Toyama(), busy.name(), &now));
  EXPECT_EQ(now.state(), Contact::ACTIVE);
  EXPECT_EQ(smtp_.Count(), 0u);
}

TEST_F(MailTest, ADigestContactGetsOneMailADayListingTheDaysEvents) {
  const Contact contact = MustCreateContact(Toyama(), ToyamaContact(/*digest=*/true));
  const std::string digest =
      "rfs:notification:wh:sub:" + contact.name().substr(strlen("contacts/")) + ":digest";
  ASSERT_NO_FATAL_FAILURE(MustPublish({ReportDue("plans/A-00001", false),
                                       ReportDue("plans/A-00002", false)}));
  ASSERT_TRUE(WaitFor([&] { return redis_->Cli("LLEN " + digest) == "2"; }));
  EXPECT_EQ(smtp_.Count(), 0u);  // nothing mailed one by one
  // Before the digest hour (8:00 JST) nothing goes; after it, one mail with both.
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), JapanTimeZone());
  ASSERT_OK(server_->dispatcher().SendDigests(
      absl::FromCivil(absl::CivilHour(today) + 7, JapanTimeZone())));
  EXPECT_EQ(smtp_.Count(), 0u);
  const absl::Time nine = absl::FromCivil(absl::CivilHour(today) + 9, JapanTimeZone());
  ASSERT_OK(server_->dispatcher().SendDigests(nine));
  ASSERT_EQ(smtp_.Count(), 1u);
  const std::string body = MailBody(smtp_.Mails()[0].data);
  EXPECT_TRUE(absl::StrContains(body, "plans/A-00001")) << body;
  EXPECT_TRUE(absl::StrContains(body, "plans/A-00002")) << body;
  EXPECT_EQ(redis_->Cli("LLEN " + digest), "0");
  // Once a day.
  ASSERT_OK(server_->dispatcher().SendDigests(nine + absl::Hours(1)));
  EXPECT_EQ(smtp_.Count(), 1u);
  EXPECT_EQ(Deliveries(Toyama(), contact.name()).attempts(0).event_type(), "mail.digest");
}

}  // namespace
}  // namespace rfs::testing
