// libcurl's process-wide setup and handle owners, shared by everything in the kit that makes a
// curl handle (http_client.cc, mail.cc). Internal to common/kit: include it only from a .cc.
//
// EnsureCurlInitialized runs curl_global_init once per process, on first use (itself not
// thread-safe, so it is done under a function-local static), and sets SIGPIPE to be ignored:
// OpenSSL writes to sockets a peer may have closed, and such a write must fail with EPIPE, not
// kill the process (with CURLOPT_NOSIGNAL, libcurl does not ignore SIGPIPE itself; as
// common/redis/redis.cc does for hiredis). Safe from any thread.
#pragma once

#include <curl/curl.h>

#include <csignal>
#include <memory>
#include <optional>
#include <string>

namespace rfs {

// True when libcurl is ready; false when curl_global_init failed (then every call fails).
inline bool EnsureCurlInitialized() {
  static const CURLcode result = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return curl_global_init(CURL_GLOBAL_DEFAULT);
  }();
  return result == CURLE_OK;
}

namespace curl {

// Owners of libcurl's handles: std::unique_ptr<CURL, curl::EasyDeleter>, ...
struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct CurlFree {
  void operator()(char* text) const { curl_free(text); }
};

// A part of a parsed URL, or nothing when it has none.
inline std::optional<std::string> UrlPart(CURLU* url, CURLUPart part, unsigned int flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(url, part, &raw, flags) != CURLUE_OK || raw == nullptr) return std::nullopt;
  std::unique_ptr<char, CurlFree> text(raw);
  return std::string(text.get());
}

}  // namespace curl
}  // namespace rfs
