// Realistic valid plans of each type for tests, shaped after the seed's Hokuriku drafts.
#pragma once

#include <string>

#include "common/domain/principal.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::testing {

// A caller of `role` (subject "t"), with its body code or block when the role has one.
Principal Who(Role role, std::string body_code = "", std::string block = "");

// Local government codes used across tests.
inline constexpr char kToyama[] = "160008";
inline constexpr char kIshikawa[] = "170003";
inline constexpr char kFukui[] = "180009";
inline constexpr char kAichi[] = "230006";
inline constexpr char kToyamaCity[] = "162019";
inline constexpr char kTakaokaCity[] = "162027";
inline constexpr char kKanazawaCity[] = "172014";
inline constexpr char kGunma[] = "100005";
inline constexpr char kSaitama[] = "110001";  // in the Tokyo area (東京圏)

// Type A, HOKURIKU, authors Toyama (lead), Ishikawa, Fukui; AI・semiconductors; mandatory
// KGIs with the CAPEX target not yet set.
registry::v1::Plan PlanA();
// Type B, Toyama prefecture alone, with a priority-support company.
registry::v1::Plan PlanB();
// Type C, Kanazawa city in Ishikawa.
registry::v1::Plan PlanC();

// Plans that meet every quantitative requirement of their type, with the attestations of the
// qualitative ones (which then await review), an own KGI, a KPI and yearly milestones.
// CompletePlanB attracts no company from outside (B2 not applicable).
registry::v1::Plan CompletePlanA();
registry::v1::Plan CompletePlanB();
registry::v1::Plan CompletePlanC();

// Moves `plan` to Kanto: Gunma leads, Saitama (in the Tokyo area) co-authors, both its area.
void MoveToKanto(registry::v1::Plan* plan);

// Adds an indicator of `kind` with `topic`, baseline FY2025 = 0 and a target in FY2030 (value
// `target`, or none when negative), and a milestone each fiscal year in between.
registry::v1::Indicator* AddTopicIndicator(registry::v1::Plan* plan, const char* id,
                                           registry::v1::IndicatorKind kind,
                                           registry::v1::IndicatorTopic topic, int64_t target);
// Adds (or replaces) the attestation of `requirement_id`.
void Attest(registry::v1::Plan* plan, const char* requirement_id, const char* statement,
            const char* evidence);

}  // namespace rfs::testing
