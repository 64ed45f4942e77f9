// The texts of rfs-notification's e-mails (services/notification/mail_templates.h): each mailed
// event type says what happened to which plan, what to do and by when, in the contact's language
// first and the other below a separator, with the footer; the events that are not mailed give
// nothing; no text carries '\r', an address, a URL or a secret from the event; the digest lists
// and counts its items.
#include "services/notification/mail_templates.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "common/base/japan_time.h"
#include "common/base/text.h"
#include "common/domain/plan_event.h"
#include "tests/support/plans.h"
#include "tests/support/process.h"

namespace rfs::notification {
namespace {

using common::v1::Event;
using rfs::testing::kIshikawa;
using rfs::testing::kKanazawaCity;

constexpr char kSeparatorLine[] = "----------------------------------------";

class MailTemplatesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = ReferenceData::Load(rfs::testing::DataDir());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    reference_ = loaded->release();
  }
  static void TearDownTestSuite() {
    delete reference_;
    reference_ = nullptr;
  }

  // 2026-05-18 10:30 JST.
  static absl::Time EventTime() {
    return absl::FromCivil(absl::CivilMinute(2026, 5, 18, 10, 30), JapanTimeZone());
  }

  // An event of `type` about `plan` (given its name), as the producers make them.
  static Event About(registry::v1::Plan plan, const std::string& name, const std::string& type) {
    plan.set_name(name);
    return PlanEvent(
        "rfs-test", plan, type,
        google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(EventTime())),
        "toyama-clerk");
  }

  static Event ReportDue(const std::string& type = "kpi.report_due",
                         const std::string& period = "2026-H1") {
    Event e = About(rfs::testing::PlanB(), "plans/B-00001", type);
    (*e.mutable_attributes())["period"] = period;
    (*e.mutable_attributes())["deadline"] = "2026-10-31";
    return e;
  }

  static std::optional<MailText> Render(const Event& e, const std::string& language) {
    std::optional<MailText> mail = RenderEventMail(e, language, *reference_);
    if (mail.has_value()) ExpectWellFormed(*mail, language);
    return mail;
  }

  // What every mail keeps: one subject line under the limit, "[rfs] " first; no '\r'; lines an
  // SMTP relay accepts; both languages in order around the separator; the footer.
  static void ExpectWellFormed(const MailText& mail, const std::string& language) {
    EXPECT_TRUE(absl::StartsWith(mail.subject, "[rfs] ")) << mail.subject;
    EXPECT_EQ(mail.subject.find_first_of("\r\n"), std::string::npos) << mail.subject;
    EXPECT_LE(CountCodePoints(mail.subject), kMaxSubjectChars) << mail.subject;
    EXPECT_EQ(mail.body.find('\r'), std::string::npos);
    for (absl::string_view line : absl::StrSplit(mail.body, '\n')) {
      EXPECT_LE(line.size(), 998u) << line;
    }
    const std::vector<std::string> parts = absl::StrSplit(mail.body, kSeparatorLine);
    ASSERT_EQ(parts.size(), 3u) << mail.body;
    const bool en = language == "en";
    EXPECT_TRUE(absl::StrContains(parts[0], en ? "What to do: " : "対応: ")) << mail.body;
    EXPECT_FALSE(absl::StrContains(parts[0], en ? "対応: " : "What to do: ")) << mail.body;
    EXPECT_TRUE(absl::StrContains(parts[1], en ? "対応: " : "What to do: ")) << mail.body;
    // The footer: how to stop, who sent it, both languages, the contact's first.
    const std::string& footer = parts[2];
    EXPECT_TRUE(absl::StrContains(footer, "rfsctl contacts update NAME --state disabled"));
    EXPECT_TRUE(absl::StrContains(footer, "rfs-notification"));
    const size_t ja_at = footer.find("連絡先を管理している担当者");
    const size_t en_at = footer.find("ask whoever keeps this contact");
    ASSERT_NE(ja_at, std::string::npos);
    ASSERT_NE(en_at, std::string::npos);
    EXPECT_EQ(en, en_at < ja_at);
  }

  // The section of the mail in Japanese and the one in English.
  static std::string JapanesePart(const MailText& mail, const std::string& language) {
    const std::vector<std::string> parts = absl::StrSplit(mail.body, kSeparatorLine);
    return parts.size() < 2 ? "" : parts[language == "en" ? 1 : 0];
  }
  static std::string EnglishPart(const MailText& mail, const std::string& language) {
    const std::vector<std::string> parts = absl::StrSplit(mail.body, kSeparatorLine);
    return parts.size() < 2 ? "" : parts[language == "en" ? 0 : 1];
  }

  static ReferenceData* reference_;
};

