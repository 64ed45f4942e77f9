#include "tests/support/http_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <stdexcept>

#include "absl/time/clock.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rfs::testing {
namespace {

constexpr size_t kMaxHeadBytes = 64 << 10;
constexpr size_t kMaxBodyBytes = 64 << 20;

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

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

}  // namespace

HttpReceiver::HttpReceiver() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) {
    throw std::runtime_error(absl::StrCat("HttpReceiver: socket: ", std::strerror(errno)));
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
    throw std::runtime_error(absl::StrCat("HttpReceiver: listen: ", std::strerror(err)));
  }
  port_ = ntohs(addr.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

HttpReceiver::~HttpReceiver() {
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

std::string HttpReceiver::Url(absl::string_view path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

void HttpReceiver::Script(std::vector<Reply> replies) {
  absl::MutexLock lock(&mu_);
  script_.assign(std::make_move_iterator(replies.begin()),
                 std::make_move_iterator(replies.end()));
}

void HttpReceiver::SetDefault(Reply reply) {
  absl::MutexLock lock(&mu_);
  default_reply_ = std::move(reply);
}

std::vector<HttpReceiver::Request> HttpReceiver::Requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

size_t HttpReceiver::Count() const {
  absl::MutexLock lock(&mu_);
  return requests_.size();
}

bool HttpReceiver::WaitFor(size_t n, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() {
    mu_.AssertReaderHeld();
    return requests_.size() >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void HttpReceiver::AcceptLoop() {
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

HttpReceiver::Reply HttpReceiver::NextReply() {
  absl::MutexLock lock(&mu_);
  if (script_.empty()) return default_reply_;
  Reply reply = std::move(script_.front());
  script_.pop_front();
  return reply;
}

bool HttpReceiver::WaitOut(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  if (delay > absl::ZeroDuration()) mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
  return !stopping_;
}

void HttpReceiver::Serve(int fd) {
  std::string buffer;
  for (;;) {
    // The request line and headers.
    size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (buffer.size() > kMaxHeadBytes || !ReadMore(fd, &buffer)) return;
    }
    const std::vector<absl::string_view> lines =
        absl::StrSplit(absl::string_view(buffer).substr(0, head_end), "\r\n");
    const std::vector<absl::string_view> request_line = absl::StrSplit(lines[0], ' ');
    if (request_line.size() != 3) return;
    Request request;
    request.method = std::string(request_line[0]);
    request.path = std::string(request_line[1]);
    const std::string version(request_line[2]);
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == absl::string_view::npos) return;
      request.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
    auto header = [&request](const std::string& name) -> std::string {
      auto it = request.headers.find(name);
      return it == request.headers.end() ? "" : absl::AsciiStrToLower(it->second);
    };
    if (request.headers.count("transfer-encoding") > 0) return;  // chunked: not supported
    size_t length = 0;
    if (request.headers.count("content-length") > 0 &&
        !absl::SimpleAtoi(request.headers["content-length"], &length)) {
      return;
    }
    if (length > kMaxBodyBytes) return;
    if (header("expect") == "100-continue" && !SendAll(fd, "HTTP/1.1 100 Continue\r\n\r\n")) {
      return;
    }
    buffer.erase(0, head_end + 4);

    // The body.
    while (buffer.size() < length) {
      if (!ReadMore(fd, &buffer)) return;
    }
    request.body = buffer.substr(0, length);
    request.received = absl::Now();
    buffer.erase(0, length);
    const bool close_after = version == "HTTP/1.0" ? header("connection") != "keep-alive"
                                                   : header("connection") == "close";
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(std::move(request));
    }

    // The reply.
    const Reply reply = NextReply();
    if (!WaitOut(reply.delay)) return;
    std::string response = absl::StrCat("HTTP/1.1 ", reply.status, " ",
                                        ReasonPhrase(reply.status), "\r\n");
    bool has_length = false;
    for (const auto& [name, value] : reply.headers) {
      has_length = has_length || absl::AsciiStrToLower(name) == "content-length";
      absl::StrAppend(&response, name, ": ", value, "\r\n");
    }
    if (!has_length) absl::StrAppend(&response, "Content-Length: ", reply.body.size(), "\r\n");
    if (close_after) absl::StrAppend(&response, "Connection: close\r\n");
    absl::StrAppend(&response, "\r\n", reply.body);
    if (!SendAll(fd, response) || close_after) return;
  }
}

}  // namespace rfs::testing
