// Measurements: record, verify and return, list; a reviewer's status override; reopening a half year.
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

// The checks of a RecordMeasurementRequest that need no plan.
absl::Status ValidateRecordRequest(const v1::RecordMeasurementRequest& req) {
  if (!IsIndicatorId(req.indicator_id())) {
    return InvalidField("indicator_id",
                        "計画の指標 ID（kgi-capex など、英小文字・数字・'-' の 64 文字以内）を"
                        "指定してください",
                        "give the id of one of the plan's indicators (like kgi-capex)");
  }
  RETURN_IF_ERROR(ValidatePlanPeriod(req.period(), "period", /*half_required=*/true));
  RETURN_IF_ERROR(ValidateRequestId(req.request_id()));
  RETURN_IF_ERROR(ValidateText(req.source(), "source", kSourceRule));
  RETURN_IF_ERROR(ValidateText(req.note(), "note", kNoteRule));
  if (!req.etag().empty()) RETURN_IF_ERROR(ParseEtag(req.etag()).status());
  return absl::OkStatus();
}

// The value against its indicator: the half year has begun, the unit and decimal places are
// the indicator's, the value is within bounds and of the sign the indicator allows.
absl::Status ValidateValue(const Indicator& indicator, const v1::RecordMeasurementRequest& req,
                           absl::Time now) {
  if (PeriodStart(req.period()) > now) {
    return InvalidField(
        "period",
        absl::StrCat(FormatPeriodJa(req.period()), "はまだ始まっていません。実績値は期が始まってから"
                                                   "報告してください"),
        absl::StrCat(FormatPeriod(req.period()), " has not begun yet"));
  }
  if (req.unit() != registry::v1::INDICATOR_UNIT_UNSPECIFIED && req.unit() != indicator.unit()) {
    return InvalidField(
        "unit",
        absl::StrCat("指標 ", indicator.id(), " の単位は ", UnitName(indicator), "（",
                     registry::v1::IndicatorUnit_Name(indicator.unit()),
                     "）です。その単位の値を送ってください"),
        absl::StrCat("indicator ", indicator.id(), " is in ", UnitName(indicator), " (",
                     registry::v1::IndicatorUnit_Name(indicator.unit()),
                     "); send the value in that unit"));
  }
  if (req.has_decimal_places() && req.decimal_places() != indicator.decimal_places()) {
    return InvalidField(
        "decimal_places",
        absl::StrCat("指標 ", indicator.id(), " の値は小数点以下 ", indicator.decimal_places(),
                     " 桁の固定小数点です"),
        absl::StrCat("values of indicator ", indicator.id(), " have ",
                     indicator.decimal_places(), " decimal places"));
  }
  if (req.value() > kMaxYen || req.value() < -kMaxYen) {
    return InvalidField("value",
                        "値の絶対値は 10^15（1,000兆）以下にしてください",
                        "must be within ±10^15 (the registry's bound for indicator values)");
  }
  if (NeverNegative(indicator) && req.value() < 0) {
    return InvalidField(
        "value",
        absl::StrCat("指標 ", indicator.id(), "（", UnitName(indicator),
                     "）の値は負になりません"),
        absl::StrCat("indicator ", indicator.id(), " (", UnitName(indicator),
                     ") cannot be negative"));
  }
  return absl::OkStatus();
}

