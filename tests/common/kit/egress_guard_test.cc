// EgressGuard: which resolved addresses a webhook may be sent to. Every special-purpose range is
// refused from its first address to its last, the public address just outside it is not, and
// an operator's allow list opens exactly the ranges it names.
#include "common/kit/egress_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace rfs {
namespace {

struct Range {
  const char* cidr;
  const char* name;
  const char* first;
  const char* last;
  // The addresses just before and just after the range; "" where the address space ends there
  // or another refused range begins.
  const char* before;
  const char* after;
};

constexpr Range kIpv4Ranges[] = {
    {"0.0.0.0/8", "this network", "0.0.0.0", "0.255.255.255", "", "1.0.0.0"},
    {"10.0.0.0/8", "private", "10.0.0.0", "10.255.255.255", "9.255.255.255", "11.0.0.0"},
    {"100.64.0.0/10", "shared address space (CGNAT)", "100.64.0.0", "100.127.255.255",
     "100.63.255.255", "100.128.0.0"},
    {"127.0.0.0/8", "loopback", "127.0.0.0", "127.255.255.255", "126.255.255.255", "128.0.0.0"},
    {"169.254.0.0/16", "link-local", "169.254.0.0", "169.254.255.255", "169.253.255.255",
     "169.255.0.0"},
    {"172.16.0.0/12", "private", "172.16.0.0", "172.31.255.255", "172.15.255.255", "172.32.0.0"},
    {"192.0.0.0/24", "IETF protocol assignments", "192.0.0.0", "192.0.0.255", "191.255.255.255",
     "192.0.1.0"},
    {"192.0.2.0/24", "documentation (TEST-NET-1)", "192.0.2.0", "192.0.2.255", "192.0.1.255",
     "192.0.3.0"},
    {"192.88.99.0/24", "6to4 relay anycast", "192.88.99.0", "192.88.99.255", "192.88.98.255",
     "192.88.100.0"},
    {"192.168.0.0/16", "private", "192.168.0.0", "192.168.255.255", "192.167.255.255",
     "192.169.0.0"},
    {"198.18.0.0/15", "benchmarking", "198.18.0.0", "198.19.255.255", "198.17.255.255",
     "198.20.0.0"},
    {"198.51.100.0/24", "documentation (TEST-NET-2)", "198.51.100.0", "198.51.100.255",
     "198.51.99.255", "198.51.101.0"},
    {"203.0.113.0/24", "documentation (TEST-NET-3)", "203.0.113.0", "203.0.113.255",
     "203.0.112.255", "203.0.114.0"},
    {"224.0.0.0/4", "multicast", "224.0.0.0", "239.255.255.255", "223.255.255.255", ""},
    {"240.0.0.0/4", "reserved", "240.0.0.0", "255.255.255.255", "", ""},
};

constexpr Range kIpv6Ranges[] = {
    // ::2 and up are IPv4-compatible addresses, judged as 0.0.0.2 (see below).
    {"::/128", "unspecified", "::", "::", "", ""},
    {"::1/128", "loopback", "::1", "::1", "", ""},
    {"64:ff9b::/96", "NAT64", "64:ff9b::", "64:ff9b::ffff:ffff",
     "64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", "64:ff9b::1:0:0"},
    {"64:ff9b:1::/48", "local-use NAT64", "64:ff9b:1::", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff",
     "64:ff9b:0:ffff:ffff:ffff:ffff:ffff", "64:ff9b:2::"},
    {"100::/64", "discard-only", "100::", "100::ffff:ffff:ffff:ffff",
     "ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "100:0:0:1::"},
    {"2001::/32", "Teredo", "2001::", "2001:0:ffff:ffff:ffff:ffff:ffff:ffff",
     "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:1::"},
    {"2001:db8::/32", "documentation", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
     "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"},
    {"2002::/16", "6to4", "2002::", "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2003::"},
    {"fc00::/7", "unique local", "fc00::", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::"},
    {"fe80::/10", "link-local", "fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
     "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ""},
    {"fec0::/10", "site-local", "fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "", ""},
    {"ff00::/8", "multicast", "ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "", ""},
};

void ExpectRefusedFirstToLast(const EgressGuard& guard, const Range& range) {
  SCOPED_TRACE(range.cidr);
  for (const char* inside : {range.first, range.last}) {
    const absl::Status status = guard.CheckText(inside);
    EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << inside;
    // "address 127.0.0.1 is not allowed: loopback 127.0.0.0/8"
    EXPECT_TRUE(absl::StartsWith(status.message(), "address ")) << status;
    EXPECT_TRUE(absl::EndsWith(status.message(),
                               absl::StrCat(" is not allowed: ", range.name, " ", range.cidr)))
        << status;
  }
  for (const char* outside : {range.before, range.after}) {
    if (*outside == '\0') continue;
    EXPECT_TRUE(guard.CheckText(outside).ok()) << outside << ": " << guard.CheckText(outside);
  }
}

TEST(EgressGuard, EveryIpv4SpecialRangeIsRefusedAndItsNeighboursAreNot) {
  const EgressGuard guard;
  for (const Range& range : kIpv4Ranges) ExpectRefusedFirstToLast(guard, range);
  for (const char* address : {"8.8.8.8", "1.1.1.1", "93.184.216.34", "223.255.255.254"}) {
    EXPECT_TRUE(guard.CheckText(address).ok()) << address;
  }
}

TEST(EgressGuard, EveryIpv6SpecialRangeIsRefusedAndItsNeighboursAreNot) {
  const EgressGuard guard;
  for (const Range& range : kIpv6Ranges) ExpectRefusedFirstToLast(guard, range);
  for (const char* address : {"2606:4700:4700::1111", "2001:4860:4860::8888", "2400:cb00::1"}) {
    EXPECT_TRUE(guard.CheckText(address).ok()) << address;
  }
}

TEST(EgressGuard, TheMessageNamesTheAddressAndTheRange) {
  const EgressGuard guard;
  EXPECT_EQ(guard.CheckText("127.0.0.1").message(),
            "address 127.0.0.1 is not allowed: loopback 127.0.0.0/8");
  EXPECT_EQ(guard.CheckText("255.255.255.255").message(),
            "address 255.255.255.255 is not allowed: reserved 240.0.0.0/4");
  EXPECT_EQ(guard.CheckText("::1").message(), "address ::1 is not allowed: loopback ::1/128");
}

TEST(EgressGuard, Ipv4MappedAndCompatibleAddressesAreJudgedAsTheirIpv4Address) {
  const EgressGuard guard;
  const absl::Status mapped_loopback = guard.CheckText("::ffff:127.0.0.1");
  EXPECT_EQ(mapped_loopback.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(mapped_loopback.message(),
            "address ::ffff:127.0.0.1 is not allowed: loopback 127.0.0.0/8");
  EXPECT_EQ(guard.CheckText("::ffff:10.0.0.1").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard.CheckText("::ffff:169.254.169.254").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(guard.CheckText("::ffff:8.8.8.8").ok());
  // IPv4-compatible (deprecated, ::a.b.c.d).
  EXPECT_EQ(guard.CheckText("::127.0.0.1").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(guard.CheckText("::2").message(), "this network 0.0.0.0/8"));
  EXPECT_TRUE(guard.CheckText("::8.8.8.8").ok());
}

TEST(EgressGuard, AnAllowListOpensTheRangesItNamesAndNoOthers) {
  absl::StatusOr<EgressGuard> guard = EgressGuard::FromList("127.0.0.0/8, fd00:1::/32");
  ASSERT_TRUE(guard.ok()) << guard.status();
  ASSERT_EQ(guard->allowed().size(), 2u);
  EXPECT_TRUE(guard->CheckText("127.0.0.1").ok());
  EXPECT_TRUE(guard->CheckText("127.255.255.255").ok());
  EXPECT_TRUE(guard->CheckText("::ffff:127.0.0.1").ok());
  EXPECT_TRUE(guard->CheckText("fd00:1::5").ok());
  EXPECT_EQ(guard->CheckText("10.0.0.1").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard->CheckText("::1").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard->CheckText("fd00:2::5").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(guard->CheckText("8.8.8.8").ok());
}

TEST(EgressGuard, AnEmptyListAllowsNothingExtra) {
  for (const char* list : {"", " ", " , "}) {
    absl::StatusOr<EgressGuard> guard = EgressGuard::FromList(list);
    ASSERT_TRUE(guard.ok()) << guard.status();
    EXPECT_TRUE(guard->allowed().empty());
    EXPECT_EQ(guard->CheckText("127.0.0.1").code(), absl::StatusCode::kPermissionDenied);
  }
}

TEST(EgressGuard, AListWithSomethingElseIsRefusedNamingIt) {
  absl::StatusOr<EgressGuard> guard = EgressGuard::FromList("10.0.0.0/8,intranet");
  ASSERT_EQ(guard.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(guard.status().message(), "'intranet'")) << guard.status();
}

TEST(EgressGuard, OnlyIpv4AndIpv6SocketAddressesAreAllowed) {
  const EgressGuard guard;
  sockaddr_in in{};
  in.sin_family = AF_INET;
  ASSERT_EQ(inet_pton(AF_INET, "8.8.8.8", &in.sin_addr), 1);
  EXPECT_TRUE(guard.Check(reinterpret_cast<const sockaddr*>(&in), sizeof in).ok());
  // Too short for a sockaddr_in.
  EXPECT_EQ(guard.Check(reinterpret_cast<const sockaddr*>(&in), sizeof in - 4).code(),
            absl::StatusCode::kPermissionDenied);

  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_addr = in6addr_loopback;
  EXPECT_EQ(guard.Check(reinterpret_cast<const sockaddr*>(&in6), sizeof in6).code(),
            absl::StatusCode::kPermissionDenied);

  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  EXPECT_EQ(guard.Check(reinterpret_cast<const sockaddr*>(&un), sizeof un).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard.Check(nullptr, 0).code(), absl::StatusCode::kPermissionDenied);
  // A universal allow list does not open other families.
  const EgressGuard everything({*ParseCidr("0.0.0.0/0"), *ParseCidr("::/0")});
  EXPECT_TRUE(everything.CheckText("127.0.0.1").ok());
  EXPECT_TRUE(everything.CheckText("::1").ok());
  EXPECT_EQ(everything.Check(reinterpret_cast<const sockaddr*>(&un), sizeof un).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(EgressGuard, TextThatIsNotAnAddressIsAnError) {
  const EgressGuard guard;
  EXPECT_EQ(guard.CheckText("localhost").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(guard.CheckText("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseCidr, ReadsRangesAndBareAddresses) {
  absl::StatusOr<Cidr> v4 = ParseCidr("10.0.0.0/8");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->family, AF_INET);
  EXPECT_EQ(v4->prefix_length, 8);
  EXPECT_EQ(v4->ToString(), "10.0.0.0/8");

  absl::StatusOr<Cidr> v6 = ParseCidr("fd00::/8");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->family, AF_INET6);
  EXPECT_EQ(v6->prefix_length, 8);
  EXPECT_EQ(v6->ToString(), "fd00::/8");

  absl::StatusOr<Cidr> host = ParseCidr("192.0.2.7");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->ToString(), "192.0.2.7/32");
  host = ParseCidr(" 2001:db8::1 ");
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(host->ToString(), "2001:db8::1/128");

  // Bits past the prefix are cleared.
  absl::StatusOr<Cidr> loose = ParseCidr("10.1.2.3/8");
  ASSERT_TRUE(loose.ok()) << loose.status();
  EXPECT_EQ(loose->ToString(), "10.0.0.0/8");
  loose = ParseCidr("172.31.5.5/12");
  ASSERT_TRUE(loose.ok()) << loose.status();
  EXPECT_EQ(loose->ToString(), "172.16.0.0/12");
}

TEST(ParseCidr, ContainsMatchesTheWholeRangeAndNothingElse) {
  const Cidr cidr = *ParseCidr("172.16.0.0/12");
  auto contains = [&cidr](const char* text) {
    uint8_t bytes[4];
    EXPECT_EQ(inet_pton(AF_INET, text, bytes), 1) << text;
    return cidr.Contains(AF_INET, bytes);
  };
  EXPECT_FALSE(contains("172.15.255.255"));
  EXPECT_TRUE(contains("172.16.0.0"));
  EXPECT_TRUE(contains("172.31.255.255"));
  EXPECT_FALSE(contains("172.32.0.0"));
  uint8_t v6[16] = {};
  EXPECT_FALSE(cidr.Contains(AF_INET6, v6));
}

TEST(ParseCidr, RefusesWhatIsNotARange) {
  for (const char* text :
       {"", "garbage", "10.0.0.0/", "/8", "10.0.0.0/8/8", "10.0.0.0/-1", "10.0.0.0/+8",
        "10.0.0.0/ 8", "10.0.0.0/x", "10.0.0/8", "10.0.0.256", "fd00::/", "fd00:::/8",
        "10.0.0.0/0008"}) {
    const absl::StatusOr<Cidr> cidr = ParseCidr(text);
    EXPECT_EQ(cidr.status().code(), absl::StatusCode::kInvalidArgument) << "'" << text << "'";
  }
  const absl::StatusOr<Cidr> too_long = ParseCidr("10.0.0.0/33");
  ASSERT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(too_long.status().message(), "0 to 32")) << too_long.status();
  const absl::StatusOr<Cidr> too_long6 = ParseCidr("fd00::/129");
  ASSERT_EQ(too_long6.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(too_long6.status().message(), "0 to 128")) << too_long6.status();
  // The extremes are ranges.
  EXPECT_TRUE(ParseCidr("0.0.0.0/0").ok());
  EXPECT_TRUE(ParseCidr("10.0.0.1/32").ok());
  EXPECT_TRUE(ParseCidr("::/0").ok());
  EXPECT_TRUE(ParseCidr("2001:db8::1/128").ok());
}

}  // namespace
}  // namespace rfs
