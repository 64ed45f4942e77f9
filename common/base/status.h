// Status helpers: RETURN_IF_ERROR / ASSIGN_OR_RETURN (Abseil 20220623 has neither), and the one
// place where absl::Status becomes grpc::Status.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RFS_STATUS_CONCAT_INNER_(a, b) a##b
#define RFS_STATUS_CONCAT_(a, b) RFS_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status rfs_status_ = (expr);       \
    if (!rfs_status_.ok()) return rfs_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, F())`: evaluates F() (an absl::StatusOr<T>); returns its status
// when not OK, else moves the value into `lhs`.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  RFS_ASSIGN_OR_RETURN_IMPL_(RFS_STATUS_CONCAT_(rfs_statusor_, __LINE__), lhs, rexpr)

#define RFS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace rfs {

// The language of error messages a caller asked for with `accept-language` request metadata
// ("en", "ja", or a list such as "en-US,en;q=0.9": the first tag decides). Without it, both:
// Japanese, then English on the next line.
enum class Language { kJapaneseThenEnglish, kJapanese, kEnglish };
Language LanguageOf(const grpc::ServerContextBase& context);

// Maps an absl::Status onto the canonical gRPC status with the same code. A status with
// bilingual details (common/base/errors.h) gets its message in `language` and the details in the
// gRPC status details (a google.rpc.Status holding rfs.common.v1.ErrorDetails); any other
// status keeps its message. Messages are bounded in length.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          Language language = Language::kJapaneseThenEnglish);

// The reverse, for clients that carry a gRPC error inside absl::Status (details kept).
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace rfs
