// Realistic valid plans of each type for tests, shaped after the seed's Hokuriku drafts.
#pragma once

#include "rfs/registry/v1/registry.pb.h"

namespace rfs::testing {

// Local government codes used across tests.
inline constexpr char kToyama[] = "160008";
inline constexpr char kIshikawa[] = "170003";
inline constexpr char kFukui[] = "180009";
inline constexpr char kAichi[] = "230006";
inline constexpr char kToyamaCity[] = "162019";
inline constexpr char kTakaokaCity[] = "162027";
inline constexpr char kKanazawaCity[] = "172014";

// Type A, HOKURIKU, authors Toyama (lead), Ishikawa, Fukui; AI・semiconductors; mandatory
// KGIs with the CAPEX target not yet set.
registry::v1::Plan PlanA();
// Type B, Toyama prefecture alone, with a priority-support company.
registry::v1::Plan PlanB();
// Type C, Kanazawa city in Ishikawa.
registry::v1::Plan PlanC();

}  // namespace rfs::testing