ReferenceData* MailTemplatesTest::reference_ = nullptr;

TEST_F(MailTemplatesTest, AReportDueSaysWhichHalfYearAndTheDeadlineJapaneseFirst) {
  const std::optional<MailText> mail = Render(ReportDue(), "ja");
  ASSERT_TRUE(mail.has_value());
  EXPECT_EQ(
      mail->subject,
      "[rfs] 報告期限のお知らせ plans/B-00001 (2026年度上期、期限 2026-10-31) / KPI report due");
  const std::string ja = JapanesePart(*mail, "ja");
  const std::string en = EnglishPart(*mail, "ja");
  EXPECT_TRUE(absl::StrContains(ja, "plans/B-00001")) << ja;
  EXPECT_TRUE(absl::StrContains(ja, "B 地域産業クラスター計画")) << ja;
  EXPECT_TRUE(absl::StrContains(ja, "富山県")) << ja;
  EXPECT_TRUE(absl::StrContains(ja, "2026年度（令和8年度）上期（2026年4月〜9月）")) << ja;
  EXPECT_TRUE(absl::StrContains(ja, "2026-10-31（土）")) << ja;
  EXPECT_TRUE(absl::StrContains(ja, "rfsctl kpi record plans/B-00001")) << ja;
  EXPECT_TRUE(absl::StrContains(ja, "2026-05-18 10:30（日本時間）")) << ja;
  EXPECT_TRUE(absl::StrContains(en, "plans/B-00001")) << en;
  EXPECT_TRUE(absl::StrContains(en, "FY2026 H1 (April–September 2026)")) << en;
  EXPECT_TRUE(absl::StrContains(en, "Sat 2026-10-31, JST")) << en;
  EXPECT_TRUE(absl::StrContains(en, "Toyama")) << en;
  // The event's actor (a token subject) is not shown.
  EXPECT_FALSE(absl::StrContains(mail->body, "toyama-clerk"));
}

TEST_F(MailTemplatesTest, AReportDueInEnglishPutsEnglishFirst) {
  const std::optional<MailText> mail = Render(ReportDue(), "en");
  ASSERT_TRUE(mail.has_value());
  EXPECT_EQ(mail->subject,
            "[rfs] KPI report due plans/B-00001 (FY2026 H1, due 2026-10-31) / 報告期限のお知らせ");
  EXPECT_TRUE(absl::StartsWith(mail->body, "■ KPI report due")) << mail->body;
  EXPECT_TRUE(absl::StrContains(JapanesePart(*mail, "en"), "■ 報告期限のお知らせ"));
}

TEST_F(MailTemplatesTest, TheSecondHalfAndThePeriodWithoutADashAreRead) {
  std::optional<MailText> mail = Render(ReportDue("kpi.report_due", "2026-H2"), "ja");
  ASSERT_TRUE(mail.has_value());
  EXPECT_TRUE(absl::StrContains(mail->subject, "2026年度下期")) << mail->subject;
  EXPECT_TRUE(absl::StrContains(mail->body, "（2026年10月〜2027年3月）")) << mail->body;
  EXPECT_TRUE(absl::StrContains(mail->body, "FY2026 H2 (October 2026 – March 2027)"));
  mail = Render(ReportDue("kpi.report_due", "2026H1"), "ja");
  ASSERT_TRUE(mail.has_value());
  EXPECT_TRUE(absl::StrContains(mail->subject, "2026年度上期")) << mail->subject;
  EXPECT_TRUE(absl::StrContains(mail->body, "2026-H1")) << mail->body;  // the rfsctl form
}

