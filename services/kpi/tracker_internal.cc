#include "services/kpi/tracker_internal.h"


#include <algorithm>
#include <cmath>
#include <utility>

#include <google/protobuf/util/time_util.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/codes.h"
#include "common/domain/fiscal.h"
#include "common/domain/money.h"
#include "common/domain/plan_access.h"
#include "common/domain/plan_event.h"
#include "common/domain/plan_filters.h"
#include "common/domain/plan_validation.h"
#include "common/kit/api.h"
#include "services/kpi/access_policy.h"
#include "services/kpi/ledger.h"

namespace rfs::kpi {

using google::protobuf::util::TimeUtil;
using registry::v1::Indicator;
using registry::v1::Plan;

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}

const Indicator* FindIndicator(const Plan& plan, const std::string& id) {
  for (const Indicator& indicator : plan.indicators()) {
    if (indicator.id() == id) return &indicator;
  }
  return nullptr;
}

absl::StatusOr<const Indicator*> IndicatorOf(const Plan& plan, const std::string& id) {
  if (const Indicator* indicator = FindIndicator(plan, id)) return indicator;
  std::vector<std::string> ids;
  for (const Indicator& i : plan.indicators()) ids.push_back(i.id());
  return InvalidField("indicator_id",
                      absl::StrCat(plan.name(), " に指標 '", Excerpt(id), "' はありません（あるのは ",
                                   absl::StrJoin(ids, ", "), "）"),
                      absl::StrCat(plan.name(), " has no indicator '", Excerpt(id), "' (it has ",
                                   absl::StrJoin(ids, ", "), ")"));
}

const v1::Measurement* FindMeasurement(const std::vector<v1::Measurement>& ms,
                                       const std::string& indicator_id,
                                       const common::v1::FiscalPeriod& period) {
  for (const v1::Measurement& m : ms) {
    if (m.indicator_id() == indicator_id && m.period().fiscal_year() == period.fiscal_year() &&
        m.period().half() == period.half()) {
      return &m;
    }
  }
  return nullptr;
}

std::vector<v1::Measurement> With(std::vector<v1::Measurement> ms, const v1::Measurement& m) {
  for (v1::Measurement& old : ms) {
    if (old.indicator_id() == m.indicator_id() &&
        old.period().fiscal_year() == m.period().fiscal_year() &&
        old.period().half() == m.period().half()) {
      old = m;
      return ms;
    }
  }
  ms.push_back(m);
  return ms;
}

std::string UnitName(const Indicator& indicator) {
  switch (indicator.unit()) {
    case registry::v1::INDICATOR_UNIT_YEN:
      return "yen";
    case registry::v1::INDICATOR_UNIT_PERSONS:
      return "persons";
    case registry::v1::INDICATOR_UNIT_PERCENT:
      return "percent";
    case registry::v1::INDICATOR_UNIT_YEN_PER_WORKER:
      return "yen per worker";
    default:
      return indicator.unit_label().empty() ? std::string("its unit") : indicator.unit_label();
  }
}

bool NeverNegative(const Indicator& indicator) {
  switch (indicator.unit()) {
    case registry::v1::INDICATOR_UNIT_PERSONS:
    case registry::v1::INDICATOR_UNIT_COUNT:
      return true;
    case registry::v1::INDICATOR_UNIT_YEN:
      return indicator.aggregation() == registry::v1::AGGREGATION_CUMULATIVE;
    default:
      return false;
  }
}

absl::flat_hash_set<std::string> BreakdownPrefectures(const Plan& plan) {
  absl::flat_hash_set<std::string> out(plan.area().prefecture_codes().begin(),
                                       plan.area().prefecture_codes().end());
  for (const auto& enclave : plan.area().enclaves()) {
    if (IsPrefectureCode(enclave.local_government_code()) ||
        enclave.local_government_code().size() == 6) {
      out.insert(PrefectureOf(enclave.local_government_code()));
    }
  }
  return out;
}

absl::Status NotFoundMeasurement(const std::string& name) {
  return Bilingual(absl::StatusCode::kNotFound,
                   absl::StrCat(name, " の実績値はまだ報告されていません"),
                   absl::StrCat(name, " has not been reported"));
}

absl::Status ValidatePlanPeriod(const common::v1::FiscalPeriod& period, absl::string_view field,
                                bool half_required) {
  RETURN_IF_ERROR(ValidateFiscalPeriod(period, field));
  if (half_required && period.half() != common::v1::FISCAL_HALF_H1 &&
      period.half() != common::v1::FISCAL_HALF_H2) {
    return InvalidField(absl::StrCat(field, ".half"),
                        "上期（H1）か下期（H2）を指定してください。年度全体の値は下期（H2）に"
                        "記録します",
                        "give H1 or H2; a figure for a whole fiscal year is recorded at H2");
  }
  return absl::OkStatus();
}

absl::Status WithinPlanPeriod(const Plan& plan, const common::v1::FiscalPeriod& period,
                              absl::string_view field) {
  const int fy = period.fiscal_year();
  if (fy < plan.period().start_fiscal_year() || fy > plan.period().end_fiscal_year()) {
    return InvalidField(
        absl::StrCat(field, ".fiscal_year"),
        absl::StrCat(fy, "年度は ", plan.name(), " の計画期間（",
                     plan.period().start_fiscal_year(), "〜", plan.period().end_fiscal_year(),
                     "年度）の外です"),
        absl::StrCat("FY", fy, " is outside the period of ", plan.name(), " (FY",
                     plan.period().start_fiscal_year(), "–FY", plan.period().end_fiscal_year(),
                     ")"));
  }
  return absl::OkStatus();
}

