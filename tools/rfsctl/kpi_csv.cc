// CSV in and out (RFC 4180) and the local check of a `rfsctl kpi import` file (kpi_commands.h).
#include "tools/rfsctl/kpi_commands.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/base/digest.h"
#include "common/base/text.h"
#include "tools/rfsctl/kpi_cli.h"

namespace rfs::rfsctl {

namespace kv1 = kpi::v1;

namespace {

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

}  // namespace

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

}  // namespace rfs::rfsctl
