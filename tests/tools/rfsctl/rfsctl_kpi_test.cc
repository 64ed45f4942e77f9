// The pure pieces of `rfsctl kpi` (tools/rfsctl/kpi_commands.h): CSV in and out, the import
// file check that must find every bad line before anything is sent, breakdowns, half years,
// fixed-point values, progress bars and the reports. No server.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/digest.h"
#include "common/text.h"
#include "tools/rfsctl/kpi_commands.h"

namespace rfs::rfsctl {
namespace {

namespace kv1 = kpi::v1;
namespace rv1 = registry::v1;

size_t Count(absl::string_view text, absl::string_view piece) {
  size_t n = 0;
  for (size_t at = text.find(piece); at != absl::string_view::npos; at = text.find(piece, at + 1)) ++n;
  return n;
}

// ---- CSV ----

TEST(KpiCsv, FieldsAreQuotedOnlyWhenTheyNeedIt) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("富山県"), "富山県");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField(" padded"), "\" padded\"");
  EXPECT_EQ(CsvRow({"a", "b,c", ""}), "a,\"b,c\",\r\n");
}

TEST(KpiCsv, RowsRoundTrip) {
  const std::vector<std::string> fields = {"B-00001", "県統計課, 速報", "「引用」\"quoted\"", "",
                                           "line1\nline2", " x "};
  auto parsed = ParseCsvLine(CsvRow(fields));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, fields);
}

TEST(KpiCsv, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  const std::string text =
      "\xEF\xBB\xBF"  // Excel's BOM
      "a,b,c\r\n"
      "1,\"x, y\",\"he said \"\"no\"\"\"\r\n"
      "\r\n"  // a blank line
      "2,\"first\r\nsecond\",z\r\n"
      "3,,\n"
      "4,last,no newline at the end";
  std::vector<CsvRecord> records = ParseCsv(text);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"1", "x, y", "he said \"no\""}));
  EXPECT_EQ(records[1].line, 2);
  // Line 3 is blank; the record of line 4 spans lines 4 and 5 (CRLF inside quotes becomes LF).
  EXPECT_EQ(records[2].fields, (std::vector<std::string>{"2", "first\nsecond", "z"}));
  EXPECT_EQ(records[2].line, 4);
  EXPECT_EQ(records[3].fields, (std::vector<std::string>{"3", "", ""}));
  EXPECT_EQ(records[3].line, 6);
  EXPECT_EQ(records[4].fields, (std::vector<std::string>{"4", "last", "no newline at the end"}));
  EXPECT_EQ(records[4].line, 7);
  for (const auto& r : records) EXPECT_TRUE(r.error.empty()) << r.line << ": " << r.error;
}

TEST(KpiCsv, MalformedRecordsCarryAnErrorAndParsingResumesOnTheNextLine) {
  const std::string text =
      "ok,1\n"
      "bad\"quote,2\n"
      "\"closed\"junk,3\n"
      "ok,4\n"
      "\"never closed,5\n"
      "swallowed,6\n";
  std::vector<CsvRecord> records = ParseCsv(text);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_TRUE(records[0].error.empty());
  EXPECT_EQ(records[1].line, 2);
  EXPECT_TRUE(absl::StrContains(records[1].error, "quote inside an unquoted field")) << records[1].error;
  EXPECT_EQ(records[2].line, 3);
  EXPECT_TRUE(absl::StrContains(records[2].error, "after a closing quote")) << records[2].error;
  EXPECT_EQ(records[3].line, 4);
  EXPECT_EQ(records[3].fields, (std::vector<std::string>{"ok", "4"}));
  EXPECT_TRUE(records[3].error.empty());
  EXPECT_EQ(records[4].line, 5);
  EXPECT_TRUE(absl::StrContains(records[4].error, "not closed")) << records[4].error;

  EXPECT_FALSE(ParseCsvLine("a\"b").ok());
  EXPECT_FALSE(ParseCsvLine("a\nb").ok());  // two records
}

// ---- Breakdown, half years, integers ----

