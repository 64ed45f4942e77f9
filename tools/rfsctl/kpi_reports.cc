// The reports of `rfsctl kpi` and `rfsctl pdca` (kpi_commands.h): progress, national KGIs and
// their CSV, reporting status, the PDCA cycle.
#include "tools/rfsctl/kpi_commands.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/base/text.h"
#include "common/domain/fiscal.h"
#include "common/domain/money.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/kpi_cli.h"

namespace rfs::rfsctl {

namespace kv1 = kpi::v1;
namespace rv1 = registry::v1;

// ---- Reports ----

std::string KgiName(rv1::MandatoryKgi kgi, bool english) {
  switch (kgi) {
    case rv1::MANDATORY_KGI_CAPEX:
      return english ? "Capital expenditure (public and private)" : "官民設備投資額";
    case rv1::MANDATORY_KGI_VALUE_ADDED:
      return english ? "Increase in value added" : "付加価値増加額";
    case rv1::MANDATORY_KGI_TALENT:
      return english ? "Talent trained for industry needs" : "産業ニーズに即した人材育成数";
    default:
      return std::string(absl::StripPrefix(rv1::MandatoryKgi_Name(kgi), "MANDATORY_KGI_"));
  }
}

namespace {

std::string KgiId(rv1::MandatoryKgi kgi) {
  return std::string(absl::StripPrefix(rv1::MandatoryKgi_Name(kgi), "MANDATORY_KGI_"));
}

std::string UnitWord(rv1::IndicatorUnit unit, bool english) {
  switch (unit) {
    case rv1::INDICATOR_UNIT_YEN:
      return english ? "yen" : "円";
    case rv1::INDICATOR_UNIT_PERSONS:
      return english ? "persons" : "人";
    default:
      return std::string(absl::StripPrefix(rv1::IndicatorUnit_Name(unit), "INDICATOR_UNIT_"));
  }
}

std::string Percent(double ratio) { return absl::StrFormat("%.1f%%", 100.0 * ratio); }

std::string PlanTypeLetter(rv1::PlanType type) {
  return std::string(absl::StripPrefix(rv1::PlanType_Name(type), "PLAN_TYPE_"));
}

// "type B", "block HOKURIKU" (or 類型 B, ブロック HOKURIKU): the filters set of a request.
std::vector<std::string> TypeAndBlockFilters(rv1::PlanType type, const std::string& block,
                                             bool english) {
  std::vector<std::string> filters;
  if (type != rv1::PLAN_TYPE_UNSPECIFIED) {
    filters.push_back(absl::StrCat(english ? "type " : "類型 ", PlanTypeLetter(type)));
  }
  if (!block.empty()) filters.push_back(absl::StrCat(english ? "block " : "ブロック ", block));
  return filters;
}

}  // namespace

// Shared with kpi_commands.cc (declared in kpi_cli.h).

// The day a report is due, "2026-10-31" (JST), from its deadline (the first instant after it).
std::string DueDate(const google::protobuf::Timestamp& deadline) {
  return absl::FormatTime("%Y-%m-%d",
                          absl::FromUnixSeconds(deadline.seconds()) - absl::Seconds(1),
                          JapanTimeZone());
}

// A value of the indicator `id` with its unit when `indicators` has it, else the plain integer.
std::string ValueText(const std::map<std::string, rv1::Indicator>& indicators,
                      const std::string& id, int64_t value, bool english) {
  auto it = indicators.find(id);
  return it == indicators.end() ? FormatThousands(value)
                                : FormatIndicatorValue(value, it->second, english);
}

namespace {

// "3.6% (FY2026 H2)": a value of `indicator` and the half year it belongs to.
std::string ValueOfPeriod(int64_t value, const common::v1::FiscalPeriod& period,
                          const rv1::Indicator& indicator, bool english) {
  return absl::StrCat(FormatIndicatorValue(value, indicator, english), " (", FormatPeriod(period),
                      ")");
}

// "██░░░░░░░░  13%": the share of the way from baseline to target reported, `width` cells;
// empty without a reported value or a target.
std::string ProgressBar(const kv1::IndicatorProgress& p, int width) {
  const rv1::Indicator& ind = p.indicator();
  if (!p.reported().has_value() || !ind.target().has_value()) return "";
  const double f = ProgressFraction(ind.baseline().value(), ind.target().value(),
                                    p.reported().value(), ind.direction() == rv1::DIRECTION_DECREASE);
  const double shown = std::isfinite(f) ? std::clamp(f * 100.0, -999.0, 999.0) : 0.0;
  return absl::StrFormat("%s %4d%%", RenderBar(f, width), static_cast<int>(std::lround(shown)));
}

}  // namespace

namespace {

// The progress table as wide as it needs: every value with its half year, what is expected now,
// the verified value and the reviewer's status with its reason.
TextTable WideProgressTable(const kv1::PlanProgress& progress, bool en, bool color) {
  bool any_override = false;
  for (const auto& p : progress.indicators()) {
    any_override |= p.override().status() != kv1::PROGRESS_STATUS_UNSPECIFIED;
  }
  std::vector<std::string> header =
      Header(en, {"ID", "INDICATOR", "STATUS", "PROGRESS", "ACTUAL", "EXPECTED NOW", "TARGET",
                  "VERIFIED"},
             {"ID", "指標", "状況", "進捗", "実績（報告）", "現時点の想定", "目標",
              "実績（確認済）"});
  if (any_override) header.push_back(en ? "REVIEWER'S STATUS" : "確認者の判断");
  TextTable table(std::move(header), 40);
  table.SetMaxWidth(1, 36);
  table.SetMaxWidth(8, 60);
  for (size_t c : {4, 5, 6, 7}) table.AlignRight(c);
  const std::string none = "—";
  for (const auto& p : progress.indicators()) {
    const rv1::Indicator& ind = p.indicator();
    const kv1::ProgressStatus status = p.reported().status();
    std::vector<std::string> row = {
        ind.id(),
        ind.name() + (p.removed() ? (en ? " (removed)" : "（削除済み）") : ""),
        StatusWord(status, en),
        ProgressBar(p, 20),
        p.reported().has_value()
            ? ValueOfPeriod(p.reported().value(), p.reported().period(), ind, en)
            : none,
        p.has_expected_now() ? FormatIndicatorValue(p.expected_now(), ind, en) : none,
        ind.target().has_value()
            ? ValueOfPeriod(ind.target().value(), ind.target().period(), ind, en)
            : (en ? "(unset)" : "(未設定)"),
        p.verified().has_value() ? FormatIndicatorValue(p.verified().value(), ind, en) : none,
    };
    std::vector<std::string> colors(row.size());
    if (color) colors[2] = StatusColor(status);
    if (any_override) {
      const kv1::StatusOverride& o = p.override();
      if (o.status() != kv1::PROGRESS_STATUS_UNSPECIFIED) {
        row.push_back(StatusWord(o.status(), en) + (o.reason().empty() ? "" : ": " + o.reason()));
        colors.push_back(color ? StatusColor(o.status()) : "");
      } else {
        row.push_back("");
      }
    }
    table.Add(std::move(row), std::move(colors));
  }
  return table;
}

// The progress table in at most kNarrowColumns: the values without their half years, the
// reviewer's status in place of the computed one (marked "*"), the rest left to --wide.
TextTable NarrowProgressTable(const kv1::PlanProgress& progress, bool en, bool color,
                              bool* any_override) {
  TextTable table(Header(en, {"ID", "INDICATOR", "STATUS", "PROGRESS", "ACTUAL", "TARGET"},
                         {"ID", "指標", "状況", "進捗", "実績", "目標"}));
  // 16 + 18 + 12 + 15 + 14 + 14 columns and 5 gaps of 2: 99.
  const size_t kMax[] = {16, 18, 12, 15, 14, 14};
  for (size_t c = 0; c < std::size(kMax); ++c) table.SetMaxWidth(c, kMax[c]);
  for (size_t c : {4, 5}) table.AlignRight(c);
  const std::string none = "—";
  for (const auto& p : progress.indicators()) {
    const rv1::Indicator& ind = p.indicator();
    const bool overridden = p.override().status() != kv1::PROGRESS_STATUS_UNSPECIFIED;
    *any_override |= overridden;
    const kv1::ProgressStatus status = overridden ? p.override().status() : p.reported().status();
    std::vector<std::string> row = {
        ind.id(),
        ind.name() + (p.removed() ? (en ? " (removed)" : "（削除済み）") : ""),
        StatusWord(status, en) + (overridden ? "*" : ""),
        ProgressBar(p, 10),
        p.reported().has_value() ? FormatIndicatorValue(p.reported().value(), ind, en) : none,
        ind.target().has_value() ? FormatIndicatorValue(ind.target().value(), ind, en)
                                 : (en ? "(unset)" : "(未設定)"),
    };
    std::vector<std::string> colors(row.size());
    if (color) colors[2] = StatusColor(status);
    table.Add(std::move(row), std::move(colors));
  }
  return table;
}

}  // namespace

std::string RenderProgressReport(const kv1::PlanProgress& progress, bool english, bool color,
                                 bool wide) {
  const bool en = english;
  std::string out =
      en ? absl::StrCat(progress.plan(), " · plan version ", progress.plan_version(),
                        " · progress as of ", FormatPeriod(progress.as_of()), "\n")
         : absl::StrCat(progress.plan(), "（計画 第", progress.plan_version(), "版）· ",
                        FormatPeriodJa(progress.as_of()), "時点の進捗\n");
  bool any_override = false;
  out += wide ? WideProgressTable(progress, en, color).Render()
              : NarrowProgressTable(progress, en, color, &any_override).Render();
  if (!wide) {
    if (any_override) {
      out += en ? "* the reviewer's status (確認者の判断), not the computed one\n"
                : "* 確認者の判断による状況（計算上の状況ではありません）\n";
    }
    out += en ? "(--wide: the half year of each value, expected now, verified values, reasons)\n"
              : "（--wide で各値の半期、現時点の想定、確認済の実績、判断の理由も表示）\n";
  }

  static constexpr kv1::ProgressStatus kOrder[] = {
      kv1::PROGRESS_STATUS_ACHIEVED,      kv1::PROGRESS_STATUS_ON_TRACK,
      kv1::PROGRESS_STATUS_AT_RISK,       kv1::PROGRESS_STATUS_OFF_TRACK,
      kv1::PROGRESS_STATUS_DETERIORATING, kv1::PROGRESS_STATUS_NO_DATA,
      kv1::PROGRESS_STATUS_TARGET_UNSET};
  const kv1::ProgressSummary& summary = progress.summary();
  std::vector<std::string> counts;
  for (kv1::ProgressStatus s : kOrder) {
    const std::string key(absl::StripPrefix(kv1::ProgressStatus_Name(s), "PROGRESS_STATUS_"));
    auto it = summary.indicators_by_status().find(key);
    if (it != summary.indicators_by_status().end() && it->second > 0) {
      counts.push_back(absl::StrCat(StatusWord(s, en), " ", it->second));
    }
  }
  if (counts.empty()) counts.push_back(en ? "no indicators" : "指標なし");
  // The counts joined by " · ", on as many lines of at most 100 columns as they need.
  std::string joined = en ? "summary: " : "集計: ";
  size_t line_start = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const std::string sep = i == 0 ? "" : " · ";
    if (i > 0 && DisplayWidth(absl::string_view(joined).substr(line_start)) + sep.size() +
                         DisplayWidth(counts[i]) > 100) {
      joined += "\n";
      line_start = joined.size();
    } else {
      joined += sep;
    }
    joined += counts[i];
  }
  if (en) {
    absl::StrAppend(&out, "\n", joined, "\nKPIs achieved ",
                    summary.kpis_achieved(), " of ", summary.kpis(), " · any KPI achieved: ",
                    summary.any_kpi_achieved() ? "yes" : "no", "\n");
  } else {
    absl::StrAppend(&out, "\n", joined, "\nKPI ", summary.kpis(),
                    "件中 ", summary.kpis_achieved(), "件達成 · KPI達成: ",
                    summary.any_kpi_achieved() ? "あり" : "なし", "\n");
  }
  return out;
}

