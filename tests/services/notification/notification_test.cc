// rfs-notification's event log against a real redis-server and the real gRPC server: events
// published in order and each once, read back by every role as the read rule allows, filtered,
// in pages and from cursors that miss nothing and repeat nothing, and an expired cursor told so.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/domain/plan_access.h"
#include "common/domain/plan_event.h"
#include "common/kit/auth.h"
#include "common/kit/client.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "services/notification/notification_server.h"
#include "tests/support/assert_ok.h"
#include "tests/support/plans.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs::testing {
namespace {

using google::protobuf::util::TimeUtil;
using notification::v1::EventFilter;
using notification::v1::ListEventsRequest;
using notification::v1::ListEventsResponse;
using notification::v1::PublishEventsRequest;
using notification::v1::PublishEventsResponse;
using registry::v1::Plan;
using registry::v1::PlanStage;

constexpr char kLog[] = "rfs:notification:log";

class NotificationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>(dir_.path(), extra_redis_args_);
    redis_->Start();
    std::ofstream(dir_.File("auth.key")) << "integration-test-secret-0123456789abcdef\n";
    key_ = *LoadVerificationKey(dir_.File("auth.key"));
    config_.service_name = "rfs-notification";
    config_.listen = "unix://" + dir_.File("notification.sock");
    config_.metrics_listen = "";
    config_.redis = redis_->options();
    config_.auth_key_file = dir_.File("auth.key");
    config_.data_dir = DataDir();
    config_.health_interval = absl::Milliseconds(50);
    config_.shutdown_grace = absl::Seconds(1);
    config_.write_quota = {0, 0};
    ASSERT_NO_FATAL_FAILURE(StartNotification());
  }

  void StartNotification() {
    server_.reset();
    notification::NotificationServerOptions options;
    options.stats_interval = absl::Milliseconds(100);
    if (retention_ > absl::ZeroDuration()) options.retention = retention_;
    auto server = notification::NotificationServer::Start(config_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ChannelOptions channel;
    channel.target = config_.listen;
    stub_ = notification::v1::Notification::NewStub(MakeChannel(channel));
  }

  std::string Token(const Principal& who) {
    TokenClaims claims;
    claims.subject = who.subject.empty() ? absl::StrCat("user-", RoleName(who.role)) : who.subject;
    claims.role = who.role;
    claims.body_code = who.body_code;
    claims.block = who.block;
    auto token = MintToken(key_, claims);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }
  std::string Service() { return Token(Who(Role::kService)); }
  std::string Secretariat() { return Token(Who(Role::kSecretariat)); }

  grpc::Status Publish(const std::string& token, const std::vector<common::v1::Event>& events,
                       PublishEventsResponse* out) {
    PublishEventsRequest req;
    for (const common::v1::Event& e : events) *req.add_events() = e;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return stub_->PublishEvents(&ctx, req, out);
  }
  void MustPublish(const std::vector<common::v1::Event>& events) {
    PublishEventsResponse out;
    ASSERT_OK(Publish(Service(), events, &out));
  }
  grpc::Status List(const std::string& token, const ListEventsRequest& req,
                    ListEventsResponse* out) {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return stub_->ListEvents(&ctx, req, out);
  }
  // Every event the caller gets from the start (or after `after`), page by page.
  std::vector<notification::v1::LoggedEvent> ListAll(const std::string& token,
                                                     const EventFilter& filter = {},
                                                     const std::string& after = "",
                                                     int page_size = 0) {
    std::vector<notification::v1::LoggedEvent> all;
    ListEventsRequest req;
    *req.mutable_filter() = filter;
    req.set_after_cursor(after);
    req.set_page_size(page_size);
    for (int page = 0; page < 100; ++page) {
      ListEventsResponse out;
      const grpc::Status s = List(token, req, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const auto& e : out.events()) all.push_back(e);
      if (out.next_page_token().empty()) break;
      req.set_page_token(out.next_page_token());
    }
    return all;
  }
  static std::vector<std::string> Ids(const std::vector<notification::v1::LoggedEvent>& events) {
    std::vector<std::string> ids;
    for (const auto& e : events) ids.push_back(e.event().id());
    return ids;
  }

  TempDir dir_;
  std::vector<std::string> extra_redis_args_;
  absl::Duration retention_ = absl::ZeroDuration();
  std::unique_ptr<RedisServer> redis_;
  VerificationKey key_;
  ServerConfig config_;
  std::unique_ptr<notification::NotificationServer> server_;
  std::unique_ptr<notification::v1::Notification::Stub> stub_;
};