TEST(KpiParse, Breakdown) {
  auto parts = ParseBreakdown("160008=30,170003=70");
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].prefecture_code(), "160008");
  EXPECT_EQ((*parts)[0].value(), 30);
  EXPECT_EQ((*parts)[1].prefecture_code(), "170003");
  EXPECT_EQ((*parts)[1].value(), 70);
  EXPECT_TRUE(CheckBreakdownSum(*parts, 100).ok());

  auto semicolons = ParseBreakdown(" 160008 = 30 ; 170003=70 ");
  ASSERT_TRUE(semicolons.ok()) << semicolons.status();
  EXPECT_EQ(semicolons->size(), 2u);

  auto empty = ParseBreakdown("  ");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_TRUE(CheckBreakdownSum(*empty, 12345).ok());  // no breakdown: nothing to add up

  EXPECT_FALSE(ParseBreakdown("16000=30").ok());          // 5 digits
  EXPECT_FALSE(ParseBreakdown("160008:30").ok());         // no '='
  EXPECT_FALSE(ParseBreakdown("160008=3.5").ok());        // not an integer
  EXPECT_FALSE(ParseBreakdown("160008=30,160008=70").ok());  // twice
  EXPECT_FALSE(ParseBreakdown("160008=30,").ok());        // an empty part
  EXPECT_TRUE(absl::StrContains(ParseBreakdown("160008=30,160008=70").status().message(),
                                "160008 appears twice"));
}

TEST(KpiParse, BreakdownSumMismatch) {
  auto parts = ParseBreakdown("160008=30;170003=60");
  ASSERT_TRUE(parts.ok());
  absl::Status s = CheckBreakdownSum(*parts, 100);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "the parts add up to 90, not to the value 100");
}

TEST(KpiParse, HalfYears) {
  for (const char* text : {"2026-H2", "2026H2", "FY2026-H2", "fy2026 h2", " 2026-h2 "}) {
    auto p = ParseHalfYear(text);
    ASSERT_TRUE(p.has_value()) << text;
    EXPECT_EQ(p->fiscal_year(), 2026) << text;
    EXPECT_EQ(p->half(), common::v1::FISCAL_HALF_H2) << text;
  }
  auto h1 = ParseHalfYear("2027-H1");
  ASSERT_TRUE(h1.has_value());
  EXPECT_EQ(h1->half(), common::v1::FISCAL_HALF_H1);
  EXPECT_EQ(FormatHalfYear(*h1), "2027-H1");
  for (const char* text : {"2026", "2026-H3", "2026-", "26-H1", "1999-H1", "2101-H2", "H1-2026", ""}) {
    EXPECT_FALSE(ParseHalfYear(text).has_value()) << text;
  }
  EXPECT_EQ(ParseFiscalYearArg("FY2026"), 2026);
  EXPECT_EQ(ParseFiscalYearArg("2030"), 2030);
  EXPECT_FALSE(ParseFiscalYearArg("2026-H1").has_value());
}

TEST(KpiParse, IntegersAndPlanNames) {
  int64_t v = 0;
  EXPECT_TRUE(ParseFixedInteger(" 3200000000 ", &v));
  EXPECT_EQ(v, 3200000000);
  EXPECT_TRUE(ParseFixedInteger("-36", &v));
  EXPECT_EQ(v, -36);
  for (const char* text : {"", "3.6", "1,000", "1e3", "12a", "-", "99999999999999999999"}) {
    EXPECT_FALSE(ParseFixedInteger(text, &v)) << text;
  }
  EXPECT_EQ(NormalizePlanName("B-00001"), "plans/B-00001");
  EXPECT_EQ(NormalizePlanName("plans/B-00001"), "plans/B-00001");
  EXPECT_TRUE(IsPlanName("plans/C-00002"));
  EXPECT_FALSE(IsPlanName("plans/{toyama-b}"));
  EXPECT_FALSE(IsPlanName("plans/D-00001"));
}

TEST(KpiParse, StatusArguments) {
  kv1::ProgressStatus s;
  ASSERT_TRUE(ParseStatusArg("ON_TRACK", &s));
  EXPECT_EQ(s, kv1::PROGRESS_STATUS_ON_TRACK);
  ASSERT_TRUE(ParseStatusArg("at-risk", &s));
  EXPECT_EQ(s, kv1::PROGRESS_STATUS_AT_RISK);
  ASSERT_TRUE(ParseStatusArg("PROGRESS_STATUS_ACHIEVED", &s));
  EXPECT_EQ(s, kv1::PROGRESS_STATUS_ACHIEVED);
  ASSERT_TRUE(ParseStatusArg("遅れ", &s));
  EXPECT_EQ(s, kv1::PROGRESS_STATUS_OFF_TRACK);
  ASSERT_TRUE(ParseStatusArg("clear", &s));
  EXPECT_EQ(s, kv1::PROGRESS_STATUS_UNSPECIFIED);
  EXPECT_FALSE(ParseStatusArg("GREAT", &s));
  EXPECT_FALSE(ParseStatusArg("", &s));
}

