#include "common/domain/plan_validation.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/codes.h"
#include "common/domain/fiscal.h"
#include "common/domain/money.h"
#include "common/domain/priority_figures.h"

namespace rfs {

namespace v1 = registry::v1;

namespace {

using common::v1::FiscalPeriod;
using v1::Indicator;
using v1::Plan;
using v1::PlanType;

absl::Status Invalid(absl::string_view field, absl::string_view rule_ja,
                     absl::string_view rule_en) {
  return InvalidField(field, rule_ja, rule_en);
}

std::string At(absl::string_view list, int i) { return absl::StrCat(list, "[", i, "]"); }

// Validates a code in place (5 digits are completed with the check digit).
absl::Status NormalizeCode(std::string* code, absl::string_view field) {
  ASSIGN_OR_RETURN(*code, NormalizeLocalGovernmentCode(*code, field));
  return absl::OkStatus();
}

absl::Status CheckCount(size_t n, size_t max, absl::string_view field) {
  if (n > max) {
    return Invalid(field, absl::StrCat(n, "件は多すぎます。", max, "件以内にしてください"),
                   absl::StrCat(n, " items is too many (at most ", max, ")"));
  }
  return absl::OkStatus();
}

template <typename Enum>
absl::Status CheckEnum(Enum value, bool (*is_valid)(int), bool required,
                       absl::string_view field) {
  if (!is_valid(static_cast<int>(value))) {
    return Invalid(field,
                   absl::StrCat("値 ", static_cast<int>(value),
                                " は定義されていません。定義済みの値を指定してください"),
                   absl::StrCat("unknown value ", static_cast<int>(value)));
  }
  if (required && static_cast<int>(value) == 0) {
    return Invalid(field, "必須です。値を指定してください", "required");
  }
  return absl::OkStatus();
}

absl::Status CheckPeriod(const FiscalPeriod& p, absl::string_view field) {
  return ValidateFiscalPeriod(p, field);
}

bool PeriodSet(const FiscalPeriod& p) { return p.fiscal_year() != 0; }

class Validator {
 public:
  Validator(const ReferenceData& reference, const PlanLimits& limits, Plan* plan)
      : ref_(reference), limits_(limits), plan_(*plan) {}

  absl::Status Run() {
    // Size first: a plan too large to store is refused before any work on its fields.
    if (const size_t bytes = plan_.ByteSizeLong(); bytes > limits_.serialized_bytes) {
      return Invalid("plan",
                     absl::StrCat("計画のサイズが ", bytes / 1024, " KiB あり、上限の ",
                                  limits_.serialized_bytes / 1024,
                                  " KiB を超えています。計画を分割するか、本文やリストを短くして"
                                  "ください"),
                     absl::StrCat("is ", bytes / 1024, " KiB, larger than the ",
                                  limits_.serialized_bytes / 1024,
                                  " KiB a plan may have; split it, or shorten its "
                                  "texts and lists"));
    }
    RETURN_IF_ERROR(CheckEnum(plan_.type(), v1::PlanType_IsValid, true, "type"));
    RETURN_IF_ERROR(ValidateText(plan_.title(), "title", {limits_.title_chars, true, false}));
    RETURN_IF_ERROR(
        ValidateText(plan_.summary(), "summary", {limits_.summary_chars, false, true}));
    RETURN_IF_ERROR(Area());
    RETURN_IF_ERROR(Authors());
    RETURN_IF_ERROR(Fields());
    RETURN_IF_ERROR(Period());
    RETURN_IF_ERROR(CoreInvestments());
    RETURN_IF_ERROR(Stakeholders());
    RETURN_IF_ERROR(Issues());
    RETURN_IF_ERROR(PriorityCompanies());
    RETURN_IF_ERROR(Attestations());
    RETURN_IF_ERROR(Indicators());
    return absl::OkStatus();
  }

 private:
  bool InArea(const std::string& code6) const {
    return area_prefectures_.contains(PrefectureOf(code6));
  }

