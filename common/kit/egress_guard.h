// SSRF protection for outbound requests made on a user's behalf (webhooks): decides whether a
// connection to a resolved address may be made. Checked on the address a socket is about to
// connect to (HttpOptions::guard, common/kit/http_client.h), never on the host name, so a name
// that resolves to an internal address, or one that changes its answer between two lookups
// (DNS rebinding), cannot reach one.
//
// An address is allowed when it lies in a range the operator allowed (--webhook_allow_cidrs),
// or in none of the special-purpose ranges below (IANA special-purpose registries: this
// network, private, CGNAT, loopback, link-local, documentation, benchmarking, 6to4/Teredo/NAT64,
// unique local, site-local, multicast, reserved, broadcast). IPv4-mapped (::ffff:a.b.c.d) and
// IPv4-compatible (::a.b.c.d) IPv6 addresses are judged as the IPv4 address they carry. Any
// family other than IPv4 and IPv6 is refused.
//
// An EgressGuard is immutable after construction: share one between all threads. ParseCidr and
// the guard's methods are pure and safe from any thread.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rfs {

// An address range: "10.0.0.0/8", "fd00::/8".
struct Cidr {
  int family = AF_INET;               // AF_INET or AF_INET6
  std::array<uint8_t, 16> address{};  // network byte order; IPv4 uses the first 4 bytes;
                                      // bits past the prefix are zero
  int prefix_length = 0;              // 0..32 (IPv4), 0..128 (IPv6)

  // Whether the address `bytes` (4 bytes for AF_INET, 16 for AF_INET6, network byte order) of
  // `address_family` lies in this range. An address of the other family never does.
  bool Contains(int address_family, const uint8_t* bytes) const;
  // "10.0.0.0/8", "fd00::/8".
  std::string ToString() const;
};

// "10.0.0.0/8", "fd00::/8", or a bare address ("192.0.2.7": a /32, "2001:db8::1": a /128).
// Surrounding spaces are ignored; address bits past the prefix are cleared ("10.1.2.3/8" is
// 10.0.0.0/8). INVALID_ARGUMENT (Japanese and English) for anything else, including a prefix
// length out of range for the family ("10.0.0.0/33").
absl::StatusOr<Cidr> ParseCidr(absl::string_view text);

class EgressGuard {
 public:
  // Refuses every special-purpose range; allows nothing extra.
  EgressGuard() = default;
  // Also allows the ranges of `allow`, even where they overlap a special-purpose range.
  explicit EgressGuard(std::vector<Cidr> allow);

  // The guard of --webhook_allow_cidrs: comma-separated ranges as ParseCidr reads them
  // ("10.20.0.0/16, fd00:1::/32"); "" allows nothing extra. INVALID_ARGUMENT naming the range
  // that is not one.
  static absl::StatusOr<EgressGuard> FromList(absl::string_view comma_separated);

  // OK when a connection to `addr` (a sockaddr_in or sockaddr_in6 of `len` bytes) may be made;
  // otherwise PERMISSION_DENIED saying why, e.g.
  //   "address 127.0.0.1 is not allowed: loopback 127.0.0.0/8"
  // (the address and the range only: never a host name or URL).
  absl::Status Check(const sockaddr* addr, socklen_t len) const;
  // Check of an address in text ("127.0.0.1", "::ffff:10.0.0.1"), for tests. INVALID_ARGUMENT
  // when `ip` is not an IPv4 or IPv6 address.
  absl::Status CheckText(absl::string_view ip) const;

  const std::vector<Cidr>& allowed() const { return allow_; }

 private:
  std::vector<Cidr> allow_;
};

}  // namespace rfs
