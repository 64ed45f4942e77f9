// A plan's contributions to the national aggregates (services/kpi/ledger.h): which plans count,
// the yearly targets on the path, reported and verified values at their prefectures, LEVEL vs
// CUMULATIVE years, the "now" counts, and the difference a write applies. Breakdown sums are
// validated by the tracker (integration tests), not here: the ledger counts what it is given.
#include "services/kpi/ledger.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/domain/fiscal.h"
#include "tests/support/plans.h"

namespace rfs::kpi {
namespace {

using common::v1::FISCAL_HALF_H1;
using common::v1::FISCAL_HALF_H2;
using common::v1::FiscalHalf;
using common::v1::FiscalPeriod;
using registry::v1::Indicator;
using registry::v1::Plan;
using Parts = std::vector<std::pair<std::string, int64_t>>;

using testing::kFukui;
using testing::kGunma;
using testing::kIshikawa;
using testing::kKanazawaCity;
using testing::kSaitama;  // in the Tokyo area (東京圏)
using testing::kToyama;

FiscalPeriod Period(int year, FiscalHalf half) {
  FiscalPeriod p;
  p.set_fiscal_year(year);
  p.set_half(half);
  return p;
}

// Baseline FY2025 = 0, target FY2030 (`target`, or unset), no milestones: linear, one tenth
// of the target per half year.
Indicator* Add(Plan* plan, const char* id, registry::v1::IndicatorKind kind,
               registry::v1::MandatoryKgi kgi, registry::v1::IndicatorUnit unit,
               registry::v1::Aggregation aggregation, std::optional<int64_t> target) {
  Indicator* ind = plan->add_indicators();
  ind->set_id(id);
  ind->set_kind(kind);
  ind->set_mandatory_kgi(kgi);
  ind->set_name(id);
  ind->set_unit(unit);
  ind->set_aggregation(aggregation);
  ind->set_direction(registry::v1::DIRECTION_INCREASE);
  ind->mutable_baseline()->mutable_period()->set_fiscal_year(2025);
  ind->mutable_baseline()->set_value(0);
  ind->mutable_target()->mutable_period()->set_fiscal_year(2030);
  if (target) ind->mutable_target()->set_value(*target);
  return ind;
}

// A type A plan of Hokuriku (Toyama leads, with Ishikawa and Fukui), AI・半導体, FY2026–2030:
//   kgi-capex        CAPEX, CUMULATIVE, target 1000 → 200 a fiscal year
//   kgi-value-added  VALUE_ADDED, LEVEL, target 500 → level 100 at FY2026 H2, 200 at FY2027 H2…
//   kgi-talent       TALENT, target unset ("○○")
//   kpi-deals        KPI, LEVEL, target 10
//   kpi-visits       KPI, CUMULATIVE, target 100
Plan HokurikuPlan(registry::v1::PlanStage stage = registry::v1::PLAN_STAGE_PUBLISHED) {
  Plan p;
  p.set_name("plans/A-00001");
  p.set_type(registry::v1::PLAN_TYPE_A);
  p.set_stage(stage);
  for (const char* code : {kToyama, kIshikawa, kFukui}) {
    p.add_authors()->set_local_government_code(code);
    p.mutable_area()->add_prefecture_codes(code);
  }
  p.set_lead_author_code(kToyama);
  p.mutable_area()->set_block("HOKURIKU");
  p.add_strategic_fields("AI_SEMICONDUCTOR");
  p.mutable_period()->set_start_fiscal_year(2026);
  p.mutable_period()->set_end_fiscal_year(2030);
  using namespace registry::v1;
  Add(&p, "kgi-capex", INDICATOR_KIND_MANDATORY_KGI, MANDATORY_KGI_CAPEX, INDICATOR_UNIT_YEN,
      AGGREGATION_CUMULATIVE, 1000);
  Add(&p, "kgi-value-added", INDICATOR_KIND_MANDATORY_KGI, MANDATORY_KGI_VALUE_ADDED,
      INDICATOR_UNIT_YEN, AGGREGATION_LEVEL, 500);
  Add(&p, "kgi-talent", INDICATOR_KIND_MANDATORY_KGI, MANDATORY_KGI_TALENT,
      INDICATOR_UNIT_PERSONS, AGGREGATION_CUMULATIVE, std::nullopt);
  Add(&p, "kpi-deals", INDICATOR_KIND_KPI, MANDATORY_KGI_UNSPECIFIED, INDICATOR_UNIT_COUNT,
      AGGREGATION_LEVEL, 10);
  Add(&p, "kpi-visits", INDICATOR_KIND_KPI, MANDATORY_KGI_UNSPECIFIED, INDICATOR_UNIT_COUNT,
      AGGREGATION_CUMULATIVE, 100);
  return p;
}

// A type A plan of Kanto led by Gunma, with Saitama (Tokyo area) in its area.
Plan KantoPlan() {
  Plan p = HokurikuPlan();
  p.set_name("plans/A-00002");
  testing::MoveToKanto(&p);
  return p;
}

v1::Measurement M(const char* indicator, int year, FiscalHalf half, int64_t value,
                  const Parts& breakdown = {}) {
  v1::Measurement m;
  m.set_plan("plans/A-00001");
  m.set_indicator_id(indicator);
  *m.mutable_period() = Period(year, half);
  m.set_value(value);
  for (const auto& [code, part] : breakdown) {
    v1::PrefectureValue* pv = m.add_breakdown();
    pv->set_prefecture_code(code);
    pv->set_value(part);
  }
  m.set_state(v1::MEASUREMENT_STATE_REPORTED);
  m.set_revision(1);
  return m;
}

// Marks the measurement verified at `value` (as it stood then, with `breakdown`); the state
// is VERIFIED only when the value still is the verified one.
v1::Measurement Verified(v1::Measurement m, int64_t value, const Parts& breakdown = {}) {
  m.set_verified_value(value);
  m.clear_verified_breakdown();
  for (const auto& [code, part] : breakdown) {
    v1::PrefectureValue* pv = m.add_verified_breakdown();
    pv->set_prefecture_code(code);
    pv->set_value(part);
  }
  const bool same = value == m.value() && breakdown.size() == static_cast<size_t>(m.breakdown_size());
  m.set_state(same ? v1::MEASUREMENT_STATE_VERIFIED : v1::MEASUREMENT_STATE_REPORTED);
  return m;
}

ContributionMap Of(const Plan& plan, const std::vector<v1::Measurement>& measurements,
                   const FiscalPeriod& as_of = Period(2026, FISCAL_HALF_H2)) {
  return Contributions(plan, measurements, as_of, Thresholds{});
}

int64_t At(const ContributionMap& c, const std::string& key) {
  auto it = c.find(key);
  return it == c.end() ? 0 : it->second;
}

std::vector<std::string> KeysWith(const ContributionMap& c, const std::string& part) {
  std::vector<std::string> keys;
  for (const auto& [key, v] : c) {
    if (absl::StrContains(key, part)) keys.push_back(key);
  }
  return keys;
}

void ExpectNoZeros(const ContributionMap& c) {
  for (const auto& [key, v] : c) EXPECT_NE(v, 0) << key;
}

// before + difference, dropping what becomes zero (what the store's script does).
ContributionMap Apply(ContributionMap before, const ContributionMap& difference) {
  for (const auto& [key, d] : difference) {
    before[key] += d;
    if (before[key] == 0) before.erase(key);
  }
  return before;
}

TEST(Ledger, AggregatedKgisAreCapexValueAddedAndTalent) {
  EXPECT_STREQ(AggregatedKgiName(registry::v1::MANDATORY_KGI_CAPEX), "CAPEX");
  EXPECT_STREQ(AggregatedKgiName(registry::v1::MANDATORY_KGI_VALUE_ADDED), "VALUE_ADDED");
  EXPECT_STREQ(AggregatedKgiName(registry::v1::MANDATORY_KGI_TALENT), "TALENT");
  EXPECT_EQ(AggregatedKgiName(registry::v1::MANDATORY_KGI_LABOR_PRODUCTIVITY), nullptr);
  EXPECT_EQ(AggregatedKgiName(registry::v1::MANDATORY_KGI_LABOR_PRODUCTIVITY_RATE), nullptr);
  EXPECT_EQ(AggregatedKgiName(registry::v1::MANDATORY_KGI_UNSPECIFIED), nullptr);
}

TEST(Ledger, StatusesMapOntoTheApi) {
  EXPECT_EQ(ToProto(Status::kNoData), v1::PROGRESS_STATUS_NO_DATA);
  EXPECT_EQ(ToProto(Status::kTargetUnset), v1::PROGRESS_STATUS_TARGET_UNSET);
  EXPECT_EQ(ToProto(Status::kAchieved), v1::PROGRESS_STATUS_ACHIEVED);
  EXPECT_EQ(ToProto(Status::kOnTrack), v1::PROGRESS_STATUS_ON_TRACK);
  EXPECT_EQ(ToProto(Status::kAtRisk), v1::PROGRESS_STATUS_AT_RISK);
  EXPECT_EQ(ToProto(Status::kOffTrack), v1::PROGRESS_STATUS_OFF_TRACK);
  EXPECT_EQ(ToProto(Status::kDeteriorating), v1::PROGRESS_STATUS_DETERIORATING);
}

// Drafts are not commitments: only plans published by the governor or later count.
TEST(Ledger, OnlyPlansAtAPublicStageContribute) {
  const std::vector<v1::Measurement> values = {M("kgi-capex", 2026, FISCAL_HALF_H2, 150),
                                               M("kpi-deals", 2026, FISCAL_HALF_H2, 10)};
  for (auto stage : {registry::v1::PLAN_STAGE_UNSPECIFIED, registry::v1::PLAN_STAGE_DRAFTING,
                     registry::v1::PLAN_STAGE_PRE_CONSULTATION,
                     registry::v1::PLAN_STAGE_COORDINATION, registry::v1::PLAN_STAGE_WITHDRAWN}) {
    EXPECT_TRUE(Of(HokurikuPlan(stage), values).empty()) << registry::v1::PlanStage_Name(stage);
  }
  for (auto stage :
       {registry::v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR, registry::v1::PLAN_STAGE_SUBMITTED,
        registry::v1::PLAN_STAGE_PUBLISHED, registry::v1::PLAN_STAGE_REVISING}) {
    const ContributionMap c = Of(HokurikuPlan(stage), values);
    EXPECT_EQ(At(c, "now|plans|A|HOKURIKU|*|160008"), 1) << registry::v1::PlanStage_Name(stage);
    EXPECT_EQ(At(c, "2026|r|CAPEX|A|HOKURIKU|*|160008"), 150)
        << registry::v1::PlanStage_Name(stage);
  }
}

// CUMULATIVE: the rise of the path over each fiscal year of the plan's period; LEVEL: the level
// expected at the year's end. Under "*" and under each strategic field, at the lead prefecture.
TEST(Ledger, TargetsFollowThePathYearByYear) {
  const ContributionMap c = Of(HokurikuPlan(), {});
  ExpectNoZeros(c);
  for (int year = 2026; year <= 2030; ++year) {
    for (const char* field : {"*", "AI_SEMICONDUCTOR"}) {
      const std::string rest = absl::StrCat("|A|HOKURIKU|", field, "|160008");
      EXPECT_EQ(At(c, absl::StrCat(year, "|t|CAPEX", rest)), 200) << year << field;
      EXPECT_EQ(At(c, absl::StrCat(year, "|t|VALUE_ADDED", rest)), 100 * (year - 2025))
          << year << field;
    }
  }
  // Only the plan's years, only at the lead prefecture, nothing for a "○○" target.
  EXPECT_TRUE(KeysWith(c, "2025|").empty());
  EXPECT_TRUE(KeysWith(c, "2031|").empty());
  EXPECT_TRUE(KeysWith(c, "|170003").empty());
  EXPECT_TRUE(KeysWith(c, "|t|TALENT|").empty());
  // No values yet: no reported or verified rows.
  EXPECT_TRUE(KeysWith(c, "|r|").empty());
  EXPECT_TRUE(KeysWith(c, "|v|").empty());
}

TEST(Ledger, MilestonesShapeTheYearlyTargets) {
  Plan plan = HokurikuPlan();
  registry::v1::PeriodValue* milestone = plan.mutable_indicators(0)->add_milestones();
  milestone->mutable_period()->set_fiscal_year(2027);
  milestone->set_value(700);
  const ContributionMap c = Of(plan, {});
  // 0 → 700 over FY2026–2027, then 700 → 1000 over FY2028–2030.
  const int64_t expected[] = {350, 350, 100, 100, 100};
  int64_t sum = 0;
  for (int year = 2026; year <= 2030; ++year) {
    const int64_t t = At(c, absl::StrCat(year, "|t|CAPEX|A|HOKURIKU|*|160008"));
    EXPECT_EQ(t, expected[year - 2026]) << year;
    sum += t;
  }
  EXPECT_EQ(sum, 1000);  // the years add up to the whole rise
}

TEST(Ledger, ReportedValuesCountAtTheirBreakdownElseAtTheLeadPrefecture) {
  const ContributionMap c =
      Of(HokurikuPlan(), {M("kgi-capex", 2026, FISCAL_HALF_H1, 100, {{kToyama, 60}, {kIshikawa, 40}}),
                          M("kgi-capex", 2026, FISCAL_HALF_H2, 50),
                          M("kgi-capex", 2027, FISCAL_HALF_H1, 30)});
  ExpectNoZeros(c);
  for (const char* field : {"*", "AI_SEMICONDUCTOR"}) {
    const std::string rest = absl::StrCat("|A|HOKURIKU|", field, "|");
    EXPECT_EQ(At(c, absl::StrCat("2026|r|CAPEX", rest, kToyama)), 110) << field;  // 60 + 50
    EXPECT_EQ(At(c, absl::StrCat("2026|r|CAPEX", rest, kIshikawa)), 40) << field;
    EXPECT_EQ(At(c, absl::StrCat("2027|r|CAPEX", rest, kToyama)), 30) << field;
    // Targets stay at the lead prefecture.
    EXPECT_EQ(At(c, absl::StrCat("2026|t|CAPEX", rest, kIshikawa)), 0) << field;
  }
  EXPECT_TRUE(KeysWith(c, kFukui).empty());
  EXPECT_TRUE(KeysWith(c, "|v|").empty());  // nothing verified
}

// The lead prefecture of a plan led by a municipality is the municipality's prefecture.
TEST(Ledger, APlanLedByAMunicipalityCountsAtItsPrefecture) {
  Plan plan;
  plan.set_name("plans/C-00001");
  plan.set_type(registry::v1::PLAN_TYPE_C);
  plan.set_stage(registry::v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR);
  plan.add_authors()->set_local_government_code(kKanazawaCity);
  plan.set_lead_author_code(kKanazawaCity);
  plan.mutable_area()->set_block("HOKURIKU");
  plan.mutable_area()->add_prefecture_codes(kIshikawa);
  plan.mutable_area()->add_municipality_codes(kKanazawaCity);
  plan.mutable_period()->set_start_fiscal_year(2026);
  plan.mutable_period()->set_end_fiscal_year(2030);
  using namespace registry::v1;
  Add(&plan, "kgi-value-added", INDICATOR_KIND_MANDATORY_KGI, MANDATORY_KGI_VALUE_ADDED,
      INDICATOR_UNIT_YEN, AGGREGATION_LEVEL, 500);
  Add(&plan, "kgi-labor-productivity", INDICATOR_KIND_MANDATORY_KGI,
      MANDATORY_KGI_LABOR_PRODUCTIVITY, INDICATOR_UNIT_YEN_PER_WORKER, AGGREGATION_LEVEL, 900);
  const ContributionMap c = Of(plan, {M("kgi-value-added", 2026, FISCAL_HALF_H2, 80),
                                      M("kgi-labor-productivity", 2026, FISCAL_HALF_H2, 300)});
  EXPECT_EQ(At(c, "2026|r|VALUE_ADDED|C|HOKURIKU|*|170003"), 80);
  EXPECT_EQ(At(c, "2026|t|VALUE_ADDED|C|HOKURIKU|*|170003"), 100);
  EXPECT_EQ(At(c, "now|plans|C|HOKURIKU|*|170003"), 1);
  EXPECT_TRUE(KeysWith(c, kKanazawaCity).empty());
  // Only "*" rows without strategic fields; no rows for KGIs not aggregated nationally.
  for (const auto& [key, v] : c) {
    if (absl::StartsWith(key, "now|ind|")) continue;
    EXPECT_TRUE(absl::StrContains(key, "|*|")) << key;
  }
  EXPECT_TRUE(KeysWith(c, "LABOR").empty());
}

// A LEVEL KGI's year is its latest half (with that half's breakdown), whatever the order given;
// a CUMULATIVE one adds both halves.
TEST(Ledger, ALevelKgiTakesTheLatestHalfOfTheYear) {
  const ContributionMap c = Of(
      HokurikuPlan(),
      {M("kgi-value-added", 2026, FISCAL_HALF_H2, 200),
       M("kgi-value-added", 2026, FISCAL_HALF_H1, 300, {{kToyama, 100}, {kIshikawa, 200}}),
       M("kgi-value-added", 2027, FISCAL_HALF_H1, 250),
       M("kgi-capex", 2026, FISCAL_HALF_H2, 70), M("kgi-capex", 2026, FISCAL_HALF_H1, 80)});
  EXPECT_EQ(At(c, "2026|r|VALUE_ADDED|A|HOKURIKU|*|160008"), 200);  // not 300, not 500
  EXPECT_EQ(At(c, "2026|r|VALUE_ADDED|A|HOKURIKU|*|170003"), 0);    // H1's breakdown is gone
  EXPECT_EQ(At(c, "2027|r|VALUE_ADDED|A|HOKURIKU|*|160008"), 250);  // only H1 so far
  EXPECT_EQ(At(c, "2026|r|CAPEX|A|HOKURIKU|*|160008"), 150);
}

// Verified rows come only from measurements with a verified value, as verified (value and
// breakdown), even when the value was corrected since.
TEST(Ledger, VerifiedRowsComeOnlyFromVerifiedValues) {
  const ContributionMap c = Of(
      HokurikuPlan(),
      {Verified(M("kgi-capex", 2026, FISCAL_HALF_H1, 120, {{kToyama, 70}, {kIshikawa, 50}}), 100,
                {{kToyama, 100}}),
       Verified(M("kgi-capex", 2026, FISCAL_HALF_H2, 50), 50),
       M("kgi-capex", 2027, FISCAL_HALF_H1, 30),
       Verified(M("kgi-value-added", 2026, FISCAL_HALF_H1, 300, {{kToyama, 100}, {kIshikawa, 200}}),
                300, {{kToyama, 100}, {kIshikawa, 200}}),
       M("kgi-value-added", 2026, FISCAL_HALF_H2, 400)});
  ExpectNoZeros(c);
  EXPECT_EQ(At(c, "2026|v|CAPEX|A|HOKURIKU|*|160008"), 150);
  EXPECT_EQ(At(c, "2026|v|CAPEX|A|HOKURIKU|*|170003"), 0);
  EXPECT_EQ(At(c, "2026|r|CAPEX|A|HOKURIKU|*|160008"), 120);
  EXPECT_EQ(At(c, "2026|r|CAPEX|A|HOKURIKU|*|170003"), 50);
  EXPECT_TRUE(KeysWith(c, "2027|v|").empty());
  EXPECT_EQ(At(c, "2027|r|CAPEX|A|HOKURIKU|*|160008"), 30);
  // LEVEL: the latest verified half for verified, the latest half for reported.
  EXPECT_EQ(At(c, "2026|v|VALUE_ADDED|A|HOKURIKU|*|160008"), 100);
  EXPECT_EQ(At(c, "2026|v|VALUE_ADDED|A|HOKURIKU|*|170003"), 200);
  EXPECT_EQ(At(c, "2026|r|VALUE_ADDED|A|HOKURIKU|*|160008"), 400);
  EXPECT_EQ(At(c, "2026|r|VALUE_ADDED|A|HOKURIKU|*|170003"), 0);
}

// As of FY2026 H2: CAPEX 150 of 200 expected (R 0.75, AT_RISK); VALUE_ADDED 200 of 100
// (ON_TRACK); TALENT's target unset; kpi-deals met (ACHIEVED); kpi-visits without values.
TEST(Ledger, NowCountsStatusesPlansAndKpis) {
  const std::vector<v1::Measurement> values = {M("kgi-capex", 2026, FISCAL_HALF_H2, 150),
                                               M("kgi-value-added", 2026, FISCAL_HALF_H2, 200),
                                               M("kgi-talent", 2026, FISCAL_HALF_H2, 10),
                                               M("kpi-deals", 2026, FISCAL_HALF_H2, 10)};
  const ContributionMap c = Of(HokurikuPlan(), values);
  ExpectNoZeros(c);
  EXPECT_EQ(At(c, "now|ind|AT_RISK|A|HOKURIKU"), 1);
  EXPECT_EQ(At(c, "now|ind|ON_TRACK|A|HOKURIKU"), 1);
  EXPECT_EQ(At(c, "now|ind|TARGET_UNSET|A|HOKURIKU"), 1);
  EXPECT_EQ(At(c, "now|ind|ACHIEVED|A|HOKURIKU"), 1);
  EXPECT_EQ(At(c, "now|ind|NO_DATA|A|HOKURIKU"), 1);
  int64_t indicators = 0;
  for (const std::string& key : KeysWith(c, "now|ind|")) indicators += At(c, key);
  EXPECT_EQ(indicators, 5);
  for (const char* field : {"*", "AI_SEMICONDUCTOR"}) {
    const std::string rest = absl::StrCat("|A|HOKURIKU|", field, "|160008");
    EXPECT_EQ(At(c, "now|plans" + rest), 1) << field;
    EXPECT_EQ(At(c, "now|plans_ach" + rest), 1) << field;
    EXPECT_EQ(At(c, "now|kpis" + rest), 2) << field;
    EXPECT_EQ(At(c, "now|kpis_ach" + rest), 1) << field;
  }
  // A TALENT value counts though its target is unset.
  EXPECT_EQ(At(c, "2026|r|TALENT|A|HOKURIKU|*|160008"), 10);

  // As of FY2026 H1 none of these values counts yet: no KPI achieved.
  const ContributionMap earlier = Of(HokurikuPlan(), values, Period(2026, FISCAL_HALF_H1));
  ExpectNoZeros(earlier);
  EXPECT_EQ(At(earlier, "now|ind|NO_DATA|A|HOKURIKU"), 4);
  EXPECT_EQ(At(earlier, "now|ind|TARGET_UNSET|A|HOKURIKU"), 1);
  EXPECT_EQ(At(earlier, "now|plans|A|HOKURIKU|*|160008"), 1);
  EXPECT_EQ(At(earlier, "now|kpis|A|HOKURIKU|*|160008"), 2);
  EXPECT_FALSE(earlier.contains("now|plans_ach|A|HOKURIKU|*|160008"));
  EXPECT_FALSE(earlier.contains("now|kpis_ach|A|HOKURIKU|*|160008"));
  // The year rows do not depend on "now".
  EXPECT_EQ(At(earlier, "2026|r|CAPEX|A|HOKURIKU|*|160008"), 150);
}

TEST(Ledger, EvaluatePlanFollowsThePlansIndicators) {
  const std::vector<v1::Measurement> values = {
      Verified(M("kgi-capex", 2026, FISCAL_HALF_H1, 100), 100),
      M("kgi-capex", 2026, FISCAL_HALF_H2, 50), M("kpi-deals", 2026, FISCAL_HALF_H2, 10)};
  const Plan plan = HokurikuPlan();
  const std::vector<IndicatorEvaluation> e =
      EvaluatePlan(plan, values, Period(2026, FISCAL_HALF_H2), Thresholds{});
  ASSERT_EQ(e.size(), static_cast<size_t>(plan.indicators_size()));
  EXPECT_EQ(e[0].measurements, 2);
  EXPECT_EQ(e[0].verified_measurements, 1);
  EXPECT_EQ(e[0].reported.actual.value_or(-1), 150);
  EXPECT_EQ(e[0].verified.actual.value_or(-1), 100);
  EXPECT_EQ(e[0].reported.status, Status::kAtRisk);  // 150 of 200 at FY2026 H2
  EXPECT_EQ(e[0].verified.status, Status::kOnTrack);  // 100 of 100 at FY2026 H1
  EXPECT_EQ(e[3].reported.status, Status::kAchieved);
  EXPECT_EQ(e[3].verified.status, Status::kNoData);
  EXPECT_EQ(e[4].reported.status, Status::kNoData);

  const std::vector<Actual> verified = ActualsOf(values, "kgi-capex", true);
  ASSERT_EQ(verified.size(), 1u);
  EXPECT_EQ(verified[0].value, 100);
  EXPECT_EQ(ActualsOf(values, "kgi-capex", false).size(), 2u);
  EXPECT_TRUE(ActualsOf(values, "kgi-talent", false).empty());
}

// A Tokyo-area breakdown lands on its own prefecture's rows; leaving the Tokyo area out of the
// national figures is the reader's filter (AggregateKgi), not the ledger's.
TEST(Ledger, ATokyoAreaBreakdownLandsOnItsOwnPrefecture) {
  const ContributionMap c =
      Of(KantoPlan(), {M("kgi-capex", 2026, FISCAL_HALF_H2, 100, {{kGunma, 70}, {kSaitama, 30}}),
                       Verified(M("kgi-talent", 2026, FISCAL_HALF_H2, 40, {{kSaitama, 40}}), 40,
                                {{kSaitama, 40}})});
  for (const char* field : {"*", "AI_SEMICONDUCTOR"}) {
    const std::string rest = absl::StrCat("|A|KANTO|", field, "|");
    EXPECT_EQ(At(c, absl::StrCat("2026|r|CAPEX", rest, kGunma)), 70) << field;
    EXPECT_EQ(At(c, absl::StrCat("2026|r|CAPEX", rest, kSaitama)), 30) << field;
    EXPECT_EQ(At(c, absl::StrCat("2026|r|TALENT", rest, kSaitama)), 40) << field;
    EXPECT_EQ(At(c, absl::StrCat("2026|v|TALENT", rest, kSaitama)), 40) << field;
    EXPECT_EQ(At(c, absl::StrCat("2026|t|CAPEX", rest, kGunma)), 200) << field;
    EXPECT_EQ(At(c, absl::StrCat("2026|t|CAPEX", rest, kSaitama)), 0) << field;
    EXPECT_EQ(At(c, absl::StrCat("now|plans", rest, kGunma)), 1) << field;
  }
  EXPECT_EQ(At(c, "2026|r|TALENT|A|KANTO|*|100005"), 0);
}

TEST(Ledger, DifferenceAddsChangesAndRemovesWhatIsGone) {
  const ContributionMap before = {{"a", 1}, {"b", 2}, {"c", 3}};
  const ContributionMap after = {{"a", 1}, {"b", 5}, {"d", 4}};
  const ContributionMap d = Difference(before, after);
  EXPECT_EQ(d, (ContributionMap{{"b", 3}, {"c", -3}, {"d", 4}}));
  EXPECT_EQ(Apply(before, d), after);
  EXPECT_TRUE(Difference(after, after).empty());
  EXPECT_EQ(Difference({}, after), after);
  EXPECT_EQ(Difference(after, {}), (ContributionMap{{"a", -1}, {"b", -5}, {"d", -4}}));
}

TEST(Ledger, DifferenceOfACorrectionTouchesOnlyWhatChanged) {
  const Plan plan = HokurikuPlan();
  const ContributionMap before = Of(plan, {M("kgi-capex", 2026, FISCAL_HALF_H2, 150)});
  // 150 → 196: R 0.98, AT_RISK → ON_TRACK.
  const ContributionMap after = Of(plan, {M("kgi-capex", 2026, FISCAL_HALF_H2, 196)});
  const ContributionMap d = Difference(before, after);
  EXPECT_EQ(At(d, "2026|r|CAPEX|A|HOKURIKU|*|160008"), 46);
  EXPECT_EQ(At(d, "2026|r|CAPEX|A|HOKURIKU|AI_SEMICONDUCTOR|160008"), 46);
  EXPECT_EQ(At(d, "now|ind|AT_RISK|A|HOKURIKU"), -1);
  EXPECT_EQ(At(d, "now|ind|ON_TRACK|A|HOKURIKU"), 1);
  EXPECT_TRUE(KeysWith(d, "|t|").empty());  // targets did not change
  EXPECT_FALSE(d.contains("now|plans|A|HOKURIKU|*|160008"));
  EXPECT_EQ(Apply(before, d), after);

  // A value moved to another prefecture by a breakdown: the old row goes to zero.
  const ContributionMap split =
      Of(plan, {M("kgi-capex", 2026, FISCAL_HALF_H2, 196, {{kIshikawa, 196}})});
  const ContributionMap moved = Difference(after, split);
  EXPECT_EQ(At(moved, "2026|r|CAPEX|A|HOKURIKU|*|160008"), -196);
  EXPECT_EQ(At(moved, "2026|r|CAPEX|A|HOKURIKU|*|170003"), 196);
  EXPECT_TRUE(KeysWith(moved, "now|").empty());  // statuses follow the value, not its place
  EXPECT_EQ(Apply(after, moved), split);
}

// A plan withdrawn (or back to a non-public stage) takes everything back.
TEST(Ledger, DifferenceToNothingRemovesEveryKey) {
  const std::vector<v1::Measurement> values = {
      M("kgi-capex", 2026, FISCAL_HALF_H2, 150, {{kToyama, 100}, {kFukui, 50}}),
      M("kpi-deals", 2026, FISCAL_HALF_H2, 10)};
  const ContributionMap before = Of(HokurikuPlan(), values);
  ASSERT_FALSE(before.empty());
  const ContributionMap after = Of(HokurikuPlan(registry::v1::PLAN_STAGE_WITHDRAWN), values);
  EXPECT_TRUE(after.empty());
  const ContributionMap d = Difference(before, after);
  EXPECT_EQ(d.size(), before.size());
  for (const auto& [key, v] : before) EXPECT_EQ(At(d, key), -v) << key;
  EXPECT_TRUE(Apply(before, d).empty());
}


absl::Time Jst(int y, int m, int d, int hh = 12) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, 0, 0), JapanTimeZone());
}