TEST_F(MailTemplatesTest, AnOverdueReportAsksForItNowAndNamesTheDeadline) {
  for (const std::string language : {"ja", "en"}) {
    const std::optional<MailText> mail = Render(ReportDue("kpi.report_overdue"), language);
    ASSERT_TRUE(mail.has_value());
    EXPECT_TRUE(absl::StrContains(mail->subject, "報告期限超過")) << mail->subject;
    EXPECT_TRUE(absl::StrContains(mail->subject, "KPI report overdue")) << mail->subject;
    EXPECT_TRUE(absl::StrContains(mail->subject, "plans/B-00001")) << mail->subject;
    EXPECT_TRUE(absl::StrContains(mail->subject, "2026-10-31")) << mail->subject;
    EXPECT_TRUE(absl::StrContains(JapanesePart(*mail, language), "直ちに"));
    EXPECT_TRUE(absl::StrContains(EnglishPart(*mail, language), "now"));
    EXPECT_TRUE(absl::StrContains(mail->body, "rfsctl kpi unlock"));
  }
}

TEST_F(MailTemplatesTest, AFailedCheckNamesTheUnmetRequirements) {
  Event e = About(rfs::testing::PlanA(), "plans/A-00001", "requirement.check_completed");
  (*e.mutable_attributes())["verdict"] = "FAIL";
  (*e.mutable_attributes())["unmet"] = "A4,KGI-CAPEX";
  (*e.mutable_attributes())["pending_review"] = "A2";
  (*e.mutable_attributes())["ruleset_version"] = "2026.05";
  for (const std::string language : {"ja", "en"}) {
    const std::optional<MailText> mail = Render(e, language);
    ASSERT_TRUE(mail.has_value());
    EXPECT_TRUE(absl::StrContains(mail->subject, "plans/A-00001")) << mail->subject;
    EXPECT_TRUE(absl::StrContains(mail->subject, "A4, KGI-CAPEX")) << mail->subject;
    const std::string ja = JapanesePart(*mail, language);
    const std::string en = EnglishPart(*mail, language);
    EXPECT_TRUE(absl::StrContains(ja, "満たしていない要件: A4, KGI-CAPEX")) << ja;
    EXPECT_TRUE(absl::StrContains(ja, "A 戦略産業クラスター計画")) << ja;
    EXPECT_TRUE(absl::StrContains(ja, "北陸ブロック")) << ja;
    EXPECT_TRUE(absl::StrContains(en, "Unmet requirements: A4, KGI-CAPEX")) << en;
    EXPECT_TRUE(absl::StrContains(en, "Awaiting review: A2")) << en;
    EXPECT_TRUE(absl::StrContains(en, "rfsctl check plans/A-00001")) << en;
  }
}

TEST_F(MailTemplatesTest, ChecksThatPassOrAwaitReviewAreNotMailed) {
  for (const std::string verdict : {"PASS", "PENDING_REVIEW"}) {
    Event e = About(rfs::testing::PlanA(), "plans/A-00001", "requirement.check_completed");
    (*e.mutable_attributes())["verdict"] = verdict;
    EXPECT_FALSE(RenderEventMail(e, "ja", *reference_).has_value()) << verdict;
    EXPECT_FALSE(RenderEventMail(e, "en", *reference_).has_value()) << verdict;
    EXPECT_FALSE(DigestLine(e, "ja", *reference_).has_value()) << verdict;
  }
}

