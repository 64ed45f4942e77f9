// A real HTTP/1.1 server on 127.0.0.1 (a port the kernel picks) standing in for a webhook
// receiver in tests: it records every request and answers from a script. POSIX sockets, an
// accept thread and a thread per connection; keep-alive (requests on a connection are served
// until the peer closes it); bodies by Content-Length only (a chunked request closes the
// connection unanswered and unrecorded: libcurl sends Content-Length).
//
// Thread-safe. The destructor stops listening, closes every connection (waking a reply that is
// waiting out its delay) and joins every thread.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace rfs::testing {

class HttpReceiver {
 public:
  struct Request {
    std::string method;
    std::string path;  // the request target as sent: "/hook?x=1"
    std::map<std::string, std::string> headers;  // lower-case names; a repeated one: the last
    std::string body;
    absl::Time received;  // when it had been read whole
  };
  struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Waited out before answering (a hanging receiver); cut short when the receiver stops.
    absl::Duration delay = absl::ZeroDuration();
  };

  // Starts listening; throws std::runtime_error when it cannot.
  HttpReceiver();
  ~HttpReceiver();
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>".
  std::string Url(absl::string_view path = "/hook") const;

  // How to answer: the scripted replies are used in order, one a request, then the default
  // (200 with an empty body unless SetDefault says otherwise) for all others. Script replaces
  // what is left of an earlier script.
  void Script(std::vector<Reply> replies);
  void SetDefault(Reply reply);

  // Every request so far, in the order they were read completely (a request is recorded once
  // its body has been read, before its reply's delay).
  std::vector<Request> Requests() const;
  size_t Count() const;
  // Waits up to `timeout` until at least `n` requests have been recorded; true when they have.
  bool WaitFor(size_t n, absl::Duration timeout) const;

 private:
  void AcceptLoop();
  void Serve(int fd);
  Reply NextReply();
  // Waits `delay` or until the receiver stops; false when it stopped.
  bool WaitOut(absl::Duration delay);

  int listen_fd_ = -1;
  int port_ = 0;
  std::thread accept_thread_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Reply> script_ ABSL_GUARDED_BY(mu_);
  Reply default_reply_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
  std::set<int> open_fds_ ABSL_GUARDED_BY(mu_);  // connections being served
  std::vector<std::thread> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rfs::testing
