// libcurl's process-wide setup, shared by everything in the kit that makes a curl handle
// (http_client.cc, mail.cc). Internal to common/kit: include it only from a .cc.
//
// EnsureCurlInitialized runs curl_global_init once per process, on first use (itself not
// thread-safe, so it is done under a function-local static), and sets SIGPIPE to be ignored:
// OpenSSL writes to sockets a peer may have closed, and such a write must fail with EPIPE, not
// kill the process (with CURLOPT_NOSIGNAL, libcurl does not ignore SIGPIPE itself; as
// common/redis/redis.cc does for hiredis). Safe from any thread.
#pragma once

#include <curl/curl.h>

#include <csignal>

namespace rfs {

// True when libcurl is ready; false when curl_global_init failed (then every call fails).
inline bool EnsureCurlInitialized() {
  static const CURLcode result = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return curl_global_init(CURL_GLOBAL_DEFAULT);
  }();
  return result == CURLE_OK;
}

}  // namespace rfs