// One part of a breakdown: a prefecture of the plan's area (`allowed`), named once (`seen`),
// with a value within bounds and of the sign the indicator allows.
absl::Status ValidateBreakdownPart(const Plan& plan, const Indicator& indicator,
                                   const absl::flat_hash_set<std::string>& allowed, int i,
                                   const v1::PrefectureValue& part,
                                   absl::flat_hash_set<std::string>* seen) {
  const std::string field = absl::StrCat("breakdown[", i, "].prefecture_code");
  if (!allowed.contains(part.prefecture_code())) {
    return InvalidField(
        field,
        absl::StrCat("'", Excerpt(part.prefecture_code()), "' は ", plan.name(),
                     " の区域の都道府県ではありません（区域: ", absl::StrJoin(allowed, ", "),
                     "）"),
        absl::StrCat("'", Excerpt(part.prefecture_code()),
                     "' is not a prefecture of the area of ", plan.name(), " (",
                     absl::StrJoin(allowed, ", "), ")"));
  }
  if (!seen->insert(part.prefecture_code()).second) {
    return InvalidField(field, absl::StrCat(part.prefecture_code(), " が二度あります"),
                        absl::StrCat(part.prefecture_code(), " appears twice"));
  }
  if (part.value() > kMaxYen || part.value() < -kMaxYen) {
    return InvalidField(absl::StrCat("breakdown[", i, "].value"),
                        "値の絶対値は 10^15（1,000兆）以下にしてください",
                        "must be within ±10^15");
  }
  if (NeverNegative(indicator) && part.value() < 0) {
    return InvalidField(absl::StrCat("breakdown[", i, "].value"), "負の値は指定できません",
                        "cannot be negative");
  }
  return absl::OkStatus();
}

// The breakdown by prefecture: only of indicators that add up across prefectures, each part
// valid, the parts adding up to the value.
absl::Status ValidateBreakdown(const Plan& plan, const Indicator& indicator,
                               const v1::RecordMeasurementRequest& req) {
  if (req.breakdown().empty()) return absl::OkStatus();
  if (indicator.unit() != registry::v1::INDICATOR_UNIT_YEN &&
      indicator.unit() != registry::v1::INDICATOR_UNIT_PERSONS &&
      indicator.unit() != registry::v1::INDICATOR_UNIT_COUNT) {
    return InvalidField(
        "breakdown",
        absl::StrCat("指標 ", indicator.id(), "（", UnitName(indicator),
                     "）は都道府県別に足し合わせられないため、内訳は指定できません"),
        absl::StrCat("indicator ", indicator.id(), " (", UnitName(indicator),
                     ") does not add up across prefectures: give no breakdown"));
  }
  const absl::flat_hash_set<std::string> allowed = BreakdownPrefectures(plan);
  absl::flat_hash_set<std::string> seen;
  int64_t sum = 0;
  for (int i = 0; i < req.breakdown_size(); ++i) {
    RETURN_IF_ERROR(ValidateBreakdownPart(plan, indicator, allowed, i, req.breakdown(i), &seen));
    sum += req.breakdown(i).value();
  }
  if (sum != req.value()) {
    return InvalidField(
        "breakdown",
        absl::StrCat("都道府県別の内訳の合計 ", sum, " が値 ", req.value(), " と一致しません"),
        absl::StrCat("the parts add up to ", sum, ", not to the value ", req.value()));
  }
  return absl::OkStatus();
}

// OK while the half year takes values: before its report deadline, or reopened by a reviewer
// until a time not yet passed; FAILED_PRECONDITION saying whom to ask otherwise.
absl::Status CheckOpen(const PlanState& state, const common::v1::FiscalPeriod& period,
                       absl::Time now, absl::Time deadline) {
  if (now < deadline) return absl::OkStatus();
  auto it = state.unlocks.find(PeriodKey(period));
  if (it != state.unlocks.end() && it->second.has_unlocked_until() &&
      now < FromProto(it->second.unlocked_until())) {
    return absl::OkStatus();
  }
  const std::string day =
      absl::FormatTime("%Y-%m-%d", deadline - absl::Seconds(1), JapanTimeZone());
  return FailedPrecondition(
      absl::StrCat(FormatPeriodJa(period), "の報告期限（", day,
                   "）を過ぎたため締め切られています。報告するには地方局又は事務局に"
                   "受付の再開を依頼してください"),
      absl::StrCat(FormatPeriod(period), " closed at its report deadline (", day,
                   " JST); ask the bureau or the secretariat to reopen it"));
}

