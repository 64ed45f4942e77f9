// Field-by-field differences between two versions of a plan, for the semi-annual revision
// (what changed, including re-baselined targets). Built on protobuf's MessageDifferencer:
// keyed lists (authors, core investments, attestations, indicators, sign-offs) are matched by
// their key, so reordering is not a change and a changed indicator shows as
// "indicators[kgi-capex].target.value". Pure; safe from any thread.
#pragma once

#include <vector>

#include "rfs/registry/v1/registry.pb.h"

namespace rfs::registry {

// Changes from `older` to `newer`, leaving out version bookkeeping (version, content_version,
// etag, update_time, updated_by).
std::vector<v1::FieldChange> DiffPlans(const v1::Plan& older, const v1::Plan& newer);

}  // namespace rfs::registry
