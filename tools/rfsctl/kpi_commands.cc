#include "tools/rfsctl/kpi_commands.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/base/digest.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/fiscal.h"
#include "common/domain/money.h"
#include "common/kit/client.h"
#include "nlohmann/json.hpp"
#include "rfs/kpi/v1/kpi.grpc.pb.h"
#include "tools/rfsctl/cli_common.h"

ABSL_FLAG(std::string, kpi_addr, "localhost:50053", "KPI tracking service address (RFS_KPI_ADDR)");
ABSL_FLAG(std::string, breakdown, "", "kpi record: value by prefecture, e.g. 160008=30,170003=70");
ABSL_FLAG(std::string, source, "", "kpi record: where the figure comes from");
ABSL_FLAG(std::string, note, "", "kpi record: a note; for a correction, why the value changed");
ABSL_FLAG(std::string, reason, "", "kpi override/unlock: why (required)");
ABSL_FLAG(std::string, until, "",
          "kpi unlock: accept reports through this day (JST), e.g. 2026-12-31, or until an RFC 3339 "
          "time; default 14 days");
ABSL_FLAG(std::string, as_of, "", "kpi progress: the half year, e.g. 2026-H2 (default: now)");
ABSL_FLAG(bool, wide, false,
          "kpi progress: every column (the half year of each value, expected now, verified "
          "values, the reviewer's reasons); without it the table fits 100 columns");
ABSL_FLAG(std::string, plan_type, "", "kpi national/reporting: only plans of type A, B or C");
ABSL_FLAG(bool, include_tokyo_area, false,
          "kpi national: count values at Tokyo-area prefectures too");
ABSL_FLAG(bool, csv, false, "kpi national: RFC 4180 CSV in UTF-8 instead of a table");
ABSL_FLAG(bool, bom, false, "kpi national: start the CSV with a UTF-8 BOM (for Excel); implies --csv");
ABSL_FLAG(int, max_lines, 10000, "kpi import: most data rows a file may have");
ABSL_FLAG(bool, dry_run, false,
          "kpi import: check every line, locally then by the service, and record nothing");
ABSL_FLAG(std::string, findings, "", "pdca advance CHECK: the findings (所見)");
ABSL_FLAG(std::string, action, "",
          "pdca advance ACT: an improvement action, \"description|owner|YYYY-MM-DD\"; repeat the "
          "flag or separate several with ';;'");
ABSL_FLAG(bool, request_revision, false,
          "pdca advance ACT: ask for a revision of the plan (the registry moves it to REVISING)");

namespace rfs::rfsctl {

namespace kv1 = kpi::v1;
namespace rv1 = registry::v1;

// ---- Pure helpers ----

namespace {

bool AllDigits(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

bool IsIndicatorId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-')) return false;
  }
  return true;
}

bool IsRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
  }
  return true;
}

std::string Quoted(absl::string_view text) { return absl::StrCat("'", Excerpt(text), "'"); }

std::string Spaces(size_t n) { return std::string(n, ' '); }

// A local message in the language of --lang: `en` in English, `ja` otherwise.
std::string Say(bool english, absl::string_view en, absl::string_view ja) {
  return std::string(english ? en : ja);
}

// The header of a table in --lang.
std::vector<std::string> Header(bool english, std::vector<std::string> en,
                                std::vector<std::string> ja) {
  return english ? std::move(en) : std::move(ja);
}

}  // namespace

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

// ---- CSV ----

std::vector<CsvRecord> ParseCsv(absl::string_view text, bool english) {
  const bool en = english;
  std::vector<CsvRecord> out;
  absl::ConsumePrefix(&text, "\xEF\xBB\xBF");
  const size_t n = text.size();
  size_t i = 0;
  int line = 1;
  auto at_end_of_line = [&](size_t j) { return j >= n || text[j] == '\n' || text[j] == '\r'; };
  auto consume_line_end = [&] {
    if (i < n && text[i] == '\r') {
      ++i;
      if (i < n && text[i] == '\n') ++i;
      ++line;
    } else if (i < n && text[i] == '\n') {
      ++i;
      ++line;
    }
  };
  auto skip_rest_of_line = [&] {
    while (!at_end_of_line(i)) ++i;
    consume_line_end();
  };
  while (i < n) {
    if (text[i] == '\n' || text[i] == '\r') {  // a blank line
      consume_line_end();
      continue;
    }
    CsvRecord record;
    record.line = line;
    for (;;) {
      std::string field;
      if (i < n && text[i] == '"') {
        ++i;
        bool closed = false;
        while (i < n) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          if (c == '\r' && i + 1 < n && text[i + 1] == '\n') {  // CRLF inside quotes → LF
            ++i;
            continue;
          }
          if (c == '\n') ++line;
          field += c;
          ++i;
        }
        if (!closed) {
          record.error = Say(en, "a quoted field is not closed (a '\"' is missing)",
                             "引用符で始まる項目が閉じていません（'\"' がありません）");
          i = n;
          break;
        }
        if (!at_end_of_line(i) && text[i] != ',') {
          record.error = Say(en, "text after a closing quote (inside quotes, write a quote as \"\")",
                             "閉じ引用符の後に文字があります（引用符の中の '\"' は \"\" と書きます）");
          skip_rest_of_line();
          break;
        }
      } else {
        const size_t start = i;
        while (i < n && text[i] != ',' && text[i] != '"' && !at_end_of_line(i)) ++i;
        if (i < n && text[i] == '"') {
          record.error = Say(en,
                             "a quote inside an unquoted field (put the whole field in quotes and "
                             "write the quote as \"\")",
                             "引用符で囲まない項目の中に '\"' があります（項目全体を引用符で囲み、"
                             "'\"' は \"\" と書きます）");
          skip_rest_of_line();
          break;
        }
        field.assign(text.data() + start, i - start);
      }
      record.fields.push_back(std::move(field));
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      consume_line_end();
      break;
    }
    out.push_back(std::move(record));
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseCsvLine(absl::string_view line) {
  std::vector<CsvRecord> records = ParseCsv(line);
  if (records.empty()) return std::vector<std::string>{""};
  if (!records[0].error.empty()) return absl::InvalidArgumentError(records[0].error);
  if (records.size() > 1) return absl::InvalidArgumentError("more than one CSV record");
  return std::move(records[0].fields);
}

std::string CsvField(absl::string_view value) {
  const bool quote = value.find_first_of(",\"\r\n") != absl::string_view::npos ||
                     (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return std::string(value);
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\"", "\"\""}}), "\"");
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  return out + "\r\n";
}

// ---- Import ----

