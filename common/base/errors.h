// Errors people act on, in Japanese and English (DESIGN.md: "Japanese first"). A status made
// here carries rfs.common.v1.ErrorDetails as its payload: both messages and, for a bad field,
// the field's path; ToGrpcStatus (common/base/status.h) renders the message in the caller's
// language and puts the details into the gRPC status details. The absl::Status message itself
// is the English text, for logs. Pure functions; safe from any thread.
//
//   return InvalidField("core_investments[0].location_code",
//                       absl::StrCat("'", Excerpt(code), "' のチェックディジットが誤っています"),
//                       absl::StrCat("'", Excerpt(code), "' has a wrong check digit"));
//   → INVALID_ARGUMENT "core_investments[0].location_code: '160007' のチェックディジットが…"
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rfs/common/v1/common.pb.h"

namespace rfs {

// INVALID_ARGUMENT: `field` (a path in the request, e.g. "plan.title") breaks a rule. The
// messages read "<field>: <rule>" in each language; the details name the field.
absl::Status InvalidField(absl::string_view field, absl::string_view rule_ja,
                          absl::string_view rule_en);

// Any code, with the message in both languages and no field (e.g. FAILED_PRECONDITION naming
// the unmet requirement, ABORTED for an etag conflict).
absl::Status Bilingual(absl::StatusCode code, absl::string_view ja, absl::string_view en);
inline absl::Status FailedPrecondition(absl::string_view ja, absl::string_view en) {
  return Bilingual(absl::StatusCode::kFailedPrecondition, ja, en);
}

// The same status with `prefix` before every field path and message that names one (e.g.
// "plan." when a plan is checked inline inside a request). Statuses without details get the
// prefix on their message.
absl::Status PrefixField(const absl::Status& status, absl::string_view prefix);

// The details of a status made here, when it has them.
std::optional<common::v1::ErrorDetails> DetailsOf(const absl::Status& status);

// The same status, telling the client it may retry after `delay` (a quota's window): the
// google.rpc.RetryInfo of gRPC's error model, which ToGrpcStatus sends in the status details
// beside the ErrorDetails. Whole seconds, at least 1.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);
// The delay a status carries, when it carries one.
std::optional<absl::Duration> RetryDelayOf(const absl::Status& status);

}  // namespace rfs
