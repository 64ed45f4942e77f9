// Reference data: prefectures (with block and Tokyo-area flag), regional blocks and the 17
// strategic fields, loaded from CSV files under data/ so a deployment can change block
// membership without a rebuild. Immutable after Load(); safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rfs {

struct PrefectureInfo {
  std::string jis_code;               // "16"
  std::string local_government_code;  // "160008"
  std::string name_ja;                // "富山県"
  std::string name_en;                // "Toyama"
  std::string block;                  // "HOKURIKU"
  bool tokyo_area = false;
};

struct BlockInfo {
  std::string id;  // "HOKURIKU"
  std::string name_ja;
  std::string name_en;
};

struct StrategicFieldInfo {
  int number = 0;  // 1..17
  std::string id;  // "AI_SEMICONDUCTOR"
  std::string name_ja;
  std::string name_en;
};

class ReferenceData {
 public:
  // Reads prefectures.csv, blocks.csv and strategic_fields.csv from `dir` and checks them
  // (check digits, every prefecture's block known). Errors name the file and line.
  static absl::StatusOr<std::unique_ptr<ReferenceData>> Load(const std::string& dir);

  const std::vector<PrefectureInfo>& prefectures() const { return prefectures_; }
  const std::vector<BlockInfo>& blocks() const { return blocks_; }
  const std::vector<StrategicFieldInfo>& strategic_fields() const { return fields_; }

  // By 6-digit local government code of the prefecture; nullptr when unknown.
  const PrefectureInfo* FindPrefecture(absl::string_view code6) const;
  const BlockInfo* FindBlock(absl::string_view id) const;
  const StrategicFieldInfo* FindStrategicField(absl::string_view id) const;

 private:
  ReferenceData() = default;

  std::vector<PrefectureInfo> prefectures_;
  std::vector<BlockInfo> blocks_;
  std::vector<StrategicFieldInfo> fields_;
  absl::flat_hash_map<std::string, size_t> prefecture_by_code_;
  absl::flat_hash_map<std::string, size_t> block_by_id_;
  absl::flat_hash_map<std::string, size_t> field_by_id_;
};

// Splits one CSV record (RFC 4180 quoting, no line breaks inside fields).
std::vector<std::string> SplitCsvLine(absl::string_view line);

}  // namespace rfs
