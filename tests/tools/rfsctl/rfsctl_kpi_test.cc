// The pure pieces of `rfsctl kpi` (tools/rfsctl/kpi_commands.h): CSV in and out, the import
// file check that must find every bad line before anything is sent, breakdowns, half years,
// fixed-point values, progress bars and the reports. No server.
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/base/digest.h"
#include "common/base/text.h"
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
  // One money format per language: the scale each language's readers use, never full yen in
  // one and 億円 in the other.
  EXPECT_EQ(FormatIndicatorValue(6200000000, yen, true), "¥6.2 billion");
  EXPECT_EQ(FormatIndicatorValue(6200000000, yen, false), "62億円");
  rv1::Indicator wage;
  wage.set_unit(rv1::INDICATOR_UNIT_YEN_PER_WORKER);
  EXPECT_EQ(FormatIndicatorValue(5200000, wage, true), "¥5,200,000 per worker");
  rv1::Indicator companies;
  companies.set_unit(rv1::INDICATOR_UNIT_COUNT);
  companies.set_unit_label("社");
  EXPECT_EQ(FormatIndicatorValue(14, companies, false), "14社");
  // English output carries no Japanese counters.
  EXPECT_EQ(FormatIndicatorValue(14, companies, true), "14 companies");
  rv1::Indicator cases;
  cases.set_unit(rv1::INDICATOR_UNIT_COUNT);
  cases.set_unit_label("件");
  EXPECT_EQ(FormatIndicatorValue(21, cases, true), "21 cases");
  EXPECT_EQ(FormatIndicatorValue(21, cases, false), "21件");
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

  // The same file under the default --lang ja: every message in Japanese, with the line.
  ImportBatch ja = ParseImportCsv(text, /*english=*/false);
  ASSERT_EQ(ja.errors.size(), 8u) << absl::StrJoin(ja.errors, "\n");
  EXPECT_EQ(ja.errors[0], "3行目: 列の数が 7 です（見出し行は 8）");
  EXPECT_EQ(ja.errors[3], "6行目: breakdown: 内訳の合計 90 が値 100 と一致しません");
  EXPECT_EQ(ja.errors[5], "8行目: 2行目と同じ計画・指標・期間です");
  EXPECT_TRUE(absl::StartsWith(ja.errors[7], "10行目: 閉じ引用符の後に文字があります"))
      << ja.errors[7];
  for (const std::string& error : ja.errors) {
    // No English sentence left: the only Latin words are column names and quoted input.
    for (const char* english : {" is not ", " the ", "line ", " appears "}) {
      EXPECT_FALSE(absl::StrContains(error, english)) << error;
    }
  }
  EXPECT_EQ(ParseImportCsv(kHeader, /*english=*/false).errors,
            (std::vector<std::string>{"1行目: 見出し行の後に実績値がありません"}));
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
  const std::string out =
      RenderProgressReport(progress, /*english=*/false, /*color=*/false, /*wide=*/true);
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
  const std::string out =
      RenderProgressReport(progress, /*english=*/true, /*color=*/true, /*wide=*/true);
  EXPECT_TRUE(absl::StrContains(out, "\x1b[33mAT RISK\x1b[0m")) << out;
  EXPECT_TRUE(absl::StrContains(out, "REVIEWER'S STATUS")) << out;
  EXPECT_TRUE(absl::StrContains(out, "ON TRACK: late statistics")) << out;
  EXPECT_TRUE(absl::StrContains(out, "(removed)")) << out;
  EXPECT_TRUE(absl::StrContains(out, "summary: AT RISK 1\nKPIs achieved 0 of 2")) << out;
}

