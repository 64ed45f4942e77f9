// A minimal HTTP/1.0 GET for reading /metrics in tests.
#pragma once

#include <string>

namespace rfs::testing {

// The body of GET http://127.0.0.1:<port><path>, or "" on failure.
std::string HttpGet(int port, const std::string& path);

}  // namespace rfs::testing
