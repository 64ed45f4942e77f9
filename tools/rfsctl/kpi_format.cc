// The pure parsing and formatting helpers of `rfsctl kpi` and `rfsctl pdca` (kpi_commands.h):
// plan names, half years, fixed-point integers, breakdowns, values with units, bars and
// counters, status, state and phase words, improvement actions, TextTable.
#include "tools/rfsctl/kpi_commands.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "common/base/text.h"
#include "common/domain/fiscal.h"
#include "common/domain/money.h"
#include "tools/rfsctl/kpi_cli.h"

namespace rfs::rfsctl {

namespace kv1 = kpi::v1;
namespace rv1 = registry::v1;

// ---- Pure helpers ----

namespace {

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

std::string Spaces(size_t n) { return std::string(n, ' '); }

}  // namespace

// Shared with the other kpi and pdca files (declared in kpi_cli.h).

std::string Quoted(absl::string_view text) { return absl::StrCat("'", Excerpt(text), "'"); }

// A local message in the language of --lang: `en` in English, `ja` otherwise.
std::string Say(bool english, absl::string_view en, absl::string_view ja) {
  return std::string(english ? en : ja);
}

// The header of a table in --lang.
std::vector<std::string> Header(bool english, std::vector<std::string> en,
                                std::vector<std::string> ja) {
  return english ? std::move(en) : std::move(ja);
}

std::string NormalizePlanName(absl::string_view arg) {
  arg = absl::StripAsciiWhitespace(arg);
  return absl::StartsWith(arg, "plans/") ? std::string(arg) : absl::StrCat("plans/", arg);
}

bool IsPlanName(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "plans/")) return false;
  if (name.size() < 3 || name.size() > 16) return false;
  if (name[0] != 'A' && name[0] != 'B' && name[0] != 'C') return false;
  return name[1] == '-' && AllDigits(name.substr(2));
}

std::optional<common::v1::FiscalPeriod> ParseHalfYear(absl::string_view text) {
  const std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  absl::string_view v = upper;
  absl::ConsumePrefix(&v, "FY");
  if (v.size() < 4 || !AllDigits(v.substr(0, 4))) return std::nullopt;
  int year = 0;
  if (!absl::SimpleAtoi(v.substr(0, 4), &year)) return std::nullopt;
  v.remove_prefix(4);
  if (!absl::ConsumePrefix(&v, "-")) absl::ConsumePrefix(&v, " ");
  common::v1::FiscalPeriod period;
  if (v == "H1") {
    period.set_half(common::v1::FISCAL_HALF_H1);
  } else if (v == "H2") {
    period.set_half(common::v1::FISCAL_HALF_H2);
  } else {
    return std::nullopt;
  }
  if (year < kMinFiscalYear || year > kMaxFiscalYear) return std::nullopt;
  period.set_fiscal_year(year);
  return period;
}

std::optional<int> ParseFiscalYearArg(absl::string_view text) {
  const std::string upper = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  absl::string_view v = upper;
  absl::ConsumePrefix(&v, "FY");
  int year = 0;
  if (v.size() != 4 || !AllDigits(v) || !absl::SimpleAtoi(v, &year)) return std::nullopt;
  if (year < kMinFiscalYear || year > kMaxFiscalYear) return std::nullopt;
  return year;
}

std::string FormatHalfYear(const common::v1::FiscalPeriod& period) {
  switch (period.half()) {
    case common::v1::FISCAL_HALF_H1:
      return absl::StrCat(period.fiscal_year(), "-H1");
    case common::v1::FISCAL_HALF_H2:
      return absl::StrCat(period.fiscal_year(), "-H2");
    default:
      return absl::StrCat(period.fiscal_year());
  }
}

std::vector<std::string> RepeatedFlagValues(const std::vector<std::string>& args,
                                            absl::string_view name) {
  std::vector<std::string> values;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--") break;  // positional arguments only from here
    if (!absl::ConsumePrefix(&arg, "-")) continue;
    absl::ConsumePrefix(&arg, "-");
    if (!absl::ConsumePrefix(&arg, name)) continue;
    if (arg.empty()) {
      if (i + 1 < args.size()) values.push_back(args[++i]);  // "--NAME V"
    } else if (absl::ConsumePrefix(&arg, "=")) {
      values.emplace_back(arg);  // "--NAME=V"
    }  // else another flag that starts with NAME
  }
  return values;
}