  absl::Status Area() {
    v1::Area* area = plan_.mutable_area();
    if (area->prefecture_codes().empty()) {
      return Invalid("area.prefecture_codes", "都道府県を1つ以上記載してください",
                     "at least one prefecture is required");
    }
    RETURN_IF_ERROR(CheckCount(area->prefecture_codes_size(), limits_.prefectures,
                               "area.prefecture_codes"));
    for (int i = 0; i < area->prefecture_codes_size(); ++i) {
      const std::string field = At("area.prefecture_codes", i);
      std::string* code = area->mutable_prefecture_codes(i);
      RETURN_IF_ERROR(NormalizeCode(code, field));
      if (!IsPrefectureCode(*code)) {
        return Invalid(field,
                       absl::StrCat("'", *code,
                                    "' は市区町村コードです。市区町村は area.municipality_codes "
                                    "に記載してください"),
                       absl::StrCat("'", *code,
                                    "' is a municipality code; list municipalities in "
                                    "area.municipality_codes"));
      }
      if (ref_.FindPrefecture(*code) == nullptr) {
        return Invalid(field,
                       absl::StrCat("都道府県コード ", *code,
                                    " は登録されていません。正しいコードを記載してください"),
                       absl::StrCat("unknown prefecture ", *code));
      }
      if (!area_prefectures_.insert(*code).second) {
        return Invalid(field, absl::StrCat("都道府県 ", *code, " は2回記載されています"),
                       absl::StrCat("prefecture ", *code, " is listed twice"));
      }
    }
    const bool single_prefecture_type =
        plan_.type() == v1::PLAN_TYPE_B || plan_.type() == v1::PLAN_TYPE_C;
    if (single_prefecture_type && area->prefecture_codes_size() != 1) {
      return Invalid("area.prefecture_codes",
                     absl::StrCat(PlanTypeLetter(plan_.type()),
                                  "類型の計画の対象地域は1つの都道府県です（現在 ",
                                  area->prefecture_codes_size(),
                                  " 件記載されています）。都道府県を1つにしてください"),
                     absl::StrCat("a type ", PlanTypeLetter(plan_.type()),
                                  " plan covers exactly one prefecture (it has ",
                                  area->prefecture_codes_size(), ")"));
    }

    RETURN_IF_ERROR(CheckCount(area->municipality_codes_size(), limits_.municipalities,
                               "area.municipality_codes"));
    absl::flat_hash_set<std::string> seen;
    for (int i = 0; i < area->municipality_codes_size(); ++i) {
      const std::string field = At("area.municipality_codes", i);
      std::string* code = area->mutable_municipality_codes(i);
      RETURN_IF_ERROR(NormalizeCode(code, field));
      if (IsPrefectureCode(*code)) {
        return Invalid(field,
                       absl::StrCat("'", *code,
                                    "' は都道府県コードです。都道府県は area.prefecture_codes "
                                    "に記載してください"),
                       absl::StrCat("'", *code,
                                    "' is a prefecture code; list prefectures in "
                                    "area.prefecture_codes"));
      }
      if (!InArea(*code)) {
        return Invalid(field,
                       absl::StrCat("市区町村 ", *code,
                                    " は area.prefecture_codes のいずれの都道府県にも属していません"
                                    "（所属する都道府県は ",
                                    PrefectureOf(*code), " です）"),
                       absl::StrCat("municipality ", *code, " is not in any prefecture of "
                                    "area.prefecture_codes (its prefecture is ",
                                    PrefectureOf(*code), ")"));
      }
      if (!seen.insert(*code).second) {
        return Invalid(field, absl::StrCat("市区町村 ", *code, " は2回記載されています"),
                       absl::StrCat("municipality ", *code, " is listed twice"));
      }
      area_municipalities_.insert(*code);
    }

    RETURN_IF_ERROR(CheckCount(area->enclaves_size(), limits_.enclaves, "area.enclaves"));
    for (int i = 0; i < area->enclaves_size(); ++i) {
      const std::string field = At("area.enclaves", i);
      v1::Enclave* enclave = area->mutable_enclaves(i);
      RETURN_IF_ERROR(NormalizeCode(enclave->mutable_local_government_code(),
                                    field + ".local_government_code"));
      const std::string& code = enclave->local_government_code();
      const bool inside = IsPrefectureCode(code)
                              ? area_prefectures_.contains(code)
                              : (InArea(code) && (area->municipality_codes().empty() ||
                                                  area_municipalities_.contains(code)));
      if (inside) {
        return Invalid(field + ".local_government_code",
                       absl::StrCat(code,
                                    " は計画の対象地域内にあります。飛び地には対象地域の外にある"
                                    "団体を記載してください"),
                       absl::StrCat(code, " is inside the plan's area; an enclave (飛び地) lies "
                                          "outside it"));
      }
      RETURN_IF_ERROR(ValidateText(enclave->reason(), field + ".reason",
                                   {limits_.text_chars, false, true}));
    }

    // Block: required for A; derived from the prefecture for B and C.
    if (single_prefecture_type) {
      const PrefectureInfo* pref = ref_.FindPrefecture(area->prefecture_codes(0));
      if (!area->block().empty() && area->block() != pref->block) {
        return Invalid("area.block",
                       absl::StrCat(pref->name_ja, "のブロックは ", pref->block, " で、",
                                    area->block(),
                                    " ではありません（B類型・C類型の計画では area.block を空欄に"
                                    "してください）"),
                       absl::StrCat(pref->name_en, " is in block ", pref->block,
                                    ", not ", area->block(),
                                    " (leave area.block empty for type B and C)"));
      }
      area->set_block(pref->block);
    } else {
      if (area->block().empty()) {
        return Invalid("area.block",
                       "A類型の計画では必須です。ブロックを記載してください（例: HOKURIKU）",
                       "required for a type A plan (e.g. HOKURIKU)");
      }
      if (ref_.FindBlock(area->block()) == nullptr) {
        std::vector<std::string> ids;
        for (const auto& b : ref_.blocks()) ids.push_back(b.id);
        return Invalid("area.block",
                       absl::StrCat("ブロック '", Excerpt(area->block()),
                                    "' は登録されていません。次のいずれかを記載してください: ",
                                    absl::StrJoin(ids, ", ")),
                       absl::StrCat("unknown block '", Excerpt(area->block()), "' (one of ",
                                    absl::StrJoin(ids, ", "), ")"));
      }
      // The block is who reviews and drafts the plan (its bureau): the area lies inside it;
      // places beyond it belong in area.enclaves.
      for (int i = 0; i < area->prefecture_codes_size(); ++i) {
        const PrefectureInfo* pref = ref_.FindPrefecture(area->prefecture_codes(i));
        if (pref->block != area->block()) {
          return Invalid(At("area.prefecture_codes", i),
                         absl::StrCat(pref->name_ja, "（", pref->local_government_code,
                                      "）のブロックは ", pref->block, " で、", area->block(),
                                      " ではありません。ブロック外の地域は area.enclaves "
                                      "に記載してください"),
                         absl::StrCat(pref->name_en, " (", pref->local_government_code,
                                      ") is in block ", pref->block, ", not ", area->block(),
                                      "; list places outside the block in area.enclaves"));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status Authors() {
    if (plan_.authors().empty()) {
      return Invalid("authors", "計画策定主体の地方公共団体を1つ以上記載してください",
                     "at least one authoring local government is required");
    }
    RETURN_IF_ERROR(CheckCount(plan_.authors_size(), limits_.authors, "authors"));
    absl::flat_hash_set<std::string> codes;
    for (int i = 0; i < plan_.authors_size(); ++i) {
      const std::string field = At("authors", i);
      v1::Author* author = plan_.mutable_authors(i);
      RETURN_IF_ERROR(NormalizeCode(author->mutable_local_government_code(),
                                    field + ".local_government_code"));
      const std::string& code = author->local_government_code();
      if (!codes.insert(code).second) {
        return Invalid(field + ".local_government_code",
                       absl::StrCat(code, " は2回記載されています"),
                       absl::StrCat(code, " is listed twice"));
      }
      // Authors govern the area. Only a type A (cross-prefecture) plan may also be authored
      // by a government of one of its enclaves.
      bool enclave = false;
      if (plan_.type() == v1::PLAN_TYPE_A) {
        for (const auto& e : plan_.area().enclaves()) {
          enclave |= e.local_government_code() == code ||
                     e.local_government_code() == PrefectureOf(code);
        }
      }
      const bool listed_municipality =
          IsPrefectureCode(code) || plan_.area().municipality_codes().empty() ||
          area_municipalities_.contains(code);
      if ((!InArea(code) || !listed_municipality) && !enclave) {
        return Invalid(field + ".local_government_code",
                       absl::StrCat(code, " は計画の対象地域（",
                                    InArea(code) ? "area.municipality_codes"
                                                 : "area.prefecture_codes",
                                    "）の外にあります"),
                       absl::StrCat(code, " is outside the plan's area (",
                                    InArea(code) ? "area.municipality_codes"
                                                 : "area.prefecture_codes",
                                    ")"));
      }
      if (IsPrefectureCode(code) && author->name().empty()) {
        if (const PrefectureInfo* p = ref_.FindPrefecture(code)) author->set_name(p->name_ja);
      }
      RETURN_IF_ERROR(
          ValidateText(author->name(), field + ".name", {limits_.short_chars, false, false}));
    }
    if (plan_.lead_author_code().empty()) {
      return Invalid("lead_author_code",
                     "必須です。代表団体の地方公共団体コードを記載してください",
                     "required: the code of the lead author (代表団体)");
    }
    RETURN_IF_ERROR(NormalizeCode(plan_.mutable_lead_author_code(), "lead_author_code"));
    if (!codes.contains(plan_.lead_author_code())) {
      return Invalid("lead_author_code",
                     absl::StrCat(plan_.lead_author_code(),
                                  " は計画策定主体（authors）に含まれていません。authors "
                                  "に記載した団体から代表団体を選んでください"),
                     absl::StrCat(plan_.lead_author_code(), " is not one of the authors"));
    }
    if (plan_.type() == v1::PLAN_TYPE_B &&
        plan_.lead_author_code() != plan_.area().prefecture_codes(0)) {
      return Invalid("lead_author_code",
                     absl::StrCat("B類型の計画の代表団体は都道府県（知事）です。代表団体には ",
                                  plan_.area().prefecture_codes(0), " を記載してください"),
                     absl::StrCat("a type B plan is led by its prefecture (the governor); the lead "
                                  "author must be ",
                                  plan_.area().prefecture_codes(0)));
    }
    return absl::OkStatus();
  }

  absl::Status Fields() {
    RETURN_IF_ERROR(CheckCount(plan_.strategic_fields_size(), ref_.strategic_fields().size(),
                               "strategic_fields"));
    absl::flat_hash_set<std::string> seen;
    for (int i = 0; i < plan_.strategic_fields_size(); ++i) {
      const std::string& id = plan_.strategic_fields(i);
      if (ref_.FindStrategicField(id) == nullptr) {
        return Invalid(At("strategic_fields", i),
                       absl::StrCat("戦略分野 '", Excerpt(id),
                                    "' は登録されていません（ListReferenceData で確認してください。"
                                    "例: AI_SEMICONDUCTOR）"),
                       absl::StrCat("unknown strategic field '", Excerpt(id),
                                    "' (see ListReferenceData, e.g. AI_SEMICONDUCTOR)"));
      }
      if (!seen.insert(id).second) {
        return Invalid(At("strategic_fields", i), absl::StrCat(id, " は2回記載されています"),
                       absl::StrCat(id, " is listed twice"));
      }
    }
    RETURN_IF_ERROR(CheckCount(plan_.other_fields_size(), limits_.other_fields, "other_fields"));
    for (int i = 0; i < plan_.other_fields_size(); ++i) {
      RETURN_IF_ERROR(ValidateText(plan_.other_fields(i), At("other_fields", i),
                                   {limits_.short_chars, true, false}));
    }
    return absl::OkStatus();
  }

  absl::Status Period() {
    const v1::PlanPeriod& p = plan_.period();
    if (p.start_fiscal_year() == 0 || p.end_fiscal_year() == 0) {
      return Invalid("period",
                     "計画期間の start_fiscal_year（開始年度）と end_fiscal_year（終了年度）は"
                     "必須です（例: 2026 と 2030）",
                     "start_fiscal_year and end_fiscal_year are required (e.g. 2026 "
                     "and 2030)");
    }
    FiscalPeriod start, end;
    start.set_fiscal_year(p.start_fiscal_year());
    end.set_fiscal_year(p.end_fiscal_year());
    RETURN_IF_ERROR(CheckPeriod(start, "period.start"));
    RETURN_IF_ERROR(CheckPeriod(end, "period.end"));
    if (p.end_fiscal_year() < p.start_fiscal_year()) {
      return Invalid("period.end_fiscal_year",
                     absl::StrCat("終了年度 ", p.end_fiscal_year(),
                                  " が開始年度 start_fiscal_year（", p.start_fiscal_year(),
                                  "）より前です。終了年度は開始年度以降にしてください"),
                     absl::StrCat(p.end_fiscal_year(), " is before start_fiscal_year ",
                                  p.start_fiscal_year()));
    }
    return absl::OkStatus();
  }

  absl::Status OptionalCode(std::string* code, const std::string& field) {
    if (code->empty()) return absl::OkStatus();
    return NormalizeCode(code, field);
  }

  absl::Status OptionalCorporateNumber(const std::string& number, const std::string& field) {
    if (number.empty()) return absl::OkStatus();
    return ValidateCorporateNumber(number, field);
  }

  absl::Status CoreInvestments() {
    RETURN_IF_ERROR(
        CheckCount(plan_.core_investments_size(), limits_.list_items, "core_investments"));
    absl::flat_hash_set<std::string> ids;
    for (const auto& ci : plan_.core_investments()) {
      if (!ci.id().empty()) ids.insert(ci.id());
    }
    absl::flat_hash_set<std::string> seen;
    int next_id = 1;
    for (int i = 0; i < plan_.core_investments_size(); ++i) {
      const std::string field = At("core_investments", i);
      v1::CoreInvestment* ci = plan_.mutable_core_investments(i);
      if (ci->id().empty()) {
        while (ids.contains(absl::StrCat("ci-", next_id))) ++next_id;
        ci->set_id(absl::StrCat("ci-", next_id));
        ids.insert(ci->id());
      }
      RETURN_IF_ERROR(CheckId(ci->id(), field + ".id"));
      if (!seen.insert(ci->id()).second) {
        return Invalid(field + ".id",
                       absl::StrCat("'", Excerpt(ci->id()),
                                    "' は2回使われています。別の id を指定してください"),
                       absl::StrCat("'", Excerpt(ci->id()), "' is used twice"));
      }
      RETURN_IF_ERROR(ValidateText(ci->company_name(), field + ".company_name",
                                   {limits_.name_chars, true, false}));
      RETURN_IF_ERROR(OptionalCorporateNumber(ci->corporate_number(), field + ".corporate_number"));
      RETURN_IF_ERROR(OptionalCode(ci->mutable_location_code(), field + ".location_code"));
      RETURN_IF_ERROR(ValidateText(ci->site_name(), field + ".site_name",
                                   {limits_.name_chars, false, false}));
      if (ci->has_amount_yen()) RETURN_IF_ERROR(ValidateYen(ci->amount_yen(), field + ".amount_yen"));
      RETURN_IF_ERROR(ValidateText(ci->capacity(), field + ".capacity",
                                   {limits_.short_chars * 5, false, false}));
      if (ci->has_start()) RETURN_IF_ERROR(CheckPeriod(ci->start(), field + ".start"));
      RETURN_IF_ERROR(CheckEnum(ci->status(), v1::InvestmentStatus_IsValid, false,
                                field + ".status"));
      RETURN_IF_ERROR(ValidateText(ci->description(), field + ".description",
                                   {limits_.text_chars, false, true}));
    }
    return absl::OkStatus();
  }

  absl::Status Stakeholders() {
    RETURN_IF_ERROR(CheckCount(plan_.stakeholders_size(), limits_.list_items, "stakeholders"));
    for (int i = 0; i < plan_.stakeholders_size(); ++i) {
      const std::string field = At("stakeholders", i);
      const v1::Stakeholder& s = plan_.stakeholders(i);
      RETURN_IF_ERROR(CheckEnum(s.kind(), v1::StakeholderKind_IsValid, true, field + ".kind"));
      RETURN_IF_ERROR(ValidateText(s.name(), field + ".name", {limits_.name_chars, true, false}));
      RETURN_IF_ERROR(
          ValidateText(s.action(), field + ".action", {limits_.text_chars, false, true}));
    }
    return absl::OkStatus();
  }

  absl::Status Issues() {
    RETURN_IF_ERROR(CheckCount(plan_.policy_issues_size(), limits_.issues, "policy_issues"));
    for (int i = 0; i < plan_.policy_issues_size(); ++i) {
      const std::string field = At("policy_issues", i);
      const v1::PolicyIssue& p = plan_.policy_issues(i);
      RETURN_IF_ERROR(
          CheckEnum(p.category(), v1::PolicyIssueCategory_IsValid, true, field + ".category"));
      RETURN_IF_ERROR(ValidateText(p.description(), field + ".description",
                                   {limits_.text_chars, true, true}));
      RETURN_IF_ERROR(
          ValidateText(p.measures(), field + ".measures", {limits_.text_chars, false, true}));
    }
    RETURN_IF_ERROR(
        CheckCount(plan_.infrastructure_needs_size(), limits_.issues, "infrastructure_needs"));
    for (int i = 0; i < plan_.infrastructure_needs_size(); ++i) {
      const std::string field = At("infrastructure_needs", i);
      v1::InfrastructureNeed* n = plan_.mutable_infrastructure_needs(i);
      RETURN_IF_ERROR(CheckEnum(n->kind(), v1::InfrastructureKind_IsValid, true, field + ".kind"));
      RETURN_IF_ERROR(ValidateText(n->description(), field + ".description",
                                   {limits_.text_chars, true, true}));
      RETURN_IF_ERROR(OptionalCode(n->mutable_location_code(), field + ".location_code"));
    }
    RETURN_IF_ERROR(CheckCount(plan_.support_measures_size(), limits_.issues, "support_measures"));
    for (int i = 0; i < plan_.support_measures_size(); ++i) {
      const std::string field = At("support_measures", i);
      const v1::SupportMeasure& m = plan_.support_measures(i);
      RETURN_IF_ERROR(CheckEnum(m.kind(), v1::SupportMeasureKind_IsValid, true, field + ".kind"));
      RETURN_IF_ERROR(ValidateText(m.description(), field + ".description",
                                   {limits_.text_chars, true, true}));
      RETURN_IF_ERROR(
          ValidateText(m.ministry(), field + ".ministry", {limits_.short_chars, false, false}));
    }
    return absl::OkStatus();
  }

  absl::Status PriorityCompanies() {
    const bool is_b = plan_.type() == v1::PLAN_TYPE_B;
    if (!is_b && plan_.priority_companies_size() > 0) {
      return Invalid("priority_companies",
                     "重点支援企業を記載できるのはB類型の計画のみです",
                     "only type B plans have priority-support companies (重点支援企業)");
    }
    if (!is_b && plan_.has_prefecture_totals()) {
      return Invalid("prefecture_totals",
                     "コネクター度・ハブ度の算定に使う都道府県全体の合計値を記載できるのは"
                     "B類型の計画のみです",
                     "only type B plans carry prefecture totals for connector and hub degrees");
    }
    RETURN_IF_ERROR(
        CheckCount(plan_.priority_companies_size(), limits_.list_items, "priority_companies"));
    for (int i = 0; i < plan_.priority_companies_size(); ++i) {
      const std::string field = At("priority_companies", i);
      const v1::PriorityCompany& c = plan_.priority_companies(i);
      RETURN_IF_ERROR(ValidateText(c.name(), field + ".name", {limits_.name_chars, true, false}));
      RETURN_IF_ERROR(OptionalCorporateNumber(c.corporate_number(), field + ".corporate_number"));
      if (c.has_sales_outside_prefecture_yen()) {
        RETURN_IF_ERROR(ValidateYen(c.sales_outside_prefecture_yen(),
                                    field + ".sales_outside_prefecture_yen"));
      }
      if (c.has_purchases_inside_prefecture_yen()) {
        RETURN_IF_ERROR(ValidateYen(c.purchases_inside_prefecture_yen(),
                                    field + ".purchases_inside_prefecture_yen"));
      }
    }
    // Company figures against the totals: the same rule the connector and hub degrees use.
    RETURN_IF_ERROR(CheckPriorityFigures(plan_.priority_companies(), plan_.prefecture_totals(),
                                         "priority_companies", "prefecture_totals"));
    if (plan_.has_prefecture_totals()) {
      const v1::PrefectureTotals& t = plan_.prefecture_totals();
      if (t.fiscal_year() != 0) {
        FiscalPeriod p;
        p.set_fiscal_year(t.fiscal_year());
        RETURN_IF_ERROR(CheckPeriod(p, "prefecture_totals"));
      }
      if (t.has_sales_outside_prefecture_yen()) {
        RETURN_IF_ERROR(ValidateYen(t.sales_outside_prefecture_yen(),
                                    "prefecture_totals.sales_outside_prefecture_yen"));
      }
      if (t.has_purchases_inside_prefecture_yen()) {
        RETURN_IF_ERROR(ValidateYen(t.purchases_inside_prefecture_yen(),
                                    "prefecture_totals.purchases_inside_prefecture_yen"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Attestations() {
    RETURN_IF_ERROR(CheckCount(plan_.attestations_size(), limits_.attestations, "attestations"));
    absl::flat_hash_set<std::string> seen;
    for (int i = 0; i < plan_.attestations_size(); ++i) {
      const std::string field = At("attestations", i);
      const v1::Attestation& a = plan_.attestations(i);
      if (!IsRequirementIdOfType(plan_.type(), a.requirement_id())) {
        const char* ids = plan_.type() == v1::PLAN_TYPE_A   ? "A1..A7"
                          : plan_.type() == v1::PLAN_TYPE_B ? "B1..B4"
                                                            : "C1..C3";
        return Invalid(field + ".requirement_id",
                       absl::StrCat("'", Excerpt(a.requirement_id()), "' は",
                                    PlanTypeLetter(plan_.type()),
                                    "類型の計画の要件ではありません（", ids,
                                    " のいずれかを記載してください）"),
                       absl::StrCat("'", Excerpt(a.requirement_id()),
                                    "' is not a requirement of a type ",
                                    PlanTypeLetter(plan_.type()), " plan (", ids, ")"));
      }
      if (!seen.insert(a.requirement_id()).second) {
        return Invalid(field + ".requirement_id",
                       absl::StrCat(a.requirement_id(),
                                    " の要件の説明が2回記載されています。1つにまとめてください"),
                       absl::StrCat(a.requirement_id(), " is attested twice"));
      }
      RETURN_IF_ERROR(
          ValidateText(a.statement(), field + ".statement", {limits_.text_chars, true, true}));
      RETURN_IF_ERROR(
          ValidateText(a.evidence(), field + ".evidence", {limits_.text_chars, false, true}));
    }
    return absl::OkStatus();
  }

  static absl::Status CheckId(const std::string& id, const std::string& field) {
    bool ok = !id.empty() && id.size() <= 64 && absl::ascii_isalnum(id[0]);
    for (char c : id) {
      ok &= absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
    }
    if (!ok) {
      return Invalid(field,
                     absl::StrCat("'", Excerpt(id),
                                  "' は使用できません。英小文字・数字・'-' の1〜64文字で、"
                                  "先頭を英小文字か数字にしてください"),
                     absl::StrCat("'", Excerpt(id),
                                  "' must be 1..64 lower-case letters, digits or '-', "
                                  "starting with a letter or digit"));
    }
    return absl::OkStatus();
  }

  struct KgiRule {
    v1::MandatoryKgi kgi;
    v1::IndicatorUnit unit;
    const char* types;  // plan type letters that may have it
  };

  static const KgiRule* FindKgiRule(v1::MandatoryKgi kgi) {
    static constexpr KgiRule kRules[] = {
        {v1::MANDATORY_KGI_CAPEX, v1::INDICATOR_UNIT_YEN, "AB"},
        {v1::MANDATORY_KGI_VALUE_ADDED, v1::INDICATOR_UNIT_YEN, "ABC"},
        {v1::MANDATORY_KGI_TALENT, v1::INDICATOR_UNIT_PERSONS, "AB"},
        {v1::MANDATORY_KGI_LABOR_PRODUCTIVITY, v1::INDICATOR_UNIT_YEN_PER_WORKER, "C"},
        {v1::MANDATORY_KGI_LABOR_PRODUCTIVITY_RATE, v1::INDICATOR_UNIT_PERCENT, "C"},
    };
    for (const auto& r : kRules) {
      if (r.kgi == kgi) return &r;
    }
    return nullptr;
  }

  absl::Status Value(const Indicator& ind, int64_t value, const std::string& field) {
    const bool non_negative = ind.unit() == v1::INDICATOR_UNIT_YEN ||
                              ind.unit() == v1::INDICATOR_UNIT_PERSONS ||
                              ind.unit() == v1::INDICATOR_UNIT_COUNT;
    if (ind.unit() == v1::INDICATOR_UNIT_YEN) return ValidateYen(value, field);
    if (non_negative && value < 0) {
      return Invalid(field,
                     absl::StrCat(value, " は負の値です。0 以上の値を記載してください"),
                     absl::StrCat(value, " is negative; counts are 0 or more"));
    }
    if (value > kMaxYen || value < -kMaxYen) {
      return Invalid(field, "値が大きすぎます。単位と桁数を確認してください",
                     "value is implausibly large");
    }
    return absl::OkStatus();
  }

  absl::Status PeriodValue(const Indicator& ind, const v1::PeriodValue& pv,
                           const std::string& field, bool value_required) {
    if (PeriodSet(pv.period()) || pv.has_period()) {
      RETURN_IF_ERROR(CheckPeriod(pv.period(), field + ".period"));
    }
    if (pv.has_value()) {
      if (!PeriodSet(pv.period())) {
        return Invalid(field + ".period", "値を記載する場合は期間（年度）が必須です",
                       "required when a value is given");
      }
      RETURN_IF_ERROR(Value(ind, pv.value(), field + ".value"));
    } else if (value_required) {
      return Invalid(field + ".value", "必須です。値を記載してください", "required");
    }
    return ValidateText(pv.note(), field + ".note", {limits_.text_chars, false, true});
  }

  absl::Status Indicators() {
    RETURN_IF_ERROR(CheckCount(plan_.indicators_size(), limits_.indicators, "indicators"));
    absl::flat_hash_set<std::string> ids;
    absl::flat_hash_set<int> kgis;
    const char letter = PlanTypeLetter(plan_.type())[0];
    for (int i = 0; i < plan_.indicators_size(); ++i) {
      const std::string field = At("indicators", i);
      const Indicator& ind = plan_.indicators(i);
      RETURN_IF_ERROR(CheckId(ind.id(), field + ".id"));
      if (!ids.insert(ind.id()).second) {
        return Invalid(field + ".id",
                       absl::StrCat("'", Excerpt(ind.id()),
                                    "' は2回使われています。別の id を指定してください"),
                       absl::StrCat("'", Excerpt(ind.id()), "' is used twice"));
      }
      RETURN_IF_ERROR(CheckEnum(ind.kind(), v1::IndicatorKind_IsValid, true, field + ".kind"));
      RETURN_IF_ERROR(
          CheckEnum(ind.mandatory_kgi(), v1::MandatoryKgi_IsValid, false, field + ".mandatory_kgi"));
      RETURN_IF_ERROR(CheckEnum(ind.unit(), v1::IndicatorUnit_IsValid, true, field + ".unit"));
      RETURN_IF_ERROR(
          CheckEnum(ind.aggregation(), v1::Aggregation_IsValid, true, field + ".aggregation"));
      RETURN_IF_ERROR(
          CheckEnum(ind.direction(), v1::Direction_IsValid, true, field + ".direction"));
      RETURN_IF_ERROR(CheckEnum(ind.topic(), v1::IndicatorTopic_IsValid, false, field + ".topic"));
      RETURN_IF_ERROR(
          CheckEnum(ind.growth(), v1::IndicatorGrowth_IsValid, false, field + ".growth"));
      RETURN_IF_ERROR(ValidateText(ind.name(), field + ".name", {limits_.name_chars, true, false}));
      RETURN_IF_ERROR(ValidateText(ind.description(), field + ".description",
                                   {limits_.text_chars, false, true}));
      const bool mandatory = ind.kind() == v1::INDICATOR_KIND_MANDATORY_KGI;
      if (mandatory != (ind.mandatory_kgi() != v1::MANDATORY_KGI_UNSPECIFIED)) {
        return Invalid(field + ".mandatory_kgi",
                       mandatory ? "必須KGI（kind MANDATORY_KGI）では必須です。CAPEX, VALUE_ADDED, "
                                   "TALENT, LABOR_PRODUCTIVITY, LABOR_PRODUCTIVITY_RATE の"
                                   "いずれかを指定してください"
                                 : "必須KGI（kind MANDATORY_KGI）以外の指標では指定できません。"
                                   "空欄にしてください",
                       mandatory ? "required for a mandatory KGI (CAPEX, VALUE_ADDED, TALENT, "
                                   "LABOR_PRODUCTIVITY, LABOR_PRODUCTIVITY_RATE)"
                                 : "only a mandatory KGI (kind MANDATORY_KGI) names one");
      }
      if (mandatory) {
        const KgiRule* rule = FindKgiRule(ind.mandatory_kgi());
        const std::string kgi = v1::MandatoryKgi_Name(ind.mandatory_kgi());
        if (std::string(rule->types).find(letter) == std::string::npos) {
          return Invalid(field + ".mandatory_kgi",
                         absl::StrCat(kgi, " は", std::string(1, letter),
                                      "類型の計画の必須KGIではありません"),
                         absl::StrCat(kgi, " is not a mandatory KGI of a type ",
                                      std::string(1, letter), " plan"));
        }
        if (!kgis.insert(ind.mandatory_kgi()).second) {
          return Invalid(field + ".mandatory_kgi",
                         absl::StrCat(kgi, " は2回記載されています。必須KGIは計画ごとに"
                                           "各1つです"),
                         absl::StrCat(kgi, " appears twice; a plan has one of each mandatory KGI"));
        }
        if (ind.unit() != rule->unit) {
          return Invalid(field + ".unit",
                         absl::StrCat(kgi, " の単位は ", v1::IndicatorUnit_Name(rule->unit),
                                      " です。単位を ", v1::IndicatorUnit_Name(rule->unit),
                                      " にしてください"),
                         absl::StrCat(kgi, " is measured in ",
                                      v1::IndicatorUnit_Name(rule->unit)));
        }
      }
      const bool labelled =
          ind.unit() == v1::INDICATOR_UNIT_COUNT || ind.unit() == v1::INDICATOR_UNIT_OTHER;
      if (labelled && ind.unit_label().empty()) {
        return Invalid(field + ".unit_label",
                       "単位が COUNT または OTHER の場合は必須です。単位名を記載してください"
                       "（例: 社、件）",
                       "required for unit COUNT or OTHER (e.g. 社, 件)");
      }
      RETURN_IF_ERROR(ValidateText(ind.unit_label(), field + ".unit_label", {20, false, false}));
      if (ind.decimal_places() < 0 || ind.decimal_places() > 6) {
        return Invalid(field + ".decimal_places", "0〜6 の範囲で指定してください",
                       "must be 0..6");
      }
      if ((ind.unit() == v1::INDICATOR_UNIT_YEN || ind.unit() == v1::INDICATOR_UNIT_PERSONS) &&
          ind.decimal_places() != 0) {
        return Invalid(field + ".decimal_places",
                       "円と人数は整数で表します。0 を指定してください",
                       "yen and persons are whole numbers: use 0");
      }
      if (ind.broad_area() && plan_.type() != v1::PLAN_TYPE_C) {
        return Invalid(field + ".broad_area", "広域KGIを設定できるのはC類型の計画のみです",
                       "only a type C plan sets a broad-area KGI (広域KGI)");
      }
      RETURN_IF_ERROR(PeriodValue(ind, ind.baseline(), field + ".baseline", false));
      RETURN_IF_ERROR(PeriodValue(ind, ind.target(), field + ".target", false));
      const bool has_base = PeriodSet(ind.baseline().period());
      const bool has_target = PeriodSet(ind.target().period());
      // A target ends after its baseline does (FY2025 may target a baseline of FY2025 H2).
      if (has_base && has_target &&
          PeriodEnd(ind.target().period()) < PeriodEnd(ind.baseline().period())) {
        return Invalid(field + ".target.period",
                       absl::StrCat("目標値の期間 ", FormatPeriodJa(ind.target().period()),
                                    " が基準値の期間 ", FormatPeriodJa(ind.baseline().period()),
                                    " より前です。目標値の期間は基準値の期間以降にしてください"),
                       absl::StrCat(FormatPeriod(ind.target().period()),
                                    " is before the baseline period ",
                                    FormatPeriod(ind.baseline().period())));
      }
      if (ind.growth() == v1::INDICATOR_GROWTH_COMPOUND) {
        // A rate of growth needs positive points to grow from and to.
        bool positive = ind.baseline().has_value() && ind.baseline().value() > 0 &&
                        (!ind.target().has_value() || ind.target().value() > 0);
        for (const v1::PeriodValue& ms : ind.milestones()) {
          positive = positive && (!ms.has_value() || ms.value() > 0);
        }
        if (!positive) {
          return Invalid(field + ".growth",
                         "一定の伸び率（COMPOUND）は、基準値・中間目標・目標値がすべて正の値の"
                         "指標にのみ指定できます。LINEAR にするか、値を見直してください",
                         "COMPOUND growth needs a positive baseline, milestones and target; use "
                         "LINEAR or correct the values");
        }
      }
      RETURN_IF_ERROR(CheckCount(ind.milestones_size(), limits_.milestones, field + ".milestones"));
      for (int m = 0; m < ind.milestones_size(); ++m) {
        const std::string mfield = At(field + ".milestones", m);
        const v1::PeriodValue& ms = ind.milestones(m);
        if (!PeriodSet(ms.period())) {
          return Invalid(mfield + ".period", "必須です。中間目標の年度を記載してください",
                         "required");
        }
        RETURN_IF_ERROR(PeriodValue(ind, ms, mfield, true));
        if (m > 0 && ComparePeriodStart(ms.period(), ind.milestones(m - 1).period()) <= 0) {
          return Invalid(mfield + ".period",
                         "中間目標は期間の順に、1つの期間につき1つずつ記載してください",
                         "milestones must be in period order, one per period");
        }
        if (has_base && PeriodEnd(ms.period()) <= PeriodEnd(ind.baseline().period())) {
          return Invalid(mfield + ".period",
                         absl::StrCat("中間目標の期間 ", FormatPeriodJa(ms.period()),
                                      " が基準値の期間 ", FormatPeriodJa(ind.baseline().period()),
                                      " より後になっていません。中間目標は基準値の期間より後に"
                                      "してください"),
                         absl::StrCat(FormatPeriod(ms.period()),
                                      " is not after the baseline period ",
                                      FormatPeriod(ind.baseline().period())));
        }
        if (has_target && PeriodEnd(ms.period()) > PeriodEnd(ind.target().period())) {
          return Invalid(mfield + ".period",
                         absl::StrCat("中間目標の期間 ", FormatPeriodJa(ms.period()),
                                      " が目標値の期間 ", FormatPeriodJa(ind.target().period()),
                                      " より後です。中間目標は目標値の期間までにしてください"),
                         absl::StrCat(FormatPeriod(ms.period()), " is after the target period ",
                                      FormatPeriod(ind.target().period())));
        }
      }
    }
    return absl::OkStatus();
  }

  const ReferenceData& ref_;
  const PlanLimits& limits_;
  Plan& plan_;
  absl::flat_hash_set<std::string> area_prefectures_;
  absl::flat_hash_set<std::string> area_municipalities_;
};

}  // namespace

absl::Status ValidateAndNormalizePlan(const ReferenceData& reference, const PlanLimits& limits,
                                      v1::Plan* plan) {
  return Validator(reference, limits, plan).Run();
}

PlanLimits PlanLimitsOf(size_t max_plan_bytes) {
  PlanLimits limits;
  limits.serialized_bytes = max_plan_bytes;
  return limits;
}

bool IsRequirementIdOfType(v1::PlanType type, absl::string_view id) {
  int max = 0;
  char letter = 0;
  switch (type) {
    case v1::PLAN_TYPE_A:
      letter = 'A', max = 7;
      break;
    case v1::PLAN_TYPE_B:
      letter = 'B', max = 4;
      break;
    case v1::PLAN_TYPE_C:
      letter = 'C', max = 3;
      break;
    default:
      return false;
  }
  int n = 0;
  return id.size() == 2 && id[0] == letter && absl::SimpleAtoi(id.substr(1), &n) && n >= 1 &&
         n <= max;
}

std::string StageName(v1::PlanStage stage) {
  return std::string(absl::StripPrefix(v1::PlanStage_Name(stage), "PLAN_STAGE_"));
}

}  // namespace rfs