// An event of `type` about `plan` as a producer writes it (PlanEvent), with id `id`.
common::v1::Event EventOf(const Plan& plan, const std::string& type, const std::string& id) {
  common::v1::Event e = PlanEvent("rfs-registry", plan, type, TimeUtil::GetCurrentTime(), "t");
  e.set_id(id);
  e.set_plan_version(1);
  return e;
}

Plan Named(Plan plan, const std::string& name, PlanStage stage) {
  plan.set_name(name);
  plan.set_stage(stage);
  return plan;
}

// Numbered events of one public plan.
std::vector<common::v1::Event> Numbered(int from, int to) {
  const Plan plan = Named(PlanB(), "plans/B-00001", registry::v1::PLAN_STAGE_PUBLISHED);
  std::vector<common::v1::Event> out;
  for (int i = from; i <= to; ++i) {
    out.push_back(EventOf(plan, "plan.updated", absl::StrCat("registry/plans/B-00001/v", i)));
  }
  return out;
}

TEST_F(NotificationTest, PublishedEventsAreLoggedInOrderAndEachOnce) {
  PublishEventsResponse out;
  ASSERT_OK(Publish(Service(), Numbered(1, 3), &out));
  EXPECT_EQ(out.appended(), 3);
  EXPECT_EQ(out.duplicates(), 0);
  // The same batch again (a relay that resends after a lost acknowledgement) and one more.
  ASSERT_OK(Publish(Service(), Numbered(1, 4), &out));
  EXPECT_EQ(out.appended(), 1);
  EXPECT_EQ(out.duplicates(), 3);
  EXPECT_EQ(redis_->Cli(absl::StrCat("XLEN ", kLog)), "4");

  const auto all = ListAll(Secretariat());
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"registry/plans/B-00001/v1",
                                                "registry/plans/B-00001/v2",
                                                "registry/plans/B-00001/v3",
                                                "registry/plans/B-00001/v4"}));
  std::set<std::string> cursors;
  for (const auto& e : all) {
    cursors.insert(e.cursor());
    EXPECT_GT(TimeUtil::TimestampToSeconds(e.log_time()), 0);
    EXPECT_EQ(e.event().plan(), "plans/B-00001");
  }
  EXPECT_EQ(cursors.size(), 4u);

  // The log outlives the service.
  ASSERT_NO_FATAL_FAILURE(StartNotification());
  EXPECT_EQ(Ids(ListAll(Secretariat())), Ids(all));
}