bool ParseFixedInteger(absl::string_view text, int64_t* value) {
  text = absl::StripAsciiWhitespace(text);
  absl::string_view digits = text;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  if (!AllDigits(digits)) return false;
  return absl::SimpleAtoi(text, value);  // false on overflow
}

absl::StatusOr<std::vector<kv1::PrefectureValue>> ParseBreakdown(absl::string_view text,
                                                                  bool english) {
  const bool en = english;
  std::vector<kv1::PrefectureValue> parts;
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return parts;
  std::set<std::string> seen;
  for (absl::string_view piece : absl::StrSplit(text, absl::ByAnyChar(",;"))) {
    piece = absl::StripAsciiWhitespace(piece);
    if (piece.empty()) {
      return absl::InvalidArgumentError(Say(
          en, "an empty part (write CODE=VALUE parts separated by ',' or ';', e.g. 160008=30;170003=70)",
          "空の項目があります（コード=値 を ',' か ';' で区切って書いてください。例: 160008=30;170003=70）"));
    }
    const size_t eq = piece.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(Quoted(piece), Say(en, " is not CODE=VALUE (like 160008=30)",
                                          " は コード=値 の形ではありません（例: 160008=30）")));
    }
    const absl::string_view code = absl::StripAsciiWhitespace(piece.substr(0, eq));
    const absl::string_view number = absl::StripAsciiWhitespace(piece.substr(eq + 1));
    if (code.size() != 6 || !AllDigits(code)) {
      return absl::InvalidArgumentError(
          absl::StrCat(Quoted(code), Say(en, " is not a 6-digit prefecture code (like 160008)",
                                         " は6桁の都道府県コードではありません（例: 160008）")));
    }
    int64_t value = 0;
    if (!ParseFixedInteger(number, &value)) {
      return absl::InvalidArgumentError(
          en ? absl::StrCat("the part of ", code, ", ", Quoted(number), ", is not an integer")
             : absl::StrCat(code, " の値 ", Quoted(number), " は整数ではありません"));
    }
    if (!seen.insert(std::string(code)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(code, Say(en, " appears twice", " が2回あります")));
    }
    kv1::PrefectureValue part;
    part.set_prefecture_code(std::string(code));
    part.set_value(value);
    parts.push_back(std::move(part));
  }
  return parts;
}

absl::Status CheckBreakdownSum(const std::vector<kv1::PrefectureValue>& parts, int64_t value,
                               bool english) {
  if (parts.empty()) return absl::OkStatus();
  int64_t sum = 0;
  for (const auto& part : parts) {
    if (__builtin_add_overflow(sum, part.value(), &sum)) {
      return absl::InvalidArgumentError(Say(english, "the parts add up to more than an int64 holds",
                                            "内訳の合計が大きすぎます（int64 の範囲を超えます）"));
    }
  }
  if (sum != value) {
    return absl::InvalidArgumentError(
        english ? absl::StrCat("the parts add up to ", sum, ", not to the value ", value)
                : absl::StrCat("内訳の合計 ", sum, " が値 ", value, " と一致しません"));
  }
  return absl::OkStatus();
}

std::string FormatFixedPoint(int64_t value, int decimal_places) {
  const int places = std::clamp(decimal_places, 0, 18);
  const bool negative = value < 0;
  // Magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64.
  const uint64_t magnitude =
      negative ? uint64_t{0} - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  uint64_t scale = 1;
  for (int i = 0; i < places; ++i) scale *= 10;
  const std::string digits = absl::StrCat(magnitude / scale);
  std::string out = negative && magnitude != 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  if (places > 0) {
    const std::string fraction = absl::StrCat(magnitude % scale);
    absl::StrAppend(&out, ".", std::string(places - fraction.size(), '0'), fraction);
  }
  return out;
}

namespace {

std::string UnitLabelEn(absl::string_view label) {
  // The counters plans use most (助数詞), in English; other labels are shown as written.
  static constexpr std::pair<absl::string_view, absl::string_view> kCounters[] = {
      {"件", "cases"},         {"社", "companies"},  {"人", "persons"},   {"名", "persons"},
      {"回", "times"},         {"か所", "sites"},    {"箇所", "sites"},   {"ヶ所", "sites"},
      {"事業", "projects"},    {"団体", "organizations"}, {"校", "schools"},
      {"施設", "facilities"},  {"戸", "households"}, {"世帯", "households"}, {"台", "units"},
      {"ha", "ha"},            {"t", "t"},           {"円", "yen"},       {"千円", "thousand yen"},
      {"百万円", "million yen"}, {"億円", "hundred million yen"}, {"％", "%"}};
  for (const auto& [ja, en] : kCounters) {
    if (label == ja) return std::string(en);
  }
  return std::string(label);
}

}  // namespace

