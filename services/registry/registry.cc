#include "services/registry/registry.h"

#include <google/protobuf/util/field_mask_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/random/distributions.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/codes.h"
#include "common/domain/plan_event.h"
#include "common/domain/plan_filters.h"
#include "common/kit/api.h"
#include "services/registry/access_policy.h"
#include "services/registry/lifecycle.h"
#include "services/registry/plan_diff.h"

namespace rfs::registry {

using google::protobuf::util::FieldMaskUtil;
using google::protobuf::util::TimeUtil;
using v1::Plan;

namespace {

constexpr char kPlanPrefix[] = "plans/";

constexpr char kUnknownViewJa[] =
    "不明な値です。PLAN_VIEW_BASIC 又は PLAN_VIEW_FULL を指定するか、未指定にしてください";

// Fields an UpdatePlan may name (top level; sub-paths of message fields are allowed too).
const absl::flat_hash_set<std::string>& MutableFields() {
  static const auto* fields = new absl::flat_hash_set<std::string>{
      "title",          "summary",          "authors",          "lead_author_code",
      "area",           "strategic_fields", "other_fields",     "period",
      "core_investments", "stakeholders",   "policy_issues",    "infrastructure_needs",
      "support_measures", "priority_companies", "prefecture_totals", "attestations",
      "indicators"};
  return *fields;
}

void ClearOutputOnly(Plan* p) {
  p->clear_name();
  p->clear_stage();
  p->clear_sign_offs();
  p->clear_version();
  p->clear_content_version();
  p->clear_etag();
  p->clear_create_time();
  p->clear_update_time();
  p->clear_created_by();
  p->clear_updated_by();
  p->clear_stage_comment();
  p->clear_requirement_check();
}

// FAILED_PRECONDITION for a gated move whose check did not pass, naming what is missing.
absl::Status NotPassed(const Plan& plan, v1::PlanStage target,
                       const common::v1::RequirementCheckSummary& check) {
  std::string what, what_ja;
  if (check.unmet_requirement_ids_size() > 0) {
    absl::StrAppend(&what, "unmet requirements: ", absl::StrJoin(check.unmet_requirement_ids(), ", "));
    absl::StrAppend(&what_ja, "満たしていない要件: ",
                    absl::StrJoin(check.unmet_requirement_ids(), ", "), "。");
  }
  if (check.pending_requirement_ids_size() > 0) {
    absl::StrAppend(&what, what.empty() ? "" : "; ", "awaiting a reviewer's decision: ",
                    absl::StrJoin(check.pending_requirement_ids(), ", "));
    absl::StrAppend(&what_ja, "地方経済産業局又は事務局の確認待ちの要件: ",
                    absl::StrJoin(check.pending_requirement_ids(), ", "), "。");
  }
  const char* verdict = check.verdict() == common::v1::CHECK_VERDICT_FAIL ? "FAIL" : "PENDING_REVIEW";
  return FailedPrecondition(
      absl::StrCat(plan.name(), " は ", StageName(target), " に移行できません。要件確認（ルールセット ",
                   check.ruleset_version(), "）の結果が ", verdict, " です。", what_ja,
                   "rfs.requirements.v1.RequirementCheck/CheckPlan（rfsctl check ", plan.name(),
                   "）で内容を確認し、要件を満たすよう計画を修正するか、確認を受けてください"),
      absl::StrCat(plan.name(), " cannot move to ", StageName(target),
                   ": the requirement check (ruleset ", check.ruleset_version(), ") is ", verdict,
                   " — ", what, ". See rfs.requirements.v1.RequirementCheck/CheckPlan (rfsctl check ",
                   plan.name(), ")"));
}

bool SameContent(const Plan& a, const Plan& b) {
  Plan x = a, y = b;
  ClearOutputOnly(&x);
  ClearOutputOnly(&y);
  return google::protobuf::util::MessageDifferencer::Equals(x, y);
}

v1::Actor ActorOf(const Principal& who) {
  v1::Actor a;
  a.set_subject(who.subject);
  a.set_role(RoleName(who.role));
  a.set_body_code(who.body_code);
  a.set_block(who.block);
  return a;
}

google::protobuf::Timestamp Now() {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
}

const char* EventType(v1::ChangeKind kind) {
  switch (kind) {
    case v1::CHANGE_KIND_CREATE:
      return "plan.created";
    case v1::CHANGE_KIND_UPDATE:
      return "plan.updated";
    case v1::CHANGE_KIND_TRANSITION:
      return "plan.stage_changed";
    case v1::CHANGE_KIND_SIGN_OFF:
      return "plan.signed_off";
    default:
      return "plan.changed";
  }
}

common::v1::Event MakeEvent(const Plan& plan, const v1::AuditRecord& audit) {
  common::v1::Event e =
      PlanEvent("rfs-registry", plan, EventType(audit.kind()), audit.time(), audit.actor().subject());
  // A plan being created has no name yet: the store adds the id and the plan to its event.
  if (!plan.name().empty()) e.set_id(absl::StrCat("registry/", plan.name(), "/v", plan.version()));
  auto& attrs = *e.mutable_attributes();
  if (audit.from_stage() != audit.to_stage()) {
    attrs["from_stage"] = StageName(audit.from_stage());
    attrs["to_stage"] = StageName(audit.to_stage());
  }
  if (!audit.changed_fields().empty()) {
    attrs["changed_fields"] = absl::StrJoin(audit.changed_fields(), ",");
  }
  if (!audit.author_code().empty()) attrs["author_code"] = audit.author_code();
  return e;
}

void LogAudit(const v1::AuditRecord& audit, const Plan& plan) {
  RFS_LOG(kInfo, "audit")
      .Field("actor", audit.actor().subject())
      .Field("role", audit.actor().role())
      .Field("action", v1::ChangeKind_Name(audit.kind()))
      .Field("plan", plan.name())
      .Field("version", plan.version())
      .Field("stage", StageName(plan.stage()));
}

// RESOURCE_EXHAUSTED for a write over the caller's quota, saying when to try again.
absl::Status OverQuota(const Principal& who, const WriteResult& result) {
  return rfs::OverQuota(who.subject, {result.retry_seconds, result.quota});
}

absl::Status CheckEtag(const Plan& current, const std::string& etag) {
  ASSIGN_OR_RETURN(const int64_t version, ParseEtag(etag));
  if (version != current.version()) {
    return EtagConflict(current.name(), etag, current.etag());
  }
  return absl::OkStatus();
}

absl::Status ValidateComment(const std::string& comment) {
  return ValidateText(comment, "comment", {2000, false, true});
}

}  // namespace

Registry::Registry(RegistryStore* store, const ReferenceData* reference, SubmissionGate* gate,
                   RegistryOptions options)
    : store_(store), reference_(reference), gate_(gate), options_(std::move(options)) {}

absl::StatusOr<Plan> Registry::CreatePlan(const Principal& who, const v1::CreatePlanRequest& req) {
  const std::string& request_id = req.request_id();
  RETURN_IF_ERROR(ValidateRequestId(request_id));
  // Roles that never create plans are told so before anything about their input.
  RETURN_IF_ERROR(Authorize(who, {Action::kCreatePlan, nullptr}));
  if (!req.has_plan()) return InvalidField("plan", "必須項目です。計画を指定してください", "required");
  Plan plan = req.plan();
  // Fields this build does not know would be stored and served to every reader unchecked.
  plan.DiscardUnknownFields();
  ClearOutputOnly(&plan);
  RETURN_IF_ERROR(ValidateAndNormalizePlan(*reference_, options_.limits, &plan));
  RETURN_IF_ERROR(Authorize(who, {Action::kCreatePlan, &plan}));

  // The name is given by the store, inside the write (see RegistryStore::Write).
  plan.set_stage(v1::PLAN_STAGE_DRAFTING);
  plan.set_version(1);
  plan.set_content_version(1);
  plan.set_etag(EtagOf(1));
  *plan.mutable_create_time() = Now();
  *plan.mutable_update_time() = plan.create_time();
  plan.set_created_by(who.subject);
  plan.set_updated_by(who.subject);

  PlanWrite write;
  write.expected_version = 0;
  write.plan = &plan;
  const Plan summary = BasicView(plan);
  write.summary = &summary;
  write.audit.set_kind(v1::CHANGE_KIND_CREATE);
  *write.audit.mutable_time() = plan.create_time();
  *write.audit.mutable_actor() = ActorOf(who);
  write.audit.set_version(1);
  write.audit.set_content_version(1);
  write.audit.set_to_stage(plan.stage());
  write.audit.set_request_id(request_id);
  write.event = MakeEvent(plan, write.audit);
  if (!request_id.empty()) {
    write.request_key = RegistryStore::RequestKey(who.subject, request_id);
    write.request_fingerprint = RequestFingerprint(req.plan());
  }
  write.request_ttl_seconds = options_.request_id_ttl_seconds;
  write.principal = who.subject;

  ASSIGN_OR_RETURN(WriteResult result, store_->Write(write));
  switch (result.outcome) {
    case WriteResult::Outcome::kOverQuota:
      return OverQuota(who, result);
    case WriteResult::Outcome::kWritten:
      plan.set_name(absl::StrCat(kPlanPrefix, result.id));
      LogAudit(write.audit, plan);
      return plan;
    case WriteResult::Outcome::kRequestReused:
      return InvalidField(
          "request_id",
          "この request_id は別の内容の計画の作成に使われました。同じ計画の再送でなければ、新しい "
          "request_id を指定してください",
          "was already used to create a different plan; a retry must resend the same plan, a "
          "new plan needs a new request_id");
    case WriteResult::Outcome::kDuplicateRequest: {
      // The first request with this id succeeded: answer as it did (with the plan as it is now).
      ASSIGN_OR_RETURN(auto existing, store_->GetCurrent(result.id));
      RETURN_IF_ERROR(Authorize(who, {Action::kReadPlan, existing.get()}));
      return *existing;
    }
    default:
      return absl::InternalError(absl::StrCat(
          "plan id ", result.id, " is already taken although the plan counter is below it; "
          "the registry's data in Redis needs an operator's attention"));
  }
}

void Registry::GetPlanAsync(const Principal& who, const v1::GetPlanRequest& req,
                            absl::AnyInvocable<void(absl::StatusOr<grpc::Slice>)> done) {
  absl::StatusOr<std::string> id = ParsePlanName(req.name(), "name");
  if (!id.ok()) return done(id.status());
  if (req.version() < 0) {
    return done(InvalidField("version", "0（現在の版）又は版番号を指定してください",
                             "must be 0 (current) or a version number"));
  }
  if (!v1::PlanView_IsValid(req.view())) {
    return done(InvalidField("view", kUnknownViewJa, "unknown value"));
  }
  const bool basic = req.view() == v1::PLAN_VIEW_BASIC;
  // Who may read a plan is decided on its current version (its authors, area and stage), for
  // every version, as for history and diffs.
  store_->GetCurrentAsync(
      *id, [this, who, name = req.name(), id = *id, version = req.version(), basic,
            done = std::move(done)](absl::StatusOr<CachedPlanPtr> current) mutable {
        if (!current.ok()) return done(HideExistence(who, name, current.status()));
        if (absl::Status allowed = Authorize(who, {Action::kReadPlan, &(*current)->plan});
            !allowed.ok()) {
          // A former author of a joint plan still reads the versions it was an author of.
          if (version == 0 || version > (*current)->plan.version() ||
              (who.role != Role::kPrefecture && who.role != Role::kMunicipality)) {
            return done(allowed);
          }
          return store_->GetVersionAsync(
              id, version,
              [who, basic, allowed, done = std::move(done)](
                  absl::StatusOr<CachedPlanPtr> plan) mutable {
                if (!plan.ok() || !IsPlanAuthor(who, (*plan)->plan)) return done(allowed);
                done(basic ? (*plan)->basic : (*plan)->full);
              });
        }
        if (version == 0 || version == (*current)->plan.version()) {
          return done(basic ? (*current)->basic : (*current)->full);
        }
        store_->GetVersionAsync(id, version,
                                [basic, done = std::move(done)](
                                    absl::StatusOr<CachedPlanPtr> plan) mutable {
                                  if (!plan.ok()) return done(plan.status());
                                  done(basic ? (*plan)->basic : (*plan)->full);
                                });
      });
}

absl::Status Registry::ValidateListFilters(const v1::ListPlansRequest& req) const {
  if (!v1::PlanType_IsValid(req.type())) {
    return InvalidField("type", "不明な値です。PLAN_TYPE_A、PLAN_TYPE_B、PLAN_TYPE_C のいずれかを"
                                "指定するか、未指定にしてください",
                        "unknown value");
  }
  if (!v1::PlanStage_IsValid(req.stage())) {
    return InvalidField("stage", "不明な値です。計画の段階（例: PLAN_STAGE_DRAFTING）を指定するか、"
                                 "未指定にしてください",
                        "unknown value");
  }
  if (!v1::PlanView_IsValid(req.view())) return InvalidField("view", kUnknownViewJa, "unknown value");
  RETURN_IF_ERROR(ValidateBlockFilter(*reference_, req.block()));
  RETURN_IF_ERROR(NormalizePrefectureFilter(req.prefecture_code()).status());
  RETURN_IF_ERROR(ValidateStrategicFieldFilter(*reference_, req.strategic_field()));
  RETURN_IF_ERROR(ValidateText(req.title_contains(), "title_contains", {200, false, false}));

  return absl::OkStatus();
}

namespace {

// The indexes a ListPlans request reads: the most selective is scanned, the others are
// membership checks.
std::vector<std::string> ListIndexes(const v1::ListPlansRequest& req,
                                     const std::string& prefecture) {
  std::vector<std::string> indexes;
  if (!prefecture.empty()) indexes.push_back(RegistryStore::IndexKey("pref", prefecture));
  if (!req.strategic_field().empty()) {
    indexes.push_back(RegistryStore::IndexKey("field", req.strategic_field()));
  }
  if (!req.block().empty()) indexes.push_back(RegistryStore::IndexKey("block", req.block()));
  if (req.stage() != v1::PLAN_STAGE_UNSPECIFIED) {
    indexes.push_back(RegistryStore::IndexKey("stage", StageName(req.stage())));
  }
  if (indexes.empty()) indexes.push_back(RegistryStore::AllIndexKey());
  return indexes;
}

}  // namespace

absl::StatusOr<v1::ListPlansResponse> Registry::ListPlans(const Principal& who,
                                                          const v1::ListPlansRequest& req) {
  ASSIGN_OR_RETURN(int page_size,
                   PageSize(req.page_size(), options_.default_page_size, options_.max_page_size));
  RETURN_IF_ERROR(ValidateListFilters(req));
  ASSIGN_OR_RETURN(const std::string prefecture, NormalizePrefectureFilter(req.prefecture_code()));
  const std::vector<std::string> indexes = ListIndexes(req, prefecture);
  const std::string id_prefix = req.type() == v1::PLAN_TYPE_UNSPECIFIED
                                    ? ""
                                    : absl::StrCat(PlanTypeLetter(req.type()), "-");

  const std::string folded_title = FoldAsciiCase(req.title_contains());
  const uint64_t binding = StableHash(
      absl::StrCat(absl::StrJoin(indexes, " "), "|", id_prefix, "|", folded_title));
  ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req.page_token(), "plans", binding));

  ListQuery query;
  query.primary_index = indexes.front();
  query.other_indexes.assign(indexes.begin() + 1, indexes.end());
  query.title_folded = folded_title;
  query.id_prefix = id_prefix;
  query.after_sequence = after;

  // A page ends at page_size plans, or before its plans would pass the byte budget (below the
  // maximum message size): a FULL page of large plans never fails for being large, and memory
  // per call stays bounded. The next page token continues after the last plan included.
  const bool full = req.view() == v1::PLAN_VIEW_FULL;
  query.with_sizes = full;
  v1::ListPlansResponse response;
  std::vector<std::pair<std::string, int64_t>> to_read;  // FULL: (id, version) in page order
  int64_t last_included = after;
  size_t bytes = 0;
  int count = 0;
  bool more = false;
  constexpr int kMaxScans = 10;
  int scans = 0;
  for (; scans < kMaxScans; ++scans) {
    // One extra, to know whether a next page exists.
    query.want = page_size - count + 1;
    ASSIGN_OR_RETURN(ListBatch batch, store_->List(query));
    for (ListItem& item : batch.items) {
      if (!CanReadPlan(who, item.summary)) continue;
      const size_t size = full ? item.full_bytes : item.summary.ByteSizeLong();
      if (count == page_size || (count > 0 && bytes + size > options_.max_page_bytes)) {
        more = true;
        break;
      }
      bytes += size;
      ++count;
      last_included = item.sequence;
      if (full) {
        ASSIGN_OR_RETURN(std::string id, ParsePlanName(item.summary.name(), "stored plan name"));
        to_read.emplace_back(std::move(id), item.summary.version());
      } else {
        *response.add_plans() = std::move(item.summary);
      }
    }
    if (more || batch.exhausted) break;
    query.after_sequence = batch.last_scanned;
    if (count == page_size) {
      // The page is full but the scan stopped before finding the extra one.
      more = true;
      break;
    }
  }
  if (full) {
    // One pipelined read for the versions not cached in process.
    ASSIGN_OR_RETURN(std::vector<std::shared_ptr<const Plan>> plans, store_->GetVersions(to_read));
    for (const auto& plan : plans) *response.add_plans() = *plan;
  }
  if (more) {
    response.set_next_page_token(EncodePageToken("plans", binding, last_included));
  } else if (scans == kMaxScans) {
    // Scanned a lot without filling the page: return what there is and continue later.
    response.set_next_page_token(EncodePageToken("plans", binding, query.after_sequence));
  }
  return response;
}

