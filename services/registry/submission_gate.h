// The seam where the requirement check gates entry into SUBMITTED. The registry asks the gate
// before it writes a plan into SUBMITTED; a refusal (FAILED_PRECONDITION listing unmet
// requirement ids, or UNAVAILABLE when the checker is down) leaves the plan unchanged.
// rfs-registry runs without a gate until the requirement service exists (its own issue);
// then a gate calling rfs.requirements.v1.RequirementCheck/CheckPlan is plugged in here.
#pragma once

#include "absl/status/status.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::registry {

class SubmissionGate {
 public:
  virtual ~SubmissionGate() = default;
  // OK when `plan` (its current version) may be submitted. Must be thread-safe.
  virtual absl::Status CheckBeforeSubmit(const v1::Plan& plan) = 0;
};

}  // namespace rfs::registry
