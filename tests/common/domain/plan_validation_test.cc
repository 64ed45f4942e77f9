#include "common/domain/plan_validation.h"

#include <functional>

#include <gtest/gtest.h>

#include "tests/support/plans.h"
#include "tests/support/process.h"

namespace rfs::registry {
namespace {

using namespace rfs::testing;
using v1::Plan;

class PlanValidationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ref_ = ReferenceData::Load(DataDir())->release(); }

  absl::Status Validate(Plan* p) { return ValidateAndNormalizePlan(*ref_, limits_, p); }

  // Expects INVALID_ARGUMENT whose message starts with `field` and contains `words`.
  void ExpectInvalid(Plan p, const std::string& field, const std::string& words) {
    absl::Status s = Validate(&p);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_EQ(std::string(s.message()).rfind(field, 0), 0u) << s.message();
    EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
  }

  static ReferenceData* ref_;
  PlanLimits limits_;
};

ReferenceData* PlanValidationTest::ref_ = nullptr;

TEST_F(PlanValidationTest, RealisticPlansOfEachTypeAreValid) {
  for (Plan p : {PlanA(), PlanB(), PlanC()}) {
    EXPECT_TRUE(Validate(&p).ok()) << Validate(&p) << "\n" << p.DebugString();
  }
}

TEST_F(PlanValidationTest, NormalisesCodesBlockNamesAndIds) {
  Plan p = PlanB();
  p.mutable_authors(0)->set_local_government_code("16000");  // 5 digits
  p.set_lead_author_code("16000");
  p.mutable_area()->set_prefecture_codes(0, "16000");
  p.add_core_investments()->set_company_name("A社");
  p.add_core_investments()->set_company_name("B社");
  p.mutable_core_investments(1)->set_id("ci-1");
  ASSERT_TRUE(Validate(&p).ok()) << Validate(&p);
  EXPECT_EQ(p.authors(0).local_government_code(), "160008");
  EXPECT_EQ(p.lead_author_code(), "160008");
  EXPECT_EQ(p.area().prefecture_codes(0), "160008");
  EXPECT_EQ(p.area().block(), "HOKURIKU");  // derived for type B
  EXPECT_EQ(p.authors(0).name(), "富山県");  // filled from reference data
  EXPECT_EQ(p.core_investments(0).id(), "ci-2");  // ci-1 was taken
}

TEST_F(PlanValidationTest, TypeIsRequired) {
  Plan p = PlanA();
  p.clear_type();
  ExpectInvalid(p, "type", "required");
}

TEST_F(PlanValidationTest, EmptyOrOverlongTitle) {
  Plan p = PlanA();
  p.set_title("");
  ExpectInvalid(p, "title", "required");
  p.set_title(std::string(201, 'x'));
  ExpectInvalid(p, "title", "too long");
}

TEST_F(PlanValidationTest, BadCheckDigitInAuthor) {
  Plan p = PlanA();
  p.mutable_authors(1)->set_local_government_code("170004");
  ExpectInvalid(p, "authors[1].local_government_code", "check digit");
}

TEST_F(PlanValidationTest, LeadAuthorMustBeAnAuthor) {
  Plan p = PlanA();
  p.set_lead_author_code(kAichi);
  ExpectInvalid(p, "lead_author_code", "not one of the authors");
  p.clear_lead_author_code();
  ExpectInvalid(p, "lead_author_code", "required");
}

TEST_F(PlanValidationTest, AuthorOutsideTheArea) {
  Plan p = PlanA();
  p.add_authors()->set_local_government_code(kAichi);
  ExpectInvalid(p, "authors[3].local_government_code", "outside the plan's area");
}

TEST_F(PlanValidationTest, UnknownBlockAndMissingBlockForTypeA) {
  Plan p = PlanA();
  p.mutable_area()->set_block("ATLANTIS");
  ExpectInvalid(p, "area.block", "unknown block");
  p.mutable_area()->clear_block();
  ExpectInvalid(p, "area.block", "required for a type A plan");
}

