// The filters of list and aggregate requests (ListPlans, AggregateKgi, GetReportingStatus),
// checked the same way in every service: an unknown value is INVALID_ARGUMENT naming the
// field, in Japanese and English, never an empty answer. Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/domain/reference_data.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs {

// OK for PLAN_TYPE_UNSPECIFIED (no filter) or a plan type.
absl::Status ValidatePlanTypeFilter(registry::v1::PlanType type,
                                    absl::string_view field = "plan_type");
// OK for an empty block (no filter) or a block id of the reference data ("HOKURIKU").
absl::Status ValidateBlockFilter(const ReferenceData& reference, absl::string_view block,
                                 absl::string_view field = "block");
// OK for an empty field id (no filter) or a strategic field id ("AI_SEMICONDUCTOR").
absl::Status ValidateStrategicFieldFilter(const ReferenceData& reference,
                                          absl::string_view strategic_field,
                                          absl::string_view field = "strategic_field");
// "" for no filter; otherwise the 6-digit code of a prefecture (a 5-digit code gets its check
// digit, as everywhere codes are read).
absl::StatusOr<std::string> NormalizePrefectureFilter(absl::string_view code,
                                                      absl::string_view field = "prefecture_code");

}  // namespace rfs
