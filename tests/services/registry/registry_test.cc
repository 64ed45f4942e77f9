// rfs-registry end to end: a real redis-server, the real gRPC server, calls over the network.
#include <atomic>
#include <future>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/kit/client.h"
#include "common/kit/health_client.h"
#include "common/kit/http_get.h"
#include "common/redis/redis.h"
#include "tests/support/assert_ok.h"
#include "tests/support/registry_fixture.h"

namespace rfs::testing {
namespace {

using namespace registry::v1;

class RegistryTest : public RegistryFixture {
 protected:
  std::vector<std::string> Names(const ListPlansResponse& r) {
    std::vector<std::string> names;
    for (const auto& p : r.plans()) names.push_back(p.name());
    return names;
  }
  int64_t DbSize() {
    int64_t n = -1;
    EXPECT_TRUE(absl::SimpleAtoi(redis_->Cli("DBSIZE"), &n));
    return n;
  }
};

TEST_F(RegistryTest, JointPlanFromDraftToPublicationAndRevision) {
  // The Hokuriku bureau drafts the joint A plan of Toyama, Ishikawa and Fukui.
  Plan plan;
  ASSERT_OK(Create(Bureau(), PlanA(), &plan));
  EXPECT_EQ(plan.name(), "plans/A-00001");
  EXPECT_EQ(plan.stage(), PLAN_STAGE_DRAFTING);
  EXPECT_EQ(plan.version(), 1);
  EXPECT_EQ(plan.authors(0).name(), "富山県");
  EXPECT_EQ(plan.created_by(), "bureau-HOKURIKU");
  const std::string name = plan.name();

  Plan got;
  ASSERT_OK(Get(Prefecture(kIshikawa), name, &got));
  EXPECT_EQ(got.title(), PlanA().title());
  EXPECT_FALSE(got.indicators(0).target().has_value());  // "○○" target still unset

  // Toyama sets the CAPEX target: a new version.
  Plan change;
  change.set_name(name);
  *change.mutable_indicators() = got.indicators();
  change.mutable_indicators(0)->mutable_target()->set_value(100'000'000'000);
  Plan v2;
  ASSERT_OK(Update(Prefecture(kToyama), change, "indicators", &v2));
  EXPECT_EQ(v2.version(), 2);
  EXPECT_EQ(v2.content_version(), 2);
  EXPECT_EQ(v2.indicators(0).target().value(), 100'000'000'000);

  Plan p;
  ASSERT_OK(Transition(Prefecture(kToyama), name, PLAN_STAGE_PRE_CONSULTATION, &p));
  ASSERT_OK(Transition(Bureau(), name, PLAN_STAGE_COORDINATION, &p));

  // Joint plan: the governor cannot publish before every author signs off.
  ASSERT_OK(SignOff(Prefecture(kToyama), name, kToyama, &p));
  ASSERT_OK(SignOff(Prefecture(kIshikawa), name, kIshikawa, &p));
  grpc::Status early = Transition(Prefecture(kToyama), name, PLAN_STAGE_PUBLISHED_BY_GOVERNOR, &p);
  EXPECT_EQ(early.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(early.error_message(), kFukui)) << early.error_message();
  ASSERT_OK(SignOff(Prefecture(kFukui), name, kFukui, &p));
  const int64_t signed_version = p.version();
  ASSERT_OK(SignOff(Prefecture(kFukui), name, kFukui, &p));  // again: nothing new
  EXPECT_EQ(p.version(), signed_version);

  ASSERT_OK(Transition(Prefecture(kToyama), name, PLAN_STAGE_PUBLISHED_BY_GOVERNOR, &p));
  ASSERT_OK(Transition(Prefecture(kToyama), name, PLAN_STAGE_SUBMITTED, &p));
  EXPECT_EQ(Transition(Prefecture(kToyama), name, PLAN_STAGE_PUBLISHED, &p).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Transition(Secretariat(), name, PLAN_STAGE_PUBLISHED, &p));
  EXPECT_EQ(p.stage(), PLAN_STAGE_PUBLISHED);

  // Published content is frozen until the semi-annual revision.
  Plan retitle;
  retitle.set_name(name);
  retitle.set_title("改定版");
  EXPECT_EQ(Update(Prefecture(kToyama), retitle, "title", &p).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_OK(Transition(Prefecture(kToyama), name, PLAN_STAGE_REVISING, &p));
  ASSERT_OK(Update(Prefecture(kToyama), retitle, "title", &p));
  EXPECT_TRUE(p.sign_offs().empty());  // sign-offs were on the old content
  EXPECT_EQ(Transition(Secretariat(), name, PLAN_STAGE_PUBLISHED, &p).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  for (const char* author : {kToyama, kIshikawa, kFukui}) {
    ASSERT_OK(SignOff(Prefecture(author), name, author, &p));
  }
  ASSERT_OK(Transition(Secretariat(), name, PLAN_STAGE_PUBLISHED, &p));
  const int64_t last = p.version();

  // Version 1 is still readable as it was.
  Plan v1;
  ASSERT_OK(Get(Viewer(), name, &v1, 1));
  EXPECT_EQ(v1.title(), PlanA().title());
  EXPECT_EQ(v1.stage(), PLAN_STAGE_DRAFTING);

  // Versions, diff and history tell the story.
  ListPlanVersionsRequest vreq;
  vreq.set_name(name);
  ListPlanVersionsResponse versions;
  {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Viewer(), absl::Seconds(5));
    ASSERT_OK(stub_->ListPlanVersions(&ctx, vreq, &versions));
  }
  ASSERT_EQ(versions.versions_size(), last);
  EXPECT_EQ(versions.versions(0).kind(), CHANGE_KIND_CREATE);
  EXPECT_EQ(versions.versions(1).kind(), CHANGE_KIND_UPDATE);
  EXPECT_EQ(versions.versions(last - 1).stage(), PLAN_STAGE_PUBLISHED);

  DiffPlanVersionsRequest dreq;
  dreq.set_name(name);
  dreq.set_from_version(1);
  DiffPlanVersionsResponse diff;
  {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Viewer(), absl::Seconds(5));
    ASSERT_OK(stub_->DiffPlanVersions(&ctx, dreq, &diff));
  }
  EXPECT_EQ(diff.to_version(), last);
  std::set<std::string> paths;
  for (const auto& c : diff.changes()) paths.insert(c.path());
  EXPECT_TRUE(paths.count("title"));
  EXPECT_TRUE(paths.count("indicators[kgi-capex].target.value"));
  EXPECT_TRUE(paths.count("stage"));

  GetPlanHistoryRequest hreq;
  hreq.set_name(name);
  hreq.set_page_size(3);
  std::vector<AuditRecord> records;
  for (;;) {
    GetPlanHistoryResponse page;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Secretariat(), absl::Seconds(5));
    ASSERT_OK(stub_->GetPlanHistory(&ctx, hreq, &page));
    records.insert(records.end(), page.records().begin(), page.records().end());
    if (page.next_page_token().empty()) break;
    hreq.set_page_token(page.next_page_token());
  }
  ASSERT_EQ(static_cast<int64_t>(records.size()), last);
  EXPECT_EQ(records[0].actor().subject(), "bureau-HOKURIKU");
  EXPECT_EQ(records[1].actor().subject(), "pref-160008");
  EXPECT_EQ(records[1].changed_fields(0), "indicators");
  EXPECT_EQ(records[last - 1].actor().role(), "secretariat");
  for (int64_t i = 0; i < last; ++i) EXPECT_EQ(records[i].version(), i + 1);

  // Every write went into the outbox.
  EXPECT_EQ(redis_->Cli("XLEN rfs:registry:outbox"), absl::StrCat(last));
  // The create's event names the plan the store numbered inside the write.
  RedisPool pool(redis_->options());
  auto first = pool.Command({"XRANGE", "rfs:registry:outbox", "-", "+", "COUNT", "1"});
  ASSERT_TRUE(first.ok()) << first.status();
  const redisReply* fields = (*first)->element[0]->element[1];  // id, type, event
  ASSERT_EQ(fields->elements, 6u);
  common::v1::Event event;
  ASSERT_TRUE(event.ParseFromArray(fields->element[5]->str, static_cast<int>(fields->element[5]->len)));
  EXPECT_EQ(event.id(), absl::StrCat("registry/", name, "/v1"));
  EXPECT_EQ(ReplyString(fields->element[1]), event.id());
  EXPECT_EQ(event.plan(), name);
  EXPECT_EQ(event.type(), "plan.created");
  EXPECT_EQ(event.plan_version(), 1);
}

TEST_F(RegistryTest, PreConsultationReturnedToDraftingWithComment) {
  Plan plan = MustCreate(PlanB());
  Plan p;
  ASSERT_OK(Transition(Prefecture(kToyama), plan.name(), PLAN_STAGE_PRE_CONSULTATION, &p));
  grpc::Status no_comment = Transition(Bureau(), plan.name(), PLAN_STAGE_DRAFTING, &p);
  EXPECT_EQ(no_comment.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(no_comment.error_message(), "comment"));
  ASSERT_OK(Transition(Bureau(), plan.name(), PLAN_STAGE_DRAFTING, &p,
                       "B3: 域内取引の目標値を設定してください"));
  EXPECT_EQ(p.stage(), PLAN_STAGE_DRAFTING);
  EXPECT_EQ(p.stage_comment(), "B3: 域内取引の目標値を設定してください");
  // Not a move of the lifecycle.
  grpc::Status jump = Transition(Secretariat(), plan.name(), PLAN_STAGE_SUBMITTED, &p);
  EXPECT_EQ(jump.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(jump.error_message(), "PRE_CONSULTATION")) << jump.error_message();
}

TEST_F(RegistryTest, StaleEtagIsAbortedAndNothingIsWritten) {
  Plan plan = MustCreate(PlanB());
  Plan first = plan, second = plan;
  first.set_title("一人目の変更");
  second.set_title("二人目の変更");
  Plan out;
  ASSERT_OK(Update(Prefecture(kToyama), first, "title", &out));  // carries etag v1
  grpc::Status stale = Update(Prefecture(kToyama), second, "title", &out);  // also v1
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_TRUE(absl::StrContains(stale.error_message(), "v2")) << stale.error_message();
  Plan now;
  ASSERT_OK(Get(Secretariat(), plan.name(), &now));
  EXPECT_EQ(now.title(), "一人目の変更");
  EXPECT_EQ(now.version(), 2);
  EXPECT_EQ(Transition(Prefecture(kToyama), plan.name(), PLAN_STAGE_PRE_CONSULTATION, &out, "",
                       "v1")
                .error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_EQ(Transition(Prefecture(kToyama), plan.name(), PLAN_STAGE_PRE_CONSULTATION, &out, "",
                       "seven")
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RegistryTest, ConcurrentUpdatesWithoutEtagAllLand) {
  Plan plan = MustCreate(PlanB());
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        Plan change;
        change.set_name(plan.name());
        change.add_other_fields(absl::StrCat("分野", t, "-", i));
        Plan out;
        if (Update(Prefecture(kToyama), change, "other_fields", &out).ok()) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 20);
  Plan now;
  ASSERT_OK(Get(Secretariat(), plan.name(), &now));
  EXPECT_EQ(now.version(), 21);
}

TEST_F(RegistryTest, RetriedCreateWithTheSameRequestIdCreatesOnePlan) {
  Plan a, b, c;
  ASSERT_OK(Create(Prefecture(kToyama), PlanB(), &a, "req-0001"));
  ASSERT_OK(Create(Prefecture(kToyama), PlanB(), &b, "req-0001"));
  EXPECT_EQ(a.name(), b.name());
  // The same id from someone else is their own request.
  ASSERT_OK(Create(Secretariat(), PlanB(), &c, "req-0001"));
  EXPECT_NE(c.name(), a.name());
  ListPlansResponse list;
  ASSERT_OK(List(Secretariat(), ListPlansRequest(), &list));
  EXPECT_EQ(list.plans_size(), 2);
  EXPECT_EQ(Create(Prefecture(kToyama), PlanB(), &a, "bad id with spaces").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

// A request id names one request: sent again with another plan it is a mistake (two plans
// meant, one id), refused naming request_id, and nothing is written.
TEST_F(RegistryTest, ARequestIdReusedForAnotherPlanIsRefusedAndNothingWritten) {
  Plan first, out;
  ASSERT_OK(Create(Prefecture(kToyama), PlanB(), &first, "req-0002"));
  const int64_t keys = DbSize();
  const std::string outbox = redis_->Cli("XLEN rfs:registry:outbox");
  Plan other = PlanB();
  other.set_title("別の計画");
  grpc::Status s = Create(Prefecture(kToyama), other, &out, "req-0002");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(s.error_message(), "request_id")) << s.error_message();
  EXPECT_EQ(DbSize(), keys);
  EXPECT_EQ(redis_->Cli("XLEN rfs:registry:outbox"), outbox);
  // The retry of the first request still answers with its plan.
  ASSERT_OK(Create(Prefecture(kToyama), PlanB(), &out, "req-0002"));
  EXPECT_EQ(out.name(), first.name());
}

TEST_F(RegistryTest, BadInputIsRefusedNamingTheFieldAndNothingIsWritten) {
  MustCreate(PlanB());
  const int64_t keys = DbSize();
  const std::string outbox = redis_->Cli("XLEN rfs:registry:outbox");
  struct Case {
    std::function<void(Plan*)> spoil;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](Plan* p) { p->mutable_authors(0)->set_local_government_code("160009"); },
       "authors[0].local_government_code"},
      {[](Plan* p) { p->mutable_area()->set_prefecture_codes(0, "480007"); },
       "area.prefecture_codes[0]"},
      {[](Plan* p) { p->add_strategic_fields("ROBOTS"); }, "strategic_fields[0]"},
      {[](Plan* p) { p->mutable_priority_companies(0)->set_purchases_inside_prefecture_yen(-1); },
       "priority_companies[0].purchases_inside_prefecture_yen"},
      {[](Plan* p) { p->mutable_indicators(0)->mutable_target()->mutable_period()->set_fiscal_year(2020); },
       "indicators[0].target.period"},
      {[](Plan* p) { p->set_title(""); }, "title"},
      {[](Plan* p) { p->set_title(std::string(300, 'x')); }, "title"},
      {[](Plan* p) { p->mutable_area()->add_prefecture_codes(kIshikawa); }, "area.prefecture_codes"},
      {[](Plan* p) {
         for (int i = 0; i < 600; ++i) p->add_priority_companies()->set_name("社");
       },
       "priority_companies"},
  };
  for (const Case& c : cases) {
    Plan bad = PlanB();
    c.spoil(&bad);
    Plan out;
    grpc::Status s = Create(Prefecture(kToyama), bad, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_TRUE(absl::StartsWith(s.error_message(), c.field)) << s.error_message();
  }
  // A bad update leaves the plan as it was.
  Plan got;
  ASSERT_OK(Get(Secretariat(), "plans/B-00001", &got));
  Plan bad_update;
  bad_update.set_name(got.name());
  bad_update.mutable_period()->set_start_fiscal_year(2031);
  bad_update.mutable_period()->set_end_fiscal_year(2030);
  Plan out;
  EXPECT_EQ(Update(Prefecture(kToyama), bad_update, "period", &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(DbSize(), keys);
  EXPECT_EQ(redis_->Cli("XLEN rfs:registry:outbox"), outbox);
  Plan after;
  ASSERT_OK(Get(Secretariat(), "plans/B-00001", &after));
  EXPECT_EQ(after.version(), 1);
}

TEST_F(RegistryTest, UpdateMaskRules) {
  Plan plan = MustCreate(PlanB());
  Plan change;
  change.set_name(plan.name());
  change.set_stage(PLAN_STAGE_PUBLISHED);
  Plan out;
  grpc::Status s = Update(Secretariat(), change, "stage", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "TransitionPlan"));
  EXPECT_EQ(Update(Secretariat(), change, "", &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Update(Secretariat(), change, "type", &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Update(Secretariat(), change, "area.no_such_field", &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // A nested path changes only that field.
  change = Plan();
  change.set_name(plan.name());
  change.mutable_area()->add_municipality_codes(kToyamaCity);
  ASSERT_OK(Update(Secretariat(), change, "area.municipality_codes", &out));
  EXPECT_EQ(out.area().municipality_codes_size(), 1);
  EXPECT_EQ(out.area().prefecture_codes(0), kToyama);

  // An update that changes nothing makes no version.
  const int64_t version = out.version();
  ASSERT_OK(Update(Secretariat(), change, "area.municipality_codes", &out));
  EXPECT_EQ(out.version(), version);

  // "*" replaces every mutable field.
  Plan whole = PlanB();
  whole.set_name(plan.name());
  whole.set_title("全面改訂");
  ASSERT_OK(Update(Secretariat(), whole, "*", &out));
  EXPECT_EQ(out.title(), "全面改訂");
  EXPECT_EQ(out.area().municipality_codes_size(), 2);
}

TEST_F(RegistryTest, AuthorizationIsEnforcedOnEveryWrite) {
  Plan b = MustCreate(PlanB());  // Toyama prefecture's plan
  Plan out;
  Plan change;
  change.set_name(b.name());
  change.set_title("乗っ取り");
  // A municipality cannot touch a prefecture's plan.
  EXPECT_EQ(Update(Municipality(kToyamaCity), change, "title", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A viewer cannot write.
  EXPECT_EQ(Update(Viewer(), change, "title", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Create(Viewer(), PlanB(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // A bureau acts only in its block.
  EXPECT_EQ(Create(Bureau("KINKI"), PlanA(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Transition(Prefecture(kToyama), b.name(), PLAN_STAGE_PRE_CONSULTATION, &out));
  EXPECT_EQ(Transition(Bureau("KINKI"), b.name(), PLAN_STAGE_COORDINATION, &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Another prefecture cannot read a draft, nor write it; nor move it out of its own reach.
  EXPECT_EQ(Get(Prefecture(kAichi), b.name(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // An editor cannot move a plan out of its own reach: Toyama may not hand the joint A plan
  // over to Ishikawa and Fukui alone (a valid plan, refused by the policy on its new shape).
  Plan a = MustCreate(PlanA());
  Plan hand_over;
  hand_over.set_name(a.name());
  hand_over.add_authors()->set_local_government_code(kIshikawa);
  hand_over.add_authors()->set_local_government_code(kFukui);
  hand_over.set_lead_author_code(kIshikawa);
  EXPECT_EQ(Update(Prefecture(kToyama), hand_over, "authors,lead_author_code", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // The service role reads but does not write; a bureau does not edit a prefecture's B plan;
  // authors do not decide their own pre-consultation.
  EXPECT_EQ(Update(Token(Role::kService, "", "", "svc"), change, "title", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Update(Bureau(), change, "title", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Transition(Prefecture(kToyama), b.name(), PLAN_STAGE_DRAFTING, &out, "自分で差戻し")
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // A prefecture cannot create a plan it does not author.
  EXPECT_EQ(Create(Prefecture(kAichi), PlanB(), &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Nothing changed.
  Plan now;
  ASSERT_OK(Get(Secretariat(), b.name(), &now));
  EXPECT_EQ(now.title(), PlanB().title());
}

TEST_F(RegistryTest, EveryReadOfAPlanNeedsReadPermission) {
  Plan b = MustCreate(PlanB());  // a Toyama draft
  Plan out;
  Plan change = b;
  change.set_title("第2版");
  ASSERT_OK(Update(Prefecture(kToyama), change, "title", &out));
  const std::string outsider = Prefecture(kAichi);
  EXPECT_EQ(Get(outsider, b.name(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(outsider, b.name(), &out, 1).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  auto call = [&](auto method, auto request, auto* response) {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, outsider, absl::Seconds(5));
    return ((*stub_).*method)(&ctx, request, response).error_code();
  };
  ListPlanVersionsRequest versions;
  versions.set_name(b.name());
  ListPlanVersionsResponse versions_out;
  EXPECT_EQ(call(&PlanRegistry::Stub::ListPlanVersions, versions, &versions_out),
            grpc::StatusCode::PERMISSION_DENIED);
  GetPlanHistoryRequest history;
  history.set_name(b.name());
  GetPlanHistoryResponse history_out;
  EXPECT_EQ(call(&PlanRegistry::Stub::GetPlanHistory, history, &history_out),
            grpc::StatusCode::PERMISSION_DENIED);
  DiffPlanVersionsRequest diff;
  diff.set_name(b.name());
  diff.set_from_version(1);
  DiffPlanVersionsResponse diff_out;
  EXPECT_EQ(call(&PlanRegistry::Stub::DiffPlanVersions, diff, &diff_out),
            grpc::StatusCode::PERMISSION_DENIED);
  // The author reads every version; a viewer too.
  ASSERT_OK(Get(Prefecture(kToyama), b.name(), &out, 1));
  EXPECT_EQ(out.title(), PlanB().title());
  ASSERT_OK(Get(Viewer(), b.name(), &out, 2));
  EXPECT_EQ(out.title(), "第2版");
  EXPECT_EQ(Get(Viewer(), b.name(), &out, 9).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(RegistryTest, ConcurrentRetriesOfOneCreateMakeOnePlan) {
  std::vector<std::thread> threads;
  std::vector<std::string> names(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Plan out;
      if (Create(Prefecture(kToyama), PlanB(), &out, "same-request").ok()) names[t] = out.name();
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> distinct(names.begin(), names.end());
  EXPECT_EQ(distinct.size(), 1u) << "one plan for one request id";
  EXPECT_FALSE(names[0].empty());
  EXPECT_EQ(redis_->Cli("ZCARD rfs:registry:idx:all"), "1");
}

TEST_F(RegistryTest, ListShowsOnlyWhatTheCallerMayRead) {
  MustCreate(PlanA());  // Hokuriku, draft
  MustCreate(PlanB());  // Toyama, draft
  MustCreate(PlanC());  // Kanazawa, draft
  ListPlansResponse r;
  ASSERT_OK(List(Prefecture(kAichi), ListPlansRequest(), &r));
  EXPECT_EQ(r.plans_size(), 0);
  ASSERT_OK(List(Prefecture(kIshikawa), ListPlansRequest(), &r));
  EXPECT_EQ(Names(r), (std::vector<std::string>{"plans/A-00001", "plans/C-00003"}));
  ASSERT_OK(List(Municipality(kToyamaCity), ListPlansRequest(), &r));
  EXPECT_EQ(Names(r), (std::vector<std::string>{"plans/A-00001", "plans/B-00002"}));
  ASSERT_OK(List(Bureau("KINKI"), ListPlansRequest(), &r));
  EXPECT_EQ(r.plans_size(), 0);
  ASSERT_OK(List(Viewer(), ListPlansRequest(), &r));
  EXPECT_EQ(r.plans_size(), 3);
}

TEST_F(RegistryTest, ListFilters) {
  MustCreate(PlanA());
  MustCreate(PlanB());
  MustCreate(PlanC());
  Plan a2 = PlanA();
  a2.set_title("北陸地域「部素材・CE産業分野」戦略産業クラスター計画");
  a2.clear_strategic_fields();
  a2.add_strategic_fields("MATERIALS");
  MustCreate(a2);
  Plan out;
  ASSERT_OK(Transition(Secretariat(), "plans/B-00002", PLAN_STAGE_PRE_CONSULTATION, &out));

  auto names = [&](std::function<void(ListPlansRequest*)> filter) {
    ListPlansRequest req;
    filter(&req);
    ListPlansResponse r;
    grpc::Status s = List(Viewer(), req, &r);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return Names(r);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(names([](auto* r) { r->set_type(PLAN_TYPE_A); }),
            (V{"plans/A-00001", "plans/A-00004"}));
  EXPECT_EQ(names([](auto* r) { r->set_strategic_field("MATERIALS"); }), (V{"plans/A-00004"}));
  EXPECT_EQ(names([](auto* r) { r->set_prefecture_code("17000"); }),  // 5 digits accepted
            (V{"plans/A-00001", "plans/C-00003", "plans/A-00004"}));
  EXPECT_EQ(names([](auto* r) { r->set_stage(PLAN_STAGE_PRE_CONSULTATION); }),
            (V{"plans/B-00002"}));
  EXPECT_EQ(names([](auto* r) { r->set_block("HOKURIKU"); r->set_type(PLAN_TYPE_C); }),
            (V{"plans/C-00003"}));
  EXPECT_EQ(names([](auto* r) { r->set_title_contains("部素材"); }), (V{"plans/A-00004"}));
  EXPECT_EQ(names([](auto* r) { r->set_title_contains("ce産業"); }), (V{"plans/A-00004"}));
  EXPECT_EQ(names([](auto* r) { r->set_block("KINKI"); }), V{});

  ListPlansResponse r;
  ListPlansRequest bad;
  bad.set_block("ATLANTIS");
  EXPECT_EQ(List(Viewer(), bad, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  bad = ListPlansRequest();
  bad.set_page_size(-1);
  EXPECT_EQ(List(Viewer(), bad, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  bad = ListPlansRequest();
  bad.set_prefecture_code("162019");  // a city, not a prefecture
  EXPECT_EQ(List(Viewer(), bad, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RegistryTest, PagingIsStableWhilePlansAreInserted) {
  std::vector<std::string> existing;
  for (int i = 0; i < 23; ++i) existing.push_back(MustCreate(PlanC()).name());
  std::atomic<bool> stop{false};
  std::thread inserter([&] {
    while (!stop) MustCreate(PlanB());
  });
  std::vector<std::string> seen;
  ListPlansRequest req;
  req.set_page_size(5);
  int pages = 0;
  for (;;) {
    ListPlansResponse page;
    ASSERT_OK(List(Viewer(), req, &page));
    EXPECT_LE(page.plans_size(), 5);
    for (const auto& p : page.plans()) seen.push_back(p.name());
    ++pages;
    if (page.next_page_token().empty() || seen.size() > 400) break;
    req.set_page_token(page.next_page_token());
    if (pages == 3) {
      // A token used with other filters is refused.
      ListPlansRequest other = req;
      other.set_type(PLAN_TYPE_C);
      ListPlansResponse r;
      EXPECT_EQ(List(Viewer(), other, &r).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    }
  }
  stop = true;
  inserter.join();
  // Every plan that existed before is listed exactly once, in creation order, first.
  ASSERT_GE(seen.size(), existing.size());
  EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.begin() + existing.size()), existing);
  std::set<std::string> unique(seen.begin(), seen.end());
  EXPECT_EQ(unique.size(), seen.size()) << "a plan was listed twice";
}

TEST_F(RegistryTest, EveryRpcNeedsAValidToken) {
  grpc::GenericStub generic(channel_);
  const auto* service = PlanRegistry::service_full_name();
  const google::protobuf::ServiceDescriptor* desc =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  ASSERT_NE(desc, nullptr);
  EXPECT_EQ(desc->method_count(), 10);
  TokenClaims other_key_claims;
  other_key_claims.subject = "mallory";
  other_key_claims.role = Role::kSecretariat;
  const std::string forged =
      *MintToken({VerificationKey::Algorithm::kHs256, std::string(40, 'z')}, other_key_claims);
  for (int i = 0; i < desc->method_count(); ++i) {
    const std::string method = absl::StrCat("/", service, "/", desc->method(i)->name());
    for (const std::string& token : {std::string(), std::string("not-a-jwt"), forged}) {
      grpc::ClientContext ctx;
      PrepareCall(&ctx, token, absl::Seconds(5));
      grpc::Slice empty("");  // an empty message of any request type
      grpc::ByteBuffer request(&empty, 1), response;
      std::promise<grpc::Status> done;
      generic.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                        [&](grpc::Status s) { done.set_value(s); });
      EXPECT_EQ(done.get_future().get().error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << method << " with token '" << token.substr(0, 10) << "'";
    }
  }
}

// Bytes that are not a request message are the caller's fault: INVALID_ARGUMENT, counted and
// logged as a client error, not INTERNAL.
TEST_F(RegistryTest, UnparsableRequestIsInvalidArgument) {
  grpc::GenericStub generic(channel_);
  for (const char* method : {"/rfs.registry.v1.PlanRegistry/CreatePlan",
                             "/rfs.registry.v1.PlanRegistry/GetPlan",
                             "/rfs.registry.v1.PlanRegistry/ListPlans"}) {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Secretariat(), absl::Seconds(5));
    grpc::Slice garbage(std::string("\xff\xff\xff\xff\x0f garbage"));
    grpc::ByteBuffer request(&garbage, 1), response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&ctx, method, grpc::StubOptions(), &request, &response,
                      [&done](grpc::Status s) { done.set_value(s); });
    EXPECT_EQ(done.get_future().get().error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
  }
}

// However long a value, an error message quotes only an excerpt of it.
TEST_F(RegistryTest, ErrorsQuoteOnlyAnExcerptOfLongInput) {
  const std::string huge(1 << 20, '9');
  Plan plan = PlanB();
  plan.mutable_priority_companies(0)->set_corporate_number(huge);
  Plan out;
  grpc::Status s = Create(Prefecture(kToyama), plan, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "priority_companies[0].corporate_number"))
      << s.error_message().substr(0, 200);
  EXPECT_LT(s.error_message().size(), 400u);
  Plan created = MustCreate(PlanB());
  created.set_etag(huge);
  created.set_title("x");
  s = Update(Prefecture(kToyama), created, "title", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(s.error_message().size(), 400u);
  s = Get(Secretariat(), "plans/" + huge, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(s.error_message().size(), 400u);
}

// A FULL page of large plans ends before it would pass the message size: every plan comes, on
// as many pages as it takes, and no page fails for being large.
TEST_F(RegistryTest, FullListPagesOfLargePlansStayUnderTheMessageSize) {
  server_.reset();
  config_.max_message_bytes = 4 << 20;  // page budget 3 MiB
  StartRegistry();
  Plan big = PlanA();
  const std::string description(2000, 'x');  // ~2 KB each
  for (int i = 0; i < 480; ++i) {
    CoreInvestment* ci = big.add_core_investments();
    ci->set_company_name(absl::StrCat("会社", i));
    ci->set_description(description);
  }
  ASSERT_GT(big.ByteSizeLong(), 900u << 10);
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) created.insert(MustCreate(big).name());
  ListPlansRequest req;
  req.set_view(PLAN_VIEW_FULL);
  req.set_page_size(50);
  std::set<std::string> listed;
  int pages = 0;
  for (;;) {
    ListPlansResponse page;
    grpc::Status s = List(Secretariat(), req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ++pages;
    EXPECT_LE(page.ByteSizeLong(), 3u << 20);
    for (const Plan& p : page.plans()) {
      EXPECT_EQ(p.core_investments_size(), 481);
      listed.insert(p.name());
    }
    if (page.next_page_token().empty()) break;
    req.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(listed, created);
  EXPECT_GE(pages, 3);
}

// A joint plan's authors change only with every author's consent, recorded by the
// secretariat; a former co-author keeps reading the versions and history it took part in.
TEST_F(RegistryTest, JointPlanAuthorsChangeOnlyWithConsentAndFormerAuthorsKeepTheirVersions) {
  const Plan a = MustCreate(PlanA());  // Toyama (lead), Ishikawa, Fukui
  Plan without_fukui;
  without_fukui.set_name(a.name());
  without_fukui.add_authors()->set_local_government_code(kToyama);
  without_fukui.add_authors()->set_local_government_code(kIshikawa);
  without_fukui.set_lead_author_code(kToyama);
  Plan out;
  // One co-author alone, even the lead, cannot remove another, nor change the lead.
  grpc::Status s = Update(Prefecture(kToyama), without_fukui, "authors", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "consent of every")) << s.error_message();
  Plan new_lead = without_fukui;
  new_lead.add_authors()->set_local_government_code(kFukui);
  new_lead.set_lead_author_code(kIshikawa);
  EXPECT_EQ(Update(Prefecture(kIshikawa), new_lead, "lead_author_code", &out).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Get(Secretariat(), a.name(), &out));
  EXPECT_EQ(out.version(), 1);
  // A co-author may still change content; not the authors.
  Plan titled;
  titled.set_name(a.name());
  titled.set_title("北陸 AI・半導体 (改)");
  ASSERT_OK(Update(Prefecture(kFukui), titled, "title", &out));  // version 2
  // The secretariat records the change the authors agreed on.
  ASSERT_OK(Update(Secretariat(), without_fukui, "authors", &out));  // version 3
  EXPECT_EQ(out.authors_size(), 2);

  // Fukui still reads the plan as a local government of its area: take it out of the area
  // too, so that only its past authorship is left.
  Plan smaller;
  smaller.set_name(a.name());
  smaller.mutable_area()->set_block("HOKURIKU");
  smaller.mutable_area()->add_prefecture_codes(kToyama);
  smaller.mutable_area()->add_prefecture_codes(kIshikawa);
  ASSERT_OK(Update(Secretariat(), smaller, "area", &out));  // version 4
  const std::string fukui = Prefecture(kFukui);
  EXPECT_EQ(Get(fukui, a.name(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Get(fukui, a.name(), &out, 4).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Get(fukui, a.name(), &out, 2));  // a version it was an author of
  EXPECT_EQ(out.title(), "北陸 AI・半導体 (改)");
  GetPlanHistoryRequest hreq;
  hreq.set_name(a.name());
  GetPlanHistoryResponse history;
  grpc::ClientContext ctx;
  PrepareCall(&ctx, fukui, absl::Seconds(5));
  ASSERT_OK(stub_->GetPlanHistory(&ctx, hreq, &history));
  ASSERT_EQ(history.records_size(), 2);  // versions 1 and 2, its part of the trail
  EXPECT_EQ(history.records(1).version(), 2);
  DiffPlanVersionsRequest dreq;
  dreq.set_name(a.name());
  dreq.set_from_version(1);
  dreq.set_to_version(2);
  DiffPlanVersionsResponse diff;
  grpc::ClientContext dctx;
  PrepareCall(&dctx, fukui, absl::Seconds(5));
  ASSERT_OK(stub_->DiffPlanVersions(&dctx, dreq, &diff));
  dreq.set_to_version(0);
  grpc::ClientContext dctx2;
  PrepareCall(&dctx2, fukui, absl::Seconds(5));
  EXPECT_EQ(stub_->DiffPlanVersions(&dctx2, dreq, &diff).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// Only the lead author (or the bureau of a type A plan's block, or the secretariat) withdraws a
// joint plan.
TEST_F(RegistryTest, OnlyTheLeadAuthorWithdrawsAJointPlan) {
  const Plan a = MustCreate(PlanA());  // lead: Toyama
  Plan out;
  grpc::Status s =
      Transition(Prefecture(kIshikawa), a.name(), PLAN_STAGE_WITHDRAWN, &out, "取り下げたい");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), kToyama)) << s.error_message();
  ASSERT_OK(Transition(Prefecture(kToyama), a.name(), PLAN_STAGE_WITHDRAWN, &out, "代表団体として取下げ"));
  EXPECT_EQ(out.stage(), PLAN_STAGE_WITHDRAWN);
  // A single-author plan is withdrawn by its author.
  const Plan b = MustCreate(PlanB());
  ASSERT_OK(Transition(Prefecture(kToyama), b.name(), PLAN_STAGE_WITHDRAWN, &out, "取下げ"));
}

// A caller who may not read every plan learns nothing about which plans exist (AIP-211): the
// same PERMISSION_DENIED for a plan it may not read and for one that does not exist.
TEST_F(RegistryTest, NoExistenceOracle) {
  const Plan b = MustCreate(PlanB());  // Toyama's draft
  const std::string aichi = Prefecture(kAichi);
  Plan out;
  const grpc::Status existing = Get(aichi, b.name(), &out);
  const grpc::Status missing = Get(aichi, "plans/B-09999", &out);
  EXPECT_EQ(existing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(absl::StrReplaceAll(existing.error_message(), {{b.name(), "X"}}),
            absl::StrReplaceAll(missing.error_message(), {{"plans/B-09999", "X"}}));
  Plan change;
  change.set_name("plans/B-09999");
  change.set_title("x");
  const grpc::Status write_missing = Update(aichi, change, "title", &out);
  EXPECT_EQ(write_missing.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  change.set_name(b.name());
  const grpc::Status write_existing = Update(aichi, change, "title", &out);
  EXPECT_EQ(absl::StrReplaceAll(write_existing.error_message(), {{b.name(), "X"}}),
            absl::StrReplaceAll(write_missing.error_message(), {{"plans/B-09999", "X"}}));
  GetPlanHistoryRequest hreq;
  hreq.set_name("plans/B-09999");
  GetPlanHistoryResponse history;
  grpc::ClientContext ctx;
  PrepareCall(&ctx, aichi, absl::Seconds(5));
  EXPECT_EQ(stub_->GetPlanHistory(&ctx, hreq, &history).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Who reads every plan is told the truth.
  EXPECT_EQ(Get(Secretariat(), "plans/B-09999", &out).error_code(), grpc::StatusCode::NOT_FOUND);
}

// Fields this build does not know are dropped, never stored and served to other readers.
TEST_F(RegistryTest, UnknownFieldsAreNotStored) {
  Plan plan = PlanB();
  plan.GetReflection()->MutableUnknownFields(&plan)->AddLengthDelimited(999, "<script>");
  auto* item = plan.mutable_priority_companies(0);
  item->GetReflection()->MutableUnknownFields(item)->AddLengthDelimited(77, "hidden");
  Plan created;
  ASSERT_OK(Create(Prefecture(kToyama), plan, &created));
  Plan got;
  ASSERT_OK(Get(Viewer(), created.name(), &got));
  EXPECT_TRUE(got.GetReflection()->GetUnknownFields(got).empty());
  EXPECT_TRUE(got.priority_companies(0).GetReflection()->GetUnknownFields(got.priority_companies(0)).empty());
  Plan change;
  change.set_name(created.name());
  change.set_title("新しい名前");
  change.GetReflection()->MutableUnknownFields(&change)->AddVarint(998, 1);
  auto* area = change.mutable_area();
  area->GetReflection()->MutableUnknownFields(area)->AddLengthDelimited(50, "x");
  area->add_prefecture_codes(kToyama);
  Plan updated;
  ASSERT_OK(Update(Prefecture(kToyama), change, "title,area", &updated));
  ASSERT_OK(Get(Viewer(), created.name(), &got));
  EXPECT_TRUE(got.GetReflection()->GetUnknownFields(got).empty());
  EXPECT_TRUE(got.area().GetReflection()->GetUnknownFields(got.area()).empty());
}

// A plan larger than --max_plan_kib is refused with the limit named, before any other check.
TEST_F(RegistryTest, PlanSizeIsBounded) {
  server_.reset();
  config_.max_plan_bytes = 64 << 10;
  StartRegistry();
  Plan big = PlanA();
  for (int i = 0; i < 40; ++i) big.add_core_investments()->set_description(std::string(3000, 'x'));
  Plan out;
  const grpc::Status s = Create(Secretariat(), big, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "64 KiB")) << s.error_message();
  EXPECT_EQ(redis_->Cli("EXISTS rfs:registry:seq"), "0");
}

// One principal's writes are limited (all replicas together): past the quota a write gets
// RESOURCE_EXHAUSTED saying when to retry, and nothing is written; others are not affected.
// With 3 writes a minute, 7 quick writes span at most two minutes, so one of them is refused.
TEST_F(RegistryTest, WritesPerPrincipalAreLimited) {
  server_.reset();
  write_quota_ = {3, 0};
  StartRegistry();
  const std::string toyama = Prefecture(kToyama);
  Plan out;
  grpc::Status s;
  int writes = 0;
  std::string keys, outbox;
  for (; writes < 7; ++writes) {
    keys = redis_->Cli("DBSIZE");
    outbox = redis_->Cli("XLEN rfs:registry:outbox");
    if (!(s = Create(toyama, PlanB(), &out)).ok()) break;
  }
  ASSERT_LT(writes, 7);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "retry in")) << s.error_message();
  const std::optional<absl::Duration> delay = RetryDelayOf(FromGrpcStatus(s));
  ASSERT_TRUE(delay.has_value()) << "no google.rpc.RetryInfo in the status details";
  EXPECT_GT(*delay, absl::ZeroDuration());
  EXPECT_LE(*delay, absl::Seconds(60));
  EXPECT_EQ(redis_->Cli("DBSIZE"), keys);  // the refused write left nothing behind
  EXPECT_EQ(redis_->Cli("XLEN rfs:registry:outbox"), outbox);
  ASSERT_OK(Create(Secretariat(), PlanB(), &out));  // someone else's quota
}

// Bytes per hour too: a principal cannot fill Redis with large versions.
TEST_F(RegistryTest, BytesPerPrincipalAreLimited) {
  server_.reset();
  write_quota_ = {0, 5 << 20};
  StartRegistry();
  Plan big = PlanA();
  // Text that does not compress (versions are stored compressed; the quota counts what is
  // stored).
  uint64_t seed = 12345;
  for (int i = 0; i < 400; ++i) {
    CoreInvestment* ci = big.add_core_investments();
    ci->set_company_name(absl::StrCat("会社", i));
    std::string text(3000, ' ');
    for (char& c : text) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      c = static_cast<char>('a' + (seed >> 59) % 26);
    }
    ci->set_description(text);
  }
  ASSERT_GT(big.ByteSizeLong(), 1u << 20);
  Plan out;
  grpc::Status s;
  int writes = 0;
  for (; writes < 11 && (s = Create(Secretariat(), big, &out)).ok(); ++writes) {
  }
  ASSERT_LT(writes, 11) << "5 MiB an hour let 11 plans of over 1 MiB through";
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "bytes written this hour")) << s.error_message();
}

// When Redis refuses writes for memory (maxmemory with noeviction), a write fails with a clear
// RESOURCE_EXHAUSTED and nothing of it is written; reads go on; the metric shows the limit.
TEST_F(RegistryTest, FullRedisRefusesWritesWholly) {
  server_.reset();
  config_.metrics_listen = "127.0.0.1:0";
  StartRegistry();
  const Plan plan = MustCreate(PlanB());
  const std::string keys = redis_->Cli("DBSIZE");
  const std::string outbox = redis_->Cli("XLEN rfs:registry:outbox");
  const std::string seq = redis_->Cli("GET rfs:registry:seq");
  ASSERT_EQ(redis_->Cli("CONFIG SET maxmemory 1"), "OK");
  Plan out;
  grpc::Status s = Create(Prefecture(kToyama), PlanB(), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "memory")) << s.error_message();
  Plan change = plan;
  change.set_title("満杯");
  s = Update(Prefecture(kToyama), change, "title", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  EXPECT_EQ(Transition(Prefecture(kToyama), plan.name(), PLAN_STAGE_PRE_CONSULTATION, &out)
                .error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(redis_->Cli("DBSIZE"), keys);
  EXPECT_EQ(redis_->Cli("XLEN rfs:registry:outbox"), outbox);
  EXPECT_EQ(redis_->Cli("GET rfs:registry:seq"), seq);
  ASSERT_OK(Get(Viewer(), plan.name(), &out));
  EXPECT_EQ(out.version(), 1);
  ASSERT_TRUE(server_->RefreshStats().ok());
  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_TRUE(absl::StrContains(metrics, "rfs_redis_memory_max_bytes{service=\"registry\"} 1"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "rfs_redis_memory_used_bytes{service=\"registry\"}"));
  ASSERT_EQ(redis_->Cli("CONFIG SET maxmemory 0"), "OK");
  ASSERT_OK(Create(Prefecture(kToyama), PlanB(), &out));
}

// Errors people act on come in Japanese, then English; `accept-language` picks one; the status
// details carry both and the field at fault (rfs.common.v1.ErrorDetails).
TEST_F(RegistryTest, ErrorsSpeakJapaneseAndEnglishWithTheFieldInTheDetails) {
  Plan bad = PlanB();
  bad.mutable_area()->set_prefecture_codes(0, "160007");  // Toyama is 160008
  auto create = [&](const char* language) {
    CreatePlanRequest req;
    *req.mutable_plan() = bad;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Prefecture(kToyama), absl::Seconds(5));
    if (language != nullptr) ctx.AddMetadata("accept-language", language);
    Plan out;
    return stub_->CreatePlan(&ctx, req, &out);
  };
  const grpc::Status both = create(nullptr);
  ASSERT_EQ(both.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::vector<std::string> lines = absl::StrSplit(both.error_message(), '\n');
  ASSERT_EQ(lines.size(), 2u) << both.error_message();
  EXPECT_TRUE(absl::StrContains(lines[0], "チェックディジット")) << lines[0];
  EXPECT_TRUE(absl::StartsWith(lines[1], "area.prefecture_codes[0]: '160007' has a wrong check digit"))
      << lines[1];
  std::optional<common::v1::ErrorDetails> details = DetailsOf(FromGrpcStatus(both));
  ASSERT_TRUE(details.has_value());
  ASSERT_EQ(details->field_violations_size(), 1);
  EXPECT_EQ(details->field_violations(0).field(), "area.prefecture_codes[0]");
  EXPECT_TRUE(absl::StrContains(details->field_violations(0).description_ja(), "チェックディジット"));
  EXPECT_EQ(details->message_ja(), lines[0]);

  const grpc::Status en = create("en-US,en;q=0.9");
  EXPECT_TRUE(absl::StartsWith(en.error_message(), "area.prefecture_codes[0]: '160007' has"));
  EXPECT_FALSE(absl::StrContains(en.error_message(), "チェックディジット"));
  const grpc::Status ja = create("ja");
  EXPECT_TRUE(absl::StrContains(ja.error_message(), "チェックディジット"));
  EXPECT_FALSE(absl::StrContains(ja.error_message(), "wrong check digit"));

  // FAILED_PRECONDITION too: a move the lifecycle does not have.
  const Plan plan = MustCreate(PlanB());
  Plan out;
  const grpc::Status move = Transition(Prefecture(kToyama), plan.name(), PLAN_STAGE_REVISING, &out);
  ASSERT_EQ(move.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  details = DetailsOf(FromGrpcStatus(move));
  ASSERT_TRUE(details.has_value());
  EXPECT_FALSE(details->message_ja().empty());
  EXPECT_TRUE(absl::StrContains(details->message_en(), "cannot move to REVISING"));
}

// A version written before versions were compressed (the whole plan, with its name) is still
// read as it was.
TEST_F(RegistryTest, VersionsStoredBeforeCompressionStillRead) {
  const Plan created = MustCreate(PlanB());
  Plan legacy = created;
  legacy.set_title("旧形式で保存された版");
  RedisPool pool(redis_->options());
  ASSERT_TRUE(pool.Command({"SET", "rfs:registry:plan:B-00001:v:1", legacy.SerializeAsString()}).ok());
  server_.reset();  // a fresh process: nothing cached
  StartRegistry();
  Plan out;
  ASSERT_OK(Get(Viewer(), created.name(), &out));
  EXPECT_EQ(out.title(), "旧形式で保存された版");
  EXPECT_EQ(out.name(), created.name());
}

// A plan number already taken (a counter restored behind its plans) is skipped, never reused
// and never a reason to refuse every create.
TEST_F(RegistryTest, TakenPlanNumbersAreSkipped) {
  const Plan first = MustCreate(PlanB());
  ASSERT_EQ(first.name(), "plans/B-00001");
  ASSERT_EQ(redis_->Cli("SET rfs:registry:seq 0"), "OK");
  const Plan second = MustCreate(PlanB());
  EXPECT_EQ(second.name(), "plans/B-00002");
  Plan out;
  ASSERT_OK(Get(Viewer(), first.name(), &out));
  EXPECT_EQ(out.version(), 1);
}

TEST_F(RegistryTest, ReferenceData) {
  ListReferenceDataResponse r;
  grpc::ClientContext ctx;
  PrepareCall(&ctx, Viewer(), absl::Seconds(5));
  ASSERT_OK(stub_->ListReferenceData(&ctx, ListReferenceDataRequest(), &r));
  EXPECT_EQ(r.prefectures_size(), 47);
  EXPECT_EQ(r.strategic_fields_size(), 17);
  EXPECT_EQ(r.blocks_size(), 10);
  EXPECT_EQ(r.strategic_fields(4).name_ja(), "航空・宇宙");
  EXPECT_TRUE(r.prefectures(12).tokyo_area());  // Tokyo
}

TEST_F(RegistryTest, RedisOutageIsUnavailableAndRecovers) {
  Plan plan = MustCreate(PlanB());
  EXPECT_EQ(*CheckHealth(channel_, PlanRegistry::service_full_name()), ServingStatus::kServing);

  Plan out;
  ASSERT_OK(Get(Secretariat(), plan.name(), &out));  // now cached in process
  redis_->Stop();
  grpc::Status down = Create(Prefecture(kToyama), PlanB(), &out);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE) << down.error_message();
  // Even a cached plan is not served without Redis: its current version is unknown.
  EXPECT_EQ(Get(Secretariat(), plan.name(), &out).error_code(), grpc::StatusCode::UNAVAILABLE);
  Plan change = plan;
  change.set_title("停電中");
  EXPECT_EQ(Update(Prefecture(kToyama), change, "title", &out).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  ListPlansResponse list;
  EXPECT_EQ(List(Viewer(), ListPlansRequest(), &list).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(WaitFor([&] {
    auto s = CheckHealth(channel_, PlanRegistry::service_full_name());
    return s.ok() && *s == ServingStatus::kNotServing;
  }));
  EXPECT_EQ(*CheckHealth(channel_, ""), ServingStatus::kNotServing);
  EXPECT_EQ(*CheckHealth(channel_, "liveness"), ServingStatus::kServing);  // no restart

  redis_->Start();  // same data directory: the AOF brings the plan back
  EXPECT_TRUE(WaitFor([&] {
    auto s = CheckHealth(channel_, PlanRegistry::service_full_name());
    return s.ok() && *s == ServingStatus::kServing;
  }));
  ASSERT_OK(Get(Secretariat(), plan.name(), &out));
  EXPECT_EQ(out.title(), plan.title());
  ASSERT_OK(Create(Prefecture(kToyama), PlanB(), &out));
}

// Calls to made-up method names, without a token, must not create metric series: they all
// count under grpc_service="unknown", grpc_method="unknown".
TEST_F(RegistryTest, UnknownMethodsShareOneMetricLabel) {
  server_.reset();
  config_.metrics_listen = "127.0.0.1:0";
  StartRegistry();
  grpc::GenericStub generic(channel_);
  for (int i = 0; i < 40; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1), response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&ctx, absl::StrCat("/rfs.registry.v1.PlanRegistry/Made", i, "Up"),
                      grpc::StubOptions(), &request, &response,
                      [&done](grpc::Status s) { done.set_value(s); });
    EXPECT_EQ(done.get_future().get().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_FALSE(absl::StrContains(metrics, "MadeUp")) << metrics;
  EXPECT_FALSE(absl::StrContains(metrics, "Made1Up"));
  EXPECT_TRUE(absl::StrContains(metrics, "grpc_code=\"Unimplemented\",grpc_method=\"unknown\","
                                         "grpc_service=\"unknown\""))
      << metrics;
  // Every real method has its series from the start.
  EXPECT_TRUE(absl::StrContains(metrics, "grpc_server_started_total{grpc_method=\"DiffPlanVersions\""));
  EXPECT_TRUE(absl::StrContains(metrics, "grpc_server_started_total{grpc_method=\"Check\","
                                         "grpc_service=\"grpc.health.v1.Health\""));
}

TEST_F(RegistryTest, MetricsCountPlansAndRpcs) {
  server_.reset();
  config_.metrics_listen = "127.0.0.1:0";
  StartRegistry();
  MustCreate(PlanA());
  MustCreate(PlanB());
  Plan out;
  ASSERT_OK(Transition(Secretariat(), "plans/B-00002", PLAN_STAGE_PRE_CONSULTATION, &out));
  EXPECT_EQ(Get(Viewer(), "plans/B-09999", &out).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(server_->RefreshStats().ok());
  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_TRUE(absl::StrContains(
      metrics, "rfs_plans{block=\"HOKURIKU\",plan_type=\"A\",stage=\"DRAFTING\"} 1"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(
      metrics, "rfs_plans{block=\"HOKURIKU\",plan_type=\"B\",stage=\"PRE_CONSULTATION\"} 1"));
  EXPECT_FALSE(absl::StrContains(metrics, "plan_type=\"B\",stage=\"DRAFTING\"} 1"));
  EXPECT_TRUE(absl::StrContains(metrics, "rfs_outbox_pending{service=\"registry\"} 3"));
  EXPECT_TRUE(absl::StrContains(
      metrics,
      "grpc_server_handled_total{grpc_code=\"NotFound\",grpc_method=\"GetPlan\","
      "grpc_service=\"rfs.registry.v1.PlanRegistry\",grpc_type=\"unary\"} 1"))
      << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "grpc_server_started_total{grpc_method=\"CreatePlan\""));
  EXPECT_TRUE(absl::StrContains(metrics, "grpc_server_handling_seconds_bucket{grpc_method=\"TransitionPlan\""));

  // Counts come from Redis, so a restarted (or another) replica reports the same.
  server_.reset();
  StartRegistry();
  ASSERT_TRUE(server_->RefreshStats().ok());
  const std::string again = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_TRUE(absl::StrContains(
      again, "rfs_plans{block=\"HOKURIKU\",plan_type=\"A\",stage=\"DRAFTING\"} 1"))
      << again;
}

TEST_F(RegistryTest, TlsWithAPlaintextHealthPortForProbes) {
  const std::string cert = dir_->File("cert.pem"), key = dir_->File("key.pem");
  ASSERT_EQ(std::system(("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " +
                         cert + " -days 1 -subj /CN=localhost -addext "
                                "subjectAltName=DNS:localhost 2>/dev/null")
                            .c_str()),
            0);
  server_.reset();
  config_.listen = "localhost:0";
  config_.tls.cert_file = cert;
  config_.tls.key_file = key;
  config_.health_listen = "127.0.0.1:0";
  StartRegistry();
  ASSERT_GT(server_->runner().health_port(), 0);

  ChannelOptions tls;
  tls.target = absl::StrCat("localhost:", server_->port());
  tls.tls = true;
  tls.ca_file = cert;
  stub_ = PlanRegistry::NewStub(MakeChannel(tls));
  Plan out;
  ASSERT_OK(Create(Prefecture(kToyama), PlanB(), &out));
  // The TLS port refuses plaintext; the health port answers in plaintext, health only.
  stub_ = PlanRegistry::NewStub(MakeChannel({absl::StrCat("127.0.0.1:", server_->port())}));
  EXPECT_EQ(Get(Secretariat(), out.name(), &out).error_code(), grpc::StatusCode::UNAVAILABLE);
  auto health = MakeChannel({absl::StrCat("127.0.0.1:", server_->runner().health_port())});
  EXPECT_EQ(*CheckHealth(health, ""), ServingStatus::kServing);
  EXPECT_EQ(*CheckHealth(health, "liveness"), ServingStatus::kServing);
  stub_ = PlanRegistry::NewStub(health);
  EXPECT_EQ(Get(Secretariat(), out.name(), &out).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  redis_->Stop();
  EXPECT_TRUE(WaitFor([&] {
    auto s = CheckHealth(health, PlanRegistry::service_full_name());
    return s.ok() && *s == ServingStatus::kNotServing;
  }));
}

}  // namespace
}  // namespace rfs::testing