// ---- Fixed point ----

TEST(KpiFormat, FixedPoint) {
  EXPECT_EQ(FormatFixedPoint(0, 0), "0");
  EXPECT_EQ(FormatFixedPoint(999, 0), "999");
  EXPECT_EQ(FormatFixedPoint(1000, 0), "1,000");
  EXPECT_EQ(FormatFixedPoint(1234567, 0), "1,234,567");
  EXPECT_EQ(FormatFixedPoint(-1234567, 0), "-1,234,567");
  EXPECT_EQ(FormatFixedPoint(0, 2), "0.00");
  EXPECT_EQ(FormatFixedPoint(123456, 2), "1,234.56");
  EXPECT_EQ(FormatFixedPoint(5, 2), "0.05");
  EXPECT_EQ(FormatFixedPoint(-5, 2), "-0.05");
  EXPECT_EQ(FormatFixedPoint(-100, 2), "-1.00");
  EXPECT_EQ(FormatFixedPoint(36, 1), "3.6");
  EXPECT_EQ(FormatFixedPoint(std::numeric_limits<int64_t>::min(), 0), "-9,223,372,036,854,775,808");
  EXPECT_EQ(FormatFixedPoint(std::numeric_limits<int64_t>::max(), 2), "92,233,720,368,547,758.07");
}

TEST(KpiFormat, IndicatorValuesCarryTheirUnit) {
  rv1::Indicator rate;
  rate.set_unit(rv1::INDICATOR_UNIT_PERCENT);
  rate.set_decimal_places(1);
  EXPECT_EQ(FormatIndicatorValue(36, rate, false), "3.6%");
  rv1::Indicator yen;
  yen.set_unit(rv1::INDICATOR_UNIT_YEN);
  EXPECT_EQ(FormatIndicatorValue(6200000000, yen, true), "6,200,000,000 yen");
  EXPECT_EQ(FormatIndicatorValue(6200000000, yen, false), "62億円");
  rv1::Indicator companies;
  companies.set_unit(rv1::INDICATOR_UNIT_COUNT);
  companies.set_unit_label("社");
  EXPECT_EQ(FormatIndicatorValue(14, companies, false), "14社");
  rv1::Indicator persons;
  persons.set_unit(rv1::INDICATOR_UNIT_PERSONS);
  EXPECT_EQ(FormatIndicatorValue(1200, persons, true), "1,200 persons");
  EXPECT_EQ(FormatIndicatorValue(1200, persons, false), "1,200人");
}

// ---- Bars ----

TEST(KpiBar, ShowsTheShareClampedToTheBar) {
  EXPECT_EQ(RenderBar(0.25, 8), "██░░░░░░");
  EXPECT_EQ(Count(RenderBar(0.0), "█"), 0u);
  EXPECT_EQ(Count(RenderBar(0.0), "░"), 20u);
  EXPECT_EQ(Count(RenderBar(0.5), "█"), 10u);
  EXPECT_EQ(Count(RenderBar(0.5), "░"), 10u);
  EXPECT_EQ(Count(RenderBar(1.0), "█"), 20u);
  EXPECT_EQ(Count(RenderBar(1.0), "░"), 0u);
  EXPECT_EQ(Count(RenderBar(1.7), "█"), 20u);   // over the target: a full bar, no more
  EXPECT_EQ(Count(RenderBar(-0.4), "░"), 20u);  // moved away: an empty bar
  EXPECT_EQ(Count(RenderBar(0.99), "█"), 19u);  // a full bar only when the target is reached
  EXPECT_EQ(DisplayWidth(RenderBar(0.3)), 20u);
  EXPECT_EQ(Count(RenderBar(0.5, 10), "█"), 5u);
}

