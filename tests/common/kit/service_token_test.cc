// ServiceToken: minted with an HS256 key (role `service`, verifiable like any token), or read
// from a token file that is followed when it is rotated, keeping the last good token while the
// file cannot be read; no way to get a token is an error at start.
//
// The token file is looked at once a second (kFileRecheck in common/kit/service_token.cc) and read
// again when it changed.
#include "common/kit/service_token.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/domain/reference_data.h"
#include "common/kit/auth.h"
#include "common/kit/config.h"
#include "tests/support/process.h"

namespace rfs {
namespace {

using absl::StatusCode;

// How often ServiceToken looks at its file (common/kit/service_token.cc).
constexpr absl::Duration kFileRecheck = absl::Seconds(1);
// Far longer than a recheck: it only bounds a failing test.
constexpr absl::Duration kRotationPatience = absl::Seconds(20);

// Writes `content` to `path` as a rotation would (a new file renamed over the old one) and
// gives it the modification time `mtime`.
void WriteFile(const std::string& path, const std::string& content, absl::Time mtime) {
  const std::string tmp = path + ".new";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << content;
    ASSERT_TRUE(out.good()) << tmp;
  }
  const timespec ts = absl::ToTimespec(mtime);
  const timespec times[2] = {ts, ts};
  ASSERT_EQ(utimensat(AT_FDCWD, tmp.c_str(), times, 0), 0) << tmp;
  ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0) << path;
}

class ServiceTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ref = ReferenceData::Load(testing::DataDir());
    ASSERT_TRUE(ref.ok()) << ref.status();
    reference_ = std::move(*ref);
    std::ofstream(dir_.File("auth.key")) << kSecret << "\n";
    config_.service_name = "rfs-registry";
  }

  ServerConfig HmacConfig() const {
    ServerConfig c = config_;
    c.auth_key_file = dir_.File("auth.key");
    return c;
  }
  ServerConfig FileConfig() const {
    ServerConfig c = config_;
    c.service_token_file = dir_.File("service.token");
    return c;
  }

  const std::string kSecret = std::string(48, 's');
  testing::TempDir dir_;
  std::unique_ptr<ReferenceData> reference_;
  ServerConfig config_;
};

TEST_F(ServiceTokenTest, MintsAServiceTokenWithTheHs256Key) {
  ServerConfig config = HmacConfig();
  config.auth_issuer = "https://idp.example.go.jp";
  config.auth_audience = "rfs";
  auto token = ServiceToken::Create(config);
  ASSERT_TRUE(token.ok()) << token.status();
  const std::string jwt = (*token)->Get();
  ASSERT_FALSE(jwt.empty());
  EXPECT_EQ((*token)->Get(), jwt) << "minted again on every call";

  VerificationKey key{VerificationKey::Algorithm::kHs256, kSecret};
  key.issuer = config.auth_issuer;
  key.audience = config.auth_audience;
  TokenVerifier verifier(key, reference_.get());
  auto principal = verifier.Verify(jwt);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->subject, "rfs-registry");
  EXPECT_EQ(principal->role, Role::kService);
  EXPECT_STREQ(RoleName(principal->role), "service");
  // Minted for an hour (renewed at half of that): well in the future, not beyond an hour.
  EXPECT_GT(principal->expires, absl::Now() + absl::Minutes(30));
  EXPECT_LE(principal->expires, absl::Now() + absl::Hours(1) + absl::Minutes(1));

  // Signed with that key: another secret does not verify it.
  VerificationKey other{VerificationKey::Algorithm::kHs256, std::string(48, 'o')};
  other.issuer = key.issuer;
  other.audience = key.audience;
  EXPECT_EQ(TokenVerifier(other, reference_.get()).Verify(jwt).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(ServiceTokenTest, ReadsTheTokenFile) {
  WriteFile(dir_.File("service.token"), "  token-from-file\n", absl::Now());
  auto token = ServiceToken::Create(FileConfig());
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ((*token)->Get(), "token-from-file");  // surrounding whitespace trimmed
}

TEST_F(ServiceTokenTest, TheTokenFileWinsOverTheKey) {
  WriteFile(dir_.File("service.token"), "token-from-file\n", absl::Now());
  ServerConfig config = FileConfig();
  config.auth_key_file = dir_.File("auth.key");
  auto token = ServiceToken::Create(config);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ((*token)->Get(), "token-from-file");
}

// A rotated secret (the file replaced, with a new modification time) is picked up without a
// restart.
TEST_F(ServiceTokenTest, FollowsTheTokenFileWhenItIsRotated) {
  const std::string path = dir_.File("service.token");
  WriteFile(path, "token-A\n", absl::Now() - absl::Hours(1));
  auto token = ServiceToken::Create(FileConfig());
  ASSERT_TRUE(token.ok()) << token.status();
  ASSERT_EQ((*token)->Get(), "token-A");

  WriteFile(path, "token-B\n", absl::Now());
  std::string seen;
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        seen = (*token)->Get();
        return seen == "token-B";
      },
      kRotationPatience))
      << "still " << seen << " after " << kRotationPatience;
}