// A clerk's terminal is 100 columns: the default table fits it however long the names and
// values, with the reviewer's status in place of the computed one; --wide shows the rest.
TEST(KpiReport, ProgressFitsOneHundredColumnsUnlessWide) {
  kv1::PlanProgress progress = SampleProgress();
  *progress.add_indicators() = Indicator(
      "kpi-very-long-indicator-id-of-a-plan",
      "地域の中核企業と連携した高度専門人材の育成及び定着に関する指標（長い名称）",
      9'000'000'000'000'000, 8'999'999'999'999'999, kv1::PROGRESS_STATUS_DETERIORATING);
  progress.mutable_indicators(0)->mutable_override()->set_status(kv1::PROGRESS_STATUS_ON_TRACK);
  progress.mutable_indicators(0)->mutable_override()->set_reason("統計の公表が遅れたため");
  auto* summary = progress.mutable_summary()->mutable_indicators_by_status();
  for (const char* s : {"ACHIEVED", "ON_TRACK", "OFF_TRACK", "DETERIORATING", "NO_DATA",
                        "TARGET_UNSET"}) {
    (*summary)[s] = 1000;
  }
  for (bool en : {false, true}) {
    const std::string out = RenderProgressReport(progress, en, /*color=*/false);
    for (absl::string_view line : absl::StrSplit(out, '\n')) {
      EXPECT_LE(DisplayWidth(line), 100u) << line;
    }
    // The reviewer's status stands in the row, marked, and its reason waits for --wide.
    EXPECT_TRUE(absl::StrContains(out, en ? "ON TRACK*" : "順調*")) << out;
    EXPECT_FALSE(absl::StrContains(out, "統計の公表が遅れたため")) << out;
    EXPECT_TRUE(absl::StrContains(out, "--wide")) << out;
    const std::string wide = RenderProgressReport(progress, en, /*color=*/false, /*wide=*/true);
    EXPECT_TRUE(absl::StrContains(wide, "統計の公表が遅れたため")) << wide;
    size_t widest = 0;
    for (absl::string_view line : absl::StrSplit(wide, '\n')) {
      widest = std::max(widest, DisplayWidth(line));
    }
    EXPECT_GT(widest, 100u) << wide;
  }
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
  // The plan and KPI shares are of the current half year, not of the fiscal year asked.
  EXPECT_TRUE(absl::StrContains(out, "現時点（今の半期）の計画数")) << out;
  EXPECT_TRUE(absl::StrContains(RenderNationalReport(req, SampleNational(), /*english=*/true),
                                "now (the current half year), plans:"));
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

// ---- Reporting status ----

TEST(KpiReporting, StateWordsInBothLanguages) {
  const std::tuple<kv1::ReportState, const char*, const char*> words[] = {
      {kv1::REPORT_STATE_ON_TIME, "期限内に報告済", "ON TIME"},
      {kv1::REPORT_STATE_LATE, "期限後に報告", "LATE"},
      {kv1::REPORT_STATE_INCOMPLETE, "一部未報告（期限超過）", "INCOMPLETE"},
      {kv1::REPORT_STATE_MISSING, "未報告（期限超過）", "MISSING"},
      {kv1::REPORT_STATE_NOT_YET_DUE, "未報告（期限前）", "NOT YET DUE"},
      {kv1::REPORT_STATE_UNSPECIFIED, "-", "-"},
      {static_cast<kv1::ReportState>(99), "-", "-"}};
  for (const auto& [state, ja, en] : words) {
    EXPECT_EQ(ReportStateWord(state, /*english=*/false), ja) << state;
    EXPECT_EQ(ReportStateWord(state, /*english=*/true), en) << state;
  }
}

// The line of `text` that starts with `prefix` ("" when none).
std::string LineStartingWith(const std::string& text, absl::string_view prefix) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, prefix)) return std::string(line);
  }
  return "";
}

kv1::ReportingStatus SampleReporting() {
  kv1::ReportingStatus r;
  r.mutable_period()->set_fiscal_year(2026);
  r.mutable_period()->set_half(common::v1::FISCAL_HALF_H2);
  r.mutable_deadline()->set_seconds(1809097200);       // 2027-05-01 00:00 JST: due 2027-04-30
  r.mutable_compute_time()->set_seconds(1809129600);   // 2027-05-01 09:00 JST
  r.set_expected(3);
  r.set_on_time(1);
  r.set_late(1);
  r.set_missing(1);
  auto add = [&](const char* plan, kv1::ReportState state, int reported) {
    kv1::PlanReport* p = r.add_plans();
    p->set_plan(plan);
    p->set_plan_type(rv1::PLAN_TYPE_B);
    p->set_block("HOKURIKU");
    p->set_state(state);
    p->set_indicators(5);
    p->set_reported(reported);
    p->set_title(absl::StrCat("北陸ものづくり計画 ", plan));
  };
  add("plans/B-00001", kv1::REPORT_STATE_ON_TIME, 5);
  add("plans/B-00002", kv1::REPORT_STATE_LATE, 5);
  return r;
}