ImportBatch ParseImportCsv(absl::string_view text, bool english) {
  const bool en = english;
  const std::string line_word = Say(en, "line ", "");
  const std::string line_end = Say(en, ": ", "行目: ");
  // "line 7: " in English, "7行目: " in Japanese.
  const auto at = [&](int line) { return absl::StrCat(line_word, line, line_end); };
  enum Column { kPlan, kIndicator, kPeriod, kValue, kBreakdown, kSource, kNote, kRequestId, kCount };
  static constexpr const char* kNames[kCount] = {"plan",      "indicator", "period", "value",
                                                 "breakdown", "source",    "note",   "request_id"};
  static constexpr int kRequired = 4;  // plan, indicator, period, value
  ImportBatch batch;
  const std::string digest = Sha256Hex(text).substr(0, 16);
  const std::vector<CsvRecord> records = ParseCsv(text, en);
  if (records.empty()) {
    batch.errors.push_back(absl::StrCat(
        at(1), Say(en, "the file is empty; it needs a header: ",
                   "ファイルが空です。見出し行が必要です: "),
        "plan,indicator,period,value,breakdown,source,note,request_id"));
    return batch;
  }
  const CsvRecord& header = records[0];
  if (!header.error.empty()) {
    batch.errors.push_back(
        absl::StrCat(at(header.line), Say(en, "header: ", "見出し行: "), header.error));
    return batch;
  }
  int position[kCount];
  std::fill(std::begin(position), std::end(position), -1);
  for (size_t c = 0; c < header.fields.size(); ++c) {
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header.fields[c]));
    const auto* it = std::find_if(std::begin(kNames), std::end(kNames),
                                  [&](const char* n) { return name == n; });
    if (it == std::end(kNames)) {
      batch.errors.push_back(absl::StrCat(
          at(header.line), Say(en, "unknown column ", "不明な列 "), Quoted(name),
          Say(en, " (the columns are ", "（列は "),
          "plan, indicator, period, value, breakdown, source, note, request_id",
          Say(en, ")", "）")));
      continue;
    }
    const int k = static_cast<int>(it - std::begin(kNames));
    if (position[k] >= 0) {
      batch.errors.push_back(absl::StrCat(at(header.line), Say(en, "column ", "列 "), name,
                                          Say(en, " appears twice", " が2回あります")));
      continue;
    }
    position[k] = static_cast<int>(c);
  }
  for (int k = 0; k < kRequired; ++k) {
    if (position[k] < 0) {
      batch.errors.push_back(
          en ? absl::StrCat(at(header.line), "the header has no ", kNames[k], " column")
             : absl::StrCat(at(header.line), "見出し行に ", kNames[k], " 列がありません"));
    }
  }
  if (!batch.errors.empty()) return batch;  // the lines cannot be read without their header
  if (records.size() == 1) {
    batch.errors.push_back(absl::StrCat(
        at(header.line), Say(en, "no measurements after the header", "見出し行の後に実績値がありません")));
    return batch;
  }

  std::map<std::string, int> first_line;  // "plan indicator period" → line
  for (size_t r = 1; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (!record.error.empty()) {
      batch.errors.push_back(absl::StrCat(at(record.line), record.error));
      continue;
    }
    if (record.fields.size() != header.fields.size()) {
      batch.errors.push_back(
          en ? absl::StrCat(at(record.line), record.fields.size(), " columns, the header has ",
                            header.fields.size())
             : absl::StrCat(at(record.line), "列の数が ", record.fields.size(), " です（見出し行は ",
                            header.fields.size(), "）"));
      continue;
    }
    auto cell = [&](Column k) -> std::string {
      return position[k] < 0 ? std::string()
                             : std::string(absl::StripAsciiWhitespace(record.fields[position[k]]));
    };
    std::vector<std::string> reasons;
    ImportLine out;
    out.line = record.line;
    kv1::RecordMeasurementRequest& req = out.request;

    const std::string plan = NormalizePlanName(cell(kPlan));
    if (!IsPlanName(plan)) {
      reasons.push_back(absl::StrCat(
          "plan ", Quoted(cell(kPlan)),
          Say(en, " is not a plan name like B-00001 or plans/B-00001",
              " は計画名ではありません（例: B-00001 または plans/B-00001）")));
    }
    req.set_plan(plan);
    const std::string indicator = cell(kIndicator);
    if (!IsIndicatorId(indicator)) {
      reasons.push_back(absl::StrCat("indicator ", Quoted(indicator),
                                     Say(en, " is not an indicator id like kgi-capex",
                                         " は指標IDではありません（例: kgi-capex）")));
    }
    req.set_indicator_id(indicator);
    const std::optional<common::v1::FiscalPeriod> period = ParseHalfYear(cell(kPeriod));
    if (!period.has_value()) {
      reasons.push_back(absl::StrCat("period ", Quoted(cell(kPeriod)),
                                     Say(en, " is not a half year like 2026-H2",
                                         " は半期ではありません（例: 2026-H2）")));
    } else {
      *req.mutable_period() = *period;
    }
    int64_t value = 0;
    const bool value_ok = ParseFixedInteger(cell(kValue), &value);
    if (!value_ok) {
      reasons.push_back(absl::StrCat(
          "value ", Quoted(cell(kValue)),
          Say(en,
              " is not an integer (values are fixed-point: 3.6% is 36 for an indicator with 1 "
              "decimal place; no separators)",
              " は整数ではありません（値は固定小数点で書きます。小数1桁の指標の 3.6% は 36。"
              "桁区切りは不要）")));
    }
    req.set_value(value);
    auto parts = ParseBreakdown(cell(kBreakdown), en);
    if (!parts.ok()) {
      reasons.push_back(absl::StrCat("breakdown: ", parts.status().message()));
    } else {
      if (value_ok) {
        if (absl::Status sum = CheckBreakdownSum(*parts, value, en); !sum.ok()) {
          reasons.push_back(absl::StrCat("breakdown: ", sum.message()));
        }
      }
      for (auto& part : *parts) *req.add_breakdown() = std::move(part);
    }
    // Source and note keep their inner spaces and line breaks; only the cell's ends are trimmed.
    req.set_source(cell(kSource));
    if (CountCodePoints(req.source()) > 500) {
      reasons.push_back(Say(en, "source is longer than 500 characters",
                            "source が500文字を超えています"));
    }
    req.set_note(cell(kNote));
    if (CountCodePoints(req.note()) > 2000) {
      reasons.push_back(Say(en, "note is longer than 2,000 characters",
                            "note が2,000文字を超えています"));
    }
    const std::string request_id = cell(kRequestId);
    if (!request_id.empty() && !IsRequestId(request_id)) {
      reasons.push_back(absl::StrCat(
          "request_id ", Quoted(request_id),
          Say(en, " is not 1..128 letters, digits, '-', '_', '.' or ':'",
              " は英数字と '-' '_' '.' ':' の1〜128文字ではありません")));
    }
    req.set_request_id(request_id.empty() ? absl::StrCat("import-", digest, "-", record.line)
                                          : request_id);
    if (reasons.empty()) {
      const std::string key =
          absl::StrCat(req.plan(), " ", req.indicator_id(), " ", FormatHalfYear(req.period()));
      auto [it, inserted] = first_line.emplace(key, record.line);
      if (!inserted) {
        reasons.push_back(en ? absl::StrCat("the same plan, indicator and period as line ",
                                            it->second)
                             : absl::StrCat(it->second, "行目と同じ計画・指標・期間です"));
      }
    }
    if (!reasons.empty()) {
      batch.errors.push_back(absl::StrCat(at(record.line), absl::StrJoin(reasons, en ? "; " : "。")));
    } else {
      batch.lines.push_back(std::move(out));
    }
  }
  if (!batch.errors.empty()) batch.lines.clear();
  return batch;
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

// ---- Reports ----

