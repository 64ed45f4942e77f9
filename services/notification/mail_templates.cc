#include "services/notification/mail_templates.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/japan_time.h"
#include "common/base/text.h"
#include "common/domain/fiscal.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::notification {
namespace {

using common::v1::Event;
using common::v1::FiscalPeriod;
using registry::v1::PlanStage;

constexpr char kSeparator[] = "----------------------------------------\n";
// What a value that looks like an address, a URL or a secret is replaced with.
constexpr char kWithheld[] = "***";
// Lists in a subject or a fact line name at most this many items, then count the rest.
constexpr size_t kListedItems = 5;
// A digest line is cut to this many code points: under the 998 bytes a mail line may have.
constexpr size_t kMaxDigestLineChars = 300;

// ---------------------------------------------------------------------------------------------
// Values taken from an event.

// `text` cut to at most `max_chars` code points, the last of them "…" when cut. Never splits a
// UTF-8 sequence.
std::string Cut(absl::string_view text, size_t max_chars) {
  if (CountCodePoints(text) <= max_chars) return std::string(text);
  if (max_chars == 0) return std::string();
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && chars++ == max_chars - 1) {
      return absl::StrCat(text.substr(0, i), "…");
    }
  }
  return std::string(text);
}

// An e-mail address, a URL, a webhook secret, a bearer token or a JWT, or a query string with a
// credential in it.
bool LooksSecret(absl::string_view value) {
  if (absl::StrContains(value, '@') || absl::StrContains(value, "://") ||
      absl::StrContains(value, "eyJ")) {
    return true;
  }
  const std::string lower = absl::AsciiStrToLower(value);
  for (absl::string_view marker : {"whsec_", "bearer ", "token=", "secret=", "password=", "passwd=",
                                   "api_key=", "apikey=", "signature=", "sig="}) {
    if (absl::StrContains(lower, marker)) return true;
  }
  return false;
}

// `value` fit for a mail: valid UTF-8 ('?' for a bad byte), control characters, line and
// paragraph separators made spaces, trimmed, cut to `max_chars` code points, and "***" when it
// looks like an address, a URL or a secret.
std::string Clean(absl::string_view value, size_t max_chars = 80) {
  std::string out;
  out.reserve(value.size());
  size_t i = 0;
  while (i < value.size()) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const size_t len = c < 0x80           ? 1
                       : (c >> 5) == 0x6  ? 2
                       : (c >> 4) == 0xE  ? 3
                       : (c >> 3) == 0x1E ? 4
                                          : 0;
    bool ok = len > 0 && i + len <= value.size();
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
      const unsigned char d = static_cast<unsigned char>(value[i + k]);
      ok = (d & 0xC0) == 0x80;
      cp = (cp << 6) | (d & 0x3F);
    }
    ok = ok && !(len == 2 && cp < 0x80) &&
         !(len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) &&
         !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF));
    if (!ok) {
      out.push_back('?');
      ++i;
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029) {
      out.push_back(' ');
    } else {
      out.append(value.data() + i, len);
    }
    i += len;
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(out);
  if (LooksSecret(trimmed)) return kWithheld;
  return Cut(trimmed, max_chars);
}

// The comma-separated list `csv` as clean items, empty ones dropped.
std::vector<std::string> CleanList(absl::string_view csv) {
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(csv, ',', absl::SkipWhitespace())) {
    std::string clean = Clean(item, 40);
    if (!clean.empty()) items.push_back(std::move(clean));
  }
  return items;
}

// At most kListedItems of `items` joined by `sep`, then "ほか N 件" / "and N more".
std::string JoinSome(const std::vector<std::string>& items, absl::string_view sep, bool ja) {
  if (items.size() <= kListedItems) return absl::StrJoin(items, sep);
  const std::vector<std::string> first(items.begin(), items.begin() + kListedItems);
  const size_t rest = items.size() - kListedItems;
  return ja ? absl::StrCat(absl::StrJoin(first, sep), " ほか ", rest, " 件")
            : absl::StrCat(absl::StrJoin(first, sep), " and ", rest, " more");
}

std::string Attribute(const Event& event, absl::string_view key, size_t max_chars = 80) {
  auto it = event.attributes().find(std::string(key));
  return it == event.attributes().end() ? std::string() : Clean(it->second, max_chars);
}

bool HasTime(const Event& event) { return event.has_time() && event.time().seconds() > 0; }

absl::Time TimeOf(const Event& event) {
  return absl::FromUnixSeconds(event.time().seconds()) + absl::Nanoseconds(event.time().nanos());
}

// "2026-05-18 10:30" (JST).
std::string FormatMinute(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M", t, JapanTimeZone());
}

// ---------------------------------------------------------------------------------------------
// Names people read.

struct Names {
  std::string ja;
  std::string en;
};

Names PlanTypeNames(absl::string_view letter) {
  if (letter == "A") return {"A 戦略産業クラスター計画", "type A, strategic industry cluster plan"};
  if (letter == "B") return {"B 地域産業クラスター計画", "type B, regional industry cluster plan"};
  if (letter == "C") return {"C 地場産業成長プラン", "type C, local industry growth plan"};
  return {"類型不明", "type unknown"};
}

