#include "services/requirements/checker.h"

#include <algorithm>

#include <google/protobuf/util/time_util.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/codes.h"
#include "common/domain/plan_access.h"
#include "common/domain/plan_event.h"
#include "common/kit/api.h"
#include "common/kit/metrics.h"
#include "services/requirements/access_policy.h"
#include "services/requirements/rules.h"
#include "services/requirements/scoring.h"

namespace rfs::requirements {
namespace {

using google::protobuf::util::TimeUtil;
using registry::v1::Plan;

constexpr char kSource[] = "rfs-requirements";
constexpr size_t kMaxCommentChars = 2000;

google::protobuf::Timestamp Now() {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
}

const char* VerdictLabel(common::v1::CheckVerdict v) {
  switch (v) {
    case common::v1::CHECK_VERDICT_PASS:
      return "PASS";
    case common::v1::CHECK_VERDICT_PENDING_REVIEW:
      return "PENDING_REVIEW";
    case common::v1::CHECK_VERDICT_FAIL:
      return "FAIL";
    default:
      return "UNSPECIFIED";
  }
}

// The envelope of an event about `plan`.
common::v1::Event EventFor(const Plan& plan, const Principal& who, std::string id,
                           std::string type) {
  common::v1::Event e = PlanEvent(kSource, plan, std::move(type), Now(), who.subject);
  e.set_id(std::move(id));
  return e;
}

}  // namespace

Checker::Checker(RequirementsStore* store, RegistryClient* registry, Executor* executor,
                 const ReferenceData* reference, PlanLimits limits, Ruleset ruleset,
                 prometheus::Registry& metrics, size_t max_page_bytes)
    : store_(store),
      registry_(registry),
      executor_(executor),
      reference_(reference),
      limits_(limits),
      max_page_bytes_(max_page_bytes),
      ruleset_(std::move(ruleset)),
      checks_(prometheus::BuildCounter()
                  .Name("rfs_requirement_checks_total")
                  .Help("Requirement check reports served (computed or from the cache), by plan "
                        "type and verdict.")
                  .Register(metrics)) {
  const CacheCounters cache = CacheRequestCounters(metrics, "requirement_report");
  cache_hit_ = cache.hit;
  cache_miss_ = cache.miss;
  // Every series exists from the start, so rates and dashboards see zeros, not gaps; a check
  // counts on a kept reference, without the family's lookup.
  for (int type = 1; type < kCountedKinds; ++type) {
    for (int verdict = 1; verdict < kCountedKinds; ++verdict) {
      check_counters_[type][verdict] = &checks_.Add(
          {{"plan_type", PlanTypeLetter(static_cast<registry::v1::PlanType>(type))},
           {"verdict", VerdictLabel(static_cast<common::v1::CheckVerdict>(verdict))}});
    }
  }
}

absl::StatusOr<Plan> Checker::ReadPlan(const Principal& who, const std::string& name) {
  absl::StatusOr<Plan> plan = registry_->GetPlan(name, 0, registry::v1::PLAN_VIEW_FULL);
  if (!plan.ok()) return HideExistence(who, name, plan.status());
  return plan;
}

void Checker::CountCheck(registry::v1::PlanType type, common::v1::CheckVerdict verdict) {
  if (type > 0 && type < kCountedKinds && verdict > 0 && verdict < kCountedKinds) {
    return check_counters_[type][verdict]->Increment();
  }
  checks_.Add({{"plan_type", PlanTypeLetter(type)}, {"verdict", VerdictLabel(verdict)}})
      .Increment();
}

void Checker::CheckPlan(const Principal& who, const v1::CheckPlanRequest& req,
                        absl::Time deadline, CheckDone done) {
  if (req.source_case() == v1::CheckPlanRequest::kPlan) {
    if (req.version() != 0) {
      return done(InvalidField(
          "version",
          "バージョンは name で計画を指定する場合にのみ指定できます（直接渡した計画には"
          "バージョンがありません）。0 にするか、指定しないでください",
          "only with name (an inline plan has none)"));
    }
    // Pure computation, no I/O: done here, on the calling (gRPC) thread.
    absl::StatusOr<v1::CheckPlanResponse> response = CheckInline(who, req.plan());
    if (!response.ok()) return done(response.status());
    return done(response->SerializeAsString());
  }
  if (req.source_case() != v1::CheckPlanRequest::kName) {
    return done(Bilingual(
        absl::StatusCode::kInvalidArgument,
        "name or plan: チェックする計画を、計画名（plans/A-00001 など）または計画そのもので"
        "指定してください",
        "name or plan: give the plan to check, by name (plans/A-00001) or inline"));
  }
  absl::StatusOr<std::string> id = ParsePlanName(req.name(), "name");
  if (!id.ok()) return done(id.status());
  if (req.version() < 0) {
    return done(InvalidField(
        "version", "バージョン番号を指定してください（現在のバージョンの場合は 0 です）",
        "a version number, or 0 for the current one"));
  }
  // Read access is decided on the current version (as the registry decides it for any
  // version); the report is of the version asked for. The current BASIC view comes from the
  // in-process cache when it has it (no call to the registry), else from the registry.
  const int64_t version = req.version();
  if (plan_cache_ != nullptr) {
    if (std::shared_ptr<const Plan> cached = plan_cache_->Get(req.name())) {
      return CheckCurrent(who, *std::move(id), req.name(), version, deadline, std::move(done),
                          std::move(cached));
    }
  }
  const PlanViewCache::Ticket ticket =
      plan_cache_ != nullptr ? plan_cache_->Begin() : PlanViewCache::Ticket();
  registry_->GetPlanAsync(
      req.name(), 0, registry::v1::PLAN_VIEW_BASIC,
      [this, who, id = *std::move(id), name = req.name(), version, deadline, ticket,
       done = std::move(done)](absl::StatusOr<Plan> current) mutable {
        if (!current.ok()) return done(HideExistence(who, name, current.status()));
        auto shared = std::make_shared<const Plan>(*std::move(current));
        if (plan_cache_ != nullptr) plan_cache_->Put(shared, ticket);
        CheckCurrent(who, std::move(id), name, version, deadline, std::move(done),
                     std::move(shared));
      });
}

void Checker::CheckCurrent(const Principal& who, std::string id, const std::string& name,
                           int64_t version, absl::Time deadline, CheckDone done,
                           std::shared_ptr<const Plan> current) {
  if (absl::Status allowed = Authorize(who, Action::kCheckPlan, current.get()); !allowed.ok()) {
    return done(allowed);
  }
  if (version == 0 || version == current->version()) {
    return Serve(who, std::move(id), std::move(current), deadline, std::move(done));
  }
  registry_->GetPlanAsync(
      name, version, registry::v1::PLAN_VIEW_BASIC,
      [this, who, id = std::move(id), deadline, done = std::move(done)](
          absl::StatusOr<Plan> asked) mutable {
        if (!asked.ok()) return done(asked.status());
        Serve(who, std::move(id), std::make_shared<const Plan>(*std::move(asked)), deadline,
              std::move(done));
      });
}

void Checker::Serve(const Principal& who, std::string id, std::shared_ptr<const Plan> basic,
                    absl::Time deadline, CheckDone done) {
  const int64_t content_version = basic->content_version();
  store_->GetReportAsync(
      id, content_version, ruleset_.version,
      [this, who, id, basic = std::move(basic), deadline, done = std::move(done)](
          absl::StatusOr<std::optional<std::string>> cached) mutable {
        if (!cached.ok()) return done(cached.status());
        if (cached->has_value() && ServeCached(*basic, **cached, &done)) return;
        cache_miss_->Increment();
        // The executor runs it, or says why not: its queue is full, or the caller's deadline
        // passed while it waited (nobody would read the report).
        auto reply = std::make_shared<CheckDone>(std::move(done));
        const bool queued = executor_->Submit(
            [this, who, id, basic = std::move(basic), reply] {
              (*reply)(ComputeRegistered(who, id, *basic));
            },
            deadline,
            [reply] {
              (*reply)(Bilingual(
                  absl::StatusCode::kDeadlineExceeded,
                  "要件チェックが順番待ちの間に呼び出しの期限を過ぎたため、開始しませんでした。"
                  "時間をおいてもう一度お試しください",
                  "the check waited past the call's deadline and was not started"));
            });
        if (!queued) {
          (*reply)(Bilingual(
              absl::StatusCode::kResourceExhausted,
              "順番待ちの要件チェックが多すぎます。数秒待ってからもう一度お試しください",
              "too many requirement checks are waiting; try again in a few seconds"));
        }
      });
}

bool Checker::ServeCached(const Plan& basic, const std::string& value, CheckDone* done) {
  if (value.size() < 2 || value[0] < '1' || value[0] > '3') return false;
  // Protobuf merges a message's fields when they come twice, the last scalar winning: the
  // stored response followed by a small one carrying the version asked for and cached=true
  // parses as the stored report for this version.
  v1::CheckPlanResponse patch;
  patch.mutable_report()->set_plan_version(basic.version());
  patch.mutable_summary()->set_plan_version(basic.version());
  patch.set_cached(true);
  std::string bytes;
  bytes.reserve(value.size() + 16);
  bytes.append(value, 1, std::string::npos);
  patch.AppendToString(&bytes);
  cache_hit_->Increment();
  CountCheck(basic.type(), static_cast<common::v1::CheckVerdict>(value[0] - '0'));
  (*done)(std::move(bytes));
  return true;
}

absl::StatusOr<std::string> Checker::ComputeRegistered(const Principal& who,
                                                       const std::string& id,
                                                       const Plan& basic) {
  ASSIGN_OR_RETURN(const Plan plan,
                   registry_->GetPlan(basic.name(), basic.version(), registry::v1::PLAN_VIEW_FULL));
  ASSIGN_OR_RETURN(const ReviewState reviews, store_->GetReviews(id));
  v1::CheckPlanResponse response;
  v1::Report* report = response.mutable_report();
  *report = Evaluate(plan, ruleset_, reviews.latest);
  *report->mutable_check_time() = Now();
  *response.mutable_summary() = Summarize(*report);
  const common::v1::RequirementCheckSummary& summary = response.summary();

  common::v1::Event event =
      EventFor(plan, who,
               absl::StrCat("requirements/", plan.name(), "/check/c", plan.content_version(), "/",
                            ruleset_.version, "/g", reviews.generation),
               "requirement.check_completed");
  auto& attributes = *event.mutable_attributes();
  attributes["verdict"] = VerdictLabel(report->verdict());
  attributes["ruleset_version"] = ruleset_.version;
  attributes["content_version"] = absl::StrCat(plan.content_version());
  attributes["unmet"] = absl::StrJoin(summary.unmet_requirement_ids(), ",");
  attributes["pending_review"] = absl::StrJoin(summary.pending_requirement_ids(), ",");
  SetPayload(summary, &event);

  std::string value(1, static_cast<char>('0' + report->verdict()));
  response.AppendToString(&value);
  // Not stored when a review was recorded meanwhile: the next check computes it afresh.
  RETURN_IF_ERROR(store_
                      ->PutReport(id, plan.content_version(), ruleset_.version, value,
                                  reviews.generation, event)
                      .status());
  CountCheck(plan.type(), report->verdict());
  value.erase(0, 1);
  return value;
}

absl::StatusOr<v1::CheckPlanResponse> Checker::CheckInline(const Principal& who,
                                                           const Plan& given) {
  RETURN_IF_ERROR(Authorize(who, Action::kCheckInline));
  // The registry's validation first: the rules see only plans the registry could store (codes
  // normalised, enums known, figures in range, each KGI once).
  Plan plan = given;
  plan.DiscardUnknownFields();
  if (absl::Status valid = ValidateAndNormalizePlan(*reference_, limits_, &plan); !valid.ok()) {
    return PrefixField(valid, "plan.");
  }
  // An inline plan is not registered: no name, no versions, no reviews apply to it.
  v1::CheckPlanResponse response;
  v1::Report* report = response.mutable_report();
  *report = Evaluate(plan, ruleset_, {});
  report->clear_plan();
  report->clear_plan_version();
  report->clear_content_version();
  *report->mutable_check_time() = Now();
  *response.mutable_summary() = Summarize(*report);
  CountCheck(report->plan_type(), report->verdict());
  return response;
}

namespace {

// The checks of a RecordReviewRequest that need no plan.
absl::Status ValidateReviewRequest(const v1::RecordReviewRequest& req) {
  if (req.requirement_id().empty()) {
    return InvalidField("requirement_id",
                        "必須項目です。審査する要件を A2 のように指定してください",
                        "required, e.g. A2");
  }
  if (req.decision() != v1::REVIEW_DECISION_ACCEPTED &&
      req.decision() != v1::REVIEW_DECISION_RETURNED) {
    return InvalidField("decision",
                        "必須項目です。ACCEPTED（確認済み）または RETURNED（差戻し）を指定して"
                        "ください",
                        "required, ACCEPTED or RETURNED");
  }
  RETURN_IF_ERROR(ValidateText(req.comment(), "comment",
                               {kMaxCommentChars,
                                req.decision() == v1::REVIEW_DECISION_RETURNED, true}));
  if (req.version() < 0) {
    return InvalidField("version",
                        "審査した計画のバージョン番号、または 0 を指定してください",
                        "the plan version you reviewed, or 0");
  }
  return absl::OkStatus();
}

// OK when a decision on `req.requirement_id()` may be recorded for `plan` as it stands: not
// withdrawn, content not frozen, an attested requirement of its type that applies to it.
absl::Status CheckReviewable(const Plan& plan, const v1::RecordReviewRequest& req) {
  if (plan.stage() == registry::v1::PLAN_STAGE_WITHDRAWN) {
    return FailedPrecondition(
        absl::StrCat(req.name(), " は取り下げられているため、要件の審査は行えません"),
        absl::StrCat(req.name(), " is withdrawn; its requirements are no longer reviewed"));
  }
  // From publication by the governor until a revision the content is frozen: a decision then
  // could fail a plan its authors can no longer change. Reviews resume in REVISING.
  if (plan.stage() == registry::v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR ||
      plan.stage() == registry::v1::PLAN_STAGE_SUBMITTED ||
      plan.stage() == registry::v1::PLAN_STAGE_PUBLISHED) {
    const std::string stage = registry::v1::PlanStage_Name(plan.stage());
    return FailedPrecondition(
        absl::StrCat(req.name(), " は ", stage,
                     " の段階にあり、内容を変更できないため審査結果は記録できません。改訂（REVISING）"
                     "の段階で審査してください"),
        absl::StrCat(req.name(), " is ", stage,
                     ": its content is frozen, so no decision is recorded until it is revised "
                     "(REVISING)"));
  }
  if (!IsAttestedRequirement(plan.type(), req.requirement_id())) {
    const char* attested = plan.type() == registry::v1::PLAN_TYPE_A   ? "A2, A3"
                           : plan.type() == registry::v1::PLAN_TYPE_B ? "B1, B2, B4"
                                                                      : "C1, C3";
    return InvalidField(
        "requirement_id",
        absl::StrCat("'", Excerpt(req.requirement_id()), "' は", PlanTypeLetter(plan.type()),
                     "類型の計画で審査により判定する要件ではありません。審査で判定するのは ",
                     attested, " です（その他の要件は計画の記載内容や数値から判定されます）"),
        absl::StrCat("'", Excerpt(req.requirement_id()),
                     "' is not an attested requirement of a type ", PlanTypeLetter(plan.type()),
                     " plan; the ones a reviewer decides are ", attested,
                     " (the others are decided from the plan's figures)"));
  }
  if (req.requirement_id() == "B2" && !AttractsFromOutside(plan)) {
    return FailedPrecondition(
        absl::StrCat(req.name(),
                     " には域外から誘致する中核となる投資プロジェクトや重点支援企業がないため、"
                     "B2 は適用されず、審査の対象になりません"),
        absl::StrCat("B2 does not apply to ", req.name(),
                     ": no core investment or priority company is attracted from outside the "
                     "region"));
  }
  return absl::OkStatus();
}

// OK when the version reviewed (0: the current one) exists and its content is current.
absl::Status CheckReviewedVersion(const Plan& plan, const v1::RecordReviewRequest& req) {
  if (req.version() > plan.version()) {
    return InvalidField(
        "version",
        absl::StrCat(req.name(), " にバージョン ", req.version(),
                     " はありません（現在のバージョンは ", plan.version(),
                     " です）。審査した計画のバージョン番号を指定してください"),
        absl::StrCat(req.name(), " has no version ", req.version(), " (current ", plan.version(),
                     ")"));
  }
  if (req.version() > 0 && plan.content_version() > req.version()) {
    return Bilingual(
        absl::StatusCode::kAborted,
        absl::StrCat(req.name(), " はバージョン ", req.version(),
                     " の後に内容が変更されています（現在の内容はバージョン ",
                     plan.content_version(), " のものです）。計画を読み直してから判断してください"),
        absl::StrCat(req.name(), " changed after version ", req.version(),
                     " (content now of version ", plan.content_version(),
                     "); read it again before deciding"));
  }

  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Review> Checker::RecordReview(const Principal& who,
                                                 const v1::RecordReviewRequest& req) {
  ASSIGN_OR_RETURN(const std::string id, ParsePlanName(req.name(), "name"));
  RETURN_IF_ERROR(ValidateReviewRequest(req));
  ASSIGN_OR_RETURN(const Plan plan,
                   ReadPlan(who, req.name()));
  RETURN_IF_ERROR(Authorize(who, Action::kRecordReview, &plan));
  RETURN_IF_ERROR(CheckReviewable(plan, req));
  const std::string digest = AttestationDigest(plan, req.requirement_id());
  if (digest.empty()) {
    return FailedPrecondition(
        absl::StrCat(req.name(), " には審査する ", req.requirement_id(),
                     " の説明（attestations）がありません。先に計画の作成者が説明を追加して"
                     "ください"),
        absl::StrCat(req.name(), " has no attestation of ", req.requirement_id(),
                     " to review; its authors add one first"));
  }
  RETURN_IF_ERROR(CheckReviewedVersion(plan, req));

  v1::Review review;
  review.set_plan(plan.name());
  review.set_requirement_id(req.requirement_id());
  review.set_decision(req.decision());
  review.set_comment(req.comment());
  review.set_reviewer(who.subject);
  review.set_reviewer_role(RoleName(who.role));
  *review.mutable_record_time() = Now();
  review.set_plan_version(plan.version());
  review.set_content_digest(digest);

  common::v1::Event event = EventFor(
      plan, who,
      absl::StrCat("requirements/", plan.name(), "/review/", req.requirement_id(), "/",
                   TimeUtil::TimestampToNanoseconds(review.record_time())),
      "requirement.review_recorded");
  (*event.mutable_attributes())["requirement_id"] = req.requirement_id();
  (*event.mutable_attributes())["decision"] = v1::ReviewDecision_Name(req.decision());
  SetPayload(review, &event);
  RETURN_IF_ERROR(store_->RecordReview(id, review, event, who.subject));
  RFS_LOG(kInfo, "audit")
      .Field("actor", who.subject)
      .Field("role", RoleName(who.role))
      .Field("action", "RECORD_REVIEW")
      .Field("plan", plan.name())
      .Field("version", plan.version())
      .Field("requirement", req.requirement_id())
      .Field("decision", v1::ReviewDecision_Name(req.decision()));
  review.set_current(true);
  return review;
}

absl::StatusOr<v1::ListReviewsResponse> Checker::ListReviews(const Principal& who,
                                                             const v1::ListReviewsRequest& req) {
  ASSIGN_OR_RETURN(const std::string id, ParsePlanName(req.name(), "name"));
  ASSIGN_OR_RETURN(const Plan plan,
                   ReadPlan(who, req.name()));
  RETURN_IF_ERROR(Authorize(who, Action::kListReviews, &plan));
  if (!req.history() && (req.page_size() != 0 || !req.page_token().empty())) {
    return InvalidField("page_token", "ページ指定は history を指定したときに使います",
                        "pages are for the history (set history)");
  }
  // Only the latest decision per requirement can apply; in a history, the earlier ones are
  // superseded whatever their digest.
  ASSIGN_OR_RETURN(ReviewState state, store_->GetReviews(id));
  const auto current = [&](v1::Review& review, bool latest) {
    const std::string digest = AttestationDigest(plan, review.requirement_id());
    review.set_current(latest && !digest.empty() && digest == review.content_digest());
  };
  v1::ListReviewsResponse response;
  if (!req.history()) {
    std::vector<v1::Review> reviews;
    for (auto& [rid, review] : state.latest) reviews.push_back(std::move(review));
    std::sort(reviews.begin(), reviews.end(), [](const v1::Review& a, const v1::Review& b) {
      return a.requirement_id() < b.requirement_id();
    });
    for (v1::Review& review : reviews) {
      current(review, /*latest=*/true);
      *response.add_reviews() = std::move(review);
    }
    return response;
  }
  // The trail, a page at a time: at most page_size decisions and max_page_bytes_ bytes.
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 500, 5000));
  const uint64_t binding = StableHash(req.name());
  ASSIGN_OR_RETURN(int64_t position, DecodePageToken(req.page_token(), "reviews", binding));
  ASSIGN_OR_RETURN(RequirementsStore::ReviewLogPart part,
                   store_->ReviewLogRange(id, position, page_size));
  size_t bytes = 0;
  for (v1::Review& review : part.items) {
    bytes += review.ByteSizeLong() + 4;
    if (response.reviews_size() > 0 && bytes > max_page_bytes_) break;
    auto latest = state.latest.find(review.requirement_id());
    current(review, latest != state.latest.end() &&
                        latest->second.SerializeAsString() == review.SerializeAsString());
    *response.add_reviews() = std::move(review);
  }
  position += response.reviews_size();
  if (position < part.length) {
    response.set_next_page_token(EncodePageToken("reviews", binding, position));
  }
  return response;
}

absl::StatusOr<v1::ScorePriorityCompaniesResponse> Checker::ScorePriorityCompanies(
    const Principal& who, const v1::ScorePriorityCompaniesRequest& req) {
  switch (req.source_case()) {
    case v1::ScorePriorityCompaniesRequest::kName: {
      RETURN_IF_ERROR(ParsePlanName(req.name(), "name").status());
      ASSIGN_OR_RETURN(const Plan plan,
                       ReadPlan(who, req.name()));
      RETURN_IF_ERROR(Authorize(who, Action::kScorePlan, &plan));
      if (plan.type() != registry::v1::PLAN_TYPE_B) {
        return FailedPrecondition(
            absl::StrCat(req.name(), " は", PlanTypeLetter(plan.type()),
                         "類型の計画です。重点支援企業があるのはB類型の計画のみのため、"
                         "B類型の計画を指定してください"),
            absl::StrCat(req.name(), " is a type ", PlanTypeLetter(plan.type()),
                         " plan; priority-support companies belong to type B plans"));
      }
      // The plan is stored, so what its figures lack is the plan's state, not the caller's
      // input: FAILED_PRECONDITION; companies without a figure are listed unscored.
      absl::StatusOr<v1::ScorePriorityCompaniesResponse> scores =
          ScoreCompanies(plan.priority_companies(), plan.prefecture_totals(),
                         absl::StrCat(req.name(), " priority_companies"),
                         absl::StrCat(req.name(), " prefecture_totals"), /*score_missing=*/true);
      if (absl::IsInvalidArgument(scores.status())) {
        // Keep both languages of the scoring error; a status without details keeps its message.
        if (const std::optional<common::v1::ErrorDetails> details = DetailsOf(scores.status())) {
          return FailedPrecondition(details->message_ja(), details->message_en());
        }
        return FailedPrecondition(scores.status().message(), scores.status().message());
      }
      return scores;
    }
    case v1::ScorePriorityCompaniesRequest::kFigures:
      RETURN_IF_ERROR(Authorize(who, Action::kScoreInline));
      return ScoreCompanies(req.figures().companies(), req.figures().totals(),
                            "figures.companies", "figures.totals");
    default:
      return Bilingual(absl::StatusCode::kInvalidArgument,
                       "name or figures: B類型の計画（plans/B-00001 など）、または数値そのものを"
                       "指定してください",
                       "name or figures: give a type B plan (plans/B-00001) or the figures inline");
  }
}

absl::StatusOr<v1::Ruleset> Checker::GetRuleset(const Principal& who) {
  RETURN_IF_ERROR(Authorize(who, Action::kReadRuleset));
  v1::Ruleset r;
  r.set_version(ruleset_.version);
  r.set_a4_min_total_investment_yen(ruleset_.a4_min_total_investment_yen);
  r.set_milestone_max_gap_fiscal_years(ruleset_.milestone_max_gap_fiscal_years);
  return r;
}

}  // namespace rfs::requirements
