// Internal to the rfs-kpi tracker (tracker*.cc): the helpers and constants its parts share,
// and what a write changes (Tracker::Change). Not for other code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/base/text.h"
#include "rfs/kpi/v1/kpi.pb.h"
#include "rfs/registry/v1/registry.pb.h"
#include "services/kpi/kpi_store.h"
#include "services/kpi/tracker.h"

namespace rfs::kpi {

using registry::v1::Indicator;
using registry::v1::Plan;

// The service named in the events it writes, and the rules of its free texts.
inline constexpr char kSource[] = "rfs-kpi";
inline constexpr TextRule kSourceRule{500, false, false};
inline constexpr TextRule kNoteRule{2000, false, true};
inline constexpr TextRule kReasonRule{2000, true, true};
inline constexpr absl::Duration kDefaultUnlock = absl::Hours(24 * 14);
inline constexpr absl::Duration kMaxUnlock = absl::Hours(24 * 366);

// Times between absl and protobuf.
google::protobuf::Timestamp ToProto(absl::Time t);
absl::Time FromProto(const google::protobuf::Timestamp& t);

// The plan's indicator `id`, or null.
const Indicator* FindIndicator(const Plan& plan, const std::string& id);

// The plan's indicator `id`, or INVALID_ARGUMENT naming indicator_id and listing the plan's.
absl::StatusOr<const Indicator*> IndicatorOf(const Plan& plan, const std::string& id);


// The measurement of `indicator_id` and `period` among `ms`, or null.
const v1::Measurement* FindMeasurement(const std::vector<v1::Measurement>& ms,
                                       const std::string& indicator_id,
                                       const common::v1::FiscalPeriod& period);

// The plan's measurements with `m` in place of the one of the same indicator and period.
std::vector<v1::Measurement> With(std::vector<v1::Measurement> ms, const v1::Measurement& m);

// A unit's words, for messages.
std::string UnitName(const Indicator& indicator);

// Amounts that cannot fall below zero: people, things counted, and money flowing in (a
// cumulative yen figure such as investment). Levels in yen (an increase in value added) and
// rates can be negative.
bool NeverNegative(const Indicator& indicator);

// The prefectures a breakdown may name: those of the plan's area and of its enclaves.
absl::flat_hash_set<std::string> BreakdownPrefectures(const Plan& plan);

// NOT_FOUND: the measurement `name` has not been reported.
absl::Status NotFoundMeasurement(const std::string& name);

// OK for a half year (or, unless `half_required`, a fiscal year) within the years rfs knows;
// INVALID_ARGUMENT naming `field` otherwise.
absl::Status ValidatePlanPeriod(const common::v1::FiscalPeriod& period, absl::string_view field,
                                bool half_required);

// OK when `period` falls within the plan's period; INVALID_ARGUMENT naming `field` otherwise.
absl::Status WithinPlanPeriod(const Plan& plan, const common::v1::FiscalPeriod& period,
                              absl::string_view field);

// Keeps `plan` as the snapshot when it differs from the one held, with the last definitions of
// the indicators it dropped (and forgetting those it brings back).
void KeepPlan(const PlanState& state, const Plan& plan, PlanWrite* write);

// Removed indicators kept from before rfs-kpi kept only those with values, and slim: one
// without values is forgotten, one with a description is kept again without it.
void ForgetRemovedWithoutValues(const PlanState& state,
                                const std::vector<v1::Measurement>& measurements,
                                PlanWrite* write);

// "PDCA_PHASE_CHECK" → "CHECK", "PROGRESS_STATUS_ON_TRACK" → "ON_TRACK": the short names the
// events, audit lines and metrics use.
std::string ShortName(const std::string& enum_name, absl::string_view prefix);

// "CHECK" for PDCA_PHASE_CHECK.
std::string PhaseName(v1::PdcaPhase phase);

// What `write` adds to the bytes of the plan's KPI state read as `state` (PlanState::bytes):
// the measurement over the one it replaces, its history entry, removed indicators kept or
// forgotten, and PDCA cycles over the ones they replace.
int64_t BytesAdded(const PlanState& state, const PlanWrite& write);

// OK for a plan being implemented: published by the governor, submitted, published nationally,
// or in revision after that (DOMAIN.md: implementation with its PDCA follows the governor's
// publication; a plan in revision is still being implemented). FAILED_PRECONDITION naming the
// stage otherwise: a draft is not yet a commitment, a withdrawn plan no longer one.
absl::Status BeingImplemented(const Plan& plan, absl::string_view what_ja,
                              absl::string_view what_en);

// RESOURCE_EXHAUSTED: the plan holds as much as one plan may.
absl::Status PlanFull(const std::string& plan_name, int64_t held, int64_t limit);

// What a write changes: the measurement as it will stand and its history entry, or the PDCA
// cycle; its own events (status and report events are added by Commit), and what the audit
// log says.
struct Tracker::Change {
  std::optional<v1::Measurement> measurement;
  v1::MeasurementChange entry;
  std::optional<v1::PdcaCycle> pdca;
  std::vector<common::v1::Event> events;
  std::string audit_action;
  std::string audit_target;
  std::string request_key;
  std::string request_value;
  // Only the request id is remembered (the value sent is the value held).
  bool request_only = false;
};

}  // namespace rfs::kpi
