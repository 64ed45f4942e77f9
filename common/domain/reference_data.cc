#include "common/domain/reference_data.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/base/status.h"
#include "common/domain/codes.h"

namespace rfs {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// Reads a CSV file with a header row; checks the header and the column count of every row.
absl::StatusOr<Rows> ReadCsv(const std::string& path, const std::vector<std::string>& header) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open reference data file ", path));
  Rows rows;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    absl::string_view view = absl::StripSuffix(line, "\r");
    if (line_no == 1) view = absl::StripPrefix(view, "\xEF\xBB\xBF");  // UTF-8 BOM
    if (absl::StripAsciiWhitespace(view).empty()) continue;
    std::vector<std::string> cells = SplitCsvLine(view);
    if (line_no == 1) {
      if (cells != header) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":1: unexpected header; expected ", absl::StrJoin(header, ",")));
      }
      continue;
    }
    if (cells.size() != header.size()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_no, ": ", cells.size(),
                                                     " columns, expected ", header.size()));
    }
    rows.push_back(std::move(cells));
  }
  if (line_no == 0) return absl::InvalidArgumentError(absl::StrCat(path, ": empty file"));
  return rows;
}

}  // namespace

std::vector<std::string> SplitCsvLine(absl::string_view line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back().push_back(c);
    }
  }
  return cells;
}

absl::StatusOr<std::unique_ptr<ReferenceData>> ReferenceData::Load(const std::string& dir) {
  std::unique_ptr<ReferenceData> data(new ReferenceData());

  ASSIGN_OR_RETURN(Rows blocks, ReadCsv(dir + "/blocks.csv", {"id", "name_ja", "name_en"}));
  for (auto& row : blocks) {
    data->block_by_id_[row[0]] = data->blocks_.size();
    data->blocks_.push_back({row[0], row[1], row[2]});
  }

  const std::string pref_path = dir + "/prefectures.csv";
  ASSIGN_OR_RETURN(Rows prefs, ReadCsv(pref_path, {"jis_code", "local_government_code", "name_ja",
                                                   "name_en", "block", "tokyo_area"}));
  for (size_t i = 0; i < prefs.size(); ++i) {
    auto& row = prefs[i];
    const std::string where = absl::StrCat(pref_path, ":", i + 2);
    auto code = NormalizeLocalGovernmentCode(row[1], where);
    if (!code.ok()) return code.status();
    if (*code != row[1] || !IsPrefectureCode(*code) || code->substr(0, 2) != row[0]) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": code ", row[1], " does not match JIS code ", row[0]));
    }
    if (!data->block_by_id_.contains(row[4])) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown block ", row[4]));
    }
    if (row[5] != "true" && row[5] != "false") {
      return absl::InvalidArgumentError(absl::StrCat(where, ": tokyo_area must be true or false"));
    }
    data->prefecture_by_code_[row[1]] = data->prefectures_.size();
    data->prefectures_.push_back({row[0], row[1], row[2], row[3], row[4], row[5] == "true"});
  }

  const std::string field_path = dir + "/strategic_fields.csv";
  ASSIGN_OR_RETURN(Rows fields, ReadCsv(field_path, {"number", "id", "name_ja", "name_en"}));
  for (size_t i = 0; i < fields.size(); ++i) {
    auto& row = fields[i];
    int number = 0;
    if (!absl::SimpleAtoi(row[0], &number) || number <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(field_path, ":", i + 2, ": number must be a positive integer"));
    }
    data->field_by_id_[row[1]] = data->fields_.size();
    data->fields_.push_back({number, row[1], row[2], row[3]});
  }
  return data;
}

const PrefectureInfo* ReferenceData::FindPrefecture(absl::string_view code6) const {
  auto it = prefecture_by_code_.find(code6);
  return it == prefecture_by_code_.end() ? nullptr : &prefectures_[it->second];
}

const BlockInfo* ReferenceData::FindBlock(absl::string_view id) const {
  auto it = block_by_id_.find(id);
  return it == block_by_id_.end() ? nullptr : &blocks_[it->second];
}

const StrategicFieldInfo* ReferenceData::FindStrategicField(absl::string_view id) const {
  auto it = field_by_id_.find(id);
  return it == field_by_id_.end() ? nullptr : &fields_[it->second];
}

}  // namespace rfs
