#include "common/domain/fiscal.h"

#include <gtest/gtest.h>

namespace rfs {
namespace {

using common::v1::FiscalPeriod;

absl::Time Jst(int y, int m, int d, int hh = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, 0, 0), JapanTimeZone());
}

FiscalPeriod P(int fy, common::v1::FiscalHalf half = common::v1::FISCAL_HALF_UNSPECIFIED) {
  FiscalPeriod p;
  p.set_fiscal_year(fy);
  p.set_half(half);
  return p;
}

TEST(FiscalYear, Fy2026RunsAprilToMarch) {
  EXPECT_EQ(FiscalPeriodOf(Jst(2026, 4, 1)).fiscal_year(), 2026);
  EXPECT_EQ(FiscalPeriodOf(Jst(2027, 3, 31, 23)).fiscal_year(), 2026);
  EXPECT_EQ(FiscalPeriodOf(Jst(2026, 3, 31, 23)).fiscal_year(), 2025);
}

TEST(FiscalYear, HalvesAreAprilSeptemberAndOctoberMarch) {
  EXPECT_EQ(FiscalPeriodOf(Jst(2026, 9, 30, 23)).half(), common::v1::FISCAL_HALF_H1);
  EXPECT_EQ(FiscalPeriodOf(Jst(2026, 10, 1)).half(), common::v1::FISCAL_HALF_H2);
  EXPECT_EQ(FiscalPeriodOf(Jst(2027, 2, 1)).half(), common::v1::FISCAL_HALF_H2);
}

TEST(FiscalYear, BoundaryIsMidnightJapanTimeNotUtc) {
  // 2026-03-31T16:00Z is 2026-04-01T01:00+09:00: already FY2026.
  absl::Time t = absl::FromCivil(absl::CivilSecond(2026, 3, 31, 16, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(FiscalPeriodOf(t).fiscal_year(), 2026);
}

TEST(FiscalYear, PeriodStartAndEnd) {
  EXPECT_EQ(PeriodStart(P(2026)), Jst(2026, 4, 1));
  EXPECT_EQ(PeriodEnd(P(2026)), Jst(2027, 4, 1));
  EXPECT_EQ(PeriodEnd(P(2026, common::v1::FISCAL_HALF_H1)), Jst(2026, 10, 1));
  EXPECT_EQ(PeriodStart(P(2026, common::v1::FISCAL_HALF_H2)), Jst(2026, 10, 1));
}

TEST(FiscalYear, OrderByStart) {
  EXPECT_LT(ComparePeriodStart(P(2025), P(2026)), 0);
  EXPECT_EQ(ComparePeriodStart(P(2026), P(2026, common::v1::FISCAL_HALF_H1)), 0);
  EXPECT_GT(ComparePeriodStart(P(2026, common::v1::FISCAL_HALF_H2), P(2026)), 0);
}

TEST(FiscalYear, Validation) {
  EXPECT_TRUE(ValidateFiscalPeriod(P(2026), "p").ok());
  EXPECT_EQ(ValidateFiscalPeriod(P(8), "target.period").code(),
            absl::StatusCode::kInvalidArgument);  // an era year typed as Gregorian
  EXPECT_NE(ValidateFiscalPeriod(P(8), "target.period").message().find("target.period"),
            std::string::npos);
  EXPECT_FALSE(ValidateFiscalPeriod(P(2101), "p").ok());
}

TEST(FiscalYear, Formatting) {
  EXPECT_EQ(FormatPeriod(P(2026, common::v1::FISCAL_HALF_H1)), "FY2026 H1");
  EXPECT_EQ(FormatPeriod(P(2030)), "FY2030");
  EXPECT_EQ(FormatPeriodJa(P(2026, common::v1::FISCAL_HALF_H2)), "2026年度（令和8年度）下期");
  EXPECT_EQ(FormatPeriodJa(P(2019)), "2019年度（令和元年度）");
}

}  // namespace
}  // namespace rfs
