#include "tests/support/smtp_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace rfs::testing {
namespace {

constexpr size_t kMaxLineBytes = 64 << 10;   // a command or a line of data
constexpr size_t kMaxDataBytes = 64 << 20;   // a message

// Appends what the peer sent next; false when it closed the connection (or it was shut down).
bool ReadMore(int fd, std::string* buffer) {
  char chunk[16384];
  for (;;) {
    const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer->append(chunk, static_cast<size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

bool SendAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The next CRLF-terminated line of `buffer` (read from `fd` as needed), without the CRLF;
// false when the peer closed the connection or sent too long a line.
bool ReadLine(int fd, std::string* buffer, std::string* line) {
  size_t end;
  while ((end = buffer->find("\r\n")) == std::string::npos) {
    if (buffer->size() > kMaxLineBytes || !ReadMore(fd, buffer)) return false;
  }
  line->assign(*buffer, 0, end);
  buffer->erase(0, end + 2);
  return true;
}

// The address in "FROM:<a@b> SIZE=1" / "TO:<a@b>" after `keyword` (ASCII case ignored):
// what is between the angle brackets; nothing when the argument is not of that form.
std::optional<std::string> PathArgument(absl::string_view argument, absl::string_view keyword) {
  if (!absl::StartsWithIgnoreCase(argument, keyword)) return std::nullopt;
  argument.remove_prefix(keyword.size());
  argument = absl::StripLeadingAsciiWhitespace(argument);
  if (argument.empty() || argument.front() != '<') return std::nullopt;
  const size_t close = argument.find('>');
  if (close == absl::string_view::npos) return std::nullopt;
  return std::string(argument.substr(1, close - 1));
}

// A reply line for `code` after DATA or to a refused RCPT.
std::string ReplyFor(int code, absl::string_view about) {
  if (code >= 200 && code < 300) return absl::StrCat(code, " 2.0.0 OK ", about);
  if (code >= 400 && code < 500) {
    return absl::StrCat(code, " 4.0.0 ", about, ": try again later (rfs-test)");
  }
  return absl::StrCat(code, " 5.0.0 ", about, ": refused (rfs-test)");
}

// One RFC 2047 encoded word ("=?charset?B?text?=" or "?Q?"), decoded; nothing when `word` is
// not one.
std::optional<std::string> DecodeWord(absl::string_view word) {
  if (!absl::StartsWith(word, "=?") || !absl::EndsWith(word, "?=") || word.size() < 4) {
    return std::nullopt;
  }
  const std::vector<absl::string_view> parts =
      absl::StrSplit(word.substr(2, word.size() - 4), '?');
  if (parts.size() != 3 || parts[0].empty()) return std::nullopt;
  std::string decoded;
  if (absl::EqualsIgnoreCase(parts[1], "B")) {
    if (!absl::Base64Unescape(parts[2], &decoded)) return std::nullopt;
    return decoded;
  }
  if (!absl::EqualsIgnoreCase(parts[1], "Q")) return std::nullopt;
  const absl::string_view text = parts[2];
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_') {
      decoded.push_back(' ');
    } else if (text[i] == '=') {
      if (i + 2 >= text.size()) return std::nullopt;
      int value = 0;
      if (!absl::SimpleHexAtoi(text.substr(i + 1, 2), &value)) return std::nullopt;
      decoded.push_back(static_cast<char>(value));
      i += 2;
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

// `value` with its encoded words decoded; whitespace between two encoded words is dropped.
std::string DecodeEncodedWords(absl::string_view value) {
  std::string out;
  std::string pending_space;
  bool last_encoded = false;
  size_t i = 0;
  while (i < value.size()) {
    if (value[i] == ' ' || value[i] == '\t') {
      pending_space.push_back(value[i++]);
      continue;
    }
    size_t end = value.find_first_of(" \t", i);
    if (end == absl::string_view::npos) end = value.size();
    const absl::string_view word = value.substr(i, end - i);
    if (std::optional<std::string> decoded = DecodeWord(word)) {
      if (!last_encoded) out += pending_space;
      out += *decoded;
      last_encoded = true;
    } else {
      absl::StrAppend(&out, pending_space, word);
      last_encoded = false;
    }
    pending_space.clear();
    i = end;
  }
  return out;
}

}  // namespace

SmtpReceiver::SmtpReceiver() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    throw std::runtime_error(absl::StrCat("SmtpReceiver: socket: ", std::strerror(errno)));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;  // the kernel picks a free one
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    close(listen_fd_);
    throw std::runtime_error(absl::StrCat("SmtpReceiver: listen: ", std::strerror(err)));
  }
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

SmtpReceiver::~SmtpReceiver() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    // Wakes every connection thread blocked in recv (a connection's thread closes its own
    // socket, so no descriptor here has been closed and reused).
    for (const int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  shutdown(listen_fd_, SHUT_RDWR);  // wakes accept (the loop also polls stopping_)
  accept_thread_.join();
  close(listen_fd_);
  std::vector<std::thread> connections;
  {
    absl::MutexLock lock(&mu_);
    connections.swap(connections_);  // the accept thread is gone: no more are added
  }
  for (std::thread& t : connections) t.join();
}

std::string SmtpReceiver::Url() const { return absl::StrCat("smtp://127.0.0.1:", port_); }

void SmtpReceiver::RefuseRecipient(std::string address, int code) {
  absl::MutexLock lock(&mu_);
  refused_[absl::AsciiStrToLower(address)] = code;
}

void SmtpReceiver::SetDataReply(int code) {
  absl::MutexLock lock(&mu_);
  data_reply_ = code;
}

std::vector<SmtpReceiver::Mail> SmtpReceiver::Mails() const {
  absl::MutexLock lock(&mu_);
  return mails_;
}

size_t SmtpReceiver::Count() const {
  absl::MutexLock lock(&mu_);
  return mails_.size();
}

bool SmtpReceiver::WaitFor(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() {
    mu_.AssertReaderHeld();
    return mails_.size() >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void SmtpReceiver::AcceptLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    pollfd p{};
    p.fd = listen_fd_;
    p.events = POLLIN;
    if (poll(&p, 1, 100) <= 0) continue;  // a timeout (look at stopping_ again) or EINTR
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINVAL || errno == EBADF) return;  // the listening socket was shut down
      continue;
    }
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      close(fd);
      return;
    }
    open_fds_.insert(fd);
    connections_.emplace_back([this, fd] {
      Serve(fd);
      absl::MutexLock done(&mu_);
      open_fds_.erase(fd);
      close(fd);
    });
  }
}