std::string FormatIndicatorValue(int64_t value, const rv1::Indicator& indicator, bool english) {
  const int places = indicator.decimal_places();
  const std::string number = FormatFixedPoint(value, places);
  switch (indicator.unit()) {
    case rv1::INDICATOR_UNIT_YEN:
      if (places == 0) return english ? FormatYenEn(value) : FormatYenJa(value);
      return english ? "¥" + number : number + "円";
    case rv1::INDICATOR_UNIT_PERSONS:
      return english ? number + " persons" : number + "人";
    case rv1::INDICATOR_UNIT_PERCENT:
      return number + "%";
    case rv1::INDICATOR_UNIT_YEN_PER_WORKER:
      return english ? absl::StrCat("¥", number, " per worker") : number + "円/人";
    default:
      if (indicator.unit_label().empty()) return number;
      return english ? absl::StrCat(number, " ", UnitLabelEn(indicator.unit_label()))
                     : number + indicator.unit_label();
  }
}

double ProgressFraction(int64_t baseline, int64_t target, int64_t actual, bool decreasing) {
  if (target == baseline) {
    const bool met = decreasing ? actual <= target : actual >= target;
    return met ? 1.0 : 0.0;
  }
  return (static_cast<double>(actual) - static_cast<double>(baseline)) /
         (static_cast<double>(target) - static_cast<double>(baseline));
}

std::string RenderBar(double fraction, int width) {
  width = std::max(width, 0);
  double f = std::isfinite(fraction) ? std::clamp(fraction, 0.0, 1.0) : 0.0;
  int filled = static_cast<int>(std::floor(f * width + 1e-9));
  filled = std::clamp(filled, 0, width);
  std::string out;
  for (int i = 0; i < filled; ++i) out += "█";
  for (int i = filled; i < width; ++i) out += "░";
  return out;
}

std::string RenderCounter(size_t done, size_t total, int width) {
  width = std::max(width, 0);
  done = std::min(done, total);
  const size_t filled = total == 0 ? static_cast<size_t>(width) : done * width / total;
  return absl::StrCat("[", std::string(filled, '#'), std::string(width - filled, '.'), "] ", done,
                      "/", total);
}

// ---- Words ----

std::string StatusWord(kv1::ProgressStatus status, bool english) {
  switch (status) {
    case kv1::PROGRESS_STATUS_ACHIEVED:
      return english ? "ACHIEVED" : "達成";
    case kv1::PROGRESS_STATUS_ON_TRACK:
      return english ? "ON TRACK" : "順調";
    case kv1::PROGRESS_STATUS_AT_RISK:
      return english ? "AT RISK" : "要注意";
    case kv1::PROGRESS_STATUS_OFF_TRACK:
      return english ? "OFF TRACK" : "遅れ";
    case kv1::PROGRESS_STATUS_DETERIORATING:
      return english ? "DETERIORATING" : "悪化";
    case kv1::PROGRESS_STATUS_NO_DATA:
      return english ? "NO DATA" : "データなし";
    case kv1::PROGRESS_STATUS_TARGET_UNSET:
      return english ? "TARGET UNSET" : "目標未設定";
    default:
      return "-";
  }
}

const char* StatusColor(kv1::ProgressStatus status) {
  switch (status) {
    case kv1::PROGRESS_STATUS_ACHIEVED:
      return "1;32";  // bold green
    case kv1::PROGRESS_STATUS_ON_TRACK:
      return "32";  // green
    case kv1::PROGRESS_STATUS_AT_RISK:
      return "33";  // yellow
    case kv1::PROGRESS_STATUS_OFF_TRACK:
      return "31";  // red
    case kv1::PROGRESS_STATUS_DETERIORATING:
      return "1;31";  // bold red
    case kv1::PROGRESS_STATUS_NO_DATA:
    case kv1::PROGRESS_STATUS_TARGET_UNSET:
      return "2";  // dim
    default:
      return "";
  }
}