template <typename Change>
absl::StatusOr<Plan> Registry::WriteNextVersion(const Principal& who, const std::string& name,
                                                const std::string& etag, v1::ChangeKind kind,
                                                Change change) {
  ASSIGN_OR_RETURN(std::string id, ParsePlanName(name, "name"));
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<std::shared_ptr<const Plan>> read = store_->GetCurrent(id);
    if (!read.ok()) return HideExistence(who, name, read.status());
    std::shared_ptr<const Plan> current = *std::move(read);
    // Who may not even read the plan is told so, in the words used for a plan that does not
    // exist: what it may not change says nothing about whether the plan exists.
    if (!CanReadPlan(who, *current)) return ReadDenied(who, name);
    if (!etag.empty()) RETURN_IF_ERROR(CheckEtag(*current, etag));
    Plan next = *current;
    v1::AuditRecord audit;
    // change() authorizes, checks and edits `next`; false means there is nothing to write.
    ASSIGN_OR_RETURN(bool changed, change(*current, &next, &audit));
    if (!changed) return *current;

    next.set_version(current->version() + 1);
    next.set_etag(EtagOf(next.version()));
    *next.mutable_update_time() = Now();
    next.set_updated_by(who.subject);

    audit.set_kind(kind);
    *audit.mutable_time() = next.update_time();
    *audit.mutable_actor() = ActorOf(who);
    audit.set_version(next.version());
    audit.set_content_version(next.content_version());
    audit.set_from_stage(current->stage());
    audit.set_to_stage(next.stage());

    PlanWrite write;
    write.expected_version = current->version();
    write.plan = &next;
    const Plan summary = BasicView(next);
    write.summary = &summary;
    write.audit = audit;
    write.event = MakeEvent(next, audit);
    write.principal = who.subject;
    // Authors removed by this write keep read access to the versions they took part in.
    for (const auto& a : current->authors()) {
      bool kept = false;
      for (const auto& b : next.authors()) kept |= a.local_government_code() == b.local_government_code();
      if (!kept) write.removed_authors.push_back(a.local_government_code());
    }
    ASSIGN_OR_RETURN(WriteResult result, store_->Write(write));
    switch (result.outcome) {
      case WriteResult::Outcome::kWritten:
        LogAudit(audit, next);
        return next;
      case WriteResult::Outcome::kOverQuota:
        return OverQuota(who, result);
      case WriteResult::Outcome::kNotFound:
        return HideExistence(who, name, absl::NotFoundError(absl::StrCat("plan ", name, " not found")));
      case WriteResult::Outcome::kVersionConflict:
        if (!etag.empty()) {
          return EtagConflict(name, etag, EtagOf(result.current_version));
        }
        if (attempt >= options_.write_attempts) {
          return Bilingual(
              absl::StatusCode::kAborted,
              absl::StrCat(name, " は現在ほかの利用者が変更しています。しばらくしてから再度お試し"
                                 "ください"),
              absl::StrCat(name, " is being changed by others right now; try again"));
        }
        // Someone wrote in between: redo the change on the new version, after a short random
        // pause so that contending writers spread out.
        thread_local absl::BitGen bitgen;  // a BitGen is not thread-safe
        absl::SleepFor(absl::Microseconds(absl::Uniform(bitgen, 0, 500 * attempt)));
        continue;
      default:
        return absl::InternalError("unexpected write outcome");
    }
  }
}

