#include "common/kit/mail.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/base/errors.h"
#include "common/base/japan_time.h"
#include "common/kit/curl_init.h"

namespace rfs {
namespace {

constexpr size_t kMaxHeaderLine = 78;  // RFC 5322's SHOULD, CRLF not counted
constexpr size_t kMaxEncodedWord = 75;  // RFC 2047
constexpr size_t kBodyLine = 76;        // RFC 2045's base64 lines
constexpr size_t kMaxMessageIdLength = 128;
constexpr size_t kMaxDomainLabel = 63;

using Failure = MailResult::Failure;

// ---- Rendering -------------------------------------------------------------------------------

bool IsControl(unsigned char byte) { return byte < 0x20 || byte == 0x7f; }

// `text` on one line: line breaks, tabs and other control characters become spaces.
std::string OneLine(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (IsControl(static_cast<unsigned char>(c))) c = ' ';
  }
  return out;
}

// `text` without spaces or control characters (an address or a token put into a header as is).
std::string NoSpaces(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte != ' ' && !IsControl(byte)) out.push_back(c);
  }
  return out;
}

// Printable ASCII only, and nothing a decoder could take for an encoded word.
bool IsPlainAscii(absl::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) return false;
  }
  return !absl::StrContains(text, "=?");
}

// `text` as RFC 2047 "B" encoded words of UTF-8, each at most `max_word` characters long and
// holding whole characters (a UTF-8 sequence is never split, so each decodes on its own).
std::vector<std::string> EncodedWords(absl::string_view text, size_t max_word) {
  constexpr absl::string_view kOpen = "=?UTF-8?B?";
  constexpr absl::string_view kClose = "?=";
  // 4 base64 characters for every 3 bytes.
  const size_t max_bytes =
      std::max<size_t>(3, (max_word - kOpen.size() - kClose.size()) / 4 * 3);
  std::vector<std::string> words;
  while (!text.empty()) {
    size_t n = std::min(max_bytes, text.size());
    if (n < text.size()) {
      // Back up to the start of a character (a byte that is not 10xxxxxx).
      size_t cut = n;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
      if (cut > 0) n = cut;  // else not UTF-8 at all: cut anywhere rather than loop
    }
    words.push_back(absl::StrCat(kOpen, absl::Base64Escape(text.substr(0, n)), kClose));
    text.remove_prefix(n);
  }
  return words;
}

// "Name: value\r\n", folded: a line break goes before a space that a non-space follows
// (never the one after the colon, never within a run of spaces, so no line is only spaces)
// whenever the next piece would take the line past kMaxHeaderLine; a piece longer than a
// line stands alone on its line. Unfolding (removing each CRLF) gives back "Name: value".
std::string FoldedHeader(absl::string_view name, absl::string_view value) {
  const std::string s = value.empty() ? std::string() : absl::StrCat(" ", value);
  std::string out = absl::StrCat(name, ":");
  size_t line = out.size();
  size_t start = 0;
  for (size_t i = 1; i <= s.size(); ++i) {
    const bool end = i == s.size();
    if (!end && !(s[i] == ' ' && i + 1 < s.size() && s[i + 1] != ' ')) continue;
    const absl::string_view piece = absl::string_view(s).substr(start, i - start);
    if (start > 0 && line + piece.size() > kMaxHeaderLine) {
      out += "\r\n";
      line = 0;
    }
    out.append(piece.data(), piece.size());
    line += piece.size();
    start = i;
  }
  out += "\r\n";
  return out;
}

// The length of the longest line of `header` (CRLF not counted).
size_t LongestLine(absl::string_view header) {
  size_t longest = 0;
  for (const absl::string_view line : absl::StrSplit(header, "\r\n")) {
    longest = std::max(longest, line.size());
  }
  return longest;
}

// `text` as encoded words joined by spaces, each short enough to follow "Name: " on a line.
std::string EncodedPhrase(absl::string_view name, absl::string_view text) {
  const size_t room = kMaxHeaderLine - name.size() - 2;
  return absl::StrJoin(EncodedWords(text, std::min(kMaxEncodedWord, room)), " ");
}

// An unstructured header (Subject): the text as it is when it is plain ASCII that folds into
// lines short enough, else encoded words.
std::string TextHeader(absl::string_view name, absl::string_view raw) {
  const std::string text = OneLine(raw);
  if (IsPlainAscii(text)) {
    std::string header = FoldedHeader(name, text);
    if (LongestLine(header) <= kMaxHeaderLine) return header;
  }
  return FoldedHeader(name, EncodedPhrase(name, text));
}