bool ParseStatusArg(absl::string_view text, kv1::ProgressStatus* status) {
  text = absl::StripAsciiWhitespace(text);
  for (int s = kv1::PROGRESS_STATUS_NO_DATA; s <= kv1::PROGRESS_STATUS_DETERIORATING; ++s) {
    if (text == StatusWord(static_cast<kv1::ProgressStatus>(s), /*english=*/false)) {
      *status = static_cast<kv1::ProgressStatus>(s);
      return true;
    }
  }
  std::string upper = absl::AsciiStrToUpper(text);
  absl::StrReplaceAll({{"-", "_"}, {" ", "_"}}, &upper);
  absl::string_view name = upper;
  absl::ConsumePrefix(&name, "PROGRESS_STATUS_");
  if (name == "CLEAR" || name == "NONE" || name == "UNSPECIFIED") {
    *status = kv1::PROGRESS_STATUS_UNSPECIFIED;
    return true;
  }
  kv1::ProgressStatus parsed;
  if (name.empty() || !kv1::ProgressStatus_Parse(absl::StrCat("PROGRESS_STATUS_", name), &parsed)) {
    return false;
  }
  *status = parsed;
  return true;
}

std::string StateWord(kv1::MeasurementState state, bool english) {
  switch (state) {
    case kv1::MEASUREMENT_STATE_REPORTED:
      return english ? "REPORTED" : "報告済";
    case kv1::MEASUREMENT_STATE_VERIFIED:
      return english ? "VERIFIED" : "確認済";
    case kv1::MEASUREMENT_STATE_RETURNED:
      return english ? "RETURNED" : "差戻し";
    default:
      return "-";
  }
}

std::string ReportStateWord(kv1::ReportState state, bool english) {
  // By the number of the state, from REPORT_STATE_NOT_YET_DUE (1) to REPORT_STATE_MISSING (5).
  static constexpr const char* kWords[][2] = {{"NOT YET DUE", "未報告（期限前）"},
                                              {"ON TIME", "期限内に報告済"},
                                              {"LATE", "期限後に報告"},
                                              {"INCOMPLETE", "一部未報告（期限超過）"},
                                              {"MISSING", "未報告（期限超過）"}};
  if (state < kv1::REPORT_STATE_NOT_YET_DUE || state > kv1::REPORT_STATE_MISSING) return "-";
  return kWords[state - kv1::REPORT_STATE_NOT_YET_DUE][english ? 0 : 1];
}

// ---- PDCA ----

namespace {

// The Japanese words of the phases, by their numbers.
constexpr const char* kPhaseJa[] = {"", "計画", "実行", "評価", "改善"};

}  // namespace

std::string PdcaPhaseWord(kv1::PdcaPhase phase, bool english) {
  if (phase < kv1::PDCA_PHASE_PLAN || phase > kv1::PDCA_PHASE_ACT) return "-";
  const std::string id(absl::StripPrefix(kv1::PdcaPhase_Name(phase), "PDCA_PHASE_"));
  return english ? id : absl::StrCat(id, "（", kPhaseJa[phase], "）");
}

std::optional<kv1::PdcaPhase> ParsePdcaPhaseArg(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  for (int p = kv1::PDCA_PHASE_DO; p <= kv1::PDCA_PHASE_ACT; ++p) {
    if (text == kPhaseJa[p]) return static_cast<kv1::PdcaPhase>(p);
  }
  const std::string upper = absl::AsciiStrToUpper(text);
  absl::string_view name = upper;
  absl::ConsumePrefix(&name, "PDCA_PHASE_");
  kv1::PdcaPhase phase;
  if (name.empty() || !kv1::PdcaPhase_Parse(absl::StrCat("PDCA_PHASE_", name), &phase) ||
      phase < kv1::PDCA_PHASE_DO) {
    return std::nullopt;
  }
  return phase;
}

