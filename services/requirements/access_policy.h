// Authorization of the requirement service, in one place. Every RPC maps to an Action; the
// checker asks Authorize before it reads or writes.
//   check / list reviews / score a registered plan   whoever may read the plan (CanReadPlan)
//   check / score inline figures, read the ruleset   everyone authenticated (nothing stored)
//   record a review                                  the secretariat, or the plan block's bureau
// Pure functions; safe from any thread.
#pragma once

#include "absl/status/status.h"
#include "common/kit/auth.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::requirements {

enum class Action {
  kCheckPlan,     // plan: the plan's current version (BASIC view is enough)
  kCheckInline,   // no plan
  kRecordReview,  // plan: current version
  kListReviews,   // plan: current version
  kScorePlan,     // plan: current version
  kScoreInline,   // no plan
  kReadRuleset,   // no plan
};

// OK, or PERMISSION_DENIED saying what the caller's role lacks.
absl::Status Authorize(const Principal& who, Action action,
                       const registry::v1::Plan* plan = nullptr);

}  // namespace rfs::requirements