void SmtpReceiver::Serve(int fd) {
  auto reply = [fd](absl::string_view text) { return SendAll(fd, absl::StrCat(text, "\r\n")); };
  if (!reply("220 rfs-test ESMTP")) return;
  std::string buffer;
  // The transaction under way: MAIL FROM given, and the recipients accepted so far.
  std::optional<std::string> from;
  std::vector<std::string> to;
  auto reset = [&from, &to] {
    from.reset();
    to.clear();
  };
  for (;;) {
    std::string line;
    if (!ReadLine(fd, &buffer, &line)) return;
    const size_t space = line.find(' ');
    const std::string verb = absl::AsciiStrToUpper(line.substr(0, space));
    const absl::string_view argument =
        space == std::string::npos
            ? absl::string_view()
            : absl::StripAsciiWhitespace(absl::string_view(line).substr(space + 1));
    bool sent = true;
    if (verb == "EHLO") {
      reset();
      sent = reply("250-rfs-test\r\n250 8BITMIME");
    } else if (verb == "HELO") {
      reset();
      sent = reply("250 rfs-test");
    } else if (verb == "MAIL") {
      std::optional<std::string> path = PathArgument(argument, "FROM:");
      if (!path.has_value()) {
        sent = reply("501 5.5.4 syntax: MAIL FROM:<address>");
      } else if (from.has_value()) {
        sent = reply("503 5.5.1 nested MAIL command");
      } else {
        from = std::move(path);
        sent = reply("250 2.1.0 OK");
      }
    } else if (verb == "RCPT") {
      std::optional<std::string> path = PathArgument(argument, "TO:");
      if (!from.has_value()) {
        sent = reply("503 5.5.1 need MAIL before RCPT");
      } else if (!path.has_value()) {
        sent = reply("501 5.5.4 syntax: RCPT TO:<address>");
      } else {
        int refusal = 0;
        {
          absl::MutexLock lock(&mu_);
          auto it = refused_.find(absl::AsciiStrToLower(*path));
          if (it != refused_.end()) refusal = it->second;
        }
        if (refusal != 0) {
          sent = reply(ReplyFor(refusal, absl::StrCat("<", *path, ">")));
        } else {
          to.push_back(std::move(*path));
          sent = reply("250 2.1.5 OK");
        }
      }
    } else if (verb == "DATA") {
      if (!from.has_value() || to.empty()) {
        sent = reply("503 5.5.1 no valid recipients");
      } else {
        if (!reply("354 end data with <CR><LF>.<CR><LF>")) return;
        std::string data;
        for (;;) {
          std::string data_line;
          if (!ReadLine(fd, &buffer, &data_line) || data.size() > kMaxDataBytes) return;
          if (data_line == ".") break;
          if (!data_line.empty() && data_line[0] == '.') data_line.erase(0, 1);  // un-stuff
          absl::StrAppend(&data, data_line, "\r\n");
        }
        int code = 0;
        {
          absl::MutexLock lock(&mu_);
          code = data_reply_;
          if (code == 250) mails_.push_back(Mail{*from, to, std::move(data)});
        }
        sent = reply(ReplyFor(code, "message"));
        reset();
      }
    } else if (verb == "RSET") {
      reset();
      sent = reply("250 2.0.0 OK");
    } else if (verb == "NOOP") {
      sent = reply("250 2.0.0 OK");
    } else if (verb == "QUIT") {
      reply("221 2.0.0 rfs-test closing");
      return;
    } else {
      sent = reply("502 5.5.2 command not recognized");
    }
    if (!sent) return;
  }
}

