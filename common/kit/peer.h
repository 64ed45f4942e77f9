// The rfs services a service calls (rfs-registry for rfs-requirements and rfs-kpi,
// rfs-requirements for the registry's submission gate, rfs-notification next), wired once:
//   PeerAddress    where a peer is and how long one call to it may take, read from the flags
//                  --<peer>_address and --<peer>_timeout_ms (PeerFromFlags)
//   Peer           what a client of it is made of: the channel (PeerChannelOptions: TLS with
//                  --peer_ca_file, a short reconnect backoff, the deployment's message size),
//                  the service token and the deadline of each call; ServiceHost::ConnectPeer
//                  makes it
// The clients themselves (RegistryClient, the registry's RequirementsGate) take a Peer.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/kit/client.h"
#include "common/kit/config.h"
#include "common/kit/service_token.h"

namespace rfs {

struct PeerAddress {
  std::string address;  // host:port or unix:///path; empty: no such peer (an optional one)
  absl::Duration timeout = absl::Seconds(5);
};

// The peer of the flags --{name}_address and --{name}_timeout_ms. INVALID_ARGUMENT naming the
// flag when the timeout is outside 10..600000 ms, or when the address is empty and
// `required_because` is not (it says why the service needs the peer).
absl::StatusOr<PeerAddress> PeerFromFlags(absl::string_view name, std::string address,
                                          int timeout_ms, absl::string_view required_because);

// The channel options of calls to a peer at `target` in this deployment.
ChannelOptions PeerChannelOptions(const ServerConfig& config, const std::string& target);

struct Peer {
  std::shared_ptr<grpc::Channel> channel;
  ServiceToken* token = nullptr;  // owned by the service host
  absl::Duration timeout;         // deadline of each call
};

}  // namespace rfs