TEST_F(PlanValidationTest, TypeBCoversExactlyOnePrefecture) {
  Plan p = PlanB();
  p.mutable_area()->add_prefecture_codes(kIshikawa);
  ExpectInvalid(p, "area.prefecture_codes", "exactly one prefecture");
}

TEST_F(PlanValidationTest, TypeBIsLedByItsPrefecture) {
  Plan p = PlanB();
  p.add_authors()->set_local_government_code(kToyamaCity);
  p.set_lead_author_code(kToyamaCity);
  ExpectInvalid(p, "lead_author_code", "led by its prefecture");
}

TEST_F(PlanValidationTest, TypeBIsLedByTheAreasPrefectureNotAnEnclave) {
  // Ishikawa lists itself as an enclave to lead a plan for Toyama: refused.
  Plan p = PlanB();
  v1::Enclave* e = p.mutable_area()->add_enclaves();
  e->set_local_government_code(kIshikawa);
  e->set_reason("隣県");
  p.add_authors()->set_local_government_code(kIshikawa);
  p.set_lead_author_code(kIshikawa);
  ExpectInvalid(p, "authors[1].local_government_code", "outside the plan's area");
  p.mutable_authors()->RemoveLast();
  p.set_lead_author_code(kIshikawa);
  ExpectInvalid(p, "lead_author_code", "not one of the authors");
}

TEST_F(PlanValidationTest, MunicipalAuthorsAmongTheListedMunicipalities) {
  Plan p = PlanB();  // area lists Toyama city and Takaoka city
  p.add_authors()->set_local_government_code("162043");  // Uozu city, not listed
  ExpectInvalid(p, "authors[1].local_government_code", "area.municipality_codes");
  p.mutable_authors(1)->set_local_government_code(kTakaokaCity);
  EXPECT_TRUE(Validate(&p).ok()) << Validate(&p);
}

TEST_F(PlanValidationTest, TypeAPrefecturesLieInItsBlock) {
  Plan p = PlanA();
  p.mutable_area()->add_prefecture_codes("130001");  // Tokyo is in KANTO
  ExpectInvalid(p, "area.prefecture_codes[3]", "is in block KANTO, not HOKURIKU");
  p = PlanA();
  v1::Enclave* e = p.mutable_area()->add_enclaves();
  e->set_local_government_code("130001");
  e->set_reason("研究開発拠点");
  EXPECT_TRUE(Validate(&p).ok()) << Validate(&p);
}

TEST_F(PlanValidationTest, OverlongTextInNestedFields) {
  Plan p = PlanA();
  p.mutable_core_investments(0)->set_company_name(std::string(201, 'x'));
  ExpectInvalid(p, "core_investments[0].company_name", "too long");
  p = PlanA();
  p.mutable_indicators(0)->mutable_target()->set_note(std::string(4001, 'n'));
  ExpectInvalid(p, "indicators[0].target.note", "too long");
  p = PlanA();
  v1::Stakeholder* s = p.add_stakeholders();
  s->set_kind(v1::STAKEHOLDER_KIND_UNIVERSITY);
  s->set_name("金沢工業大学");
  s->set_action(std::string(4001, 'a'));
  ExpectInvalid(p, "stakeholders[0].action", "too long");
}

TEST_F(PlanValidationTest, TargetMayEndWithItsBaselineYear) {
  Plan p = PlanA();
  v1::Indicator* ind = p.mutable_indicators(1);
  ind->mutable_baseline()->mutable_period()->set_fiscal_year(2025);
  ind->mutable_baseline()->mutable_period()->set_half(common::v1::FISCAL_HALF_H2);
  ind->mutable_target()->mutable_period()->set_fiscal_year(2025);  // the whole FY2025
  EXPECT_TRUE(Validate(&p).ok()) << Validate(&p);
  ind->mutable_target()->mutable_period()->set_half(common::v1::FISCAL_HALF_H1);
  ExpectInvalid(p, "indicators[1].target.period", "before the baseline period FY2025 H2");
}

TEST_F(PlanValidationTest, BlockOfTypeBMustMatchItsPrefecture) {
  Plan p = PlanB();
  p.mutable_area()->set_block("KANTO");
  ExpectInvalid(p, "area.block", "HOKURIKU");
}