absl::StatusOr<Plan> Registry::UpdatePlan(const Principal& who, const v1::UpdatePlanRequest& req) {
  if (!req.has_plan()) return InvalidField("plan", "必須項目です。計画を指定してください", "required");
  if (req.update_mask().paths().empty()) {
    return InvalidField(
        "update_mask",
        "必須項目です。変更するフィールドを列挙してください（例: \"title,indicators\"）。すべての"
        "フィールドを変更する場合は \"*\" を指定してください",
        "required; list the fields you change (e.g. \"title,indicators\"), or \"*\" for all");
  }
  google::protobuf::FieldMask mask;
  for (const std::string& path : req.update_mask().paths()) {
    if (path == "*") {
      for (const auto& f : MutableFields()) mask.add_paths(f);
      continue;
    }
    const std::string top = path.substr(0, path.find('.'));
    if (!MutableFields().contains(top)) {
      return InvalidField(
          "update_mask",
          absl::StrCat("'", Excerpt(path), "' は更新できません",
                       top == "stage"       ? "（段階の変更には TransitionPlan を使用してください）"
                       : top == "type"      ? "（タイプは変更できません。新しい計画を作成してください）"
                       : top == "sign_offs" ? "（署名（サインオフ）には SignOffPlan を使用してください）"
                                            : "（フィールドではないか、レジストリが設定する項目です）"),
          absl::StrCat("'", Excerpt(path), "' cannot be updated",
                       top == "stage"       ? " (use TransitionPlan)"
                       : top == "type"      ? " (the type is fixed; create a new plan)"
                       : top == "sign_offs" ? " (use SignOffPlan)"
                                            : " (not a field, or set by the registry)"));
    }
    if (!FieldMaskUtil::IsValidPath<Plan>(path)) {
      return InvalidField(
          "update_mask",
          absl::StrCat("'", Excerpt(path), "' は Plan のフィールドパスではありません"),
          absl::StrCat("'", Excerpt(path), "' is not a field path of Plan"));
    }
    mask.add_paths(path);
  }
  FieldMaskUtil::MergeOptions merge;
  merge.set_replace_message_fields(true);
  merge.set_replace_repeated_fields(true);

  v1::AuditRecord template_audit;
  for (const auto& p : mask.paths()) template_audit.add_changed_fields(p);

  return WriteNextVersion(
      who, req.plan().name(), req.plan().etag(), v1::CHANGE_KIND_UPDATE,
      [&](const Plan& current, Plan* next, v1::AuditRecord* audit) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(Authorize(who, {Action::kUpdatePlan, &current}));  // before any work
        if (!ContentEditable(current.stage())) {
          return FailedPrecondition(
              absl::StrCat(current.name(), " は ", StageName(current.stage()),
                           " の段階にあるため、内容を変更できません。内容を変更できるのは DRAFTING、"
                           "PRE_CONSULTATION、COORDINATION 又は REVISING の段階です"),
              absl::StrCat(current.name(), " is ", StageName(current.stage()),
                           "; its content can change in DRAFTING, PRE_CONSULTATION, COORDINATION "
                           "or REVISING"));
        }
        FieldMaskUtil::MergeMessageTo(req.plan(), mask, merge, next);
        next->DiscardUnknownFields();
        RETURN_IF_ERROR(ValidateAndNormalizePlan(*reference_, options_.limits, next));
        AccessRequest update{Action::kUpdatePlan, &current};
        update.proposed = next;
        RETURN_IF_ERROR(Authorize(who, update));
        if (SameContent(current, *next)) return false;
        next->set_content_version(current.version() + 1);
        // Sign-offs were given on the old content.
        next->clear_sign_offs();
        *audit = template_audit;
        return true;
      });
}

