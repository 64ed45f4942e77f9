// The plan lifecycle (策定プロセス) as pure rules: which moves exist, when content may change,
// and which authors of a joint plan still have to sign off. Who may make a move is decided in
// access_policy.h. Pure functions; safe from any thread.
//
//   DRAFTING → PRE_CONSULTATION → COORDINATION → PUBLISHED_BY_GOVERNOR → SUBMITTED → PUBLISHED
//   PRE_CONSULTATION → DRAFTING (returned, comment required)
//   any stage before PUBLISHED → WITHDRAWN (comment required)
//   PUBLISHED → REVISING → PUBLISHED (semi-annual revision)
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::registry {

// OK when from → to is a move of the lifecycle; FAILED_PRECONDITION naming the allowed moves
// otherwise; INVALID_ARGUMENT when the move needs a comment and has none.
absl::Status CheckTransition(v1::PlanStage from, v1::PlanStage to, const std::string& comment);

// The stages a plan can move to from `from`.
std::vector<v1::PlanStage> NextStages(v1::PlanStage from);

// Content can be changed in DRAFTING, PRE_CONSULTATION, COORDINATION and REVISING.
bool ContentEditable(v1::PlanStage stage);

// Authors sign off in COORDINATION and REVISING, before publication or submission.
bool SignOffOpen(v1::PlanStage stage);

// Moves that need every author of a joint plan to have signed off the current content.
bool NeedsSignOffs(v1::PlanStage to);

// Codes of the authors of a joint plan (two or more authors) without a sign-off on the current
// content version. Empty for single-author plans.
std::vector<std::string> MissingSignOffs(const v1::Plan& plan);

}  // namespace rfs::registry