namespace {

std::string KgiId(rv1::MandatoryKgi kgi) {
  return std::string(absl::StripPrefix(rv1::MandatoryKgi_Name(kgi), "MANDATORY_KGI_"));
}

std::string KgiName(rv1::MandatoryKgi kgi, bool english) {
  switch (kgi) {
    case rv1::MANDATORY_KGI_CAPEX:
      return english ? "Capital expenditure (public and private)" : "官民設備投資額";
    case rv1::MANDATORY_KGI_VALUE_ADDED:
      return english ? "Increase in value added" : "付加価値増加額";
    case rv1::MANDATORY_KGI_TALENT:
      return english ? "Talent trained for industry needs" : "産業ニーズに即した人材育成数";
    default:
      return KgiId(kgi);
  }
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

// ---- Commands ----

namespace {

using Stub = kv1::KpiTracking::Stub;

// A unary method of rfs-kpi, e.g. &Stub::RecordMeasurement.
template <typename Request, typename Response>
using Method = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

class KpiClient {
 public:
  explicit KpiClient(const KpiGlobals& g) : g_(g) {
    ChannelOptions options;
    options.target = absl::GetFlag(FLAGS_kpi_addr);
    options.tls = g.tls;
    options.ca_file = g.ca_file;
    stub_ = kv1::KpiTracking::NewStub(MakeChannel(options));
  }
  const KpiGlobals& g() const { return g_; }

  // One call with the token, deadline and language of the globals.
  template <typename Request, typename Response>
  grpc::Status Call(Method<Request, Response> method, const Request& request,
                    Response* response) const {
    grpc::ClientContext ctx;
    PrepareContext(&ctx, g_.token, g_.timeout, g_.english);
    return ((*stub_).*method)(&ctx, request, response);
  }
  // The same, for a command: 0 when the call succeeds, else the error printed (FailRpc, after
  // `prefix`) and its exit code.
  template <typename Request, typename Response>
  int CallOrFail(Method<Request, Response> method, const Request& request, Response* response,
                 const std::string& prefix = "") const {
    const grpc::Status s = Call(method, request, response);
    return s.ok() ? 0 : FailRpc(s, g_.english, prefix);
  }

 private:
  const KpiGlobals& g_;
  std::unique_ptr<Stub> stub_;
};

// Protobuf JSON on standard output (--json). Returns 0.
int PrintJson(const google::protobuf::Message& m) {
  std::printf("%s", ToJson(m).c_str());
  return 0;
}

// The answer of a command: protobuf JSON with --json, else what `print` prints. Returns 0.
template <typename Print>
int Output(const KpiGlobals& g, const google::protobuf::Message& m, const Print& print) {
  if (g.json) return PrintJson(m);
  print();
  return 0;
}

// The indicators of a plan by id, from its progress, for their units and decimal places (best
// effort: empty when it cannot be read, and values are then shown as plain fixed-point integers).
std::map<std::string, rv1::Indicator> IndicatorsOf(const KpiClient& c, const std::string& plan) {
  std::map<std::string, rv1::Indicator> indicators;
  kv1::GetProgressRequest req;
  req.set_plan(plan);
  kv1::PlanProgress progress;
  if (c.Call(&Stub::GetProgress, req, &progress).ok()) {
    for (const auto& p : progress.indicators()) indicators[p.indicator().id()] = p.indicator();
  }
  return indicators;
}

// A measurement after record, verify or return: its name, revision (etag) and state.
int OutputMeasurement(const KpiGlobals& g, const kv1::Measurement& m) {
  const bool en = g.english;
  return Output(g, m, [&] {
    std::printf("%s  revision %lld (etag %s)  %s%s\n", m.name().c_str(),
                static_cast<long long>(m.revision()), m.etag().c_str(),
                StateWord(m.state(), en).c_str(),
                m.late() ? (en ? "  (late)" : "  （期限後の報告）") : "");
    if (m.outside_national_kgis()) {
      std::printf("%s\n",
                  en ? "note: the lead prefecture is in the Tokyo area and the value has no "
                       "breakdown, so the national KGIs leave it out; give --breakdown "
                       "PREF=VALUE,... to count the parts outside the Tokyo area"
                     : "注: 代表都道府県が東京圏で内訳がないため、この値は全国の KGI に含まれ"
                       "ません。東京圏外の分を含めるには --breakdown 都道府県コード=値,… で内訳を"
                       "指定してください");
    }
  });
}

// NAME, or PLAN INDICATOR FY-H.
std::optional<std::string> MeasurementNameArg(const std::vector<std::string>& args) {
  if (args.size() == 1) {
    return absl::StartsWith(args[0], "plans/") ? args[0] : "plans/" + args[0];
  }
  if (args.size() == 3) {
    const auto period = ParseHalfYear(args[2]);
    if (!period.has_value()) return std::nullopt;
    return absl::StrCat(NormalizePlanName(args[0]), "/indicators/", args[1], "/measurements/",
                        FormatHalfYear(*period));
  }
  return std::nullopt;
}

// A half year argument into `period`: 0, or the usage error printed (after `command`).
int ReadHalfYearArg(absl::string_view command, const std::string& arg,
                    common::v1::FiscalPeriod* period, bool english) {
  const auto parsed = ParseHalfYear(arg);
  if (!parsed.has_value()) {
    return Fail(absl::StrCat(command, ": '", arg,
                             Say(english, "' is not a half year like 2026-H2",
                                 "' は半期ではありません（例: 2026-H2）")));
  }
  *period = *parsed;
  return 0;
}

// PLAN FY-H (args[0] and args[1]) into the plan and period of `req`: 0, or the usage error
// printed.
template <typename Request>
int ReadPlanAndHalfYear(absl::string_view command, const std::vector<std::string>& args,
                        Request* req, bool english) {
  req->set_plan(NormalizePlanName(args[0]));
  return ReadHalfYearArg(command, args[1], req->mutable_period(), english);
}

// --plan_type A, B or C into `type` (UNSPECIFIED when not given); false for anything else.
bool ReadPlanTypeFlag(rv1::PlanType* type) {
  const std::string text = absl::AsciiStrToUpper(absl::GetFlag(FLAGS_plan_type));
  *type = rv1::PLAN_TYPE_UNSPECIFIED;
  if (text.empty()) return true;
  return rv1::PlanType_Parse("PLAN_TYPE_" + text, type) && *type != rv1::PLAN_TYPE_UNSPECIFIED;
}

int CmdRecord(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 4) {
    return Fail("kpi record: usage: rfsctl kpi record PLAN INDICATOR FY-H VALUE [--breakdown "
                "160008=30,170003=70] [--source S] [--note N] [--request_id ID] [--etag E]");
  }
  kv1::RecordMeasurementRequest req;
  req.set_plan(NormalizePlanName(args[0]));
  req.set_indicator_id(args[1]);
  const auto period = ParseHalfYear(args[2]);
  if (!period.has_value()) {
    return Fail(absl::StrCat("kpi record: '", args[2],
                             Say(g.english, "' is not a half year like 2026-H2",
                                 "' は半期ではありません（例: 2026-H2）")));
  }
  *req.mutable_period() = *period;
  int64_t value = 0;
  if (!ParseFixedInteger(args[3], &value)) {
    return Fail(absl::StrCat(
        "kpi record: ", Say(g.english, "value '", "値 '"), args[3],
        Say(g.english,
            "' is not an integer (values are fixed-point: 3.6% is 36 for an indicator with 1 "
            "decimal place)",
            "' は整数ではありません（値は固定小数点で書きます。小数1桁の指標の 3.6% は 36）")));
  }
  req.set_value(value);
  auto parts = ParseBreakdown(absl::GetFlag(FLAGS_breakdown), g.english);
  if (!parts.ok()) return Fail(absl::StrCat("kpi record: --breakdown: ", parts.status().message()));
  if (absl::Status sum = CheckBreakdownSum(*parts, value, g.english); !sum.ok()) {
    return Fail(absl::StrCat("kpi record: --breakdown: ", sum.message()));
  }
  for (auto& part : *parts) *req.add_breakdown() = std::move(part);
  req.set_source(absl::GetFlag(FLAGS_source));
  req.set_note(absl::GetFlag(FLAGS_note));
  req.set_request_id(g.request_id.empty() ? NewRequestId() : g.request_id);
  req.set_etag(g.etag);
  kv1::Measurement resp;
  if (int code = c.CallOrFail(&Stub::RecordMeasurement, req, &resp)) return code;
  return OutputMeasurement(g, resp);
}

int CmdReview(KpiClient& c, const std::vector<std::string>& args, bool verify) {
  const KpiGlobals& g = c.g();
  const char* usage = verify ? "kpi verify: usage: rfsctl kpi verify NAME [--comment C] [--etag E] "
                               "(NAME, or PLAN INDICATOR FY-H)"
                             : "kpi return: usage: rfsctl kpi return NAME --comment C [--etag E] "
                               "(NAME, or PLAN INDICATOR FY-H)";
  const std::optional<std::string> name = MeasurementNameArg(args);
  if (!name.has_value()) return Fail(usage);
  if (!verify && absl::StripAsciiWhitespace(g.comment).empty()) {
    return Fail(Say(g.english, "kpi return: --comment is required: say what the authors should look at",
                    "kpi return: --comment が必要です。作成者に見直してほしい点を書いてください"));
  }
  // VerifyMeasurementRequest and ReturnMeasurementRequest have the same fields.
  auto fill = [&](auto* req) {
    req->set_name(*name);
    req->set_etag(g.etag);
    req->set_comment(g.comment);
  };
  kv1::Measurement resp;
  int code = 0;
  if (verify) {
    kv1::VerifyMeasurementRequest req;
    fill(&req);
    code = c.CallOrFail(&Stub::VerifyMeasurement, req, &resp);
  } else {
    kv1::ReturnMeasurementRequest req;
    fill(&req);
    code = c.CallOrFail(&Stub::ReturnMeasurement, req, &resp);
  }
  if (code != 0) return code;
  return OutputMeasurement(g, resp);
}

std::string ActionWord(kv1::MeasurementChange::Action action, bool english) {
  switch (action) {
    case kv1::MeasurementChange::ACTION_RECORDED:
      return english ? "RECORDED" : "登録";
    case kv1::MeasurementChange::ACTION_CORRECTED:
      return english ? "CORRECTED" : "訂正";
    case kv1::MeasurementChange::ACTION_VERIFIED:
      return english ? "VERIFIED" : "確認";
    case kv1::MeasurementChange::ACTION_RETURNED:
      return english ? "RETURNED" : "差戻し";
    default:
      return "-";
  }
}

int CmdList(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  const bool en = g.english;
  if (args.size() != 1) return Fail("kpi list: usage: rfsctl kpi list PLAN [--history]");
  kv1::ListMeasurementsRequest req;
  req.set_plan(NormalizePlanName(args[0]));
  req.set_include_history(g.history);
  // Every page; a measurement whose history spans pages comes again with the rest of it.
  kv1::ListMeasurementsResponse resp;
  do {
    kv1::ListMeasurementsResponse page;
    if (int code = c.CallOrFail(&Stub::ListMeasurements, req, &page)) return code;
    for (kv1::Measurement& m : *page.mutable_measurements()) {
      const int n = resp.measurements_size();
      if (n > 0 && resp.measurements(n - 1).name() == m.name()) {
        for (auto& entry : *m.mutable_history()) {
          *resp.mutable_measurements(n - 1)->add_history() = std::move(entry);
        }
      } else {
        *resp.add_measurements() = std::move(m);
      }
    }
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  if (g.json) return PrintJson(resp);
  const std::map<std::string, rv1::Indicator> indicators = IndicatorsOf(c, req.plan());
  auto value_text = [&](const std::string& id, int64_t v) {
    return ValueText(indicators, id, v, en);
  };
  if (resp.measurements().empty()) {
    std::printf("%s\n", en ? "(no measurements)" : "（報告された値はありません）");
    return 0;
  }
  TextTable table(Header(en,
                         {"INDICATOR", "PERIOD", "VALUE", "STATE", "VERIFIED", "ETAG",
                          "REPORTED BY", "REPORTED AT", "NAME"},
                         {"指標", "期", "値", "状態", "確認済の値", "ETAG", "報告者", "報告日時",
                          "名前"}),
                  40);
  table.SetMaxWidth(8, 90);
  for (size_t column : {2, 4}) table.AlignRight(column);
  for (const auto& m : resp.measurements()) {
    table.Add({m.indicator_id(), FormatHalfYear(m.period()), value_text(m.indicator_id(), m.value()),
               StateWord(m.state(), en),
               m.has_verified_value() ? value_text(m.indicator_id(), m.verified_value()) : "—",
               m.etag(), m.reported_by(),
               JstTime(m.report_time()) + (m.late() ? (en ? " (late)" : "（期限後）") : ""),
               m.name()});
  }
  std::printf("%s", table.Render().c_str());
  if (g.history) {
    for (const auto& m : resp.measurements()) {
      if (m.history().empty()) continue;
      std::printf("\n%s\n", m.name().c_str());
      TextTable history(Header(en, {"REV", "TIME", "ACTION", "WHO", "OLD", "NEW", "REASON"},
                               {"版", "日時", "操作", "実施者", "変更前", "変更後", "理由"}),
                        60);
      for (size_t column : {4, 5}) history.AlignRight(column);
      for (const auto& h : m.history()) {
        history.Add({absl::StrCat(h.revision()), JstTime(h.time()), ActionWord(h.action(), en),
                     h.actor(), h.has_old_value() ? value_text(m.indicator_id(), h.old_value()) : "",
                     h.has_new_value() ? value_text(m.indicator_id(), h.new_value()) : "",
                     h.reason()});
      }
      std::string rendered = history.Render();
      // Indent the history under its measurement.
      absl::StrReplaceAll({{"\n", "\n  "}}, &rendered);
      std::printf("  %s", std::string(absl::StripSuffix(rendered, "  ")).c_str());
    }
  }
  return 0;
}

bool UseColor() { return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr; }

int CmdProgress(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 1) return Fail("kpi progress: usage: rfsctl kpi progress PLAN [--as_of 2026-H2] [--wide]");
  kv1::GetProgressRequest req;
  req.set_plan(NormalizePlanName(args[0]));
  const std::string as_of = absl::GetFlag(FLAGS_as_of);
  if (!as_of.empty()) {
    const auto period = ParseHalfYear(as_of);
    if (!period.has_value()) {
      return Fail(absl::StrCat("kpi progress: --as_of '", as_of,
                               Say(g.english, "' is not a half year like 2026-H2",
                                   "' は半期ではありません（例: 2026-H2）")));
    }
    *req.mutable_as_of() = *period;
  }
  kv1::PlanProgress resp;
  if (int code = c.CallOrFail(&Stub::GetProgress, req, &resp)) return code;
  return Output(g, resp, [&] {
    std::printf("%s",
                RenderProgressReport(resp, g.english, UseColor(), absl::GetFlag(FLAGS_wide)).c_str());
  });
}

int CmdOverride(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  const bool en = g.english;
  if (args.size() != 3) {
    return Fail("kpi override: usage: rfsctl kpi override PLAN INDICATOR STATUS --reason R "
                "(STATUS: ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, DETERIORATING, NO_DATA, "
                "TARGET_UNSET, or clear)");
  }
  kv1::OverrideStatusRequest req;
  req.set_plan(NormalizePlanName(args[0]));
  req.set_indicator_id(args[1]);
  kv1::ProgressStatus status;
  if (!ParseStatusArg(args[2], &status)) {
    return Fail(absl::StrCat("kpi override: '", args[2],
                             Say(g.english, "' is not a status (", "' は状況ではありません（"),
                             "ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, DETERIORATING, NO_DATA, "
                             "TARGET_UNSET, ", Say(g.english, "or clear)", "または clear）")));
  }
  req.set_status(status);
  req.set_reason(absl::GetFlag(FLAGS_reason));
  if (absl::StripAsciiWhitespace(req.reason()).empty()) {
    return Fail(Say(g.english, "kpi override: --reason is required (also to clear)",
                    "kpi override: --reason が必要です（取り消すときも）"));
  }
  kv1::StatusOverride resp;
  if (int code = c.CallOrFail(&Stub::OverrideStatus, req, &resp)) return code;
  return Output(g, resp, [&] {
    if (resp.status() == kv1::PROGRESS_STATUS_UNSPECIFIED) {
      std::printf(en ? "%s %s: reviewer's status cleared (by %s)\n"
                     : "%s %s: 確認者の判断を取り消しました（%s）\n",
                  resp.plan().c_str(), resp.indicator_id().c_str(), resp.actor().c_str());
    } else {
      std::printf(en ? "%s %s: reviewer's status %s: %s (by %s)\n"
                     : "%s %s: 確認者の判断 %s: %s（%s）\n",
                  resp.plan().c_str(), resp.indicator_id().c_str(),
                  StatusWord(resp.status(), en).c_str(), resp.reason().c_str(),
                  resp.actor().c_str());
    }
  });
}

int CmdUnlock(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  const bool en = g.english;
  if (args.size() != 2) {
    return Fail("kpi unlock: usage: rfsctl kpi unlock PLAN FY-H --reason R [--until 2026-12-31]");
  }
  kv1::UnlockPeriodRequest req;
  if (int code = ReadPlanAndHalfYear("kpi unlock", args, &req, g.english)) return code;
  req.set_reason(absl::GetFlag(FLAGS_reason));
  if (absl::StripAsciiWhitespace(req.reason()).empty()) {
    return Fail(Say(en, "kpi unlock: --reason is required", "kpi unlock: --reason が必要です"));
  }
  const std::string until = absl::GetFlag(FLAGS_until);
  if (!until.empty()) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime("%Y-%m-%d", until, JapanTimeZone(), &t, &err)) {
      t += absl::Hours(24);  // through the whole day, JST
    } else if (!absl::ParseTime(absl::RFC3339_full, until, &t, &err)) {
      return Fail(absl::StrCat("kpi unlock: --until '", until,
                               Say(en, "' is not a date like 2026-12-31 or an RFC 3339 time",
                                   "' は日付（例: 2026-12-31）でも RFC 3339 の時刻でもありません")));
    }
    req.mutable_until()->set_seconds(absl::ToUnixSeconds(t));
  }
  kv1::PeriodLock resp;
  if (int code = c.CallOrFail(&Stub::UnlockPeriod, req, &resp)) return code;
  return Output(g, resp, [&] {
    const std::string deadline = DueDate(resp.deadline());
    if (en) {
      std::printf("%s %s: open for reports until %s JST (by %s; deadline %s); %s\n",
                  resp.plan().c_str(), FormatHalfYear(resp.period()).c_str(),
                  JstTime(resp.unlocked_until()).c_str(), resp.unlocked_by().c_str(),
                  deadline.c_str(), resp.locked() ? "still locked now" : "accepting reports now");
    } else {
      std::printf("%s %s: %s（日本時間）まで報告の受付を再開しました（%s、本来の期限 %s）。現在: %s\n",
                  resp.plan().c_str(), FormatHalfYear(resp.period()).c_str(),
                  JstTime(resp.unlocked_until()).c_str(), resp.unlocked_by().c_str(),
                  deadline.c_str(), resp.locked() ? "締切" : "受付中");
    }
  });
}