TEST(KpiBar, ProgressFromBaselineTowardTarget) {
  EXPECT_DOUBLE_EQ(ProgressFraction(0, 200, 0, false), 0.0);
  EXPECT_DOUBLE_EQ(ProgressFraction(0, 200, 100, false), 0.5);
  EXPECT_DOUBLE_EQ(ProgressFraction(0, 200, 200, false), 1.0);
  EXPECT_DOUBLE_EQ(ProgressFraction(0, 200, 300, false), 1.5);
  EXPECT_DOUBLE_EQ(ProgressFraction(12, 25, 14, false), 2.0 / 13.0);
  // A decreasing indicator (e.g. a vacancy rate from 100 down to 60): moving down is progress.
  EXPECT_DOUBLE_EQ(ProgressFraction(100, 60, 80, true), 0.5);
  EXPECT_DOUBLE_EQ(ProgressFraction(100, 60, 60, true), 1.0);
  EXPECT_DOUBLE_EQ(ProgressFraction(100, 60, 50, true), 1.25);
  EXPECT_LT(ProgressFraction(100, 60, 110, true), 0.0);
  EXPECT_EQ(Count(RenderBar(ProgressFraction(100, 60, 80, true)), "█"), 10u);
  EXPECT_EQ(Count(RenderBar(ProgressFraction(100, 60, 110, true)), "█"), 0u);
  // A target equal to its baseline: met or not.
  EXPECT_DOUBLE_EQ(ProgressFraction(50, 50, 50, false), 1.0);
  EXPECT_DOUBLE_EQ(ProgressFraction(50, 50, 49, false), 0.0);
  EXPECT_DOUBLE_EQ(ProgressFraction(50, 50, 49, true), 1.0);
}

TEST(KpiBar, Counter) {
  EXPECT_EQ(RenderCounter(120, 300, 10), "[####......] 120/300");
  EXPECT_EQ(RenderCounter(0, 3, 10), "[..........] 0/3");
  EXPECT_EQ(RenderCounter(3, 3, 10), "[##########] 3/3");
  EXPECT_EQ(RenderCounter(9, 3, 10), "[##########] 3/3");
}

// ---- Import ----

constexpr const char* kHeader = "plan,indicator,period,value,breakdown,source,note,request_id\n";

TEST(KpiImport, GoodFileBecomesRequestsWithStableRequestIds) {
  const std::string text = absl::StrCat(
      kHeader,
      "B-00001,kgi-capex,2026-H1,3200000000,160008=3200000000,\"県統計課, 速報\",,\n",
      "plans/B-00001,kgi-own-wage-growth,FY2026-H2,36,,,\"賃上げ\n（架空）\",my-id-1\n",
      "C-00002,kpi-consultations,2026-H2,145,,,,\n");
  ImportBatch batch = ParseImportCsv(text);
  ASSERT_TRUE(batch.errors.empty()) << batch.errors[0];
  ASSERT_EQ(batch.lines.size(), 3u);
  const std::string digest = Sha256Hex(text).substr(0, 16);

  const auto& first = batch.lines[0];
  EXPECT_EQ(first.line, 2);
  EXPECT_EQ(first.request.plan(), "plans/B-00001");
  EXPECT_EQ(first.request.indicator_id(), "kgi-capex");
  EXPECT_EQ(first.request.period().fiscal_year(), 2026);
  EXPECT_EQ(first.request.period().half(), common::v1::FISCAL_HALF_H1);
  EXPECT_EQ(first.request.value(), 3200000000);
  ASSERT_EQ(first.request.breakdown_size(), 1);
  EXPECT_EQ(first.request.breakdown(0).prefecture_code(), "160008");
  EXPECT_EQ(first.request.source(), "県統計課, 速報");
  EXPECT_EQ(first.request.request_id(), absl::StrCat("import-", digest, "-2"));

  const auto& second = batch.lines[1];
  EXPECT_EQ(second.line, 3);
  EXPECT_EQ(second.request.note(), "賃上げ\n（架空）");
  EXPECT_EQ(second.request.request_id(), "my-id-1");
  // The note spans two physical lines: the next record starts on line 5.
  EXPECT_EQ(batch.lines[2].line, 5);
  EXPECT_EQ(batch.lines[2].request.request_id(), absl::StrCat("import-", digest, "-5"));

  // The same file gives the same ids; another file other ids.
  EXPECT_EQ(ParseImportCsv(text).lines[0].request.request_id(), first.request.request_id());
  EXPECT_NE(ParseImportCsv(text + "\n").lines[0].request.request_id(), first.request.request_id());
}