// True when `req` says what `current` says already (value, breakdown, source, note).
bool SameAsHeld(const v1::Measurement& current, const v1::RecordMeasurementRequest& req) {
  return current.value() == req.value() && current.source() == req.source() &&
         current.note() == req.note() && current.breakdown_size() == req.breakdown_size() &&
         std::equal(current.breakdown().begin(), current.breakdown().end(),
                    req.breakdown().begin(),
                    [](const v1::PrefectureValue& a, const v1::PrefectureValue& b) {
                      return a.prefecture_code() == b.prefecture_code() &&
                             a.value() == b.value();
                    });
}

}  // namespace

// What a RecordMeasurement writes, once the request holds against the plan: the request as
// the write path sees it.
struct Tracker::Recording {
  const Principal& who;
  const Plan& plan;
  const Indicator& indicator;
  const v1::RecordMeasurementRequest& req;
  std::string name;           // of the measurement
  std::string request_key;    // empty without a request id
  std::string request_value;  // "{name} {fingerprint}", what the request id remembers
  absl::Time now;
  absl::Time deadline;
};

absl::StatusOr<v1::Measurement> Tracker::RecordMeasurement(
    const Principal& who, const v1::RecordMeasurementRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  RETURN_IF_ERROR(ValidateRecordRequest(req));
  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, req.plan()));
  RETURN_IF_ERROR(Authorize(who, Action::kRecord, &plan));
  RETURN_IF_ERROR(BeingImplemented(plan, "実績値を報告", "values are reported"));
  // The request against the plan's current version.
  ASSIGN_OR_RETURN(const Indicator* indicator, IndicatorOf(plan, req.indicator_id()));
  RETURN_IF_ERROR(WithinPlanPeriod(plan, req.period(), "period"));
  const absl::Time now = options_.now();
  RETURN_IF_ERROR(ValidateValue(*indicator, req, now));
  RETURN_IF_ERROR(ValidateBreakdown(plan, *indicator, req));

  Recording r{who, plan, *indicator, req, MeasurementName(plan_id, indicator->id(), req.period()),
              "", "", now, Deadline(options_.calendar, req.period())};
  if (!req.request_id().empty()) {
    r.request_key = store_->RequestKey(who.subject, req.request_id());
    // A check of the request (validate_only) and the write itself are the same request, so a
    // checked retry of a recorded line finds its id.
    v1::RecordMeasurementRequest as_write = req;
    as_write.clear_validate_only();
    r.request_value = absl::StrCat(r.name, " ", RequestFingerprint(as_write));
  }
  return WriteMeasurement(who, plan, [&](const PlanState& state, Change* change) {
    return RecordChange(r, state, change);
  });
}

absl::StatusOr<bool> Tracker::RecordChange(const Recording& r, const PlanState& state,
                                           Change* change) {
  const v1::RecordMeasurementRequest& req = r.req;
  const v1::Measurement* current = FindMeasurement(state.measurements, r.indicator.id(),
                                                   req.period());
  if (!r.request_key.empty()) {
    ASSIGN_OR_RETURN(std::optional<std::string> seen, store_->GetRequest(r.request_key));
    if (seen.has_value()) {
      if (*seen != r.request_value) {
        return InvalidField(
            "request_id",
            "この request_id は別の内容の報告に使われています。新しい報告には新しい "
            "request_id を付けてください",
            "this request_id was used for another report; give a new report a new id");
      }
      if (current == nullptr) return NotFoundMeasurement(r.name);
      change->measurement = *current;
      return false;
    }
  }
  if (!req.etag().empty() && (current == nullptr || current->etag() != req.etag())) {
    return EtagConflict(r.name, req.etag(), current == nullptr ? "" : current->etag());
  }
  // Locked after the deadline unless a reviewer reopened the half year.
  RETURN_IF_ERROR(CheckOpen(state, req.period(), r.now, r.deadline));
  if (current != nullptr && SameAsHeld(*current, req) &&
      current->state() != v1::MEASUREMENT_STATE_RETURNED) {
    change->measurement = *current;
    if (r.request_key.empty() || req.validate_only()) return false;  // nothing to correct
    // Nothing to correct, but the request id is remembered, so that a retry after someone
    // else's correction does not write this value back.
    change->request_only = true;
    change->request_key = r.request_key;
    change->request_value = r.request_value;
    change->audit_action = "RECORD_MEASUREMENT_UNCHANGED";
    change->audit_target = r.name;
    return true;
  }
  v1::Measurement m = NewValue(r, current);
  if (req.validate_only()) {
    change->measurement = std::move(m);
    return false;  // checked as a write would be; nothing written
  }
  FillRecorded(r, current, std::move(m), change);
  return true;
}