std::string RenderNationalReport(const kv1::AggregateKgiRequest& request,
                                 const kv1::AggregateKgiResponse& response, bool english) {
  const bool en = english;
  std::vector<std::string> filters = TypeAndBlockFilters(request.plan_type(), request.block(), en);
  if (!request.strategic_field().empty()) {
    filters.push_back(absl::StrCat(en ? "field " : "分野 ", request.strategic_field()));
  }
  if (!request.prefecture_code().empty()) {
    filters.push_back(absl::StrCat(en ? "prefecture " : "都道府県 ", request.prefecture_code()));
  }
  filters.push_back(request.include_tokyo_area() ? (en ? "Tokyo area included" : "東京圏を含む")
                                                 : (en ? "Tokyo area excluded" : "東京圏を除く"));
  std::string out =
      en ? absl::StrCat("FY", response.fiscal_year(), " mandatory KGIs, national (",
                        absl::StrJoin(filters, ", "), ")\n")
         : absl::StrCat(response.fiscal_year(), "年度 必須KGIの全国集計（", absl::StrJoin(filters, "、"),
                        "）\n");
  TextTable table(Header(en, {"KGI", "NAME", "TARGET", "REPORTED", "VERIFIED", "UNIT",
                              "REPORTED/TARGET"},
                         {"KGI", "名称", "目標", "報告値", "確認済", "単位", "対目標（報告）"}));
  for (size_t c : {2, 3, 4, 6}) table.AlignRight(c);
  for (const auto& t : response.totals()) {
    table.Add({KgiId(t.kgi()), KgiName(t.kgi(), en), FormatThousands(t.target()),
               FormatThousands(t.reported()), FormatThousands(t.verified()),
               UnitWord(t.unit(), en),
               t.target() > 0 ? Percent(static_cast<double>(t.reported()) / t.target()) : "—"});
  }
  out += table.Render();
  if (en) {
    // The plan and KPI figures are of the current half year, whatever fiscal year was asked.
    absl::StrAppend(&out, "\nnow (the current half year), plans: ", response.plans(),
                    " · with a KPI achieved: ",
                    response.plans_with_kpi_achieved(), " (",
                    Percent(response.plans_with_kpi_achieved_ratio()), ") · KPIs achieved: ",
                    response.kpis_achieved(), " of ", response.kpis(), " (",
                    Percent(response.kpis_achieved_ratio()), ")\n");
  } else {
    absl::StrAppend(&out, "\n現時点（今の半期）の計画数: ", response.plans(), " · KPIを達成した計画: ",
                    response.plans_with_kpi_achieved(), "（",
                    Percent(response.plans_with_kpi_achieved_ratio()), "） · 達成したKPI: ",
                    response.kpis(), "中 ", response.kpis_achieved(), "（",
                    Percent(response.kpis_achieved_ratio()), "）\n");
  }
  return out;
}