void KeepPlan(const PlanState& state, const Plan& plan, PlanWrite* write) {
  if (state.plan.has_value() && state.plan->SerializeAsString() == plan.SerializeAsString()) {
    return;
  }
  write->plan = plan;
  if (!state.plan.has_value() || state.plan->title() != plan.title()) {
    write->fields.push_back(
        {"titles", std::string(absl::StripPrefix(plan.name(), "plans/")), plan.title()});
  }
  // A dropped indicator is kept only while it has values to show (GetProgress lists them as
  // removed); one without values is forgotten, so replacing indicators costs nothing here.
  if (state.plan.has_value()) {
    absl::flat_hash_set<absl::string_view> with_values;
    for (const v1::Measurement& m : state.measurements) with_values.insert(m.indicator_id());
    for (const Indicator& old : state.plan->indicators()) {
      if (FindIndicator(plan, old.id()) == nullptr && with_values.contains(old.id())) {
        write->removed.push_back(old);
        SlimIndicator(&write->removed.back());
      }
    }
  }
  for (const Indicator& removed : state.removed) {
    if (FindIndicator(plan, removed.id()) != nullptr) write->restored.push_back(removed.id());
  }
}

void ForgetRemovedWithoutValues(const PlanState& state,
                                const std::vector<v1::Measurement>& measurements,
                                PlanWrite* write) {
  absl::flat_hash_set<absl::string_view> with_values;
  for (const v1::Measurement& m : measurements) with_values.insert(m.indicator_id());
  for (const Indicator& held : state.removed) {
    if (std::find(write->restored.begin(), write->restored.end(), held.id()) !=
        write->restored.end()) {
      continue;
    }
    if (!with_values.contains(held.id())) {
      write->restored.push_back(held.id());
    } else if (!held.description().empty()) {
      Indicator slim = held;
      SlimIndicator(&slim);
      write->removed.push_back(std::move(slim));
    }
  }
}

std::string ShortName(const std::string& enum_name, absl::string_view prefix) {
  absl::string_view name = enum_name;
  absl::ConsumePrefix(&name, prefix);
  return std::string(name);
}

std::string PhaseName(v1::PdcaPhase phase) {
  return ShortName(v1::PdcaPhase_Name(phase), "PDCA_PHASE_");
}

int64_t BytesAdded(const PlanState& state, const PlanWrite& write) {
  int64_t bytes = 0;
  if (write.measurement.has_value()) {
    bytes += static_cast<int64_t>(write.measurement->ByteSizeLong());
    if (const v1::Measurement* old = FindMeasurement(
            state.measurements, write.measurement->indicator_id(), write.measurement->period())) {
      bytes -= static_cast<int64_t>(old->ByteSizeLong());
    }
  }
  if (write.change.has_value()) bytes += static_cast<int64_t>(write.change->ByteSizeLong());
  for (const Indicator& removed : write.removed) {
    bytes += static_cast<int64_t>(removed.ByteSizeLong());
    for (const Indicator& held : state.removed) {  // kept again: replaces the one held
      if (held.id() == removed.id()) bytes -= static_cast<int64_t>(held.ByteSizeLong());
    }
  }
  for (const Indicator& held : state.removed) {
    if (std::find(write.restored.begin(), write.restored.end(), held.id()) !=
        write.restored.end()) {
      bytes -= static_cast<int64_t>(held.ByteSizeLong());
    }
  }
  for (const FieldWrite& f : write.fields) {
    if (!absl::StartsWith(f.key, "pdca:")) continue;
    bytes += static_cast<int64_t>(f.value.size());
    if (auto it = state.pdca.find(f.field); it != state.pdca.end()) {
      bytes -= static_cast<int64_t>(it->second.ByteSizeLong());
    }
  }
  return bytes;
}

absl::Status BeingImplemented(const Plan& plan, absl::string_view what_ja,
                              absl::string_view what_en) {
  if (IsPublicStage(plan.stage())) return absl::OkStatus();
  const std::string stage = StageName(plan.stage());
  if (plan.stage() == registry::v1::PLAN_STAGE_WITHDRAWN) {
    return FailedPrecondition(
        absl::StrCat(plan.name(), " は取り下げられています（", stage, "）。取り下げた計画の",
                     what_ja, "ることはできません"),
        absl::StrCat(plan.name(), " is withdrawn (", stage, "): no more ", what_en,
                     " for it"));
  }
  return FailedPrecondition(
      absl::StrCat(plan.name(), " は ", stage, " の段階です。", what_ja,
                   "るのは知事が公表した後（PUBLISHED_BY_GOVERNOR 以降）の計画です"),
      absl::StrCat(plan.name(), " is at stage ", stage, "; ", what_en,
                   " once the governor has published the plan (PUBLISHED_BY_GOVERNOR or later)"));
}

absl::Status PlanFull(const std::string& plan_name, int64_t held, int64_t limit) {
  return Bilingual(
      absl::StatusCode::kResourceExhausted,
      absl::StrCat(plan_name, " の実績値・履歴・PDCA の記録は ", held / 1024, " KiB で、1計画の上限 ",
                   limit / 1024,
                   " KiB に達しています。備考や理由を短くするか、事務局に相談してください"),
      absl::StrCat(plan_name, " holds ", held / 1024, " KiB of values, histories and PDCA "
                   "records, the most one plan may (", limit / 1024,
                   " KiB); shorten notes and reasons, or ask the secretariat"));
}

}  // namespace rfs::kpi