int CmdNational(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 1) {
    return Fail("kpi national: usage: rfsctl kpi national FY [--plan_type A] [--block HOKURIKU] "
                "[--field ID] [--prefecture 160008] [--include_tokyo_area] [--csv] [--bom]");
  }
  const std::optional<int> year = ParseFiscalYearArg(args[0]);
  if (!year.has_value()) {
    return Fail(absl::StrCat("kpi national: '", args[0],
                             Say(g.english, "' is not a fiscal year like 2026",
                                 "' は年度ではありません（例: 2026）")));
  }
  kv1::AggregateKgiRequest req;
  req.set_fiscal_year(*year);
  rv1::PlanType type;
  if (!ReadPlanTypeFlag(&type)) {
    return Fail(Say(g.english, "kpi national: --plan_type must be A, B or C",
                    "kpi national: --plan_type は A、B、C のいずれかです"));
  }
  req.set_plan_type(type);
  req.set_block(absl::AsciiStrToUpper(g.block));
  req.set_strategic_field(g.field);
  req.set_prefecture_code(g.prefecture);
  req.set_include_tokyo_area(absl::GetFlag(FLAGS_include_tokyo_area));
  kv1::AggregateKgiResponse resp;
  if (int code = c.CallOrFail(&Stub::AggregateKgi, req, &resp)) return code;
  const bool bom = absl::GetFlag(FLAGS_bom);
  if (absl::GetFlag(FLAGS_csv) || bom) {
    const std::string csv = NationalCsv(resp, g.english, bom);
    std::fwrite(csv.data(), 1, csv.size(), stdout);
    return 0;
  }
  return Output(g, resp, [&] {
    std::printf("%s", RenderNationalReport(req, resp, g.english).c_str());
  });
}