absl::StatusOr<Plan> Registry::TransitionPlan(const Principal& who,
                                              const v1::TransitionPlanRequest& req) {
  RETURN_IF_ERROR(ValidateComment(req.comment()));
  return WriteNextVersion(
      who, req.name(), req.etag(), v1::CHANGE_KIND_TRANSITION,
      [&](const Plan& current, Plan* next, v1::AuditRecord* audit) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(
            Authorize(who, {Action::kTransitionPlan, &current, req.target_stage()}));
        RETURN_IF_ERROR(CheckTransition(current.stage(), req.target_stage(), req.comment()));
        if (NeedsSignOffs(req.target_stage())) {
          std::vector<std::string> missing = MissingSignOffs(current);
          if (!missing.empty()) {
            return FailedPrecondition(
                absl::StrCat(current.name(), " は共同策定の計画です。", StageName(req.target_stage()),
                             " に移行する前に、すべての策定主体が現在の内容に署名（サインオフ）する"
                             "必要があります。署名（サインオフ）が済んでいない策定主体: ",
                             absl::StrJoin(missing, ", "), "（SignOffPlan で署名してください）"),
                absl::StrCat(current.name(),
                             " is a joint plan: every author signs off its current content "
                             "before it moves to ",
                             StageName(req.target_stage()), "; missing sign-offs of ",
                             absl::StrJoin(missing, ", "), " (SignOffPlan)"));
          }
        }
        if (gate_ != nullptr && CheckedMove(current.stage(), req.target_stage())) {
          ASSIGN_OR_RETURN(common::v1::RequirementCheckSummary check, gate_->Check(current));
          if (GatedMove(current.stage(), req.target_stage()) &&
              check.verdict() != common::v1::CHECK_VERDICT_PASS) {
            return NotPassed(current, req.target_stage(), check);
          }
          *next->mutable_requirement_check() = std::move(check);
        }
        next->set_stage(req.target_stage());
        next->set_stage_comment(req.comment());
        audit->set_comment(req.comment());
        return true;
      });
}

