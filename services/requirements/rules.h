// The requirements of each plan type (DOMAIN.md "Requirements by type", "Mandatory KGIs"),
// decided from the plan's own fields. Pure functions: no Redis, no gRPC, no clock; safe from
// any thread.
//
// Quantitative rules (A1, A4-A7, B3, C2, KGI-*) are SATISFIED or NOT_SATISFIED from the
// figures. Qualitative rules (A2, A3, B1, B2, B4, C1, C3) need an attestation (statement and
// evidence); an attested requirement is NEEDS_REVIEW until a reviewer's decision on that same
// attested content (its digest) makes it SATISFIED (accepted) or NOT_SATISFIED (returned).
// Recommendations (REC-*, KGI-LABOR_PRODUCTIVITY) are shown and never change the verdict.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "rfs/requirements/v1/requirements.pb.h"
#include "services/requirements/ruleset.h"

namespace rfs::requirements {

// Latest recorded decision per requirement id.
using ReviewMap = absl::flat_hash_map<std::string, v1::Review>;

// True for the requirements that are attested and reviewed: A2, A3, B1, B2, B4, C1, C3 of
// their own type.
bool IsAttestedRequirement(registry::v1::PlanType type, absl::string_view id);

// SHA-256 (hex) of what an attestation of `id` says: its statement and evidence, and for B2
// also which companies are attracted from outside. Empty when the plan has no attestation of
// `id`. A recorded decision applies while this digest is unchanged.
std::string AttestationDigest(const registry::v1::Plan& plan, absl::string_view id);

// True when B2 applies: a core investment or priority company is attracted from outside.
bool AttractsFromOutside(const registry::v1::Plan& plan);

// The report of `plan` (type must be A, B or C). Sets plan, versions, type, title, verdict,
// ruleset version and results; not check_time.
v1::Report Evaluate(const registry::v1::Plan& plan, const Ruleset& ruleset,
                    const ReviewMap& reviews);

// The overall verdict of a list of results.
common::v1::CheckVerdict VerdictOf(const v1::Report& report);

// What the registry stores with the plan.
common::v1::RequirementCheckSummary Summarize(const v1::Report& report);

}  // namespace rfs::requirements
