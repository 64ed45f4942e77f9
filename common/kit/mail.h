// E-mail for the kit: a message rendered as RFC 5322 text with MIME (UTF-8 headers as RFC 2047
// encoded words, a base64 text/plain body), the addresses rfs may send to, and two transports:
// an SMTP relay through libcurl (STARTTLS or implicit TLS, peers and host names verified) and a
// directory of .eml files for `make run` and people without a relay.
//
// Everything here is safe from any thread: RenderMessage and CheckMailAddress are pure, and a
// transport's Send uses nothing shared but its options (SMTP: one curl handle a call; libcurl
// is initialised once, on first use, as in common/kit/curl_init.h). Nothing is logged here (the
// caller logs); MailResult::error never carries an address or the password.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace rfs {

inline constexpr size_t kMaxMailAddressLength = 254;  // RFC 5321's path limit, less "<>"
inline constexpr size_t kMaxMailLocalPartLength = 64;

struct MailMessage {
  std::string from;       // "rfs@example.go.jp"
  std::string from_name;  // "地域未来戦略 rfs" (may be empty)
  std::string to;         // one address
  std::string to_name;    // may be empty, UTF-8
  std::string subject;    // UTF-8
  std::string body;       // UTF-8 plain text, '\n' line ends
  // A unique token: the header becomes <message_id@domain-of-from>, and DirectoryTransport's
  // file name contains it. The transports send only tokens of 1 to 128 letters, digits, '.',
  // '-' and '_' (not starting with '.').
  std::string message_id;
  absl::Time date;
};

// The message as RFC 5322 text with MIME, CRLF line ends throughout: From, To, Subject, Date
// (RFC 5322, in Japan Standard Time: "Tue, 01 Apr 2025 09:00:00 +0900"), Message-ID,
// MIME-Version: 1.0, Content-Type: text/plain; charset=UTF-8, Content-Transfer-Encoding: base64,
// a blank line, then the body (its line ends made CRLF) in base64 lines of 76 characters.
// A subject or display name that is not plain printable ASCII becomes RFC 2047 encoded words
// ("=?UTF-8?B?...?="), split at character boundaries; every header is folded so that no line
// passes 78 characters (an address is never split: one longer than a line stands alone on
// its line). Line breaks and control characters in a subject or name become spaces, and are
// dropped from addresses and the message id, so no text given here can add a header.
std::string RenderMessage(const MailMessage& m);

// OK when `address` is one rfs may send to: a single addr-spec local@domain of at most 254
// characters, with no spaces, control characters or line breaks, no '<', '>', ',', ';' or
// quotes, exactly one '@', a local part of 1 to 64 printable ASCII characters other than
// RFC 5322's specials ("(),:;<>@[\]), a domain with a dot made of letters, digits, '-' and '.'
// (no empty label, none over 63 characters). Otherwise INVALID_ARGUMENT naming `field`
// (common/base/errors.h), in Japanese and English, saying what to change; the address itself
// is not quoted.
absl::Status CheckMailAddress(absl::string_view address, absl::string_view field);

struct MailResult {
  // kPermanent: the relay refused the recipient or the message for good (a 5xx reply to MAIL,
  // RCPT or DATA, authentication codes aside), or the recipient is an address
  // CheckMailAddress refuses; sending it again will not help.
  // kTransient: anything else (4xx, connection, TLS, STARTTLS not offered, authentication
  // refused (530/534/535/538), timeout, a directory that cannot be written, a sender address
  // or message id the transports refuse): the relay, the deployment or the caller may be
  // fixed, and the same message sent again later.
  enum class Failure { kNone, kTransient, kPermanent };
  Failure failure = Failure::kNone;
  int code = 0;  // the relay's last reply code (250, 450, 550...), 0 when none
  // For people, when failure != kNone; never containing an address or the password.
  std::string error;
  absl::Duration latency;  // from the start of Send to its end
};

// Where mail goes. Send is thread-safe and blocks until the message has been handed over (or
// not); it makes no retries (the caller schedules them, by MailResult::failure).
class MailTransport {
 public:
  virtual ~MailTransport() = default;
  virtual MailResult Send(const MailMessage& m) = 0;
  // For logs and startup lines: "smtp://relay.example.go.jp:587 (STARTTLS required)",
  // "smtps://relay.example.go.jp:465 (TLS)", "smtp://127.0.0.1:2525 (no TLS)",
  // "directory /var/lib/rfs/mail". Never a user name or password.
  virtual std::string Describe() const = 0;
};

struct SmtpOptions {
  std::string url;           // "smtp://relay.example.go.jp:587" or "smtps://...:465"
  bool require_tls = true;   // smtp://: STARTTLS required; false: no TLS at all (a local sink)
  std::string user;          // empty: no AUTH
  std::string password;      // read by the caller from a file
  std::string ca_file;       // an extra CA bundle to trust; empty: the system's
  absl::Duration timeout = absl::Seconds(30);  // the whole exchange
};

// Sends each message to the relay at options.url: MAIL FROM:<from>, RCPT TO:<to>, DATA with
// RenderMessage's text. Only smtp and smtps are spoken, with no proxy; the relay's certificate
// and host name are verified. A message whose recipient CheckMailAddress refuses fails
// (kPermanent) without a connection; one whose sender it refuses, or whose message id is not a
// token, fails the same way but kTransient (check the sender once, at startup). With
// require_tls false on smtp://, a user and password go in the clear: a local sink only.
std::unique_ptr<MailTransport> SmtpTransport(SmtpOptions options);

// Writes each message (RenderMessage's text) as <dir>/<yyyymmdd-hhmmss>-<message_id>.eml, the
// time being the message's date in Japan Standard Time: first to a hidden temporary file in
// `dir` (mode 0600), flushed to disk, then renamed, so a reader never sees half a file. The
// same message sent again replaces its file. Fails (kTransient) when the directory cannot be
// written; the same address and message id checks as SmtpTransport.
std::unique_ptr<MailTransport> DirectoryTransport(std::string dir);

}  // namespace rfs