TEST(KpiReporting, JapaneseReportWithFiltersCountsAndPlans) {
  kv1::GetReportingStatusRequest req;
  req.set_plan_type(rv1::PLAN_TYPE_B);
  req.set_block("HOKURIKU");
  const std::string out = RenderReportingStatus(req, SampleReporting(), /*english=*/false);
  EXPECT_TRUE(absl::StartsWith(out,
                               "2026年度（令和8年度）下期の報告状況 · 期限 2027-04-30 · 集計 "
                               "2027-05-01 09:00 · 類型 B、ブロック HOKURIKU\n"))
      << out;
  EXPECT_TRUE(absl::StrContains(out,
                                "対象 3 · 期限内に報告済 1 · 期限後に報告 1 · 一部未報告（期限超過） 0 · "
                                "未報告（期限超過） 1 · 未報告（期限前） 0\n"))
      << out;
  EXPECT_TRUE(absl::StrContains(LineStartingWith(out, "計画"), "状況")) << out;
  const std::string row = LineStartingWith(out, "plans/B-00001");
  EXPECT_TRUE(absl::StrContains(row, "HOKURIKU")) << out;
  EXPECT_TRUE(absl::StrContains(row, "期限内に報告済")) << out;
  EXPECT_TRUE(absl::StrContains(row, "5件中 5件")) << out;
  EXPECT_TRUE(absl::StrContains(row, "北陸ものづくり計画")) << out;  // the title, cut to fit
  EXPECT_TRUE(absl::StrContains(LineStartingWith(out, "plans/B-00002"), "期限後に報告")) << out;
  EXPECT_TRUE(absl::StrContains(out, "（3件中、閲覧できる 2件を表示）")) << out;
}

TEST(KpiReporting, EnglishReportAndAHalfYearNotScannedYet) {
  const std::string out =
      RenderReportingStatus(kv1::GetReportingStatusRequest(), SampleReporting(), /*english=*/true);
  EXPECT_TRUE(absl::StartsWith(
      out, "FY2026 H2 reports · deadline 2027-04-30 (JST) · as of 2027-05-01 09:00\n"))
      << out;
  EXPECT_TRUE(absl::StrContains(
      out, "expected 3 · on time 1 · late 1 · incomplete 0 · missing 1 · not yet due 0\n"))
      << out;
  EXPECT_TRUE(absl::StrContains(LineStartingWith(out, "PLAN"), "STATE")) << out;
  EXPECT_TRUE(absl::StrContains(LineStartingWith(out, "plans/B-00002"), "LATE")) << out;
  EXPECT_TRUE(absl::StrContains(LineStartingWith(out, "plans/B-00002"), "5 of 5")) << out;
  EXPECT_TRUE(absl::StrContains(out, "(2 of 3 plans listed: those you may read)")) << out;

  kv1::ReportingStatus empty = SampleReporting();
  empty.clear_compute_time();
  empty.clear_plans();
  empty.set_expected(0);
  const std::string none =
      RenderReportingStatus(kv1::GetReportingStatusRequest(), empty, /*english=*/true);
  EXPECT_TRUE(absl::StrContains(none, "as of not computed yet")) << none;
  EXPECT_TRUE(absl::StrContains(none, "(no plans to show)")) << none;
  EXPECT_FALSE(absl::StrContains(none, "PLAN")) << none;
  const std::string none_ja =
      RenderReportingStatus(kv1::GetReportingStatusRequest(), empty, /*english=*/false);
  EXPECT_TRUE(absl::StrContains(none_ja, "集計 未集計")) << none_ja;
  EXPECT_TRUE(absl::StrContains(none_ja, "（表示できる計画はありません）")) << none_ja;
}

// ---- PDCA ----

TEST(KpiPdca, PhaseArguments) {
  const std::pair<const char*, kv1::PdcaPhase> good[] = {
      {"DO", kv1::PDCA_PHASE_DO},        {"do", kv1::PDCA_PHASE_DO},
      {" Check ", kv1::PDCA_PHASE_CHECK}, {"PDCA_PHASE_CHECK", kv1::PDCA_PHASE_CHECK},
      {"act", kv1::PDCA_PHASE_ACT},      {"実行", kv1::PDCA_PHASE_DO},
      {"評価", kv1::PDCA_PHASE_CHECK},    {"改善", kv1::PDCA_PHASE_ACT}};
  for (const auto& [text, phase] : good) {
    const std::optional<kv1::PdcaPhase> parsed = ParsePdcaPhaseArg(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, phase) << text;
  }
  // PLAN is where a cycle starts: never a phase to move to.
  for (const char* text : {"PLAN", "plan", "計画", "", "DONE", "PDCA_PHASE_", "UNSPECIFIED",
                           "PDCA_PHASE_UNSPECIFIED", "C", "check it"}) {
    EXPECT_FALSE(ParsePdcaPhaseArg(text).has_value()) << text;
  }
}