int CmdReporting(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 1) {
    return Fail(
        "kpi reporting: usage: rfsctl kpi reporting FY-H [--plan_type A] [--block HOKURIKU]");
  }
  kv1::GetReportingStatusRequest req;
  if (int code = ReadHalfYearArg("kpi reporting", args[0], req.mutable_period(), g.english)) {
    return code;
  }
  rv1::PlanType type;
  if (!ReadPlanTypeFlag(&type)) {
    return Fail(Say(g.english, "kpi reporting: --plan_type must be A, B or C",
                    "kpi reporting: --plan_type は A、B、C のいずれかです"));
  }
  req.set_plan_type(type);
  req.set_block(absl::AsciiStrToUpper(g.block));
  kv1::ReportingStatus resp;
  if (int code = c.CallOrFail(&Stub::GetReportingStatus, req, &resp)) return code;
  return Output(g, resp, [&] {
    std::printf("%s", RenderReportingStatus(req, resp, g.english).c_str());
  });
}

int CmdPdcaShow(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 2) return Fail("pdca show: usage: rfsctl pdca show PLAN FY-H");
  kv1::GetPdcaCycleRequest req;
  if (int code = ReadPlanAndHalfYear("pdca show", args, &req, g.english)) return code;
  kv1::PdcaCycle resp;
  if (int code = c.CallOrFail(&Stub::GetPdcaCycle, req, &resp)) return code;
  return Output(g, resp, [&] {
    // The units of the values CHECK recorded, only when it recorded any.
    const auto indicators = resp.checks().empty() ? std::map<std::string, rv1::Indicator>()
                                                  : IndicatorsOf(c, resp.plan());
    std::printf("%s", RenderPdcaCycle(resp, indicators, g.english).c_str());
  });
}

int CmdPdcaAdvance(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 3) {
    return Fail("pdca advance: usage: rfsctl pdca advance PLAN FY-H DO|CHECK|ACT [--findings TEXT] "
                "[--action \"description|owner|YYYY-MM-DD\" ...] [--request_revision] "
                "[--comment C] [--etag E]");
  }
  kv1::AdvancePdcaCycleRequest req;
  if (int code = ReadPlanAndHalfYear("pdca advance", args, &req, g.english)) return code;
  const std::optional<kv1::PdcaPhase> phase = ParsePdcaPhaseArg(args[2]);
  if (!phase.has_value()) {
    return Fail(absl::StrCat("pdca advance: '", args[2],
                             Say(g.english, "' is not a phase to move to: ",
                                 "' は進める先の段階ではありません: "),
                             "DO (実行), CHECK (評価), ACT (改善)"));
  }
  req.set_to_phase(*phase);
  const bool check = *phase == kv1::PDCA_PHASE_CHECK;
  const bool act = *phase == kv1::PDCA_PHASE_ACT;
  req.set_findings(absl::GetFlag(FLAGS_findings));
  if (check && absl::StripAsciiWhitespace(req.findings()).empty()) {
    return Fail(Say(g.english, "pdca advance: CHECK needs --findings: what the indicators show",
                    "pdca advance: CHECK には --findings（指標から分かったこと）が必要です"));
  }
  if (!check && !req.findings().empty()) {
    return Fail(Say(g.english, "pdca advance: --findings goes with the move to CHECK",
                    "pdca advance: --findings は CHECK へ進めるときに使います"));
  }
  std::vector<std::string> values = g.actions;
  if (values.empty() && !absl::GetFlag(FLAGS_action).empty()) {
    values.push_back(absl::GetFlag(FLAGS_action));  // from RFS_ACTION
  }
  auto actions = ParseImprovementActions(values, g.english);
  if (!actions.ok()) {
    return Fail(absl::StrCat("pdca advance: --action: ", actions.status().message()));
  }
  for (auto& a : *actions) *req.add_actions() = std::move(a);
  req.set_request_revision(absl::GetFlag(FLAGS_request_revision));
  if (act && req.actions().empty()) {
    return Fail(Say(g.english,
                    "pdca advance: ACT needs at least one --action \"description|owner|YYYY-MM-DD\"",
                    "pdca advance: ACT には --action \"内容|担当|YYYY-MM-DD\" が1つ以上必要です"));
  }
  if (!act && (!req.actions().empty() || req.request_revision())) {
    return Fail(Say(g.english, "pdca advance: --action and --request_revision go with the move to ACT",
                    "pdca advance: --action と --request_revision は ACT へ進めるときに使います"));
  }
  req.set_comment(g.comment);
  req.set_etag(g.etag);
  kv1::PdcaCycle resp;
  if (int code = c.CallOrFail(&Stub::AdvancePdcaCycle, req, &resp)) return code;
  return Output(g, resp, [&] {
    const bool en = g.english;
    const std::string now = PdcaPhaseWord(resp.phase(), /*english=*/true);
    std::printf(en ? "%s is now %s (etag %s)\n" : "%s は %s になりました（etag %s）\n",
                resp.name().c_str(), now.c_str(), resp.etag().c_str());
    if (resp.revision_requested()) {
      std::printf(en ? "%s: revision requested; the plan is REVISING (version %lld)\n"
                     : "%s: 計画の見直しを依頼しました。計画は見直し中（REVISING、第%lld版）です\n",
                  resp.plan().c_str(), static_cast<long long>(resp.revision_plan_version()));
    }
  });
}