TEST_F(MailTemplatesTest, AReturnedReviewNamesTheRequirementAndWhereTheCommentIs) {
  Event e = About(rfs::testing::PlanA(), "plans/A-00001", "requirement.review_recorded");
  (*e.mutable_attributes())["requirement_id"] = "A2";
  (*e.mutable_attributes())["decision"] = "REVIEW_DECISION_RETURNED";
  for (const std::string language : {"ja", "en"}) {
    const std::optional<MailText> mail = Render(e, language);
    ASSERT_TRUE(mail.has_value());
    EXPECT_TRUE(absl::StrContains(mail->subject, "要件の差戻し plans/A-00001 (A2)") ||
                absl::StrContains(mail->subject, "Requirement returned plans/A-00001 (A2)"))
        << mail->subject;
    EXPECT_TRUE(absl::StrContains(JapanesePart(*mail, language), "rfsctl reviews plans/A-00001"));
    EXPECT_TRUE(absl::StrContains(EnglishPart(*mail, language), "rfsctl reviews plans/A-00001"));
    EXPECT_TRUE(absl::StrContains(EnglishPart(*mail, language), "returned requirement A2"));
  }
  (*e.mutable_attributes())["decision"] = "REVIEW_DECISION_ACCEPTED";
  EXPECT_FALSE(RenderEventMail(e, "ja", *reference_).has_value());
  EXPECT_FALSE(DigestLine(e, "en", *reference_).has_value());
}

TEST_F(MailTemplatesTest, AReturnedPreConsultationSaysSoAndWhatToDoNext) {
  // The registry writes stage names without their prefix; the PlanStage names are read too.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"PRE_CONSULTATION", "DRAFTING"},
           {"PLAN_STAGE_PRE_CONSULTATION", "PLAN_STAGE_DRAFTING"}}) {
    Event e = About(rfs::testing::PlanA(), "plans/A-00001", "plan.stage_changed");
    (*e.mutable_attributes())["from_stage"] = from;
    (*e.mutable_attributes())["to_stage"] = to;
    const std::optional<MailText> mail = Render(e, "ja");
    ASSERT_TRUE(mail.has_value());
    EXPECT_EQ(mail->subject,
              "[rfs] 事前相談の差戻し plans/A-00001 (事前相談 → 調査・素案作成) / "
              "Pre-consultation returned");
    EXPECT_TRUE(absl::StrContains(mail->body, "returned with comments")) << mail->body;
    EXPECT_TRUE(absl::StrContains(mail->body, "rfsctl transition plans/A-00001 PRE_CONSULTATION"));
  }
}

TEST_F(MailTemplatesTest, AStageChangeNamesBothStagesInBothLanguages) {
  Event e = About(rfs::testing::PlanA(), "plans/A-00001", "plan.stage_changed");
  (*e.mutable_attributes())["from_stage"] = "COORDINATION";
  (*e.mutable_attributes())["to_stage"] = "PUBLISHED_BY_GOVERNOR";
  const std::optional<MailText> mail = Render(e, "en");
  ASSERT_TRUE(mail.has_value());
  EXPECT_EQ(mail->subject,
            "[rfs] Stage changed plans/A-00001 (coordination → published by the governor) / "
            "段階の変更");
  EXPECT_TRUE(absl::StrContains(JapanesePart(*mail, "en"), "各種調整 → 知事等による公表"));
  EXPECT_TRUE(absl::StrContains(EnglishPart(*mail, "en"), "SUBMITTED"));  // what comes next
  // Every stage has its Japanese name.
  for (const auto& [stage, name] : std::vector<std::pair<std::string, std::string>>{
           {"DRAFTING", "調査・素案作成"},
           {"PRE_CONSULTATION", "事前相談"},
           {"COORDINATION", "各種調整"},
           {"PUBLISHED_BY_GOVERNOR", "知事等による公表"},
           {"SUBMITTED", "計画の正式提出"},
           {"PUBLISHED", "内閣官房HP公表"},
           {"WITHDRAWN", "取下げ"},
           {"REVISING", "改定中"}}) {
    (*e.mutable_attributes())["to_stage"] = stage;
    const std::optional<MailText> m = Render(e, "ja");
    ASSERT_TRUE(m.has_value());
    EXPECT_TRUE(absl::StrContains(m->subject, name)) << stage << ": " << m->subject;
  }
}