absl::StatusOr<std::vector<kv1::ImprovementAction>> ParseImprovementActions(
    const std::vector<std::string>& values, bool english) {
  const bool en = english;
  static constexpr size_t kMaxActions = 50;
  std::vector<kv1::ImprovementAction> actions;
  for (const std::string& value : values) {
    for (absl::string_view piece : absl::StrSplit(value, ";;")) {
      piece = absl::StripAsciiWhitespace(piece);
      if (piece.empty()) continue;
      auto bad = [&](const auto&... what) {
        return absl::InvalidArgumentError(
            absl::StrCat(en ? "action " : "改善策 ", actions.size() + 1, " ", Quoted(piece), ": ",
                         what...));
      };
      const std::vector<absl::string_view> parts = absl::StrSplit(piece, '|');
      if (parts.size() != 3) {
        return en ? bad("write it as description|owner|YYYY-MM-DD (3 parts separated by '|', not ",
                        parts.size(), ")")
                  : bad("内容|担当|YYYY-MM-DD の形で書いてください（'|' で区切った3つの部分。今は ",
                        parts.size(), "）");
      }
      kv1::ImprovementAction a;
      a.set_description(std::string(absl::StripAsciiWhitespace(parts[0])));
      a.set_owner(std::string(absl::StripAsciiWhitespace(parts[1])));
      a.set_due_date(std::string(absl::StripAsciiWhitespace(parts[2])));
      if (a.description().empty()) return bad(Say(en, "the description is empty", "内容が空です"));
      if (CountCodePoints(a.description()) > 2000) {
        return bad(Say(en, "the description is longer than 2,000 characters",
                       "内容が2,000文字を超えています"));
      }
      if (a.owner().empty()) {
        return bad(Say(en, "the owner (a department or body) is empty", "担当（部署や団体）が空です"));
      }
      if (CountCodePoints(a.owner()) > 200) {
        return bad(Say(en, "the owner is longer than 200 characters", "担当が200文字を超えています"));
      }
      absl::CivilDay day;
      if (a.due_date().size() != 10 || !absl::ParseCivilTime(a.due_date(), &day)) {
        return bad(Say(en, "the due date ", "期限 "), Quoted(a.due_date()),
                   Say(en, " is not a day like 2027-03-31", " は日付ではありません（例: 2027-03-31）"));
      }
      if (actions.size() == kMaxActions) {
        return absl::InvalidArgumentError(
            en ? absl::StrCat("more than ", kMaxActions, " actions (at most ", kMaxActions, ")")
               : absl::StrCat("改善策が ", kMaxActions, " 件を超えています（上限 ", kMaxActions,
                              " 件）"));
      }
      actions.push_back(std::move(a));
    }
  }
  return actions;
}

// ---- Table ----

TextTable::TextTable(std::vector<std::string> header, size_t max_width) : max_(max_width) {
  rows_.push_back(std::move(header));
  colors_.emplace_back();
}

void TextTable::Add(std::vector<std::string> row, std::vector<std::string> colors) {
  rows_.push_back(std::move(row));
  colors_.push_back(std::move(colors));
}

void TextTable::AlignRight(size_t column) {
  if (right_.size() <= column) right_.resize(column + 1, false);
  right_[column] = true;
}

void TextTable::SetMaxWidth(size_t column, size_t width) {
  if (column_max_.size() <= column) column_max_.resize(column + 1, 0);
  column_max_[column] = width;
}

std::string TextTable::Render() const {
  size_t columns = 0;
  for (const auto& row : rows_) columns = std::max(columns, row.size());
  auto limit = [&](size_t c) {
    return c < column_max_.size() && column_max_[c] > 0 ? column_max_[c] : max_;
  };
  std::vector<size_t> widths(columns, 0);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], std::min(limit(c), DisplayWidth(row[c])));
    }
  }
  std::string out;
  for (size_t r = 0; r < rows_.size(); ++r) {
    std::string line;
    for (size_t c = 0; c < columns; ++c) {
      const std::string text = c < rows_[r].size() ? TruncateToWidth(rows_[r][c], limit(c)) : "";
      const size_t width = DisplayWidth(text);
      const size_t pad = widths[c] > width ? widths[c] - width : 0;
      const std::string color = c < colors_[r].size() ? colors_[r][c] : "";
      const std::string shown =
          color.empty() || text.empty() ? text : absl::StrCat("\x1b[", color, "m", text, "\x1b[0m");
      const bool last = c + 1 == columns;
      if (c < right_.size() && right_[c]) {
        line += Spaces(pad) + shown;
      } else {
        line += last ? shown : shown + Spaces(pad);
      }
      if (!last) line += "  ";
    }
    absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(line), "\n");
  }
  return out;
}

}  // namespace rfs::rfsctl