// The calendar marks move when a half year starts, a deadline passes, or a notice window opens
// — and only then, so a plan is computed again exactly at those moments.
TEST(Ledger, CalendarMarksMoveAtHalfStartsDeadlinesAndNoticeWindows) {
  const Calendar calendar;
  const absl::Duration notice = absl::Hours(24 * 14);
  EXPECT_EQ(CalendarMark(calendar, notice, Jst(2026, 11, 29)), "2026-H2|2026-H1|-");
  EXPECT_EQ(CalendarMark(calendar, notice, Jst(2026, 12, 30)), "2026-H2|2026-H1|-");
  EXPECT_EQ(CalendarMark(calendar, notice, Jst(2026, 10, 20)), "2026-H2|2025-H2|2026-H1");
  EXPECT_EQ(CalendarMark(calendar, notice, Jst(2026, 10, 10)), "2026-H2|2025-H2|-");
  EXPECT_EQ(CalendarMark(calendar, notice, Jst(2027, 4, 20)), "2027-H1|2026-H1|2026-H2");
  EXPECT_EQ(CalendarMark(calendar, notice, Jst(2027, 5, 1, 0)), "2027-H1|2026-H2|-");
}

// Before the deadline a half year is NOT_YET_DUE until complete; after it, complete reports
// are ON_TIME or LATE, others INCOMPLETE or MISSING; half years not begun are left out.
TEST(Ledger, ReportStatesFollowTheDeadline) {
  const Plan plan = HokurikuPlan();
  const Calendar calendar;
  std::vector<v1::Measurement> ms;
  for (const Indicator& i : plan.indicators()) {
    ms.push_back(M(i.id().c_str(), 2026, FISCAL_HALF_H1, 1));
  }
  ms.back().set_late(true);
  ms.push_back(M("kgi-capex", 2026, FISCAL_HALF_H2, 1));
  auto states = ReportStates(plan, ms, Jst(2026, 11, 29), calendar);
  ASSERT_EQ(states.size(), 2u);  // FY2026 H1 and H2; FY2027 has not begun
  EXPECT_EQ(states["2026-H1"], v1::REPORT_STATE_LATE);
  EXPECT_EQ(states["2026-H2"], v1::REPORT_STATE_NOT_YET_DUE);
  states = ReportStates(plan, ms, Jst(2027, 5, 2), calendar);
  EXPECT_EQ(states["2026-H2"], v1::REPORT_STATE_INCOMPLETE);
  EXPECT_EQ(states["2027-H1"], v1::REPORT_STATE_NOT_YET_DUE);
  states = ReportStates(plan, {}, Jst(2026, 11, 29), calendar);
  EXPECT_EQ(states["2026-H1"], v1::REPORT_STATE_MISSING);
  std::vector<v1::Measurement> on_time;
  for (const Indicator& i : plan.indicators()) {
    on_time.push_back(M(i.id().c_str(), 2026, FISCAL_HALF_H2, 1));
  }
  states = ReportStates(plan, on_time, Jst(2026, 11, 29), calendar);
  EXPECT_EQ(states["2026-H2"], v1::REPORT_STATE_ON_TIME);  // complete before the deadline
  EXPECT_TRUE(ReportStates(Plan(), {}, Jst(2026, 11, 29), calendar).empty());
}

