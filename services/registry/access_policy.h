// Authorization of the plan registry, in one place. Every RPC maps to an Action; every handler
// asks Authorize before it reads or writes. Roles (DESIGN.md):
//   secretariat   everything; alone publishes nationally (→ PUBLISHED)
//   bureau        plans of its block: reads all, reviews pre-consultations, edits type A plans
//   prefecture    plans it authors or co-authors; reads plans whose area includes it
//   municipality  plans it authors or co-authors (creates type C); reads plans covering it
//   viewer        reads every plan, writes nothing
//   service       reads every plan (calls between rfs services)
// Plans that are public (published by the governor or later) can be read by everyone
// authenticated. Joint plans (two or more authors): a change of the authors (who they are, or
// the lead) needs the consent of every current author, so one co-author cannot make it; the
// secretariat (or, for type A, the block's bureau) records it. Only the lead author (代表団体),
// the block's bureau (type A) or the secretariat withdraws a joint plan. Pure functions; safe from any thread.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/domain/plan_access.h"  // CanReadPlan: the read rule alone, for lists
#include "common/kit/auth.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::registry {

enum class Action {
  kCreatePlan,         // plan: the plan to create, or null: may the role create at all
  kReadPlan,           // plan: the current version (also versions, diff, history)
  kUpdatePlan,         // plan: the current version; proposed: the version the update makes
  kTransitionPlan,     // plan: the current version; target: the stage to move to
  kSignOffPlan,        // plan: the current version; author_code: who signs
  kReadReferenceData,  // no plan
};

struct AccessRequest {
  Action action;
  const v1::Plan* plan = nullptr;
  v1::PlanStage target = v1::PLAN_STAGE_UNSPECIFIED;
  std::string author_code;
  const v1::Plan* proposed = nullptr;
};

// OK, or PERMISSION_DENIED saying what the caller's role lacks.
absl::Status Authorize(const Principal& who, const AccessRequest& request);

}  // namespace rfs::registry