// An address header (From, To): `"name" <address>`, `=?UTF-8?B?...?= <address>`, or the
// address alone when there is no name.
std::string AddressHeader(absl::string_view name, absl::string_view display_name,
                          absl::string_view address) {
  const std::string addr = NoSpaces(address);
  const std::string phrase(absl::StripAsciiWhitespace(OneLine(display_name)));
  if (phrase.empty()) return FoldedHeader(name, addr);
  std::string shown;
  if (IsPlainAscii(phrase)) {
    // A quoted string (folding at a space inside it is allowed).
    shown = "\"";
    for (const char c : phrase) {
      if (c == '"' || c == '\\') shown.push_back('\\');
      shown.push_back(c);
    }
    shown.push_back('"');
    if (LongestLine(FoldedHeader(name, shown)) > kMaxHeaderLine) shown.clear();
  }
  if (shown.empty()) shown = EncodedPhrase(name, phrase);
  return FoldedHeader(name, absl::StrCat(shown, " <", addr, ">"));
}

// RFC 5322 date-time in Japan Standard Time: "Tue, 01 Apr 2025 09:00:00 +0900". Written out
// here rather than by strftime, whose day and month names follow the locale.
std::string MailDate(absl::Time date) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const absl::TimeZone zone = JapanTimeZone();
  const absl::CivilSecond cs = absl::ToCivilSecond(date, zone);
  const int offset_minutes = zone.At(date).offset / 60;
  const int abs_offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  return absl::StrFormat("%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d",
                         kDays[static_cast<int>(absl::GetWeekday(cs))], cs.day(),
                         kMonths[cs.month() - 1], cs.year(), cs.hour(), cs.minute(),
                         cs.second(), offset_minutes < 0 ? '-' : '+', abs_offset / 60,
                         abs_offset % 60);
}

// `body` with every line end as CRLF (RFC 2045: text is encoded in its canonical form).
std::string CanonicalLines(absl::string_view body) {
  std::string out;
  out.reserve(body.size() + body.size() / 32);
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\r') {
      if (i + 1 < body.size() && body[i + 1] == '\n') ++i;
      out += "\r\n";
    } else if (c == '\n') {
      out += "\r\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// ---- Addresses and tokens ------------------------------------------------------------------

struct Problem {
  std::string ja;
  std::string en;
};

constexpr absl::string_view kExample = "taro.yamada@pref.toyama.lg.jp";

std::optional<Problem> FindAddressProblem(absl::string_view address) {
  if (address.empty()) {
    return Problem{"メールアドレスを入力してください", "an e-mail address is required"};
  }
  if (address.size() > kMaxMailAddressLength) {
    return Problem{absl::StrCat("メールアドレスは ", kMaxMailAddressLength,
                                " 文字以内にしてください（", address.size(), " 文字あります）"),
                   absl::StrCat("the address must be at most ", kMaxMailAddressLength,
                                " characters (it has ", address.size(), ")")};
  }
  for (const char c : address) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == ' ' || IsControl(byte)) {
      return Problem{"メールアドレスに空白や改行、制御文字を含めないでください",
                     "the address must not contain spaces, line breaks or control characters"};
    }
  }
  for (const char c : address) {
    if (static_cast<unsigned char>(c) > 0x7e) {
      return Problem{
          "メールアドレスは半角の英数字と記号で入力してください（全角の文字や＠は使えません）",
          "the address must be plain ASCII (no full-width or other non-ASCII characters)"};
    }
  }
  if (address.find_first_of("<>,;\"'") != absl::string_view::npos) {
    return Problem{absl::StrCat("メールアドレスは 1 件だけ、< > , ; や引用符を付けずに入力して"
                                "ください（例: ",
                                kExample, "）"),
                   absl::StrCat("enter exactly one address, without < > , ; or quotes (e.g. ",
                                kExample, ")")};
  }
  const size_t at = address.find('@');
  if (at == absl::string_view::npos || address.find('@', at + 1) != absl::string_view::npos) {
    return Problem{
        absl::StrCat("メールアドレスには @ をちょうど 1 つ含めてください（例: ", kExample, "）"),
        absl::StrCat("the address must contain exactly one @ (e.g. ", kExample, ")")};
  }
  const absl::string_view local = address.substr(0, at);
  const absl::string_view domain = address.substr(at + 1);
  if (local.empty() || local.size() > kMaxMailLocalPartLength ||
      local.find_first_of("()[]\\:") != absl::string_view::npos) {
    return Problem{absl::StrCat("@ の前は 1〜", kMaxMailLocalPartLength,
                                " 文字の英数字と記号（( ) [ ] \\ : を除く）にしてください"),
                   absl::StrCat("the part before the @ must be 1 to ", kMaxMailLocalPartLength,
                                " letters, digits or symbols other than ( ) [ ] \\ :")};
  }
  bool domain_ok = domain.find('.') != absl::string_view::npos;
  for (const char c : domain) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      domain_ok = false;
    }
  }
  for (const absl::string_view label : absl::StrSplit(domain, '.')) {
    if (label.empty() || label.size() > kMaxDomainLabel) domain_ok = false;
  }
  if (!domain_ok) {
    return Problem{"@ の後のドメインは pref.toyama.lg.jp のように、英数字と - を . で区切って"
                   "入力してください",
                   "the domain after the @ must be letters, digits and '-' in parts separated "
                   "by dots, like pref.toyama.lg.jp"};
  }
  return std::nullopt;
}

