#include "common/kit/api.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "rfs/common/v1/common.pb.h"

namespace rfs {
namespace {

TEST(PageToken, RoundTripsAndEmptyIsTheStart) {
  const uint64_t binding = StableHash("idx:all|A-|");
  const std::string token = EncodePageToken("plans", binding, 42);
  EXPECT_EQ(*DecodePageToken(token, "plans", binding), 42);
  EXPECT_EQ(*DecodePageToken("", "plans", binding), 0);
}

TEST(KeyPageToken, RoundTripsKeysWithSeparatorsAndRefusesForeignOnes) {
  const uint64_t binding = StableHash("plans/B-00001|||1");
  const std::string token = EncodeKeyPageToken("measurements", binding, "kgi-capex|2026-H2", 37);
  absl::StatusOr<KeyPosition> p = DecodeKeyPageToken(token, "measurements", binding);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->key, "kgi-capex|2026-H2");
  EXPECT_EQ(p->offset, 37);
  // A key may hold the separator.
  p = DecodeKeyPageToken(EncodeKeyPageToken("k", binding, "a:b:c", 0), "k", binding);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->key, "a:b:c");
  EXPECT_EQ(DecodeKeyPageToken("", "measurements", binding)->key, "");
  EXPECT_EQ(DecodeKeyPageToken(token, "reviews", binding).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeKeyPageToken(token, "measurements", StableHash("x")).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A position token is not a key token, nor the reverse.
  EXPECT_EQ(DecodeKeyPageToken(EncodePageToken("measurements", binding, 3), "measurements",
                               binding)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken(token, "measurements", binding).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PageToken, TamperedOrForeignTokensAreRefused) {
  const uint64_t binding = StableHash("filters");
  const std::string token = EncodePageToken("plans", binding, 7);
  // Another listing's token, other filters, garbage, an edited position, a huge position.
  EXPECT_EQ(DecodePageToken(token, "history", binding).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken(token, "plans", StableHash("other")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("!!not base64!!", "plans", binding).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  for (const std::string& edited : {raw + "x", raw.substr(0, raw.size() - 1) + "-1",
                                    raw.substr(0, raw.size() - 1) + "99999999999999"}) {
    EXPECT_EQ(DecodePageToken(absl::WebSafeBase64Escape(edited), "plans", binding).status().code(),
              absl::StatusCode::kInvalidArgument)
        << edited;
  }
  EXPECT_NE(std::string(DecodePageToken(token, "plans", StableHash("other")).status().message())
                .find("page_token"),
            std::string::npos);
}

TEST(PageSize, DefaultCapAndNegative) {
  EXPECT_EQ(*PageSize(0, 50, 500), 50);
  EXPECT_EQ(*PageSize(20, 50, 500), 20);
  EXPECT_EQ(*PageSize(10000, 50, 500), 500);
  EXPECT_EQ(PageSize(-1, 50, 500).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Etag, FormsOfAnEtag) {
  EXPECT_EQ(EtagOf(3), "v3");
  EXPECT_EQ(*ParseEtag("v3"), 3);
  const std::string padded = "v" + std::string(1 << 20, '0') + "2";  // would parse as 2
  for (const std::string& bad : {std::string(""), std::string("v"), std::string("3"),
                                 std::string("V3"), std::string("v3x"), std::string("w3"),
                                 std::string("v 3"), std::string("v+3"), padded}) {
    EXPECT_EQ(ParseEtag(bad).status().code(), absl::StatusCode::kInvalidArgument)
        << bad.substr(0, 10);
  }
}

TEST(RequestId, LettersDigitsAndSeparatorsUpTo128) {
  EXPECT_TRUE(ValidateRequestId("").ok());
  EXPECT_TRUE(ValidateRequestId("3f1c2a9e-0b7d-4a51-9c0e-5d7f8e2b6a10").ok());
  EXPECT_TRUE(ValidateRequestId(std::string(128, 'a')).ok());
  EXPECT_FALSE(ValidateRequestId(std::string(129, 'a')).ok());
  EXPECT_FALSE(ValidateRequestId("有効ではない").ok());
  EXPECT_FALSE(ValidateRequestId("a b").ok());
}

// A retry resends the same request; the same id with another request is told apart.
TEST(RequestFingerprint, SameContentSameFingerprintOtherContentOther) {
  common::v1::Event a;
  a.set_id("x");
  (*a.mutable_attributes())["one"] = "1";
  (*a.mutable_attributes())["two"] = "2";
  common::v1::Event b;
  b.set_id("x");
  (*b.mutable_attributes())["two"] = "2";  // map entries added in another order
  (*b.mutable_attributes())["one"] = "1";
  EXPECT_EQ(RequestFingerprint(a), RequestFingerprint(b));
  EXPECT_EQ(RequestFingerprint(a).size(), 32u);
  b.set_id("y");
  EXPECT_NE(RequestFingerprint(a), RequestFingerprint(b));
  EXPECT_NE(RequestFingerprint(common::v1::Event()), RequestFingerprint(a));
}

}  // namespace
}  // namespace rfs
