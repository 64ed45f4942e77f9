// Outbound HTTP for webhooks: one blocking POST with libcurl, hardened for URLs that users
// supply. Redirects are not followed (a 3xx is just a status), no proxy from the environment is
// used, TLS peers and host names are verified, only https (or http, when the deployment allows
// it) is spoken, and, with an EgressGuard, every address a connection is about to be made to is
// checked first, so neither a name resolving to an internal address nor DNS rebinding reaches
// one. Nothing is logged here (the caller logs); errors never carry header values, and are
// meant for people (the delivery log a receiver's owner reads).
//
// HttpPost and CheckWebhookUrl are safe from any thread: each call uses its own curl handle.
// libcurl is initialised once, on first use, which also sets SIGPIPE to be ignored in the
// process (OpenSSL writes to sockets a receiver may have closed; as common/redis/redis.cc
// does for hiredis).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/kit/egress_guard.h"

namespace rfs {

inline constexpr size_t kMaxWebhookUrlLength = 2000;

struct HttpOptions {
  absl::Duration timeout = absl::Seconds(15);  // the whole request
  absl::Duration connect_timeout = absl::Seconds(5);
  bool allow_http = false;  // false: https only
  // When set, every connection's resolved address is checked before the socket is opened
  // (CURLOPT_OPENSOCKETFUNCTION), so DNS rebinding cannot pass. Not owned; must outlive the
  // call.
  const EgressGuard* guard = nullptr;
  std::string ca_file;  // an extra CA bundle to trust; empty: the system's
  // The first bytes of the response body kept in HttpResponse::body; the rest is read and
  // discarded.
  size_t max_response_bytes = 4096;
  std::string user_agent = "rfs-notification";
};

struct HttpResponse {
  enum class Failure {
    kNone,            // a response came (any status, 3xx and 5xx included)
    kTimeout,         // the request or the connection took longer than allowed
    kRefusedAddress,  // the guard refused every address the host resolved to
    kConnect,         // the host could not be resolved or connected to
    kTls,             // TLS handshake or certificate verification failed
    kOther,           // anything else (a bad URL, a broken response, ...)
  };
  Failure failure = Failure::kNone;
  int status = 0;  // the HTTP status; 0 when no response came
  absl::Duration latency;  // from the start of the call to its end
  // Retry-After of the response (seconds, or an HTTP date as seconds from now), when > 0.
  std::optional<absl::Duration> retry_after;
  // For people, when failure != kNone: "timed out after 15 s",
  // "address 127.0.0.1 is not allowed: loopback 127.0.0.0/8", "could not connect: ...",
  // "TLS: ...". Never a header value.
  std::string error;
  std::string body;  // the first max_response_bytes bytes of the response body
};

// POSTs `body` to `url` with `headers` (name, value) as given: the caller sets Content-Type.
// "Expect:" is added so that no 100-continue round trip is made. A URL that CheckWebhookUrl
// refuses, or a header name or value with a line break, fails (kOther) without a connection.
HttpResponse HttpPost(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body, const HttpOptions& options);

// Whether `url` is one a webhook may be sent to: absolute, scheme https (or http when
// `allow_http`), a host, no user name or password, no fragment, at most kMaxWebhookUrlLength
// characters. Otherwise INVALID_ARGUMENT naming `field` (common/base/errors.h), in Japanese
// and English, saying what to change. The URL itself is not quoted (its path may be a secret).
absl::Status CheckWebhookUrl(absl::string_view url, bool allow_http, absl::string_view field);

}  // namespace rfs