// The error of a command run without a token.
std::string NoToken(bool english) {
  return absl::StrCat(Say(english, "no token: set RFS_TOKEN (e.g. ",
                          "トークンがありません: RFS_TOKEN を設定するか（例: "),
                      "export RFS_TOKEN=$(rfsctl token --key_file KEY --role prefecture "
                      "--body_code 160008)",
                      Say(english, ") or pass --token / --token_file",
                          "）、--token か --token_file を指定してください"));
}

// A line of an import the server refused, with its error.
struct Refusal {
  int line = 0;
  grpc::Status status;
};

// True for an error about the service or the caller rather than about one line: every other
// line would get it too.
bool IsServiceError(grpc::StatusCode code) {
  return code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         code == grpc::StatusCode::UNAUTHENTICATED;
}

// Lines checked by the service at once (validate_only calls in flight).
constexpr int kCheckers = 8;
// Bad lines listed on stderr; the rest are counted.
constexpr size_t kListedErrors = 50;

// Checks the lines with RecordMeasurement validate_only, kCheckers calls in flight (the service
// writes nothing for them, and they count against no quota), showing a counter on stderr when
// it is a terminal. Every refusal goes to `refusals`, in line order; an error of the service or
// the token (not of a line) stops the check: the lines not yet sent are not checked. The lines
// whose values the national KGIs would leave out (Measurement.outside_national_kgis) go to
// `outside`, in line order.
void CheckImportLines(const KpiClient& c, const std::vector<ImportLine>& lines,
                      std::vector<Refusal>* refusals, std::vector<int>* outside) {
  const bool progress = isatty(STDERR_FILENO);
  const char* label = c.g().english ? "checking " : "確認中 ";
  const size_t total = lines.size();
  std::atomic<size_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  auto work = [&](int worker) {
    for (size_t i; !stop.load() && (i = next.fetch_add(1)) < total;) {
      kv1::RecordMeasurementRequest req = lines[i].request;
      req.set_validate_only(true);
      kv1::Measurement resp;
      const grpc::Status s = c.Call(&Stub::RecordMeasurement, req, &resp);
      if (!s.ok()) {
        if (IsServiceError(s.error_code())) stop = true;
        std::lock_guard<std::mutex> lock(mu);
        refusals->push_back({lines[i].line, s});
      } else if (resp.outside_national_kgis()) {
        std::lock_guard<std::mutex> lock(mu);
        outside->push_back(lines[i].line);
      }
      const size_t n = done.fetch_add(1) + 1;
      if (progress && worker == 0) {
        std::fprintf(stderr, "\r%s%s", label, RenderCounter(n, total).c_str());
      }
    }
  };
  std::vector<std::thread> workers;
  for (int w = 1; w < kCheckers; ++w) workers.emplace_back(work, w);
  work(0);
  for (std::thread& t : workers) t.join();
  if (progress) std::fprintf(stderr, "\r%s%s\n", label, RenderCounter(done, total).c_str());
  std::sort(refusals->begin(), refusals->end(),
            [](const Refusal& a, const Refusal& b) { return a.line < b.line; });
  std::sort(outside->begin(), outside->end());
}

// The longest wait for the write quota before a line is tried again (a quota of writes a
// minute frees up within a minute; one of bytes an hour may not, and stops the import).
constexpr absl::Duration kLongestQuotaWait = absl::Seconds(75);

// Records the lines in order with RecordMeasurement, showing a counter on stderr when it is a
// terminal, and returns how many were recorded before it stopped (all of them when it did not):
// the first failure stops it and goes to `refusals`. A line refused for the writer's quota
// with a delay (google.rpc.RetryInfo) of at most kLongestQuotaWait is sent again after it.
size_t RecordImportLines(const KpiClient& c, const std::vector<ImportLine>& lines,
                         std::vector<Refusal>* refusals) {
  const bool progress = isatty(STDERR_FILENO);
  const bool en = c.g().english;
  const char* label = en ? "recording " : "登録中 ";
  const size_t total = lines.size();
  size_t i = 0;
  for (; i < total; ++i) {
    if (progress) std::fprintf(stderr, "\r%s%s", label, RenderCounter(i, total).c_str());
    kv1::Measurement resp;
    grpc::Status s = c.Call(&Stub::RecordMeasurement, lines[i].request, &resp);
    for (std::optional<absl::Duration> delay;
         s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
         (delay = RetryDelayOf(FromGrpcStatus(s))).has_value() && *delay <= kLongestQuotaWait;) {
      std::fprintf(stderr,
                   en ? "\nline %d: the write quota is used up; waiting %lld s, then going on\n"
                      : "\n%d 行目: 書込み上限に達したため %lld 秒待ってから続けます\n",
                   lines[i].line, static_cast<long long>(absl::ToInt64Seconds(*delay)));
      absl::SleepFor(*delay);
      s = c.Call(&Stub::RecordMeasurement, lines[i].request, &resp);
    }
    if (s.ok()) continue;
    refusals->push_back({lines[i].line, s});
    break;
  }
  if (progress) std::fprintf(stderr, "\r%s%s\n", label, RenderCounter(i, total).c_str());
  return i;
}

// Prints a refusal as "line N: CODE: message" (FailRpc) and returns its exit code.
int FailLine(const Refusal& r, bool english) {
  return FailRpc(r.status, english, absl::StrCat("line ", r.line, ": "));
}

