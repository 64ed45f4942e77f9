// SHA-256 as lower-case hex (OpenSSL), for content digests and configuration versions.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace rfs {

std::string Sha256Hex(absl::string_view data);

}  // namespace rfs