std::string RenderReportingStatus(const kv1::GetReportingStatusRequest& request,
                                  const kv1::ReportingStatus& status, bool english) {
  const bool en = english;
  const std::vector<std::string> filters =
      TypeAndBlockFilters(request.plan_type(), request.block(), en);
  const std::string computed = status.has_compute_time()
                                   ? JstTime(status.compute_time())
                                   : (en ? "not computed yet" : "未集計");
  std::string out =
      en ? absl::StrCat(FormatPeriod(status.period()), " reports · deadline ",
                        DueDate(status.deadline()), " (JST) · as of ", computed,
                        filters.empty() ? "" : " · " + absl::StrJoin(filters, ", "), "\n")
         : absl::StrCat(FormatPeriodJa(status.period()), "の報告状況 · 期限 ",
                        DueDate(status.deadline()), " · 集計 ", computed,
                        filters.empty() ? "" : " · " + absl::StrJoin(filters, "、"), "\n");
  const std::pair<kv1::ReportState, int32_t> kCounts[] = {
      {kv1::REPORT_STATE_ON_TIME, status.on_time()},
      {kv1::REPORT_STATE_LATE, status.late()},
      {kv1::REPORT_STATE_INCOMPLETE, status.incomplete()},
      {kv1::REPORT_STATE_MISSING, status.missing()},
      {kv1::REPORT_STATE_NOT_YET_DUE, status.not_yet_due()}};
  std::vector<std::string> counts = {absl::StrCat(en ? "expected " : "対象 ", status.expected())};
  for (const auto& [state, n] : kCounts) {
    const std::string word = ReportStateWord(state, en);
    counts.push_back(absl::StrCat(en ? absl::AsciiStrToLower(word) : word, " ", n));
  }
  absl::StrAppend(&out, absl::StrJoin(counts, " · "), "\n\n");
  if (status.plans().empty()) {
    absl::StrAppend(&out, en ? "(no plans to show)\n" : "（表示できる計画はありません）\n");
    return out;
  }
  TextTable table(Header(en, {"PLAN", "TITLE", "TYPE", "BLOCK", "STATE", "INDICATORS"},
                         {"計画", "名称", "類型", "ブロック", "状況", "報告済の指標"}));
  table.SetMaxWidth(1, 30);
  for (const auto& p : status.plans()) {
    // "3 of 5" indicators with a value (empty for an entry kept before the counts).
    const std::string reported =
        p.indicators() == 0 ? ""
        : en                ? absl::StrCat(p.reported(), " of ", p.indicators())
                            : absl::StrCat(p.indicators(), "件中 ", p.reported(), "件");
    table.Add({p.plan(), p.title(), PlanTypeLetter(p.plan_type()), p.block(),
               ReportStateWord(p.state(), en), reported});
  }
  out += table.Render();
  if (status.plans_size() < status.expected()) {
    absl::StrAppend(&out, en ? absl::StrCat("(", status.plans_size(), " of ", status.expected(),
                                            " plans listed: those you may read)\n")
                             : absl::StrCat("（", status.expected(), "件中、閲覧できる ",
                                            status.plans_size(), "件を表示）\n"));
  }
  return out;
}