absl::StatusOr<Plan> Registry::SignOffPlan(const Principal& who,
                                           const v1::SignOffPlanRequest& req) {
  RETURN_IF_ERROR(ValidateComment(req.comment()));
  ASSIGN_OR_RETURN(std::string author, NormalizeLocalGovernmentCode(req.author_code(), "author_code"));
  return WriteNextVersion(
      who, req.name(), req.etag(), v1::CHANGE_KIND_SIGN_OFF,
      [&](const Plan& current, Plan* next, v1::AuditRecord* audit) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(Authorize(who, {Action::kSignOffPlan, &current,
                                        v1::PLAN_STAGE_UNSPECIFIED, author}));
        if (!SignOffOpen(current.stage())) {
          return FailedPrecondition(
              absl::StrCat(current.name(), " は ", StageName(current.stage()),
                           " の段階です。策定主体による署名（サインオフ）は COORDINATION 又は "
                           "REVISING の段階で行います"),
              absl::StrCat(current.name(), " is ", StageName(current.stage()),
                           "; authors sign off in COORDINATION or REVISING"));
        }
        for (const auto& s : current.sign_offs()) {
          if (s.author_code() == author && s.content_version() == current.content_version()) {
            return false;  // already signed this content
          }
        }
        next->clear_sign_offs();
        for (const auto& s : current.sign_offs()) {
          if (s.author_code() != author) *next->add_sign_offs() = s;
        }
        v1::SignOff* s = next->add_sign_offs();
        s->set_author_code(author);
        s->set_signed_by(who.subject);
        *s->mutable_sign_time() = Now();
        s->set_content_version(current.content_version());
        s->set_comment(req.comment());
        audit->set_author_code(author);
        audit->set_comment(req.comment());
        return true;
      });
}

