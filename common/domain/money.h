// Money is integer yen everywhere. The documents speak in 億円 (oku yen = 100 million yen);
// these helpers convert for people. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace rfs {

inline constexpr int64_t kYenPerOku = 100'000'000;
// Largest amount accepted anywhere: 1 quadrillion yen (1,000兆円), far above any plan.
inline constexpr int64_t kMaxYen = 1'000'000'000'000'000;

// OK when 0 <= yen <= kMaxYen; otherwise INVALID_ARGUMENT naming `field`.
absl::Status ValidateYen(int64_t yen, absl::string_view field);

// "24,000,000,000".
std::string FormatThousands(int64_t value);

// For people: "240億円", "4.4億円" (at most two decimals), "5,000万円", "1,234円".
std::string FormatYenJa(int64_t yen);

// The same for English readers, in the scale English speakers use: "¥24 billion",
// "¥440 million", "¥1.25 million" (at most two decimals, truncated), "¥12,345".
std::string FormatYenEn(int64_t yen);

}  // namespace rfs