// Whether `id` is a token the transports send: 1 to kMaxMessageIdLength letters, digits, '.',
// '-' and '_', no '.' first, last or twice in a row (a dot-atom, and a safe file name).
bool IsMessageIdToken(absl::string_view id) {
  if (id.empty() || id.size() > kMaxMessageIdLength || id.front() == '.' || id.back() == '.' ||
      absl::StrContains(id, "..")) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
           c == '_';
  });
}

MailResult Failed(Failure failure, std::string error, int code = 0) {
  MailResult result;
  result.failure = failure;
  result.code = code;
  result.error = std::move(error);
  return result;
}

// What makes `m` unsendable by any transport, as a failed result; nothing when it is fine.
// Only a bad recipient is permanent: a bad sender or message id is the deployment's or the
// caller's to fix, and must not mark the recipient as bouncing.
std::optional<MailResult> Unsendable(const MailMessage& m) {
  if (std::optional<Problem> problem = FindAddressProblem(m.to)) {
    return Failed(Failure::kPermanent,
                  absl::StrCat("the recipient address cannot be sent to: ", problem->en));
  }
  if (std::optional<Problem> problem = FindAddressProblem(m.from)) {
    return Failed(Failure::kTransient,
                  absl::StrCat("the sender address cannot be sent from: ", problem->en));
  }
  if (!IsMessageIdToken(m.message_id)) {
    return Failed(Failure::kTransient,
                  absl::StrCat("the message id must be 1 to ", kMaxMessageIdLength,
                               " letters, digits, '.', '-' or '_'"));
  }
  return std::nullopt;
}

// `text` with every occurrence of `secret` (ASCII case ignored) replaced by `shown`.
void Scrub(std::string* text, absl::string_view secret, absl::string_view shown) {
  if (secret.empty()) return;
  const std::string needle = absl::AsciiStrToLower(secret);
  std::string lower = absl::AsciiStrToLower(*text);
  size_t pos = 0;
  while ((pos = lower.find(needle, pos)) != std::string::npos) {
    text->replace(pos, needle.size(), shown.data(), shown.size());
    lower.replace(pos, needle.size(), shown.data(), shown.size());
    pos += shown.size();
  }
}

// ---- SMTP ----------------------------------------------------------------------------------

using curl::CurlFree;
using curl::EasyDeleter;
using curl::ListDeleter;
using curl::UrlDeleter;
using curl::UrlPart;


// What is left of the message to upload; libcurl dot-stuffs it and ends it with CRLF.CRLF.
size_t ReadMessage(char* buffer, size_t size, size_t count, void* userdata) {
  auto* rest = static_cast<absl::string_view*>(userdata);
  const size_t n = std::min(size * count, rest->size());
  if (n > 0) std::memcpy(buffer, rest->data(), n);
  rest->remove_prefix(n);
  return n;
}

// A duration as curl's milliseconds: at least 1 (0 would mean no limit), at most ~24 days.
long Millis(absl::Duration d) {
  int64_t ms = absl::ToInt64Milliseconds(d);
  if (ms < 1) ms = 1;
  if (ms > INT_MAX) ms = INT_MAX;
  return static_cast<long>(ms);
}

// Failures of the connection or the relay's setup (TLS, STARTTLS, authentication) rather than
// of this message: transient whatever the relay's code.
bool IsSetupFailure(CURLcode rc, int code) {
  switch (rc) {
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return true;
    default:
      // RFC 4954: authentication required (530), too weak (534), refused (535), encryption
      // required for it (538).
      return code == 530 || code == 534 || code == 535 || code == 538;
  }
}

class Smtp final : public MailTransport {
 public:
  explicit Smtp(SmtpOptions options) : options_(std::move(options)) {}