v1::Measurement Tracker::NewValue(const Recording& r, const v1::Measurement* current) {
  const v1::RecordMeasurementRequest& req = r.req;
  v1::Measurement m;
  if (current != nullptr) m = *current;
  m.set_name(r.name);
  m.set_plan(r.plan.name());
  m.set_indicator_id(r.indicator.id());
  *m.mutable_period() = req.period();
  m.set_value(req.value());
  *m.mutable_breakdown() = req.breakdown();
  m.set_source(req.source());
  m.set_note(req.note());
  m.set_state(v1::MEASUREMENT_STATE_REPORTED);
  m.set_reported_by(r.who.subject);
  *m.mutable_report_time() = ToProto(r.now);
  m.set_revision(m.revision() + 1);
  m.set_etag(EtagOf(m.revision()));
  m.set_late(r.now >= r.deadline);
  return m;
}

void Tracker::FillRecorded(const Recording& r, const v1::Measurement* current,
                           v1::Measurement m, Change* change) {
  v1::MeasurementChange& entry = change->entry;
  entry.set_action(current == nullptr ? v1::MeasurementChange::ACTION_RECORDED
                                      : v1::MeasurementChange::ACTION_CORRECTED);
  entry.set_actor(r.who.subject);
  *entry.mutable_time() = ToProto(r.now);
  if (current != nullptr) entry.set_old_value(current->value());
  entry.set_new_value(r.req.value());
  entry.set_reason(r.req.note());
  entry.set_revision(m.revision());

  common::v1::Event& e = change->events.emplace_back(
      PlanEvent(kSource, r.plan, "kpi.measurement_recorded", ToProto(r.now), r.who.subject));
  e.set_id(absl::StrCat("kpi/", r.name, "/r", m.revision()));
  (*e.mutable_attributes())["measurement"] = r.name;
  (*e.mutable_attributes())["indicator_id"] = r.indicator.id();
  (*e.mutable_attributes())["correction"] = current == nullptr ? "false" : "true";
  SetPayload(m, &e);
  change->audit_action = current == nullptr ? "RECORD_MEASUREMENT" : "CORRECT_MEASUREMENT";
  change->audit_target = r.name;
  change->request_key = r.request_key;
  change->request_value = r.request_value;
  change->measurement = std::move(m);
}

namespace {

// The measurement a review names, in the state read.
absl::StatusOr<const v1::Measurement*> Reviewed(const PlanState& state, const MeasurementRef& ref,
                                                const std::string& name,
                                                const std::string& etag) {
  const v1::Measurement* current = FindMeasurement(state.measurements, ref.indicator_id,
                                                   ref.period);
  if (current == nullptr) return NotFoundMeasurement(name);
  if (!etag.empty() && current->etag() != etag) {
    return EtagConflict(name, etag, current->etag());
  }
  return current;
}

}  // namespace