TEST_F(PlanValidationTest, MunicipalityMustLieInAnAreaPrefecture) {
  Plan p = PlanB();
  p.mutable_area()->add_municipality_codes(kKanazawaCity);
  ExpectInvalid(p, "area.municipality_codes[2]", "not in any prefecture");
  p = PlanB();
  p.mutable_area()->add_municipality_codes(kToyamaCity);
  ExpectInvalid(p, "area.municipality_codes[2]", "listed twice");
  p = PlanB();
  p.mutable_area()->add_municipality_codes(kToyama);
  ExpectInvalid(p, "area.municipality_codes[2]", "prefecture code");
}

TEST_F(PlanValidationTest, PrefectureListedAsMunicipalityAndViceVersa) {
  Plan p = PlanA();
  p.mutable_area()->add_prefecture_codes(kToyamaCity);
  ExpectInvalid(p, "area.prefecture_codes[3]", "municipality code");
}

TEST_F(PlanValidationTest, EnclaveMustLieOutsideTheArea) {
  Plan p = PlanA();
  p.mutable_area()->add_enclaves()->set_local_government_code(kToyama);
  ExpectInvalid(p, "area.enclaves[0].local_government_code", "inside the plan's area");
  p = PlanA();
  v1::Enclave* e = p.mutable_area()->add_enclaves();
  e->set_local_government_code(kAichi);
  e->set_reason("サプライチェーン上不可分");
  EXPECT_TRUE(Validate(&p).ok()) << Validate(&p);
}

TEST_F(PlanValidationTest, UnknownOrRepeatedStrategicField) {
  Plan p = PlanA();
  p.add_strategic_fields("TIME_TRAVEL");
  ExpectInvalid(p, "strategic_fields[1]", "unknown strategic field");
  p = PlanA();
  p.add_strategic_fields("AI_SEMICONDUCTOR");
  ExpectInvalid(p, "strategic_fields[1]", "twice");
}

TEST_F(PlanValidationTest, PeriodRequiredAndOrdered) {
  Plan p = PlanA();
  p.clear_period();
  ExpectInvalid(p, "period", "required");
  p = PlanA();
  p.mutable_period()->set_end_fiscal_year(2025);
  ExpectInvalid(p, "period.end_fiscal_year", "before start_fiscal_year");
  p = PlanA();
  p.mutable_period()->set_start_fiscal_year(8);  // 令和8 typed as a year
  ExpectInvalid(p, "period.start.fiscal_year", "Gregorian");
}

TEST_F(PlanValidationTest, NegativeInvestmentAmount) {
  Plan p = PlanA();
  p.mutable_core_investments(0)->set_amount_yen(-1);
  ExpectInvalid(p, "core_investments[0].amount_yen", "negative");
}

TEST_F(PlanValidationTest, UnknownAmountIsAllowed) {
  Plan p = PlanA();
  p.mutable_core_investments(0)->clear_amount_yen();
  EXPECT_TRUE(Validate(&p).ok());
}

TEST_F(PlanValidationTest, BadCorporateNumber) {
  Plan p = PlanA();
  p.mutable_core_investments(0)->set_corporate_number("1180301018772");
  ExpectInvalid(p, "core_investments[0].corporate_number", "check digit");
}

TEST_F(PlanValidationTest, DuplicateCoreInvestmentIds) {
  Plan p = PlanA();
  p.mutable_core_investments(0)->set_id("ci-x");
  *p.add_core_investments() = p.core_investments(0);
  ExpectInvalid(p, "core_investments[1].id", "used twice");
}

TEST_F(PlanValidationTest, TooManyItems) {
  Plan p = PlanA();
  for (int i = 0; i < 501; ++i) {
    v1::Stakeholder* s = p.add_stakeholders();
    s->set_kind(v1::STAKEHOLDER_KIND_COMPANY);
    s->set_name("社");
  }
  ExpectInvalid(p, "stakeholders", "too many (at most 500)");
}

