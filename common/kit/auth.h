// Authentication: bearer JWTs in the `authorization` metadata, verified with a key the
// deployment provides (an HS256 secret, or an RS256 public key in PEM from the identity
// provider). The token's claims become a Principal; what a Principal may do is decided by each
// service's authorization policy, in one place.
//
// TokenVerifier is immutable after construction apart from its cache of verified tokens, which
// is internally locked: share one instance between all threads.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>

#include <grpcpp/server_context.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/domain/principal.h"

namespace rfs {

class ReferenceData;

// Claims to put into a token made by MintToken.
struct TokenClaims {
  std::string subject;
  Role role = Role::kViewer;
  std::string body_code;
  std::string block;
  absl::Duration ttl = absl::Hours(12);
};

// Reads a key file: PEM public key → RS256; anything else → HS256 secret (surrounding
// whitespace trimmed), at least 32 bytes.
struct VerificationKey {
  enum class Algorithm { kHs256, kRs256 };
  Algorithm algorithm;
  std::string material;
  // Expected `iss` and `aud` claims (--auth_issuer, --auth_audience): checked when set, and
  // required for RS256 keys (tokens of an identity provider that also serves other systems).
  // Tokens minted with this key carry them.
  std::string issuer;
  std::string audience;
};
absl::StatusOr<VerificationKey> LoadVerificationKey(const std::string& path);

// Makes an HS256 token (for development, tests and rfsctl). Validates the claims as the
// verifier would.
absl::StatusOr<std::string> MintToken(const VerificationKey& key, const TokenClaims& claims);

class TokenVerifier {
 public:
  // `reference` (may be null) is used to check that a bureau's block exists. `extra`, when
  // given, is a second key accepted as well (--auth_extra_key_file): the next key before a
  // rotation, the previous one after it, so that a key changes without a refused call
  // (docs/operations.md, "Rotating the token key"). Each key checks its own algorithm, and
  // the issuer and audience it carries (the same flags give both keys theirs).
  TokenVerifier(VerificationKey key, const ReferenceData* reference,
                std::optional<VerificationKey> extra = std::nullopt);

  // Verifies a compact JWT: signature with the configured algorithm only (by the key, else by
  // the extra key), `exp` an integer in
  // the future, `nbf` (when present) an integer not in the future, `iss` and `aud` as
  // configured, `sub` 1..256 characters without control characters, claims well-formed. UNAUTHENTICATED with a reason otherwise. Verified
  // tokens are cached until they expire.
  absl::StatusOr<Principal> Verify(absl::string_view token) const;

  // Reads "authorization: Bearer <jwt>" from the call's metadata (BearerToken) and verifies it.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;

 private:
  absl::StatusOr<Principal> VerifyUncached(const std::string& token) const;
  // With one key; `*signed_by_it` tells whether the signature was this key's (then the answer
  // is final: no other key is tried).
  absl::StatusOr<Principal> VerifyWith(const VerificationKey& key, const std::string& token,
                                       bool* signed_by_it) const;

  static constexpr int kShards = 16;
  static constexpr size_t kMaxPerShard = 4096;
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Principal> verified ABSL_GUARDED_BY(mu);
  };

  const VerificationKey key_;
  const std::optional<VerificationKey> extra_;
  const ReferenceData* reference_;
  mutable std::array<Shard, kShards> shards_;
};

// The token of the call's "authorization: Bearer <jwt>" metadata, as Authenticate reads it: the
// scheme in any case, surrounding whitespace trimmed. A service that calls another as the caller
// forwards this (as "Bearer <token>", common/kit/client.h), never the header as it came.
// UNAUTHENTICATED when the metadata is missing or not a bearer token.
absl::StatusOr<absl::string_view> BearerToken(const grpc::ServerContextBase& context);

// Checks claims the same way for minting and verifying.
absl::Status ValidateClaims(const Principal& p, const ReferenceData* reference);

}  // namespace rfs
