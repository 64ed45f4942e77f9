#include "common/domain/codes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "tests/support/process.h"

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

// Published codes (総務省「全国地方公共団体コード」), not the formula again: the 47 prefectures
// of the reference data (data/prefectures.csv) and designated cities and others across the
// country; the check digits wrapping around 11 occur among them (東京都 130001 ends in 1,
// 神戸市 281000 in 0).
TEST(LocalGovernmentCode, PublishedCodesHaveTheirCheckDigits) {
  std::ifstream in(testing::DataDir() + "/prefectures.csv");
  ASSERT_TRUE(in.good()) << testing::DataDir();
  std::string line;
  std::getline(in, line);  // header
  int prefectures = 0;
  while (std::getline(in, line)) {
    const std::vector<std::string> cells = absl::StrSplit(line, ',');
    ASSERT_GE(cells.size(), 2u) << line;
    const std::string& code = cells[1];
    EXPECT_EQ(LocalGovernmentCheckDigit(code.substr(0, 5)), code[5] - '0') << line;
    EXPECT_TRUE(IsPrefectureCode(code)) << line;
    ++prefectures;
  }
  EXPECT_EQ(prefectures, 47);
  for (const char* city : {"011002",    // 札幌市
                           "041009",    // 仙台市
                           "141003",    // 横浜市
                           "141305",    // 川崎市
                           "151009",    // 新潟市
                           "162019",    // 富山市
                           "162027",    // 高岡市
                           "172014",    // 金沢市
                           "231002",    // 名古屋市
                           "261009",    // 京都市
                           "271004",    // 大阪市
                           "281000",    // 神戸市
                           "401307",    // 福岡市
                           "131016"}) {  // 千代田区
    const std::string code = city;
    EXPECT_EQ(LocalGovernmentCheckDigit(code.substr(0, 5)), code[5] - '0') << code;
    EXPECT_TRUE(NormalizeLocalGovernmentCode(code, "f").ok()) << code;
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
