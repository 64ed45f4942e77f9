#include "common/domain/codes.h"

#include <gtest/gtest.h>

namespace rfs {
namespace {

TEST(LocalGovernmentCode, CheckDigitsOfDomainExamples) {
  EXPECT_EQ(LocalGovernmentCheckDigit("01000"), 6);  // Hokkaido 010006
  EXPECT_EQ(LocalGovernmentCheckDigit("13000"), 1);  // Tokyo 130001
  EXPECT_EQ(LocalGovernmentCheckDigit("16000"), 8);  // Toyama 160008
  EXPECT_EQ(LocalGovernmentCheckDigit("23100"), 2);  // Nagoya 231002
}

TEST(LocalGovernmentCode, SixDigitsWithRightCheckDigitAreKept) {
  EXPECT_EQ(*NormalizeLocalGovernmentCode("231002", "f"), "231002");
  EXPECT_EQ(*NormalizeLocalGovernmentCode("010006", "f"), "010006");
}

TEST(LocalGovernmentCode, FiveDigitsGetTheirCheckDigit) {
  EXPECT_EQ(*NormalizeLocalGovernmentCode("23100", "f"), "231002");
  EXPECT_EQ(*NormalizeLocalGovernmentCode("13000", "f"), "130001");
}

TEST(LocalGovernmentCode, WrongCheckDigitIsRefusedAndNamesFieldAndFix) {
  auto r = NormalizeLocalGovernmentCode("231003", "authors[0].local_government_code");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("authors[0].local_government_code"), std::string::npos);
  EXPECT_NE(r.status().message().find("check digit"), std::string::npos);
  EXPECT_NE(r.status().message().find("231002"), std::string::npos);
}

TEST(LocalGovernmentCode, MalformedCodesAreRefused) {
  for (const char* bad : {"", "1234", "1234567", "16000a", "480001", "000000", "１６０００８"}) {
    EXPECT_FALSE(NormalizeLocalGovernmentCode(bad, "f").ok()) << bad;
  }
}

TEST(LocalGovernmentCode, CheckDigitWrapsAroundEleven) {
  // Weighted sums ≡ 0 and ≡ 1 (mod 11) give check digits 1 and 0.
  for (int body = 1000; body < 48000; ++body) {
    char buf[6];
    std::snprintf(buf, sizeof buf, "%05d", body);
    int sum = 0;
    const int w[5] = {6, 5, 4, 3, 2};
    for (int i = 0; i < 5; ++i) sum += (buf[i] - '0') * w[i];
    EXPECT_EQ(LocalGovernmentCheckDigit(buf), (11 - sum % 11) % 10);
    EXPECT_GE(LocalGovernmentCheckDigit(buf), 0);
    EXPECT_LE(LocalGovernmentCheckDigit(buf), 9);
  }
}

TEST(LocalGovernmentCode, PrefectureOfMunicipality) {
  EXPECT_TRUE(IsPrefectureCode("160008"));
  EXPECT_FALSE(IsPrefectureCode("162019"));
  EXPECT_EQ(PrefectureOf("162019"), "160008");
  EXPECT_EQ(PrefectureOf("231002"), "230006");
  EXPECT_EQ(PrefectureOf("160008"), "160008");
}

TEST(CorporateNumber, DomainExampleIsValid) {
  EXPECT_EQ(CorporateNumberCheckDigit("180301018771"), 1);
  EXPECT_TRUE(ValidateCorporateNumber("1180301018771", "f").ok());
}

TEST(CorporateNumber, WrongCheckDigitIsRefused) {
  auto s = ValidateCorporateNumber("2180301018771", "core_investments[0].corporate_number");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("core_investments[0].corporate_number"), std::string::npos);
  EXPECT_NE(s.message().find("should be 1"), std::string::npos);
}

TEST(CorporateNumber, MalformedIsRefused) {
  for (const char* bad : {"", "118030101877", "11803010187711", "118030101877x"}) {
    EXPECT_FALSE(ValidateCorporateNumber(bad, "f").ok()) << bad;
  }
}

}  // namespace
}  // namespace rfs