TEST(KpiPdca, PhaseWords) {
  EXPECT_EQ(PdcaPhaseWord(kv1::PDCA_PHASE_CHECK, true), "CHECK");
  EXPECT_EQ(PdcaPhaseWord(kv1::PDCA_PHASE_CHECK, false), "CHECK（評価）");
  EXPECT_EQ(PdcaPhaseWord(kv1::PDCA_PHASE_PLAN, false), "PLAN（計画）");
  EXPECT_EQ(PdcaPhaseWord(kv1::PDCA_PHASE_DO, false), "DO（実行）");
  EXPECT_EQ(PdcaPhaseWord(kv1::PDCA_PHASE_ACT, true), "ACT");
  EXPECT_EQ(PdcaPhaseWord(kv1::PDCA_PHASE_UNSPECIFIED, true), "-");
}

TEST(KpiPdca, ActionsFromRepeatedFlagsAndSeparators) {
  auto actions = ParseImprovementActions(
      {" 研修の拡充 | 県労働政策課 | 2027-06-30 ;; 企業訪問|産業政策課|2027-09-30;;",
       "Site visits|Industry division|2028-02-29"});
  ASSERT_TRUE(actions.ok()) << actions.status();
  ASSERT_EQ(actions->size(), 3u);
  EXPECT_EQ((*actions)[0].description(), "研修の拡充");
  EXPECT_EQ((*actions)[0].owner(), "県労働政策課");
  EXPECT_EQ((*actions)[0].due_date(), "2027-06-30");
  EXPECT_EQ((*actions)[1].description(), "企業訪問");
  EXPECT_EQ((*actions)[1].due_date(), "2027-09-30");
  EXPECT_EQ((*actions)[2].owner(), "Industry division");
  EXPECT_EQ((*actions)[2].due_date(), "2028-02-29");  // a leap day

  for (const std::vector<std::string>& none :
       {std::vector<std::string>{}, std::vector<std::string>{" ;; ", ""}}) {
    auto parsed = ParseImprovementActions(none);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_TRUE(parsed->empty());
  }
  // Lengths count characters, not bytes.
  const std::string long_ja = absl::StrJoin(std::vector<std::string>(2000, "改"), "");
  EXPECT_TRUE(ParseImprovementActions({long_ja + "|担当|2027-03-31"}).ok());
}

TEST(KpiPdca, BadActionsSayWhichAndWhy) {
  auto message = [](const std::vector<std::string>& values) {
    auto parsed = ParseImprovementActions(values);
    EXPECT_FALSE(parsed.ok()) << absl::StrJoin(values, " / ");
    return parsed.ok() ? std::string() : std::string(parsed.status().message());
  };
  EXPECT_EQ(message({"a|b|2027-01-01;;only two|parts"}),
            "action 2 'only two|parts': write it as description|owner|YYYY-MM-DD (3 parts "
            "separated by '|', not 2)");
  EXPECT_TRUE(
      absl::StrContains(message({"a|b|c|2027-01-01"}), "(3 parts separated by '|', not 4)"));
  EXPECT_EQ(message({"a|b|2027-01-01", " |b|2027-01-01"}),
            "action 2 '|b|2027-01-01': the description is empty");
  EXPECT_EQ(message({"a| |2027-01-01"}),
            "action 1 'a| |2027-01-01': the owner (a department or body) is empty");
  EXPECT_EQ(message({"a|b|2027/03/31"}),
            "action 1 'a|b|2027/03/31': the due date '2027/03/31' is not a day like 2027-03-31");
  for (const char* date :
       {"2027-02-30", "2027-3-31", "2027-13-01", "", "tomorrow", "2027-03-31T00"}) {
    EXPECT_TRUE(absl::StrContains(message({absl::StrCat("a|b|", date)}), "is not a day like"))
        << date;
  }
  EXPECT_TRUE(absl::StrContains(message({std::string(2001, 'x') + "|b|2027-01-01"}),
                                "the description is longer than 2,000 characters"));
  EXPECT_TRUE(absl::StrContains(message({"a|" + std::string(201, 'y') + "|2027-01-01"}),
                                "the owner is longer than 200 characters"));
  // A long action is quoted in part only.
  EXPECT_TRUE(absl::StrContains(message({std::string(2001, 'x') + "|b|2027-01-01"}), "…("));

  std::vector<std::string> fifty(50, "a|b|2027-01-01");
  EXPECT_TRUE(ParseImprovementActions(fifty).ok());
  fifty.push_back("a|b|2027-01-01");
  EXPECT_EQ(message(fifty), "more than 50 actions (at most 50)");
}

