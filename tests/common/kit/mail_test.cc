// RenderMessage: what a mail program shows (Japanese subject and names decoded back, the body
// text), and what relays require (CRLF, header lines of at most 78 characters, no header added
// by a line break in a value). CheckMailAddress: the addresses a clerk may register.
// SmtpTransport against a real local SMTP server (tests/support/smtp_receiver.h): what arrives,
// and how a refusal, a closed port or a relay without STARTTLS is reported. DirectoryTransport:
// one whole .eml file a message.
#include "common/kit/mail.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/errors.h"
#include "common/base/japan_time.h"
#include "tests/support/process.h"
#include "tests/support/smtp_receiver.h"

namespace rfs {

// Failure kinds by name in test output.
static void PrintTo(MailResult::Failure failure, std::ostream* os) {
  switch (failure) {
    case MailResult::Failure::kNone: *os << "kNone"; return;
    case MailResult::Failure::kTransient: *os << "kTransient"; return;
    case MailResult::Failure::kPermanent: *os << "kPermanent"; return;
  }
  *os << "Failure(" << static_cast<int>(failure) << ")";
}

namespace {

using ::rfs::testing::MailBody;
using ::rfs::testing::MailHeader;
using ::rfs::testing::SmtpReceiver;
using ::rfs::testing::TempDir;
using Failure = MailResult::Failure;

constexpr char kTaro[] = "taro.yamada@pref.toyama.lg.jp";

MailMessage Sample() {
  MailMessage m;
  m.from = "rfs@example.go.jp";
  m.from_name = "地域未来戦略 rfs";
  m.to = kTaro;
  m.to_name = "富山県 地域振興課 山田 太郎";
  // Long enough to need several encoded words on several lines.
  m.subject = "【rfs】計画「富山県 地域未来戦略（令和7年度）」の報告期限が近づいています。"
              "期限までにご報告をお願いします";
  m.body = "山田 太郎 様\n\n計画「富山県 地域未来戦略」の報告期限は 2025年4月30日 です。\n"
           ".\n"
           "..から始まる行もそのまま届きます。\n"
           "https://rfs.example.go.jp/plans/A-00001\n";
  m.message_id = "rfs.0123abcd.1700000000000-0.1";
  m.date = absl::FromCivil(absl::CivilSecond(2025, 4, 1, 9, 0, 0), JapanTimeZone());
  return m;
}

// The header lines of a rendered message (up to the blank line).
std::vector<std::string> HeaderLines(const std::string& text) {
  const size_t blank = text.find("\r\n\r\n");
  EXPECT_NE(blank, std::string::npos);
  return absl::StrSplit(text.substr(0, blank), "\r\n");
}

// The body lines of a rendered message (after the blank line).
std::vector<std::string> BodyLines(const std::string& text) {
  const size_t blank = text.find("\r\n\r\n");
  EXPECT_NE(blank, std::string::npos);
  std::vector<std::string> lines = absl::StrSplit(text.substr(blank + 4), "\r\n");
  EXPECT_EQ(lines.back(), "");  // the text ends with CRLF
  lines.pop_back();
  return lines;
}

void ExpectCrlfOnly(const std::string& text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ASSERT_TRUE(i > 0 && text[i - 1] == '\r') << "a bare LF at byte " << i;
    }
    if (text[i] == '\r') {
      ASSERT_TRUE(i + 1 < text.size() && text[i + 1] == '\n') << "a bare CR at byte " << i;
    }
  }
  EXPECT_TRUE(absl::EndsWith(text, "\r\n"));
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A valid address of `n` characters (196 to 259): the longest local part and labels.
std::string AddressOfLength(size_t n) {
  return absl::StrCat(std::string(64, 'a'), "@", std::string(63, 'b'), ".", std::string(63, 'c'),
                      ".", std::string(n - 196, 'd'), ".jp");
}

// To the local receiver: plain SMTP, a generous timeout.
SmtpOptions LocalSmtp(const SmtpReceiver& receiver) {
  SmtpOptions options;
  options.url = receiver.Url();
  options.require_tls = false;
  options.timeout = absl::Seconds(10);
  return options;
}

TEST(RenderMessage, JapaneseHeadersAreEncodedWordsThatDecodeBack) {
  const MailMessage m = Sample();
  const std::string text = RenderMessage(m);
  EXPECT_TRUE(absl::StrContains(text, "\r\nSubject: =?UTF-8?B?")) << text;
  EXPECT_EQ(MailHeader(text, "Subject"), m.subject);
  EXPECT_EQ(MailHeader(text, "From"), "地域未来戦略 rfs <rfs@example.go.jp>");
  EXPECT_EQ(MailHeader(text, "To"), "富山県 地域振興課 山田 太郎 <taro.yamada@pref.toyama.lg.jp>");
  EXPECT_EQ(MailHeader(text, "Date"), "Tue, 01 Apr 2025 09:00:00 +0900");
  EXPECT_EQ(MailHeader(text, "Message-ID"), "<rfs.0123abcd.1700000000000-0.1@example.go.jp>");
  EXPECT_EQ(MailHeader(text, "MIME-Version"), "1.0");
  EXPECT_EQ(MailHeader(text, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(MailHeader(text, "Content-Transfer-Encoding"), "base64");
  // No 8-bit byte anywhere: the message passes relays that know nothing of 8BITMIME.
  for (const char c : text) ASSERT_LT(static_cast<unsigned char>(c), 0x80);
}

TEST(RenderMessage, NoHeaderLinePasses78CharactersAndLongSubjectsAreFolded) {
  MailMessage m = Sample();
  const std::string text = RenderMessage(m);
  size_t continuations = 0;
  for (const std::string& line : HeaderLines(text)) {
    EXPECT_LE(line.size(), 78u) << line;
    if (!line.empty() && line[0] == ' ') ++continuations;
  }
  EXPECT_GE(continuations, 2u) << text;  // the subject took more than one line

  // Plain ASCII stays readable, folded at its spaces, and unfolds to the same text.
  m.subject = "Report due: plan A-00001 (Toyama regional strategy, FY2025)  is due on 30 April "
              "2025; please report before then";
  m.from_name = "rfs \"notifications\"";
  const std::string ascii = RenderMessage(m);
  EXPECT_TRUE(absl::StrContains(ascii, "\r\nSubject: Report due: plan A-00001")) << ascii;
  EXPECT_EQ(MailHeader(ascii, "Subject"), m.subject);
  EXPECT_EQ(MailHeader(ascii, "From"), R"("rfs \"notifications\"" <rfs@example.go.jp>)");
  for (const std::string& line : HeaderLines(ascii)) EXPECT_LE(line.size(), 78u) << line;

  // One long word with no space to fold at: encoded words, which can be split anywhere.
  m.subject = std::string(120, 'x');
  const std::string word = RenderMessage(m);
  EXPECT_EQ(MailHeader(word, "Subject"), m.subject);
  for (const std::string& line : HeaderLines(word)) EXPECT_LE(line.size(), 78u) << line;
}

TEST(RenderMessage, TheBodyIsBase64InLinesOf76ThatDecodesToTheText) {
  const MailMessage m = Sample();
  const std::string text = RenderMessage(m);
  EXPECT_EQ(MailBody(text), m.body);
  const std::vector<std::string> lines = BodyLines(text);
  ASSERT_GE(lines.size(), 2u);
  for (size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 76u) << i;
  EXPECT_LE(lines.back().size(), 76u);
  EXPECT_FALSE(lines.back().empty());
}

TEST(RenderMessage, EveryLineEndsInCrlf) {
  MailMessage m = Sample();
  ExpectCrlfOnly(RenderMessage(m));
  m.body = "Windows line ends\r\nand a lone CR\rand LF\n";
  const std::string text = RenderMessage(m);
  ExpectCrlfOnly(text);
  EXPECT_EQ(MailBody(text), "Windows line ends\nand a lone CR\nand LF\n");
}

TEST(RenderMessage, ALineBreakInAValueAddsNoHeader) {
  MailMessage m = Sample();
  m.subject = "hello\r\nBcc: everyone@example.go.jp";
  m.to_name = "Taro\r\nBcc: everyone@example.go.jp";
  m.from_name = "rfs\nX-Injected: yes";
  m.message_id = "id\r\nBcc: x@y.jp";
  const std::string text = RenderMessage(m);
  for (const std::string& line : HeaderLines(text)) {
    EXPECT_FALSE(absl::StartsWith(line, "Bcc:")) << line;
    EXPECT_FALSE(absl::StartsWith(line, "X-Injected:")) << line;
  }
  EXPECT_EQ(MailHeader(text, "Subject"), "hello  Bcc: everyone@example.go.jp");
  ExpectCrlfOnly(text);
}

TEST(CheckMailAddress, AcceptsAddresses) {
  EXPECT_TRUE(CheckMailAddress(kTaro, "contact.address").ok());
  EXPECT_TRUE(CheckMailAddress("chiiki-shinko+rfs@pref.toyama.lg.jp", "address").ok());
  EXPECT_TRUE(CheckMailAddress("a@b.jp", "address").ok());
  const std::string longest = AddressOfLength(kMaxMailAddressLength);
  ASSERT_EQ(longest.size(), 254u);
  EXPECT_TRUE(CheckMailAddress(longest, "address").ok()) << CheckMailAddress(longest, "address");
}

TEST(CheckMailAddress, RefusesWhatIsNotOneAddressNamingTheField) {
  const std::string too_long = AddressOfLength(kMaxMailAddressLength + 1);
  ASSERT_EQ(too_long.size(), 255u);
  for (const std::string& address :
       {std::string("a@b"), std::string("a b@x.jp"), std::string("a@x.jp\r\nBcc: y@z.jp"),
        std::string("<a@x.jp>"), std::string("a@x.jp,b@y.jp"), std::string("a@x.jp;b@y.jp"),
        std::string("\"a\"@x.jp"), std::string("ax.jp"), std::string("a@@x.jp"),
        std::string("a@b@x.jp"), std::string("@x.jp"), std::string("a@"),
        std::string("a@x..jp"), std::string("a@x.jp."), std::string("a@x_y.jp"),
        std::string(65, 'a') + "@x.jp", std::string("山田@x.jp"), std::string("a＠x.jp"),
        std::string(""), too_long}) {
    const absl::Status status = CheckMailAddress(address, "contact.address");
    ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << address;
    std::optional<common::v1::ErrorDetails> details = DetailsOf(status);
    ASSERT_TRUE(details.has_value()) << address;
    ASSERT_EQ(details->field_violations_size(), 1) << address;
    EXPECT_EQ(details->field_violations(0).field(), "contact.address");
    EXPECT_FALSE(details->message_ja().empty()) << address;
  }
  EXPECT_TRUE(absl::StrContains(CheckMailAddress(too_long, "a").message(), "254"));
  EXPECT_TRUE(absl::StrContains(CheckMailAddress("a@b", "a").message(), "domain"));
  EXPECT_TRUE(absl::StrContains(CheckMailAddress("a@x.jp,b@y.jp", "a").message(), "one address"));
}

TEST(SmtpTransport, AMailArrivesWithItsSenderRecipientAndBody) {
  SmtpReceiver receiver;
  const std::unique_ptr<MailTransport> transport = SmtpTransport(LocalSmtp(receiver));
  const MailMessage m = Sample();
  const MailResult result = transport->Send(m);
  ASSERT_EQ(result.failure, Failure::kNone) << result.error;
  EXPECT_EQ(result.code, 250);
  EXPECT_TRUE(result.error.empty()) << result.error;

  const std::vector<SmtpReceiver::Mail> mails = receiver.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].from, "rfs@example.go.jp");
  EXPECT_EQ(mails[0].to, std::vector<std::string>{kTaro});
  EXPECT_EQ(mails[0].data, RenderMessage(m));
  EXPECT_EQ(MailBody(mails[0].data), m.body);
  EXPECT_EQ(MailHeader(mails[0].data, "Subject"), m.subject);
}

TEST(SmtpTransport, A550ForTheRecipientIsPermanentAndDoesNotNameIt) {
  SmtpReceiver receiver;
  receiver.RefuseRecipient(kTaro, 550);  // the reply quotes the address, as relays do
  const MailResult result = SmtpTransport(LocalSmtp(receiver))->Send(Sample());
  EXPECT_EQ(result.failure, Failure::kPermanent) << result.error;
  EXPECT_EQ(result.code, 550);
  EXPECT_FALSE(result.error.empty());
  EXPECT_FALSE(absl::StrContains(result.error, "taro.yamada")) << result.error;
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(SmtpTransport, A450ForTheRecipientIsTransient) {
  SmtpReceiver receiver;
  receiver.RefuseRecipient(kTaro, 450);
  const MailResult result = SmtpTransport(LocalSmtp(receiver))->Send(Sample());
  EXPECT_EQ(result.failure, Failure::kTransient) << result.error;
  EXPECT_EQ(result.code, 450);
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(SmtpTransport, TheReplyAfterTheDataDecidesToo) {
  SmtpReceiver receiver;
  const std::unique_ptr<MailTransport> transport = SmtpTransport(LocalSmtp(receiver));
  receiver.SetDataReply(554);
  MailResult result = transport->Send(Sample());
  EXPECT_EQ(result.failure, Failure::kPermanent) << result.error;
  EXPECT_EQ(result.code, 554);
  receiver.SetDataReply(451);
  result = transport->Send(Sample());
  EXPECT_EQ(result.failure, Failure::kTransient) << result.error;
  EXPECT_EQ(result.code, 451);
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(SmtpTransport, NothingListeningIsTransient) {
  SmtpOptions options;
  {
    SmtpReceiver gone;
    options = LocalSmtp(gone);
  }
  const MailResult result = SmtpTransport(options)->Send(Sample());
  EXPECT_EQ(result.failure, Failure::kTransient) << result.error;
  EXPECT_EQ(result.code, 0);
  EXPECT_TRUE(absl::StartsWith(result.error, "could not connect: ")) << result.error;
}

TEST(SmtpTransport, ARelayWithoutStarttlsGetsNothingWhenTlsIsRequired) {
  SmtpReceiver receiver;  // offers no STARTTLS
  SmtpOptions options = LocalSmtp(receiver);
  options.require_tls = true;
  const MailResult result = SmtpTransport(options)->Send(Sample());
  EXPECT_EQ(result.failure, Failure::kTransient) << result.error;
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(SmtpTransport, AnAddressThatCannotBeSentToIsPermanentWithoutAConnection) {
  SmtpReceiver receiver;
  MailMessage m = Sample();
  m.to = "taro@x.jp\r\nBcc: everyone@example.go.jp";
  const MailResult result = SmtpTransport(LocalSmtp(receiver))->Send(m);
  EXPECT_EQ(result.failure, Failure::kPermanent) << result.error;
  EXPECT_EQ(result.code, 0);
  EXPECT_FALSE(absl::StrContains(result.error, "everyone")) << result.error;
  EXPECT_EQ(receiver.Count(), 0u);
}

TEST(SmtpTransport, DescribeNamesTheRelayAndItsTlsButNoCredentials) {
  SmtpReceiver receiver;
  EXPECT_EQ(SmtpTransport(LocalSmtp(receiver))->Describe(),
            absl::StrCat("smtp://127.0.0.1:", receiver.port(), " (no TLS)"));
  SmtpOptions options;
  options.url = "smtp://relay.example.go.jp:587";
  options.user = "rfs";
  options.password = "s3cret-pw";
  EXPECT_EQ(SmtpTransport(options)->Describe(),
            "smtp://relay.example.go.jp:587 (STARTTLS required)");
  options.url = "smtps://rfs:s3cret-pw@relay.example.go.jp";
  const std::string described = SmtpTransport(options)->Describe();
  EXPECT_EQ(described, "smtps://relay.example.go.jp:465 (TLS)");
  EXPECT_FALSE(absl::StrContains(described, "s3cret")) << described;
}

TEST(DirectoryTransport, WritesOneEmlFileHoldingTheMessage) {
  TempDir dir;
  const std::unique_ptr<MailTransport> transport = DirectoryTransport(dir.path());
  EXPECT_EQ(transport->Describe(), absl::StrCat("directory ", dir.path()));
  const MailMessage m = Sample();
  const MailResult result = transport->Send(m);
  ASSERT_EQ(result.failure, Failure::kNone) << result.error;

  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  // Only the message: no temporary file left behind.
  ASSERT_EQ(names, std::vector<std::string>{"20250401-090000-rfs.0123abcd.1700000000000-0.1.eml"});
  EXPECT_EQ(ReadWhole(dir.File(names[0])), RenderMessage(m));
}

TEST(DirectoryTransport, ADirectoryThatCannotBeWrittenIsTransient) {
  TempDir dir;
  // Below a regular file: no directory, whoever runs the test (root included).
  const std::string file = dir.File("not-a-directory");
  std::ofstream(file) << "x";
  const MailResult result = DirectoryTransport(file + "/mail")->Send(Sample());
  EXPECT_EQ(result.failure, Failure::kTransient);
  EXPECT_FALSE(result.error.empty());
  EXPECT_FALSE(absl::StrContains(result.error, "taro.yamada")) << result.error;
}

}  // namespace
}  // namespace rfs