TEST_F(MailTemplatesTest, AJointPlansSignOffNamesTheAuthorAndAwaitsTheOthers) {
  Event e = About(rfs::testing::PlanA(), "plans/A-00001", "plan.signed_off");
  ASSERT_GE(e.author_codes_size(), 2);
  (*e.mutable_attributes())["author_code"] = kIshikawa;
  for (const std::string language : {"ja", "en"}) {
    const std::optional<MailText> mail = Render(e, language);
    ASSERT_TRUE(mail.has_value());
    EXPECT_TRUE(absl::StrContains(mail->subject, "plans/A-00001")) << mail->subject;
    const std::string ja = JapanesePart(*mail, language);
    const std::string en = EnglishPart(*mail, language);
    EXPECT_TRUE(absl::StrContains(ja, "石川県 が、この共同計画")) << ja;
    EXPECT_TRUE(absl::StrContains(ja, "富山県（代表）")) << ja;
    EXPECT_TRUE(absl::StrContains(en, "Ishikawa signed off")) << en;
    EXPECT_TRUE(absl::StrContains(
        en,
        "Authors who have not yet signed off the current content are awaited before the "
        "plan can be published"))
        << en;
  }
  // A municipality is named by its code and prefecture.
  (*e.mutable_attributes())["author_code"] = kKanazawaCity;
  const std::optional<MailText> mail = Render(e, "ja");
  ASSERT_TRUE(mail.has_value());
  EXPECT_TRUE(absl::StrContains(mail->body, "市区町村 172014（石川県）")) << mail->body;
  // A single author's sign-off awaits nobody.
  Event single = About(rfs::testing::PlanB(), "plans/B-00001", "plan.signed_off");
  (*single.mutable_attributes())["author_code"] = rfs::testing::kToyama;
  ASSERT_EQ(single.author_codes_size(), 1);
  EXPECT_FALSE(RenderEventMail(single, "ja", *reference_).has_value());
}

TEST_F(MailTemplatesTest, ADisabledSubscriptionSaysHowToResumeAndRecover) {
  Event e;
  e.set_id("notification/subscriptions/0f3a9c1e5b7d2468/disabled/1");
  e.set_type("webhook.subscription_disabled");
  *e.mutable_time() =
      google::protobuf::util::TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(EventTime()));
  e.set_source("rfs-notification");
  (*e.mutable_attributes())["subscription"] = "subscriptions/0f3a9c1e5b7d2468";
  (*e.mutable_attributes())["owner"] = "toyama-system";
  (*e.mutable_attributes())["reason"] = "failing";
  for (const std::string language : {"ja", "en"}) {
    const std::optional<MailText> mail = Render(e, language);
    ASSERT_TRUE(mail.has_value());
    EXPECT_TRUE(absl::StrContains(mail->subject, "subscriptions/0f3a9c1e5b7d2468"));
    EXPECT_FALSE(absl::StrContains(mail->body, "plans/")) << mail->body;
    for (const std::string& part : {JapanesePart(*mail, language), EnglishPart(*mail, language)}) {
      EXPECT_TRUE(absl::StrContains(
          part, "rfsctl subscriptions update subscriptions/0f3a9c1e5b7d2468 --state active"))
          << part;
      EXPECT_TRUE(
          absl::StrContains(part,
                            "rfsctl deadletters recover subscriptions/0f3a9c1e5b7d2468 --since "
                            "2026-05-11T10:30:00+09:00"))
          << part;
      EXPECT_TRUE(absl::StrContains(part, "toyama-system")) << part;
    }
  }
  (*e.mutable_attributes())["reason"] = "gone";
  const std::optional<MailText> mail = Render(e, "en");
  ASSERT_TRUE(mail.has_value());
  EXPECT_TRUE(absl::StrContains(mail->body, "410 Gone")) << mail->body;
}

