// The requirement ruleset as configuration (DOMAIN.md marks A4's threshold an assumption that
// must stay configurable). A JSON file:
//   {"version": "2026.05", "a4_min_total_investment_yen": 2000000000,
//    "milestone_max_gap_fiscal_years": 1}
// Unknown keys are refused (a misspelt threshold must not silently keep its default). The
// reported version is the declared one plus a digest of the file, so any change to the file
// changes the version reports and cache keys carry.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rfs::requirements {

struct Ruleset {
  // "<declared version>+<first 12 hex digits of the file's SHA-256>".
  std::string version;
  // A4: total of the core investments' known amounts a type A plan needs (20 oku yen).
  int64_t a4_min_total_investment_yen = 2'000'000'000;
  // REC-MILESTONES: most fiscal years between consecutive points of an indicator's path.
  int milestone_max_gap_fiscal_years = 1;
};

// Parses the file's text. INVALID_ARGUMENT naming the key and the rule.
absl::StatusOr<Ruleset> ParseRuleset(absl::string_view json);
// Reads and parses a file.
absl::StatusOr<Ruleset> LoadRuleset(const std::string& path);

}  // namespace rfs::requirements