// While the file cannot be read (removed mid-rotation), Get() goes on returning the last good
// token; once a token is back it is used.
TEST_F(ServiceTokenTest, KeepsTheLastGoodTokenWhileTheFileCannotBeRead) {
  const std::string path = dir_.File("service.token");
  WriteFile(path, "token-A\n", absl::Now() - absl::Hours(1));
  auto token = ServiceToken::Create(FileConfig());
  const absl::Time created = absl::Now();
  ASSERT_TRUE(token.ok()) << token.status();
  ASSERT_EQ((*token)->Get(), "token-A");

  ASSERT_EQ(std::remove(path.c_str()), 0);
  // Past the recheck, so Get() tries (and fails) to read the file again.
  absl::SleepFor(created + 2 * kFileRecheck - absl::Now());
  EXPECT_EQ((*token)->Get(), "token-A");
  EXPECT_EQ((*token)->Get(), "token-A");

  // An empty file (a half-written secret) is no token either.
  WriteFile(path, "\n", absl::Now());
  absl::SleepFor(2 * kFileRecheck);  // past the next look at the file
  EXPECT_EQ((*token)->Get(), "token-A");

  WriteFile(path, "token-C\n", absl::Now() + absl::Seconds(1));
  std::string seen;
  EXPECT_TRUE(testing::WaitFor(
      [&] {
        seen = (*token)->Get();
        return seen == "token-C";
      },
      kRotationPatience))
      << "still " << seen << ": the file is not read again after a failed read";
}

TEST_F(ServiceTokenTest, CreateFailsWithoutATokenFileOrAnHs256Key) {
  // Neither a file nor a key.
  auto none = ServiceToken::Create(config_);
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument) << none.status();

  // An RS256 public key cannot mint: a token file is required.
  const std::string priv = dir_.File("priv.pem"), pub = dir_.File("pub.pem");
  ASSERT_EQ(std::system(("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " +
                         priv + " 2>/dev/null && openssl pkey -in " + priv + " -pubout -out " +
                         pub + " 2>/dev/null")
                            .c_str()),
            0);
  ServerConfig rs256 = config_;
  rs256.auth_key_file = pub;
  rs256.auth_issuer = "https://idp.example.go.jp";
  rs256.auth_audience = "rfs";
  ASSERT_TRUE(LoadAuthKey(rs256).ok()) << LoadAuthKey(rs256).status();
  auto minted = ServiceToken::Create(rs256);
  EXPECT_EQ(minted.status().code(), StatusCode::kInvalidArgument) << minted.status();
  EXPECT_TRUE(absl::StrContains(minted.status().message(), "--service_token_file"))
      << minted.status();

  // A token file that is missing or holds no token.
  auto missing = ServiceToken::Create(FileConfig());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument) << missing.status();
  WriteFile(dir_.File("service.token"), " \n", absl::Now());
  auto empty = ServiceToken::Create(FileConfig());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument) << empty.status();
  // With the file given, the HS256 key is not a fallback for a file without a token.
  ServerConfig both = FileConfig();
  both.auth_key_file = dir_.File("auth.key");
  EXPECT_FALSE(ServiceToken::Create(both).ok());
}

}  // namespace
}  // namespace rfs
