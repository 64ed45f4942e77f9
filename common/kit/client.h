// Client side of rfs gRPC: channels made once with explicit message sizes and keepalive,
// optional TLS, and the bearer token attached per call.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/time/time.h"

namespace rfs {

struct ChannelOptions {
  std::string target;          // "localhost:50051", "unix:///path"
  bool tls = false;
  std::string ca_file;         // TLS: roots to trust (default: system roots)
  std::string cert_file;       // mTLS client certificate
  std::string key_file;
  int max_message_bytes = 8 << 20;
  // Upper bound of the reconnect backoff; 0 keeps gRPC's default (up to 120 s). Calls between
  // services use a short one, so a restarted peer is reached again within seconds.
  int max_reconnect_backoff_ms = 0;
};

std::shared_ptr<grpc::Channel> MakeChannel(const ChannelOptions& options);

// Sets the deadline and the "authorization: Bearer <token>" metadata of a call.
void PrepareCall(grpc::ClientContext* context, const std::string& token, absl::Duration timeout);

// Calls between rfs services (idempotent reads) make two attempts. The first uses `timeout`;
// the retry after UNAVAILABLE waits for the channel to reconnect (wait_for_ready) for at most
// 2 s instead of failing fast while it is in backoff, e.g. right after the peer restarted.
inline constexpr int kPeerAttempts = 2;
void PreparePeerAttempt(grpc::ClientContext* context, const std::string& token,
                        absl::Duration timeout, int attempt);

}  // namespace rfs
