// The aggregate keys' one typed form (services/kpi/aggregate_key.h): every kind of row kept as
// the text the aggregates in Redis already hold, read back to the same row, and text that is
// not a row of the table refused rather than guessed at.
#include "services/kpi/aggregate_key.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rfs::kpi {
namespace {

// The text of a contribution, and that it reads back as the same row.
std::string RoundTrip(absl::string_view bucket, const Row& row) {
  const std::string text = FormatContribution(bucket, row);
  const std::optional<ContributionKey> back = ParseContribution(text);
  EXPECT_TRUE(back.has_value()) << text;
  if (!back.has_value()) return text;
  EXPECT_EQ(back->bucket, bucket);
  EXPECT_EQ(FormatContribution(back->bucket, back->row), text);
  EXPECT_EQ(back->row.kind, row.kind);
  return text;
}

TEST(AggregateKey, EveryKindOfContributionIsKeptAsTheTextTheAggregatesHold) {
  EXPECT_EQ(RoundTrip("2027", Row::Kgi("t", "CAPEX", "A", "KANTO", "*", "110001")),
            "2027|t|CAPEX|A|KANTO|*|110001");
  EXPECT_EQ(RoundTrip("now", Row::PlanCount("kpis_ach", "B", "KYUSHU", "AI_SEMICONDUCTOR",
                                            "400009")),
            "now|kpis_ach|B|KYUSHU|AI_SEMICONDUCTOR|400009");
  EXPECT_EQ(RoundTrip("now", Row::Status("OFF_TRACK", "C", "TOHOKU")),
            "now|ind|OFF_TRACK|C|TOHOKU");
  EXPECT_EQ(RoundTrip("now", Row::Pdca("PDCA_PHASE_CHECK", "A")), "now|pdca|PDCA_PHASE_CHECK|A");
  EXPECT_EQ(RoundTrip("2026", Row::Report("H2", "REPORT_STATE_LATE", "B", "CHUBU")),
            "2026|rep|H2|REPORT_STATE_LATE|B|CHUBU");
  EXPECT_EQ(RoundTrip("2026", Row::Due("H1", "A", "KINKI")), "2026|due|H1|A|KINKI");

  const std::optional<ContributionKey> kgi = ParseContribution("2027|v|TALENT|C|KANTO|*|130001");
  ASSERT_TRUE(kgi.has_value());
  EXPECT_EQ(kgi->row.metric, "v");
  EXPECT_EQ(kgi->row.kgi, "TALENT");
  EXPECT_EQ(kgi->row.type, "C");
  EXPECT_EQ(kgi->row.block, "KANTO");
  EXPECT_EQ(kgi->row.sfield, "*");
  EXPECT_EQ(kgi->row.area, "130001");
  EXPECT_TRUE(kgi->row.by_area());
}

TEST(AggregateKey, TextThatIsNotARowIsRefused) {
  for (const char* text : {"", "2027", "2027|", "2027|x|CAPEX|A|KANTO|*|110001",
                           "2027|t|CAPEX|A|KANTO|110001",        // a part missing
                           "2027|t|CAPEX|A|KANTO|*|110001|9",    // a part too many
                           "now|t|CAPEX|A|KANTO|*|110001",       // a year's row in "now"
                           "2027|plans|A|KANTO|*|110001",        // a "now" row in a year
                           "2027|ind|ON_TRACK|A|KANTO", "now|rep|H1|S|A|KANTO",
                           "|due|H1|A|KINKI"}) {
    EXPECT_FALSE(ParseContribution(text).has_value()) << text;
  }
}

// A cell's field is a by-area row without its strategic field (the bucket has it), and any
// other row as it is.
TEST(AggregateKey, CellFieldsAndBuckets) {
  Row cell = Row::Kgi("r", "CAPEX", "*", "KANTO", "", "tokyo");
  EXPECT_EQ(FormatCellField(cell), "r|CAPEX|*|KANTO|tokyo");
  std::optional<Row> back = ParseCellField("r|CAPEX|*|KANTO|tokyo");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->kind, RowKind::kKgi);
  EXPECT_EQ(back->area, "tokyo");
  EXPECT_TRUE(back->sfield.empty());
  back = ParseCellField("plans|A|*|other");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->kind, RowKind::kPlanCount);
  EXPECT_EQ(back->metric, "plans");
  back = ParseCellField("rep|H1|REPORT_STATE_MISSING|B|HOKURIKU");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->kind, RowKind::kReport);
  EXPECT_EQ(back->half, "H1");
  EXPECT_EQ(back->state, "REPORT_STATE_MISSING");
  EXPECT_FALSE(ParseCellField("r|CAPEX|*|KANTO|*|tokyo").has_value());  // a contribution's row

  EXPECT_EQ(FormatCellBucket({"2027", "", false}), "2027");
  EXPECT_EQ(FormatCellBucket({"now", "*", false}), "now:*");
  EXPECT_EQ(FormatCellBucket({"2027", "AI_SEMICONDUCTOR", true}), "2027:AI_SEMICONDUCTOR:pref");
  const std::optional<CellBucket> bucket = ParseCellBucket("2027:AI_SEMICONDUCTOR:pref");
  ASSERT_TRUE(bucket.has_value());
  EXPECT_EQ(bucket->base, "2027");
  EXPECT_EQ(bucket->sfield, "AI_SEMICONDUCTOR");
  EXPECT_TRUE(bucket->by_prefecture);
  for (const char* text : {"", ":*", "2027:", "2027:*:other", "2027:*:pref:x"}) {
    EXPECT_FALSE(ParseCellBucket(text).has_value()) << text;
  }
}

TEST(AggregateKey, ReportEntriesWithAndWithoutCounts) {
  ReportEntry entry;
  entry.state = 4;
  entry.block = "KANTO";
  entry.reported = 3;
  entry.indicators = 5;
  EXPECT_EQ(FormatReportEntry(entry), "4|KANTO|3|5");
  std::optional<ReportEntry> back = ParseReportEntry("4|KANTO|3|5");
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->counted);
  EXPECT_EQ(back->reported, 3);
  EXPECT_EQ(back->indicators, 5);
  back = ParseReportEntry("2|TOHOKU");  // kept before the counts
  ASSERT_TRUE(back.has_value());
  EXPECT_FALSE(back->counted);
  EXPECT_EQ(back->state, 2);
  EXPECT_EQ(back->block, "TOHOKU");
  for (const char* text : {"", "x|KANTO", "4|KANTO|3", "4"}) {
    EXPECT_FALSE(ParseReportEntry(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace rfs::kpi
