#include "services/requirements/ruleset.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/base/digest.h"
#include "common/base/status.h"

namespace rfs::requirements {

absl::StatusOr<Ruleset> ParseRuleset(absl::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("ruleset: not a JSON object");
  }
  Ruleset r;
  std::string declared;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const nlohmann::json& v = it.value();
    if (key == "version") {
      if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 64) {
        return absl::InvalidArgumentError("ruleset: version must be a string of 1..64 characters");
      }
      declared = v.get<std::string>();
    } else if (key == "a4_min_total_investment_yen") {
      if (!v.is_number_integer() || v.get<int64_t>() < 0) {
        return absl::InvalidArgumentError(
            "ruleset: a4_min_total_investment_yen must be a whole number of yen, 0 or more");
      }
      r.a4_min_total_investment_yen = v.get<int64_t>();
    } else if (key == "milestone_max_gap_fiscal_years") {
      if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 10) {
        return absl::InvalidArgumentError(
            "ruleset: milestone_max_gap_fiscal_years must be a whole number 1..10");
      }
      r.milestone_max_gap_fiscal_years = v.get<int>();
    } else if (key.empty() || key[0] != '_') {  // "_comment" and the like are allowed
      return absl::InvalidArgumentError(absl::StrCat(
          "ruleset: unknown key '", key,
          "' (known: version, a4_min_total_investment_yen, milestone_max_gap_fiscal_years)"));
    }
  }
  if (declared.empty()) return absl::InvalidArgumentError("ruleset: version is required");
  r.version = absl::StrCat(declared, "+", Sha256Hex(text).substr(0, 12));
  return r;
}

absl::StatusOr<Ruleset> LoadRuleset(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("--ruleset_file: cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<Ruleset> r = ParseRuleset(buffer.str());
  if (!r.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", r.status().message()));
  }
  return r;
}

}  // namespace rfs::requirements