TEST_F(PlanValidationTest, OverlongStatement) {
  Plan p = PlanA();
  v1::PolicyIssue* issue = p.mutable_policy_issues(0);
  issue->set_measures(std::string(4001, 'm'));
  ExpectInvalid(p, "policy_issues[0].measures", "too long");
}

TEST_F(PlanValidationTest, PolicyIssueNeedsACategory) {
  Plan p = PlanA();
  p.mutable_policy_issues(0)->clear_category();
  ExpectInvalid(p, "policy_issues[0].category", "required");
}

TEST_F(PlanValidationTest, PrivateUseCharacterInTitle) {
  Plan p = PlanA();
  p.set_title("北陸\xEE\x80\x81計画");
  ExpectInvalid(p, "title", "private-use");
}

TEST_F(PlanValidationTest, PriorityCompaniesOnlyOnTypeB) {
  Plan p = PlanA();
  p.add_priority_companies()->set_name("X社");
  ExpectInvalid(p, "priority_companies", "only type B");
  p = PlanC();
  p.mutable_prefecture_totals()->set_fiscal_year(2024);
  ExpectInvalid(p, "prefecture_totals", "only type B");
  p = PlanB();
  p.mutable_priority_companies(0)->set_sales_outside_prefecture_yen(-5);
  ExpectInvalid(p, "priority_companies[0].sales_outside_prefecture_yen", "negative");
}

TEST_F(PlanValidationTest, AttestationsMustBeOfThePlansType) {
  Plan p = PlanB();
  v1::Attestation* a = p.add_attestations();
  a->set_requirement_id("A2");
  a->set_statement("世界をリードする");
  ExpectInvalid(p, "attestations[0].requirement_id", "B1..B4");
  a->set_requirement_id("B5");
  ExpectInvalid(p, "attestations[0].requirement_id", "not a requirement");
  a->set_requirement_id("B1");
  EXPECT_TRUE(Validate(&p).ok());
  *p.add_attestations() = *a;
  ExpectInvalid(p, "attestations[1].requirement_id", "twice");
}

TEST_F(PlanValidationTest, TargetPeriodBeforeBaseline) {
  Plan p = PlanA();
  p.mutable_indicators(1)->mutable_target()->mutable_period()->set_fiscal_year(2024);
  ExpectInvalid(p, "indicators[1].target.period", "FY2024 is before the baseline period FY2025");
}

TEST_F(PlanValidationTest, TargetNotYetSetIsAllowed) {
  Plan p = PlanA();
  ASSERT_FALSE(p.indicators(0).target().has_value());
  EXPECT_TRUE(Validate(&p).ok());
}

TEST_F(PlanValidationTest, MandatoryKgiShapes) {
  Plan p = PlanC();
  v1::Indicator* capex = p.add_indicators();
  *capex = PlanA().indicators(0);
  ExpectInvalid(p, "indicators[1].mandatory_kgi", "not a mandatory KGI of a type C plan");

  p = PlanA();
  *p.add_indicators() = p.indicators(0);
  p.mutable_indicators(3)->set_id("kgi-capex-2");
  ExpectInvalid(p, "indicators[3].mandatory_kgi", "appears twice");

  p = PlanA();
  p.mutable_indicators(2)->set_unit(v1::INDICATOR_UNIT_YEN);
  ExpectInvalid(p, "indicators[2].unit", "PERSONS");

  p = PlanA();
  p.mutable_indicators(0)->clear_mandatory_kgi();
  ExpectInvalid(p, "indicators[0].mandatory_kgi", "required for a mandatory KGI");

  p = PlanA();
  p.mutable_indicators(0)->set_kind(v1::INDICATOR_KIND_KPI);
  ExpectInvalid(p, "indicators[0].mandatory_kgi", "only a mandatory KGI");
}