// A stage named as the registry names it in attributes ("PRE_CONSULTATION") or as
// PlanStage_Name does ("PLAN_STAGE_PRE_CONSULTATION"); UNSPECIFIED when neither.
PlanStage ParseStage(absl::string_view name) {
  std::string full(name);
  if (!absl::StartsWith(full, "PLAN_STAGE_")) full = absl::StrCat("PLAN_STAGE_", full);
  PlanStage stage = registry::v1::PLAN_STAGE_UNSPECIFIED;
  if (!registry::v1::PlanStage_Parse(full, &stage)) return registry::v1::PLAN_STAGE_UNSPECIFIED;
  return stage;
}

// The stage's name in both languages (registry.proto); the attribute as it is when unknown.
Names StageNames(PlanStage stage, absl::string_view raw) {
  switch (stage) {
    case registry::v1::PLAN_STAGE_DRAFTING:
      return {"調査・素案作成", "research and draft"};
    case registry::v1::PLAN_STAGE_PRE_CONSULTATION:
      return {"事前相談", "pre-consultation"};
    case registry::v1::PLAN_STAGE_COORDINATION:
      return {"各種調整", "coordination"};
    case registry::v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR:
      return {"知事等による公表", "published by the governor"};
    case registry::v1::PLAN_STAGE_SUBMITTED:
      return {"計画の正式提出", "formally submitted"};
    case registry::v1::PLAN_STAGE_PUBLISHED:
      return {"内閣官房HP公表", "published on the Cabinet Secretariat website"};
    case registry::v1::PLAN_STAGE_WITHDRAWN:
      return {"取下げ", "withdrawn"};
    case registry::v1::PLAN_STAGE_REVISING:
      return {"改定中", "under revision"};
    default: {
      const std::string clean = Clean(raw, 40);
      return {clean.empty() ? "不明" : clean, clean.empty() ? "unknown" : clean};
    }
  }
}

// A local government by its 6-digit code: a prefecture's name, or "市区町村 162019（富山県）"
// for a municipality (reference data names prefectures only).
Names BodyNames(absl::string_view code, const ReferenceData& reference) {
  const std::string clean = Clean(code, 20);
  if (const PrefectureInfo* p = reference.FindPrefecture(clean); p != nullptr) {
    return {p->name_ja, p->name_en};
  }
  if (clean.size() == 6) {
    for (const PrefectureInfo& p : reference.prefectures()) {
      if (absl::StartsWith(clean, p.jis_code)) {
        return {absl::StrCat("市区町村 ", clean, "（", p.name_ja, "）"),
                absl::StrCat("municipality ", clean, " (", p.name_en, ")")};
      }
    }
  }
  return {absl::StrCat("団体 ", clean.empty() ? "不明" : clean),
          absl::StrCat("local government ", clean.empty() ? "unknown" : clean)};
}

// "2026-H1" as rfs-kpi writes it (services/kpi/reporting.h PeriodKey), or "2026H1".
std::optional<FiscalPeriod> ParsePeriod(absl::string_view key) {
  if (key.size() < 6) return std::nullopt;
  int year = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(key[i]))) return std::nullopt;
    year = year * 10 + (key[i] - '0');
  }
  absl::string_view half = key.substr(4);
  absl::ConsumePrefix(&half, "-");
  if (year < kMinFiscalYear || year > kMaxFiscalYear || (half != "H1" && half != "H2")) {
    return std::nullopt;
  }
  FiscalPeriod period;
  period.set_fiscal_year(year);
  period.set_half(half == "H1" ? common::v1::FISCAL_HALF_H1 : common::v1::FISCAL_HALF_H2);
  return period;
}

struct PeriodTexts {
  std::string key;       // "2026-H1", for rfsctl
  std::string short_ja;  // "2026年度上期"
  std::string short_en;  // "FY2026 H1"
  std::string long_ja;   // "2026年度（令和8年度）上期（2026年4月〜9月）"
  std::string long_en;   // "FY2026 H1 (April–September 2026)"
};

PeriodTexts PeriodTextsOf(absl::string_view raw) {
  std::optional<FiscalPeriod> p = ParsePeriod(raw);
  if (!p.has_value()) {
    std::string clean = Clean(raw, 20);
    if (clean.empty()) return {"FY-H", "期間不明", "period unknown", "不明", "unknown"};
    return {clean, clean, clean, clean, clean};
  }
  const int y = p->fiscal_year();
  const bool h1 = p->half() == common::v1::FISCAL_HALF_H1;
  PeriodTexts t;
  t.key = absl::StrCat(y, h1 ? "-H1" : "-H2");
  t.short_ja = absl::StrCat(y, "年度", h1 ? "上期" : "下期");
  t.short_en = FormatPeriod(*p);
  t.long_ja =
      absl::StrCat(FormatPeriodJa(*p), h1 ? absl::StrCat("（", y, "年4月〜9月）")
                                          : absl::StrCat("（", y, "年10月〜", y + 1, "年3月）"));
  t.long_en =
      absl::StrCat(FormatPeriod(*p), h1 ? absl::StrCat(" (April–September ", y, ")")
                                        : absl::StrCat(" (October ", y, " – March ", y + 1, ")"));
  return t;
}

struct DeadlineTexts {
  std::string day;      // "2026-10-31"
  std::string long_ja;  // "2026-10-31（土）中（日本時間）"
  std::string long_en;  // "the end of Sat 2026-10-31, JST"
};

