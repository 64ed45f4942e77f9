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

Principal Who(Role role, std::string body_code, std::string block) {
  Principal p;
  p.subject = "t";
  p.role = role;
  p.body_code = std::move(body_code);
  p.block = std::move(block);
  return p;
}

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

void MoveToKanto(Plan* plan) {
  plan->clear_authors();
  plan->mutable_area()->clear_prefecture_codes();
  for (const char* code : {kGunma, kSaitama}) {
    plan->add_authors()->set_local_government_code(code);
    plan->mutable_area()->add_prefecture_codes(code);
  }
  plan->set_lead_author_code(kGunma);
  plan->mutable_area()->set_block("KANTO");
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

namespace {

// Milestones every fiscal year between baseline and target, so REC-MILESTONES is met.
void Yearly(Indicator* ind) {
  ind->clear_milestones();
  const int from = ind->baseline().period().fiscal_year();
  const int to = ind->target().period().fiscal_year();
  const int64_t base = ind->baseline().value();
  const int64_t goal = ind->target().has_value() ? ind->target().value() : base;
  for (int y = from + 1; y < to; ++y) {
    PeriodValue* m = ind->add_milestones();
    m->mutable_period()->set_fiscal_year(y);
    m->set_value(base + (goal - base) * (y - from) / (to - from));
  }
}

void YearlyAll(Plan* p) {
  for (Indicator& ind : *p->mutable_indicators()) Yearly(&ind);
}

}  // namespace

Indicator* AddTopicIndicator(Plan* plan, const char* id, IndicatorKind kind, IndicatorTopic topic,
                             int64_t target) {
  Indicator* ind = plan->add_indicators();
  ind->set_id(id);
  ind->set_kind(kind);
  ind->set_topic(topic);
  ind->set_name(id);
  ind->set_unit(topic == INDICATOR_TOPIC_JOBS ? INDICATOR_UNIT_PERSONS
                : topic == INDICATOR_TOPIC_WAGES ? INDICATOR_UNIT_PERCENT
                                                 : INDICATOR_UNIT_YEN);
  ind->set_aggregation(AGGREGATION_LEVEL);
  ind->set_direction(DIRECTION_INCREASE);
  ind->mutable_baseline()->mutable_period()->set_fiscal_year(2025);
  ind->mutable_baseline()->set_value(0);
  ind->mutable_target()->mutable_period()->set_fiscal_year(2030);
  if (target >= 0) ind->mutable_target()->set_value(target);
  Yearly(ind);
  return ind;
}

void Attest(Plan* plan, const char* requirement_id, const char* statement, const char* evidence) {
  Attestation* a = nullptr;
  for (Attestation& existing : *plan->mutable_attestations()) {
    if (existing.requirement_id() == requirement_id) a = &existing;
  }
  if (a == nullptr) a = plan->add_attestations();
  a->set_requirement_id(requirement_id);
  a->set_statement(statement);
  a->set_evidence(evidence);
}

Plan CompletePlanA() {
  Plan p = PlanA();
  p.mutable_indicators(0)->mutable_target()->set_value(200'000'000'000);  // kgi-capex
  InfrastructureNeed* need = p.add_infrastructure_needs();
  need->set_kind(INFRASTRUCTURE_KIND_POWER);
  need->set_description("砺波地区への特別高圧送電線の増強");
  Stakeholder* s = p.add_stakeholders();
  s->set_kind(STAKEHOLDER_KIND_BUSINESS_ASSOCIATION);
  s->set_name("北陸経済連合会");
  s->set_action("サプライチェーン企業のマッチング");
  SupportMeasure* m = p.add_support_measures();
  m->set_kind(SUPPORT_MEASURE_KIND_INFRASTRUCTURE);
  m->set_description("地域産業構造転換インフラ整備推進交付金による送電網整備");
  AddTopicIndicator(&p, "kgi-own-field-workers", INDICATOR_KIND_OWN_KGI, INDICATOR_TOPIC_JOBS,
                    12000);
  AddTopicIndicator(&p, "kpi-field-investment", INDICATOR_KIND_KPI, INDICATOR_TOPIC_UNSPECIFIED,
                    100'000'000'000);
  YearlyAll(&p);
  Attest(&p, "A2", "パワー半導体製造装置で世界シェア上位の企業群で構成される。",
         "各社の2025年度有価証券報告書");
  Attest(&p, "A3", "経済産業省・文部科学省と2026年度予算について調整を開始した。",
         "2026年4月以降の経済産業省・文部科学省との協議記録");
  return p;
}

Plan CompletePlanB() {
  Plan p = PlanB();
  AddKgi(&p, "kgi-value-added", MANDATORY_KGI_VALUE_ADDED, "付加価値増加額", INDICATOR_UNIT_YEN)
      ->mutable_target()
      ->set_value(8'000'000'000);
  AddKgi(&p, "kgi-talent", MANDATORY_KGI_TALENT, "産業ニーズに即した人材育成数",
         INDICATOR_UNIT_PERSONS)
      ->mutable_target()
      ->set_value(500);
  AddTopicIndicator(&p, "kgi-own-inside-purchases", INDICATOR_KIND_OWN_KGI,
                    INDICATOR_TOPIC_IN_REGION_TRANSACTIONS, 12'000'000'000);
  AddTopicIndicator(&p, "kpi-inside-sales", INDICATOR_KIND_KPI, INDICATOR_TOPIC_IN_REGION_SALES,
                    5'000'000'000);
  AddTopicIndicator(&p, "kpi-wage-growth", INDICATOR_KIND_KPI, INDICATOR_TOPIC_WAGES, 15);
  YearlyAll(&p);
  Attest(&p, "B1", "重点支援企業の製品は輸出比率15%を目指す。", "各社の事業計画書（2026年度）");
  Attest(&p, "B4", "県に専任の伴走支援チームを計画期間中置く。", "2026年度組織規則改正");
  return p;
}

Plan CompletePlanC() {
  Plan p = PlanC();
  AddKgi(&p, "kgi-labor-productivity-rate", MANDATORY_KGI_LABOR_PRODUCTIVITY_RATE,
         "一人当たり付加価値労働生産性の増加率", INDICATOR_UNIT_PERCENT)
      ->mutable_target()
      ->set_value(10);
  AddTopicIndicator(&p, "kgi-own-inside-transactions", INDICATOR_KIND_OWN_KGI,
                    INDICATOR_TOPIC_IN_REGION_TRANSACTIONS, 300'000'000);
  AddTopicIndicator(&p, "kpi-inside-sales", INDICATOR_KIND_KPI, INDICATOR_TOPIC_IN_REGION_SALES,
                    200'000'000);
  AddTopicIndicator(&p, "kpi-new-workers", INDICATOR_KIND_KPI, INDICATOR_TOPIC_JOBS, 40);
  YearlyAll(&p);
  Attest(&p, "C1", "金箔・漆器の新製品で海外の高級ホテル向け販路を開く。", "2026年度商談会記録");
  Attest(&p, "C3", "市役所に伝統工芸相談窓口を設置した。", "2026年4月1日 設置要綱");
  return p;
}

}  // namespace rfs::testing