// A plan is expected to report the half years it was public in: published in December 2026,
// it owes nothing for FY2026 H1 (ended in September) unless it reported something for it.
TEST(Ledger, HalfYearsThatEndedBeforeThePlanWasPublicAreNotExpected) {
  const Plan plan = HokurikuPlan();
  const Calendar calendar;
  const absl::Time published = Jst(2026, 12, 1);
  auto states = ReportStates(plan, {}, Jst(2027, 5, 2), calendar, published);
  EXPECT_EQ(states.count("2026-H1"), 0u);
  EXPECT_EQ(states["2026-H2"], v1::REPORT_STATE_MISSING);  // public during it
  EXPECT_EQ(states["2027-H1"], v1::REPORT_STATE_NOT_YET_DUE);
  // A value for the earlier half year brings it back, as it stands.
  states = ReportStates(plan, {M("kgi-capex", 2026, FISCAL_HALF_H1, 1)}, Jst(2027, 5, 2),
                        calendar, published);
  EXPECT_EQ(states["2026-H1"], v1::REPORT_STATE_INCOMPLETE);
  // Published on the last day of H1: H1 is expected.
  states = ReportStates(plan, {}, Jst(2027, 5, 2), calendar, Jst(2026, 9, 30));
  EXPECT_EQ(states["2026-H1"], v1::REPORT_STATE_MISSING);
}

