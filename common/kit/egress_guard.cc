#include "common/kit/egress_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdlib>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/errors.h"
#include "common/base/text.h"

namespace rfs {
namespace {

// An address as the guard judges it.
struct Address {
  int family = AF_INET;
  std::array<uint8_t, 16> bytes{};
};

struct NamedRange {
  Cidr cidr;
  const char* name;
};

// The special-purpose ranges refused unless allowed (IANA IPv4 and IPv6 special-purpose address
// registries, and multicast, reserved and site-local space). ::ffff:0:0/96 and ::/96 are not
// here: such addresses are judged as the IPv4 address they carry.
const std::vector<NamedRange>& DenyList() {
  static const std::vector<NamedRange>* const list = [] {
    struct Entry {
      const char* cidr;
      const char* name;
    };
    static constexpr Entry kRanges[] = {
        {"0.0.0.0/8", "this network"},
        {"10.0.0.0/8", "private"},
        {"100.64.0.0/10", "shared address space (CGNAT)"},
        {"127.0.0.0/8", "loopback"},
        {"169.254.0.0/16", "link-local"},
        {"172.16.0.0/12", "private"},
        {"192.0.0.0/24", "IETF protocol assignments"},
        {"192.0.2.0/24", "documentation (TEST-NET-1)"},
        {"192.88.99.0/24", "6to4 relay anycast"},
        {"192.168.0.0/16", "private"},
        {"198.18.0.0/15", "benchmarking"},
        {"198.51.100.0/24", "documentation (TEST-NET-2)"},
        {"203.0.113.0/24", "documentation (TEST-NET-3)"},
        {"224.0.0.0/4", "multicast"},
        {"240.0.0.0/4", "reserved"},  // includes the broadcast address 255.255.255.255
        {"::/128", "unspecified"},
        {"::1/128", "loopback"},
        {"64:ff9b::/96", "NAT64"},
        {"64:ff9b:1::/48", "local-use NAT64"},
        {"100::/64", "discard-only"},
        {"2001::/32", "Teredo"},
        {"2001:db8::/32", "documentation"},
        {"2002::/16", "6to4"},
        {"fc00::/7", "unique local"},
        {"fe80::/10", "link-local"},
        {"fec0::/10", "site-local"},
        {"ff00::/8", "multicast"},
    };
    auto* ranges = new std::vector<NamedRange>();
    for (const Entry& e : kRanges) {
      absl::StatusOr<Cidr> cidr = ParseCidr(e.cidr);
      if (!cidr.ok()) std::abort();  // a typo above; egress_guard_test covers every entry
      ranges->push_back({*cidr, e.name});
    }
    return ranges;
  }();
  return *list;
}

// The IPv4 address an IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d, other than
// :: and ::1) IPv6 address carries; any other address as it is.
Address Effective(const Address& a) {
  if (a.family != AF_INET6) return a;
  static constexpr uint8_t kZero[12] = {};
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  bool embedded = std::memcmp(a.bytes.data(), kMapped, 12) == 0;
  if (!embedded && std::memcmp(a.bytes.data(), kZero, 12) == 0) {
    // ::/96, except :: (unspecified) and ::1 (loopback), which are IPv6 addresses of their own.
    const bool unspecified_or_loopback =
        a.bytes[12] == 0 && a.bytes[13] == 0 && a.bytes[14] == 0 && a.bytes[15] <= 1;
    embedded = !unspecified_or_loopback;
  }
  if (!embedded) return a;
  Address v4;
  v4.family = AF_INET;
  std::memcpy(v4.bytes.data(), a.bytes.data() + 12, 4);
  return v4;
}

std::string AddressText(int family, const uint8_t* bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, bytes, text, sizeof text) == nullptr) return "?";
  return text;
}

absl::Status NotARange(absl::string_view text) {
  const std::string quoted = Excerpt(text);
  return Bilingual(
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("'", quoted, "' はアドレス範囲ではありません（例: 10.0.0.0/8、fd00::/8）"),
      absl::StrCat("'", quoted, "' is not an address range (e.g. 10.0.0.0/8 or fd00::/8)"));
}

}  // namespace