absl::StatusOr<v1::Measurement> Tracker::Review(const Principal& who, const std::string& name_in,
                                                const std::string& etag,
                                                const std::string& comment, bool verify) {
  ASSIGN_OR_RETURN(const MeasurementRef ref, ParseMeasurementName(name_in, "name"));
  RETURN_IF_ERROR(ValidateText(comment, "comment", verify ? kNoteRule : kReasonRule));
  if (!etag.empty()) RETURN_IF_ERROR(ParseEtag(etag).status());
  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, absl::StrCat("plans/", ref.plan_id)));
  RETURN_IF_ERROR(Authorize(who, Action::kReview, &plan));
  const std::string name = MeasurementName(ref.plan_id, ref.indicator_id, ref.period);
  const absl::Time now = options_.now();
  const v1::MeasurementState to =
      verify ? v1::MEASUREMENT_STATE_VERIFIED : v1::MEASUREMENT_STATE_RETURNED;
  return WriteMeasurement(who, plan, [&](const PlanState& state, Change* change) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(const v1::Measurement* current, Reviewed(state, ref, name, etag));
    v1::Measurement m = *current;
    if (m.state() == to && comment == m.review_comment() && m.reviewed_by() == who.subject) {
      change->measurement = std::move(m);
      return false;  // a retry of the same decision
    }
    // Four eyes: whoever reported the value (or last corrected it) does not review it, also
    // with another role's token.
    if (m.reported_by() == who.subject) {
      return Bilingual(
          absl::StatusCode::kPermissionDenied,
          absl::StrCat(name, " の現在の値は ", Excerpt(who.subject),
                       " 自身が報告したものです。確認・差戻しは報告者以外の担当者が行います"),
          absl::StrCat(Excerpt(who.subject), " reported the current value of ", name,
                       " and may not ", verify ? "verify" : "return",
                       " it: another person reviews it"));
    }
    v1::MeasurementChange& entry = change->entry;
    entry.set_action(verify ? v1::MeasurementChange::ACTION_VERIFIED
                            : v1::MeasurementChange::ACTION_RETURNED);
    entry.set_actor(who.subject);
    *entry.mutable_time() = ToProto(now);
    if (verify) {
      // What the verified value was, and what it is now.
      if (m.has_verified_value()) entry.set_old_value(m.verified_value());
      m.set_verified_value(m.value());
      *m.mutable_verified_breakdown() = m.breakdown();
    } else {
      entry.set_old_value(m.value());
    }
    entry.set_new_value(m.value());
    entry.set_reason(comment);
    m.set_state(to);
    m.set_review_comment(comment);
    m.set_reviewed_by(who.subject);
    *m.mutable_review_time() = ToProto(now);
    m.set_revision(m.revision() + 1);
    m.set_etag(EtagOf(m.revision()));
    entry.set_revision(m.revision());
    common::v1::Event& e = change->events.emplace_back(PlanEvent(
        kSource, plan, verify ? "kpi.measurement_verified" : "kpi.measurement_returned",
        ToProto(now), who.subject));
    e.set_id(absl::StrCat("kpi/", name, "/r", m.revision()));
    (*e.mutable_attributes())["measurement"] = name;
    (*e.mutable_attributes())["indicator_id"] = ref.indicator_id;
    SetPayload(m, &e);
    change->audit_action = verify ? "VERIFY_MEASUREMENT" : "RETURN_MEASUREMENT";
    change->audit_target = name;
    change->measurement = std::move(m);
    return true;
  });
}

absl::StatusOr<v1::Measurement> Tracker::VerifyMeasurement(
    const Principal& who, const v1::VerifyMeasurementRequest& req) {
  return Review(who, req.name(), req.etag(), req.comment(), /*verify=*/true);
}

absl::StatusOr<v1::Measurement> Tracker::ReturnMeasurement(
    const Principal& who, const v1::ReturnMeasurementRequest& req) {
  return Review(who, req.name(), req.etag(), req.comment(), /*verify=*/false);
}