// All or nothing: (1) every line checked locally (any bad line: exit 2, nothing sent); (2)
// every line checked by the server with validate_only (any refusal: exit 10 + the code of the
// first, nothing recorded); (3) only then every line recorded. --dry_run stops after (2).
int CmdImport(const KpiGlobals& g, const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("kpi import: usage: rfsctl kpi import FILE.csv [--dry_run]");
  const std::string& file = args[0];
  const bool en = g.english;
  std::string text;
  if (!ReadInput(file, &text)) {
    return Fail(en ? absl::StrCat("kpi import: cannot read ", file)
                   : absl::StrCat("kpi import: ", file, " を読めません"));
  }
  // A bound before anything is parsed: a file is a half year's figures of some plans, not a
  // data dump (a larger one goes in parts, or with a larger --max_lines).
  const int max_lines = absl::GetFlag(FLAGS_max_lines);
  const size_t rows = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) +
                      (!text.empty() && text.back() != '\n');
  if (max_lines < 1 || rows > static_cast<size_t>(max_lines) + 1) {
    return Fail(en ? absl::StrCat("kpi import: ", file, " has ", rows > 0 ? rows - 1 : 0,
                                  " data rows, more than --max_lines ", max_lines,
                                  "; nothing was sent: split the file, or raise --max_lines")
                   : absl::StrCat("kpi import: ", file, " のデータ行は ", rows > 0 ? rows - 1 : 0,
                                  " 行で、--max_lines（", max_lines,
                                  "）を超えています。何も送信していません。ファイルを分けるか "
                                  "--max_lines を大きくしてください"));
  }
  const ImportBatch batch = ParseImportCsv(text, en);
  if (!batch.errors.empty()) {
    for (size_t k = 0; k < batch.errors.size() && k < kListedErrors; ++k) {
      std::fprintf(stderr, "%s\n", batch.errors[k].c_str());
    }
    if (batch.errors.size() > kListedErrors) {
      std::fprintf(stderr, en ? "... and %zu more bad line(s)\n" : "…ほか %zu 行に誤りがあります\n",
                   batch.errors.size() - kListedErrors);
    }
    return Fail(en ? absl::StrCat("kpi import: ", file, ": ", batch.errors.size(),
                                  " bad line(s); nothing was sent")
                   : absl::StrCat("kpi import: ", file, ": 誤りのある行が ", batch.errors.size(),
                                  " 行あります。何も送信していません"));
  }
  const size_t total = batch.lines.size();
  const bool dry_run = absl::GetFlag(FLAGS_dry_run);
  std::vector<int> outside;  // lines the national KGIs leave out
  auto summary = [&](size_t recorded) {
    if (g.json) {
      std::printf("%s\n", nlohmann::json({{"file", file},
                                          {"lines", total},
                                          {"recorded", recorded},
                                          {"dry_run", dry_run},
                                          {"outside_national_kgis", outside}})
                              .dump()
                              .c_str());
      return;
    }
    if (!outside.empty()) {
      std::vector<int> listed(outside.begin(),
                              outside.begin() + std::min(outside.size(), kListedErrors));
      std::printf(en ? "note: line(s) %s%s: the lead prefecture is in the Tokyo area and the "
                       "value has no breakdown, so the national KGIs leave it out; give a "
                       "breakdown to count the parts outside the Tokyo area\n"
                     : "注: %s%s 行目は代表都道府県が東京圏で内訳がないため、全国の KGI に含まれ"
                       "ません。東京圏外の分を含めるには内訳を指定してください\n",
                  absl::StrJoin(listed, ", ").c_str(), outside.size() > listed.size() ? ", …" : "");
    }
    if (dry_run) {
      std::printf(g.english ? "%s: %zu data row(s) checked by the service; nothing recorded "
                              "(--dry_run)\n"
                            : "%s: データ %zu 行をサービスで確認しました。登録はしていません（--dry_run）\n",
                  file.c_str(), total);
    } else {
      std::printf(g.english ? "%s: recorded %zu measurement(s)\n"
                            : "%s: %zu 件の値を登録しました\n",
                  file.c_str(), recorded);
    }
  };
  if (g.token.empty()) return Fail(NoToken(g.english));
  KpiClient c(g);
  std::vector<Refusal> refusals;
  CheckImportLines(c, batch.lines, &refusals, &outside);
  if (!refusals.empty()) {
    int code = 0;
    const Refusal* service_error = nullptr;
    for (size_t k = 0; k < refusals.size(); ++k) {
      const Refusal& r = refusals[k];
      if (IsServiceError(r.status.error_code()) && service_error == nullptr) service_error = &r;
      if (k >= kListedErrors) continue;
      const int line_code = FailLine(r, g.english);
      if (code == 0) code = line_code;
    }
    if (refusals.size() > kListedErrors) {
      std::fprintf(stderr, en ? "... and %zu more refused line(s)\n"
                              : "…ほか %zu 行が受け付けられませんでした\n",
                   refusals.size() - kListedErrors);
    }
    if (service_error != nullptr) {
      std::fprintf(stderr,
                   en ? "rfsctl: kpi import: checking stopped at line %d, an error of the service "
                        "or the token rather than of the line; the lines after it were not "
                        "checked and nothing was imported\n"
                      : "rfsctl: kpi import: %d 行目でサービス又はトークンの誤りのため確認を中止し"
                        "ました。以降の行は確認しておらず、何も登録していません\n",
                   service_error->line);
    } else {
      // A hint that fits what was refused: the lock only for locked half years.
      const bool locked = std::any_of(refusals.begin(), refusals.end(), [](const Refusal& r) {
        return r.status.error_code() == grpc::StatusCode::FAILED_PRECONDITION;
      });
      std::fprintf(stderr,
                   en ? "rfsctl: kpi import: %s: the service refused %zu of %zu data row(s); "
                        "nothing "
                        "was imported: fix them%s and run the same file again\n"
                      : "rfsctl: kpi import: %s: %zu 行中 %zu 行が受け付けられませんでした。何も"
                        "登録していません。直して%s同じファイルをもう一度取り込んでください\n",
                   file.c_str(), en ? refusals.size() : total, en ? total : refusals.size(),
                   locked ? (en ? " (rfsctl kpi unlock reopens a half year locked after its "
                                  "deadline)"
                                : "（締め切られた期は rfsctl kpi unlock で受付を再開できます）")
                          : "");
    }
    return code;
  }
  if (dry_run) {
    summary(0);
    return 0;
  }
  const size_t recorded = RecordImportLines(c, batch.lines, &refusals);
  if (recorded < total) {
    const int code = FailLine(refusals.front(), g.english);
    std::fprintf(stderr,
                 en ? "rfsctl: kpi import stopped at line %d although every line had passed the "
                      "check: %zu data row(s) before it were recorded and stay recorded; fix the "
                      "cause (e.g. the service unreachable, a half year locked since, the write "
                      "quota) and run the same file again (the lines already recorded are "
                      "skipped by their request ids)\n"
                    : "rfsctl: kpi import: すべての行が確認を通りましたが、%d 行目で登録が止まり"
                      "ました。それより前の %zu 行は登録済みのままです。原因（サービスに接続で"
                      "きない、その後の締切、書込み上限など）を取り除いて同じファイルをもう一度"
                      "取り込んでください（登録済みの行は request_id により重ねて登録されません）"
                      "\n",
                 refusals.front().line, recorded);
    return code;
  }
  summary(total);
  return 0;
}

// `rfsctl kpi` or `rfsctl pdca` alone (the usage on stderr, a usage error) or with "help" (the
// usage on standard output): the exit code; nullopt for any other command.
std::optional<int> UsageAsked(const std::vector<std::string>& all) {
  if (all.empty()) {
    std::fprintf(stderr, "%s", KpiUsage());
    return kUsageError;
  }
  if (all[0] == "help") {
    std::printf("%s", KpiUsage());
    return 0;
  }
  return std::nullopt;
}

}  // namespace