TEST_F(NotificationTest, OnlyTheServiceRolePublishes) {
  PublishEventsResponse out;
  for (const Principal& who :
       {Who(Role::kSecretariat), Who(Role::kBureau, "", "HOKURIKU"),
        Who(Role::kPrefecture, kToyama), Who(Role::kMunicipality, kToyamaCity),
        Who(Role::kViewer)}) {
    const grpc::Status s = Publish(Token(who), Numbered(1, 1), &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << RoleName(who.role);
  }
  EXPECT_EQ(Publish("", Numbered(1, 1), &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(redis_->Cli(absl::StrCat("XLEN ", kLog)), "0");
}

TEST_F(NotificationTest, ABadBatchIsRefusedWholeNamingTheEventAndField) {
  struct Case {
    std::string field;
    std::vector<common::v1::Event> events;
  };
  std::vector<Case> cases;
  cases.push_back({"events", {}});
  cases.push_back({"events", Numbered(1, 501)});
  auto broken = [](const std::function<void(common::v1::Event*)>& breaks) {
    std::vector<common::v1::Event> events = Numbered(1, 3);
    breaks(&events[1]);
    return events;
  };
  cases.push_back({"events[1].id", broken([](common::v1::Event* e) { e->clear_id(); })});
  cases.push_back({"events[1].type", broken([](common::v1::Event* e) { e->set_type("Plan Updated"); })});
  cases.push_back({"events[1].source", broken([](common::v1::Event* e) { e->clear_source(); })});
  cases.push_back({"events[1].time", broken([](common::v1::Event* e) { e->clear_time(); })});
  cases.push_back({"events[1]", broken([](common::v1::Event* e) {
                     (*e->mutable_attributes())["changed_fields"] = std::string(21 * 1024, 'x');
                   })});
  for (const Case& c : cases) {
    PublishEventsResponse out;
    const grpc::Status s = Publish(Service(), c.events, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_TRUE(absl::StrContains(s.error_message(), c.field)) << s.error_message();
  }
  EXPECT_EQ(redis_->Cli(absl::StrCat("XLEN ", kLog)), "0");
}

// Each role receives the events of exactly the plans the read rule lets it read: decided on the
// envelope, compared with CanReadPlan on the plans themselves.
TEST_F(NotificationTest, EveryRoleReadsOnlyEventsOfPlansItMayRead) {
  const std::vector<Plan> plans = {
      Named(PlanA(), "plans/A-00001", registry::v1::PLAN_STAGE_DRAFTING),
      Named(PlanB(), "plans/B-00002", registry::v1::PLAN_STAGE_PUBLISHED_BY_GOVERNOR),
      Named(PlanC(), "plans/C-00003", registry::v1::PLAN_STAGE_PRE_CONSULTATION),
      [] {
        Plan p = Named(PlanA(), "plans/A-00004", registry::v1::PLAN_STAGE_DRAFTING);
        MoveToKanto(&p);
        return p;
      }(),
  };
  std::vector<common::v1::Event> events;
  for (const Plan& plan : plans) {
    events.push_back(EventOf(plan, "plan.created", absl::StrCat("registry/", plan.name(), "/v1")));
  }
  ASSERT_NO_FATAL_FAILURE(MustPublish(events));
  const std::vector<Principal> callers = {
      Who(Role::kSecretariat),          Who(Role::kViewer),
      Who(Role::kService),              Who(Role::kBureau, "", "HOKURIKU"),
      Who(Role::kBureau, "", "KANTO"),  Who(Role::kPrefecture, kToyama),
      Who(Role::kPrefecture, kIshikawa), Who(Role::kPrefecture, kGunma),
      Who(Role::kPrefecture, kAichi),   Who(Role::kMunicipality, kKanazawaCity),
      Who(Role::kMunicipality, kToyamaCity)};
  for (const Principal& who : callers) {
    std::set<std::string> expected;
    for (const Plan& plan : plans) {
      if (CanReadPlan(who, plan)) expected.insert(plan.name());
    }
    std::set<std::string> got;
    for (const auto& e : ListAll(Token(who))) got.insert(e.event().plan());
    EXPECT_EQ(got, expected) << RoleName(who.role) << " " << who.body_code << who.block;
  }
}

TEST_F(NotificationTest, FiltersByTypePlanBlockPrefectureAndTime) {
  const Plan b = Named(PlanB(), "plans/B-00001", registry::v1::PLAN_STAGE_PUBLISHED);
  Plan kanto = Named(PlanA(), "plans/A-00002", registry::v1::PLAN_STAGE_PUBLISHED);
  MoveToKanto(&kanto);
  ASSERT_NO_FATAL_FAILURE(MustPublish({EventOf(b, "plan.updated", "e1"),
                                       EventOf(b, "kpi.measurement_recorded", "e2"),
                                       EventOf(kanto, "kpi.report_due", "e3")}));
  absl::SleepFor(absl::Milliseconds(5));  // the next batch is logged in a later millisecond
  ASSERT_NO_FATAL_FAILURE(MustPublish({EventOf(kanto, "plan.stage_changed", "e4")}));
  const auto all = ListAll(Secretariat());
  ASSERT_EQ(all.size(), 4u);

  auto ids = [&](const EventFilter& filter) { return Ids(ListAll(Secretariat(), filter)); };
  EventFilter f;
  f.add_types("plan.updated");
  f.add_types("kpi.*");
  EXPECT_EQ(ids(f), (std::vector<std::string>{"e1", "e2", "e3"}));
  f.Clear();
  f.set_plan("plans/A-00002");
  EXPECT_EQ(ids(f), (std::vector<std::string>{"e3", "e4"}));
  f.Clear();
  f.set_plan_type(registry::v1::PLAN_TYPE_B);
  EXPECT_EQ(ids(f), (std::vector<std::string>{"e1", "e2"}));
  f.Clear();
  f.set_block("KANTO");
  EXPECT_EQ(ids(f), (std::vector<std::string>{"e3", "e4"}));
  f.Clear();
  f.set_prefecture_code(kToyama);
  EXPECT_EQ(ids(f), (std::vector<std::string>{"e1", "e2"}));
  f.Clear();
  *f.mutable_start_time() = all[3].log_time();
  EXPECT_EQ(ids(f), (std::vector<std::string>{"e4"}));
  f.Clear();
  *f.mutable_end_time() = all[3].log_time();
  EXPECT_EQ(ids(f), (std::vector<std::string>{"e1", "e2", "e3"}));

  // A filter that cannot be met is an error naming the field, never an empty answer.
  struct Bad {
    std::string field;
    std::function<void(EventFilter*)> set;
  };
  const std::vector<Bad> bad = {
      {"filter.types[0]", [](EventFilter* f) { f->add_types("Plan!"); }},
      {"filter.plan", [](EventFilter* f) { f->set_plan("A-00001"); }},
      {"filter.block", [](EventFilter* f) { f->set_block("ATLANTIS"); }},
      {"filter.prefecture_code", [](EventFilter* f) { f->set_prefecture_code("99"); }},
      {"filter.end_time", [&](EventFilter* f) {
         *f->mutable_start_time() = all[3].log_time();
         *f->mutable_end_time() = all[0].log_time();
       }},
  };
  for (const Bad& b : bad) {
    ListEventsRequest req;
    b.set(req.mutable_filter());
    ListEventsResponse out;
    const grpc::Status s = List(Secretariat(), req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << b.field;
    EXPECT_TRUE(absl::StrContains(s.error_message(), b.field)) << s.error_message();
  }
}

TEST_F(NotificationTest, PagesAndCursorsMissNothingAndRepeatNothing) {
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(1, 25)));
  const auto all = ListAll(Secretariat());
  ASSERT_EQ(all.size(), 25u);
  // Pages of 10: the same events, in the same order.
  EXPECT_EQ(Ids(ListAll(Secretariat(), {}, "", 10)), Ids(all));
  // After the 7th event's cursor: the 8th on, and after more are published, exactly the new.
  const auto rest = ListAll(Secretariat(), {}, all[6].cursor());
  ASSERT_EQ(rest.size(), 18u);
  EXPECT_EQ(rest.front().event().id(), "registry/plans/B-00001/v8");
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(26, 27)));
  EXPECT_EQ(Ids(ListAll(Secretariat(), {}, rest.back().cursor())),
            (std::vector<std::string>{"registry/plans/B-00001/v26", "registry/plans/B-00001/v27"}));

  // A page that keeps nothing still says how far it read: continuing from its last_cursor
  // reads none of those entries again.
  ListEventsRequest req;
  req.mutable_filter()->add_types("kpi.*");
  ListEventsResponse out;
  ASSERT_OK(List(Secretariat(), req, &out));
  EXPECT_EQ(out.events_size(), 0);
  EXPECT_TRUE(out.next_page_token().empty());
  ListEventsResponse everything;
  ASSERT_OK(List(Secretariat(), ListEventsRequest(), &everything));
  EXPECT_EQ(out.last_cursor(), everything.events(everything.events_size() - 1).cursor());

  // A token belongs to its listing; a cursor to this service.
  ListEventsRequest first;
  first.set_page_size(10);
  ASSERT_OK(List(Secretariat(), first, &out));
  ASSERT_FALSE(out.next_page_token().empty());
  ListEventsRequest other;
  other.set_page_token(out.next_page_token());
  other.mutable_filter()->set_block("KANTO");
  EXPECT_EQ(List(Secretariat(), other, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ListEventsRequest bad_cursor;
  bad_cursor.set_after_cursor("1733560000000-0");
  const grpc::Status s = List(Secretariat(), bad_cursor, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "after_cursor")) << s.error_message();
}

class NotificationRetentionTest : public NotificationTest {
 protected:
  NotificationRetentionTest() {
    // Trim entry by entry (a stream node holds one entry), and keep events 50 ms.
    extra_redis_args_ = {"--stream-node-max-entries", "1"};
    retention_ = absl::Milliseconds(50);
  }
};

// A cursor is good while the log keeps every event after it; once trimmed past it, OUT_OF_RANGE
// names the oldest cursor to continue from, never a silent skip.
TEST_F(NotificationRetentionTest, AnExpiredCursorIsOutOfRangeNamingTheOldest) {
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(1, 1)));
  const auto first = ListAll(Secretariat());
  ASSERT_EQ(first.size(), 1u);
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(2, 2)));  // trims v1
  // Nothing after v1 was lost: its cursor still continues.
  const auto second = ListAll(Secretariat(), {}, first[0].cursor());
  ASSERT_EQ(Ids(second), (std::vector<std::string>{"registry/plans/B-00001/v2"}));
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(3, 3)));  // trims v2
  ListEventsRequest req;
  req.set_after_cursor(first[0].cursor());
  ListEventsResponse out;
  const grpc::Status s = List(Secretariat(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE) << s.error_message();
  // The cursor it names ("c1…"): from there, and from the start, the event the log keeps.
  const size_t at = s.error_message().find("c1");
  ASSERT_NE(at, std::string::npos) << s.error_message();
  const size_t end = s.error_message().find_first_not_of(
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", at);
  const std::string oldest = s.error_message().substr(at, end - at);
  EXPECT_EQ(Ids(ListAll(Secretariat(), {}, oldest)),
            (std::vector<std::string>{"registry/plans/B-00001/v3"}));
  // The cursor of v2 (whose successors are all kept) still continues too.
  EXPECT_EQ(Ids(ListAll(Secretariat(), {}, second[0].cursor())),
            (std::vector<std::string>{"registry/plans/B-00001/v3"}));
  EXPECT_EQ(Ids(ListAll(Secretariat())), (std::vector<std::string>{"registry/plans/B-00001/v3"}));
}

}  // namespace
}  // namespace rfs::testing
