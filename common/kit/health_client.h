// A client of grpc.health.v1.Health/Check for probes, tests, rfsctl and the benchmark. The
// request and response are two-field messages, encoded here directly on a generic stub (no
// generated health stubs ship with Debian's gRPC).
#pragma once

#include <memory>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/support/byte_buffer.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rfs {

inline constexpr char kHealthCheckMethod[] = "/grpc.health.v1.Health/Check";

enum class ServingStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

// The wire form of HealthCheckRequest{service}.
grpc::ByteBuffer EncodeHealthCheckRequest(const std::string& service);
// Reads HealthCheckResponse{status}.
absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(const grpc::ByteBuffer& response);

// Blocking Check of `service` ("" for the server as a whole). A gRPC error (e.g. NOT_FOUND for
// an unknown service, UNAVAILABLE when nothing listens) is returned as the status.
absl::StatusOr<ServingStatus> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                          const std::string& service,
                                          absl::Duration timeout = absl::Seconds(2));

}  // namespace rfs
