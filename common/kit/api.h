// API helpers every service's methods share (Google AIP style): opaque page tokens bound to a
// request's filters, page sizes, etags of versioned resources, and client request ids that
// make creates idempotent. Errors are INVALID_ARGUMENT in Japanese and English naming the
// field (common/base/errors.h). Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include <google/protobuf/message_lite.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rfs {

// FNV-1a of `s`: stable across processes and replicas (absl::Hash is seeded per process), to
// bind a page token to the filters it was issued for.
uint64_t StableHash(absl::string_view s);

// An opaque page token: `kind` (which listing), `binding` (StableHash of its filters) and the
// position to continue after.
std::string EncodePageToken(absl::string_view kind, uint64_t binding, int64_t position);
// The position of a token made by EncodePageToken with the same kind and binding; 0 for an
// empty token. INVALID_ARGUMENT naming page_token for a token that is not one (tampered,
// another listing's) or was issued for other filters.
absl::StatusOr<int64_t> DecodePageToken(const std::string& token, absl::string_view kind,
                                        uint64_t binding);

// A page token that continues at a key rather than a list position, for listings whose items
// may come and go between pages (a position would then skip or repeat items): the key of the
// item to continue at (the first item at or after it), and an offset within that item (e.g.
// how much of its history was sent). Bound to `kind` and `binding` as above.
struct KeyPosition {
  std::string key;  // empty: from the start
  int64_t offset = 0;
};
std::string EncodeKeyPageToken(absl::string_view kind, uint64_t binding, absl::string_view key,
                               int64_t offset);
// INVALID_ARGUMENT naming page_token as DecodePageToken; {"", 0} for an empty token.
absl::StatusOr<KeyPosition> DecodeKeyPageToken(const std::string& token, absl::string_view kind,
                                               uint64_t binding);

// The page size to use: `default_size` for 0, at most `max_size`; INVALID_ARGUMENT naming
// page_size when negative.
absl::StatusOr<int> PageSize(int requested, int default_size, int max_size);

// Etags are "v<version>".
std::string EtagOf(int64_t version);
// The version an etag names; INVALID_ARGUMENT naming etag for anything else.
absl::StatusOr<int64_t> ParseEtag(const std::string& etag);
// ABORTED for a write naming an etag its resource no longer has: `name` changed since the
// caller read it (`etag`; `current` now, empty when it no longer exists). The one wording of
// every service: read it again and redo the change.
absl::Status EtagConflict(absl::string_view name, absl::string_view etag,
                          absl::string_view current);

// OK for an empty request id (no idempotency) or 1..128 letters, digits, '-', '_', '.', ':'
// (a UUID fits); INVALID_ARGUMENT naming request_id otherwise.
absl::Status ValidateRequestId(const std::string& request_id);

// What tells a retry from another request under the same request id: SHA-256 (hex, 32
// characters kept) of the message's deterministic serialization (map entries in key order), so
// the same content always gives the same fingerprint. Kept with the request id; the same id
// with another fingerprint is refused (INVALID_ARGUMENT naming request_id).
std::string RequestFingerprint(const google::protobuf::MessageLite& request);

}  // namespace rfs