namespace {

// Where a ListMeasurements page starts: the measurement of the token ("{indicator}|{fy}-{H}",
// the order of the list) as (indicator, half index); none without a token.
absl::StatusOr<std::optional<std::pair<std::string, int64_t>>> ResumeAt(
    const KeyPosition& position) {
  if (position.key.empty()) return std::nullopt;
  const std::vector<std::string> parts = absl::StrSplit(position.key, '|');
  if (parts.size() == 2) {
    if (absl::StatusOr<common::v1::FiscalPeriod> p = ParsePeriodKey(parts[1]); p.ok()) {
      return std::make_pair(parts[0], HalfIndex(*p));
    }
  }
  return InvalidField("page_token",
                      "このメソッドが返したトークンではありません。page_token を指定せずに"
                      "最初からやり直してください",
                      "not a token this method returned; start again without one");
}

// The plan's measurements the request asks for, by indicator then half year.
std::vector<v1::Measurement> Selected(std::vector<v1::Measurement> held,
                                      const v1::ListMeasurementsRequest& req) {
  std::vector<v1::Measurement> all;
  for (v1::Measurement& m : held) {
    if (!req.indicator_id().empty() && m.indicator_id() != req.indicator_id()) continue;
    if (req.fiscal_year() != 0 && m.period().fiscal_year() != req.fiscal_year()) continue;
    all.push_back(std::move(m));
  }
  std::sort(all.begin(), all.end(), [](const v1::Measurement& a, const v1::Measurement& b) {
    if (a.indicator_id() != b.indicator_id()) return a.indicator_id() < b.indicator_id();
    return HalfIndex(a.period()) < HalfIndex(b.period());
  });
  return all;
}

}  // namespace

namespace {

absl::Status ValidateYearFilter(int32_t fiscal_year) {
  if (fiscal_year == 0 || (fiscal_year >= kMinFiscalYear && fiscal_year <= kMaxFiscalYear)) {
    return absl::OkStatus();
  }
  return InvalidField("fiscal_year",
                      absl::StrCat(kMinFiscalYear, "〜", kMaxFiscalYear,
                                   " の年度、又は 0（全年度）を指定してください"),
                      absl::StrCat("give a fiscal year in ", kMinFiscalYear, "..",
                                   kMaxFiscalYear, ", or 0 for every year"));
}

std::string FieldOf(const v1::Measurement& m) {
  return KpiStore::MeasurementField(m.indicator_id(), m.period());
}

// Where a page starts in `all` (in list order): the first measurement at or after the token's,
// and its history from the token's offset when it is the same one.
std::pair<size_t, int64_t> StartOf(const std::vector<v1::Measurement>& all,
                                   const std::optional<std::pair<std::string, int64_t>>& resume,
                                   int64_t token_offset) {
  size_t index = 0;
  if (!resume.has_value()) return {0, 0};
  const auto position = [&all](size_t i) {
    return std::make_pair(all[i].indicator_id(), HalfIndex(all[i].period()));
  };
  while (index < all.size() && position(index) < *resume) ++index;
  const bool same = index < all.size() && position(index) == *resume;
  return {index, same ? token_offset : 0};
}

// A ListMeasurements page being filled, bounded in bytes; the token that ends it continues at
// a measurement and an offset in its history.
struct MeasurementPage {
  v1::ListMeasurementsResponse response;
  size_t bytes = 0;
  size_t max_bytes = 0;
  uint64_t binding = 0;

  void EndAt(const std::string& field, int64_t offset) {
    response.set_next_page_token(EncodeKeyPageToken("measurements", binding, field, offset));
  }
};

// Adds `m`'s history from `offset` (its first entries already read, `part`), reading the rest
// a chunk at a time. False when the page ended inside it: then the page holds `m` with the
// entries that fit (if any) and its token continues after them.
absl::StatusOr<bool> AppendHistory(KpiStore* store, const std::string& plan_id,
                                   KpiStore::HistoryPart part, int64_t offset,
                                   v1::Measurement* m, MeasurementPage* page) {
  constexpr int64_t kChunk = 256;
  for (;;) {
    for (v1::MeasurementChange& entry : part.items) {
      page->bytes += entry.ByteSizeLong() + 4;
      // A page holds at least one history entry; the rest of this history starts the next
      // page (with the measurement again).
      if (page->bytes > page->max_bytes &&
          m->history_size() + page->response.measurements_size() > 0) {
        const std::string field = FieldOf(*m);
        if (m->history_size() > 0) *page->response.add_measurements() = std::move(*m);
        page->EndAt(field, offset);
        return false;
      }
      *m->add_history() = std::move(entry);
      ++offset;
    }
    if (offset >= part.length || part.items.empty()) return true;
    ASSIGN_OR_RETURN(std::vector<KpiStore::HistoryPart> more,
                     store->HistoryRanges(plan_id, {{FieldOf(*m), offset}}, kChunk));
    part = std::move(more[0]);
  }
}

}  // namespace