absl::StatusOr<int64_t> Registry::ReadableUntil(const Principal& who, const std::string& name,
                                               const std::string& id) {
  absl::StatusOr<std::shared_ptr<const Plan>> current = store_->GetCurrent(id);
  if (!current.ok()) return HideExistence(who, name, current.status());
  if (CanReadPlan(who, **current)) return std::numeric_limits<int64_t>::max();
  if (who.role == Role::kPrefecture || who.role == Role::kMunicipality) {
    ASSIGN_OR_RETURN(const int64_t until, store_->FormerAuthorUntil(id, who.body_code));
    if (until > 0) return until;
  }
  return ReadDenied(who, name);
}

absl::StatusOr<v1::ListPlanVersionsResponse> Registry::ListPlanVersions(
    const Principal& who, const v1::ListPlanVersionsRequest& req) {
  ASSIGN_OR_RETURN(std::string id, ParsePlanName(req.name(), "name"));
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 100, 1000));
  ASSIGN_OR_RETURN(int64_t offset, DecodePageToken(req.page_token(), "versions", StableHash(id)));
  ASSIGN_OR_RETURN(const int64_t until, ReadableUntil(who, req.name(), id));
  ASSIGN_OR_RETURN(auto page, store_->History(id, offset, std::min<int64_t>(page_size, until - offset)));
  page.second = std::min(page.second, until);
  v1::ListPlanVersionsResponse response;
  for (const v1::AuditRecord& r : page.first) {
    v1::PlanVersion* v = response.add_versions();
    v->set_version(r.version());
    *v->mutable_create_time() = r.time();
    *v->mutable_actor() = r.actor();
    v->set_kind(r.kind());
    v->set_stage(r.to_stage());
    v->set_content_version(r.content_version());
  }
  if (offset + page_size < page.second) {
    response.set_next_page_token(EncodePageToken("versions", StableHash(id), offset + page_size));
  }
  return response;
}