// The "deadline" attribute: the last day (JST) a report is accepted, "YYYY-MM-DD".
std::optional<DeadlineTexts> DeadlineOf(const Event& event) {
  const std::string raw = Attribute(event, "deadline", 20);
  if (raw.empty()) return std::nullopt;
  absl::Time t;
  std::string err;
  if (raw.size() != 10 || !absl::ParseTime("%Y-%m-%d", raw, JapanTimeZone(), &t, &err)) {
    return DeadlineTexts{raw, raw, raw};
  }
  static constexpr const char* kWeekdayJa[] = {"月", "火", "水", "木", "金", "土", "日"};
  static constexpr const char* kWeekdayEn[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  const int wd = static_cast<int>(absl::GetWeekday(absl::ToCivilDay(t, JapanTimeZone())));
  return DeadlineTexts{raw, absl::StrCat(raw, "（", kWeekdayJa[wd], "）中（日本時間）"),
                       absl::StrCat("the end of ", kWeekdayEn[wd], " ", raw, ", JST")};
}

// ---------------------------------------------------------------------------------------------
// What a mail says, in one language.

struct Section {
  std::string title;               // "報告期限のお知らせ"
  std::string details;             // facts for the subject and the digest, may be empty
  std::string happened;            // one or more sentences
  std::vector<std::string> facts;  // "計画: …" lines
  std::string todo;                // what to do
};

struct Rendered {
  std::string target;  // "plans/B-00001", a subscription's name, or the event type
  Section ja;
  Section en;
};

// The lines that name the plan of `event`, first in each section.
void AddPlanFacts(const Event& event, const ReferenceData& reference, const std::string& plan,
                  Rendered* r) {
  if (plan.empty()) return;
  std::vector<std::string> where_ja, where_en;
  const Names type = PlanTypeNames(event.plan_type());
  where_ja.push_back(type.ja);
  where_en.push_back(type.en);
  if (!event.block().empty()) {
    const BlockInfo* block = reference.FindBlock(event.block());
    const std::string id = Clean(event.block(), 20);
    where_ja.push_back(absl::StrCat(block != nullptr ? block->name_ja : id, "ブロック"));
    where_en.push_back(absl::StrCat(block != nullptr ? block->name_en : id, " block"));
  }
  std::vector<std::string> prefs_ja, prefs_en;
  for (const std::string& code : event.prefecture_codes()) {
    const Names n = BodyNames(code, reference);
    prefs_ja.push_back(n.ja);
    prefs_en.push_back(n.en);
  }
  if (!prefs_ja.empty()) {
    where_ja.push_back(JoinSome(prefs_ja, "・", true));
    where_en.push_back(JoinSome(prefs_en, ", ", false));
  }
  const std::vector<std::string> ja = {
      absl::StrCat("計画: ", plan, "（", absl::StrJoin(where_ja, "、"), "）"),
      absl::StrCat("計画の題名と内容: rfsctl get ", plan, " または画面で確認できます")};
  const std::vector<std::string> en = {
      absl::StrCat("Plan: ", plan, " (", absl::StrJoin(where_en, "; "), ")"),
      absl::StrCat("The plan's title and contents: rfsctl get ", plan, ", or the screen")};
  r->ja.facts.insert(r->ja.facts.begin(), ja.begin(), ja.end());
  r->en.facts.insert(r->en.facts.begin(), en.begin(), en.end());
}

// The line that says when the event happened, last in each section.
void AddTimeFact(const Event& event, Rendered* r) {
  if (!HasTime(event)) return;
  const std::string when = FormatMinute(TimeOf(event));
  r->ja.facts.push_back(absl::StrCat("日時: ", when, "（日本時間）"));
  r->en.facts.push_back(absl::StrCat("When: ", when, " JST"));
}

void RenderReport(const Event& event, const std::string& plan, bool overdue, Rendered* r) {
  const PeriodTexts period = PeriodTextsOf(Attribute(event, "period", 20));
  const std::optional<DeadlineTexts> deadline = DeadlineOf(event);
  if (!overdue) {
    r->ja.title = "報告期限のお知らせ";
    r->en.title = "KPI report due";
    r->ja.details =
        deadline ? absl::StrCat(period.short_ja, "、期限 ", deadline->day) : period.short_ja;
    r->en.details =
        deadline ? absl::StrCat(period.short_en, ", due ", deadline->day) : period.short_en;
    r->ja.happened = absl::StrCat("この計画の ", period.long_ja,
                                  " の KPI・KGI 実績値の報告期限が近づいています。");
    r->en.happened =
        absl::StrCat("The KPI and KGI figures of this plan for ", period.long_en, " are due soon.");
  } else {
    r->ja.title = "報告期限超過";
    r->en.title = "KPI report overdue";
    r->ja.details = deadline ? absl::StrCat(period.short_ja, "、期限 ", deadline->day, " 超過")
                             : period.short_ja;
    r->en.details =
        deadline ? absl::StrCat(period.short_en, ", was due ", deadline->day) : period.short_en;
    r->ja.happened = absl::StrCat("この計画の ", period.long_ja,
                                  " の KPI・KGI 実績値が、報告期限を過ぎても報告されていません。");
    r->en.happened = absl::StrCat("The KPI and KGI figures of this plan for ", period.long_en,
                                  " are overdue: the deadline has passed without a report.");
  }
  r->ja.facts.push_back(absl::StrCat("対象期間: ", period.long_ja));
  r->en.facts.push_back(absl::StrCat("Period: ", period.long_en));
  if (deadline) {
    r->ja.facts.push_back(absl::StrCat("報告期限: ", deadline->long_ja));
    r->en.facts.push_back(absl::StrCat("Deadline: ", deadline->long_en));
  }
  const std::string how_ja = absl::StrCat("rfsctl kpi record ", plan, " 指標ID ", period.key,
                                          " 値、CSV なら rfsctl kpi import、または画面");
  const std::string how_en =
      absl::StrCat("rfsctl kpi record ", plan, " INDICATOR ", period.key,
                   " VALUE, rfsctl kpi import for a CSV file, or the screen");
  if (!overdue) {
    r->ja.todo = absl::StrCat("期限", deadline ? absl::StrCat("（", deadline->day, "）") : "",
                              "までに、この半期の実績値を rfs に登録してください（", how_ja,
                              "）。登録済みの値は rfsctl kpi list ", plan, " で確認できます。");
    r->en.todo = absl::StrCat("Record this half year's figures in rfs by the deadline",
                              deadline ? absl::StrCat(" (", deadline->day, ")") : "", " (", how_en,
                              "). rfsctl kpi list ", plan, " shows what is recorded.");
  } else {
    r->ja.todo = absl::StrCat(
        "直ちに、この半期の実績値を rfs に登録してください（", how_ja,
        "）。期限を過ぎた半期は締め切られているため、登録できない場合は地方局または事務局の担当者に"
        "受付の再開（rfsctl kpi unlock）を依頼してください。");
    r->en.todo = absl::StrCat(
        "Record this half year's figures in rfs now (", how_en,
        "). A half year is closed after its deadline: if rfs refuses the figures, ask the "
        "regional bureau or the secretariat to reopen it (rfsctl kpi unlock).");
  }
}

void RenderCheckFailed(const Event& event, const std::string& plan, Rendered* r) {
  const std::vector<std::string> unmet = CleanList(Attribute(event, "unmet", 400));
  const std::vector<std::string> pending = CleanList(Attribute(event, "pending_review", 400));
  const std::string ruleset = Attribute(event, "ruleset_version", 40);
  r->ja.title = "要件確認: 未充足あり";
  r->en.title = "Requirement check failed";
  r->ja.details = unmet.empty() ? "" : absl::StrCat("未充足 ", JoinSome(unmet, ", ", true));
  r->en.details = unmet.empty() ? "" : absl::StrCat("unmet: ", JoinSome(unmet, ", ", false));
  r->ja.happened = absl::StrCat(
      "この計画の要件確認", ruleset.empty() ? "" : absl::StrCat("（ルールセット ", ruleset, "）"),
      "の結果は FAIL です。満たしていない必須の要件があります。");
  r->en.happened = absl::StrCat("The requirement check of this plan",
                                ruleset.empty() ? "" : absl::StrCat(" (ruleset ", ruleset, ")"),
                                " FAILED: required items are not met.");
  r->ja.facts.push_back(absl::StrCat("満たしていない要件: ",
                                     unmet.empty() ? "（一覧なし: rfsctl check で確認してください）"
                                                   : JoinSome(unmet, ", ", true)));
  r->en.facts.push_back(absl::StrCat("Unmet requirements: ", unmet.empty()
                                                                 ? "(not listed: see rfsctl check)"
                                                                 : JoinSome(unmet, ", ", false)));
  if (!pending.empty()) {
    r->ja.facts.push_back(absl::StrCat("審査待ちの要件: ", JoinSome(pending, ", ", true)));
    r->en.facts.push_back(absl::StrCat("Awaiting review: ", JoinSome(pending, ", ", false)));
  }
  r->ja.todo =
      absl::StrCat("rfsctl check ", plan,
                   " または画面で各要件の説明を確認し、要件を満たすよう計画を修正してください"
                   "（rfsctl update または画面）。修正後は rfsctl check で再確認できます。");
  r->en.todo =
      absl::StrCat("Read what each requirement needs with rfsctl check ", plan,
                   " or on the screen, and revise the plan to meet them (rfsctl update, "
                   "or the screen). rfsctl check shows the result again after the change.");
}

void RenderReviewReturned(const Event& event, const std::string& plan, Rendered* r) {
  std::string requirement = Attribute(event, "requirement_id", 40);
  if (requirement.empty()) requirement = "?";
  r->ja.title = "要件の差戻し";
  r->en.title = "Requirement returned";
  r->ja.details = requirement;
  r->en.details = requirement;
  r->ja.happened = absl::StrCat("事前相談の審査担当（地方局または事務局）が、この計画の要件 ",
                                requirement, " の確認を差し戻しました。");
  r->en.happened = absl::StrCat("A reviewer (regional bureau or secretariat) returned requirement ",
                                requirement, " of this plan in pre-consultation.");
  r->ja.facts.push_back(absl::StrCat("差し戻された要件: ", requirement));
  r->en.facts.push_back(absl::StrCat("Requirement returned: ", requirement));
  r->ja.todo =
      absl::StrCat("審査担当のコメントはこのメールには含まれません。rfsctl reviews ", plan,
                   " または画面でコメントを確認し、要件 ", requirement,
                   " の記載と根拠を修正して再提出してください（rfsctl update または画面）。");
  r->en.todo =
      absl::StrCat("The reviewer's comment is not in this mail: read it with rfsctl reviews ", plan,
                   " or on the screen, then revise the statement and evidence for ", requirement,
                   " and submit them again (rfsctl update, or the screen).");
}

void RenderStageChanged(const Event& event, const std::string& plan, Rendered* r) {
  const std::string from_raw = Attribute(event, "from_stage", 60);
  std::string to_raw = Attribute(event, "to_stage", 60);
  if (to_raw.empty()) to_raw = Clean(event.stage(), 60);
  const PlanStage from = ParseStage(from_raw);
  const PlanStage to = ParseStage(to_raw);
  const Names from_name = StageNames(from, from_raw);
  const Names to_name = StageNames(to, to_raw);
  const bool returned =
      from == registry::v1::PLAN_STAGE_PRE_CONSULTATION && to == registry::v1::PLAN_STAGE_DRAFTING;
  r->ja.title = returned ? "事前相談の差戻し" : "段階の変更";
  r->en.title = returned ? "Pre-consultation returned" : "Stage changed";
  r->ja.details = absl::StrCat(from_name.ja, " → ", to_name.ja);
  r->en.details = absl::StrCat(from_name.en, " → ", to_name.en);
  r->ja.facts.push_back(absl::StrCat("段階: ", from_name.ja, " → ", to_name.ja));
  r->en.facts.push_back(absl::StrCat("Stage: ", from_name.en, " → ", to_name.en));
  const std::string get = absl::StrCat("rfsctl get ", plan);
  if (returned) {
    r->ja.happened = "事前相談が差し戻され、計画は「調査・素案作成」の段階に戻りました。";
    r->en.happened =
        "The pre-consultation was returned with comments: the plan is back in research and draft.";
    r->ja.todo =
        absl::StrCat("差戻しの理由（コメント）を ", get,
                     "（stage comment）または画面で確認し、計画を修正してから、改めて事前相談に"
                     "進めてください（rfsctl transition ",
                     plan, " PRE_CONSULTATION）。");
    r->en.todo =
        absl::StrCat("Read the reviewers' comment (", get,
                     ", \"stage comment\", or the screen), revise the plan, then submit it "
                     "for pre-consultation again (rfsctl transition ",
                     plan, " PRE_CONSULTATION).");
    return;
  }
  r->ja.happened =
      absl::StrCat("計画の段階が「", from_name.ja, "」から「", to_name.ja, "」に変わりました。");
  r->en.happened = absl::StrCat("The plan moved from ", from_name.en, " to ", to_name.en, ".");
  switch (to) {
    case registry::v1::PLAN_STAGE_PRE_CONSULTATION:
      r->ja.todo = absl::StrCat(
          "内閣官房・経済産業省（地方局経由）による事前相談が始まります。審査担当は要件を確認し"
          "（rfsctl check ",
          plan,
          "）、記載された要件を審査してください（rfsctl review）。策定主体は"
          "差戻しがあれば対応してください。");
      r->en.todo = absl::StrCat(
          "Pre-consultation with the Cabinet Secretariat / METI (through the regional bureau) "
          "begins. Reviewers: check the requirements (rfsctl check ",
          plan,
          ") and review the attested ones (rfsctl review). Authors: answer any item returned.");
      break;
    case registry::v1::PLAN_STAGE_COORDINATION:
      r->ja.todo = absl::StrCat(
          "市町村、経済団体、企業、大学、研究機関、金融機関、議会などとの調整を進めてください。共同"
          "計画では、知事等による公表の前に、すべての策定主体が現在の内容に同意（rfsctl signoff ",
          plan, " 団体コード）する必要があります。");
      r->en.todo = absl::StrCat(
          "Coordinate with municipalities, business groups, companies, universities, research "
          "institutes, financial institutions and assemblies. A joint plan needs every author's "
          "sign-off on its current content (rfsctl signoff ",
          plan, " CODE) before publication by the governor.");
      break;
    case registry::v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR:
      r->ja.todo =
          absl::StrCat("次は計画の正式提出です（rfsctl transition ", plan, " SUBMITTED）。");
      r->en.todo =
          absl::StrCat("Next: the formal submission (rfsctl transition ", plan, " SUBMITTED).");
      break;
    case registry::v1::PLAN_STAGE_SUBMITTED:
      r->ja.todo =
          "事務局が内容を確認し、内閣官房ホームページで公表します。策定主体の対応は不要です。";
      r->en.todo =
          "The secretariat checks the plan and publishes it on the Cabinet Secretariat website; "
          "nothing is needed from the authors.";
      break;
    case registry::v1::PLAN_STAGE_PUBLISHED:
      r->ja.todo = absl::StrCat(
          "計画の実施段階です（PDCA）。半期ごとに期限までに KPI・KGI "
          "の実績値を報告してください（rfsctl "
          "kpi record、期限が近づくとお知らせします）。進捗は rfsctl kpi progress ",
          plan, " で確認できます。");
      r->en.todo = absl::StrCat(
          "The plan is in implementation (PDCA): report the KPI and KGI figures every half year by "
          "its deadline (rfsctl kpi record; rfs reminds you when a deadline nears). rfsctl kpi "
          "progress ",
          plan, " shows the progress.");
      break;
    case registry::v1::PLAN_STAGE_REVISING:
      r->ja.todo = absl::StrCat(
          "計画を改定してください（rfsctl update "
          "または画面）。共同計画ではすべての策定主体が改定後の"
          "内容に同意し、要件確認に合格してから再公表します（rfsctl transition ",
          plan, " PUBLISHED）。");
      r->en.todo = absl::StrCat(
          "Revise the plan (rfsctl update, or the screen). It is published again (rfsctl "
          "transition ",
          plan,
          " PUBLISHED) once the requirement check passes and, for a joint "
          "plan, every author has signed off the revised content.");
      break;
    case registry::v1::PLAN_STAGE_WITHDRAWN:
      r->ja.todo = absl::StrCat("取下げは最終の段階で、対応は不要です。理由は ", get,
                                "（stage comment）で確認できます。");
      r->en.todo = absl::StrCat("Withdrawal is final; nothing more is needed. The reason: ", get,
                                " (\"stage comment\").");
      break;
    default:
      r->ja.todo = absl::StrCat("計画の状況を ", get, " または画面で確認してください。");
      r->en.todo = absl::StrCat("See the plan with ", get, " or on the screen.");
      break;
  }
}

void RenderSignedOff(const Event& event, const std::string& plan, const ReferenceData& reference,
                     Rendered* r) {
  const auto code = event.attributes().find("author_code");
  const Names who =
      BodyNames(code == event.attributes().end() ? absl::string_view() : code->second, reference);
  std::vector<std::string> authors_ja, authors_en;
  for (int i = 0; i < event.author_codes_size(); ++i) {
    const Names n = BodyNames(event.author_codes(i), reference);
    authors_ja.push_back(i == 0 ? absl::StrCat(n.ja, "（代表）") : n.ja);
    authors_en.push_back(i == 0 ? absl::StrCat(n.en, " (lead)") : n.en);
  }
  r->ja.title = "共同計画の同意";
  r->en.title = "Joint plan signed off";
  r->ja.details = who.ja;
  r->en.details = absl::StrCat("by ", who.en);
  r->ja.happened = absl::StrCat(
      who.ja,
      " が、この共同計画の現在の内容に同意（サインオフ）しました。現在の内容にまだ同意していない"
      "策定主体の同意がそろうまで、計画は公表に進めません。");
  r->en.happened = absl::StrCat(
      who.en,
      " signed off the current content of this joint plan. Authors who have not yet signed "
      "off the current content are awaited before the plan can be published.");
  r->ja.facts.push_back(absl::StrCat("同意した団体: ", who.ja));
  r->en.facts.push_back(absl::StrCat("Signed off by: ", who.en));
  r->ja.facts.push_back(
      absl::StrCat("策定主体（", authors_ja.size(), " 団体）: ", JoinSome(authors_ja, "、", true)));
  r->en.facts.push_back(
      absl::StrCat("Authors (", authors_en.size(), "): ", JoinSome(authors_en, ", ", false)));
  r->ja.todo = absl::StrCat(
      "まだ同意していない策定主体の担当の方は、内容を確認して同意してください（rfsctl signoff ",
      plan, " 自団体のコード、または画面）。同意の状況は rfsctl get ", plan, " で確認できます。");
  r->en.todo = absl::StrCat(
      "Authors that have not signed off yet: review the content and sign off (rfsctl signoff ",
      plan, " YOUR_CODE, or the screen). rfsctl get ", plan, " shows who has signed off.");
}

void RenderSubscriptionDisabled(const Event& event, Rendered* r) {
  std::string name = Attribute(event, "subscription", 80);
  if (name.empty()) name = "subscriptions/?";
  const std::string owner = Attribute(event, "owner", 80);
  const std::string reason = Attribute(event, "reason", 40);
  r->target = name;
  r->ja.title = "Webhook 購読の停止";
  r->en.title = "Webhook subscription disabled";
  std::string why_ja, why_en;
  if (reason == "gone") {
    r->ja.details = "受信先が 410 Gone を応答";
    r->en.details = "the receiver answered 410 Gone";
    why_ja = "受信先が 410 Gone（不要になった）を応答したため、配信を止めました。";
    why_en = "The receiver answered 410 Gone (no longer wanted), so delivery stopped.";
  } else if (reason == "failing") {
    r->ja.details = "配信の失敗が継続";
    r->en.details = "deliveries kept failing";
    why_ja = "受信先への配信が長期間（既定では 5 日間）すべて失敗したため、配信を止めました。";
    why_en =
        "Every delivery to the receiver failed for a long time (5 days by default), so "
        "delivery stopped.";
  } else {
    r->ja.details = reason;
    r->en.details = reason;
    why_ja = absl::StrCat("配信を止めました（理由: ", reason.empty() ? "不明" : reason, "）。");
    why_en = absl::StrCat("Delivery stopped (reason: ", reason.empty() ? "unknown" : reason, ").");
  }
  r->ja.happened = absl::StrCat("Webhook の購読 ", name, " が停止されました。", why_ja);
  r->en.happened = absl::StrCat("The webhook subscription ", name, " was disabled. ", why_en);
  r->ja.facts.push_back(absl::StrCat("購読: ", name));
  r->en.facts.push_back(absl::StrCat("Subscription: ", name));
  if (!owner.empty()) {
    r->ja.facts.push_back(absl::StrCat("所有者: ", owner));
    r->en.facts.push_back(absl::StrCat("Owner: ", owner));
  }
  // A week before the disabling covers every failure that led to it.
  const std::string since =
      HasTime(event) ? absl::FormatTime("%Y-%m-%dT%H:%M:%S+09:00",
                                        TimeOf(event) - absl::Hours(24 * 7), JapanTimeZone())
                     : std::string("2026-05-01T09:00:00+09:00");
  r->ja.todo = absl::StrCat(
      "受信側を修正してから、rfsctl subscriptions update ", name,
      " --state active で再開してください。停止までに届かなかったイベント（デッドレター）は rfsctl "
      "deadletters recover ",
      name, " --since ", since,
      " のように、失敗が始まる前の時刻を指定して再配信"
      "できます。");
  r->en.todo = absl::StrCat(
      "Fix the receiver, then resume with rfsctl subscriptions update ", name,
      " --state active. The events that were not delivered (dead letters) can be delivered again "
      "with rfsctl deadletters recover ",
      name, " --since ", since, " (a time before the failures began).");
}

void RenderOther(const Event& event, const std::string& plan, Rendered* r) {
  const std::string type = Clean(event.type(), 60);
  const std::string source = Clean(event.source(), 40);
  r->ja.title = "イベントの通知";
  r->en.title = "Event";
  r->ja.details = type;
  r->en.details = type;
  if (plan.empty()) r->target = type;
  const std::string on_ja = plan.empty() ? "" : absl::StrCat(plan, " で");
  r->ja.happened =
      absl::StrCat(on_ja, "イベント ", type, " が発生しました",
                   source.empty() ? "" : absl::StrCat("（発生元: ", source, "）"), "。");
  r->en.happened = absl::StrCat("Event ", type, plan.empty() ? "" : absl::StrCat(" on ", plan),
                                source.empty() ? "" : absl::StrCat(" (from ", source, ")"), ".");
  // Sorted by key: a proto map has no order.
  std::vector<std::pair<std::string, std::string>> attributes;
  for (const auto& [key, value] : event.attributes()) {
    attributes.emplace_back(Clean(key, 60), Clean(value, 150));
  }
  std::sort(attributes.begin(), attributes.end());
  constexpr size_t kMaxAttributes = 20;
  for (size_t i = 0; i < attributes.size() && i < kMaxAttributes; ++i) {
    const std::string line = absl::StrCat("  ", attributes[i].first, ": ", attributes[i].second);
    r->ja.facts.push_back(line);
    r->en.facts.push_back(line);
  }
  if (attributes.size() > kMaxAttributes) {
    r->ja.facts.push_back(absl::StrCat("  ほか ", attributes.size() - kMaxAttributes, " 件"));
    r->en.facts.push_back(absl::StrCat("  and ", attributes.size() - kMaxAttributes, " more"));
  }
  if (!attributes.empty()) {
    r->ja.facts.insert(r->ja.facts.begin(), "属性:");
    r->en.facts.insert(r->en.facts.begin(), "Attributes:");
  }
  const std::string list = plan.empty() ? absl::StrCat("rfsctl events list --type ", type)
                                        : absl::StrCat("rfsctl events list --plan ", plan);
  r->ja.todo = absl::StrCat(
      "この種別のイベントはこの連絡先の設定で指定されているため送信しています。"
      "内容は ",
      list, " または画面で確認できます。");
  r->en.todo = absl::StrCat("This contact asked for events of this type. ", list,
                            ", or the screen, shows them.");
}

// What the mail about `event` says, or nullopt when the event is not mailed.
std::optional<Rendered> Render(const Event& event, const ReferenceData& reference) {
  const std::string& type = event.type();
  std::string plan = Clean(event.plan(), 40);
  Rendered r;
  r.target = plan;
  const bool about_plan = type == "kpi.report_due" || type == "kpi.report_overdue" ||
                          absl::StartsWith(type, "requirement.") || absl::StartsWith(type, "plan.");
  if (about_plan && plan.empty()) r.target = plan = "plans/?";
  if (type == "kpi.report_due" || type == "kpi.report_overdue") {
    RenderReport(event, plan, type == "kpi.report_overdue", &r);
  } else if (type == "requirement.check_completed") {
    const std::string verdict = Attribute(event, "verdict");
    if (verdict != "FAIL" && verdict != "CHECK_VERDICT_FAIL") return std::nullopt;
    RenderCheckFailed(event, plan, &r);
  } else if (type == "requirement.review_recorded") {
    if (Attribute(event, "decision") != "REVIEW_DECISION_RETURNED") return std::nullopt;
    RenderReviewReturned(event, plan, &r);
  } else if (type == "plan.stage_changed") {
    RenderStageChanged(event, plan, &r);
  } else if (type == "plan.signed_off") {
    // A single author's sign-off awaits nobody.
    if (event.author_codes_size() < 2) return std::nullopt;
    RenderSignedOff(event, plan, reference, &r);
  } else if (type == "webhook.subscription_disabled") {
    RenderSubscriptionDisabled(event, &r);
  } else {
    RenderOther(event, plan, &r);
  }
  if (type != "webhook.subscription_disabled") AddPlanFacts(event, reference, plan, &r);
  AddTimeFact(event, &r);
  return r;
}

bool English(absl::string_view language) {
  return absl::StartsWith(absl::AsciiStrToLower(language), "en");
}

std::string SectionText(const Section& s, bool ja) {
  std::string out = absl::StrCat("■ ", s.title, "\n\n", s.happened, "\n\n");
  for (const std::string& fact : s.facts) absl::StrAppend(&out, fact, "\n");
  if (!s.facts.empty()) out += "\n";
  absl::StrAppend(&out, ja ? "対応: " : "What to do: ", s.todo, "\n");
  return out;
}

std::string Footer(bool english) {
  const char* ja =
      "このメールは rfs-notification が自動で送信しています。今後受け取らないようにするには、この"
      "連絡先を管理している担当者（自治体・地方局・事務局）に依頼するか、rfsctl contacts update "
      "NAME --state disabled（NAME は contacts/… の連絡先名）を実行してください。\n";
  const char* en =
      "Sent automatically by rfs-notification. To stop these mails, ask whoever keeps this "
      "contact (your local government, the regional bureau or the secretariat), or run rfsctl "
      "contacts update NAME --state disabled (NAME: the contact's name, contacts/…).\n";
  return english ? absl::StrCat(en, ja) : absl::StrCat(ja, en);
}

// "{title} {target} ({details})".
std::string Summary(const Section& s, const std::string& target) {
  std::string out = absl::StrCat(s.title, " ", target);
  if (!s.details.empty()) absl::StrAppend(&out, " (", s.details, ")");
  return out;
}

}  // namespace

