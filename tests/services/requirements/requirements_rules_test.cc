// Every requirement rule, satisfied and not, for each plan type; the ruleset file; connector
// and hub degrees. Pure: no Redis, no gRPC.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/requirements/rules.h"
#include "services/requirements/ruleset.h"
#include "services/requirements/scoring.h"
#include "tests/support/plans.h"
#include "tests/support/process.h"

namespace rfs::requirements {
namespace {

using namespace registry::v1;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using rfs::testing::AddTopicIndicator;
using rfs::testing::Attest;
using rfs::testing::CompletePlanA;
using rfs::testing::CompletePlanB;
using rfs::testing::CompletePlanC;

constexpr auto kSat = v1::REQUIREMENT_STATUS_SATISFIED;
constexpr auto kNot = v1::REQUIREMENT_STATUS_NOT_SATISFIED;
constexpr auto kReview = v1::REQUIREMENT_STATUS_NEEDS_REVIEW;
constexpr auto kNA = v1::REQUIREMENT_STATUS_NOT_APPLICABLE;

Ruleset Rules(int64_t a4 = 2'000'000'000, int gap = 1) {
  Ruleset r;
  r.version = "test+000000000000";
  r.a4_min_total_investment_yen = a4;
  r.milestone_max_gap_fiscal_years = gap;
  return r;
}

// A copy: callers often pass a temporary report.
v1::RequirementResult Find(const v1::Report& report, const std::string& id) {
  for (const auto& r : report.results()) {
    if (r.id() == id) return r;
  }
  ADD_FAILURE() << "no result " << id;
  return {};
}

v1::RequirementStatus StatusOf(const Plan& plan, const std::string& id,
                               const Ruleset& rules = Rules(), const ReviewMap& reviews = {}) {
  return Find(Evaluate(plan, rules, reviews), id).status();
}

v1::Review Decision(const Plan& plan, const std::string& id, v1::ReviewDecision decision,
                    const std::string& comment = "") {
  v1::Review r;
  r.set_requirement_id(id);
  r.set_decision(decision);
  r.set_comment(comment);
  r.set_reviewer("bureau-HOKURIKU");
  r.set_reviewer_role("bureau");
  r.mutable_record_time()->set_seconds(1'780'000'000);
  r.set_content_digest(AttestationDigest(plan, id));
  return r;
}

ReviewMap AcceptAll(const Plan& plan) {
  ReviewMap reviews;
  for (const char* id : {"A2", "A3", "B1", "B2", "B4", "C1", "C3"}) {
    if (IsAttestedRequirement(plan.type(), id) && !AttestationDigest(plan, id).empty()) {
      reviews[id] = Decision(plan, id, v1::REVIEW_DECISION_ACCEPTED);
    }
  }
  return reviews;
}

std::vector<std::string> Ids(const v1::Report& report) {
  std::vector<std::string> ids;
  for (const auto& r : report.results()) ids.push_back(r.id());
  return ids;
}

// ---- Report shape and verdicts ----

TEST(RequirementReport, TypeAListsItsRequirementsKgisAndRecommendationsInOrder) {
  const v1::Report report = Evaluate(CompletePlanA(), Rules(), {});
  EXPECT_THAT(Ids(report),
              ElementsAre("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A-CONTENTS", "KGI-CAPEX",
                          "KGI-VALUE_ADDED",
                          "KGI-TALENT", "KGI-LABOR_PRODUCTIVITY", "REC-JOINT", "REC-OWN-KGI",
                          "REC-KPI", "REC-MILESTONES"));
  for (const auto& r : report.results()) {
    EXPECT_FALSE(r.title_ja().empty()) << r.id();
    EXPECT_FALSE(r.title_en().empty()) << r.id();
    EXPECT_FALSE(r.explanation_ja().empty()) << r.id();
    EXPECT_FALSE(r.explanation_en().empty()) << r.id();
    EXPECT_GT(r.fields_size(), 0) << r.id();
    const bool recommended = r.id().rfind("REC-", 0) == 0 || r.id() == "KGI-LABOR_PRODUCTIVITY";
    EXPECT_EQ(r.severity(), recommended ? v1::SEVERITY_RECOMMENDED : v1::SEVERITY_REQUIRED)
        << r.id();
    if (r.status() == kNot) {
      EXPECT_FALSE(r.remedy_en().empty()) << r.id();
    }
  }
  EXPECT_EQ(report.ruleset_version(), "test+000000000000");
  EXPECT_EQ(report.plan_type(), PLAN_TYPE_A);
}

TEST(RequirementReport, TypesBAndCListTheirOwnRequirements) {
  EXPECT_THAT(Ids(Evaluate(CompletePlanB(), Rules(), {})),
              ElementsAre("B1", "B2", "B3", "B4", "KGI-CAPEX", "KGI-VALUE_ADDED", "KGI-TALENT",
                          "KGI-LABOR_PRODUCTIVITY", "REC-JOINT", "REC-OWN-KGI", "REC-KPI",
                          "REC-MILESTONES"));
  EXPECT_THAT(Ids(Evaluate(CompletePlanC(), Rules(), {})),
              ElementsAre("C1", "C2", "C3", "KGI-CAPEX", "KGI-VALUE_ADDED", "KGI-TALENT",
                          "KGI-LABOR_PRODUCTIVITY", "REC-JOINT", "REC-OWN-KGI", "REC-KPI",
                          "REC-MILESTONES"));
}

TEST(RequirementReport, CompletePlansAwaitReviewThenPassOnceAccepted) {
  for (const Plan& plan : {CompletePlanA(), CompletePlanB(), CompletePlanC()}) {
    const v1::Report pending = Evaluate(plan, Rules(), {});
    EXPECT_EQ(pending.verdict(), common::v1::CHECK_VERDICT_PENDING_REVIEW) << plan.title();
    for (const auto& r : pending.results()) {
      if (r.severity() != v1::SEVERITY_REQUIRED) continue;
      if (IsAttestedRequirement(plan.type(), r.id()) && r.status() != kNA) {
        EXPECT_EQ(r.status(), kReview) << r.id();
      } else {
        EXPECT_TRUE(r.status() == kSat || r.status() == kNA) << r.id() << ": " << r.explanation_en();
      }
    }
    const v1::Report passed = Evaluate(plan, Rules(), AcceptAll(plan));
    EXPECT_EQ(passed.verdict(), common::v1::CHECK_VERDICT_PASS) << plan.title();
    const auto summary = Summarize(passed);
    EXPECT_EQ(summary.unmet_requirement_ids_size(), 0);
    EXPECT_EQ(summary.pending_requirement_ids_size(), 0);
  }
}

TEST(RequirementReport, SummaryListsUnmetAndPendingRequiredItemsOnly) {
  Plan plan = CompletePlanA();
  plan.clear_strategic_fields();
  plan.clear_indicators();  // also breaks recommendations, which must not be listed
  const auto summary = Summarize(Evaluate(plan, Rules(), {}));
  EXPECT_EQ(summary.verdict(), common::v1::CHECK_VERDICT_FAIL);
  EXPECT_THAT(summary.unmet_requirement_ids(),
              ElementsAre("A1", "A7", "KGI-CAPEX", "KGI-VALUE_ADDED", "KGI-TALENT"));
  EXPECT_THAT(summary.pending_requirement_ids(), ElementsAre("A2", "A3"));
}

// ---- Type A ----

TEST(RequirementA1, NeedsAStrategicField) {
  Plan plan = CompletePlanA();
  EXPECT_EQ(StatusOf(plan, "A1"), kSat);
  plan.clear_strategic_fields();
  EXPECT_EQ(StatusOf(plan, "A1"), kNot);
}

TEST(RequirementA2A3, AttestationWithEvidenceNeedsReview) {
  Plan plan = CompletePlanA();
  EXPECT_EQ(StatusOf(plan, "A2"), kReview);
  plan.mutable_attestations(1)->clear_evidence();  // A3 without "which ministries, since when"
  const auto& a3 = Find(Evaluate(plan, Rules(), {}), "A3");
  EXPECT_EQ(a3.status(), kNot);
  EXPECT_THAT(a3.remedy_en(), HasSubstr("which ministries, since when"));
  plan.clear_attestations();
  EXPECT_EQ(StatusOf(plan, "A2"), kNot);
  EXPECT_EQ(StatusOf(plan, "A3"), kNot);
}

TEST(RequirementReview, AcceptedReturnedAndResetOnChangedContent) {
  Plan plan = CompletePlanA();
  ReviewMap reviews;
  reviews["A2"] = Decision(plan, "A2", v1::REVIEW_DECISION_ACCEPTED, "確認しました");
  reviews["A3"] = Decision(plan, "A3", v1::REVIEW_DECISION_RETURNED, "予算額を明記してください");
  v1::Report report = Evaluate(plan, Rules(), reviews);
  EXPECT_EQ(Find(report, "A2").status(), kSat);
  EXPECT_TRUE(Find(report, "A2").review().current());
  EXPECT_EQ(Find(report, "A3").status(), kNot);
  EXPECT_THAT(Find(report, "A3").explanation_ja(), HasSubstr("予算額を明記してください"));
  EXPECT_EQ(report.verdict(), common::v1::CHECK_VERDICT_FAIL);

  // The authors revise A3: the returned decision no longer applies, A3 awaits review again.
  Attest(&plan, "A3", "経済産業省と2026年度予算（50億円）について調整中。", "2026年5月の協議記録");
  report = Evaluate(plan, Rules(), reviews);
  EXPECT_EQ(Find(report, "A3").status(), kReview);
  EXPECT_FALSE(Find(report, "A3").review().current());
  EXPECT_EQ(Find(report, "A2").status(), kSat);  // unchanged content keeps its decision
  EXPECT_EQ(report.verdict(), common::v1::CHECK_VERDICT_PENDING_REVIEW);
}

TEST(RequirementA4, TotalOfKnownAmountsAgainstTheConfiguredThreshold) {
  Plan plan = CompletePlanA();  // KOKUSAI ELECTRIC 240億円
  EXPECT_EQ(StatusOf(plan, "A4"), kSat);
  EXPECT_EQ(StatusOf(plan, "A4", Rules(30'000'000'000)), kNot);  // threshold 300億円
  plan.mutable_core_investments(0)->set_amount_yen(1'500'000'000);
  CoreInvestment* unknown = plan.add_core_investments();
  unknown->set_company_name("SCREEN SPE Works");
  const auto& a4 = Find(Evaluate(plan, Rules(), {}), "A4");
  EXPECT_EQ(a4.status(), kNot);
  EXPECT_THAT(a4.explanation_ja(), HasSubstr("15億円"));
  EXPECT_THAT(a4.explanation_en(), HasSubstr("1 without an amount"));
  unknown->set_amount_yen(5'500'000'000);
  EXPECT_EQ(StatusOf(plan, "A4"), kSat);  // 15 + 55 = 70億円
  unknown->set_status(INVESTMENT_STATUS_SUSPENDED);
  EXPECT_EQ(StatusOf(plan, "A4"), kNot);  // suspended projects do not count
  plan.clear_core_investments();
  EXPECT_EQ(StatusOf(plan, "A4"), kNot);
}

TEST(RequirementA5, InfrastructureWhereNeeded) {
  Plan plan = CompletePlanA();
  EXPECT_EQ(StatusOf(plan, "A5"), kSat);
  plan.clear_infrastructure_needs();
  EXPECT_EQ(StatusOf(plan, "A5"), kNA);  // only a talent issue: nothing calls for it
  PolicyIssue* power = plan.add_policy_issues();
  power->set_category(POLICY_ISSUE_CATEGORY_POWER);
  power->set_description("大規模な電力需要");
  const auto& a5 = Find(Evaluate(plan, Rules(), {}), "A5");
  EXPECT_EQ(a5.status(), kNot);
  EXPECT_THAT(a5.explanation_en(), HasSubstr("POWER"));
}

TEST(RequirementA6, BusinessCommunityOrOutsideInvestment) {
  Plan plan = CompletePlanA();
  EXPECT_EQ(StatusOf(plan, "A6"), kSat);
  plan.mutable_stakeholders(0)->clear_action();  // named, but doing nothing
  EXPECT_EQ(StatusOf(plan, "A6"), kNot);
  plan.mutable_core_investments(0)->set_attracted_from_outside_region(true);
  EXPECT_EQ(StatusOf(plan, "A6"), kSat);
}

TEST(RequirementAContents, StakeholderActionsAndNationalMeasuresAreStated) {
  EXPECT_EQ(StatusOf(CompletePlanA(), "A-CONTENTS"), kSat);
  Plan no_actions = CompletePlanA();
  for (auto& s : *no_actions.mutable_stakeholders()) s.set_action("  ");
  EXPECT_EQ(StatusOf(no_actions, "A-CONTENTS"), kNot);
  Plan no_measures = CompletePlanA();
  no_measures.clear_support_measures();
  const auto& r = Find(Evaluate(no_measures, Rules(), {}), "A-CONTENTS");
  EXPECT_EQ(r.status(), kNot);
  EXPECT_THAT(r.explanation_en(), ::testing::HasSubstr("national measures"));
  EXPECT_FALSE(r.remedy_ja().empty());
  // Types B and C have no such requirement.
  const v1::Report b = Evaluate(CompletePlanB(), Rules(), {});
  for (const auto& res : b.results()) {
    EXPECT_NE(res.id(), "A-CONTENTS");
  }
}

TEST(RequirementA7, JobsOrWageTargetWithAValue) {
  Plan plan = CompletePlanA();
  EXPECT_EQ(StatusOf(plan, "A7"), kSat);
  for (Indicator& ind : *plan.mutable_indicators()) {
    if (ind.topic() == INDICATOR_TOPIC_JOBS) ind.mutable_target()->clear_value();
  }
  const auto& a7 = Find(Evaluate(plan, Rules(), {}), "A7");
  EXPECT_EQ(a7.status(), kNot);
  EXPECT_THAT(a7.explanation_en(), HasSubstr("no target value yet"));
  Plan none = rfs::testing::PlanA();
  EXPECT_EQ(StatusOf(none, "A7"), kNot);
}

// ---- Mandatory KGIs ----

TEST(RequirementKgi, UnsetTargetIsNotSatisfiedAndSaysSo) {
  const Plan plan = rfs::testing::PlanA();  // CAPEX target "○○億円（5年間）"
  const auto& capex = Find(Evaluate(plan, Rules(), {}), "KGI-CAPEX");
  EXPECT_EQ(capex.status(), kNot);
  EXPECT_THAT(capex.explanation_en(), HasSubstr("target is not yet set"));
  EXPECT_THAT(capex.explanation_ja(), HasSubstr("○○億円"));
  EXPECT_EQ(StatusOf(plan, "KGI-VALUE_ADDED"), kSat);
  EXPECT_EQ(StatusOf(plan, "KGI-TALENT"), kSat);
}

TEST(RequirementKgi, MissingKgiOrBaselineIsNotSatisfied) {
  Plan plan = CompletePlanB();
  EXPECT_EQ(StatusOf(plan, "KGI-TALENT"), kSat);
  for (Indicator& ind : *plan.mutable_indicators()) {
    if (ind.mandatory_kgi() == MANDATORY_KGI_VALUE_ADDED) ind.mutable_baseline()->clear_value();
  }
  const auto& va = Find(Evaluate(plan, Rules(), {}), "KGI-VALUE_ADDED");
  EXPECT_EQ(va.status(), kNot);
  EXPECT_THAT(va.explanation_en(), HasSubstr("baseline is not set"));
  auto* inds = plan.mutable_indicators();
  inds->erase(std::remove_if(inds->begin(), inds->end(),
                             [](const Indicator& i) {
                               return i.mandatory_kgi() == MANDATORY_KGI_TALENT;
                             }),
              inds->end());
  EXPECT_EQ(StatusOf(plan, "KGI-TALENT"), kNot);
}

TEST(RequirementKgi, TypeCNeedsOnlyValueAddedAndIsRecommendedProductivity) {
  Plan plan = CompletePlanC();
  EXPECT_EQ(StatusOf(plan, "KGI-CAPEX"), kNA);
  EXPECT_EQ(StatusOf(plan, "KGI-TALENT"), kNA);
  EXPECT_EQ(StatusOf(plan, "KGI-LABOR_PRODUCTIVITY"), kSat);
  EXPECT_EQ(StatusOf(CompletePlanA(), "KGI-LABOR_PRODUCTIVITY"), kNA);
  auto* inds = plan.mutable_indicators();
  inds->erase(std::remove_if(inds->begin(), inds->end(),
                             [](const Indicator& i) {
                               return i.mandatory_kgi() == MANDATORY_KGI_LABOR_PRODUCTIVITY_RATE;
                             }),
              inds->end());
  const v1::Report report = Evaluate(plan, Rules(), AcceptAll(plan));
  EXPECT_EQ(Find(report, "KGI-LABOR_PRODUCTIVITY").status(), kNot);
  EXPECT_EQ(report.verdict(), common::v1::CHECK_VERDICT_PASS);  // recommended only
}

// ---- Type B ----

TEST(RequirementB1B4, AttestedRequirementsOfB) {
  Plan plan = CompletePlanB();
  EXPECT_EQ(StatusOf(plan, "B1"), kReview);
  EXPECT_EQ(StatusOf(plan, "B4"), kReview);
  plan.clear_attestations();
  EXPECT_EQ(StatusOf(plan, "B1"), kNot);
  EXPECT_EQ(StatusOf(plan, "B4"), kNot);
}

TEST(RequirementB2, OnlyWhenACompanyIsAttractedFromOutside) {
  Plan plan = CompletePlanB();
  EXPECT_EQ(StatusOf(plan, "B2"), kNA);
  plan.mutable_priority_companies(0)->set_attracted_from_outside_region(true);
  EXPECT_TRUE(AttractsFromOutside(plan));
  EXPECT_EQ(StatusOf(plan, "B2"), kNot);
  Attest(&plan, "B2", "誘致企業の県内採用比率80%・収益の県内再投資方針。", "立地協定書（案）");
  EXPECT_EQ(StatusOf(plan, "B2"), kReview);
  // The content of B2 includes which companies are attracted.
  const std::string before = AttestationDigest(plan, "B2");
  CoreInvestment* ci = plan.add_core_investments();
  ci->set_company_name("県外誘致株式会社");
  ci->set_attracted_from_outside_region(true);
  EXPECT_NE(AttestationDigest(plan, "B2"), before);
}

TEST(RequirementB3C2, RippleTargetsForTransactionsSalesAndJobs) {
  for (Plan plan : {CompletePlanB(), CompletePlanC()}) {
    const std::string id = plan.type() == PLAN_TYPE_B ? "B3" : "C2";
    EXPECT_EQ(StatusOf(plan, id), kSat) << id;
    for (Indicator& ind : *plan.mutable_indicators()) {
      if (ind.topic() == INDICATOR_TOPIC_IN_REGION_SALES) ind.set_topic(INDICATOR_TOPIC_EXPORTS);
      if (ind.topic() == INDICATOR_TOPIC_JOBS || ind.topic() == INDICATOR_TOPIC_WAGES) {
        ind.mutable_target()->clear_value();
      }
    }
    const auto& r = Find(Evaluate(plan, Rules(), {}), id);
    EXPECT_EQ(r.status(), kNot) << id;
    EXPECT_THAT(r.explanation_en(), HasSubstr("No indicator of in-region sales")) << id;
    EXPECT_THAT(r.explanation_en(), HasSubstr("Target not yet set for jobs or wages")) << id;
  }
}

// ---- Type C ----

TEST(RequirementC1C3, AttestedRequirementsOfC) {
  Plan plan = CompletePlanC();
  EXPECT_EQ(StatusOf(plan, "C1"), kReview);
  EXPECT_EQ(StatusOf(plan, "C3"), kReview);
  ReviewMap reviews = AcceptAll(plan);
  EXPECT_EQ(StatusOf(plan, "C3", Rules(), reviews), kSat);
  plan.clear_attestations();
  EXPECT_EQ(StatusOf(plan, "C1", Rules(), reviews), kNot);
  EXPECT_EQ(StatusOf(plan, "C3", Rules(), reviews), kNot);
}

// ---- Recommendations ----

TEST(Recommendation, JointAuthorshipWhenTheAreaSpansGovernments) {
  Plan a = CompletePlanA();  // three prefectures, three authors
  EXPECT_EQ(StatusOf(a, "REC-JOINT"), kSat);
  a.mutable_authors()->DeleteSubrange(1, 2);
  const v1::Report report = Evaluate(a, Rules(), AcceptAll(a));
  EXPECT_EQ(Find(report, "REC-JOINT").status(), kNot);
  EXPECT_EQ(report.verdict(), common::v1::CHECK_VERDICT_PASS);  // never changes the verdict

  EXPECT_EQ(StatusOf(CompletePlanB(), "REC-JOINT"), kNA);  // a prefecture's own plan
  Plan c = CompletePlanC();
  EXPECT_EQ(StatusOf(c, "REC-JOINT"), kNA);  // one city
  c.mutable_area()->add_municipality_codes("172022");  // and Nanao city: two municipalities
  EXPECT_EQ(StatusOf(c, "REC-JOINT"), kNot);
}

TEST(Recommendation, OwnKgiAndKpi) {
  Plan plan = CompletePlanB();
  EXPECT_EQ(StatusOf(plan, "REC-OWN-KGI"), kSat);
  EXPECT_EQ(StatusOf(plan, "REC-KPI"), kSat);
  for (Indicator& ind : *plan.mutable_indicators()) {
    if (ind.kind() != INDICATOR_KIND_MANDATORY_KGI) ind.set_kind(INDICATOR_KIND_OWN_KGI);
  }
  EXPECT_EQ(StatusOf(plan, "REC-KPI"), kNot);
  for (Indicator& ind : *plan.mutable_indicators()) {
    if (ind.kind() == INDICATOR_KIND_OWN_KGI) ind.set_kind(INDICATOR_KIND_KPI);
  }
  EXPECT_EQ(StatusOf(plan, "REC-OWN-KGI"), kNot);
  EXPECT_EQ(StatusOf(plan, "REC-KPI"), kSat);
}

TEST(Recommendation, MilestonesAtLeastOnceAFiscalYear) {
  Plan plan = CompletePlanA();
  EXPECT_EQ(StatusOf(plan, "REC-MILESTONES"), kSat);
  plan.mutable_indicators(1)->mutable_milestones()->DeleteSubrange(1, 1);  // drop FY2027
  const auto& r = Find(Evaluate(plan, Rules(), {}), "REC-MILESTONES");
  EXPECT_EQ(r.status(), kNot);
  EXPECT_THAT(r.explanation_en(), HasSubstr(plan.indicators(1).id()));
  EXPECT_EQ(StatusOf(plan, "REC-MILESTONES", Rules(2'000'000'000, 2)), kSat);
  plan.clear_indicators();
  EXPECT_EQ(StatusOf(plan, "REC-MILESTONES"), kNA);
}

TEST(Attestations, OnlyTheQualitativeRequirementsOfTheTypeAreReviewed) {
  EXPECT_TRUE(IsAttestedRequirement(PLAN_TYPE_A, "A2"));
  EXPECT_TRUE(IsAttestedRequirement(PLAN_TYPE_A, "A3"));
  EXPECT_FALSE(IsAttestedRequirement(PLAN_TYPE_A, "A4"));
  EXPECT_FALSE(IsAttestedRequirement(PLAN_TYPE_A, "B1"));
  EXPECT_TRUE(IsAttestedRequirement(PLAN_TYPE_B, "B2"));
  EXPECT_FALSE(IsAttestedRequirement(PLAN_TYPE_B, "B3"));
  EXPECT_TRUE(IsAttestedRequirement(PLAN_TYPE_C, "C3"));
  EXPECT_FALSE(IsAttestedRequirement(PLAN_TYPE_C, "C2"));
  Plan plan = CompletePlanA();
  EXPECT_TRUE(AttestationDigest(plan, "A7").empty());
  const std::string digest = AttestationDigest(plan, "A2");
  EXPECT_EQ(digest.size(), 64u);
  plan.mutable_attestations(0)->set_evidence(plan.attestations(0).evidence() + "。");
  EXPECT_NE(AttestationDigest(plan, "A2"), digest);
}

// ---- Ruleset ----

TEST(Ruleset, TheShippedFileLoadsWithTheDefaultThreshold) {
  auto r = LoadRuleset(rfs::testing::DataDir() + "/ruleset.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->a4_min_total_investment_yen, 2'000'000'000);
  EXPECT_EQ(r->milestone_max_gap_fiscal_years, 1);
  EXPECT_THAT(r->version, ::testing::StartsWith("2026.05+"));
}

TEST(Ruleset, AnyChangeChangesTheVersion) {
  auto a = ParseRuleset(R"({"version": "x", "a4_min_total_investment_yen": 2000000000})");
  auto b = ParseRuleset(R"({"version": "x", "a4_min_total_investment_yen": 3000000000})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->version, b->version);
  EXPECT_EQ(b->a4_min_total_investment_yen, 3'000'000'000);
}

TEST(Ruleset, BadFilesAreRefusedNamingTheKey) {
  auto typo = ParseRuleset(R"({"version": "x", "a4_min_total_investmnt_yen": 1})");
  EXPECT_EQ(typo.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(typo.status().message(), HasSubstr("a4_min_total_investmnt_yen"));
  EXPECT_FALSE(ParseRuleset(R"({"a4_min_total_investment_yen": 1})").ok());  // no version
  EXPECT_FALSE(ParseRuleset(R"({"version": "x", "a4_min_total_investment_yen": -1})").ok());
  EXPECT_FALSE(ParseRuleset(R"({"version": "x", "milestone_max_gap_fiscal_years": 0})").ok());
  EXPECT_FALSE(ParseRuleset("not json").ok());
  EXPECT_FALSE(LoadRuleset("/nonexistent/ruleset.json").ok());
}

// ---- Connector and hub degrees ----

PrefectureTotals Totals(int64_t sales, int64_t purchases) {
  PrefectureTotals t;
  t.set_fiscal_year(2024);
  t.set_sales_outside_prefecture_yen(sales);
  t.set_purchases_inside_prefecture_yen(purchases);
  return t;
}

google::protobuf::RepeatedPtrField<PriorityCompany> Companies(
    std::vector<std::tuple<const char*, int64_t, int64_t>> figures) {
  google::protobuf::RepeatedPtrField<PriorityCompany> out;
  for (const auto& [name, sales, purchases] : figures) {
    PriorityCompany* c = out.Add();
    c->set_name(name);
    c->set_sales_outside_prefecture_yen(sales);
    c->set_purchases_inside_prefecture_yen(purchases);
  }
  return out;
}

TEST(Scoring, DegreesAndCompetitionRanks) {
  // The Toyama sample: 3.2兆円 outside sales, 1.1兆円 inside purchases.
  auto scores = ScoreCompanies(Companies({{"立山製薬", 32'000'000'000, 8'800'000'000},
                                          {"例示包材", 15'000'000'000, 8'800'000'000},
                                          {"原薬化学", 6'000'000'000, 4'400'000'000}}),
                               Totals(3'200'000'000'000, 1'100'000'000'000), "companies",
                               "totals");
  ASSERT_TRUE(scores.ok()) << scores.status();
  ASSERT_EQ(scores->scores_size(), 3);
  EXPECT_DOUBLE_EQ(scores->scores(0).connector_degree(), 0.01);
  EXPECT_DOUBLE_EQ(scores->scores(0).hub_degree(), 0.008);
  EXPECT_EQ(scores->scores(0).connector_rank(), 1);
  EXPECT_EQ(scores->scores(1).connector_rank(), 2);
  EXPECT_EQ(scores->scores(2).connector_rank(), 3);
  EXPECT_EQ(scores->scores(0).hub_rank(), 1);  // a tie shares the rank...
  EXPECT_EQ(scores->scores(1).hub_rank(), 1);
  EXPECT_EQ(scores->scores(2).hub_rank(), 3);  // ...and the next rank skips
  EXPECT_EQ(scores->fiscal_year(), 2024);
}

TEST(Scoring, ImpossibleFiguresNameTheCompanyAndTheFigure) {
  const auto totals = Totals(1'000'000'000, 1'000'000'000);
  auto above = ScoreCompanies(Companies({{"正常", 10, 10}, {"過大商事", 2'000'000'000, 10}}),
                              totals, "companies", "totals");
  EXPECT_EQ(above.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(above.status().message(),
              HasSubstr("companies[1] (過大商事).sales_outside_prefecture_yen"));
  EXPECT_THAT(above.status().message(), HasSubstr("more than the prefecture's total"));

  auto sum = ScoreCompanies(Companies({{"甲", 600'000'000, 1}, {"乙", 600'000'000, 1}}), totals,
                            "companies", "totals");
  EXPECT_THAT(sum.status().message(), HasSubstr("companies[1] (乙)"));
  EXPECT_THAT(sum.status().message(), HasSubstr("add up to more"));

  auto zero = ScoreCompanies(Companies({{"甲", 1, 1}}), Totals(0, 1'000), "companies", "totals");
  EXPECT_THAT(zero.status().message(), HasSubstr("totals.sales_outside_prefecture_yen"));
  EXPECT_THAT(zero.status().message(), HasSubstr("more than zero"));

  PrefectureTotals missing = totals;
  missing.clear_purchases_inside_prefecture_yen();
  auto no_total = ScoreCompanies(Companies({{"甲", 1, 1}}), missing, "companies", "totals");
  EXPECT_THAT(no_total.status().message(),
              HasSubstr("totals.purchases_inside_prefecture_yen: the prefecture's total"));

  auto companies = Companies({{"無記入", 1, 1}});
  companies[0].clear_purchases_inside_prefecture_yen();
  auto no_figure = ScoreCompanies(companies, totals, "companies", "totals");
  EXPECT_THAT(no_figure.status().message(),
              HasSubstr("companies[0] (無記入).purchases_inside_prefecture_yen"));

  auto negative = ScoreCompanies(Companies({{"負", -5, 1}}), totals, "companies", "totals");
  EXPECT_THAT(negative.status().message(), HasSubstr("negative"));

  auto none = ScoreCompanies({}, totals, "companies", "totals");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rfs::requirements