const char* KpiUsage() {
  return R"(rfsctl kpi: KPI tracking (rfs-kpi at --kpi_addr, RFS_KPI_ADDR, default localhost:50053)

  rfsctl kpi record PLAN INDICATOR FY-H VALUE [--breakdown 160008=30,170003=70] [--source S]
                    [--note N] [--request_id ID] [--etag E]
      PLAN is B-00001 or plans/B-00001; FY-H a half year like 2026-H2 (a whole year's figure
      goes to H2). VALUE is the fixed-point integer of the indicator: 3.6% with 1 decimal
      place is 36. Write a negative value after "--": rfsctl kpi record ... -- -5.
      Prints the measurement's name, revision (etag) and state.
  rfsctl kpi verify NAME [--comment C] [--etag E]
  rfsctl kpi return NAME --comment C [--etag E]
      NAME is plans/B-00001/indicators/kgi-capex/measurements/2026-H1 (or PLAN INDICATOR FY-H).
  rfsctl kpi list PLAN [--history]
  rfsctl kpi progress PLAN [--as_of 2026-H2] [--wide]
      One row per indicator: status (達成 順調 要注意 遅れ 悪化 データなし 目標未設定), a bar of
      the progress from baseline to target, actual, expected now, target, verified actual and
      the reviewer's status when set; then the summary. Colours on a terminal unless NO_COLOR.
  rfsctl kpi override PLAN INDICATOR STATUS --reason R
      STATUS: ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, DETERIORATING, NO_DATA, TARGET_UNSET, or
      clear (removes the reviewer's status; a reason is still required).
  rfsctl kpi unlock PLAN FY-H --reason R [--until 2026-12-31]
      Reopens a half year past its report deadline through that day (JST); default 14 days.
  rfsctl kpi national FY [--plan_type A] [--block HOKURIKU] [--field ID] [--prefecture 160008]
                      [--include_tokyo_area] [--csv] [--bom]
      Σ target, reported and verified of CAPEX, VALUE_ADDED and TALENT, and the shares of plans
      and KPIs achieved. --csv prints RFC 4180 CSV in UTF-8 with CRLF line ends: the header
        fiscal_year,kgi,kgi_name,unit,target,reported,verified,plans,plans_with_kpi_achieved,
        plans_with_kpi_achieved_ratio,kpis,kpis_achieved,kpis_achieved_ratio
      then one row per KGI; the plan and KPI figures (one set for the whole result) repeat on
      every row; amounts are plain integers (yen or persons, see unit), ratios 0..1, kgi_name
      in --lang. --bom (implies --csv) writes a UTF-8 BOM first so that Excel reads it as UTF-8.
  rfsctl kpi import FILE.csv [--dry_run] [--max_lines 10000]
      Bulk entry, all or nothing: no row is recorded unless every row is good. A file of more
      than --max_lines data rows is refused before anything is sent (split it). A header row
      names the columns, in any order:
        plan,indicator,period,value,breakdown,source,note,request_id
      (plan, indicator, period and value are required), then one measurement a row, e.g.
        B-00001,kgi-capex,2026-H1,3200000000,160008=3200000000,県統計課,,
      breakdown is CODE=VALUE;CODE=VALUE adding up to value, or empty. Quote a cell holding a
      comma, a quote or a line break ("..." with "" for a quote). A UTF-8 BOM is accepted. A
      row without a request_id gets import-<first 16 hex digits of the file's SHA-256>-<line
      number>, so running the same file again records nothing twice.
      1. Every row is checked locally (column count, plan name, indicator id, period, integer
         value, breakdown and its sum, lengths, request_id, no plan/indicator/period twice).
         Each bad row is reported on stderr as "line N: reason" (the first 50, then how many
         more) and, if there is any, nothing at all is sent (exit 2).
      2. Then the service checks every row as a write would and writes nothing
         (RecordMeasurement with validate_only, 8 rows at a time: who may report, the plan, the
         half year and its lock, the value, the breakdown, the etag), showing checking
         [#####.....] 120/300 on stderr when it is a terminal. Each row it refuses (e.g. a half
         year locked after its deadline, a prefecture outside the plan's area) is reported as
         "line N: <code>: <message>" (the first 50, then how many more) and, if there is any,
         nothing is recorded (exit 10 + the gRPC code of the first). An error of the service or
         the token (UNAVAILABLE, DEADLINE_EXCEEDED, UNAUTHENTICATED) stops the check there. --dry_run stops after this
         check: it records nothing (and needs the token and the service).
      3. Only then are the rows recorded in order (recording [#####.....] 120/300). A row
         refused for the write quota with a delay of at most 75 s (writes a minute) is sent
         again after that delay, saying so. A row
         failing now (the service unreachable, a half year locked since the check) stops the
         import with "line N: <error>" (exit 10 + the gRPC code); the rows before it stay
         recorded: fix the cause and run the same file again, the rows already recorded are
         skipped thanks to their request ids.
  rfsctl kpi reporting FY-H [--plan_type A] [--block HOKURIKU]
      Completeness and lateness of a half year's reports, as of each plan's last write or plan
      sync (a deadline that has just passed shows within --plan_sync_interval_s, 15 s): the
      deadline, how many plans are expected to report and how many reported on time, late, in part, not at all or are not yet due; then each plan you may
      read with its state: 期限内に報告済 (ON TIME), 期限後に報告 (LATE), 一部未報告（期限超過）
      (INCOMPLETE), 未報告（期限超過） (MISSING), 未報告（期限前） (NOT YET DUE).

rfsctl pdca: the PDCA cycle of a plan for a half year (the same service, token and flags)

  rfsctl pdca show PLAN FY-H
      The phase (PLAN → DO → CHECK → ACT; a cycle no one has moved is in PLAN) and etag, every
      move (when in JST, who, from → to, comment), the findings and each indicator's status,
      actual and expected value as CHECK recorded them, the improvement actions of ACT (what,
      who, by when) and whether ACT asked for a revision of the plan (and its version).
  rfsctl pdca advance PLAN FY-H PHASE [--findings TEXT] [--action "description|owner|YYYY-MM-DD"]
                      [--request_revision] [--comment C] [--etag E]
      Moves the cycle one phase on. PHASE: DO, CHECK or ACT (any case), or 実行, 評価, 改善.
      CHECK needs --findings (所見) and records each indicator's status then. ACT needs 1 to 50
      improvement actions: repeat --action, or separate several with ";;" in one value, e.g.
        --action "設備投資の前倒し|産業政策課|2027-03-31;;人材育成の拡充|労働政策課|2027-06-30"
      --request_revision (ACT) also moves the plan to REVISING in the registry, as you.
      --etag (from pdca show) fails with ABORTED if the cycle moved meanwhile.
      Prints the cycle's new phase and etag: plans/B-00001/pdca/2026-H2 is now CHECK (etag v2).

  Words and tables follow --lang ja|en. --json prints protobuf JSON (import: a summary
  object). Exit codes: 0 success, 2 usage or local error, 10 + the gRPC code otherwise.
)";
}

int RunKpi(const KpiGlobals& globals, const std::vector<std::string>& all) {
  if (const std::optional<int> code = UsageAsked(all)) return *code;
  const std::string cmd = all[0];
  const std::vector<std::string> args(all.begin() + 1, all.end());
  if (cmd == "import") return CmdImport(globals, args);  // checks the token only to send
  static const std::set<std::string> kCommands = {"record",   "verify",   "return",
                                                  "list",     "progress", "override",
                                                  "unlock",   "national", "reporting"};
  if (kCommands.count(cmd) == 0) {
    return Fail(absl::StrCat("kpi: unknown command '", cmd,
                             "'; try: record, verify, return, list, progress, override, unlock, "
                             "national, reporting, import (rfsctl kpi help)"));
  }
  if (globals.token.empty()) return Fail(NoToken(globals.english));
  KpiClient c(globals);
  if (cmd == "record") return CmdRecord(c, args);
  if (cmd == "verify") return CmdReview(c, args, /*verify=*/true);
  if (cmd == "return") return CmdReview(c, args, /*verify=*/false);
  if (cmd == "list") return CmdList(c, args);
  if (cmd == "progress") return CmdProgress(c, args);
  if (cmd == "override") return CmdOverride(c, args);
  if (cmd == "unlock") return CmdUnlock(c, args);
  if (cmd == "reporting") return CmdReporting(c, args);
  return CmdNational(c, args);
}

int RunPdca(const KpiGlobals& globals, const std::vector<std::string>& all) {
  if (const std::optional<int> code = UsageAsked(all)) return *code;
  const std::string cmd = all[0];
  const std::vector<std::string> args(all.begin() + 1, all.end());
  if (cmd != "show" && cmd != "advance") {
    return Fail(absl::StrCat("pdca: unknown command '", cmd,
                             "'; try: show, advance (rfsctl kpi help)"));
  }
  if (globals.token.empty()) return Fail(NoToken(globals.english));
  KpiClient c(globals);
  return cmd == "show" ? CmdPdcaShow(c, args) : CmdPdcaAdvance(c, args);
}

}  // namespace rfs::rfsctl