// Reporting rows come with a Moment's time; notices are the half years that newly became due
// or overdue between two maps.
TEST(Ledger, ReportRowsAndNoticesComeFromTheMoment) {
  const Plan plan = HokurikuPlan();
  Moment moment;
  moment.as_of = Period(2027, FISCAL_HALF_H1);
  moment.now = Jst(2027, 4, 20);
  const ContributionMap due = Contributions(plan, {}, moment, Thresholds{});
  EXPECT_EQ(At(due, "2026|rep|H1|REPORT_STATE_MISSING|A|HOKURIKU"), 1);
  EXPECT_EQ(At(due, "2026|rep|H2|REPORT_STATE_NOT_YET_DUE|A|HOKURIKU"), 1);
  EXPECT_EQ(At(due, "2026|due|H2|A|HOKURIKU"), 1);
  EXPECT_EQ(At(due, "now|pdca|PDCA_PHASE_PLAN|A"), 1);
  moment.now = Jst(2027, 5, 2);
  moment.pdca_phase = v1::PDCA_PHASE_CHECK;
  const ContributionMap overdue = Contributions(plan, {}, moment, Thresholds{});
  EXPECT_EQ(At(overdue, "2026|due|H2|A|HOKURIKU"), 0);
  EXPECT_EQ(At(overdue, "2026|rep|H2|REPORT_STATE_MISSING|A|HOKURIKU"), 1);
  EXPECT_EQ(At(overdue, "now|pdca|PDCA_PHASE_CHECK|A"), 1);

  const auto notices = ReportNotices(due, overdue);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0], std::make_pair(std::string("overdue"), std::string("2026-H2")));
  const auto first = ReportNotices({}, due);  // H2 due, H1 overdue
  EXPECT_EQ(first.size(), 2u);
  EXPECT_TRUE(ReportNotices(overdue, overdue).empty());
  // Without a time (the plain overload), no reporting rows at all.
  EXPECT_TRUE(KeysWith(Of(plan, {}), "|rep|").empty());
  // Drafts expect no reports.
  EXPECT_TRUE(Contributions(HokurikuPlan(registry::v1::PLAN_STAGE_DRAFTING), {}, moment,
                            Thresholds{})
                  .empty());
}