TEST_F(MailTemplatesTest, OtherTypesAreMailedGenericallyWithTheirAttributes) {
  Event e = About(rfs::testing::PlanC(), "plans/C-00003", "plan.updated");
  (*e.mutable_attributes())["changed_fields"] = "title,indicators";
  for (const std::string language : {"ja", "en"}) {
    const std::optional<MailText> mail = Render(e, language);
    ASSERT_TRUE(mail.has_value());
    EXPECT_TRUE(absl::StrContains(mail->subject, "plans/C-00003 (plan.updated)")) << mail->subject;
    EXPECT_TRUE(
        absl::StrContains(JapanesePart(*mail, language), "changed_fields: title,indicators"));
    EXPECT_TRUE(
        absl::StrContains(EnglishPart(*mail, language), "Event plan.updated on plans/C-00003"));
    EXPECT_TRUE(absl::StrContains(mail->body, "C 地場産業成長プラン"));
  }
}

TEST_F(MailTemplatesTest, NoAddressUrlSecretOrLineBreakOfAnEventReachesAMail) {
  Event e = About(rfs::testing::PlanA(), "plans/A-00001", "plan.custom_thing");
  (*e.mutable_attributes())["contact"] = "someone@pref.toyama.lg.jp";
  (*e.mutable_attributes())["callback"] = "https://receiver.example.go.jp/hook?token=abc123";
  (*e.mutable_attributes())["secret"] = "whsec_cmZzIGRvY3MgZXhhbXBsZSBrZXk=";
  (*e.mutable_attributes())["jwt"] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
  (*e.mutable_attributes())["note"] = "line one\r\nBcc: victim\rX";
  e.set_plan("plans/A-00001\r\nBcc: victim");
  for (const std::string language : {"ja", "en"}) {
    const std::optional<MailText> mail = Render(e, language);
    ASSERT_TRUE(mail.has_value());
    const std::optional<std::string> line = DigestLine(e, language, *reference_);
    ASSERT_TRUE(line.has_value());
    for (const std::string& text : {mail->subject, mail->body, *line}) {
      EXPECT_FALSE(absl::StrContains(text, "@")) << text;
      EXPECT_FALSE(absl::StrContains(text, "https://")) << text;
      EXPECT_FALSE(absl::StrContains(text, "abc123")) << text;
      EXPECT_FALSE(absl::StrContains(text, "whsec_")) << text;
      EXPECT_FALSE(absl::StrContains(text, "eyJ")) << text;
      EXPECT_FALSE(absl::StrContains(text, "\r")) << text;
      EXPECT_FALSE(absl::StrContains(text, "\nBcc")) << text;
    }
    EXPECT_FALSE(absl::StrContains(mail->subject, "\n"));
    EXPECT_FALSE(absl::StrContains(*line, "\n"));
    EXPECT_TRUE(absl::StrContains(mail->body, "note: line one  Bcc: victim X")) << mail->body;
  }
}

TEST_F(MailTemplatesTest, LongSubjectsAreCut) {
  Event e = About(rfs::testing::PlanA(), "plans/A-00001", "requirement.check_completed");
  (*e.mutable_attributes())["verdict"] = "FAIL";
  (*e.mutable_attributes())["unmet"] =
      "KGI-CAPEX-VERY-LONG-REQUIREMENT-ID-1,KGI-VALUE-ADDED-VERY-LONG-REQUIREMENT-ID-2,"
      "KGI-TALENT-VERY-LONG-REQUIREMENT-ID-3,A1,A2,A3,A4,A5,A6,A7";
  const std::optional<MailText> mail = Render(e, "ja");  // checks the limit
  ASSERT_TRUE(mail.has_value());
  EXPECT_TRUE(absl::StrContains(mail->body, "ほか 5 件")) << mail->body;
}