std::string RenderPdcaCycle(const kv1::PdcaCycle& cycle,
                            const std::map<std::string, rv1::Indicator>& indicators,
                            bool english) {
  const bool en = english;
  std::string out =
      en ? absl::StrCat(cycle.name(), " · ", FormatPeriod(cycle.period()), " · phase ",
                        PdcaPhaseWord(cycle.phase(), en), " (etag ", cycle.etag(), ")\n")
         : absl::StrCat(cycle.name(), " · ", FormatPeriodJa(cycle.period()), " · 段階 ",
                        PdcaPhaseWord(cycle.phase(), en), "（etag ", cycle.etag(), "）\n");
  auto section = [&](const char* title_en, const char* title_ja) {
    absl::StrAppend(&out, "\n", en ? title_en : title_ja, "\n");
  };
  if (!cycle.transitions().empty()) {
    section("Transitions", "経過");
    TextTable table(Header(en, {"WHEN (JST)", "WHO", "PHASE", "COMMENT"},
                           {"日時", "実施者", "段階", "コメント"}),
                    60);
    for (const auto& t : cycle.transitions()) {
      table.Add({JstTime(t.time()), t.actor(),
                 absl::StrCat(PdcaPhaseWord(t.from_phase(), /*english=*/true), " → ",
                              PdcaPhaseWord(t.to_phase(), /*english=*/true)),
                 t.comment()});
    }
    out += table.Render();
  }
  if (!cycle.findings().empty()) {
    section("Findings", "所見");
    absl::StrAppend(&out, "  ", absl::StrReplaceAll(cycle.findings(), {{"\n", "\n  "}}), "\n");
  }
  if (!cycle.checks().empty()) {
    section("Indicators at CHECK", "評価時の指標");
    const bool any_override =
        std::any_of(cycle.checks().begin(), cycle.checks().end(), [](const auto& c) {
          return c.override_status() != kv1::PROGRESS_STATUS_UNSPECIFIED;
        });
    std::vector<std::string> header =
        Header(en, {"ID", "INDICATOR", "STATUS", "ACTUAL", "EXPECTED"},
               {"ID", "指標", "状況", "実績", "想定"});
    if (any_override) header.push_back(en ? "REVIEWER'S STATUS" : "確認者の判断");
    TextTable table(std::move(header), 40);
    for (size_t c : {3, 4}) table.AlignRight(c);
    for (const auto& c : cycle.checks()) {
      const std::string& id = c.indicator_id();
      auto it = indicators.find(id);
      std::vector<std::string> row = {
          id, it == indicators.end() ? "" : it->second.name(), StatusWord(c.status(), en),
          c.has_actual() ? ValueText(indicators, id, c.actual(), en) : "—",
          c.has_expected() ? ValueText(indicators, id, c.expected(), en) : "—"};
      if (any_override) {
        row.push_back(c.override_status() == kv1::PROGRESS_STATUS_UNSPECIFIED
                          ? ""
                          : StatusWord(c.override_status(), en));
      }
      table.Add(std::move(row));
    }
    out += table.Render();
  }
  if (!cycle.actions().empty()) {
    section("Improvement actions", "改善策");
    TextTable table(Header(en, {"#", "ACTION", "OWNER", "DUE"}, {"#", "改善策", "担当", "期限"}), 60);
    table.AlignRight(0);
    int n = 0;
    for (const auto& a : cycle.actions()) {
      table.Add({absl::StrCat(++n), a.description(), a.owner(), a.due_date()});
    }
    out += table.Render();
  }
  // What to do next, for a clerk who has not moved the cycle yet (or is part way).
  if (cycle.phase() != kv1::PDCA_PHASE_ACT) {
    const std::string plan(absl::StripPrefix(cycle.plan(), "plans/"));
    const std::string half =
        absl::StrCat(cycle.period().fiscal_year(),
                     cycle.period().half() == common::v1::FISCAL_HALF_H1 ? "-H1" : "-H2");
    const char* next = cycle.phase() == kv1::PDCA_PHASE_PLAN ? "DO"
                       : cycle.phase() == kv1::PDCA_PHASE_DO
                           ? "CHECK --findings \"...\""
                           : "ACT --action \"...|...|YYYY-MM-DD\"";
    absl::StrAppend(&out, en ? "\nnext: " : "\n次の段階へ: ", "rfsctl pdca advance ", plan, " ",
                    half, " ", next, "\n");
  }
  const int64_t version = cycle.revision_plan_version();
  if (en) {
    absl::StrAppend(&out, "\nrevision requested: ",
                    cycle.revision_requested()
                        ? absl::StrCat("yes (plan version ", version, ", REVISING)")
                        : "no",
                    "\n");
  } else {
    absl::StrAppend(&out, "\n計画の見直し依頼: ",
                    cycle.revision_requested() ? absl::StrCat("あり（計画 第", version, "版で見直し中）")
                                               : "なし",
                    "\n");
  }
  return out;
}