absl::StatusOr<v1::ListMeasurementsResponse> Tracker::ListMeasurements(
    const Principal& who, const v1::ListMeasurementsRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  RETURN_IF_ERROR(ValidateYearFilter(req.fiscal_year()));
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 100, 1000));
  // The token holds the measurement to continue at and how much of its history was sent:
  // values recorded between pages neither shift nor repeat what comes next.
  MeasurementPage page;
  page.max_bytes = options_.max_page_bytes;
  page.binding = StableHash(absl::StrCat(req.plan(), "|", req.indicator_id(), "|",
                                         req.fiscal_year(), "|", req.include_history()));
  ASSIGN_OR_RETURN(const KeyPosition position,
                   DecodeKeyPageToken(req.page_token(), "measurements", page.binding));
  ASSIGN_OR_RETURN(const auto resume, ResumeAt(position));
  PlanState state;
  ASSIGN_OR_RETURN(const Plan plan, HeldPlan(who, plan_id, &state));
  RETURN_IF_ERROR(Authorize(who, Action::kRead, &plan));
  std::vector<v1::Measurement> all = Selected(std::move(state.measurements), req);
  auto [index, offset] = StartOf(all, resume, position.offset);
  // The first entries of the page's histories in one round trip (a few each: most histories
  // are that short); a longer one is read on a chunk at a time.
  constexpr int64_t kFirstEntries = 8;
  std::vector<KpiStore::HistoryPart> firsts;
  if (req.include_history()) {
    std::vector<std::pair<std::string, int64_t>> fields;
    for (size_t i = index; i < all.size() && fields.size() < static_cast<size_t>(page_size); ++i) {
      fields.emplace_back(FieldOf(all[i]), i == index ? offset : 0);
    }
    ASSIGN_OR_RETURN(firsts, store_->HistoryRanges(plan_id, fields, kFirstEntries));
  }
  for (size_t n = 0; index < all.size() && page.response.measurements_size() < page_size;
       ++index, ++n, offset = 0) {
    v1::Measurement m = std::move(all[index]);
    MarkNational(plan, &m);
    page.bytes += m.ByteSizeLong();
    // A page holds at least one measurement, whatever its size.
    if (page.response.measurements_size() > 0 && page.bytes > page.max_bytes) {
      page.EndAt(FieldOf(m), 0);
      return std::move(page.response);
    }
    if (req.include_history()) {
      ASSIGN_OR_RETURN(const bool whole,
                       AppendHistory(store_, plan_id, std::move(firsts[n]), offset, &m, &page));
      if (!whole) return std::move(page.response);
    }
    *page.response.add_measurements() = std::move(m);
  }
  if (index < all.size()) page.EndAt(FieldOf(all[index]), 0);
  return std::move(page.response);
}

