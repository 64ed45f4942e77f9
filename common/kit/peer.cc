#include "common/kit/peer.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace rfs {

absl::StatusOr<PeerAddress> PeerFromFlags(absl::string_view name, std::string address,
                                          int timeout_ms, absl::string_view required_because) {
  if (address.empty() && !required_because.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, "_address is required: ", required_because));
  }
  if (timeout_ms < 10 || timeout_ms > 600'000) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, "_timeout_ms must be 10..600000"));
  }
  return PeerAddress{std::move(address), absl::Milliseconds(timeout_ms)};
}

ChannelOptions PeerChannelOptions(const ServerConfig& config, const std::string& target) {
  ChannelOptions options;
  options.target = target;
  options.max_message_bytes = config.max_message_bytes;
  options.max_reconnect_backoff_ms = 2000;
  if (!config.peer_ca_file.empty()) {
    options.tls = true;
    options.ca_file = config.peer_ca_file;
    options.cert_file = config.tls.cert_file;
    options.key_file = config.tls.key_file;
  }
  return options;
}

}  // namespace rfs
