// The national picture: the mandatory KGIs aggregated, and who has reported a half year.
#include "services/kpi/tracker.h"


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

#include "services/kpi/tracker_internal.h"

namespace rfs::kpi {

using google::protobuf::util::TimeUtil;
using registry::v1::Indicator;
using registry::v1::Plan;

namespace {

constexpr registry::v1::MandatoryKgi kKgis[] = {registry::v1::MANDATORY_KGI_CAPEX,
                                                registry::v1::MANDATORY_KGI_VALUE_ADDED,
                                                registry::v1::MANDATORY_KGI_TALENT};
constexpr const char* kKgiMetrics[] = {"t", "r", "v"};  // target, reported, verified
constexpr const char* kShareCounts[] = {"plans", "plans_ach", "kpis", "kpis_ach"};

// The sums of the three KGIs, cell by cell in the order of kKgis × kKgiMetrics × areas.
void FillTotals(const std::vector<int64_t>& cells, size_t areas, v1::AggregateKgiResponse* out) {
  size_t i = 0;
  for (const auto kgi : kKgis) {
    v1::KgiTotal* t = out->add_totals();
    t->set_kgi(kgi);
    t->set_unit(kgi == registry::v1::MANDATORY_KGI_TALENT ? registry::v1::INDICATOR_UNIT_PERSONS
                                                          : registry::v1::INDICATOR_UNIT_YEN);
    for (int m = 0; m < 3; ++m) {
      for (size_t a = 0; a < areas; ++a, ++i) {
        const int64_t v = cells[i];
        if (m == 0) t->set_target(t->target() + v);
        if (m == 1) t->set_reported(t->reported() + v);
        if (m == 2) t->set_verified(t->verified() + v);
      }
    }
  }
}

// The shares of plans and KPIs achieved now, from the cells of kShareCounts × areas.
void FillShares(const std::vector<int64_t>& cells, size_t areas, v1::AggregateKgiResponse* out) {
  int64_t counts[4] = {0, 0, 0, 0};
  size_t i = 0;
  for (int c = 0; c < 4; ++c) {
    for (size_t a = 0; a < areas; ++a, ++i) counts[c] += cells[i];
  }
  const int64_t plans = counts[0], plans_ach = counts[1], kpis = counts[2], kpis_ach = counts[3];
  out->set_plans(static_cast<int32_t>(plans));
  out->set_plans_with_kpi_achieved(static_cast<int32_t>(plans_ach));
  out->set_plans_with_kpi_achieved_ratio(plans > 0 ? static_cast<double>(plans_ach) / plans : 0);
  out->set_kpis(static_cast<int32_t>(kpis));
  out->set_kpis_achieved(static_cast<int32_t>(kpis_ach));
  out->set_kpis_achieved_ratio(kpis > 0 ? static_cast<double>(kpis_ach) / kpis : 0);
}

}  // namespace

// Where an AggregateKgi request reads, in the cells of ledger.h AggregateCells: the plan type,
// block and strategic field ("*" for all), whether the cells are by prefecture, and the
// areas summed — a fixed handful of fields whatever the number of plans: by prefecture when
// one is asked for, else outside (and, when asked, inside) the Tokyo area.
struct AggregateScope {
  std::string type, block, sfield;
  bool by_prefecture = false;
  std::vector<std::string> areas;
};

absl::StatusOr<AggregateScope> Tracker::ScopeOf(const v1::AggregateKgiRequest& req) const {
  if (req.fiscal_year() < kMinFiscalYear || req.fiscal_year() > kMaxFiscalYear) {
    return InvalidField("fiscal_year",
                        absl::StrCat(kMinFiscalYear, "〜", kMaxFiscalYear,
                                     " の年度を指定してください（2027 など）"),
                        absl::StrCat("give a fiscal year in ", kMinFiscalYear, "..",
                                     kMaxFiscalYear, " (like 2027)"));
  }
  RETURN_IF_ERROR(ValidatePlanTypeFilter(req.plan_type()));
  RETURN_IF_ERROR(ValidateBlockFilter(*reference_, req.block()));
  RETURN_IF_ERROR(ValidateStrategicFieldFilter(*reference_, req.strategic_field()));
  ASSIGN_OR_RETURN(const std::string prefecture_code,
                   NormalizePrefectureFilter(req.prefecture_code()));
  const PrefectureInfo* filter_pref =
      prefecture_code.empty() ? nullptr : reference_->FindPrefecture(prefecture_code);
  if (filter_pref != nullptr && filter_pref->tokyo_area && !req.include_tokyo_area()) {
    return InvalidField(
        "prefecture_code",
        absl::StrCat(filter_pref->name_ja,
                     "は東京圏の都道府県で、全国KGIの集計からは除かれます。この都道府県の値を"
                     "見るには include_tokyo_area を指定してください"),
        absl::StrCat(filter_pref->name_en,
                     " is in the Tokyo area, which the national KGIs leave out; set "
                     "include_tokyo_area to see its values"));
  }
  AggregateScope scope;
  scope.type =
      req.plan_type() == registry::v1::PLAN_TYPE_UNSPECIFIED ? "*" : PlanTypeLetter(req.plan_type());
  scope.block = req.block().empty() ? "*" : req.block();
  scope.sfield = req.strategic_field().empty() ? "*" : req.strategic_field();
  scope.by_prefecture = filter_pref != nullptr;
  if (filter_pref != nullptr) {
    scope.areas.push_back(prefecture_code);
  } else {
    scope.areas.push_back("other");
    if (req.include_tokyo_area()) scope.areas.push_back("tokyo");
  }
  return scope;
}

absl::StatusOr<v1::AggregateKgiResponse> Tracker::AggregateKgi(
    const Principal& who, const v1::AggregateKgiRequest& req) {
  RETURN_IF_ERROR(Authorize(who, Action::kAggregate));
  ASSIGN_OR_RETURN(const AggregateScope scope, ScopeOf(req));
  std::vector<std::string> year_fields;
  for (const auto kgi : kKgis) {
    for (const char* m : kKgiMetrics) {
      for (const std::string& area : scope.areas) {
        year_fields.push_back(FormatCellField(
            Row::Kgi(m, AggregatedKgiName(kgi), scope.type, scope.block, "", area)));
      }
    }
  }
  std::vector<std::string> now_fields;
  for (const char* c : kShareCounts) {
    for (const std::string& area : scope.areas) {
      now_fields.push_back(
          FormatCellField(Row::PlanCount(c, scope.type, scope.block, "", area)));
    }
  }
  ASSIGN_OR_RETURN(
      const std::vector<std::vector<int64_t>> values,
      store_->AggregateFields(
          {{FormatCellBucket({absl::StrCat(req.fiscal_year()), scope.sfield, scope.by_prefecture}),
            year_fields},
           {FormatCellBucket({"now", scope.sfield, scope.by_prefecture}), now_fields}}));
  v1::AggregateKgiResponse out;
  out.set_fiscal_year(req.fiscal_year());
  FillTotals(values[0], scope.areas.size(), &out);
  FillShares(values[1], scope.areas.size(), &out);
  return out;
}

namespace {

// The counts by state of a half year (`half`, "H1" or "H2"), from the kReport rows of its
// fiscal year's bucket `year`, within the filters (empty: all).
void CountReports(const absl::flat_hash_map<std::string, int64_t>& year, const std::string& half,
                  const std::string& type, const std::string& block, v1::ReportingStatus* out) {
  for (const auto& [key, value] : year) {
    const std::optional<Row> row = ParseCellField(key);
    if (!row.has_value() || row->kind != RowKind::kReport || row->half != half) continue;
    if (!type.empty() && row->type != type) continue;
    if (!block.empty() && row->block != block) continue;
    v1::ReportState state = v1::REPORT_STATE_UNSPECIFIED;
    v1::ReportState_Parse(row->state, &state);
    const int32_t n = static_cast<int32_t>(value);
    out->set_expected(out->expected() + n);
    switch (state) {
      case v1::REPORT_STATE_NOT_YET_DUE:
        out->set_not_yet_due(out->not_yet_due() + n);
        break;
      case v1::REPORT_STATE_ON_TIME:
        out->set_on_time(out->on_time() + n);
        break;
      case v1::REPORT_STATE_LATE:
        out->set_late(out->late() + n);
        break;
      case v1::REPORT_STATE_INCOMPLETE:
        out->set_incomplete(out->incomplete() + n);
        break;
      case v1::REPORT_STATE_MISSING:
        out->set_missing(out->missing() + n);
        break;
      default:
        break;
    }
  }
}

}  // namespace

absl::StatusOr<v1::ReportingStatus> Tracker::GetReportingStatus(
    const Principal& who, const v1::GetReportingStatusRequest& req) {
  RETURN_IF_ERROR(Authorize(who, Action::kAggregate));
  RETURN_IF_ERROR(ValidatePlanPeriod(req.period(), "period", /*half_required=*/true));
  RETURN_IF_ERROR(ValidatePlanTypeFilter(req.plan_type()));
  RETURN_IF_ERROR(ValidateBlockFilter(*reference_, req.block()));
  const std::string type =
      req.plan_type() == registry::v1::PLAN_TYPE_UNSPECIFIED ? "" : PlanTypeLetter(req.plan_type());
  const std::string half = req.period().half() == common::v1::FISCAL_HALF_H1 ? "H1" : "H2";
  const std::string period_key = PeriodKey(req.period());
  ASSIGN_OR_RETURN(auto year, store_->Aggregate(absl::StrCat(req.period().fiscal_year())));
  ASSIGN_OR_RETURN(auto index, store_->ReportIndex(period_key));

  v1::ReportingStatus out;
  *out.mutable_period() = req.period();
  *out.mutable_deadline() = ToProto(Deadline(options_.calendar, req.period()));
  *out.mutable_compute_time() = ToProto(options_.now());
  CountReports(year, half, type, req.block(), &out);
  // The plans, as far as the caller may see them.
  absl::flat_hash_map<std::string, ReportEntry> entries;
  std::vector<std::string> ids;
  for (const auto& [plan_id, value] : index) {
    if (!type.empty() && plan_id.substr(0, 1) != type) continue;
    std::optional<ReportEntry> entry = ParseReportEntry(value);
    if (!entry.has_value() || (!req.block().empty() && entry->block != req.block())) continue;
    ids.push_back(plan_id);
    entries.emplace(plan_id, *std::move(entry));
  }
  std::sort(ids.begin(), ids.end());
  // Their titles, and which of them the caller may read: the titles kept, and the snapshots (a
  // batch at a time, so memory per call stays bounded however many plans report) only of the
  // plans of a caller who may not read every plan, or whose title is not kept yet (plans last
  // synced before titles were kept).
  ASSIGN_OR_RETURN(auto titles, store_->Titles(ids));
  const bool every = ReadsEveryPlan(who);
  std::vector<std::string> to_read;
  for (const std::string& plan_id : ids) {
    if (!every || !titles.contains(plan_id)) to_read.push_back(plan_id);
  }
  absl::flat_hash_set<std::string> hidden;
  constexpr size_t kBatch = 64;
  for (size_t from = 0; from < to_read.size(); from += kBatch) {
    const std::vector<std::string> batch(to_read.begin() + from,
                                         to_read.begin() + std::min(to_read.size(), from + kBatch));
    ASSIGN_OR_RETURN(const auto snapshots, store_->Snapshots(batch));
    for (const std::string& plan_id : batch) {
      auto it = snapshots.find(plan_id);
      if (!every && (it == snapshots.end() || !CanReadPlan(who, it->second))) {
        hidden.insert(plan_id);
      } else if (it != snapshots.end()) {
        titles.try_emplace(plan_id, it->second.title());
      }
    }
  }
  if (!hidden.empty()) {
    ids.erase(std::remove_if(ids.begin(), ids.end(),
                             [&](const std::string& id) { return hidden.contains(id); }),
              ids.end());
  }
  for (const std::string& plan_id : ids) {
    const ReportEntry& entry = entries.at(plan_id);
    v1::PlanReport* r = out.add_plans();
    r->set_plan(absl::StrCat("plans/", plan_id));
    r->set_plan_type(plan_id[0] == 'A'   ? registry::v1::PLAN_TYPE_A
                     : plan_id[0] == 'B' ? registry::v1::PLAN_TYPE_B
                                         : registry::v1::PLAN_TYPE_C);
    r->set_block(entry.block);
    if (auto title = titles.find(plan_id); title != titles.end()) r->set_title(title->second);
    r->set_state(static_cast<v1::ReportState>(entry.state));
    if (entry.counted) {
      r->set_reported(entry.reported);
      r->set_indicators(entry.indicators);
    }
  }
  return out;
}

}  // namespace rfs::kpi