std::string MailBody(const std::string& data) {
  const size_t blank = data.find("\r\n\r\n");
  if (blank == std::string::npos) return "";
  std::string encoded;
  for (size_t i = blank + 4; i < data.size(); ++i) {
    if (data[i] != '\r' && data[i] != '\n') encoded.push_back(data[i]);
  }
  std::string decoded;
  if (!absl::Base64Unescape(encoded, &decoded)) return "";
  return absl::StrReplaceAll(decoded, {{"\r\n", "\n"}});
}

std::string MailHeader(const std::string& data, absl::string_view name) {
  const size_t blank = data.find("\r\n\r\n");
  const absl::string_view head =
      absl::string_view(data).substr(0, blank == std::string::npos ? data.size() : blank);
  // Unfold: a line that starts with a space or a tab continues the one before it.
  std::vector<std::string> fields;
  for (const absl::string_view line : absl::StrSplit(head, "\r\n")) {
    if (!fields.empty() && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      absl::StrAppend(&fields.back(), line);
    } else {
      fields.emplace_back(line);
    }
  }
  for (const std::string& field : fields) {
    const size_t colon = field.find(':');
    if (colon == std::string::npos ||
        !absl::EqualsIgnoreCase(absl::string_view(field).substr(0, colon), name)) {
      continue;
    }
    return DecodeEncodedWords(
        absl::StripAsciiWhitespace(absl::string_view(field).substr(colon + 1)));
  }
  return "";
}

}  // namespace rfs::testing
