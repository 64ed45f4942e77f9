#include "common/kit/auth.h"

#include <jwt.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/support/process.h"

namespace rfs {
namespace {

VerificationKey Secret(const std::string& s = std::string(40, 'k')) {
  return {VerificationKey::Algorithm::kHs256, s};
}

TEST(Auth, MintedTokenVerifiesToItsClaims) {
  TokenVerifier verifier(Secret(), nullptr);
  auto token = MintToken(Secret(), {"clerk-1", Role::kPrefecture, "160008", "", absl::Hours(1)});
  ASSERT_TRUE(token.ok()) << token.status();
  auto p = verifier.Verify(*token);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->subject, "clerk-1");
  EXPECT_EQ(p->role, Role::kPrefecture);
  EXPECT_EQ(p->body_code, "160008");
  // Served from the cache the second time, same answer.
  EXPECT_EQ(verifier.Verify(*token)->subject, "clerk-1");
}

TEST(Auth, ForgedSignatureIsUnauthenticated) {
  TokenVerifier verifier(Secret(), nullptr);
  auto token = MintToken(Secret(std::string(40, 'x')), {"mallory", Role::kSecretariat});
  auto p = verifier.Verify(*token);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(Auth, TamperedPayloadIsUnauthenticated) {
  TokenVerifier verifier(Secret(), nullptr);
  auto token = MintToken(Secret(), {"viewer-1", Role::kViewer});
  std::vector<std::string> parts = absl::StrSplit(*token, '.');
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  const size_t at = payload.find("viewer\"");
  ASSERT_NE(at, std::string::npos);
  payload.replace(at, 6, "secretariat");
  std::string forged = parts[0] + "." + absl::WebSafeBase64Escape(payload) + "." + parts[2];
  EXPECT_EQ(verifier.Verify(forged).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(Auth, ExpiredTokenIsUnauthenticated) {
  TokenVerifier verifier(Secret(), nullptr);
  auto token = MintToken(Secret(), {"late", Role::kViewer, "", "", absl::Seconds(-10)});
  auto p = verifier.Verify(*token);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(p.status().message().find("expired"), std::string::npos);
}

TEST(Auth, UnsignedTokenIsRefused) {
  jwt_t* j = nullptr;
  ASSERT_EQ(jwt_new(&j), 0);
  jwt_add_grant(j, "sub", "nobody");
  jwt_add_grant(j, "role", "secretariat");
  jwt_add_grant_int(j, "exp", absl::ToUnixSeconds(absl::Now()) + 3600);
  char* raw = jwt_encode_str(j);  // alg "none"
  std::string token(raw);
  free(raw);
  jwt_free(j);
  TokenVerifier verifier(Secret(), nullptr);
  EXPECT_EQ(verifier.Verify(token).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(Auth, TokenWithoutExpiryIsRefused) {
  jwt_t* j = nullptr;
  ASSERT_EQ(jwt_new(&j), 0);
  jwt_add_grant(j, "sub", "forever");
  jwt_add_grant(j, "role", "viewer");
  const std::string key(40, 'k');
  jwt_set_alg(j, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  char* raw = jwt_encode_str(j);
  std::string token(raw);
  free(raw);
  jwt_free(j);
  TokenVerifier verifier(Secret(), nullptr);
  auto p = verifier.Verify(token);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(p.status().message().find("exp"), std::string::npos);
}

TEST(Auth, ClaimsMustFitTheRole) {
  EXPECT_FALSE(MintToken(Secret(), {"p", Role::kPrefecture, "162019"}).ok());  // a city code
  EXPECT_FALSE(MintToken(Secret(), {"m", Role::kMunicipality, "160008"}).ok());  // a prefecture
  EXPECT_FALSE(MintToken(Secret(), {"b", Role::kBureau, "", ""}).ok());  // no block
  EXPECT_FALSE(MintToken(Secret(), {"", Role::kViewer}).ok());  // no subject
  EXPECT_TRUE(MintToken(Secret(), {"m", Role::kMunicipality, "162019"}).ok());
}

TEST(Auth, ShortSecretAndPrivateKeyFilesAreRefused) {
  testing::TempDir dir;
  std::ofstream(dir.File("short")) << "tooshort\n";
  EXPECT_FALSE(LoadVerificationKey(dir.File("short")).ok());
  std::ofstream(dir.File("private")) << "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n";
  EXPECT_FALSE(LoadVerificationKey(dir.File("private")).ok());
  std::ofstream(dir.File("good")) << std::string(48, 'z') << "\n";
  auto key = LoadVerificationKey(dir.File("good"));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->material, std::string(48, 'z'));  // trailing newline trimmed
}

// RS256: tokens signed by an identity provider's private key verify with its public key, and
// an HS256 token "signed" with the public key text (algorithm confusion) does not.
TEST(Auth, Rs256AndAlgorithmConfusion) {
  testing::TempDir dir;
  const std::string priv = dir.File("priv.pem"), pub = dir.File("pub.pem");
  ASSERT_EQ(std::system(("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " +
                         priv + " 2>/dev/null && openssl pkey -in " + priv + " -pubout -out " +
                         pub + " 2>/dev/null")
                            .c_str()),
            0);
  auto key = LoadVerificationKey(pub);
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_EQ(key->algorithm, VerificationKey::Algorithm::kRs256);
  TokenVerifier verifier(*key, nullptr);

  std::ifstream in(priv);
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto sign = [](jwt_alg_t alg, const std::string& k) {
    jwt_t* j = nullptr;
    jwt_new(&j);
    jwt_add_grant(j, "sub", "idp-user");
    jwt_add_grant(j, "role", "secretariat");
    jwt_add_grant_int(j, "exp", absl::ToUnixSeconds(absl::Now()) + 3600);
    jwt_set_alg(j, alg, reinterpret_cast<const unsigned char*>(k.data()), k.size());
    char* raw = jwt_encode_str(j);
    std::string token = raw != nullptr ? raw : "";
    free(raw);
    jwt_free(j);
    return token;
  };
  auto ok = verifier.Verify(sign(JWT_ALG_RS256, pem));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->subject, "idp-user");
  EXPECT_EQ(verifier.Verify(sign(JWT_ALG_HS256, key->material)).status().code(),
            absl::StatusCode::kUnauthenticated);

  // The RS256 key as the extra key of an HS256 verifier (an identity provider's key added
  // beside the local secret): its tokens pass, the secret's too, and an HS256 token "signed"
  // with the public key's text still does not.
  TokenVerifier both(Secret(), nullptr, *key);
  EXPECT_TRUE(both.Verify(sign(JWT_ALG_RS256, pem)).ok());
  EXPECT_TRUE(both.Verify(sign(JWT_ALG_HS256, Secret().material)).ok());
  EXPECT_EQ(both.Verify(sign(JWT_ALG_HS256, key->material)).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// A key rotation: a verifier holding the old and the new key accepts tokens of either, and
// nothing else; a token of either key is judged by that key alone (an expired token of the
// extra key says it expired, not that its signature is wrong).
TEST(Auth, ExtraKeyIsAcceptedBesideTheKey) {
  const VerificationKey old_key = Secret(std::string(40, 'o'));
  const VerificationKey new_key = Secret(std::string(40, 'n'));
  TokenVerifier verifier(old_key, nullptr, new_key);
  auto by_old = MintToken(old_key, {"clerk-old", Role::kPrefecture, "160008"});
  auto by_new = MintToken(new_key, {"clerk-new", Role::kPrefecture, "160008"});
  auto by_other = MintToken(Secret(std::string(40, 'x')), {"mallory", Role::kSecretariat});
  ASSERT_TRUE(by_old.ok() && by_new.ok() && by_other.ok());
  ASSERT_TRUE(verifier.Verify(*by_old).ok()) << verifier.Verify(*by_old).status();
  EXPECT_EQ(verifier.Verify(*by_old)->subject, "clerk-old");
  ASSERT_TRUE(verifier.Verify(*by_new).ok()) << verifier.Verify(*by_new).status();
  EXPECT_EQ(verifier.Verify(*by_new)->subject, "clerk-new");
  const auto refused = verifier.Verify(*by_other);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("signature"), std::string::npos) << refused.status();

  auto expired = MintToken(new_key, {"late", Role::kViewer, "", "", absl::Seconds(-10)});
  const auto late = verifier.Verify(*expired);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(late.status().message().find("expired"), std::string::npos) << late.status();

  // Swapped (after the rotation) the same tokens pass; without the extra key the old ones fail.
  TokenVerifier swapped(new_key, nullptr, old_key);
  EXPECT_TRUE(swapped.Verify(*by_old).ok());
  EXPECT_TRUE(swapped.Verify(*by_new).ok());
  TokenVerifier new_only(new_key, nullptr);
  EXPECT_EQ(new_only.Verify(*by_old).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(new_only.Verify(*by_new).ok());
}

}  // namespace
}  // namespace rfs

namespace rfs {
namespace {

// An HS256 token with exactly these claims (JSON), signed with `key`.
std::string SignedClaims(const std::string& json, const std::string& key = std::string(40, 'k')) {
  jwt_t* j = nullptr;
  EXPECT_EQ(jwt_new(&j), 0);
  EXPECT_EQ(jwt_add_grants_json(j, json.c_str()), 0) << json;
  jwt_set_alg(j, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(key.data()),
              static_cast<int>(key.size()));
  char* encoded = jwt_encode_str(j);
  std::string token(encoded == nullptr ? "" : encoded);
  std::free(encoded);
  jwt_free(j);
  return token;
}

std::string Exp() { return absl::StrCat(absl::ToUnixSeconds(absl::Now()) + 3600); }

TEST(AuthClaims, ClaimsOfTheWrongTypeAreRefused) {
  TokenVerifier verifier({VerificationKey::Algorithm::kHs256, std::string(40, 'k')}, nullptr);
  const std::string good = R"({"sub":"a","role":"viewer","exp":)" + Exp() + "}";
  EXPECT_TRUE(verifier.Verify(SignedClaims(good)).ok());
  for (const std::string& bad : {
           R"({"sub":"a","role":"viewer","exp":")" + Exp() + R"("})",                // string exp
           R"({"sub":"a","role":"viewer","nbf":"soon","exp":)" + Exp() + "}",         // string nbf
           R"({"sub":"a","role":"viewer","nbf":1.5,"exp":)" + Exp() + "}",            // float nbf
           R"({"sub":"a\u0007b","role":"viewer","exp":)" + Exp() + "}",               // control char
           R"({"sub":"a\nb","role":"viewer","exp":)" + Exp() + "}",                   // newline
           R"({"sub":["a"],"role":"viewer","exp":)" + Exp() + "}",                    // array sub
           R"({"sub":"a","role":"viewer","block":7,"exp":)" + Exp() + "}",            // number block
           R"({"sub":"a","role":"viewer","aud":7,"exp":)" + Exp() + "}",              // number aud
           R"({"sub":"a","role":"viewer","aud":[1,"rfs"],"exp":)" + Exp() + "}",      // number in aud
           R"({"sub":"a\)" R"(u202Eb","role":"viewer","exp":)" + Exp() + "}",       // RTL override (JSON escape)
           R"({"sub":"a\)" R"(u200Bb","role":"viewer","exp":)" + Exp() + "}",       // zero width (JSON escape)
       }) {
    auto p = verifier.Verify(SignedClaims(bad));
    EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated) << bad;
  }
}

TEST(AuthClaims, IssuerAndAudienceAreCheckedWhenConfigured) {
  VerificationKey key{VerificationKey::Algorithm::kHs256, std::string(40, 'k')};
  key.issuer = "https://idp.example.go.jp";
  key.audience = "rfs";
  TokenVerifier verifier(key, nullptr);
  const std::string base = R"("sub":"a","role":"viewer","exp":)" + Exp();
  EXPECT_TRUE(verifier.Verify(SignedClaims(
                  "{" + base + R"(,"iss":"https://idp.example.go.jp","aud":"rfs"})")).ok());
  EXPECT_TRUE(verifier.Verify(SignedClaims(
                  "{" + base + R"(,"iss":"https://idp.example.go.jp","aud":["x","rfs"]})")).ok());
  for (const std::string& bad : {
           "{" + base + R"(,"aud":"rfs"})",                                       // no iss
           "{" + base + R"(,"iss":"https://evil.example","aud":"rfs"})",          // other iss
           "{" + base + R"(,"iss":"https://idp.example.go.jp"})",                 // no aud
           "{" + base + R"(,"iss":"https://idp.example.go.jp","aud":"other"})",   // other aud
           "{" + base + R"(,"iss":"https://idp.example.go.jp","aud":["other"]})",
           // Ours among audiences that are not strings.
           "{" + base + R"(,"iss":"https://idp.example.go.jp","aud":[1,"rfs"]})",
           "{" + base + R"(,"iss":"https://idp.example.go.jp","aud":["rfs",{"a":1}]})",
       }) {
    EXPECT_EQ(verifier.Verify(SignedClaims(bad)).status().code(),
              absl::StatusCode::kUnauthenticated)
        << bad;
  }
  // Tokens minted with the key carry its issuer and audience.
  auto minted = MintToken(key, {"svc", Role::kService});
  ASSERT_TRUE(minted.ok());
  EXPECT_TRUE(verifier.Verify(*minted).ok());
}

}  // namespace
}  // namespace rfs