TEST(KpiImport, ColumnsInAnyOrderAndOptionalOnesLeftOut) {
  ImportBatch batch = ParseImportCsv("Value,Period,Indicator,Plan\r\n12,2026-H1,kpi-matching,B-00001\r\n");
  ASSERT_TRUE(batch.errors.empty()) << batch.errors[0];
  ASSERT_EQ(batch.lines.size(), 1u);
  EXPECT_EQ(batch.lines[0].request.value(), 12);
  EXPECT_EQ(batch.lines[0].request.indicator_id(), "kpi-matching");
}

TEST(KpiImport, EveryBadLineIsReportedWithItsNumberAndNothingIsKept) {
  const std::string text = absl::StrCat(
      kHeader,
      "B-00001,kgi-capex,2026-H1,100,,,,\n",                   // 2: fine
      "B-00001,kgi-capex,2026-H1,100,,,\n",                    // 3: 7 columns
      "B-00001,kgi-capex,2026-H3,100,,,,\n",                   // 4: period
      "B-00001,kgi-talent,2026-H2,12.5,,,,\n",                 // 5: value
      "B-00001,kgi-capex,2026-H2,100,160008=30;170003=60,,,\n",  // 6: breakdown sum
      "{toyama-b},kgi-capex,2026-H2,100,,,,\n",                // 7: placeholder left in
      "B-00001,kgi-capex,2026-H1,200,,,,\n",                   // 8: same as line 2
      "B-00001,KGI CAPEX,2026-H2,1,16000=1,,,bad id!\n",       // 9: several reasons
      "B-00001,kgi-capex,\"2026-H2\"x,1,,,,\n",                // 10: CSV error
      "C-00002,kpi-consultations,2026-H2,145,,,,\n");          // 11: fine
  ImportBatch batch = ParseImportCsv(text);
  EXPECT_TRUE(batch.lines.empty());
  ASSERT_EQ(batch.errors.size(), 8u) << absl::StrJoin(batch.errors, "\n");
  EXPECT_EQ(batch.errors[0], "line 3: 7 columns, the header has 8");
  EXPECT_TRUE(absl::StartsWith(batch.errors[1], "line 4: period '2026-H3'")) << batch.errors[1];
  EXPECT_TRUE(absl::StartsWith(batch.errors[2], "line 5: value '12.5' is not an integer"))
      << batch.errors[2];
  EXPECT_EQ(batch.errors[3], "line 6: breakdown: the parts add up to 90, not to the value 100");
  EXPECT_TRUE(absl::StartsWith(batch.errors[4], "line 7: plan '{toyama-b}'")) << batch.errors[4];
  EXPECT_EQ(batch.errors[5], "line 8: the same plan, indicator and period as line 2");
  EXPECT_TRUE(absl::StartsWith(batch.errors[6], "line 9: indicator 'KGI CAPEX'")) << batch.errors[6];
  EXPECT_TRUE(absl::StrContains(batch.errors[6], "; breakdown: ")) << batch.errors[6];
  EXPECT_TRUE(absl::StrContains(batch.errors[6], "; request_id 'bad id!'")) << batch.errors[6];
  EXPECT_TRUE(absl::StartsWith(batch.errors[7], "line 10: text after a closing quote"))
      << batch.errors[7];
}

TEST(KpiImport, HeaderProblems) {
  EXPECT_EQ(ParseImportCsv("").errors,
            (std::vector<std::string>{"line 1: the file is empty; it needs a header: "
                                      "plan,indicator,period,value,breakdown,source,note,request_id"}));
  ImportBatch missing = ParseImportCsv("plan,indicator,period,amount\nB-00001,kgi-capex,2026-H1,1\n");
  ASSERT_EQ(missing.errors.size(), 2u);
  EXPECT_TRUE(absl::StartsWith(missing.errors[0], "line 1: unknown column 'amount'")) << missing.errors[0];
  EXPECT_EQ(missing.errors[1], "line 1: the header has no value column");
  ImportBatch header_only = ParseImportCsv(kHeader);
  EXPECT_EQ(header_only.errors,
            (std::vector<std::string>{"line 1: no measurements after the header"}));
}

