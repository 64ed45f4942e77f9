// PeerFromFlags: the address and deadline flags of a peer service, checked once for every
// service that calls another.
#include "common/kit/peer.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace rfs {
namespace {

TEST(Peer, FlagsBecomeAnAddressAndADeadline) {
  absl::StatusOr<PeerAddress> peer = PeerFromFlags("registry", "unix:///tmp/r.sock", 250, "why");
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(peer->address, "unix:///tmp/r.sock");
  EXPECT_EQ(peer->timeout, absl::Milliseconds(250));
}

TEST(Peer, ARequiredPeerNeedsAnAddressAndSaysWhy) {
  absl::StatusOr<PeerAddress> peer =
      PeerFromFlags("registry", "", 5000, "reports are made from plans read from rfs-registry");
  ASSERT_EQ(peer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(peer.status().message(),
            "--registry_address is required: reports are made from plans read from rfs-registry");
  // An optional one (the registry's submission gate) may be left out.
  peer = PeerFromFlags("requirements", "", 5000, "");
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_TRUE(peer->address.empty());
}

TEST(Peer, DeadlinesOutsideTenMillisecondsToTenMinutesAreRefused) {
  for (int ms : {9, 600'001, -1}) {
    absl::StatusOr<PeerAddress> peer = PeerFromFlags("requirements", "localhost:50052", ms, "");
    ASSERT_EQ(peer.status().code(), absl::StatusCode::kInvalidArgument) << ms;
    EXPECT_TRUE(absl::StrContains(peer.status().message(), "--requirements_timeout_ms"));
  }
  EXPECT_TRUE(PeerFromFlags("requirements", "localhost:50052", 10, "").ok());
  EXPECT_TRUE(PeerFromFlags("requirements", "localhost:50052", 600'000, "").ok());
}

}  // namespace
}  // namespace rfs