absl::StatusOr<v1::GetPlanHistoryResponse> Registry::GetPlanHistory(
    const Principal& who, const v1::GetPlanHistoryRequest& req) {
  ASSIGN_OR_RETURN(std::string id, ParsePlanName(req.name(), "name"));
  ASSIGN_OR_RETURN(int page_size, PageSize(req.page_size(), 100, 1000));
  ASSIGN_OR_RETURN(int64_t offset, DecodePageToken(req.page_token(), "history", StableHash(id)));
  ASSIGN_OR_RETURN(const int64_t until, ReadableUntil(who, req.name(), id));
  ASSIGN_OR_RETURN(auto page, store_->History(id, offset, std::min<int64_t>(page_size, until - offset)));
  page.second = std::min(page.second, until);
  v1::GetPlanHistoryResponse response;
  for (auto& r : page.first) *response.add_records() = std::move(r);
  if (offset + page_size < page.second) {
    response.set_next_page_token(EncodePageToken("history", StableHash(id), offset + page_size));
  }
  return response;
}

absl::StatusOr<v1::DiffPlanVersionsResponse> Registry::DiffPlanVersions(
    const Principal& who, const v1::DiffPlanVersionsRequest& req) {
  ASSIGN_OR_RETURN(std::string id, ParsePlanName(req.name(), "name"));
  if (req.from_version() < 1) {
    return InvalidField("from_version", "必須項目です。版番号（1以上）を指定してください",
                        "required, a version number (1 or more)");
  }
  if (req.to_version() < 0) {
    return InvalidField("to_version", "版番号を指定してください（現在の版と比べる場合は 0）",
                        "a version number, or 0 for the current one");
  }
  ASSIGN_OR_RETURN(const int64_t until, ReadableUntil(who, req.name(), id));
  ASSIGN_OR_RETURN(auto current, store_->GetCurrent(id));
  std::shared_ptr<const Plan> newer = current;
  if (req.to_version() != 0 && req.to_version() != current->version()) {
    ASSIGN_OR_RETURN(newer, store_->GetVersion(id, req.to_version()));
  }
  if (newer->version() > until) return ReadDenied(who, req.name());
  if (req.from_version() > newer->version()) {
    return InvalidField(
        "from_version",
        absl::StrCat(req.from_version(), " は to_version ", newer->version(),
                     " より後の版です。to_version 以前の版番号を指定してください"),
        absl::StrCat(req.from_version(), " is after to_version ", newer->version()));
  }
  ASSIGN_OR_RETURN(auto older, store_->GetVersion(id, req.from_version()));
  v1::DiffPlanVersionsResponse response;
  response.set_from_version(older->version());
  response.set_to_version(newer->version());
  for (auto& c : DiffPlans(*older, *newer)) *response.add_changes() = std::move(c);
  return response;
}

absl::StatusOr<v1::ListReferenceDataResponse> Registry::ListReferenceData(
    const Principal& who, const v1::ListReferenceDataRequest&) {
  RETURN_IF_ERROR(Authorize(who, {Action::kReadReferenceData}));
  v1::ListReferenceDataResponse response;
  for (const PrefectureInfo& p : reference_->prefectures()) {
    v1::Prefecture* out = response.add_prefectures();
    out->set_jis_code(p.jis_code);
    out->set_local_government_code(p.local_government_code);
    out->set_name_ja(p.name_ja);
    out->set_name_en(p.name_en);
    out->set_block(p.block);
    out->set_tokyo_area(p.tokyo_area);
  }
  for (const BlockInfo& b : reference_->blocks()) {
    v1::Block* out = response.add_blocks();
    out->set_id(b.id);
    out->set_name_ja(b.name_ja);
    out->set_name_en(b.name_en);
  }
  for (const StrategicFieldInfo& f : reference_->strategic_fields()) {
    v1::StrategicField* out = response.add_strategic_fields();
    out->set_number(f.number);
    out->set_id(f.id);
    out->set_name_ja(f.name_ja);
    out->set_name_en(f.name_en);
  }
  return response;
}

}  // namespace rfs::registry