TEST(KpiPdca, RepeatedFlagValuesInOrder) {
  const std::vector<std::string> args = {
      "pdca", "advance", "B-00001", "2026-H2", "ACT", "--action=a|b|2027-01-01", "-action",
      "c|d|2027-02-01", "--actions=not this", "--action_other", "nor this", "--comment", "ok",
      "-action=e|f|2027-03-01", "--", "--action=after the end of the flags"};
  EXPECT_EQ(RepeatedFlagValues(args, "action"),
            (std::vector<std::string>{"a|b|2027-01-01", "c|d|2027-02-01", "e|f|2027-03-01"}));
  EXPECT_EQ(RepeatedFlagValues(args, "comment"), std::vector<std::string>{"ok"});
  EXPECT_TRUE(RepeatedFlagValues({"pdca", "show", "--action"}, "action").empty());  // no value
  EXPECT_EQ(RepeatedFlagValues({"--action="}, "action"), std::vector<std::string>{""});
}

kv1::PdcaCycle SampleCycle() {
  kv1::PdcaCycle cycle;
  cycle.set_name("plans/B-00001/pdca/2026-H2");
  cycle.set_plan("plans/B-00001");
  cycle.mutable_period()->set_fiscal_year(2026);
  cycle.mutable_period()->set_half(common::v1::FISCAL_HALF_H2);
  cycle.set_phase(kv1::PDCA_PHASE_ACT);
  cycle.set_etag("v3");
  auto transition = [&](kv1::PdcaPhase from, kv1::PdcaPhase to, const char* who, int64_t seconds,
                  const char* comment) {
    kv1::PdcaTransition* t = cycle.add_transitions();
    t->set_from_phase(from);
    t->set_to_phase(to);
    t->set_actor(who);
    t->mutable_time()->set_seconds(seconds);
    t->set_comment(comment);
  };
  // 2026-10-01 09:30, 2027-05-10 14:15 and 2027-05-20 17:00 JST.
  transition(kv1::PDCA_PHASE_PLAN, kv1::PDCA_PHASE_DO, "alice", 1790814600, "始めます");
  transition(kv1::PDCA_PHASE_DO, kv1::PDCA_PHASE_CHECK, "bob", 1809926100, "");
  transition(kv1::PDCA_PHASE_CHECK, kv1::PDCA_PHASE_ACT, "bob", 1810800000, "見直し");
  cycle.set_findings("人材育成が遅れている\n設備投資は順調");
  kv1::IndicatorCheck* talent = cycle.add_checks();
  talent->set_indicator_id("kgi-talent");
  talent->set_status(kv1::PROGRESS_STATUS_AT_RISK);
  talent->set_actual(155);
  talent->set_expected(300);
  talent->set_override_status(kv1::PROGRESS_STATUS_ON_TRACK);
  kv1::IndicatorCheck* other = cycle.add_checks();
  other->set_indicator_id("kpi-unknown");
  other->set_status(kv1::PROGRESS_STATUS_NO_DATA);
  other->set_expected(1234);
  for (const auto& [what, who, due] : {std::tuple<const char*, const char*, const char*>{
                                           "研修の拡充", "県労働政策課", "2027-06-30"},
                                       {"企業訪問", "産業政策課", "2027-09-30"}}) {
    kv1::ImprovementAction* a = cycle.add_actions();
    a->set_description(what);
    a->set_owner(who);
    a->set_due_date(due);
  }
  cycle.set_revision_requested(true);
  cycle.set_revision_plan_version(5);
  return cycle;
}

std::map<std::string, rv1::Indicator> SampleIndicators() {
  rv1::Indicator talent;
  talent.set_id("kgi-talent");
  talent.set_name("人材育成数");
  talent.set_unit(rv1::INDICATOR_UNIT_PERSONS);
  return {{"kgi-talent", talent}};
}