// A KGI value lands in 8 cells — {type, *} × {block, *}, by Tokyo area or not and by
// prefecture — so that any filter of AggregateKgi reads a fixed handful of fields; rows that
// nothing filters keep one cell.
TEST(Ledger, AggregateCellsSpreadAContributionOverTheFiltersItAnswers) {
  const auto tokyo = [](absl::string_view pref) { return pref == kSaitama; };
  auto cells = AggregateCells("2026|r|CAPEX|A|KANTO|AI_SEMICONDUCTOR|110001", tokyo);
  ASSERT_EQ(cells.size(), 8u);
  std::set<std::string> got;
  for (const AggregateCell& c : cells) got.insert(c.bucket + " " + c.field);
  EXPECT_EQ(got, (std::set<std::string>{
                     "2026:AI_SEMICONDUCTOR r|CAPEX|A|KANTO|tokyo",
                     "2026:AI_SEMICONDUCTOR r|CAPEX|A|*|tokyo",
                     "2026:AI_SEMICONDUCTOR r|CAPEX|*|KANTO|tokyo",
                     "2026:AI_SEMICONDUCTOR r|CAPEX|*|*|tokyo",
                     "2026:AI_SEMICONDUCTOR:pref r|CAPEX|A|KANTO|110001",
                     "2026:AI_SEMICONDUCTOR:pref r|CAPEX|A|*|110001",
                     "2026:AI_SEMICONDUCTOR:pref r|CAPEX|*|KANTO|110001",
                     "2026:AI_SEMICONDUCTOR:pref r|CAPEX|*|*|110001",
                 }));
  cells = AggregateCells("now|plans|B|HOKURIKU|*|160008", tokyo);
  ASSERT_EQ(cells.size(), 8u);
  EXPECT_EQ(cells[0].bucket, "now:*");
  EXPECT_EQ(cells[0].field, "plans|B|HOKURIKU|other");
  cells = AggregateCells("2026|rep|H1|REPORT_STATE_MISSING|B|HOKURIKU", tokyo);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].bucket, "2026");
  EXPECT_EQ(cells[0].field, "rep|H1|REPORT_STATE_MISSING|B|HOKURIKU");
  cells = AggregateCells("now|ind|ON_TRACK|B|HOKURIKU", tokyo);
  ASSERT_EQ(cells.size(), 1u);
  EXPECT_EQ(cells[0].bucket, "now");
}

}  // namespace
}  // namespace rfs::kpi