  MailResult Send(const MailMessage& m) override {
    const auto started = std::chrono::steady_clock::now();
    MailResult result = SendOnce(m);
    result.latency = absl::FromChrono(std::chrono::steady_clock::now() - started);
    return result;
  }

  std::string Describe() const override {
    std::string where = "an SMTP relay with an unreadable URL";
    if (EnsureCurlInitialized()) {
      std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
      if (url != nullptr &&
          curl_url_set(url.get(), CURLUPART_URL, options_.url.c_str(),
                       CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
        // Scheme, host and port only: never user information, a path or a query.
        where = absl::StrCat(
            absl::AsciiStrToLower(UrlPart(url.get(), CURLUPART_SCHEME).value_or("?")), "://",
            UrlPart(url.get(), CURLUPART_HOST).value_or("?"), ":",
            UrlPart(url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT).value_or("?"));
      }
    }
    const char* tls = absl::StartsWithIgnoreCase(options_.url, "smtps:") ? "TLS"
                      : options_.require_tls                            ? "STARTTLS required"
                                                                        : "no TLS";
    return absl::StrCat(where, " (", tls, ")");
  }

 private:
  MailResult SendOnce(const MailMessage& m) const {
    if (std::optional<MailResult> refused = Unsendable(m)) return *std::move(refused);
    if (!EnsureCurlInitialized()) {
      return Failed(Failure::kTransient, "libcurl could not be initialised");
    }
    const std::string text = RenderMessage(m);
    absl::string_view rest = text;
    const std::string mail_from = absl::StrCat("<", m.from, ">");
    std::unique_ptr<curl_slist, ListDeleter> recipients(
        curl_slist_append(nullptr, absl::StrCat("<", m.to, ">").c_str()));
    if (recipients == nullptr) return Failed(Failure::kTransient, "out of memory");

    std::unique_ptr<CURL, EasyDeleter> handle(curl_easy_init());
    if (handle == nullptr) return Failed(Failure::kTransient, "libcurl could not make a handle");
    CURL* const h = handle.get();
    char error_buffer[CURL_ERROR_SIZE] = {};
    CURLcode set = CURLE_OK;
    auto keep = [&set](CURLcode rc) {
      if (set == CURLE_OK) set = rc;
    };
    keep(curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer));
    keep(curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L));
    keep(curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str()));
    keep(curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
    keep(curl_easy_setopt(h, CURLOPT_PROXY, ""));  // no proxy from the environment
    keep(curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, Millis(options_.timeout)));
    keep(curl_easy_setopt(h, CURLOPT_USE_SSL,
                          static_cast<long>(options_.require_tls ? CURLUSESSL_ALL
                                                                 : CURLUSESSL_NONE)));
    keep(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L));
    keep(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L));
    if (!options_.ca_file.empty()) {
      keep(curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str()));
    }
    if (!options_.user.empty()) {
      // Sent in the clear when require_tls is false on smtp:// (meant for a local sink only).
      keep(curl_easy_setopt(h, CURLOPT_USERNAME, options_.user.c_str()));
      keep(curl_easy_setopt(h, CURLOPT_PASSWORD, options_.password.c_str()));
    }
    keep(curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str()));
    keep(curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get()));
    keep(curl_easy_setopt(h, CURLOPT_UPLOAD, 1L));
    keep(curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size())));
    keep(curl_easy_setopt(h, CURLOPT_READFUNCTION, &ReadMessage));
    keep(curl_easy_setopt(h, CURLOPT_READDATA, static_cast<void*>(&rest)));
    if (set != CURLE_OK) {
      return Failed(Failure::kTransient,
                    absl::StrCat("could not set up the request: ", curl_easy_strerror(set)));
    }

    const CURLcode rc = curl_easy_perform(h);
    long reply = 0;
    const int code = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply) == CURLE_OK
                         ? static_cast<int>(reply)
                         : 0;
    if (rc == CURLE_OK) {
      MailResult result;
      result.code = code;
      return result;
    }

    // libcurl's own words: the error buffer when it says something, else the code's text.
    const std::string code_text = curl_easy_strerror(rc);
    const std::string detail(
        error_buffer[0] != '\0'
            ? absl::StripTrailingAsciiWhitespace(absl::string_view(error_buffer))
            : absl::string_view(code_text));
    std::string error;
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      error = absl::StrCat("timed out after ", absl::ToDoubleSeconds(options_.timeout), " s");
    } else if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST) {
      error = absl::StrCat("could not connect: ", detail);
    } else {
      error = detail == code_text ? detail : absl::StrCat(code_text, " (", detail, ")");
    }
    const bool permanent = code >= 500 && code < 600 && !IsSetupFailure(rc, code);
    if (code >= 400 && code < 600) {
      error = absl::StrCat("the relay answered ", code,
                           permanent ? " (refused for good): " : ": ", error);
    }
    // What the relay or libcurl said may quote the addresses; the password, never, but be sure.
    Scrub(&error, m.to, "<recipient>");
    Scrub(&error, m.from, "<sender>");
    Scrub(&error, options_.password, "<password>");
    return Failed(permanent ? Failure::kPermanent : Failure::kTransient, std::move(error), code);
  }

  const SmtpOptions options_;
};

