// Where the requirement check gates a plan's way to national publication. The registry asks
// the gate when a plan enters PRE_CONSULTATION (the report is advisory and stored with the
// plan), and before it is published by the governor, enters SUBMITTED, or a revised plan
// (REVISING) is published again (GatedMove): those moves need the verdict PASS, else
// FAILED_PRECONDITION listing the unmet requirement ids. A review recorded after the gate's
// check and before the registry's write is ordered after the move: it applies from the plan's
// next check (documented in docs/requirements.md). When the checker cannot be reached the transition fails with UNAVAILABLE;
// either way nothing is written.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kit/peer.h"
#include "common/kit/service_token.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/registry/v1/registry.pb.h"
#include "rfs/requirements/v1/requirements.grpc.pb.h"

namespace rfs::registry {

class SubmissionGate {
 public:
  virtual ~SubmissionGate() = default;
  // The requirement check of `plan` (its current, committed version). Must be thread-safe.
  virtual absl::StatusOr<common::v1::RequirementCheckSummary> Check(const v1::Plan& plan) = 0;
};

// The moves that need a passing check: publication by the governor (content is frozen from
// there on, so a failing plan would be stuck), into SUBMITTED, and REVISING → PUBLISHED.
inline bool GatedMove(v1::PlanStage from, v1::PlanStage to) {
  return to == v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR || to == v1::PLAN_STAGE_SUBMITTED ||
         (from == v1::PLAN_STAGE_REVISING && to == v1::PLAN_STAGE_PUBLISHED);
}

// The moves that run a check at all: the gated ones and entering PRE_CONSULTATION.
inline bool CheckedMove(v1::PlanStage from, v1::PlanStage to) {
  return to == v1::PLAN_STAGE_PRE_CONSULTATION || GatedMove(from, to);
}

// The gate of a deployment: rfs.requirements.v1.RequirementCheck/CheckPlan by name and version
// with the service token, a deadline, and one retry when the service is unavailable (a check
// is idempotent).
class RequirementsGate : public SubmissionGate {
 public:
  explicit RequirementsGate(const Peer& requirements);
  absl::StatusOr<common::v1::RequirementCheckSummary> Check(const v1::Plan& plan) override;

 private:
  std::unique_ptr<requirements::v1::RequirementCheck::Stub> stub_;
  ServiceToken* token_;
  const absl::Duration timeout_;
};

}  // namespace rfs::registry
