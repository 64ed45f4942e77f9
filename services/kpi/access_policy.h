// Authorization of rfs-kpi, in one place. Every RPC maps to an Action; the tracker asks
// Authorize before it reads or writes (docs/security.md).
//   read measurements / progress        whoever may read the plan (common/domain/plan_access.h)
//   record a measurement                the plan's authoring bodies (its authors' staff)
//   verify / return / override / unlock a reviewer: the bureau of the plan's block, or the
//                                       secretariat
//   move a PDCA cycle                   the plan's authoring bodies, or a reviewer
//   read the national aggregates and    everyone authenticated (no plan is named in them;
//   the reporting counts                plan lists show only plans the caller may read)
// Pure functions; safe from any thread.
#pragma once

#include "absl/status/status.h"
#include "common/kit/auth.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::kpi {

enum class Action {
  kRead,       // plan
  kRecord,     // plan
  kReview,     // plan: verify or return a value
  kOverride,   // plan: override an indicator's status (a reviewer, as kReview)
  kUnlock,     // plan: reopen a closed half year (a reviewer, as kReview)
  kPdca,       // plan: advance the PDCA cycle
  kAggregate,  // no plan
};

// OK, or PERMISSION_DENIED naming what was attempted and who may do it (the same words as for a
// plan that does not exist when the caller may not even read the plan).
absl::Status Authorize(const Principal& who, Action action,
                       const registry::v1::Plan* plan = nullptr);

}  // namespace rfs::kpi