TEST_F(MailTemplatesTest, DigestLinesCarryBothLanguagesTheContactsFirst) {
  const std::optional<std::string> ja = DigestLine(ReportDue(), "ja", *reference_);
  ASSERT_TRUE(ja.has_value());
  EXPECT_EQ(*ja,
            "2026-05-18 10:30 報告期限のお知らせ plans/B-00001 (2026年度上期、期限 2026-10-31)／"
            "KPI report due plans/B-00001 (FY2026 H1, due 2026-10-31)");
  const std::optional<std::string> en = DigestLine(ReportDue(), "en", *reference_);
  ASSERT_TRUE(en.has_value());
  EXPECT_EQ(*en,
            "2026-05-18 10:30 KPI report due plans/B-00001 (FY2026 H1, due 2026-10-31)／"
            "報告期限のお知らせ plans/B-00001 (2026年度上期、期限 2026-10-31)");
}

TEST_F(MailTemplatesTest, TheDigestListsAndCountsItsItemsUnderTheDayInJapan) {
  Event stage = About(rfs::testing::PlanA(), "plans/A-00001", "plan.stage_changed");
  (*stage.mutable_attributes())["from_stage"] = "DRAFTING";
  (*stage.mutable_attributes())["to_stage"] = "PRE_CONSULTATION";
  std::vector<std::string> items;
  for (const Event& e : {ReportDue(), stage}) {
    std::optional<std::string> line = DigestLine(e, "ja", *reference_);
    ASSERT_TRUE(line.has_value());
    items.push_back(*line);
  }
  // 00:30 JST on 18 May is still the 17th in UTC: the date is Japan's.
  const absl::Time day = absl::FromCivil(absl::CivilMinute(2026, 5, 18, 0, 30), JapanTimeZone());
  const MailText mail = RenderDigestMail(items, day, "ja");
  EXPECT_TRUE(absl::StartsWith(mail.subject, "[rfs] 日次まとめ 2026-05-18 (2件) / "))
      << mail.subject;
  EXPECT_TRUE(absl::StrContains(mail.body, absl::StrCat("1. ", items[0], "\n"))) << mail.body;
  EXPECT_TRUE(absl::StrContains(mail.body, absl::StrCat("2. ", items[1], "\n"))) << mail.body;
  EXPECT_TRUE(absl::StrContains(mail.body, "お知らせ 2 件")) << mail.body;
  EXPECT_TRUE(absl::StrContains(mail.body, "2 notices")) << mail.body;
  EXPECT_TRUE(absl::StrContains(mail.body, "rfsctl contacts update NAME --state disabled"));
  EXPECT_TRUE(absl::StrContains(mail.body, "rfs-notification"));
  EXPECT_EQ(mail.body.find('\r'), std::string::npos);
  EXPECT_LT(mail.body.find("お知らせ 2 件"), mail.body.find("2 notices"));

  const MailText en = RenderDigestMail(items, day, "en");
  EXPECT_TRUE(absl::StartsWith(en.subject, "[rfs] Daily digest 2026-05-18 (2 notices) / "))
      << en.subject;
  EXPECT_LT(en.body.find("2 notices"), en.body.find("お知らせ 2 件"));

  const MailText empty = RenderDigestMail({}, day, "ja");
  EXPECT_TRUE(absl::StrContains(empty.subject, "(0件)")) << empty.subject;
  EXPECT_FALSE(absl::StrContains(empty.body, "1. ")) << empty.body;
}

TEST_F(MailTemplatesTest, EveryDefaultTypeHasAMail) {
  const std::vector<std::string>& types = DefaultMailEventTypes();
  EXPECT_EQ(types.size(), 7u);
  for (const std::string& type : types) {
    Event e = About(rfs::testing::PlanA(), "plans/A-00001", type);
    // The attributes that make each one mailed.
    (*e.mutable_attributes())["verdict"] = "FAIL";
    (*e.mutable_attributes())["decision"] = "REVIEW_DECISION_RETURNED";
    const std::optional<MailText> mail = Render(e, "ja");
    ASSERT_TRUE(mail.has_value()) << type;
    EXPECT_TRUE(DigestLine(e, "en", *reference_).has_value()) << type;
  }
}

}  // namespace
}  // namespace rfs::notification