absl::StatusOr<v1::StatusOverride> Tracker::OverrideStatus(
    const Principal& who, const v1::OverrideStatusRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  if (!v1::ProgressStatus_IsValid(req.status())) {
    return InvalidField("status", "状態の値が不正です", "not a progress status");
  }
  RETURN_IF_ERROR(ValidateText(req.reason(), "reason", kReasonRule));
  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, req.plan()));
  RETURN_IF_ERROR(Authorize(who, Action::kOverride, &plan));
  RETURN_IF_ERROR(IndicatorOf(plan, req.indicator_id()).status());
  const absl::Time now = options_.now();
  v1::StatusOverride o;
  o.set_plan(plan.name());
  o.set_indicator_id(req.indicator_id());
  o.set_status(req.status());
  o.set_reason(req.reason());
  o.set_actor(who.subject);
  *o.mutable_time() = ToProto(now);
  common::v1::Event e = PlanEvent(kSource, plan, "kpi.status_overridden", ToProto(now),
                                  who.subject);
  e.set_id(absl::StrCat("kpi/", plan.name(), "/indicators/", req.indicator_id(), "/override/",
                        absl::ToUnixNanos(now)));
  (*e.mutable_attributes())["indicator_id"] = req.indicator_id();
  (*e.mutable_attributes())["status"] =
      ShortName(v1::ProgressStatus_Name(req.status()), "PROGRESS_STATUS_");
  SetPayload(o, &e);
  RETURN_IF_ERROR(store_->PutOverride(plan_id, o, e, who.subject));
  RFS_LOG(kInfo, "audit")
      .Field("actor", who.subject)
      .Field("role", RoleName(who.role))
      .Field("action", req.status() == v1::PROGRESS_STATUS_UNSPECIFIED ? "CLEAR_OVERRIDE"
                                                                       : "OVERRIDE_STATUS")
      .Field("plan", plan.name())
      .Field("indicator", req.indicator_id())
      .Field("status", ShortName(v1::ProgressStatus_Name(req.status()), "PROGRESS_STATUS_"));
  return o;
}

absl::StatusOr<v1::PeriodLock> Tracker::UnlockPeriod(const Principal& who,
                                                     const v1::UnlockPeriodRequest& req) {
  ASSIGN_OR_RETURN(const std::string plan_id, ParsePlanName(req.plan(), "plan"));
  RETURN_IF_ERROR(ValidatePlanPeriod(req.period(), "period", /*half_required=*/true));
  RETURN_IF_ERROR(ValidateText(req.reason(), "reason", kReasonRule));
  const absl::Time now = options_.now();
  const absl::Time until = req.has_until() ? FromProto(req.until()) : now + kDefaultUnlock;
  if (until <= now || until > now + kMaxUnlock) {
    return InvalidField("until", "現在から 366 日以内の将来の日時を指定してください",
                        "give a time in the next 366 days");
  }
  ASSIGN_OR_RETURN(const Plan plan, ReadCurrentPlan(who, req.plan()));
  RETURN_IF_ERROR(Authorize(who, Action::kUnlock, &plan));
  RETURN_IF_ERROR(WithinPlanPeriod(plan, req.period(), "period"));
  v1::PeriodLock lock;
  lock.set_plan(plan.name());
  *lock.mutable_period() = req.period();
  *lock.mutable_deadline() = ToProto(Deadline(options_.calendar, req.period()));
  *lock.mutable_unlocked_until() = ToProto(until);
  lock.set_unlocked_by(who.subject);
  lock.set_reason(req.reason());
  lock.set_locked(false);
  common::v1::Event e = PlanEvent(kSource, plan, "kpi.period_unlocked", ToProto(now),
                                  who.subject);
  e.set_id(absl::StrCat("kpi/", plan.name(), "/periods/", PeriodKey(req.period()), "/unlock/",
                        absl::ToUnixNanos(now)));
  (*e.mutable_attributes())["period"] = PeriodKey(req.period());
  SetPayload(lock, &e);
  RETURN_IF_ERROR(store_->PutUnlock(plan_id, PeriodKey(req.period()), lock, e, who.subject));
  RFS_LOG(kInfo, "audit")
      .Field("actor", who.subject)
      .Field("role", RoleName(who.role))
      .Field("action", "UNLOCK_PERIOD")
      .Field("plan", plan.name())
      .Field("period", PeriodKey(req.period()))
      .Field("until", absl::FormatTime(until));
  return lock;
}

}  // namespace rfs::kpi
