#include <gtest/gtest.h>

#include <limits>

#include "common/domain/money.h"

namespace rfs {
namespace {

TEST(Money, ValidateYen) {
  EXPECT_TRUE(ValidateYen(0, "amount_yen").ok());
  EXPECT_TRUE(ValidateYen(24'000'000'000, "amount_yen").ok());
  auto s = ValidateYen(-1, "core_investments[0].amount_yen");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("negative"), std::string::npos);
  EXPECT_FALSE(ValidateYen(kMaxYen + 1, "amount_yen").ok());
}

TEST(Money, FormatForPeople) {
  EXPECT_EQ(FormatYenJa(24'000'000'000), "240億円");
  EXPECT_EQ(FormatYenJa(440'000'000), "4.4億円");
  EXPECT_EQ(FormatYenJa(5'500'000'000), "55億円");
  EXPECT_EQ(FormatYenJa(123'000'000), "1.23億円");
  EXPECT_EQ(FormatYenJa(50'000'000), "5,000万円");
  EXPECT_EQ(FormatYenJa(1234), "1,234円");
  EXPECT_EQ(FormatThousands(-1234567), "-1,234,567");
}

TEST(Money, FormatForEnglishReaders) {
  EXPECT_EQ(FormatYenEn(24'000'000'000), "¥24 billion");
  EXPECT_EQ(FormatYenEn(6'250'000'000), "¥6.25 billion");
  EXPECT_EQ(FormatYenEn(440'000'000), "¥440 million");
  EXPECT_EQ(FormatYenEn(1'259'999), "¥1.25 million");  // truncated, never rounded up
  EXPECT_EQ(FormatYenEn(50'000), "¥50,000");
  EXPECT_EQ(FormatYenEn(-3'000'000), "-¥3 million");
  EXPECT_EQ(FormatYenEn(std::numeric_limits<int64_t>::min()), "-¥9,223,372,036.85 billion");
}

}  // namespace
}  // namespace rfs
