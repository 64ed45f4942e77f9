// A real, minimal SMTP server on 127.0.0.1 (a port the kernel picks) standing in for a mail
// relay in tests: it records every message it accepts and refuses what a test scripts. POSIX
// sockets, an accept thread and a thread per connection, as HttpReceiver. No TLS and no AUTH
// (neither is advertised): a client must not require them.
//
// Speaks: a "220 rfs-test ESMTP" greeting; EHLO ("250-rfs-test", "250 8BITMIME") and HELO;
// MAIL FROM:<...>; RCPT TO:<...> (250, or the scripted refusal); DATA (354, then the message
// up to "<CRLF>.<CRLF>", dot-stuffing undone, then the scripted reply, 250 by default); RSET,
// NOOP, QUIT (221). Anything else gets 502; commands out of order get 503.
//
// Thread-safe. The destructor stops listening, closes every connection and joins every thread.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rfs::testing {

class SmtpReceiver {
 public:
  struct Mail {
    std::string from;             // MAIL FROM's address, without <>
    std::vector<std::string> to;  // the accepted RCPT TO addresses, without <>, in order
    std::string data;             // the message as sent (CRLF line ends, dot-stuffing undone)
  };

  // Starts listening; throws std::runtime_error when it cannot.
  SmtpReceiver();
  ~SmtpReceiver();
  SmtpReceiver(const SmtpReceiver&) = delete;
  SmtpReceiver& operator=(const SmtpReceiver&) = delete;

  int port() const { return port_; }
  // "smtp://127.0.0.1:<port>".
  std::string Url() const;

  // RCPT TO of `address` (ASCII case ignored) is answered "<code> ..." from now on, e.g. 450
  // (try later) or 550 (no such user); the reply text quotes the address, as relays do.
  void RefuseRecipient(std::string address, int code);
  // The reply to the end of a message's data from now on (250, the default, accepts it; any
  // other code refuses it and it is not recorded).
  void SetDataReply(int code);

  // The messages accepted so far (250 after DATA), in order.
  std::vector<Mail> Mails() const;
  size_t Count() const;
  // Waits up to `timeout` until at least `n` messages have been accepted; true when they have.
  bool WaitFor(size_t n, absl::Duration timeout) const;

 private:
  void AcceptLoop();
  void Serve(int fd);

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread accept_thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, int> refused_ ABSL_GUARDED_BY(mu_);  // lower-case address → code
  int data_reply_ ABSL_GUARDED_BY(mu_) = 250;
  std::vector<Mail> mails_ ABSL_GUARDED_BY(mu_);
  std::set<int> open_fds_ ABSL_GUARDED_BY(mu_);  // connections being served
  std::vector<std::thread> connections_ ABSL_GUARDED_BY(mu_);
};

// The text body of a message RenderMessage (common/kit/mail.h) made: what follows the blank
// line, base64 decoded, CRLF line ends made '\n' again. Empty when there is no body or it is
// not base64.
std::string MailBody(const std::string& data);
// The value of header `name` (ASCII case ignored; the first such header) of `data`, unfolded,
// without the space after the colon, RFC 2047 encoded words ("=?UTF-8?B?...?=", "Q" too)
// decoded and the spaces between adjacent ones dropped. Empty when there is no such header.
std::string MailHeader(const std::string& data, absl::string_view name);

}  // namespace rfs::testing
