// The seam where the requirement check gates a plan's way to national publication. The
// registry asks the gate before it writes a plan into SUBMITTED, and before a revised plan
// (REVISING) is published again (GatedMove); a refusal (FAILED_PRECONDITION listing unmet
// requirement ids, or UNAVAILABLE when the checker is down) leaves the plan unchanged.
// rfs-registry runs without a gate until the requirement service exists (its own issue); then
// a gate calling rfs.requirements.v1.RequirementCheck/CheckPlan is plugged in here.
#pragma once

#include "absl/status/status.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::registry {

class SubmissionGate {
 public:
  virtual ~SubmissionGate() = default;
  // OK when `plan` (its current version) may move to `target`. Must be thread-safe.
  virtual absl::Status Check(const v1::Plan& plan, v1::PlanStage target) = 0;
};

// The moves a gate is asked about: into SUBMITTED, and REVISING → PUBLISHED.
inline bool GatedMove(v1::PlanStage from, v1::PlanStage to) {
  return to == v1::PLAN_STAGE_SUBMITTED ||
         (from == v1::PLAN_STAGE_REVISING && to == v1::PLAN_STAGE_PUBLISHED);
}

}  // namespace rfs::registry
