// Japanese public codes with check digits: the local government code (全国地方公共団体コード)
// and the corporate number (法人番号). Pure functions, no state; safe from any thread.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs {

// Check digit of the 5-digit body of a local government code:
// (11 − (d1·6 + d2·5 + d3·4 + d4·3 + d5·2) mod 11) mod 10. `body` must be 5 ASCII digits.
int LocalGovernmentCheckDigit(absl::string_view body);

// Normalises a local government code to its 6-digit form. Accepts 5 digits (the form many
// datasets carry, without the check digit) and appends the check digit; accepts 6 digits when
// the check digit is right. Anything else is INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::string> NormalizeLocalGovernmentCode(absl::string_view code,
                                                         absl::string_view field);

// True when a valid 6-digit code is a prefecture's (PP000C), false for a municipality's.
bool IsPrefectureCode(absl::string_view code6);

// The 6-digit code of the prefecture a valid code belongs to (itself for a prefecture).
std::string PrefectureOf(absl::string_view code6);

// Check digit of the 12-digit body of a corporate number: 9 − (Σ Pn·Qn mod 9), Pn the n-th
// digit counted from the right, Qn = 1 for odd n and 2 for even n.
int CorporateNumberCheckDigit(absl::string_view body12);

// OK when `number` is 13 digits whose first digit is the right check digit; otherwise
// INVALID_ARGUMENT naming `field`.
absl::Status ValidateCorporateNumber(absl::string_view number, absl::string_view field);

// "A", "B", "C" for a plan type ("?" for none).
const char* PlanTypeLetter(registry::v1::PlanType type);

// The plan id of a resource name "plans/{type letter}-{digits}" ("plans/A-00001" → "A-00001");
// INVALID_ARGUMENT naming `field` otherwise.
absl::StatusOr<std::string> ParsePlanName(absl::string_view name, absl::string_view field);

}  // namespace rfs
