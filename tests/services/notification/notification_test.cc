// rfs-notification's event log against a real redis-server and the real gRPC server: events
// published in order and each once, read back by every role as the read rule allows, filtered,
// in pages and from cursors that miss nothing and repeat nothing, and an expired cursor told so.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
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
#include "tests/services/notification/notification_fixture.h"

namespace rfs::testing {
namespace {

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

// Calls that arrive together share one script and one fsync (the event log's group commit),
// yet each is taken whole or not at all, under its own publisher's quota, and an id carried by
// several of them is appended once.
TEST_F(NotificationTest, ConcurrentCallsAreEachTakenWholeUnderTheirOwnQuota) {
  config_.write_quota = {5, 0};  // five calls a minute per publisher
  ASSERT_NO_FATAL_FAILURE(StartNotification());
  constexpr int kCalls = 12;
  struct Call {
    std::string subject;
    std::string token;
    std::vector<common::v1::Event> events;
    grpc::Status status;
    PublishEventsResponse out;
  };
  std::vector<Call> calls;
  for (const char* subject : {"relay-a", "relay-b"}) {
    Principal who = Who(Role::kService);
    who.subject = subject;
    const int base = subject[6] == 'a' ? 100 : 200;
    for (int k = 0; k < kCalls; ++k) {
      calls.push_back({subject, Token(who), Numbered(base + 2 * k, base + 2 * k + 1), {}, {}});
    }
  }
  Principal dup = Who(Role::kService);
  dup.subject = "relay-c";
  for (int k = 0; k < 5; ++k) calls.push_back({dup.subject, Token(dup), Numbered(1, 1), {}, {}});

  absl::Notification go;
  std::vector<std::thread> threads;
  for (Call& c : calls) {
    threads.emplace_back([&, call = &c] {
      go.WaitForNotification();
      call->status = Publish(call->token, call->events, &call->out);
    });
  }
  go.Notify();
  for (std::thread& t : threads) t.join();

  std::set<std::string> logged;
  for (const auto& e : ListAll(Secretariat())) logged.insert(e.event().id());
  int taken_a = 0, taken_b = 0, appended_c = 0;
  for (const Call& c : calls) {
    const bool is_c = c.subject == "relay-c";
    if (!c.status.ok()) {
      EXPECT_EQ(c.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << c.status.error_message();
      ASSERT_FALSE(is_c) << "relay-c made only 5 calls";
      // Nothing of a refused call was written.
      for (const auto& e : c.events) EXPECT_EQ(logged.count(e.id()), 0u) << e.id();
      continue;
    }
    if (is_c) {
      appended_c += c.out.appended();
      EXPECT_EQ(c.out.appended() + c.out.duplicates(), 1);
      continue;
    }
    EXPECT_EQ(c.out.appended(), 2);
    for (const auto& e : c.events) EXPECT_EQ(logged.count(e.id()), 1u) << e.id();
    (c.subject == "relay-a" ? taken_a : taken_b) += 1;
  }
  EXPECT_EQ(taken_a, 5);
  EXPECT_EQ(taken_b, 5);
  EXPECT_EQ(appended_c, 1);
  EXPECT_EQ(logged.size(), 5u * 2 + 5u * 2 + 1u);
  EXPECT_EQ(redis_->Cli(absl::StrCat("XLEN ", kLog)), "21");
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

// A watch replays what came after its cursor, says it caught up, then follows the log.
TEST_F(NotificationTest, WatchReplaysThenMarksTheCatchUpThenFollows) {
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(1, 3)));
  const auto all = ListAll(Secretariat());
  auto watch = StartWatch(Secretariat(), all[0].cursor());
  EXPECT_EQ(watch->NextEventId(), "registry/plans/B-00001/v2");
  EXPECT_EQ(watch->NextEventId(), "registry/plans/B-00001/v3");
  notification::v1::WatchEventsResponse m;
  ASSERT_TRUE(watch->Next(&m));
  ASSERT_TRUE(m.has_caught_up()) << m.DebugString();
  EXPECT_EQ(m.caught_up().cursor(), all[2].cursor());
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(4, 5)));
  EXPECT_EQ(watch->NextEventId(), "registry/plans/B-00001/v4");
  EXPECT_EQ(watch->NextEventId(), "registry/plans/B-00001/v5");
  watch->ctx.TryCancel();

