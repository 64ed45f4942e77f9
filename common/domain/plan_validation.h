// Validation and normalisation of a plan as entered (the registry before it stores a plan, the
// requirement service before it checks an inline one): every rule of DOMAIN.md that decides
// whether a plan can be stored at all (codes and check digits, reference data, amounts, periods,
// lengths, list sizes, the shape each plan type can have). Whether a stored plan meets the
// requirements of its type is the requirement service's business, not this.
//
// Pure functions; safe from any thread.
#pragma once

#include "absl/status/status.h"
#include "common/domain/codes.h"  // PlanTypeLetter
#include "common/domain/reference_data.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs {

// Limits on what one plan may hold.
struct PlanLimits {
  size_t title_chars = 200;
  size_t summary_chars = 10'000;
  size_t text_chars = 4'000;   // statements, descriptions, measures
  size_t name_chars = 200;     // names of companies, stakeholders, indicators
  size_t short_chars = 100;    // labels, ministries, other fields
  size_t authors = 100;
  size_t prefectures = 47;
  size_t municipalities = 2'000;
  size_t enclaves = 100;
  size_t other_fields = 50;
  size_t list_items = 500;     // core investments, stakeholders, priority companies
  size_t issues = 200;         // policy issues, infrastructure needs, support measures
  size_t attestations = 50;
  size_t indicators = 200;
  size_t milestones = 20;
  size_t serialized_bytes = 2 << 20;
};

// The default limits with the plan size of the deployment (--max_plan_kib, in bytes).
PlanLimits PlanLimitsOf(size_t max_plan_bytes);

// Checks every input field of `plan` and normalises it in place: local government codes to
// their 6-digit form, the block of B and C plans from their prefecture, empty author names of
// prefectures from reference data, missing core investment ids ("ci-1", ...). Output-only
// fields are not looked at. The first rule broken is returned as INVALID_ARGUMENT naming the
// field path and the rule, e.g.
//   "indicators[1].target.period: FY2024 is before the baseline period FY2025".
absl::Status ValidateAndNormalizePlan(const ReferenceData& reference, const PlanLimits& limits,
                                      registry::v1::Plan* plan);

// The requirement ids an attestation may name for a plan type (A1..A7, B1..B4, C1..C3).
bool IsRequirementIdOfType(registry::v1::PlanType type, absl::string_view requirement_id);

// "DRAFTING", "PRE_CONSULTATION", ...
std::string StageName(registry::v1::PlanStage stage);

}  // namespace rfs
