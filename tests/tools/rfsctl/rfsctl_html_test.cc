// The pages of `rfsctl kpi report` (tools/rfsctl/kpi_html.cc), rendered from answers made here:
// what people wrote is escaped, the page fetches and runs nothing, overdue reports stand out,
// the chart draws each value where it belongs. What a browser shows of a real suite's pages is
// tests/e2e/report_test.py.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/rfsctl/kpi_commands.h"

namespace rfs::rfsctl {
namespace {

namespace cv1 = common::v1;
namespace kv1 = kpi::v1;
namespace rv1 = registry::v1;

cv1::FiscalPeriod Period(int year, cv1::FiscalHalf half) {
  cv1::FiscalPeriod p;
  p.set_fiscal_year(year);
  p.set_half(half);
  return p;
}

rv1::Indicator Talent() {
  rv1::Indicator i;
  i.set_id("kgi-talent");
  i.set_kind(rv1::INDICATOR_KIND_MANDATORY_KGI);
  i.set_name("産業ニーズに即した人材育成数");
  i.set_unit(rv1::INDICATOR_UNIT_PERSONS);
  i.set_aggregation(rv1::AGGREGATION_CUMULATIVE);
  *i.mutable_baseline()->mutable_period() = Period(2025, cv1::FISCAL_HALF_UNSPECIFIED);
  i.mutable_baseline()->set_value(0);
  *i.mutable_target()->mutable_period() = Period(2027, cv1::FISCAL_HALF_UNSPECIFIED);
  i.mutable_target()->set_value(400);
  return i;
}

// Progress of the talent KGI at `period`: `reported` counted at `reported_at` (or no value).
kv1::PlanProgress ProgressAt(const cv1::FiscalPeriod& period, std::optional<int64_t> reported,
                             const cv1::FiscalPeriod& reported_at, kv1::ProgressStatus status,
                             int64_t expected) {
  kv1::PlanProgress p;
  p.set_plan("plans/B-00001");
  p.set_plan_version(3);
  *p.mutable_as_of() = period;
  kv1::IndicatorProgress* i = p.add_indicators();
  *i->mutable_indicator() = Talent();
  if (reported.has_value()) {
    i->mutable_reported()->set_value(*reported);
    *i->mutable_reported()->mutable_period() = reported_at;
  }
  i->mutable_reported()->set_status(status);
  i->mutable_verified()->set_status(kv1::PROGRESS_STATUS_NO_DATA);
  i->set_expected_now(expected);
  (*p.mutable_summary()->mutable_indicators_by_status())[kv1::ProgressStatus_Name(status)] = 1;
  return p;
}

PlanReportData SamplePlan() {
  PlanReportData d;
  d.plan = "plans/B-00001";
  d.title = "<script>alert('x')</script> & \"薬都\"";
  d.block = "HOKURIKU";
  d.generated = "2026-12-08 10:00 JST";
  const auto h1 = Period(2026, cv1::FISCAL_HALF_H1), h2 = Period(2026, cv1::FISCAL_HALF_H2);
  d.path.push_back(ProgressAt(Period(2025, cv1::FISCAL_HALF_H2), std::nullopt, {},
                              kv1::PROGRESS_STATUS_NO_DATA, 0));
  d.path.push_back(ProgressAt(h1, 80, h1, kv1::PROGRESS_STATUS_AT_RISK, 100));
  d.path.push_back(ProgressAt(h2, 230, h2, kv1::PROGRESS_STATUS_ON_TRACK, 200));
  d.progress = d.path.back();
  kv1::PdcaCycle cycle;
  cycle.set_phase(kv1::PDCA_PHASE_ACT);
  cycle.set_findings("<img src=x onerror=alert(1)> 下期の講座が定員割れ");
  kv1::ImprovementAction* a = cycle.add_actions();
  a->set_description("</table><a href=\"https://evil.example\">講座の拡充</a>");
  a->set_owner("労働政策課");
  a->set_due_date("2027-03-31");
  d.cycle = cycle;
  HalfYearReport missing;
  missing.period = h1;
  missing.deadline.set_seconds(1793458800);  // 2026-11-01 00:00 JST
  missing.report.set_plan(d.plan);
  missing.report.set_state(kv1::REPORT_STATE_MISSING);
  missing.report.set_indicators(1);
  d.reports.push_back(missing);
  return d;
}

// The value of attribute `name` of the element starting at `at` in `html`.
std::string Attribute(const std::string& html, size_t at, const std::string& name) {
  const size_t end = html.find('>', at);
  const size_t a = html.find(absl::StrCat(" ", name, "=\""), at);
  if (a == std::string::npos || a > end) return "";
  const size_t from = a + name.size() + 3;
  return html.substr(from, html.find('"', from) - from);
}

TEST(KpiHtml, WhatPeopleWroteIsEscapedAndThePageRunsAndFetchesNothing) {
  const std::string page = RenderPlanReportHtml(SamplePlan(), /*english=*/false);
  EXPECT_TRUE(absl::StartsWith(page, "<!DOCTYPE html>\n<html lang=\"ja\">")) << page.substr(0, 80);
  EXPECT_TRUE(absl::StrContains(
      page, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">"));
  EXPECT_FALSE(absl::StrContains(page, "<script")) << "a title became a script";
  EXPECT_FALSE(absl::StrContains(page, "<img")) << "the findings became an image";
  EXPECT_FALSE(absl::StrContains(page, "<a ")) << "an action became a link";
  EXPECT_TRUE(absl::StrContains(page, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
                                      "&quot;薬都&quot;"));
  EXPECT_TRUE(absl::StrContains(page, "&lt;img src=x onerror=alert(1)&gt; 下期の講座が定員割れ"));
  EXPECT_TRUE(absl::StrContains(page, "&lt;/table&gt;&lt;a href=&quot;https://evil.example"));
}

TEST(KpiHtml, JapaneseFirstWithEnglishBesideTheHeadings) {
  const std::string ja = RenderPlanReportHtml(SamplePlan(), /*english=*/false);
  EXPECT_TRUE(absl::StrContains(ja, "<h2>進捗の概要 <span class=\"en\" lang=\"en\">Summary</span>"));
  EXPECT_TRUE(absl::StrContains(ja, ">順調</span>"));
  EXPECT_TRUE(absl::StrContains(ja, "2026年度（令和8年度）下期"));
  const std::string en = RenderPlanReportHtml(SamplePlan(), /*english=*/true);
  EXPECT_TRUE(absl::StartsWith(en, "<!DOCTYPE html>\n<html lang=\"en\">"));
  EXPECT_TRUE(absl::StrContains(en, "<h2>Summary</h2>"));
  EXPECT_TRUE(absl::StrContains(en, ">ON TRACK</span>"));
  EXPECT_FALSE(absl::StrContains(en, "順調"));
}

TEST(KpiHtml, OverdueReportsStandOutAndThePhaseIsMarked) {
  const std::string page = RenderPlanReportHtml(SamplePlan(), /*english=*/false);
  EXPECT_TRUE(absl::StrContains(
      page, "<tr data-report-period=\"2026-H1\" data-state=\"MISSING\" class=\"overdue\">"))
      << page;
  EXPECT_TRUE(absl::StrContains(page, "<td class=\"overdue-word\">未報告（期限超過）</td>"));
  EXPECT_TRUE(absl::StrContains(page, "<td>2026-10-31</td>")) << "the last day to report";
  EXPECT_TRUE(absl::StrContains(page, "<li data-phase=\"ACT\" class=\"current\">"));
  EXPECT_TRUE(absl::StrContains(page, "<li data-phase=\"CHECK\">"));
}

TEST(KpiHtml, TheChartDrawsEachValueAtItsHalfYearHigherValuesHigher) {
  const std::string page = RenderPlanReportHtml(SamplePlan(), /*english=*/false);
  std::vector<double> cy;
  std::vector<std::string> periods;
  for (size_t at = page.find("<circle data-series=\"reported\""); at != std::string::npos;
       at = page.find("<circle data-series=\"reported\"", at + 1)) {
    double y = 0;
    ASSERT_TRUE(absl::SimpleAtod(Attribute(page, at, "cy"), &y));
    cy.push_back(y);
    periods.push_back(Attribute(page, at, "data-period"));
    EXPECT_EQ(Attribute(page, at, "fill"),
              periods.back() == "2026-H1" ? StatusHtmlColor(kv1::PROGRESS_STATUS_AT_RISK)
                                          : StatusHtmlColor(kv1::PROGRESS_STATUS_ON_TRACK));
  }
  ASSERT_EQ(periods, (std::vector<std::string>{"2026-H1", "2026-H2"})) << "no point without a value";
  EXPECT_LT(cy[1], cy[0]) << "230 persons drawn below 80";
  // The table: one row per half year after the baseline, exact values, "—" without one.
  EXPECT_TRUE(absl::StrContains(page, "<tr data-period=\"2026-H2\">"));
  EXPECT_TRUE(absl::StrContains(page, "<td class=\"num\" data-series=\"reported\">230</td>"));
  EXPECT_TRUE(absl::StrContains(page, "<td class=\"num\" data-series=\"verified\">—</td>"));
  EXPECT_FALSE(absl::StrContains(page, "<tr data-period=\"2025-H2\">")) << "the baseline's row";
  // The path: through the planned values of the three half years, dashed.
  EXPECT_TRUE(absl::StrContains(page, "<polyline data-series=\"expected\""));
  EXPECT_TRUE(absl::StrContains(page, "<b data-role=\"reported\">230人</b>"));
  EXPECT_TRUE(absl::StrContains(page, "<b data-role=\"target\">400人</b>"));
  // A baseline's and a target's period as the fiscal year they name; none while unset.
  EXPECT_TRUE(absl::StrContains(page, "目標値 2027年度（令和9年度）<br>")) << page;
  EXPECT_TRUE(absl::StrContains(page, "基準値 2025年度（令和7年度）<br>")) << page;
  PlanReportData unset = SamplePlan();
  unset.progress.mutable_indicators(0)->mutable_indicator()->mutable_baseline()->clear_period();
  EXPECT_TRUE(absl::StrContains(RenderPlanReportHtml(unset, false), "基準値 <br>"));
}

TEST(KpiHtml, BlockPageListsOverdueReportsAndSaysWhatItLeavesOut) {
  BlockReportData d;
  d.block = "HOKURIKU";
  d.generated = "2026-12-08 10:00 JST";
  *d.status.mutable_period() = Period(2026, cv1::FISCAL_HALF_H2);
  kv1::PlanReport* on_time = d.status.add_plans();
  on_time->set_plan("plans/B-00001");
  on_time->set_title("富山の薬");
  on_time->set_state(kv1::REPORT_STATE_NOT_YET_DUE);
  kv1::ReportingStatus earlier;
  *earlier.mutable_period() = Period(2026, cv1::FISCAL_HALF_H1);
  kv1::PlanReport* late = earlier.add_plans();
  late->set_plan("plans/C-00002");
  late->set_title("<b>九谷</b>");
  late->set_state(kv1::REPORT_STATE_INCOMPLETE);
  late->set_indicators(5);
  late->set_reported(2);
  d.earlier.push_back(earlier);
  BlockPlanRow row;
  row.report = *on_time;
  row.phase = kv1::PDCA_PHASE_DO;
  d.plans.push_back(row);
  d.plans_not_shown = 3;
  d.kgi.set_fiscal_year(2026);
  kv1::KgiTotal* capex = d.kgi.add_totals();
  capex->set_kgi(rv1::MANDATORY_KGI_CAPEX);
  capex->set_unit(rv1::INDICATOR_UNIT_YEN);
  capex->set_target(6'000'000'000);
  capex->set_reported(6'200'000'000);
  const std::string page = RenderBlockReportHtml(d, /*english=*/false);
  EXPECT_TRUE(absl::StrContains(page, "<tr class=\"overdue\" data-overdue=\"plans/C-00002\" "
                                      "data-report-period=\"2026-H1\" data-state=\"INCOMPLETE\">"))
      << page;
  EXPECT_TRUE(absl::StrContains(page, "&lt;b&gt;九谷&lt;/b&gt;"));
  EXPECT_TRUE(absl::StrContains(page, "2 / 5"));
  EXPECT_TRUE(absl::StrContains(page, "表示していない計画: 3件"));
  EXPECT_TRUE(absl::StrContains(page, "<li data-phase=\"DO\" data-count=\"1\">"));
  EXPECT_TRUE(absl::StrContains(page, "<td class=\"num\" data-role=\"target\">60億円</td>"));
  EXPECT_TRUE(absl::StrContains(page, "<td class=\"num\" data-role=\"reported\">62億円</td>"));
  EXPECT_TRUE(absl::StrContains(page, "官民設備投資額"));
  EXPECT_TRUE(absl::StrContains(page, "progress not readable") ||
              absl::StrContains(page, "進捗を読み取れません"))
      << "a plan whose progress could not be read says so";
  EXPECT_FALSE(absl::StrContains(page, "<script"));
}

}  // namespace
}  // namespace rfs::rfsctl
