#include "services/requirements/rules.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/base/digest.h"
#include "common/domain/codes.h"
#include "common/domain/money.h"

namespace rfs::requirements {
namespace {

using registry::v1::Indicator;
using registry::v1::Plan;
using registry::v1::PlanType;
using v1::RequirementResult;

constexpr auto kSatisfied = v1::REQUIREMENT_STATUS_SATISFIED;
constexpr auto kNotSatisfied = v1::REQUIREMENT_STATUS_NOT_SATISFIED;
constexpr auto kNeedsReview = v1::REQUIREMENT_STATUS_NEEDS_REVIEW;
constexpr auto kNotApplicable = v1::REQUIREMENT_STATUS_NOT_APPLICABLE;

// What a requirement is: its id, titles, severity and the fields its rule reads.
struct Spec {
  const char* id;
  const char* title_ja;
  const char* title_en;
  v1::Severity severity;
  std::vector<const char*> fields;
};

constexpr auto kRequired = v1::SEVERITY_REQUIRED;
constexpr auto kRecommended = v1::SEVERITY_RECOMMENDED;

const Spec kA1{"A1", "17の戦略分野に関する成長戦略本部の検討と整合していること",
               "Consistent with the Growth Strategy HQ's work on the 17 strategic fields",
               kRequired, {"strategic_fields"}};
const Spec kA2{"A2", "世界をリードし、又は世界と競争し得るプロジェクトで構成されること（競争優位性）",
               "Competitive advantage: made of projects that can lead or compete globally",
               kRequired, {"attestations[A2]"}};
const Spec kA3{"A3", "予算について関係府省との事前調整が開始されていること（実現可能性）",
               "Feasibility: prior coordination with the relevant ministries on the budget has "
               "started",
               kRequired, {"attestations[A3]"}};
const Spec kA4{"A4", "一定の大規模な投資が見込まれること",
               "A certain large-scale investment is expected", kRequired,
               {"core_investments.amount_yen", "core_investments.status"}};
const Spec kA5{"A5", "必要に応じてインフラ整備や分野別の拠点整備と一体的であること",
               "Integrated with infrastructure and field-specific base development where needed",
               kRequired, {"infrastructure_needs", "policy_issues.category"}};
const Spec kA6{"A6", "地域の経済界と連携し、又は域外からの投資を呼び込むものであること",
               "Linked with the regional business community, or attracts investment from outside "
               "the region",
               kRequired,
               {"stakeholders.kind", "stakeholders.action",
                "core_investments.attracted_from_outside_region"}};
const Spec kA7{"A7", "賃上げを含む持続可能な労働環境に資し、地域に良質な雇用を創出・維持すること",
               "Creates and keeps good local jobs, with a sustainable labour environment including "
               "wage increases",
               kRequired, {"indicators.topic", "indicators.target"}};
const Spec kAContents{"A-CONTENTS",
                      "計画の記載事項: 関係者の取組と国の施策の方向性が記載されていること",
                      "Plan contents: the stakeholders' actions and the direction of national "
                      "measures are stated",
                      kRequired, {"stakeholders.action", "support_measures"}};
const Spec kB1{"B1", "製品・サービスが輸出により外貨を獲得し、又は国内トップシェアを目指すこと",
               "Its products or services earn foreign currency by export, or aim for a top "
               "domestic share",
               kRequired, {"attestations[B1]"}};
const Spec kB2{"B2",
               "域外から企業を誘致する場合、労働・技術の現地化ロードマップと収益の域内再投資方針が"
               "あること",
               "When a company is attracted from outside: a roadmap for localising labour and "
               "technology, and a policy to reinvest profits locally",
               kRequired,
               {"core_investments.attracted_from_outside_region",
                "priority_companies.attracted_from_outside_region", "attestations[B2]"}};
const Spec kB3{"B3", "域内取引・域内売上・持続可能な労働環境（雇用創出・賃上げ）の目標値があること",
               "In-region ripple effects: targets for in-region transactions, in-region sales and "
               "a sustainable labour environment (jobs, wages)",
               kRequired, {"indicators.topic", "indicators.target"}};
const Spec kB4{"B4", "地方公共団体が計画期間を通じて伴走支援を行うこと",
               "The local government keeps accompanying support for the whole plan period",
               kRequired, {"attestations[B4]"}};
const Spec kC1{"C1", "既存の製品・サービスより付加価値を高め、又は販路拡大が見込まれること",
               "Raises value added over existing products or services, or is expected to widen "
               "sales channels",
               kRequired, {"attestations[C1]"}};
const Spec kC2{"C2", "域内取引・域内売上・持続可能な労働環境（雇用創出・賃上げ）の目標値があること",
               "In-region ripple effects: targets for in-region transactions, in-region sales and "
               "a sustainable labour environment (jobs, wages)",
               kRequired, {"indicators.topic", "indicators.target"}};
const Spec kC3{"C3", "地方公共団体が相談窓口を設置していること",
               "The local government has set up a consultation desk", kRequired,
               {"attestations[C3]"}};
const Spec kKgiCapex{"KGI-CAPEX", "必須KGI: 官民設備投資額（基準値と目標値）",
                     "Mandatory KGI: public-private capital investment (baseline and target)",
                     kRequired, {"indicators.mandatory_kgi", "indicators.baseline",
                                 "indicators.target"}};
const Spec kKgiValueAdded{"KGI-VALUE_ADDED", "必須KGI: 付加価値増加額（基準値と目標値）",
                          "Mandatory KGI: increase in value added (baseline and target)",
                          kRequired, {"indicators.mandatory_kgi", "indicators.baseline",
                                      "indicators.target"}};
const Spec kKgiTalent{"KGI-TALENT", "必須KGI: 産業ニーズに即した人材育成数（基準値と目標値）",
                      "Mandatory KGI: people trained to industry needs (baseline and target)",
                      kRequired, {"indicators.mandatory_kgi", "indicators.baseline",
                                  "indicators.target"}};
const Spec kKgiLabor{"KGI-LABOR_PRODUCTIVITY",
                     "一人当たり付加価値労働生産性の増加額・増加率（該当する場合）",
                     "Per-worker value-added labour productivity, amount and rate (where it fits)",
                     kRecommended, {"indicators.mandatory_kgi", "indicators.target"}};
const Spec kRecJoint{"REC-JOINT", "複数の団体にまたがる計画は共同で策定すること（強く推奨）",
                     "A plan spanning several governments is authored jointly (strongly "
                     "recommended)",
                     kRecommended, {"area", "authors"}};
const Spec kRecOwnKgi{"REC-OWN-KGI", "独自のKGIを設定すること",
                      "Sets KGIs of its own", kRecommended, {"indicators.kind"}};
const Spec kRecKpi{"REC-KPI", "施策の進捗を確認するKPIを1つ以上設定すること",
                   "At least one KPI for the progress of the measures",
                   kRecommended, {"indicators.kind"}};
const Spec kRecMilestones{"REC-MILESTONES", "中間目標を少なくとも年度ごとに設定すること",
                          "Interim milestones at least once a fiscal year",
                          kRecommended, {"indicators.baseline", "indicators.milestones",
                                         "indicators.target"}};

RequirementResult* Add(v1::Report* report, const Spec& spec) {
  RequirementResult* r = report->add_results();
  r->set_id(spec.id);
  r->set_title_ja(spec.title_ja);
  r->set_title_en(spec.title_en);
  r->set_severity(spec.severity);
  for (const char* f : spec.fields) r->add_fields(f);
  return r;
}

void Decide(RequirementResult* r, v1::RequirementStatus status, std::string explanation_ja,
            std::string explanation_en, std::string remedy_ja = "", std::string remedy_en = "") {
  r->set_status(status);
  r->set_explanation_ja(std::move(explanation_ja));
  r->set_explanation_en(std::move(explanation_en));
  r->set_remedy_ja(std::move(remedy_ja));
  r->set_remedy_en(std::move(remedy_en));
}

const registry::v1::Attestation* FindAttestation(const Plan& plan, absl::string_view id) {
  for (const auto& a : plan.attestations()) {
    if (a.requirement_id() == id) return &a;
  }
  return nullptr;
}

std::string YenEn(int64_t yen) { return absl::StrCat("JPY ", FormatThousands(yen)); }

// "12,000人" / "12,000 persons" and the like, honouring the indicator's decimal places.
std::string Amount(const Indicator& ind, int64_t value, bool ja) {
  if (ind.unit() == registry::v1::INDICATOR_UNIT_YEN) return ja ? FormatYenJa(value) : YenEn(value);
  std::string number;
  const int places = std::clamp(ind.decimal_places(), 0, 6);
  if (places == 0) {
    number = FormatThousands(value);
  } else {
    int64_t scale = 1;
    for (int i = 0; i < places; ++i) scale *= 10;
    const int64_t magnitude = value < 0 ? -value : value;
    std::string frac = std::to_string(magnitude % scale);
    frac.insert(0, static_cast<size_t>(places) - frac.size(), '0');
    number = absl::StrCat(value < 0 ? "-" : "", FormatThousands(magnitude / scale), ".", frac);
  }
  switch (ind.unit()) {
    case registry::v1::INDICATOR_UNIT_PERSONS:
      return ja ? absl::StrCat(number, "人") : absl::StrCat(number, " persons");
    case registry::v1::INDICATOR_UNIT_PERCENT:
      return absl::StrCat(number, "%");
    case registry::v1::INDICATOR_UNIT_YEN_PER_WORKER:
      return ja ? absl::StrCat(number, "円/人") : absl::StrCat("JPY ", number, " per worker");
    default:
      return ind.unit_label().empty() ? number : absl::StrCat(number, ja ? "" : " ", ind.unit_label());
  }
}

std::string FyJa(int year) { return absl::StrCat(year, "年度"); }
std::string FyEn(int year) { return absl::StrCat("FY", year); }

bool HasValue(const registry::v1::PeriodValue& v) { return v.has_value(); }
bool HasTarget(const Indicator& ind) { return ind.has_target() && ind.target().has_value(); }

// ---- Qualitative (attested) requirements ----

void Attested(const Plan& plan, const Spec& spec, const ReviewMap& reviews,
              RequirementResult* r) {
  const registry::v1::Attestation* a = FindAttestation(plan, spec.id);
  const std::string hint_ja =
      std::string(spec.id) == "A3" ? "（どの府省と、いつから調整しているか）" : "";
  const std::string hint_en =
      std::string(spec.id) == "A3" ? " (which ministries, since when)" : "";
  if (a == nullptr || a->statement().empty()) {
    Decide(r, kNotSatisfied, absl::StrCat(spec.id, "の説明（attestations）がありません。"),
           absl::StrCat("The plan has no attestation of ", spec.id, "."),
           absl::StrCat("attestations に ", spec.id, " の説明（statement）と根拠（evidence）",
                        hint_ja, "を記載してください。"),
           absl::StrCat("Add an attestation of ", spec.id, " with a statement and evidence",
                        hint_en, "."));
    return;
  }
  if (a->evidence().empty()) {
    Decide(r, kNotSatisfied, absl::StrCat(spec.id, "の説明に根拠（evidence）がありません。"),
           absl::StrCat("The attestation of ", spec.id, " gives no evidence."),
           absl::StrCat(spec.id, " の根拠（資料・会議・日付", hint_ja, "）を evidence に記載してください。"),
           absl::StrCat("Give the evidence of ", spec.id, " (documents, meetings, dates", hint_en,
                        ")."));
    return;
  }
  const std::string digest = AttestationDigest(plan, spec.id);
  auto it = reviews.find(spec.id);
  if (it != reviews.end()) {
    v1::Review review = it->second;
    review.set_current(review.content_digest() == digest);
    const std::string when = absl::FormatTime(
        "%Y-%m-%d", absl::FromUnixSeconds(review.record_time().seconds()), absl::UTCTimeZone());
    if (review.current() && review.decision() == v1::REVIEW_DECISION_ACCEPTED) {
      Decide(r, kSatisfied,
             absl::StrCat(review.reviewer_role() == "bureau" ? "地方経済産業局" : "事務局", "が",
                          when, "に確認済み",
                          review.comment().empty() ? "" : absl::StrCat("（", review.comment(), "）"),
                          "。"),
             absl::StrCat("Accepted by the ", review.reviewer_role(), " on ", when,
                          review.comment().empty() ? "" : absl::StrCat(": ", review.comment()),
                          "."));
    } else if (review.current() && review.decision() == v1::REVIEW_DECISION_RETURNED) {
      Decide(r, kNotSatisfied,
             absl::StrCat(when, "に差し戻されました: ", review.comment()),
             absl::StrCat("Returned on ", when, ": ", review.comment()),
             absl::StrCat("指摘に沿って ", spec.id, " の説明を見直してください。変更後は再度確認を受けます。"),
             absl::StrCat("Revise the attestation of ", spec.id,
                          " as the reviewer asks; the new content is then reviewed again."));
    } else {
      Decide(r, kNeedsReview,
             absl::StrCat("説明が変更されたため、以前の判断（", when, "）は適用されません。確認待ちです。"),
             absl::StrCat("The attestation changed after the decision of ", when,
                          "; it awaits a new review."),
             "地方経済産業局又は事務局の確認を受けてください。",
             "A reviewer (the block's bureau or the secretariat) decides it with RecordReview.");
    }
    *r->mutable_review() = std::move(review);
    return;
  }
  Decide(r, kNeedsReview, "説明と根拠が記載されています。地方経済産業局又は事務局の確認待ちです。",
         "Attested with evidence; awaits the decision of the block's bureau or the secretariat.",
         "地方経済産業局又は事務局の確認を受けてください。",
         "A reviewer (the block's bureau or the secretariat) decides it with RecordReview.");
}

// ---- Quantitative requirements ----

void StrategicFields(const Plan& plan, RequirementResult* r) {
  if (plan.strategic_fields_size() > 0) {
    const std::string fields = absl::StrJoin(plan.strategic_fields(), ", ");
    Decide(r, kSatisfied, absl::StrCat("戦略分野: ", fields), absl::StrCat("Strategic fields: ", fields));
  } else {
    Decide(r, kNotSatisfied, "戦略分野（17分野）が指定されていません。",
           "No strategic field (of the 17) is named.",
           "strategic_fields に17分野のうち少なくとも1つを指定してください（ListReferenceData 参照）。",
           "Name at least one of the 17 strategic fields in strategic_fields (see "
           "ListReferenceData).");
  }
}

void LargeInvestment(const Plan& plan, const Ruleset& rules, RequirementResult* r) {
  int64_t total = 0;
  int known = 0, unknown = 0, suspended = 0;
  for (const auto& ci : plan.core_investments()) {
    if (ci.status() == registry::v1::INVESTMENT_STATUS_SUSPENDED) {
      ++suspended;
      continue;
    }
    if (!ci.has_amount_yen() || ci.amount_yen() < 0) {
      ++unknown;
      continue;
    }
    ++known;
    total = std::min<int64_t>(total + std::min(ci.amount_yen(), kMaxYen), kMaxYen);
  }
  const int64_t need = rules.a4_min_total_investment_yen;
  const std::string notes_ja = absl::StrCat(
      unknown > 0 ? absl::StrCat("、金額未定", unknown, "件") : "",
      suspended > 0 ? absl::StrCat("、中止・延期", suspended, "件は除外") : "");
  const std::string notes_en = absl::StrCat(
      unknown > 0 ? absl::StrCat("; ", unknown, " without an amount") : "",
      suspended > 0 ? absl::StrCat("; ", suspended, " suspended, not counted") : "");
  if (plan.core_investments_size() == 0) {
    Decide(r, kNotSatisfied, "中核的な投資プロジェクトがありません。",
           "The plan names no core investment project.",
           absl::StrCat("core_investments に投資プロジェクトと金額を記載してください（合計",
                        FormatYenJa(need), "以上）。"),
           absl::StrCat("List the core investment projects with their amounts (", YenEn(need),
                        " or more in total)."));
    return;
  }
  const std::string figures_ja = absl::StrCat("中核的な投資", known, "件の合計 ", FormatYenJa(total),
                                              "（基準 ", FormatYenJa(need), "）", notes_ja, "。");
  const std::string figures_en = absl::StrCat("Core investments total ", YenEn(total), " over ",
                                              known, " project(s) (threshold ", YenEn(need), ")",
                                              notes_en, ".");
  if (total >= need) {
    Decide(r, kSatisfied, figures_ja, figures_en);
  } else {
    Decide(r, kNotSatisfied, figures_ja, figures_en,
           absl::StrCat("投資額の合計が", FormatYenJa(need), "以上となるよう、金額未定の案件の金額を"
                        "記載するか、投資プロジェクトを追加してください。"),
           absl::StrCat("Bring the known total to ", YenEn(need),
                        ": give the amounts still unknown, or add projects."));
  }
}

bool CallsForInfrastructure(registry::v1::PolicyIssueCategory c) {
  switch (c) {
    case registry::v1::POLICY_ISSUE_CATEGORY_POWER:
    case registry::v1::POLICY_ISSUE_CATEGORY_WATER:
    case registry::v1::POLICY_ISSUE_CATEGORY_LOGISTICS:
    case registry::v1::POLICY_ISSUE_CATEGORY_TRANSPORT:
    case registry::v1::POLICY_ISSUE_CATEGORY_LAND:
      return true;
    default:
      return false;
  }
}

// DOMAIN.md's "plan contents" of a type A plan that no other rule reads: what the stakeholders
// do (関係者の取組) and the direction of national measures (国の施策の方向性).
void PlanContents(const Plan& plan, RequirementResult* r) {
  bool actions = false;
  for (const auto& s : plan.stakeholders()) {
    actions |= !absl::StripAsciiWhitespace(s.action()).empty();
  }
  const bool measures = plan.support_measures_size() > 0;
  if (actions && measures) {
    Decide(r, kSatisfied,
           absl::StrCat("関係者の取組と国の施策の方向性（", plan.support_measures_size(),
                        "件）が記載されています。"),
           absl::StrCat("Stakeholder actions and the direction of national measures (",
                        plan.support_measures_size(), ") are stated."));
    return;
  }
  std::string ja, en;
  if (!actions) {
    ja = "関係者（企業・大学・金融機関等）の取組が記載されていません。";
    en = "No stakeholder (company, university, financial institution...) has an action stated. ";
  }
  if (!measures) {
    absl::StrAppend(&ja, "国の施策の方向性（支援策）が記載されていません。");
    absl::StrAppend(&en, "No direction of national measures (support measure) is stated.");
  }
  Decide(r, kNotSatisfied, ja, std::string(absl::StripTrailingAsciiWhitespace(en)),
         "stakeholders[].action に各関係者の取組を、support_measures に求める国の施策を記載してください。",
         "State each stakeholder's action in stakeholders[].action, and the national measures "
         "the plan asks for in support_measures.");
}

void Infrastructure(const Plan& plan, RequirementResult* r) {
  if (plan.infrastructure_needs_size() > 0) {
    std::set<std::string> kinds;
    for (const auto& n : plan.infrastructure_needs()) {
      kinds.insert(registry::v1::InfrastructureKind_Name(n.kind()).substr(
          sizeof("INFRASTRUCTURE_KIND_") - 1));
    }
    const std::string k = absl::StrJoin(kinds, ", ");
    Decide(r, kSatisfied,
           absl::StrCat("インフラ整備の必要性", plan.infrastructure_needs_size(), "件（", k, "）と一体で計画されています。"),
           absl::StrCat(plan.infrastructure_needs_size(), " infrastructure need(s) planned with it (", k, ")."));
    return;
  }
  std::set<std::string> calling;
  for (const auto& p : plan.policy_issues()) {
    if (CallsForInfrastructure(p.category())) {
      calling.insert(registry::v1::PolicyIssueCategory_Name(p.category()).substr(
          sizeof("POLICY_ISSUE_CATEGORY_") - 1));
    }
  }
  if (calling.empty()) {
    Decide(r, kNotApplicable, "インフラ整備の必要性も、それを要する政策的課題も挙げられていません。",
           "No infrastructure need is named, and no policy issue calls for one.");
    return;
  }
  const std::string c = absl::StrJoin(calling, ", ");
  Decide(r, kNotSatisfied,
         absl::StrCat("政策的課題（", c, "）がありますが、インフラ整備の必要性が記載されていません。"),
         absl::StrCat("Policy issues (", c, ") call for infrastructure, but no infrastructure need is named."),
         "infrastructure_needs に必要な道路・工業用水・港湾・電力等の整備を記載してください。",
         "Name the roads, industrial water, ports, power or land the plan needs in "
         "infrastructure_needs.");
}

void BusinessLinks(const Plan& plan, RequirementResult* r) {
  int linked = 0;
  for (const auto& s : plan.stakeholders()) {
    const bool business = s.kind() == registry::v1::STAKEHOLDER_KIND_BUSINESS_ASSOCIATION ||
                          s.kind() == registry::v1::STAKEHOLDER_KIND_COMPANY ||
                          s.kind() == registry::v1::STAKEHOLDER_KIND_FINANCIAL_INSTITUTION;
    if (business && !s.action().empty()) ++linked;
  }
  int attracted = 0;
  for (const auto& ci : plan.core_investments()) attracted += ci.attracted_from_outside_region();
  if (linked > 0 || attracted > 0) {
    Decide(r, kSatisfied,
           absl::StrCat("経済界等の関係者の取組", linked, "件、域外からの誘致投資", attracted, "件。"),
           absl::StrCat(linked, " business stakeholder(s) with actions, ", attracted,
                        " investment(s) attracted from outside the region."));
  } else {
    Decide(r, kNotSatisfied, "経済界との連携も、域外からの投資も記載されていません。",
           "Neither a link with the business community nor investment from outside is named.",
           "stakeholders に経済団体・企業・金融機関とその取組を記載するか、域外から誘致する投資を"
           "core_investments に記載してください（attracted_from_outside_region）。",
           "Add business associations, companies or financial institutions with their actions to "
           "stakeholders, or mark core investments attracted from outside the region.");
  }
}

bool IsJobsOrWages(const Indicator& i) {
  return i.topic() == registry::v1::INDICATOR_TOPIC_JOBS ||
         i.topic() == registry::v1::INDICATOR_TOPIC_WAGES;
}

void GoodJobs(const Plan& plan, RequirementResult* r) {
  std::vector<std::string> with_target, without_target;
  for (const auto& ind : plan.indicators()) {
    if (!IsJobsOrWages(ind)) continue;
    (HasTarget(ind) ? with_target : without_target).push_back(ind.id());
  }
  if (!with_target.empty()) {
    const std::string ids = absl::StrJoin(with_target, ", ");
    Decide(r, kSatisfied, absl::StrCat("雇用・賃金の目標: ", ids),
           absl::StrCat("Jobs or wage targets: ", ids));
  } else if (!without_target.empty()) {
    const std::string ids = absl::StrJoin(without_target, ", ");
    Decide(r, kNotSatisfied, absl::StrCat("雇用・賃金の指標（", ids, "）の目標値が未設定です。"),
           absl::StrCat("The jobs or wage indicator(s) ", ids, " have no target value yet."),
           "雇用又は賃金の指標に目標値を設定してください。",
           "Set the target value of the jobs or wage indicator.");
  } else {
    Decide(r, kNotSatisfied, "雇用又は賃金の目標（topic JOBS / WAGES の指標）がありません。",
           "No jobs or wage target (an indicator with topic JOBS or WAGES).",
           "雇用創出又は賃上げの指標（topic: JOBS / WAGES）を目標値とともに設定してください。",
           "Add an indicator of jobs or wages (topic JOBS or WAGES) with a target value.");
  }
}

void RippleTargets(const Plan& plan, RequirementResult* r) {
  struct Need {
    const char* ja;
    const char* en;
    bool (*match)(const Indicator&);
    bool found = false;
    bool targeted = false;
  };
  Need needs[] = {
      {"域内取引", "in-region transactions",
       [](const Indicator& i) { return i.topic() == registry::v1::INDICATOR_TOPIC_IN_REGION_TRANSACTIONS; }},
      {"域内売上", "in-region sales",
       [](const Indicator& i) { return i.topic() == registry::v1::INDICATOR_TOPIC_IN_REGION_SALES; }},
      {"雇用創出・賃上げ", "jobs or wages", IsJobsOrWages},
  };
  for (const auto& ind : plan.indicators()) {
    for (Need& n : needs) {
      if (!n.match(ind)) continue;
      n.found = true;
      n.targeted |= HasTarget(ind);
    }
  }
  std::vector<std::string> missing_ja, missing_en, unset_ja, unset_en;
  for (const Need& n : needs) {
    if (!n.found) {
      missing_ja.push_back(n.ja);
      missing_en.push_back(n.en);
    } else if (!n.targeted) {
      unset_ja.push_back(n.ja);
      unset_en.push_back(n.en);
    }
  }
  if (missing_ja.empty() && unset_ja.empty()) {
    Decide(r, kSatisfied, "域内取引・域内売上・雇用／賃金の目標値が設定されています。",
           "Targets are set for in-region transactions, in-region sales, and jobs or wages.");
    return;
  }
  std::string ja, en;
  if (!missing_ja.empty()) {
    ja = absl::StrCat("指標がありません: ", absl::StrJoin(missing_ja, "、"), "。");
    en = absl::StrCat("No indicator of ", absl::StrJoin(missing_en, ", "), ". ");
  }
  if (!unset_ja.empty()) {
    absl::StrAppend(&ja, "目標値が未設定です: ", absl::StrJoin(unset_ja, "、"), "。");
    absl::StrAppend(&en, "Target not yet set for ", absl::StrJoin(unset_en, ", "), ".");
  }
  Decide(r, kNotSatisfied, ja, std::string(absl::StripTrailingAsciiWhitespace(en)),
         "域内取引（IN_REGION_TRANSACTIONS）、域内売上（IN_REGION_SALES）、雇用・賃金（JOBS / "
         "WAGES）の指標を目標値とともに設定してください。",
         "Add indicators with topics IN_REGION_TRANSACTIONS, IN_REGION_SALES and JOBS or WAGES, "
         "each with a target value.");
}

void MandatoryKgi(const Plan& plan, registry::v1::MandatoryKgi kgi, const char* name_ja,
                  const char* name_en, RequirementResult* r) {
  const Indicator* found = nullptr;
  for (const auto& ind : plan.indicators()) {
    if (ind.kind() == registry::v1::INDICATOR_KIND_MANDATORY_KGI && ind.mandatory_kgi() == kgi) {
      found = &ind;
      break;
    }
  }
  if (found == nullptr) {
    Decide(r, kNotSatisfied, absl::StrCat("必須KGI「", name_ja, "」がありません。"),
           absl::StrCat("The mandatory KGI ", name_en, " is missing."),
           absl::StrCat("indicators に必須KGI「", name_ja, "」を基準値・目標値とともに追加してください。"),
           absl::StrCat("Add the mandatory KGI ", name_en,
                        " to indicators, with a baseline and a target."));
    return;
  }
  const Indicator& ind = *found;
  const bool baseline = ind.has_baseline() && HasValue(ind.baseline());
  const bool target = HasTarget(ind);
  if (baseline && target) {
    Decide(r, kSatisfied,
           absl::StrCat(name_ja, ": 基準値 ", Amount(ind, ind.baseline().value(), true), "（",
                        FyJa(ind.baseline().period().fiscal_year()), "）→ 目標値 ",
                        Amount(ind, ind.target().value(), true), "（",
                        FyJa(ind.target().period().fiscal_year()), "）"),
           absl::StrCat(name_en, ": baseline ", Amount(ind, ind.baseline().value(), false), " (",
                        FyEn(ind.baseline().period().fiscal_year()), ") to target ",
                        Amount(ind, ind.target().value(), false), " (",
                        FyEn(ind.target().period().fiscal_year()), ")"));
    return;
  }
  std::string ja = absl::StrCat(name_ja, "（", ind.id(), "）: ");
  std::string en = absl::StrCat(name_en, " (", ind.id(), "): ");
  if (!target) {
    absl::StrAppend(&ja, "目標値が未設定です",
                    ind.target().note().empty() ? "" : absl::StrCat("（", ind.target().note(), "）"),
                    "。");
    absl::StrAppend(&en, "the target is not yet set",
                    ind.target().note().empty() ? "" : absl::StrCat(" (", ind.target().note(), ")"),
                    ". ");
  }
  if (!baseline) {
    absl::StrAppend(&ja, "基準値が未設定です。");
    absl::StrAppend(&en, "the baseline is not set.");
  }
  Decide(r, kNotSatisfied, ja, std::string(absl::StripTrailingAsciiWhitespace(en)),
         absl::StrCat(name_ja, "の", !target ? "目標値" : "", !target && !baseline ? "と" : "",
                      !baseline ? "基準値" : "", "を設定してください。"),
         absl::StrCat("Set the ", !target ? "target value" : "",
                      !target && !baseline ? " and the " : "", !baseline ? "baseline value" : "",
                      " of ", name_en, "."));
}

void LaborProductivity(const Plan& plan, RequirementResult* r) {
  if (plan.type() != registry::v1::PLAN_TYPE_C) {
    Decide(r, kNotApplicable, "C類型（地場産業成長プラン）のみの指標です。",
           "Only for type C (local industry growth) plans.");
    return;
  }
  for (const auto& ind : plan.indicators()) {
    if (ind.kind() == registry::v1::INDICATOR_KIND_MANDATORY_KGI &&
        (ind.mandatory_kgi() == registry::v1::MANDATORY_KGI_LABOR_PRODUCTIVITY ||
         ind.mandatory_kgi() == registry::v1::MANDATORY_KGI_LABOR_PRODUCTIVITY_RATE) &&
        HasTarget(ind)) {
      Decide(r, kSatisfied, absl::StrCat("労働生産性の目標: ", ind.id()),
             absl::StrCat("Labour productivity target: ", ind.id()));
      return;
    }
  }
  Decide(r, kNotSatisfied, "一人当たり付加価値労働生産性の目標値がありません。",
         "No target for per-worker value-added labour productivity.",
         "該当する場合は、労働生産性の増加額又は増加率（LABOR_PRODUCTIVITY / _RATE）の目標値を設定してください。",
         "Where it fits, set a target of labour productivity (LABOR_PRODUCTIVITY or "
         "LABOR_PRODUCTIVITY_RATE).");
}

void JointAuthorship(const Plan& plan, RequirementResult* r) {
  std::set<std::string> prefectures(plan.area().prefecture_codes().begin(),
                                    plan.area().prefecture_codes().end());
  const bool municipal_lead =
      !plan.lead_author_code().empty() && !IsPrefectureCode(plan.lead_author_code());
  const int governments = prefectures.size() > 1 ? static_cast<int>(prefectures.size())
                          : municipal_lead        ? plan.area().municipality_codes_size()
                                                  : 1;
  if (governments < 2) {
    Decide(r, kNotApplicable, "計画の区域は一つの団体の中にあります。",
           "The plan's area lies within one government.");
  } else if (plan.authors_size() >= 2) {
    Decide(r, kSatisfied,
           absl::StrCat(governments, "団体にまたがる区域を", plan.authors_size(), "団体で共同策定しています。"),
           absl::StrCat("The area spans ", governments, " governments; ", plan.authors_size(),
                        " authors draft it jointly."));
  } else {
    Decide(r, kNotSatisfied,
           absl::StrCat("区域が", governments, "団体にまたがりますが、策定主体は1団体です。"),
           absl::StrCat("The area spans ", governments, " governments but the plan has one author."),
           "区域内の関係団体を共同策定主体（authors）に加えることを検討してください。",
           "Consider adding the other governments of the area as co-authors.");
  }
}

void CountKind(const Plan& plan, registry::v1::IndicatorKind kind, const char* what_ja,
               const char* what_en, RequirementResult* r) {
  std::vector<std::string> ids;
  for (const auto& ind : plan.indicators()) {
    if (ind.kind() == kind) ids.push_back(ind.id());
  }
  if (!ids.empty()) {
    const std::string list = absl::StrJoin(ids, ", ");
    Decide(r, kSatisfied, absl::StrCat(what_ja, ": ", list), absl::StrCat(what_en, ": ", list));
  } else {
    Decide(r, kNotSatisfied, absl::StrCat(what_ja, "がありません。"),
           absl::StrCat("No ", what_en, "."), absl::StrCat(what_ja, "を設定してください。"),
           absl::StrCat("Add ", what_en, " to indicators."));
  }
}

void Milestones(const Plan& plan, const Ruleset& rules, RequirementResult* r) {
  const int gap = rules.milestone_max_gap_fiscal_years;
  int considered = 0;
  std::vector<std::string> sparse;
  for (const auto& ind : plan.indicators()) {
    const int from = ind.baseline().period().fiscal_year();
    const int to = ind.target().period().fiscal_year();
    if (from == 0 || to == 0 || to <= from) continue;
    ++considered;
    std::vector<int> years = {from, to};
    for (const auto& m : ind.milestones()) {
      const int y = m.period().fiscal_year();
      if (y > from && y < to) years.push_back(y);
    }
    std::sort(years.begin(), years.end());
    for (size_t i = 1; i < years.size(); ++i) {
      if (years[i] - years[i - 1] > gap) {
        sparse.push_back(ind.id());
        break;
      }
    }
  }
  if (considered == 0) {
    Decide(r, kNotApplicable, "基準年度と目標年度のある指標がありません。",
           "No indicator has both a baseline year and a later target year.");
  } else if (sparse.empty()) {
    Decide(r, kSatisfied,
           absl::StrCat("指標", considered, "件すべてに", gap, "年度以内ごとの中間目標があります。"),
           absl::StrCat("All ", considered, " indicator(s) have a milestone at least every ", gap,
                        " fiscal year(s)."));
  } else {
    const std::string ids = absl::StrJoin(sparse, ", ");
    Decide(r, kNotSatisfied,
           absl::StrCat("中間目標の間隔が", gap, "年度を超える指標: ", ids),
           absl::StrCat("Indicators with more than ", gap, " fiscal year(s) between milestones: ", ids),
           "基準年度から目標年度まで、各年度に中間目標（milestones）を設定してください。",
           "Add milestones so that every fiscal year between baseline and target has one.");
  }
}

}  // namespace

bool IsAttestedRequirement(PlanType type, absl::string_view id) {
  switch (type) {
    case registry::v1::PLAN_TYPE_A:
      return id == "A2" || id == "A3";
    case registry::v1::PLAN_TYPE_B:
      return id == "B1" || id == "B2" || id == "B4";
    case registry::v1::PLAN_TYPE_C:
      return id == "C1" || id == "C3";
    default:
      return false;
  }
}

bool AttractsFromOutside(const Plan& plan) {
  for (const auto& ci : plan.core_investments()) {
    if (ci.attracted_from_outside_region()) return true;
  }
  for (const auto& pc : plan.priority_companies()) {
    if (pc.attracted_from_outside_region()) return true;
  }
  return false;
}

std::string AttestationDigest(const Plan& plan, absl::string_view id) {
  const registry::v1::Attestation* a = FindAttestation(plan, id);
  if (a == nullptr) return "";
  // Length-prefixed parts: no two different contents give the same input.
  std::string data;
  auto part = [&data](absl::string_view s) { absl::StrAppend(&data, s.size(), ":", s, ";"); };
  part(id);
  part(a->statement());
  part(a->evidence());
  if (id == "B2") {
    std::vector<std::string> attracted;
    for (const auto& ci : plan.core_investments()) {
      if (ci.attracted_from_outside_region()) attracted.push_back(ci.company_name());
    }
    for (const auto& pc : plan.priority_companies()) {
      if (pc.attracted_from_outside_region()) attracted.push_back(pc.name());
    }
    std::sort(attracted.begin(), attracted.end());
    for (const auto& name : attracted) part(name);
  }
  return Sha256Hex(data);
}

v1::Report Evaluate(const Plan& plan, const Ruleset& rules, const ReviewMap& reviews) {
  v1::Report report;
  report.set_plan(plan.name());
  report.set_plan_version(plan.version());
  report.set_content_version(plan.content_version());
  report.set_plan_type(plan.type());
  report.set_title(plan.title());
  report.set_ruleset_version(rules.version);

  const bool c = plan.type() == registry::v1::PLAN_TYPE_C;
  switch (plan.type()) {
    case registry::v1::PLAN_TYPE_A:
      StrategicFields(plan, Add(&report, kA1));
      Attested(plan, kA2, reviews, Add(&report, kA2));
      Attested(plan, kA3, reviews, Add(&report, kA3));
      LargeInvestment(plan, rules, Add(&report, kA4));
      Infrastructure(plan, Add(&report, kA5));
      BusinessLinks(plan, Add(&report, kA6));
      GoodJobs(plan, Add(&report, kA7));
      PlanContents(plan, Add(&report, kAContents));
      break;
    case registry::v1::PLAN_TYPE_B: {
      Attested(plan, kB1, reviews, Add(&report, kB1));
      RequirementResult* b2 = Add(&report, kB2);
      if (AttractsFromOutside(plan)) {
        Attested(plan, kB2, reviews, b2);
      } else {
        Decide(b2, kNotApplicable, "域外から誘致する企業がありません。",
               "No company is attracted from outside the region.");
      }
      RippleTargets(plan, Add(&report, kB3));
      Attested(plan, kB4, reviews, Add(&report, kB4));
      break;
    }
    case registry::v1::PLAN_TYPE_C:
      Attested(plan, kC1, reviews, Add(&report, kC1));
      RippleTargets(plan, Add(&report, kC2));
      Attested(plan, kC3, reviews, Add(&report, kC3));
      break;
    default:
      break;
  }

  RequirementResult* capex = Add(&report, kKgiCapex);
  RequirementResult* talent = nullptr;
  if (c) {
    Decide(capex, kNotApplicable, "C類型では必須KGIではありません。",
           "Not a mandatory KGI of type C plans.");
  } else {
    MandatoryKgi(plan, registry::v1::MANDATORY_KGI_CAPEX, "官民設備投資額",
                 "public-private capital investment", capex);
  }
  MandatoryKgi(plan, registry::v1::MANDATORY_KGI_VALUE_ADDED, "付加価値増加額",
               "increase in value added", Add(&report, kKgiValueAdded));
  talent = Add(&report, kKgiTalent);
  if (c) {
    Decide(talent, kNotApplicable, "C類型では必須KGIではありません。",
           "Not a mandatory KGI of type C plans.");
  } else {
    MandatoryKgi(plan, registry::v1::MANDATORY_KGI_TALENT, "産業ニーズに即した人材育成数",
                 "people trained to industry needs", talent);
  }
  LaborProductivity(plan, Add(&report, kKgiLabor));

  JointAuthorship(plan, Add(&report, kRecJoint));
  CountKind(plan, registry::v1::INDICATOR_KIND_OWN_KGI, "独自KGI", "own KGI",
            Add(&report, kRecOwnKgi));
  CountKind(plan, registry::v1::INDICATOR_KIND_KPI, "KPI", "KPI", Add(&report, kRecKpi));
  Milestones(plan, rules, Add(&report, kRecMilestones));

  report.set_verdict(VerdictOf(report));
  return report;
}

common::v1::CheckVerdict VerdictOf(const v1::Report& report) {
  bool pending = false;
  for (const auto& r : report.results()) {
    if (r.severity() != v1::SEVERITY_REQUIRED) continue;
    if (r.status() == kNotSatisfied) return common::v1::CHECK_VERDICT_FAIL;
    if (r.status() == kNeedsReview) pending = true;
  }
  return pending ? common::v1::CHECK_VERDICT_PENDING_REVIEW : common::v1::CHECK_VERDICT_PASS;
}

common::v1::RequirementCheckSummary Summarize(const v1::Report& report) {
  common::v1::RequirementCheckSummary s;
  s.set_verdict(report.verdict());
  s.set_ruleset_version(report.ruleset_version());
  s.set_plan_version(report.plan_version());
  s.set_content_version(report.content_version());
  *s.mutable_check_time() = report.check_time();
  for (const auto& r : report.results()) {
    if (r.severity() != v1::SEVERITY_REQUIRED) continue;
    if (r.status() == kNotSatisfied) s.add_unmet_requirement_ids(r.id());
    if (r.status() == kNeedsReview) s.add_pending_requirement_ids(r.id());
  }
  return s;
}

}  // namespace rfs::requirements