// ---- Directory -----------------------------------------------------------------------------

std::string ErrnoText(int err) {
  char buffer[256];
  // GNU strerror_r: returns the text, in `buffer` or a static string.
  return std::string(strerror_r(err, buffer, sizeof buffer));
}

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

class Directory final : public MailTransport {
 public:
  explicit Directory(std::string dir) : dir_(dir.empty() ? "." : std::move(dir)) {}

  MailResult Send(const MailMessage& m) override {
    const auto started = std::chrono::steady_clock::now();
    MailResult result = SendOnce(m);
    result.latency = absl::FromChrono(std::chrono::steady_clock::now() - started);
    return result;
  }

  std::string Describe() const override { return absl::StrCat("directory ", dir_); }

 private:
  MailResult SendOnce(const MailMessage& m) const {
    if (std::optional<MailResult> refused = Unsendable(m)) return *std::move(refused);
    const std::string text = RenderMessage(m);
    const std::string prefix = absl::EndsWith(dir_, "/") ? dir_ : absl::StrCat(dir_, "/");
    const std::string final_path =
        absl::StrCat(prefix, absl::FormatTime("%Y%m%d-%H%M%S", m.date, JapanTimeZone()), "-",
                     m.message_id, ".eml");
    std::string temp_path = absl::StrCat(prefix, ".mail-XXXXXX");
    auto failed = [this](absl::string_view what, int err) {
      return Failed(Failure::kTransient,
                    absl::StrCat("could not ", what, " in directory ", dir_, ": ",
                                 ErrnoText(err)));
    };

    const int fd = mkostemp(temp_path.data(), O_CLOEXEC);
    if (fd < 0) return failed("create a file", errno);
    bool written = WriteAll(fd, text);
    int err = written ? 0 : errno;
    if (written && fsync(fd) != 0) {
      written = false;
      err = errno;
    }
    if (close(fd) != 0 && written) {
      written = false;
      err = errno;
    }
    if (!written) {
      unlink(temp_path.c_str());
      return failed("write a file", err);
    }
    if (std::rename(temp_path.c_str(), final_path.c_str()) != 0) {
      err = errno;
      unlink(temp_path.c_str());
      return failed("rename a file", err);
    }
    return MailResult{};
  }

  const std::string dir_;
};

}  // namespace

std::string RenderMessage(const MailMessage& m) {
  const std::string from = NoSpaces(m.from);
  const size_t at = from.rfind('@');
  const std::string domain =
      at == std::string::npos || at + 1 == from.size() ? "rfs.invalid" : from.substr(at + 1);

  std::string out;
  out += AddressHeader("From", m.from_name, m.from);
  out += AddressHeader("To", m.to_name, m.to);
  out += TextHeader("Subject", m.subject);
  absl::StrAppend(&out, "Date: ", MailDate(m.date), "\r\n");
  out += FoldedHeader("Message-ID", absl::StrCat("<", NoSpaces(m.message_id), "@", domain, ">"));
  out +=
      "MIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=UTF-8\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n";
  const std::string encoded = absl::Base64Escape(CanonicalLines(m.body));
  for (size_t i = 0; i < encoded.size(); i += kBodyLine) {
    absl::StrAppend(&out, absl::string_view(encoded).substr(i, kBodyLine), "\r\n");
  }
  return out;
}

absl::Status CheckMailAddress(absl::string_view address, absl::string_view field) {
  if (std::optional<Problem> problem = FindAddressProblem(address)) {
    return InvalidField(field, problem->ja, problem->en);
  }
  return absl::OkStatus();
}

std::unique_ptr<MailTransport> SmtpTransport(SmtpOptions options) {
  return std::make_unique<Smtp>(std::move(options));
}

std::unique_ptr<MailTransport> DirectoryTransport(std::string dir) {
  return std::make_unique<Directory>(std::move(dir));
}

}  // namespace rfs
