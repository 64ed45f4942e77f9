#include "common/kit/health_client.h"

#include <future>

#include <grpcpp/generic/generic_stub.h>

#include "absl/time/clock.h"
#include "common/base/status.h"

namespace rfs {

grpc::ByteBuffer EncodeHealthCheckRequest(const std::string& service) {
  std::string wire;
  if (!service.empty()) {
    wire.push_back(0x0a);  // field 1, length-delimited
    size_t n = service.size();
    while (n >= 0x80) {
      wire.push_back(static_cast<char>((n & 0x7f) | 0x80));
      n >>= 7;
    }
    wire.push_back(static_cast<char>(n));
    wire.append(service);
  }
  grpc::Slice slice(wire);
  return grpc::ByteBuffer(&slice, 1);
}

absl::StatusOr<ServingStatus> DecodeHealthCheckResponse(const grpc::ByteBuffer& response) {
  grpc::Slice slice;
  if (!response.DumpToSingleSlice(&slice).ok()) {
    return absl::InternalError("cannot read the health response");
  }
  const uint8_t* p = slice.begin();
  const uint8_t* end = slice.end();
  if (p == end) return ServingStatus::kUnknown;  // status 0 is not encoded
  if (*p != 0x08 || p + 1 >= end) return absl::InternalError("unexpected health response");
  return static_cast<ServingStatus>(p[1]);
}

absl::StatusOr<ServingStatus> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                          const std::string& service, absl::Duration timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::ByteBuffer request = EncodeHealthCheckRequest(service);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, kHealthCheckMethod, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) return FromGrpcStatus(status);
  return DecodeHealthCheckResponse(response);
}

}  // namespace rfs
