#include "tests/support/plans.h"

namespace rfs::testing {

using namespace registry::v1;

namespace {

Indicator* AddKgi(Plan* p, const char* id, MandatoryKgi kgi, const char* name, IndicatorUnit unit) {
  Indicator* ind = p->add_indicators();
  ind->set_id(id);
  ind->set_kind(INDICATOR_KIND_MANDATORY_KGI);
  ind->set_mandatory_kgi(kgi);
  ind->set_name(name);
  ind->set_unit(unit);
  ind->set_aggregation(AGGREGATION_CUMULATIVE);
  ind->set_direction(DIRECTION_INCREASE);
  ind->mutable_baseline()->mutable_period()->set_fiscal_year(2025);
  ind->mutable_baseline()->set_value(0);
  ind->mutable_target()->mutable_period()->set_fiscal_year(2030);
  return ind;
}

}  // namespace

Plan PlanA() {
  Plan p;
  p.set_type(PLAN_TYPE_A);
  p.set_title("北陸地域「AI・半導体関連産業分野」戦略産業クラスター計画");
  p.set_summary("パワー半導体・アナログ半導体製品を中核とするクラスターを形成する。");
  for (const char* code : {kToyama, kIshikawa, kFukui}) {
    p.add_authors()->set_local_government_code(code);
    p.mutable_area()->add_prefecture_codes(code);
  }
  p.set_lead_author_code(kToyama);
  p.mutable_area()->set_block("HOKURIKU");
  p.add_strategic_fields("AI_SEMICONDUCTOR");
  p.mutable_period()->set_start_fiscal_year(2026);
  p.mutable_period()->set_end_fiscal_year(2030);
  CoreInvestment* ci = p.add_core_investments();
  ci->set_company_name("KOKUSAI ELECTRIC");
  ci->set_site_name("砺波事業所");
  ci->set_location_code(kToyama);
  ci->set_amount_yen(24'000'000'000);
  ci->mutable_start()->set_fiscal_year(2024);
  ci->mutable_start()->set_half(common::v1::FISCAL_HALF_H2);
  ci->set_status(INVESTMENT_STATUS_UNDER_CONSTRUCTION);
  PolicyIssue* issue = p.add_policy_issues();
  issue->set_category(POLICY_ISSUE_CATEGORY_TALENT);
  issue->set_description("半導体人材の確保・育成");
  AddKgi(&p, "kgi-capex", MANDATORY_KGI_CAPEX, "官民設備投資額", INDICATOR_UNIT_YEN)
      ->mutable_target()
      ->set_note("○○億円（5年間）");
  AddKgi(&p, "kgi-value-added", MANDATORY_KGI_VALUE_ADDED, "付加価値増加額", INDICATOR_UNIT_YEN)
      ->mutable_target()
      ->set_value(50'000'000'000);
  AddKgi(&p, "kgi-talent", MANDATORY_KGI_TALENT, "産業ニーズに即した人材育成数",
         INDICATOR_UNIT_PERSONS)
      ->mutable_target()
      ->set_value(3000);
  return p;
}

Plan PlanB() {
  Plan p;
  p.set_type(PLAN_TYPE_B);
  p.set_title("富山県 地域産業クラスター計画");
  p.add_authors()->set_local_government_code(kToyama);
  p.set_lead_author_code(kToyama);
  p.mutable_area()->add_prefecture_codes(kToyama);
  p.mutable_area()->add_municipality_codes(kToyamaCity);
  p.mutable_area()->add_municipality_codes(kTakaokaCity);
  p.mutable_period()->set_start_fiscal_year(2026);
  p.mutable_period()->set_end_fiscal_year(2030);
  PriorityCompany* c = p.add_priority_companies();
  c->set_name("架空精機株式会社");
  c->set_corporate_number("1180301018771");
  c->set_sales_outside_prefecture_yen(3'000'000'000);
  c->set_purchases_inside_prefecture_yen(800'000'000);
  p.mutable_prefecture_totals()->set_fiscal_year(2024);
  p.mutable_prefecture_totals()->set_sales_outside_prefecture_yen(4'000'000'000'000);
  p.mutable_prefecture_totals()->set_purchases_inside_prefecture_yen(1'500'000'000'000);
  AddKgi(&p, "kgi-capex", MANDATORY_KGI_CAPEX, "官民設備投資額", INDICATOR_UNIT_YEN)
      ->mutable_target()
      ->set_value(30'000'000'000);
  return p;
}

Plan PlanC() {
  Plan p;
  p.set_type(PLAN_TYPE_C);
  p.set_title("金沢市 伝統工芸成長プラン");
  p.add_authors()->set_local_government_code(kKanazawaCity);
  p.set_lead_author_code(kKanazawaCity);
  p.mutable_area()->add_prefecture_codes(kIshikawa);
  p.mutable_area()->add_municipality_codes(kKanazawaCity);
  p.add_other_fields("伝統工芸");
  p.mutable_period()->set_start_fiscal_year(2026);
  p.mutable_period()->set_end_fiscal_year(2029);
  AddKgi(&p, "kgi-value-added", MANDATORY_KGI_VALUE_ADDED, "付加価値増加額", INDICATOR_UNIT_YEN)
      ->mutable_target()
      ->set_value(1'200'000'000);
  return p;
}

}  // namespace rfs::testing