bool Cidr::Contains(int address_family, const uint8_t* bytes) const {
  if (address_family != family) return false;
  const int whole = prefix_length / 8;
  const int rest = prefix_length % 8;
  if (std::memcmp(bytes, address.data(), static_cast<size_t>(whole)) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (bytes[whole] & mask) == (address[whole] & mask);
}

std::string Cidr::ToString() const {
  return absl::StrCat(AddressText(family, address.data()), "/", prefix_length);
}

absl::StatusOr<Cidr> ParseCidr(absl::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  const size_t slash = trimmed.find('/');
  const std::string address(trimmed.substr(0, slash));
  Cidr cidr;
  int max_prefix = 0;
  if (inet_pton(AF_INET, address.c_str(), cidr.address.data()) == 1) {
    cidr.family = AF_INET;
    max_prefix = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), cidr.address.data()) == 1) {
    cidr.family = AF_INET6;
    max_prefix = 128;
  } else {
    return NotARange(trimmed);
  }
  cidr.prefix_length = max_prefix;
  if (slash != absl::string_view::npos) {
    const absl::string_view prefix = trimmed.substr(slash + 1);
    // Digits only: SimpleAtoi would also take a sign or surrounding spaces.
    int length = -1;
    const bool digits = !prefix.empty() && prefix.size() <= 3 &&
                        prefix.find_first_not_of("0123456789") == absl::string_view::npos;
    if (!digits || !absl::SimpleAtoi(prefix, &length)) return NotARange(trimmed);
    if (length > max_prefix) {
      const std::string quoted = Excerpt(trimmed);
      const char* family = cidr.family == AF_INET ? "IPv4" : "IPv6";
      return Bilingual(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("'", quoted, "': ", family, " のプレフィックス長は 0〜",
                                    max_prefix, " にしてください"),
                       absl::StrCat("'", quoted, "': the prefix length of an ", family,
                                    " range must be 0 to ", max_prefix));
    }
    cidr.prefix_length = length;
  }
  // Clear the bits past the prefix, so that ToString shows the range itself.
  const int bytes = max_prefix / 8;
  for (int i = 0; i < bytes; ++i) {
    const int kept = cidr.prefix_length - 8 * i;  // bits of byte i inside the prefix
    if (kept >= 8) continue;
    cidr.address[i] =
        kept <= 0 ? 0 : static_cast<uint8_t>(cidr.address[i] & (0xff << (8 - kept)));
  }
  return cidr;
}

EgressGuard::EgressGuard(std::vector<Cidr> allow) : allow_(std::move(allow)) {}

absl::StatusOr<EgressGuard> EgressGuard::FromList(absl::string_view comma_separated) {
  std::vector<Cidr> allow;
  for (absl::string_view item : absl::StrSplit(comma_separated, ',', absl::SkipWhitespace())) {
    absl::StatusOr<Cidr> cidr = ParseCidr(item);
    if (!cidr.ok()) return cidr.status();
    allow.push_back(*cidr);
  }
  return EgressGuard(std::move(allow));
}

absl::Status EgressGuard::Check(const sockaddr* addr, socklen_t len) const {
  Address original;
  if (addr == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t))) {
    return absl::PermissionDeniedError("an address of no known family is not allowed");
  }
  if (addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    sockaddr_in in;
    std::memcpy(&in, addr, sizeof in);
    original.family = AF_INET;
    std::memcpy(original.bytes.data(), &in.sin_addr, 4);
  } else if (addr->sa_family == AF_INET6 &&
             len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    sockaddr_in6 in6;
    std::memcpy(&in6, addr, sizeof in6);
    original.family = AF_INET6;
    std::memcpy(original.bytes.data(), &in6.sin6_addr, 16);
  } else {
    return absl::PermissionDeniedError(absl::StrCat(
        "an address of family ", addr->sa_family, " is not allowed: only IPv4 and IPv6"));
  }
  const Address effective = Effective(original);
  for (const Cidr& cidr : allow_) {
    if (cidr.Contains(original.family, original.bytes.data()) ||
        cidr.Contains(effective.family, effective.bytes.data())) {
      return absl::OkStatus();
    }
  }
  for (const NamedRange& range : DenyList()) {
    if (range.cidr.Contains(effective.family, effective.bytes.data())) {
      return absl::PermissionDeniedError(
          absl::StrCat("address ", AddressText(original.family, original.bytes.data()),
                       " is not allowed: ", range.name, " ", range.cidr.ToString()));
    }
  }
  return absl::OkStatus();
}

absl::Status EgressGuard::CheckText(absl::string_view ip) const {
  const std::string text(ip);
  sockaddr_in in{};
  if (inet_pton(AF_INET, text.c_str(), &in.sin_addr) == 1) {
    in.sin_family = AF_INET;
    return Check(reinterpret_cast<const sockaddr*>(&in), sizeof in);
  }
  sockaddr_in6 in6{};
  if (inet_pton(AF_INET6, text.c_str(), &in6.sin6_addr) == 1) {
    in6.sin6_family = AF_INET6;
    return Check(reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  }
  const std::string quoted = Excerpt(ip);
  return Bilingual(absl::StatusCode::kInvalidArgument,
                   absl::StrCat("'", quoted, "' は IPv4 または IPv6 のアドレスではありません"),
                   absl::StrCat("'", quoted, "' is not an IPv4 or IPv6 address"));
}

}  // namespace rfs