// ---- Reports ----

kv1::IndicatorProgress Indicator(const std::string& id, const std::string& name, int64_t target,
                                 std::optional<int64_t> actual, kv1::ProgressStatus status) {
  kv1::IndicatorProgress p;
  rv1::Indicator* ind = p.mutable_indicator();
  ind->set_id(id);
  ind->set_name(name);
  ind->set_unit(rv1::INDICATOR_UNIT_PERSONS);
  ind->mutable_baseline()->set_value(0);
  ind->mutable_baseline()->mutable_period()->set_fiscal_year(2025);
  ind->mutable_target()->set_value(target);
  ind->mutable_target()->mutable_period()->set_fiscal_year(2030);
  if (actual.has_value()) {
    p.mutable_reported()->set_value(*actual);
    p.mutable_reported()->mutable_period()->set_fiscal_year(2026);
    p.mutable_reported()->mutable_period()->set_half(common::v1::FISCAL_HALF_H2);
  }
  p.mutable_reported()->set_status(status);
  return p;
}

kv1::PlanProgress SampleProgress() {
  kv1::PlanProgress progress;
  progress.set_plan("plans/B-00001");
  progress.set_plan_version(3);
  progress.mutable_as_of()->set_fiscal_year(2026);
  progress.mutable_as_of()->set_half(common::v1::FISCAL_HALF_H2);
  *progress.add_indicators() =
      Indicator("kgi-talent", "人材育成数", 1200, 155, kv1::PROGRESS_STATUS_AT_RISK);
  *progress.add_indicators() =
      Indicator("kpi-old", "旧指標", 10, 10, kv1::PROGRESS_STATUS_ACHIEVED);
  progress.mutable_indicators(1)->set_removed(true);
  (*progress.mutable_summary()->mutable_indicators_by_status())["AT_RISK"] = 1;
  progress.mutable_summary()->set_kpis(2);
  return progress;
}

TEST(KpiReport, ProgressInJapaneseWithoutColour) {
  kv1::PlanProgress progress = SampleProgress();
  const std::string out = RenderProgressReport(progress, /*english=*/false, /*color=*/false);
  EXPECT_FALSE(absl::StrContains(out, "\x1b[")) << out;
  EXPECT_TRUE(absl::StrContains(out, "要注意")) << out;
  EXPECT_TRUE(absl::StrContains(out, "旧指標（削除済み）")) << out;
  EXPECT_TRUE(absl::StrContains(out, "155人 (FY2026 H2)")) << out;
  EXPECT_TRUE(absl::StrContains(out, "集計: 要注意 1")) << out;
  EXPECT_TRUE(absl::StrContains(out, "KPI達成: なし")) << out;
  EXPECT_FALSE(absl::StrContains(out, "確認者の判断")) << out;  // no override set
  // 155 of 1,200 from 0: 12.9% → 2 cells of 20.
  std::vector<std::string> lines = absl::StrSplit(out, '\n');
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(Count(lines[2], "█"), 2u) << lines[2];
  EXPECT_TRUE(absl::StrContains(lines[2], "13%")) << lines[2];
}

TEST(KpiReport, ProgressInEnglishWithColourAndOverride) {
  kv1::PlanProgress progress = SampleProgress();
  auto* o = progress.mutable_indicators(0)->mutable_override();
  o->set_status(kv1::PROGRESS_STATUS_ON_TRACK);
  o->set_reason("late statistics");
  const std::string out = RenderProgressReport(progress, /*english=*/true, /*color=*/true);
  EXPECT_TRUE(absl::StrContains(out, "\x1b[33mAT RISK\x1b[0m")) << out;
  EXPECT_TRUE(absl::StrContains(out, "REVIEWER'S STATUS")) << out;
  EXPECT_TRUE(absl::StrContains(out, "ON TRACK: late statistics")) << out;
  EXPECT_TRUE(absl::StrContains(out, "(removed)")) << out;
  EXPECT_TRUE(absl::StrContains(out, "summary: AT RISK 1 | KPIs achieved 0 of 2")) << out;
}