TEST_F(PlanValidationTest, IndicatorValuesAndScale) {
  Plan p = PlanA();
  p.mutable_indicators(0)->mutable_baseline()->set_value(-100);
  ExpectInvalid(p, "indicators[0].baseline.value", "negative");
  p = PlanA();
  p.mutable_indicators(0)->set_decimal_places(2);
  ExpectInvalid(p, "indicators[0].decimal_places", "whole numbers");
  p = PlanA();
  v1::Indicator* kpi = p.add_indicators();
  kpi->set_id("kpi-sites");
  kpi->set_kind(v1::INDICATOR_KIND_KPI);
  kpi->set_name("立地件数");
  kpi->set_unit(v1::INDICATOR_UNIT_COUNT);
  kpi->set_aggregation(v1::AGGREGATION_CUMULATIVE);
  kpi->set_direction(v1::DIRECTION_INCREASE);
  ExpectInvalid(p, "indicators[3].unit_label", "required");
  kpi->set_unit_label("件");
  kpi->set_id("KPI Sites");
  ExpectInvalid(p, "indicators[3].id", "lower-case");
}

TEST_F(PlanValidationTest, MilestonesInOrderBetweenBaselineAndTarget) {
  Plan p = PlanA();
  v1::Indicator* ind = p.mutable_indicators(1);
  auto add = [&](int fy, int64_t v) {
    v1::PeriodValue* m = ind->add_milestones();
    m->mutable_period()->set_fiscal_year(fy);
    m->set_value(v);
  };
  add(2027, 10);
  add(2028, 20);
  EXPECT_TRUE(Validate(&p).ok()) << Validate(&p);
  add(2028, 30);
  ExpectInvalid(p, "indicators[1].milestones[2].period", "period order");
  ind->mutable_milestones()->RemoveLast();
  add(2031, 30);
  ExpectInvalid(p, "indicators[1].milestones[2].period", "after the target period");
  ind->clear_milestones();
  add(2025, 1);
  ExpectInvalid(p, "indicators[1].milestones[0].period", "not after the baseline");
  ind->clear_milestones();
  ind->add_milestones()->mutable_period()->set_fiscal_year(2027);
  ExpectInvalid(p, "indicators[1].milestones[0].value", "required");
}

// A rate of growth needs positive values to grow from and to; a linear path takes any.
TEST_F(PlanValidationTest, CompoundGrowthNeedsPositiveValues) {
  Plan p = PlanA();
  v1::Indicator* ind = p.mutable_indicators(1);  // baseline 0
  ind->set_growth(v1::INDICATOR_GROWTH_LINEAR);
  EXPECT_TRUE(Validate(&p).ok()) << Validate(&p);
  ind->set_growth(v1::INDICATOR_GROWTH_COMPOUND);
  ExpectInvalid(p, "indicators[1].growth", "positive baseline");
  ind->mutable_baseline()->set_value(1000);
  EXPECT_TRUE(Validate(&p).ok()) << Validate(&p);
  v1::PeriodValue* m = ind->add_milestones();
  m->mutable_period()->set_fiscal_year(2027);
  m->set_value(-5);
  ExpectInvalid(p, "indicators[1].growth", "positive baseline");
  ind->set_growth(static_cast<v1::IndicatorGrowth>(7));
  ExpectInvalid(p, "indicators[1].growth", "unknown value 7");
}

TEST_F(PlanValidationTest, BroadAreaKgiOnlyOnTypeC) {
  Plan p = PlanA();
  p.mutable_indicators(1)->set_broad_area(true);
  ExpectInvalid(p, "indicators[1].broad_area", "only a type C");
  p = PlanC();
  p.mutable_indicators(0)->set_broad_area(true);
  EXPECT_TRUE(Validate(&p).ok());
}

TEST_F(PlanValidationTest, RequirementIdsOfEachType) {
  EXPECT_TRUE(IsRequirementIdOfType(v1::PLAN_TYPE_A, "A7"));
  EXPECT_FALSE(IsRequirementIdOfType(v1::PLAN_TYPE_A, "A8"));
  EXPECT_FALSE(IsRequirementIdOfType(v1::PLAN_TYPE_A, "A0"));
  EXPECT_TRUE(IsRequirementIdOfType(v1::PLAN_TYPE_C, "C3"));
  EXPECT_FALSE(IsRequirementIdOfType(v1::PLAN_TYPE_C, "B1"));
}

}  // namespace
}  // namespace rfs::registry
