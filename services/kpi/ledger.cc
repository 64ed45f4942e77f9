#include "services/kpi/ledger.h"

#include <cmath>
#include <map>

#include "absl/container/btree_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/domain/codes.h"
#include "common/domain/fiscal.h"
#include "common/domain/plan_access.h"

namespace rfs::kpi {
namespace {

using registry::v1::Indicator;
using registry::v1::Plan;

int64_t HalfOf(int fiscal_year, bool second) { return int64_t{fiscal_year} * 2 + (second ? 1 : 0); }

// The year's value of an indicator by prefecture: the breakdown, else all at `lead`.
using ByPrefecture = std::map<std::string, int64_t>;

void AddValue(const google::protobuf::RepeatedPtrField<v1::PrefectureValue>& breakdown,
              int64_t value, const std::string& lead, ByPrefecture* out) {
  if (breakdown.empty()) {
    (*out)[lead] += value;
    return;
  }
  for (const v1::PrefectureValue& part : breakdown) (*out)[part.prefecture_code()] += part.value();
}

// Year → value by prefecture, of one indicator's reported or verified values.
std::map<int, ByPrefecture> YearValues(const Indicator& indicator,
                                       const std::vector<v1::Measurement>& measurements,
                                       const std::string& lead, bool verified) {
  const bool level = indicator.aggregation() == registry::v1::AGGREGATION_LEVEL;
  // For a LEVEL indicator, the latest half of each year wins.
  std::map<int, const v1::Measurement*> latest;
  std::map<int, ByPrefecture> years;
  for (const v1::Measurement& m : measurements) {
    if (m.indicator_id() != indicator.id()) continue;
    if (verified && !m.has_verified_value()) continue;
    const int fy = m.period().fiscal_year();
    if (level) {
      const v1::Measurement*& slot = latest[fy];
      if (slot == nullptr || HalfIndex(slot->period()) < HalfIndex(m.period())) slot = &m;
      continue;
    }
    if (verified) {
      AddValue(m.verified_breakdown(), m.verified_value(), lead, &years[fy]);
    } else {
      AddValue(m.breakdown(), m.value(), lead, &years[fy]);
    }
  }
  for (const auto& [fy, m] : latest) {
    if (verified) {
      AddValue(m->verified_breakdown(), m->verified_value(), lead, &years[fy]);
    } else {
      AddValue(m->breakdown(), m->value(), lead, &years[fy]);
    }
  }
  return years;
}

int64_t Round(double v) { return static_cast<int64_t>(std::llround(v)); }

}  // namespace

const char* AggregatedKgiName(registry::v1::MandatoryKgi kgi) {
  switch (kgi) {
    case registry::v1::MANDATORY_KGI_CAPEX:
      return "CAPEX";
    case registry::v1::MANDATORY_KGI_VALUE_ADDED:
      return "VALUE_ADDED";
    case registry::v1::MANDATORY_KGI_TALENT:
      return "TALENT";
    default:
      return nullptr;
  }
}

v1::ProgressStatus ToProto(Status status) {
  switch (status) {
    case Status::kNoData:
      return v1::PROGRESS_STATUS_NO_DATA;
    case Status::kTargetUnset:
      return v1::PROGRESS_STATUS_TARGET_UNSET;
    case Status::kAchieved:
      return v1::PROGRESS_STATUS_ACHIEVED;
    case Status::kOnTrack:
      return v1::PROGRESS_STATUS_ON_TRACK;
    case Status::kAtRisk:
      return v1::PROGRESS_STATUS_AT_RISK;
    case Status::kOffTrack:
      return v1::PROGRESS_STATUS_OFF_TRACK;
    case Status::kDeteriorating:
      return v1::PROGRESS_STATUS_DETERIORATING;
  }
  return v1::PROGRESS_STATUS_UNSPECIFIED;
}

std::vector<Actual> ActualsOf(const std::vector<v1::Measurement>& measurements,
                              const std::string& indicator_id, bool verified) {
  std::vector<Actual> out;
  for (const v1::Measurement& m : measurements) {
    if (m.indicator_id() != indicator_id) continue;
    if (verified && !m.has_verified_value()) continue;
    Actual a;
    a.period = m.period();
    a.value = verified ? m.verified_value() : m.value();
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<IndicatorEvaluation> EvaluatePlan(const Plan& plan,
                                              const std::vector<v1::Measurement>& measurements,
                                              const common::v1::FiscalPeriod& as_of,
                                              const Thresholds& thresholds) {
  std::vector<IndicatorEvaluation> out;
  out.reserve(plan.indicators_size());
  for (const Indicator& indicator : plan.indicators()) {
    IndicatorEvaluation e;
    e.reported = Evaluate(indicator, ActualsOf(measurements, indicator.id(), false), as_of,
                          thresholds);
    e.verified = Evaluate(indicator, ActualsOf(measurements, indicator.id(), true), as_of,
                          thresholds);
    for (const v1::Measurement& m : measurements) {
      if (m.indicator_id() != indicator.id()) continue;
      ++e.measurements;
      if (m.state() == v1::MEASUREMENT_STATE_VERIFIED) ++e.verified_measurements;
    }
    out.push_back(e);
  }
  return out;
}

std::string CalendarMark(const Calendar& calendar, absl::Duration notice, absl::Time now) {
  const common::v1::FiscalPeriod half = FiscalPeriodOf(now);
  // The halves around now whose deadline may have passed or be near: the two before this one.
  common::v1::FiscalPeriod closed;
  std::string due = "-";
  for (int back = 1; back <= 2; ++back) {
    common::v1::FiscalPeriod p;
    const int64_t index = HalfIndex(half) - back;
    p.set_fiscal_year(static_cast<int32_t>(index / 2));
    p.set_half(index % 2 == 0 ? common::v1::FISCAL_HALF_H1 : common::v1::FISCAL_HALF_H2);
    const absl::Time deadline = Deadline(calendar, p);
    if (now >= deadline) {
      if (closed.fiscal_year() == 0) closed = p;
    } else if (now >= deadline - notice) {
      due = PeriodKey(p);
    }
  }
  return absl::StrCat(PeriodKey(half), "|", closed.fiscal_year() == 0 ? "-" : PeriodKey(closed),
                      "|", due);
}

absl::btree_map<std::string, v1::ReportState> ReportStates(
    const Plan& plan, const std::vector<v1::Measurement>& measurements, absl::Time now,
    const Calendar& calendar, std::optional<absl::Time> public_since) {
  absl::btree_map<std::string, v1::ReportState> out;
  const int indicators = plan.indicators_size();
  if (indicators == 0) return out;
  for (int fy = plan.period().start_fiscal_year(); fy <= plan.period().end_fiscal_year(); ++fy) {
    for (const auto half : {common::v1::FISCAL_HALF_H1, common::v1::FISCAL_HALF_H2}) {
      common::v1::FiscalPeriod p;
      p.set_fiscal_year(fy);
      p.set_half(half);
      if (PeriodStart(p) > now) return out;
      int reported = 0;
      bool late = false;
      for (const Indicator& indicator : plan.indicators()) {
        for (const v1::Measurement& m : measurements) {
          if (m.indicator_id() == indicator.id() && m.period().fiscal_year() == fy &&
              m.period().half() == half) {
            ++reported;
            late = late || m.late();
            break;
          }
        }
      }
      // Ended before the plan was public, and nothing reported: not expected.
      if (reported == 0 && public_since.has_value() && PeriodEnd(p) <= *public_since) continue;
      v1::ReportState state;
      if (now < Deadline(calendar, p)) {
        state = reported == indicators ? v1::REPORT_STATE_ON_TIME : v1::REPORT_STATE_NOT_YET_DUE;
      } else if (reported == indicators) {
        state = late ? v1::REPORT_STATE_LATE : v1::REPORT_STATE_ON_TIME;
      } else {
        state = reported == 0 ? v1::REPORT_STATE_MISSING : v1::REPORT_STATE_INCOMPLETE;
      }
      out[PeriodKey(p)] = state;
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ReportNotices(const ContributionMap& before,
                                                               const ContributionMap& after) {
  // The half years with a "due" row, or an overdue "rep" row (aggregate_key.h), per map.
  auto halves = [](const ContributionMap& m, bool overdue) {
    absl::btree_set<std::string> out;
    for (const auto& [key, v] : m) {
      if (v <= 0) continue;
      const std::optional<ContributionKey> c = ParseContribution(key);
      if (!c.has_value()) continue;
      const Row& row = c->row;
      if ((!overdue && row.kind == RowKind::kDue) ||
          (overdue && row.kind == RowKind::kReport &&
           (row.state == "REPORT_STATE_INCOMPLETE" || row.state == "REPORT_STATE_MISSING"))) {
        out.insert(absl::StrCat(c->bucket, "-", row.half));
      }
    }
    return out;
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (const bool overdue : {false, true}) {
    const auto was = halves(before, overdue);
    for (const std::string& p : halves(after, overdue)) {
      if (!was.contains(p)) out.emplace_back(overdue ? "overdue" : "due", p);
    }
  }
  return out;
}

ContributionMap Contributions(const Plan& plan, const std::vector<v1::Measurement>& measurements,
                              const common::v1::FiscalPeriod& as_of,
                              const Thresholds& thresholds) {
  Moment moment;
  moment.as_of = as_of;
  return Contributions(plan, measurements, moment, thresholds);
}

std::string LeadPrefecture(const Plan& plan) {
  if (!plan.lead_author_code().empty()) return PrefectureOf(plan.lead_author_code());
  return plan.area().prefecture_codes().empty() ? std::string() : plan.area().prefecture_codes(0);
}

bool OutsideNationalKgis(const Plan& plan, const v1::Measurement& m,
                         const std::function<bool(absl::string_view)>& tokyo_area) {
  if (!m.breakdown().empty()) return false;
  for (const Indicator& indicator : plan.indicators()) {
    if (indicator.id() != m.indicator_id()) continue;
    return indicator.kind() == registry::v1::INDICATOR_KIND_MANDATORY_KGI &&
           AggregatedKgiName(indicator.mandatory_kgi()) != nullptr &&
           tokyo_area(LeadPrefecture(plan));
  }
  return false;
}

ContributionMap Contributions(const Plan& plan, const std::vector<v1::Measurement>& measurements,
                              const Moment& moment, const Thresholds& thresholds) {
  const common::v1::FiscalPeriod& as_of = moment.as_of;
  ContributionMap out;
  if (!IsPublicStage(plan.stage())) return out;
  const std::string type = PlanTypeLetter(plan.type());
  const std::string& block = plan.area().block();
  const std::string lead = LeadPrefecture(plan);
  std::vector<std::string> fields = {"*"};
  for (const std::string& f : plan.strategic_fields()) fields.push_back(f);
  auto add = [&out](absl::string_view bucket, const Row& row, int64_t v) {
    if (v != 0) out[FormatContribution(bucket, row)] += v;
  };

  // The mandatory KGIs, by fiscal year.
  for (const Indicator& indicator : plan.indicators()) {
    if (indicator.kind() != registry::v1::INDICATOR_KIND_MANDATORY_KGI) continue;
    const char* kgi = AggregatedKgiName(indicator.mandatory_kgi());
    if (kgi == nullptr) continue;
    const bool level = indicator.aggregation() == registry::v1::AGGREGATION_LEVEL;
    for (const std::string& field : fields) {
      if (indicator.target().has_value()) {
        for (int fy = plan.period().start_fiscal_year(); fy <= plan.period().end_fiscal_year();
             ++fy) {
          const double end = ExpectedAt(indicator, HalfOf(fy, true)).value_or(0);
          const double before =
              level ? 0 : ExpectedAt(indicator, HalfOf(fy - 1, true)).value_or(0);
          add(absl::StrCat(fy), Row::Kgi("t", kgi, type, block, field, lead), Round(end - before));
        }
      }
      for (const bool verified : {false, true}) {
        for (const auto& [fy, by_pref] : YearValues(indicator, measurements, lead, verified)) {
          for (const auto& [pref, v] : by_pref) {
            add(absl::StrCat(fy), Row::Kgi(verified ? "v" : "r", kgi, type, block, field, pref),
                v);
          }
        }
      }
    }
  }

  // Now: statuses of the current indicators, and the plan's KPIs achieved.
  const std::vector<IndicatorEvaluation> evaluations =
      EvaluatePlan(plan, measurements, as_of, thresholds);
  int kpis = 0;
  int kpis_achieved = 0;
  for (int i = 0; i < plan.indicators_size(); ++i) {
    const Status status = evaluations[i].reported.status;
    add("now", Row::Status(StatusName(status), type, block), 1);
    if (plan.indicators(i).kind() == registry::v1::INDICATOR_KIND_KPI) {
      ++kpis;
      if (status == Status::kAchieved) ++kpis_achieved;
    }
  }
  if (moment.now.has_value()) {
    add("now", Row::Pdca(v1::PdcaPhase_Name(moment.pdca_phase), type), 1);
    for (const auto& [period_key, state] :
         ReportStates(plan, measurements, *moment.now, moment.calendar, moment.public_since)) {
      // "2026-H1" → "2026", "H1".
      const std::string fy = period_key.substr(0, 4);
      const std::string half = period_key.substr(5);
      add(fy, Row::Report(half, v1::ReportState_Name(state), type, block), 1);
      if (state == v1::REPORT_STATE_NOT_YET_DUE) {
        absl::StatusOr<common::v1::FiscalPeriod> p = ParsePeriodKey(period_key);
        if (p.ok() && *moment.now >= Deadline(moment.calendar, *p) - moment.notice) {
          add(fy, Row::Due(half, type, block), 1);
        }
      }
    }
  }
  for (const std::string& field : fields) {
    add("now", Row::PlanCount("plans", type, block, field, lead), 1);
    add("now", Row::PlanCount("plans_ach", type, block, field, lead), kpis_achieved > 0 ? 1 : 0);
    add("now", Row::PlanCount("kpis", type, block, field, lead), kpis);
    add("now", Row::PlanCount("kpis_ach", type, block, field, lead), kpis_achieved);
  }
  return out;
}

std::vector<AggregateCell> AggregateCells(
    absl::string_view contribution, const std::function<bool(absl::string_view)>& tokyo_area) {
  std::vector<AggregateCell> out;
  std::optional<ContributionKey> key = ParseContribution(contribution);
  if (!key.has_value()) {
    // Not a row rfs-kpi writes today: its bucket and the rest, as they are.
    const size_t bar = contribution.find('|');
    out.push_back({std::string(contribution.substr(0, bar)),
                   bar == absl::string_view::npos ? std::string()
                                                  : std::string(contribution.substr(bar + 1))});
    return out;
  }
  if (!key->row.by_area()) {
    out.push_back({key->bucket, FormatCellField(key->row)});
    return out;
  }
  Row cell = key->row;
  const std::string pref = std::move(cell.area);
  const std::string bucket = FormatCellBucket({key->bucket, cell.sfield, false});
  const std::string by_pref = FormatCellBucket({key->bucket, cell.sfield, true});
  const std::string area = tokyo_area(pref) ? "tokyo" : "other";
  cell.sfield.clear();
  out.reserve(8);
  for (const std::string& t : {key->row.type, std::string("*")}) {
    for (const std::string& b : {key->row.block, std::string("*")}) {
      cell.type = t;
      cell.block = b;
      cell.area = area;
      out.push_back({bucket, FormatCellField(cell)});
      cell.area = pref;
      out.push_back({by_pref, FormatCellField(cell)});
    }
  }
  return out;
}

ContributionMap Difference(const ContributionMap& before, const ContributionMap& after) {
  ContributionMap out;
  for (const auto& [key, v] : after) {
    auto it = before.find(key);
    const int64_t old = it == before.end() ? 0 : it->second;
    if (v != old) out[key] = v - old;
  }
  for (const auto& [key, v] : before) {
    if (!after.contains(key) && v != 0) out[key] = -v;
  }
  return out;
}

TokyoArea TokyoAreaOf(const ReferenceData& reference) {
  return [&reference](absl::string_view pref) {
    const PrefectureInfo* info = reference.FindPrefecture(pref);
    return info != nullptr && info->tokyo_area;
  };
}

std::vector<CellDelta> CellDeltas(const ContributionMap& difference, const TokyoArea& tokyo_area) {
  std::vector<CellDelta> out;
  out.reserve(difference.size());
  for (const auto& [field, delta] : difference) {
    out.push_back({field, delta, AggregateCells(field, tokyo_area)});
  }
  return out;
}

}  // namespace rfs::kpi