kv1::AggregateKgiResponse SampleNational() {
  kv1::AggregateKgiResponse r;
  r.set_fiscal_year(2026);
  auto add = [&](rv1::MandatoryKgi kgi, rv1::IndicatorUnit unit, int64_t target, int64_t reported) {
    kv1::KgiTotal* t = r.add_totals();
    t->set_kgi(kgi);
    t->set_unit(unit);
    t->set_target(target);
    t->set_reported(reported);
    t->set_verified(reported / 2);
  };
  add(rv1::MANDATORY_KGI_CAPEX, rv1::INDICATOR_UNIT_YEN, 6000000000, 6200000000);
  add(rv1::MANDATORY_KGI_VALUE_ADDED, rv1::INDICATOR_UNIT_YEN, 2166666667, 2270000000);
  add(rv1::MANDATORY_KGI_TALENT, rv1::INDICATOR_UNIT_PERSONS, 200, 155);
  r.set_plans(2);
  r.set_plans_with_kpi_achieved(1);
  r.set_plans_with_kpi_achieved_ratio(0.5);
  r.set_kpis(4);
  r.set_kpis_achieved(1);
  r.set_kpis_achieved_ratio(0.25);
  return r;
}

TEST(KpiReport, NationalCsvWithAndWithoutBom) {
  const kv1::AggregateKgiResponse r = SampleNational();
  const std::string plain = NationalCsv(r, /*english=*/false, /*bom=*/false);
  const std::string bom = NationalCsv(r, /*english=*/false, /*bom=*/true);
  EXPECT_FALSE(absl::StartsWith(plain, "\xEF\xBB\xBF"));
  ASSERT_TRUE(absl::StartsWith(bom, "\xEF\xBB\xBF"));
  EXPECT_EQ(bom.substr(3), plain);
  std::vector<std::string> lines = absl::StrSplit(plain, "\r\n");
  ASSERT_EQ(lines.size(), 5u);  // header, 3 KGIs, "" after the last CRLF
  EXPECT_EQ(lines[0],
            "fiscal_year,kgi,kgi_name,unit,target,reported,verified,plans,plans_with_kpi_achieved,"
            "plans_with_kpi_achieved_ratio,kpis,kpis_achieved,kpis_achieved_ratio");
  EXPECT_EQ(lines[1], "2026,CAPEX,官民設備投資額,YEN,6000000000,6200000000,3100000000,2,1,0.5000,4,1,0.2500");
  EXPECT_EQ(lines[3], "2026,TALENT,産業ニーズに即した人材育成数,PERSONS,200,155,77,2,1,0.5000,4,1,0.2500");
  EXPECT_TRUE(lines[4].empty());
  // English names; every row keeps the header's 13 columns.
  const std::string en = NationalCsv(r, /*english=*/true, /*bom=*/false);
  EXPECT_TRUE(absl::StrContains(en, ",CAPEX,Capital expenditure (public and private),YEN,")) << en;
  for (const auto& record : ParseCsv(en)) EXPECT_EQ(record.fields.size(), 13u);
}

TEST(KpiReport, NationalTable) {
  kv1::AggregateKgiRequest req;
  req.set_fiscal_year(2026);
  req.set_block("HOKURIKU");
  const std::string out = RenderNationalReport(req, SampleNational(), /*english=*/false);
  EXPECT_TRUE(absl::StrContains(out, "2026年度 必須KGIの全国集計（ブロック HOKURIKU、東京圏を除く）")) << out;
  EXPECT_TRUE(absl::StrContains(out, "6,200,000,000")) << out;
  EXPECT_TRUE(absl::StrContains(out, "KPIを達成した計画: 1（50.0%）")) << out;
  EXPECT_TRUE(absl::StrContains(out, "103.3%")) << out;  // CAPEX reported / target
}

TEST(KpiReport, TableLinesUpWideCharactersAndColours) {
  TextTable t({"ID", "名前", "N"});
  t.AlignRight(2);
  t.Add({"a", "順調", "5"}, {"", "32", ""});
  t.Add({"bb", "x", "123"});
  const std::string out = t.Render();
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "ID  名前    N");
  EXPECT_EQ(lines[1], "a   \x1b[32m順調\x1b[0m    5");
  EXPECT_EQ(lines[2], "bb  x     123");
}

}  // namespace
}  // namespace rfs::rfsctl