std::string NationalCsv(const kv1::AggregateKgiResponse& response, bool english, bool bom) {
  std::string out = bom ? "\xEF\xBB\xBF" : "";
  out += CsvRow({"fiscal_year", "kgi", "kgi_name", "unit", "target", "reported", "verified",
                 "plans", "plans_with_kpi_achieved", "plans_with_kpi_achieved_ratio", "kpis",
                 "kpis_achieved", "kpis_achieved_ratio"});
  for (const auto& t : response.totals()) {
    out += CsvRow({absl::StrCat(response.fiscal_year()), KgiId(t.kgi()), KgiName(t.kgi(), english),
                   std::string(absl::StripPrefix(rv1::IndicatorUnit_Name(t.unit()),
                                                 "INDICATOR_UNIT_")),
                   absl::StrCat(t.target()), absl::StrCat(t.reported()), absl::StrCat(t.verified()),
                   absl::StrCat(response.plans()), absl::StrCat(response.plans_with_kpi_achieved()),
                   absl::StrFormat("%.4f", response.plans_with_kpi_achieved_ratio()),
                   absl::StrCat(response.kpis()), absl::StrCat(response.kpis_achieved()),
                   absl::StrFormat("%.4f", response.kpis_achieved_ratio())});
  }
  return out;
}

}  // namespace rfs::rfsctl
