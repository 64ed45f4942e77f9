#include "common/kit/auth.h"

#include <errno.h>
#include <jwt.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/text.h"
#include "common/domain/codes.h"
#include "common/domain/reference_data.h"
#include "nlohmann/json.hpp"

namespace rfs {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;


absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("authentication failed: ", why));
}


}  // namespace


absl::StatusOr<VerificationKey> LoadVerificationKey(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read key file ", path));
  std::stringstream buf;
  buf << in.rdbuf();
  std::string material = buf.str();
  VerificationKey key;
  if (absl::StrContains(material, "-----BEGIN PUBLIC KEY-----")) {
    key.algorithm = VerificationKey::Algorithm::kRs256;
    key.material = std::move(material);
    return key;
  }
  if (absl::StrContains(material, "PRIVATE KEY-----")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key file ", path, " holds a private key; give the services the public key only"));
  }
  key.algorithm = VerificationKey::Algorithm::kHs256;
  key.material = std::string(absl::StripAsciiWhitespace(material));
  if (key.material.size() < 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key file ", path, ": an HS256 secret must be at least 32 bytes (e.g. `head -c 48 "
        "/dev/urandom | base64 > ", path, "`)"));
  }
  return key;
}

absl::Status ValidateClaims(const Principal& p, const ReferenceData* reference) {
  if (p.subject.empty()) return Unauthenticated("claim 'sub' is missing");
  switch (p.role) {
    case Role::kPrefecture:
    case Role::kMunicipality: {
      auto code = NormalizeLocalGovernmentCode(p.body_code, "claim 'body_code'");
      if (!code.ok() || *code != p.body_code) {
        return Unauthenticated(absl::StrCat("claim 'body_code' must be a 6-digit local "
                                            "government code for role ",
                                            RoleName(p.role)));
      }
      if ((p.role == Role::kPrefecture) != IsPrefectureCode(p.body_code)) {
        return Unauthenticated(absl::StrCat("claim 'body_code' ", p.body_code, " is not a ",
                                            RoleName(p.role), " code"));
      }
      break;
    }
    case Role::kBureau:
      if (p.block.empty()) return Unauthenticated("claim 'block' is required for role bureau");
      if (reference != nullptr && reference->FindBlock(p.block) == nullptr) {
        return Unauthenticated(absl::StrCat("claim 'block' names unknown block ", p.block));
      }
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MintToken(const VerificationKey& key, const TokenClaims& claims) {
  if (key.algorithm != VerificationKey::Algorithm::kHs256) {
    return absl::FailedPreconditionError(
        "tokens can only be minted with an HS256 secret; RS256 tokens come from the identity "
        "provider");
  }
  Principal p{claims.subject, claims.role, claims.body_code, claims.block, absl::Now()};
  if (absl::Status s = ValidateClaims(p, nullptr); !s.ok()) {
    return absl::InvalidArgumentError(s.message());
  }
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::ResourceExhaustedError("jwt_new failed");
  JwtPtr j(raw);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  int rc = jwt_add_grant(j.get(), "sub", claims.subject.c_str());
  rc |= jwt_add_grant(j.get(), "role", RoleName(claims.role));
  if (!claims.body_code.empty()) rc |= jwt_add_grant(j.get(), "body_code", claims.body_code.c_str());
  if (!claims.block.empty()) rc |= jwt_add_grant(j.get(), "block", claims.block.c_str());
  if (!key.issuer.empty()) rc |= jwt_add_grant(j.get(), "iss", key.issuer.c_str());
  if (!key.audience.empty()) rc |= jwt_add_grant(j.get(), "aud", key.audience.c_str());
  rc |= jwt_add_grant_int(j.get(), "iat", static_cast<long>(now));
  rc |= jwt_add_grant_int(j.get(), "exp",
                          static_cast<long>(now + absl::ToInt64Seconds(claims.ttl)));
  rc |= jwt_set_alg(j.get(), JWT_ALG_HS256,
                    reinterpret_cast<const unsigned char*>(key.material.data()),
                    static_cast<int>(key.material.size()));
  if (rc != 0) return absl::InternalError("cannot build the token");
  char* encoded = jwt_encode_str(j.get());
  if (encoded == nullptr) return absl::InternalError("cannot sign the token");
  std::string token(encoded);
  std::free(encoded);
  return token;
}

TokenVerifier::TokenVerifier(VerificationKey key, const ReferenceData* reference,
                             std::optional<VerificationKey> extra)
    : key_(std::move(key)), extra_(std::move(extra)), reference_(reference) {}

absl::StatusOr<Principal> TokenVerifier::VerifyUncached(const std::string& token) const {
  bool signed_by_it = false;
  absl::StatusOr<Principal> p = VerifyWith(key_, token, &signed_by_it);
  if (signed_by_it || !extra_.has_value()) return p;
  absl::StatusOr<Principal> q = VerifyWith(*extra_, token, &signed_by_it);
  // Neither key's signature: the first key's reason (the same words whichever key is extra).
  return signed_by_it ? q : p;
}

absl::StatusOr<Principal> TokenVerifier::VerifyWith(const VerificationKey& key,
                                                    const std::string& token,
                                                    bool* signed_by_it) const {
  *signed_by_it = false;
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, token.c_str(),
                            reinterpret_cast<const unsigned char*>(key.material.data()),
                            static_cast<int>(key.material.size()));
  JwtPtr j(raw);
  if (rc != 0 || j == nullptr) return Unauthenticated("token is malformed or its signature is invalid");
  // Accept only the key's algorithm: an HS256 token "signed" with a public RS256 key, or an
  // unsigned token, must never pass.
  const jwt_alg_t expected =
      key.algorithm == VerificationKey::Algorithm::kHs256 ? JWT_ALG_HS256 : JWT_ALG_RS256;
  if (jwt_get_alg(j.get()) != expected) {
    return Unauthenticated(absl::StrCat("token algorithm must be ", jwt_alg_str(expected)));
  }
  *signed_by_it = true;
  // Every claim is read from the token's JSON and type-checked: a claim of the wrong type is
  // refused, never read as absent or as 0.
  char* raw_claims = jwt_get_grants_json(j.get(), nullptr);
  const nlohmann::json claims = nlohmann::json::parse(
      raw_claims == nullptr ? "" : raw_claims, nullptr, /*allow_exceptions=*/false);
  std::free(raw_claims);
  if (!claims.is_object()) return Unauthenticated("token claims are not a JSON object");
  auto integer = [&](const char* name, int64_t* out) -> absl::Status {
    auto it = claims.find(name);
    if (it == claims.end()) return absl::NotFoundError(name);
    if (!it->is_number_integer()) {
      return Unauthenticated(absl::StrCat("claim '", name, "' must be an integer (seconds)"));
    }
    *out = it->get<int64_t>();
    return absl::OkStatus();
  };
  auto text = [&](const char* name) -> std::string {
    auto it = claims.find(name);
    return it != claims.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const char* name : {"sub", "role", "body_code", "block", "iss"}) {
    auto it = claims.find(name);
    if (it != claims.end() && !it->is_string()) {
      return Unauthenticated(absl::StrCat("claim '", name, "' must be a string"));
    }
  }
  int64_t exp = 0;
  if (absl::Status s = integer("exp", &exp); !s.ok()) {
    return absl::IsNotFound(s) ? Unauthenticated("token has no 'exp' claim") : s;
  }
  if (exp <= 0) return Unauthenticated("token has no 'exp' claim");
  Principal p;
  p.expires = absl::FromUnixSeconds(exp);
  if (p.expires <= absl::Now()) return Unauthenticated("token has expired; get a new one");
  int64_t nbf = 0;
  if (absl::Status s = integer("nbf", &nbf); !s.ok() && !absl::IsNotFound(s)) return s;
  if (absl::FromUnixSeconds(nbf) > absl::Now() + absl::Seconds(60)) {
    return Unauthenticated("token is not valid yet ('nbf' in the future)");
  }
  if (!key.issuer.empty() && text("iss") != key.issuer) {
    return Unauthenticated("claim 'iss' is not the issuer this service trusts");
  }
  // `aud` is a string or an array of strings (RFC 7519 4.1.3); anything else is refused, also
  // where no audience is configured.
  if (auto aud = claims.find("aud"); aud != claims.end()) {
    bool strings = aud->is_string() || aud->is_array();
    if (aud->is_array()) {
      for (const auto& a : *aud) strings &= a.is_string();
    }
    if (!strings) return Unauthenticated("claim 'aud' must be a string or an array of strings");
  }
  if (!key.audience.empty()) {
    bool ours = false;
    auto aud = claims.find("aud");
    if (aud != claims.end() && aud->is_string()) ours = aud->get<std::string>() == key.audience;
    if (aud != claims.end() && aud->is_array()) {
      for (const auto& a : *aud) ours |= a.is_string() && a.get<std::string>() == key.audience;
    }
    if (!ours) return Unauthenticated("claim 'aud' does not name this service");
  }
  p.subject = text("sub");
  if (absl::Status s = ValidateText(p.subject, "claim 'sub'", {256, true, false}); !s.ok()) {
    return Unauthenticated("claim 'sub' must be 1..256 characters without control characters");
  }
  const std::string role = text("role");
  if (!ParseRole(role, &p.role)) {
    return Unauthenticated(absl::StrCat("claim 'role' must be one of secretariat, bureau, "
                                        "prefecture, municipality, viewer, service"));
  }
  p.body_code = text("body_code");
  p.block = text("block");
  if (absl::Status s = ValidateClaims(p, reference_); !s.ok()) return s;
  return p;
}

absl::StatusOr<Principal> TokenVerifier::Verify(absl::string_view token) const {
  if (token.empty()) return Unauthenticated("empty bearer token");
  if (token.size() > 8192) return Unauthenticated("token is too long");
  Shard& shard = shards_[absl::Hash<absl::string_view>()(token) % kShards];
  {
    absl::MutexLock lock(&shard.mu);
    auto it = shard.verified.find(token);
    if (it != shard.verified.end()) {
      if (it->second.expires > absl::Now()) return it->second;
      shard.verified.erase(it);
      return Unauthenticated("token has expired; get a new one");
    }
  }
  std::string key(token);
  auto principal = VerifyUncached(key);
  if (!principal.ok()) return principal;
  absl::MutexLock lock(&shard.mu);
  if (shard.verified.size() >= kMaxPerShard) shard.verified.clear();
  shard.verified.emplace(std::move(key), *principal);
  return principal;
}

absl::StatusOr<absl::string_view> BearerToken(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Unauthenticated("no 'authorization: Bearer <token>' metadata on the call");
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
    return Unauthenticated("the 'authorization' metadata must be 'Bearer <token>'");
  }
  return absl::StripAsciiWhitespace(value.substr(7));
}

absl::StatusOr<Principal> TokenVerifier::Authenticate(
    const grpc::ServerContextBase& context) const {
  absl::StatusOr<absl::string_view> token = BearerToken(context);
  if (!token.ok()) return token.status();
  return Verify(*token);
}

}  // namespace rfs
