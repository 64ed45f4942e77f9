#include "common/base/errors.h"

#include <algorithm>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace rfs {
namespace {

constexpr char kDetailsUrl[] = "type.googleapis.com/rfs.common.v1.ErrorDetails";
// The payload holds the delay in whole seconds, as text; ToGrpcStatus encodes the RetryInfo.
constexpr char kRetryUrl[] = "type.googleapis.com/google.rpc.RetryInfo";

absl::Status WithDetails(absl::StatusCode code, const common::v1::ErrorDetails& details) {
  absl::Status status(code, details.message_en());
  status.SetPayload(kDetailsUrl, absl::Cord(details.SerializeAsString()));
  return status;
}

}  // namespace

absl::Status InvalidField(absl::string_view field, absl::string_view rule_ja,
                          absl::string_view rule_en) {
  common::v1::ErrorDetails details;
  details.set_message_ja(absl::StrCat(field, ": ", rule_ja));
  details.set_message_en(absl::StrCat(field, ": ", rule_en));
  common::v1::FieldViolation* v = details.add_field_violations();
  v->set_field(std::string(field));
  v->set_description_ja(std::string(rule_ja));
  v->set_description_en(std::string(rule_en));
  return WithDetails(absl::StatusCode::kInvalidArgument, details);
}

absl::Status Bilingual(absl::StatusCode code, absl::string_view ja, absl::string_view en) {
  common::v1::ErrorDetails details;
  details.set_message_ja(std::string(ja));
  details.set_message_en(std::string(en));
  return WithDetails(code, details);
}

absl::Status PrefixField(const absl::Status& status, absl::string_view prefix) {
  std::optional<common::v1::ErrorDetails> details = DetailsOf(status);
  if (!details.has_value()) {
    return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
  }
  for (auto& v : *details->mutable_field_violations()) {
    const std::string field = v.field();
    // The messages start with the field they are about ("field: rule").
    if (absl::StartsWith(details->message_ja(), field)) {
      details->set_message_ja(absl::StrCat(prefix, details->message_ja()));
    }
    if (absl::StartsWith(details->message_en(), field)) {
      details->set_message_en(absl::StrCat(prefix, details->message_en()));
    }
    v.set_field(absl::StrCat(prefix, field));
  }
  absl::Status out = WithDetails(status.code(), *details);
  if (auto delay = RetryDelayOf(status)) out = WithRetryDelay(std::move(out), *delay);
  return out;
}

std::optional<common::v1::ErrorDetails> DetailsOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kDetailsUrl);
  if (!payload.has_value()) return std::nullopt;
  common::v1::ErrorDetails details;
  if (!details.ParseFromString(std::string(*payload))) return std::nullopt;
  return details;
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  const int64_t seconds =
      std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(delay, absl::Seconds(1))));
  status.SetPayload(kRetryUrl, absl::Cord(absl::StrCat(seconds)));
  return status;
}

std::optional<absl::Duration> RetryDelayOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryUrl);
  int64_t seconds = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &seconds)) {
    return std::nullopt;
  }
  return absl::Seconds(seconds);
}

}  // namespace rfs