TEST(KpiPdca, CycleInJapanese) {
  const std::string out = RenderPdcaCycle(SampleCycle(), SampleIndicators(), /*english=*/false);
  EXPECT_TRUE(absl::StartsWith(out, "plans/B-00001/pdca/2026-H2 · 2026年度（令和8年度）下期 · "
                                    "段階 ACT（改善）（etag v3）\n"))
      << out;
  const std::string first = LineStartingWith(out, "2026-10-01 09:30");
  EXPECT_TRUE(absl::StrContains(first, "alice")) << out;
  EXPECT_TRUE(absl::StrContains(first, "PLAN → DO")) << out;
  EXPECT_TRUE(absl::StrContains(first, "始めます")) << out;
  EXPECT_TRUE(absl::StrContains(LineStartingWith(out, "2027-05-20 17:00"), "CHECK → ACT")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\n所見\n  人材育成が遅れている\n  設備投資は順調\n")) << out;
  EXPECT_TRUE(absl::StrContains(out, "確認者の判断")) << out;
  const std::string talent = LineStartingWith(out, "kgi-talent");
  for (const char* piece : {"人材育成数", "要注意", "155人", "300人", "順調"}) {
    EXPECT_TRUE(absl::StrContains(talent, piece)) << piece << "\n" << out;
  }
  const std::string other = LineStartingWith(out, "kpi-unknown");
  EXPECT_TRUE(absl::StrContains(other, "データなし")) << out;
  EXPECT_TRUE(absl::StrContains(other, "—")) << out;      // no actual
  EXPECT_TRUE(absl::StrContains(other, "1,234")) << out;  // no unit known: the plain integer
  EXPECT_TRUE(absl::StrContains(out, "\n改善策\n")) << out;
  const std::string action = LineStartingWith(out, "1  研修の拡充");
  EXPECT_TRUE(absl::StrContains(action, "県労働政策課")) << out;
  EXPECT_TRUE(absl::StrContains(action, "2027-06-30")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\n計画の見直し依頼: あり（計画 第5版で見直し中）\n")) << out;
}

TEST(KpiPdca, CycleInEnglishAndANewCycle) {
  const std::string out = RenderPdcaCycle(SampleCycle(), SampleIndicators(), /*english=*/true);
  EXPECT_TRUE(
      absl::StartsWith(out, "plans/B-00001/pdca/2026-H2 · FY2026 H2 · phase ACT (etag v3)\n"))
      << out;
  EXPECT_TRUE(absl::StrContains(out, "\nTransitions\n")) << out;
  EXPECT_TRUE(absl::StrContains(LineStartingWith(out, "2027-05-10 14:15"), "DO → CHECK")) << out;
  EXPECT_TRUE(absl::StrContains(out, "REVIEWER'S STATUS")) << out;
  const std::string talent = LineStartingWith(out, "kgi-talent");
  for (const char* piece : {"AT RISK", "155 persons", "300 persons", "ON TRACK"}) {
    EXPECT_TRUE(absl::StrContains(talent, piece)) << piece << "\n" << out;
  }
  EXPECT_TRUE(absl::StrContains(out, "\nrevision requested: yes (plan version 5, REVISING)\n"))
      << out;

  // Without the indicators (the plan's progress could not be read): plain integers.
  const std::string bare = RenderPdcaCycle(SampleCycle(), {}, /*english=*/true);
  EXPECT_TRUE(absl::StrContains(LineStartingWith(bare, "kgi-talent"), "155")) << bare;
  EXPECT_FALSE(absl::StrContains(bare, "persons")) << bare;

  // A cycle no one has moved yet: its phase, and the command that moves it on.
  kv1::PdcaCycle fresh;
  fresh.set_name("plans/B-00001/pdca/2027-H1");
  fresh.set_plan("plans/B-00001");
  fresh.mutable_period()->set_fiscal_year(2027);
  fresh.mutable_period()->set_half(common::v1::FISCAL_HALF_H1);
  fresh.set_phase(kv1::PDCA_PHASE_PLAN);
  fresh.set_etag("v0");
  EXPECT_EQ(RenderPdcaCycle(fresh, {}, /*english=*/true),
            "plans/B-00001/pdca/2027-H1 · FY2027 H1 · phase PLAN (etag v0)\n\n"
            "next: rfsctl pdca advance B-00001 2027-H1 DO\n\n"
            "revision requested: no\n");
  EXPECT_EQ(RenderPdcaCycle(fresh, {}, /*english=*/false),
            "plans/B-00001/pdca/2027-H1 · 2027年度（令和9年度）上期 · 段階 PLAN（計画）（etag v0）\n\n"
            "次の段階へ: rfsctl pdca advance B-00001 2027-H1 DO\n\n"
            "計画の見直し依頼: なし\n");
}

}  // namespace
}  // namespace rfs::rfsctl
