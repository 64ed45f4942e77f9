// The HTML reports of `rfsctl kpi report` (kpi_commands.h, "HTML reports"): pure rendering of
// what the command read from rfs-kpi into one self-contained page. No I/O.
//
// A page is HTML with inline CSS and inline SVG only. Its Content-Security-Policy refuses every
// fetch and every script, so a page mailed around or opened from a share cannot call out. Every
// text from the service goes through Escape: titles, findings and actions are written by people.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/domain/fiscal.h"
#include "common/domain/money.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/kpi_cli.h"
#include "tools/rfsctl/kpi_commands.h"

namespace rfs::rfsctl {

namespace cv1 = common::v1;

const char* StatusHtmlColor(kv1::ProgressStatus status) {
  switch (status) {
    case kv1::PROGRESS_STATUS_ACHIEVED:
      return "#73BF69";  // green
    case kv1::PROGRESS_STATUS_ON_TRACK:
      return "#5794F2";  // blue
    case kv1::PROGRESS_STATUS_AT_RISK:
      return "#FADE2A";  // yellow
    case kv1::PROGRESS_STATUS_OFF_TRACK:
      return "#FF9830";  // orange
    case kv1::PROGRESS_STATUS_DETERIORATING:
      return "#F2495C";  // red
    case kv1::PROGRESS_STATUS_TARGET_UNSET:
      return "#B877D9";  // purple
    default:
      return "#A0A0A0";  // grey: no data
  }
}

int64_t HalfIndexOf(const cv1::FiscalPeriod& p) {
  return int64_t{p.fiscal_year()} * 2 + (p.half() == cv1::FISCAL_HALF_H1 ? 0 : 1);
}

cv1::FiscalPeriod PeriodOfHalfIndex(int64_t half) {
  cv1::FiscalPeriod p;
  p.set_fiscal_year(static_cast<int32_t>(half / 2));
  p.set_half(half % 2 == 0 ? cv1::FISCAL_HALF_H1 : cv1::FISCAL_HALF_H2);
  return p;
}

namespace {

// The statuses in the order of the legends and the stacked bars: best first.
constexpr kv1::ProgressStatus kStatuses[] = {
    kv1::PROGRESS_STATUS_ACHIEVED,      kv1::PROGRESS_STATUS_ON_TRACK,
    kv1::PROGRESS_STATUS_AT_RISK,       kv1::PROGRESS_STATUS_OFF_TRACK,
    kv1::PROGRESS_STATUS_DETERIORATING, kv1::PROGRESS_STATUS_NO_DATA,
    kv1::PROGRESS_STATUS_TARGET_UNSET};

constexpr kv1::PdcaPhase kPhases[] = {kv1::PDCA_PHASE_PLAN, kv1::PDCA_PHASE_DO,
                                      kv1::PDCA_PHASE_CHECK, kv1::PDCA_PHASE_ACT};

// Text for HTML content and attribute values.
std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

// A heading: Japanese with its English beside it, or English alone with --lang en.
std::string Heading(bool english, absl::string_view ja, absl::string_view en) {
  if (english) return std::string(en);
  return absl::StrCat(ja, " <span class=\"en\" lang=\"en\">", en, "</span>");
}

std::string StatusName(kv1::ProgressStatus status) {
  return std::string(absl::StripPrefix(kv1::ProgressStatus_Name(status), "PROGRESS_STATUS_"));
}
std::string PhaseName(kv1::PdcaPhase phase) {
  return std::string(absl::StripPrefix(kv1::PdcaPhase_Name(phase), "PDCA_PHASE_"));
}
std::string ReportStateName(kv1::ReportState state) {
  return std::string(absl::StripPrefix(kv1::ReportState_Name(state), "REPORT_STATE_"));
}
bool Overdue(kv1::ReportState state) {
  return state == kv1::REPORT_STATE_INCOMPLETE || state == kv1::REPORT_STATE_MISSING;
}

// "2026上" / "26 H1": an axis label.
std::string ShortHalf(const cv1::FiscalPeriod& p, bool english) {
  const bool h1 = p.half() == cv1::FISCAL_HALF_H1;
  if (english) return absl::StrFormat("%02d %s", p.fiscal_year() % 100, h1 ? "H1" : "H2");
  return absl::StrCat(p.fiscal_year(), h1 ? "上" : "下");
}
std::string PeriodWords(const cv1::FiscalPeriod& p, bool english) {
  return english ? FormatPeriod(p) : FormatPeriodJa(p);
}

// The period of a baseline or target as written ("FY2030", "2030年度（令和12年度）"), or "" while
// it has none (a period still written "202○年").
std::string PeriodLabel(const rv1::PeriodValue& value, bool english) {
  if (value.period().fiscal_year() == 0) return "";
  return PeriodWords(value.period(), english);
}

std::string Coord(double v) { return absl::StrFormat("%.1f", v); }

// A status as a coloured badge.
std::string StatusBadge(kv1::ProgressStatus status, bool english, absl::string_view role) {
  return absl::StrCat("<span class=\"badge\" data-role=\"", role, "\" data-status=\"",
                      StatusName(status), "\" style=\"background:", StatusHtmlColor(status),
                      "\">", Escape(StatusWord(status, english)), "</span>");
}

// The legend of the status colours, with the counts when given.
std::string StatusLegend(const std::map<kv1::ProgressStatus, int>& counts, bool english) {
  std::string out = "<ul class=\"legend\">";
  for (kv1::ProgressStatus s : kStatuses) {
    auto it = counts.find(s);
    const int n = it == counts.end() ? 0 : it->second;
    absl::StrAppend(&out, "<li data-status=\"", StatusName(s), "\" data-count=\"", n,
                    "\"><span class=\"swatch\" style=\"background:", StatusHtmlColor(s),
                    "\"></span>", Escape(StatusWord(s, english)), " <b>", n, "</b></li>");
  }
  return out + "</ul>";
}

// A horizontal bar of `counts` stacked in status order, `width` pixels wide.
std::string StatusBar(const std::map<kv1::ProgressStatus, int>& counts, int width, int height,
                      bool english) {
  int total = 0;
  for (const auto& [s, n] : counts) total += n;
  std::string out = absl::StrFormat(
      "<svg class=\"bar\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">", width,
      height, width, height);
  if (total == 0) {
    absl::StrAppend(&out, "<rect x=\"0\" y=\"0\" width=\"", width, "\" height=\"", height,
                    "\" fill=\"#eee\"/>");
  }
  double x = 0;
  for (kv1::ProgressStatus s : kStatuses) {
    auto it = counts.find(s);
    if (it == counts.end() || it->second <= 0 || total == 0) continue;
    const double w = static_cast<double>(width) * it->second / total;
    absl::StrAppend(&out, "<rect data-status=\"", StatusName(s), "\" data-count=\"", it->second,
                    "\" x=\"", Coord(x), "\" y=\"0\" width=\"", Coord(w), "\" height=\"", height,
                    "\" fill=\"", StatusHtmlColor(s), "\"><title>",
                    Escape(StatusWord(s, english)), " ", it->second, "</title></rect>");
    x += w;
  }
  return out + "</svg>";
}

// Counts by status from a summary's map (keyed by the enum's name).
std::map<kv1::ProgressStatus, int> CountsOf(const kv1::ProgressSummary& summary) {
  std::map<kv1::ProgressStatus, int> counts;
  for (const auto& [name, n] : summary.indicators_by_status()) {
    kv1::ProgressStatus s;
    if (kv1::ProgressStatus_Parse(name, &s) ||
        kv1::ProgressStatus_Parse(absl::StrCat("PROGRESS_STATUS_", name), &s)) {
      counts[s] += n;
    }
  }
  return counts;
}

// The four PDCA phases as boxes, `current` marked.
std::string PhaseBoxes(kv1::PdcaPhase current, bool english,
                       const std::map<kv1::PdcaPhase, int>* counts = nullptr) {
  std::string out = "<ol class=\"pdca\">";
  for (kv1::PdcaPhase p : kPhases) {
    absl::StrAppend(&out, "<li data-phase=\"", PhaseName(p), "\"",
                    p == current ? " class=\"current\"" : "");
    if (counts != nullptr) {
      auto it = counts->find(p);
      absl::StrAppend(&out, " data-count=\"", it == counts->end() ? 0 : it->second, "\"");
    }
    absl::StrAppend(&out, ">", Escape(PdcaPhaseWord(p, english)));
    if (counts != nullptr) {
      auto it = counts->find(p);
      absl::StrAppend(&out, " <b>", it == counts->end() ? 0 : it->second, "</b>");
    }
    out += "</li>";
  }
  return out + "</ol>";
}

constexpr absl::string_view kStyle = R"(
body{font-family:"Noto Sans CJK JP","Hiragino Sans","Yu Gothic",Meiryo,sans-serif;margin:24px;color:#1f2328;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;border-bottom:2px solid #d0d7de;padding-bottom:4px;margin-top:28px}
h3{font-size:15px;margin:0 0 6px}.en{color:#57606a;font-size:.8em;font-weight:normal;margin-left:.4em}
.meta{color:#57606a;font-size:13px}table{border-collapse:collapse;font-size:13px;margin:6px 0}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f6f8fa}.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#111;font-size:13px}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:12px;font-size:13px}
.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border-radius:2px}
.card{border:1px solid #d0d7de;border-left:6px solid #A0A0A0;border-radius:6px;padding:10px 14px;margin:14px 0}
.figures{display:flex;flex-wrap:wrap;gap:18px;font-size:13px;margin:6px 0}.figures b{font-size:15px}
.pdca{list-style:none;padding:0;display:flex;gap:8px}.pdca li{border:2px solid #d0d7de;border-radius:6px;padding:6px 12px;color:#57606a}
.pdca li.current{border-color:#1f6feb;color:#1f2328;font-weight:bold;background:#ddf4ff}
tr.overdue td{background:#ffebe9}.overdue-word{color:#cf222e;font-weight:bold}.muted{color:#57606a}
svg text{font-size:11px;fill:#57606a}
)";

// The page around `body`.
std::string Page(const std::string& title, const std::string& body, bool english) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"", english ? "en" : "ja", "\">\n<head>\n<meta charset=\"utf-8\">\n",
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n",
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
      Escape(title), "</title>\n<style>", kStyle, "</style>\n</head>\n<body>\n", body,
      "</body>\n</html>\n");
}

// ---- One plan ----

// The progress of indicator `id` in `p`, or null.
const kv1::IndicatorProgress* Find(const kv1::PlanProgress& p, const std::string& id) {
  for (const auto& i : p.indicators()) {
    if (i.indicator().id() == id) return &i;
  }
  return nullptr;
}

// A value with its unit, or "—".
std::string Shown(const std::optional<int64_t>& value, const rv1::Indicator& indicator,
                  bool english) {
  return value.has_value() ? Escape(FormatIndicatorValue(*value, indicator, english)) : "—";
}
std::optional<int64_t> ValueOf(const kv1::Actual& a) {
  return a.has_value() ? std::optional<int64_t>(a.value()) : std::nullopt;
}
// The actual when its latest value is of half `half` (a value reported for that half year).
std::optional<int64_t> ValueAt(const kv1::Actual& a, int64_t half) {
  if (!a.has_value() || HalfIndexOf(a.period()) != half) return std::nullopt;
  return a.value();
}
// The exact figure: "3,200,000,000", "3.6".
std::string Exact(const std::optional<int64_t>& value, const rv1::Indicator& indicator) {
  return value.has_value() ? FormatFixedPoint(*value, indicator.decimal_places()) : "—";
}

// The unit of an indicator's figures in words: 円, 人, %, 円/人, its label (社), or 数値.
std::string UnitText(const rv1::Indicator& indicator, bool english) {
  switch (indicator.unit()) {
    case rv1::INDICATOR_UNIT_YEN:
      return english ? "yen" : "円";
    case rv1::INDICATOR_UNIT_PERSONS:
      return english ? "persons" : "人";
    case rv1::INDICATOR_UNIT_PERCENT:
      return "%";
    case rv1::INDICATOR_UNIT_YEN_PER_WORKER:
      return english ? "yen per worker" : "円/人";
    default:
      if (!indicator.unit_label().empty()) return indicator.unit_label();
      return english ? "number" : "数値";
  }
}

// The chart of one indicator over the half years of `path`: the expected path (dashed), the
// baseline, milestones and target, the reported and the verified values, and the report's half
// year as a vertical line.
std::string IndicatorChart(const kv1::IndicatorProgress& now,
                           const std::vector<kv1::PlanProgress>& path, int64_t as_of,
                           bool english) {
  const rv1::Indicator& ind = now.indicator();
  const std::string& id = ind.id();
  constexpr double kW = 720, kH = 230, kLeft = 96, kRight = 16, kTop = 14, kBottom = 34;
  const size_t n = path.size();
  if (n == 0) return "";
  const int64_t first = HalfIndexOf(path.front().as_of());
  // The values shown, for the scale.
  std::vector<double> values;
  auto note = [&](const std::optional<int64_t>& v) {
    if (v.has_value()) values.push_back(static_cast<double>(*v));
  };
  if (ind.baseline().has_value()) note(ind.baseline().value());
  for (const auto& m : ind.milestones()) {
    if (m.has_value()) note(m.value());
  }
  if (ind.target().has_value()) note(ind.target().value());
  for (const auto& p : path) {
    if (const auto* i = Find(p, id)) {
      if (i->has_expected_now()) note(i->expected_now());
      note(ValueAt(i->reported(), HalfIndexOf(p.as_of())));
      note(ValueAt(i->verified(), HalfIndexOf(p.as_of())));
    }
  }
  double lo = values.empty() ? 0 : *std::min_element(values.begin(), values.end());
  double hi = values.empty() ? 1 : *std::max_element(values.begin(), values.end());
  if (hi - lo < 1e-9) {
    lo -= std::max(1.0, std::fabs(lo) * 0.1);
    hi += std::max(1.0, std::fabs(hi) * 0.1);
  }
  const double pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  auto x_of = [&](int64_t half) {
    return n == 1 ? kLeft + plot_w / 2
                  : kLeft + plot_w * static_cast<double>(half - first) / static_cast<double>(n - 1);
  };
  auto y_of = [&](double v) { return kTop + plot_h * (hi - v) / (hi - lo); };

  std::string svg = absl::StrFormat(
      "<svg data-chart=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
      Escape(id), static_cast<int>(kW), static_cast<int>(kH), static_cast<int>(kW),
      static_cast<int>(kH));
  // Axes and three value ticks.
  absl::StrAppend(&svg, "<line x1=\"", Coord(kLeft), "\" y1=\"", Coord(kTop), "\" x2=\"",
                  Coord(kLeft), "\" y2=\"", Coord(kTop + plot_h), "\" stroke=\"#8c959f\"/>");
  absl::StrAppend(&svg, "<line x1=\"", Coord(kLeft), "\" y1=\"", Coord(kTop + plot_h),
                  "\" x2=\"", Coord(kLeft + plot_w), "\" y2=\"", Coord(kTop + plot_h),
                  "\" stroke=\"#8c959f\"/>");
  for (int t = 0; t <= 2; ++t) {
    const double v = lo + pad + (hi - lo - 2 * pad) * t / 2.0;
    const double y = y_of(v);
    absl::StrAppend(&svg, "<line x1=\"", Coord(kLeft), "\" y1=\"", Coord(y), "\" x2=\"",
                    Coord(kLeft + plot_w), "\" y2=\"", Coord(y), "\" stroke=\"#eaeef2\"/>",
                    "<text x=\"", Coord(kLeft - 6), "\" y=\"", Coord(y + 4),
                    "\" text-anchor=\"end\">",
                    Escape(FormatIndicatorValue(static_cast<int64_t>(std::llround(v)), ind,
                                                english)),
                    "</text>");
  }
  // Half-year labels (every other one when crowded).
  const size_t step = n > 12 ? 2 : 1;
  for (size_t k = 0; k < n; k += step) {
    const int64_t h = first + static_cast<int64_t>(k);
    absl::StrAppend(&svg, "<text x=\"", Coord(x_of(h)), "\" y=\"", Coord(kH - 14),
                    "\" text-anchor=\"middle\">", Escape(ShortHalf(PeriodOfHalfIndex(h), english)),
                    "</text>");
  }
  // The report's half year.
  if (as_of >= first && as_of < first + static_cast<int64_t>(n)) {
    absl::StrAppend(&svg, "<line data-role=\"as-of\" x1=\"", Coord(x_of(as_of)), "\" y1=\"",
                    Coord(kTop), "\" x2=\"", Coord(x_of(as_of)), "\" y2=\"",
                    Coord(kTop + plot_h), "\" stroke=\"#1f6feb\" stroke-dasharray=\"2 3\"/>");
  }
  // The expected path.
  std::vector<std::string> points;
  for (const auto& p : path) {
    const auto* i = Find(p, id);
    if (i == nullptr || !i->has_expected_now()) continue;
    points.push_back(absl::StrCat(Coord(x_of(HalfIndexOf(p.as_of()))), ",",
                                  Coord(y_of(static_cast<double>(i->expected_now())))));
  }
  if (!points.empty()) {
    absl::StrAppend(&svg,
                    "<polyline data-series=\"expected\" fill=\"none\" stroke=\"#8c959f\" "
                    "stroke-width=\"2\" stroke-dasharray=\"6 4\" points=\"",
                    absl::StrJoin(points, " "), "\"/>");
  }
  // Baseline, milestones and target as hollow marks.
  auto mark = [&](const rv1::PeriodValue& pv, absl::string_view role, absl::string_view label) {
    if (!pv.has_value()) return;
    const int64_t h = HalfIndexOf(pv.period());
    if (h < first || h >= first + static_cast<int64_t>(n)) return;
    const double x = x_of(h), y = y_of(static_cast<double>(pv.value()));
    absl::StrAppend(&svg, "<rect data-role=\"", role, "\" x=\"", Coord(x - 5), "\" y=\"",
                    Coord(y - 5), "\" width=\"10\" height=\"10\" fill=\"#fff\" stroke=\"#57606a\" "
                    "stroke-width=\"2\" transform=\"rotate(45 ",
                    Coord(x), " ", Coord(y), ")\"><title>", Escape(label), " ",
                    Escape(FormatIndicatorValue(pv.value(), ind, english)), "</title></rect>");
  };
  mark(ind.baseline(), "baseline", english ? "baseline" : "基準値");
  for (const auto& m : ind.milestones()) mark(m, "milestone", english ? "milestone" : "中間目標");
  mark(ind.target(), "target", english ? "target" : "目標値");
  // Reported values (a line through them) and verified values.
  std::string reported_line, reported_dots, verified_dots;
  std::vector<std::string> reported_points;
  for (const auto& p : path) {
    const auto* i = Find(p, id);
    if (i == nullptr) continue;
    const int64_t h = HalfIndexOf(p.as_of());
    const std::string period = FormatHalfYear(p.as_of());
    if (const auto v = ValueAt(i->reported(), h)) {
      const double x = x_of(h), y = y_of(static_cast<double>(*v));
      reported_points.push_back(absl::StrCat(Coord(x), ",", Coord(y)));
      absl::StrAppend(&reported_dots, "<circle data-series=\"reported\" data-period=\"", period,
                      "\" data-value=\"", *v, "\" cx=\"", Coord(x), "\" cy=\"", Coord(y),
                      "\" r=\"5\" fill=\"", StatusHtmlColor(i->reported().status()),
                      "\" stroke=\"#1f2328\" stroke-width=\"1.5\"><title>",
                      Escape(ShortHalf(p.as_of(), english)), " ",
                      Escape(FormatIndicatorValue(*v, ind, english)), " (",
                      Escape(StatusWord(i->reported().status(), english)), ")</title></circle>");
    }
    if (const auto v = ValueAt(i->verified(), h)) {
      const double x = x_of(h), y = y_of(static_cast<double>(*v));
      absl::StrAppend(&verified_dots, "<rect data-series=\"verified\" data-period=\"", period,
                      "\" data-value=\"", *v, "\" x=\"", Coord(x - 8), "\" y=\"", Coord(y - 8),
                      "\" width=\"16\" height=\"16\" fill=\"none\" stroke=\"#1a7f37\" "
                      "stroke-width=\"2\"><title>",
                      Escape(english ? "verified " : "確認済 "),
                      Escape(FormatIndicatorValue(*v, ind, english)), "</title></rect>");
    }
  }
  if (reported_points.size() > 1) {
    absl::StrAppend(&reported_line,
                    "<polyline data-role=\"reported-line\" fill=\"none\" stroke=\"#1f2328\" "
                    "stroke-width=\"1.5\" points=\"",
                    absl::StrJoin(reported_points, " "), "\"/>");
  }
  absl::StrAppend(&svg, reported_line, verified_dots, reported_dots, "</svg>");
  return svg;
}

// One indicator: its status, figures, chart and half-year table.
std::string IndicatorCard(const kv1::IndicatorProgress& now, const std::vector<kv1::PlanProgress>& path,
                          int64_t as_of, int64_t table_from, bool english) {
  const rv1::Indicator& ind = now.indicator();
  const kv1::ProgressStatus status = now.reported().status();
  const bool cumulative = ind.aggregation() == rv1::AGGREGATION_CUMULATIVE;
  std::string out = absl::StrCat("<section class=\"card\" data-indicator=\"", Escape(ind.id()),
                                 "\" style=\"border-left-color:", StatusHtmlColor(status), "\">");
  std::string kind = ind.kind() == rv1::INDICATOR_KIND_KPI ? "KPI" : "KGI";
  absl::StrAppend(&out, "<h3>", Escape(ind.name()), " <span class=\"muted\">", Escape(ind.id()),
                  " · ", kind, "</span> ", StatusBadge(status, english, "status"));
  if (now.override().status() != kv1::PROGRESS_STATUS_UNSPECIFIED) {
    absl::StrAppend(&out, " <span class=\"muted\">", english ? "reviewer: " : "審査者の判定: ",
                    "</span>", StatusBadge(now.override().status(), english, "override"),
                    " <span class=\"muted\">", Escape(now.override().reason()), "</span>");
  }
  out += "</h3>";
  // The figures as of the report's half year.
  auto figure = [&](absl::string_view role, absl::string_view label,
                    const std::optional<int64_t>& v) {
    absl::StrAppend(&out, "<div>", label, "<br><b data-role=\"", role, "\">",
                    Shown(v, ind, english), "</b></div>");
  };
  out += "<div class=\"figures\">";
  figure("baseline",
         absl::StrCat(english ? "Baseline " : "基準値 ", Escape(PeriodLabel(ind.baseline(), english))),
         ind.baseline().has_value() ? std::optional<int64_t>(ind.baseline().value()) : std::nullopt);
  figure("reported",
         english ? (cumulative ? "Reported (cumulative)" : "Reported")
                 : (cumulative ? "実績（累計・報告値）" : "実績（報告値）"),
         ValueOf(now.reported()));
  figure("verified", english ? "Verified" : "実績（確認済）", ValueOf(now.verified()));
  figure("expected", english ? "Expected now" : "現時点の計画値",
         now.has_expected_now() ? std::optional<int64_t>(now.expected_now()) : std::nullopt);
  figure("target",
         absl::StrCat(english ? "Target " : "目標値 ", Escape(PeriodLabel(ind.target(), english))),
         ind.target().has_value() ? std::optional<int64_t>(ind.target().value()) : std::nullopt);
  if (now.reported().has_ratio()) {
    absl::StrAppend(&out, "<div>", english ? "Progress ratio R" : "進捗率 R",
                    "<br><b data-role=\"ratio\">",
                    absl::StrFormat("%.2f", now.reported().ratio()), "</b></div>");
  }
  out += "</div>";
  out += IndicatorChart(now, path, as_of, english);
  // The half-year table, from the first half year after the baseline to the report's.
  absl::StrAppend(&out, "<table><tr><th>", english ? "Half year" : "半期", "</th><th>",
                  english ? "Planned" : "計画値", "</th><th>",
                  english ? (cumulative ? "Reported (cumulative)" : "Reported")
                          : (cumulative ? "報告値（累計）" : "報告値"),
                  "</th><th>", english ? "Verified" : "確認済", "</th><th>",
                  english ? "Status" : "状況", "</th></tr>");
  for (const auto& p : path) {
    const int64_t h = HalfIndexOf(p.as_of());
    if (h < table_from || h > as_of) continue;
    const auto* i = Find(p, ind.id());
    if (i == nullptr) continue;
    const auto reported = ValueAt(i->reported(), h);
    absl::StrAppend(
        &out, "<tr data-period=\"", FormatHalfYear(p.as_of()), "\"><td>",
        Escape(PeriodWords(p.as_of(), english)), "</td><td class=\"num\" data-series=\"expected\">",
        Exact(i->has_expected_now() ? std::optional<int64_t>(i->expected_now()) : std::nullopt, ind),
        "</td><td class=\"num\" data-series=\"reported\">", Exact(reported, ind),
        "</td><td class=\"num\" data-series=\"verified\">",
        Exact(ValueAt(i->verified(), h), ind), "</td><td>",
        reported.has_value() ? StatusBadge(i->reported().status(), english, "half-status") : "—",
        "</td></tr>");
  }
  absl::StrAppend(&out, "</table><p class=\"meta\">", english ? "Unit: " : "単位: ",
                  Escape(UnitText(ind, english)), english ? " · measurements " : "・報告 ",
                  now.measurements(), english ? ", verified " : "件、うち確認済 ",
                  now.verified_measurements(), english ? "" : "件", "</p></section>");
  return out;
}

std::string ReportsTable(const std::vector<HalfYearReport>& reports, bool english) {
  if (reports.empty()) {
    return absl::StrCat("<p class=\"muted\">",
                        english ? "No half year of reports found for this plan (it reports "
                                  "once it is published and its period has begun)."
                                : "この計画の報告対象の半期はまだありません（公表後、計画期間"
                                  "の開始から報告の対象になります）。",
                        "</p>");
  }
  std::string out = absl::StrCat("<table><tr><th>", english ? "Half year" : "半期", "</th><th>",
                                 english ? "Deadline" : "報告期限", "</th><th>",
                                 english ? "State" : "報告状況", "</th><th>",
                                 english ? "Indicators reported" : "報告済の指標",
                                 "</th></tr>");
  for (const auto& r : reports) {
    const bool overdue = Overdue(r.report.state());
    absl::StrAppend(&out, "<tr data-report-period=\"", FormatHalfYear(r.period), "\" data-state=\"",
                    ReportStateName(r.report.state()), "\"", overdue ? " class=\"overdue\"" : "",
                    "><td>", Escape(PeriodWords(r.period, english)), "</td><td>",
                    DueDate(r.deadline), "</td><td", overdue ? " class=\"overdue-word\"" : "",
                    ">", Escape(ReportStateWord(r.report.state(), english)), "</td><td class=\"num\">",
                    r.report.reported(), " / ", r.report.indicators(), "</td></tr>");
  }
  return out + "</table>";
}

std::string CycleSection(const std::optional<kv1::PdcaCycle>& cycle, bool english) {
  if (!cycle.has_value()) {
    return absl::StrCat("<p class=\"muted\">",
                        english ? "The PDCA cycle could not be read."
                                : "PDCAサイクルを読み取れませんでした。",
                        "</p>");
  }
  std::string out = PhaseBoxes(cycle->phase(), english);
  if (!cycle->findings().empty()) {
    absl::StrAppend(&out, "<p><b>", english ? "Findings" : "所見", "</b>: <span data-role=\"findings\">",
                    Escape(cycle->findings()), "</span></p>");
  }
  if (cycle->actions_size() > 0) {
    absl::StrAppend(&out, "<table><tr><th>", english ? "Improvement action" : "改善策",
                    "</th><th>", english ? "Owner" : "担当", "</th><th>",
                    english ? "Due" : "期限", "</th></tr>");
    for (const auto& a : cycle->actions()) {
      absl::StrAppend(&out, "<tr data-role=\"action\"><td>", Escape(a.description()), "</td><td>",
                      Escape(a.owner()), "</td><td>", Escape(a.due_date()), "</td></tr>");
    }
    out += "</table>";
    if (cycle->revision_requested()) {
      absl::StrAppend(&out, "<p>", english ? "A revision of the plan was requested (version "
                                           : "計画の変更が求められました（版 ",
                      cycle->revision_plan_version(), english ? ")." : "）。", "</p>");
    }
  }
  if (cycle->transitions_size() > 0) {
    absl::StrAppend(&out, "<table><tr><th>", english ? "When (JST)" : "日時（JST）", "</th><th>",
                    english ? "Phase" : "フェーズ", "</th><th>", english ? "By" : "実施者",
                    "</th><th>", english ? "Comment" : "コメント", "</th></tr>");
    for (const auto& t : cycle->transitions()) {
      absl::StrAppend(&out, "<tr><td>", JstTime(t.time()), "</td><td>",
                      Escape(PdcaPhaseWord(t.to_phase(), english)), "</td><td>",
                      Escape(t.actor()), "</td><td>", Escape(t.comment()), "</td></tr>");
    }
    out += "</table>";
  }
  return out;
}

}  // namespace

std::string RenderPlanReportHtml(const PlanReportData& data, bool english) {
  const kv1::PlanProgress& progress = data.progress;
  const int64_t as_of = HalfIndexOf(progress.as_of());
  const std::string when = PeriodWords(progress.as_of(), english);
  std::string body = absl::StrCat(
      "<h1>", Escape(data.title.empty() ? data.plan : data.title), "</h1>\n<p class=\"meta\">",
      Escape(data.plan), data.block.empty() ? "" : " · " + Escape(data.block), " · ",
      english ? "plan version " : "計画の版 ", progress.plan_version(), " · ",
      english ? "as of " : "時点 ", Escape(when), " · ",
      english ? "made " : "作成 ", Escape(data.generated), "</p>\n");

  // The summary.
  const auto counts = CountsOf(progress.summary());
  absl::StrAppend(&body, "<h2>", Heading(english, "進捗の概要", "Summary"), "</h2>\n",
                  StatusBar(counts, 600, 22, english), StatusLegend(counts, english),
                  "<p data-role=\"kpis\">",
                  english ? "KPIs achieved: " : "達成したKPI: ",
                  progress.summary().kpis_achieved(), " / ", progress.summary().kpis(), "</p>\n");

  // The PDCA cycle and the reports.
  absl::StrAppend(&body, "<h2>", Heading(english, "PDCAサイクル", "PDCA cycle"), " <span class=\"meta\">",
                  Escape(when), "</span></h2>\n", CycleSection(data.cycle, english));
  absl::StrAppend(&body, "<h2>", Heading(english, "半期ごとの報告", "Half-year reports"), "</h2>\n",
                  ReportsTable(data.reports, english));

  // The indicators, current then removed.
  int64_t table_from = as_of;
  for (const auto& i : progress.indicators()) {
    const auto& baseline = i.indicator().baseline().period();
    if (baseline.fiscal_year() > 0) table_from = std::min(table_from, HalfIndexOf(baseline) + 1);
  }
  absl::StrAppend(&body, "<h2>", Heading(english, "指標（KGI・KPI）", "Indicators (KGIs and KPIs)"),
                  "</h2>\n<p class=\"meta\">",
                  english ? "Dashed line: the planned path from the baseline to the target; "
                            "diamonds: baseline, milestones and target; dots: reported values "
                            "(coloured by status); squares: verified values; dotted blue line: "
                            "the half year of this report."
                          : "破線: 基準値から目標値への計画の道筋、◇: 基準値・中間目標・目標値、"
                            "●: 報告値（色は状況）、□: 確認済の値、青の点線: この報告の時点。",
                  "</p>\n");
  bool removed_heading = false;
  for (const auto& i : progress.indicators()) {
    if (i.removed() && !removed_heading) {
      removed_heading = true;
      absl::StrAppend(&body, "<h2>", Heading(english, "削除された指標", "Removed indicators"),
                      "</h2>\n");
    }
    absl::StrAppend(&body, IndicatorCard(i, data.path, as_of, table_from, english), "\n");
  }
  return Page(absl::StrCat(data.title.empty() ? data.plan : data.title, " — ",
                           english ? "progress" : "進捗"),
              body, english);
}

std::string RenderBlockReportHtml(const BlockReportData& data, bool english) {
  const kv1::ReportingStatus& status = data.status;
  const std::string when = PeriodWords(status.period(), english);
  std::string body = absl::StrCat(
      "<h1>", english ? "Block " : "ブロック ", Escape(data.block),
      english ? ": PDCA progress" : " のPDCA進捗", "</h1>\n<p class=\"meta\">",
      english ? "as of " : "時点 ", Escape(when));
  if (data.plan_type != rv1::PLAN_TYPE_UNSPECIFIED) {
    absl::StrAppend(&body, " · ", english ? "type " : "類型 ",
                    absl::StripPrefix(rv1::PlanType_Name(data.plan_type), "PLAN_TYPE_"));
  }
  absl::StrAppend(&body, " · ", english ? "made " : "作成 ", Escape(data.generated), "</p>\n");

  // The three mandatory KGIs of the fiscal year.
  absl::StrAppend(&body, "<h2>",
                  Heading(english, absl::StrCat(data.kgi.fiscal_year(), "年度の必須KGI"),
                          absl::StrCat("Mandatory KGIs, FY", data.kgi.fiscal_year())),
                  "</h2>\n<p class=\"meta\">",
                  data.include_tokyo_area
                      ? (english ? "Tokyo area included." : "東京圏を含みます。")
                      : (english ? "Tokyo area excluded, as the national KGIs are counted."
                                 : "全国のKGIと同じく東京圏を除きます。"),
                  "</p>\n<table><tr><th>KGI</th><th>", english ? "Target" : "目標（計画値）",
                  "</th><th>", english ? "Reported" : "報告値", "</th><th>",
                  english ? "Verified" : "確認済", "</th><th></th></tr>");
  for (const auto& t : data.kgi.totals()) {
    rv1::Indicator unit;
    unit.set_unit(t.unit());
    const double top = static_cast<double>(std::max({t.target(), t.reported(), t.verified(), int64_t{1}}));
    std::string bars = "<svg width=\"260\" height=\"42\" viewBox=\"0 0 260 42\" role=\"img\">";
    const std::pair<int64_t, const char*> kRows[] = {
        {t.target(), "#8c959f"}, {t.reported(), "#5794F2"}, {t.verified(), "#1a7f37"}};
    int row = 0;
    for (const auto& [v, colour] : kRows) {
      absl::StrAppend(&bars, "<rect x=\"0\" y=\"", row * 14, "\" width=\"",
                      Coord(258.0 * std::max<double>(0, static_cast<double>(v)) / top),
                      "\" height=\"11\" fill=\"", colour, "\"/>");
      ++row;
    }
    bars += "</svg>";
    const std::string kgi(absl::StripPrefix(rv1::MandatoryKgi_Name(t.kgi()), "MANDATORY_KGI_"));
    absl::StrAppend(&body, "<tr data-kgi=\"", kgi, "\"><td>", Escape(KgiName(t.kgi(), english)),
                    " <span class=\"muted\">", kgi, "</span></td>",
                    "<td class=\"num\" data-role=\"target\">",
                    Escape(FormatIndicatorValue(t.target(), unit, english)), "</td>",
                    "<td class=\"num\" data-role=\"reported\">",
                    Escape(FormatIndicatorValue(t.reported(), unit, english)), "</td>",
                    "<td class=\"num\" data-role=\"verified\">",
                    Escape(FormatIndicatorValue(t.verified(), unit, english)), "</td><td>", bars,
                    "</td></tr>");
  }
  absl::StrAppend(&body, "</table><p class=\"meta\">",
                  english ? "Bars: target (grey), reported (blue), verified (green). "
                          : "棒: 目標（灰）、報告値（青）、確認済（緑）。",
                  english ? "Plans with a KPI achieved: " : "KPIを1つ以上達成した計画: ",
                  "<span data-role=\"plans-with-kpi-achieved\">", data.kgi.plans_with_kpi_achieved(),
                  " / ", data.kgi.plans(), "</span></p>\n");

  // Indicator statuses over the block's plans, and the PDCA phases.
  std::map<kv1::ProgressStatus, int> counts;
  std::map<kv1::PdcaPhase, int> phases;
  for (const auto& p : data.plans) {
    if (p.progress.has_value()) {
      for (const auto& [s, n] : CountsOf(p.progress->summary())) counts[s] += n;
    }
    if (p.phase != kv1::PDCA_PHASE_UNSPECIFIED) ++phases[p.phase];
  }
  absl::StrAppend(&body, "<h2>", Heading(english, "指標の状況", "Indicator status"), "</h2>\n<div data-role=\"block-status\">",
                  StatusBar(counts, 600, 22, english), StatusLegend(counts, english), "</div>\n",
                  "<h2>", Heading(english, "PDCAのフェーズ", "PDCA phases"), " <span class=\"meta\">",
                  Escape(when), "</span></h2>\n", PhaseBoxes(kv1::PDCA_PHASE_UNSPECIFIED, english, &phases));

  // Overdue reports.
  absl::StrAppend(&body, "<h2>", Heading(english, "期限を過ぎた報告", "Overdue reports"), "</h2>\n");
  std::string overdue;
  std::vector<const kv1::ReportingStatus*> halves = {&status};
  for (const auto& e : data.earlier) halves.push_back(&e);
  for (const auto* s : halves) {
    for (const auto& r : s->plans()) {
      if (!Overdue(r.state())) continue;
      absl::StrAppend(&overdue, "<tr class=\"overdue\" data-overdue=\"", Escape(r.plan()),
                      "\" data-report-period=\"", FormatHalfYear(s->period()), "\" data-state=\"",
                      ReportStateName(r.state()), "\"><td>", Escape(r.plan()), "</td><td>",
                      Escape(r.title()), "</td><td>", Escape(PeriodWords(s->period(), english)),
                      "</td><td>", DueDate(s->deadline()), "</td><td class=\"overdue-word\">",
                      Escape(ReportStateWord(r.state(), english)), "</td><td class=\"num\">",
                      r.reported(), " / ", r.indicators(), "</td></tr>");
    }
  }
  if (overdue.empty()) {
    absl::StrAppend(&body, "<p data-role=\"no-overdue\">",
                    english ? "No report is overdue." : "期限を過ぎた報告はありません。", "</p>\n");
  } else {
    absl::StrAppend(&body, "<table><tr><th>", english ? "Plan" : "計画", "</th><th>",
                    english ? "Title" : "名称", "</th><th>", english ? "Half year" : "半期",
                    "</th><th>", english ? "Deadline" : "期限", "</th><th>",
                    english ? "State" : "状況", "</th><th>",
                    english ? "Indicators reported" : "報告済の指標", "</th></tr>", overdue,
                    "</table>\n");
  }

  // The plans.
  absl::StrAppend(&body, "<h2>", Heading(english, "計画ごとの状況", "Plans"), "</h2>\n<table><tr><th>",
                  english ? "Plan" : "計画", "</th><th>", english ? "Title" : "名称", "</th><th>",
                  english ? "Report" : "報告", "</th><th>", english ? "PDCA" : "PDCA",
                  "</th><th>", english ? "KPIs achieved" : "達成KPI", "</th><th>",
                  english ? "Indicators" : "指標の状況", "</th></tr>");
  for (const auto& p : data.plans) {
    const auto& r = p.report;
    absl::StrAppend(&body, "<tr data-plan=\"", Escape(r.plan()), "\" data-state=\"",
                    ReportStateName(r.state()), "\" data-phase=\"",
                    p.phase == kv1::PDCA_PHASE_UNSPECIFIED ? "" : PhaseName(p.phase), "\"",
                    Overdue(r.state()) ? " class=\"overdue\"" : "", "><td>", Escape(r.plan()),
                    "</td><td>", Escape(r.title()), "</td><td>",
                    Escape(ReportStateWord(r.state(), english)), "</td><td>",
                    p.phase == kv1::PDCA_PHASE_UNSPECIFIED ? "—"
                                                          : Escape(PdcaPhaseWord(p.phase, english)),
                    "</td>");
    if (p.progress.has_value()) {
      absl::StrAppend(&body, "<td class=\"num\" data-role=\"kpis\">",
                      p.progress->summary().kpis_achieved(), " / ", p.progress->summary().kpis(),
                      "</td><td>", StatusBar(CountsOf(p.progress->summary()), 240, 14, english),
                      "</td></tr>");
    } else {
      absl::StrAppend(&body, "<td>—</td><td class=\"muted\">",
                      english ? "progress not readable" : "進捗を読み取れません", "</td></tr>");
    }
  }
  body += "</table>\n";
  if (data.plans_not_shown > 0) {
    absl::StrAppend(&body, "<p class=\"meta\" data-role=\"not-shown\">",
                    english ? "Not shown: " : "表示していない計画: ", data.plans_not_shown,
                    english ? " more plans (narrow with --plan_type)." : "件（--plan_type で絞り込めます）。",
                    "</p>\n");
  }
  return Page(absl::StrCat(english ? "Block " : "ブロック ", data.block, " — ", when), body,
              english);
}

}  // namespace rfs::rfsctl