std::optional<MailText> RenderEventMail(const Event& event, absl::string_view language,
                                        const ReferenceData& reference) {
  std::optional<Rendered> r = Render(event, reference);
  if (!r.has_value()) return std::nullopt;
  const bool english = English(language);
  const Section& first = english ? r->en : r->ja;
  const Section& second = english ? r->ja : r->en;
  MailText mail;
  mail.subject =
      Cut(absl::StrCat("[rfs] ", Summary(first, r->target), " / ", second.title), kMaxSubjectChars);
  mail.body = absl::StrCat(SectionText(first, !english), "\n", kSeparator,
                           SectionText(second, english), "\n", kSeparator, Footer(english));
  return mail;
}

MailText RenderDigestMail(const std::vector<std::string>& items, absl::Time day,
                          absl::string_view language) {
  const bool english = English(language);
  const std::string date = absl::FormatTime("%Y-%m-%d", day, JapanTimeZone());
  const size_t n = items.size();
  const std::string subject_ja = absl::StrCat("日次まとめ ", date, " (", n, "件)");
  const std::string subject_en =
      absl::StrCat("Daily digest ", date, " (", n, n == 1 ? " notice)" : " notices)");
  MailText mail;
  mail.subject = Cut(absl::StrCat("[rfs] ", english ? subject_en : subject_ja, " / ",
                                  english ? "日次まとめ" : "Daily digest"),
                     kMaxSubjectChars);
  const std::string intro_ja =
      n == 0 ? absl::StrCat("■ rfs 日次まとめ ", date,
                            "（日本時間）: この日のお知らせはありません。\n")
             : absl::StrCat(
                   "■ rfs 日次まとめ ", date, "（日本時間）: お知らせ ", n,
                   " 件。各件の詳細と対応は rfsctl events list または画面で確認してください。\n");
  const std::string intro_en =
      n == 0 ? absl::StrCat("■ rfs daily digest of ", date, " (JST): nothing to report.\n")
             : absl::StrCat(
                   "■ rfs daily digest of ", date, " (JST): ", n, n == 1 ? " notice" : " notices",
                   ". rfsctl events list, or the screen, shows each one with what to do.\n");
  mail.body = english ? absl::StrCat(intro_en, intro_ja) : absl::StrCat(intro_ja, intro_en);
  if (n > 0) mail.body += "\n";
  for (size_t i = 0; i < n && i < kMaxDigestItems; ++i) {
    absl::StrAppend(&mail.body, i + 1, ". ", Clean(items[i], kMaxDigestLineChars), "\n");
  }
  if (n > kMaxDigestItems) {
    const size_t rest = n - kMaxDigestItems;
    absl::StrAppend(&mail.body,
                    english ? absl::StrCat("and ", rest, " more ／ ほか ", rest, " 件")
                            : absl::StrCat("ほか ", rest, " 件 ／ and ", rest, " more"),
                    "\n");
  }
  absl::StrAppend(&mail.body, "\n", kSeparator, Footer(english));
  return mail;
}

std::optional<std::string> DigestLine(const Event& event, absl::string_view language,
                                      const ReferenceData& reference) {
  std::optional<Rendered> r = Render(event, reference);
  if (!r.has_value()) return std::nullopt;
  const bool english = English(language);
  const Section& first = english ? r->en : r->ja;
  const Section& second = english ? r->ja : r->en;
  std::string line;
  if (HasTime(event)) absl::StrAppend(&line, FormatMinute(TimeOf(event)), " ");
  absl::StrAppend(&line, Summary(first, r->target), "／", Summary(second, r->target));
  return Cut(line, kMaxDigestLineChars);
}

const std::vector<std::string>& DefaultMailEventTypes() {
  static const auto* const kTypes = new std::vector<std::string>{"kpi.report_due",
                                                                 "kpi.report_overdue",
                                                                 "requirement.check_completed",
                                                                 "requirement.review_recorded",
                                                                 "plan.stage_changed",
                                                                 "plan.signed_off",
                                                                 "webhook.subscription_disabled"};
  return *kTypes;
}

}  // namespace rfs::notification