  // Without a cursor: from now on, the catch-up at once.
  auto from_now = StartWatch(Secretariat());
  ASSERT_TRUE(from_now->Next(&m));
  EXPECT_TRUE(m.has_caught_up()) << m.DebugString();
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(6, 6)));
  EXPECT_EQ(from_now->NextEventId(), "registry/plans/B-00001/v6");
  from_now->ctx.TryCancel();
}

// A client that reconnects with the cursor of the last event it processed misses nothing and
// gets nothing twice, whatever was logged while it was away.
TEST_F(NotificationTest, AWatchResumedFromItsLastCursorMissesNothingAndRepeatsNothing) {
  auto watch = StartWatch(Secretariat());
  notification::v1::WatchEventsResponse m;
  ASSERT_TRUE(watch->Next(&m));  // caught up
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(1, 4)));
  std::string cursor;
  std::vector<std::string> got;
  for (int i = 0; i < 2; ++i) got.push_back(watch->NextEventId(&cursor));
  watch->ctx.TryCancel();  // gone after the second
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(5, 6)));
  auto resumed = StartWatch(Secretariat(), cursor);
  for (int i = 0; i < 4; ++i) got.push_back(resumed->NextEventId());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "registry/plans/B-00001/v1", "registry/plans/B-00001/v2",
                     "registry/plans/B-00001/v3", "registry/plans/B-00001/v4",
                     "registry/plans/B-00001/v5", "registry/plans/B-00001/v6"}));
  resumed->ctx.TryCancel();
}

// Each watcher receives only what its filter asks and the read rule lets it read.
TEST_F(NotificationTest, AWatchCarriesOnlyWhatTheFilterAndTheReadRuleLetThrough) {
  const Plan draft = Named(PlanA(), "plans/A-00001", registry::v1::PLAN_STAGE_DRAFTING);
  Plan kanto = Named(PlanA(), "plans/A-00002", registry::v1::PLAN_STAGE_DRAFTING);
  MoveToKanto(&kanto);
  const Plan public_b = Named(PlanB(), "plans/B-00003", registry::v1::PLAN_STAGE_PUBLISHED);
  auto gunma = StartWatch(Token(Who(Role::kPrefecture, kGunma)));
  EventFilter kpi_only;
  kpi_only.add_types("kpi.*");
  auto kpi = StartWatch(Secretariat(), "", kpi_only);
  notification::v1::WatchEventsResponse m;
  ASSERT_TRUE(gunma->Next(&m));
  ASSERT_TRUE(kpi->Next(&m));
  ASSERT_NO_FATAL_FAILURE(MustPublish({EventOf(draft, "plan.updated", "hokuriku-draft"),
                                       EventOf(kanto, "plan.updated", "kanto-draft"),
                                       EventOf(public_b, "kpi.report_due", "public-kpi")}));
  EXPECT_EQ(gunma->NextEventId(), "kanto-draft");  // its own plan, not Hokuriku's draft
  EXPECT_EQ(gunma->NextEventId(), "public-kpi");   // a public plan
  EXPECT_EQ(kpi->NextEventId(), "public-kpi");
  gunma->ctx.TryCancel();
  kpi->ctx.TryCancel();
}

TEST_F(NotificationTest, AnIdleWatchGetsHeartbeatsWithItsCursor) {
  watch_.heartbeat = absl::Milliseconds(200);
  ASSERT_NO_FATAL_FAILURE(StartNotification());
  ASSERT_NO_FATAL_FAILURE(MustPublish(Numbered(1, 2)));
  EventFilter none;
  none.add_types("kpi.*");  // matches none of them
  auto watch = StartWatch(Secretariat(), ListAll(Secretariat())[0].cursor(), none);
  notification::v1::WatchEventsResponse m;
  ASSERT_TRUE(watch->Next(&m));
  ASSERT_TRUE(m.has_caught_up());
  ASSERT_TRUE(watch->Next(&m));
  ASSERT_TRUE(m.has_heartbeat()) << m.DebugString();
  // Past the entry the filter left out: resuming from the heartbeat reads it no more.
  EXPECT_EQ(m.heartbeat().cursor(), ListAll(Secretariat())[1].cursor());
  EXPECT_GT(m.heartbeat().time().seconds(), 0);
  watch->ctx.TryCancel();
}

