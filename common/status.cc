#include "common/status.h"

#include <string>

#include "common/text.h"

namespace rfs {
namespace {
constexpr size_t kMaxStatusMessageChars = 2000;
}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl::StatusCode and grpc::StatusCode share the canonical numbering (0..16). Messages quote
  // input in excerpts (common/text.h); this bound is the last guard against echoing it whole.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      Excerpt(status.message(), kMaxStatusMessageChars));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace rfs
