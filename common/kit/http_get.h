// A minimal HTTP/1.0 GET of a local endpoint, for reading /metrics (tests, the bench). Blocking;
// safe from any thread.
#pragma once

#include <string>

namespace rfs {

// The body of GET http://127.0.0.1:<port><path>, or "" on failure.
std::string HttpGet(int port, const std::string& path);

}  // namespace rfs