// A reader slower than the log is waited for: with a buffer of 8 messages, 300 events of ~2 KB
// reach a client that does not read for a while, all in order, and the stream is not cut.
TEST_F(NotificationTest, ASlowReaderIsPacedNotCut) {
  watch_.stream_capacity = 8;
  ASSERT_NO_FATAL_FAILURE(StartNotification());
  auto watch = StartWatch(Secretariat());
  notification::v1::WatchEventsResponse m;
  ASSERT_TRUE(watch->Next(&m));  // caught up: live
  std::vector<common::v1::Event> events = Numbered(1, 300);
  for (common::v1::Event& e : events) (*e.mutable_attributes())["note"] = std::string(2000, 'x');
  for (size_t from = 0; from < events.size(); from += 100) {
    ASSERT_NO_FATAL_FAILURE(MustPublish(
        std::vector<common::v1::Event>(events.begin() + from, events.begin() + from + 100)));
  }
  absl::SleepFor(absl::Milliseconds(500));  // not reading: the buffers fill
  for (int i = 1; i <= 300; ++i) {
    ASSERT_EQ(watch->NextEventId(), absl::StrCat("registry/plans/B-00001/v", i));
  }
  EXPECT_GT(server_->hub().paced(), 0);  // it did wait for the reader
  watch->ctx.TryCancel();
}

TEST_F(NotificationTest, WatchLimitsAndRefusals) {
  watch_.max_streams_per_subject = 2;
  ASSERT_NO_FATAL_FAILURE(StartNotification());
  auto first = StartWatch(Secretariat());
  auto second = StartWatch(Secretariat());
  notification::v1::WatchEventsResponse m;
  ASSERT_TRUE(first->Next(&m));
  ASSERT_TRUE(second->Next(&m));
  auto third = StartWatch(Secretariat());
  EXPECT_FALSE(third->Next(&m));
  EXPECT_EQ(third->reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Another caller has streams of its own.
  Principal other_viewer = Who(Role::kViewer);
  other_viewer.subject = "viewer-1";
  auto viewer = StartWatch(Token(other_viewer));
  EXPECT_TRUE(viewer->Next(&m));
  // A time range is for ListEvents; a cursor must be one of ours.
  EventFilter timed;
  *timed.mutable_start_time() = TimeUtil::GetCurrentTime();
  other_viewer.subject = "viewer-2";
  auto by_time = StartWatch(Token(other_viewer), "", timed);
  EXPECT_FALSE(by_time->Next(&m));
  grpc::Status s = by_time->reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "filter.start_time")) << s.error_message();
  other_viewer.subject = "viewer-3";
  auto bad = StartWatch(Token(other_viewer), "nonsense");
  EXPECT_FALSE(bad->Next(&m));
  EXPECT_EQ(bad->reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  for (auto* w : {first.get(), second.get(), viewer.get()}) w->ctx.TryCancel();
}

// A stream lives no longer than the token it was opened with.
TEST_F(NotificationTest, AWatchEndsWhenItsTokenExpires) {
  watch_.heartbeat = absl::Milliseconds(300);
  ASSERT_NO_FATAL_FAILURE(StartNotification());
  TokenClaims claims;
  claims.subject = "short-lived";
  claims.role = Role::kViewer;
  claims.ttl = absl::Seconds(2);
  auto token = MintToken(key_, claims);
  ASSERT_TRUE(token.ok()) << token.status();
  auto watch = StartWatch(*token);
  notification::v1::WatchEventsResponse m;
  int heartbeats = 0;
  while (watch->Next(&m)) heartbeats += m.has_heartbeat();
  EXPECT_GT(heartbeats, 0);  // alive until then
  EXPECT_EQ(watch->reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// On shutdown a stream ends at once with UNAVAILABLE saying so (not when the drain's grace
// runs out), so its client resumes on another replica.
TEST_F(NotificationTest, ShutdownEndsWatchesWithUnavailable) {
  config_.shutdown_grace = absl::Seconds(30);
  ASSERT_NO_FATAL_FAILURE(StartNotification());
  auto watch = StartWatch(Secretariat());
  notification::v1::WatchEventsResponse m;
  ASSERT_TRUE(watch->Next(&m));
  server_.reset();
  EXPECT_FALSE(watch->Next(&m));
  const grpc::Status s = watch->reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "is stopping")) << s.error_message();
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
  // A watch from the lost cursor is told the same.
  auto watch = StartWatch(Secretariat(), first[0].cursor());
  notification::v1::WatchEventsResponse m;
  EXPECT_FALSE(watch->Next(&m));
  EXPECT_EQ(watch->reader->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

}  // namespace
}  // namespace rfs::testing
