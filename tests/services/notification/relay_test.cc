// The outbox relay (common/kit/outbox_relay.h) between a real rfs-registry and a real
// rfs-notification on one real Redis: every event a write commits reaches the event log once,
// in commit order, also when rfs-notification was down meanwhile; an entry the log cannot take
// is set aside, not lost and not in the way.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/kit/client.h"
#include "common/kit/outbox_relay.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "services/notification/notification_server.h"
#include "tests/support/assert_ok.h"
#include "tests/support/raw_redis.h"
#include "tests/support/registry_fixture.h"

namespace rfs::testing {
namespace {

using registry::v1::Plan;

constexpr char kOutbox[] = "rfs:registry:outbox";

class RelayTest : public RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    if (HasFatalFailure()) return;
    notification_config_ = config_;
    notification_config_.service_name = "rfs-notification";
    notification_config_.listen = "unix://" + dir_->File("notification.sock");
    ASSERT_NO_FATAL_FAILURE(StartNotification());
    // The registry again, now relaying its outbox to rfs-notification.
    server_.reset();
    config_.notification_address = notification_config_.listen;
    ASSERT_NO_FATAL_FAILURE(StartRegistry());
  }
  void TearDown() override {
    server_.reset();
    notification_.reset();
    RegistryFixture::TearDown();
  }

  void StartNotification() {
    notification::NotificationServerOptions options;
    options.stats_interval = absl::Milliseconds(100);
    auto server = notification::NotificationServer::Start(notification_config_, options);
    ASSERT_TRUE(server.ok()) << server.status();
    notification_ = std::move(*server);
    ChannelOptions channel;
    channel.target = notification_config_.listen;
    notification_stub_ = notification::v1::Notification::NewStub(MakeChannel(channel));
  }

  // Waits until the registry's outbox is empty (the relay took everything); false after 20 s.
  bool Drained() {
    for (int i = 0; i < 400; ++i) {
      if (redis_->Cli(absl::StrCat("XLEN ", kOutbox)) == "0") return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  // The ids of every event in the log, oldest first.
  std::vector<std::string> LoggedIds() {
    std::vector<std::string> ids;
    notification::v1::ListEventsRequest req;
    req.set_page_size(1000);
    notification::v1::ListEventsResponse out;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Secretariat(), absl::Seconds(10));
    const grpc::Status s = notification_stub_->ListEvents(&ctx, req, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const auto& e : out.events()) ids.push_back(e.event().id());
    return ids;
  }

  // Creates a plan and renames it (two events: created, updated); their ids in order.
  std::vector<std::string> CreateAndRetitle(const Plan& draft) {
    Plan created, updated;
    EXPECT_TRUE(Create(Secretariat(), draft, &created).ok());
    Plan change = created;
    change.set_title(created.title() + "（改訂）");
    EXPECT_TRUE(Update(Secretariat(), change, "title", &updated).ok());
    return {absl::StrCat("registry/", created.name(), "/v1"),
            absl::StrCat("registry/", created.name(), "/v2")};
  }

  ServerConfig notification_config_;
  std::unique_ptr<notification::NotificationServer> notification_;
  std::unique_ptr<notification::v1::Notification::Stub> notification_stub_;
};

TEST_F(RelayTest, EveryCommittedEventReachesTheLogOnceInOrder) {
  std::vector<std::string> expected;
  for (const Plan& plan : {PlanA(), PlanB(), PlanC()}) {
    for (const std::string& id : CreateAndRetitle(plan)) expected.push_back(id);
  }
  ASSERT_TRUE(Drained()) << redis_->Cli(absl::StrCat("XLEN ", kOutbox));
  EXPECT_EQ(LoggedIds(), expected);
  ASSERT_NE(server_->host().relay(), nullptr);
  EXPECT_EQ(server_->host().relay()->relayed(), static_cast<int64_t>(expected.size()));
}

TEST_F(RelayTest, EventsWaitWhileNotificationIsDownAndArriveAfterwards) {
  std::vector<std::string> expected = CreateAndRetitle(PlanA());
  ASSERT_TRUE(Drained());
  notification_.reset();  // down
  for (const Plan& plan : {PlanB(), PlanC()}) {
    for (const std::string& id : CreateAndRetitle(plan)) expected.push_back(id);
  }
  // Nothing is dropped while it is down: the four new events wait in the outbox.
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(redis_->Cli(absl::StrCat("XLEN ", kOutbox)), "4");
  ASSERT_NO_FATAL_FAILURE(StartNotification());  // up again, on the same log
  ASSERT_TRUE(Drained());
  EXPECT_EQ(LoggedIds(), expected);
}

// A batch sent again (an acknowledgement lost on the way back) is not logged twice, and an
// entry the log cannot take is moved aside, kept whole, while the events after it go on.
TEST_F(RelayTest, AResentEventIsNotDoubledAndABadEntryIsSetAside) {
  std::vector<std::string> expected = CreateAndRetitle(PlanA());
  ASSERT_TRUE(Drained());
  RedisPool pool(redis_->options());
  RawRedis raw(&pool);
  const auto logged = raw.StreamEntries("rfs:notification:log");
  ASSERT_EQ(logged.size(), 2u);
  server_.reset();  // the relay stops; what follows is written under it
  // The first event once more, as if its acknowledgement had been lost; an entry that is not
  // an event; one without an event.
  raw.Do({"XADD", kOutbox, "*", "id", logged[0].at("id"), "type", logged[0].at("type"), "event",
          logged[0].at("event")});
  raw.Do({"XADD", kOutbox, "*", "id", "x", "type", "plan.created", "event", "not-a-protobuf"});
  raw.Do({"XADD", kOutbox, "*", "id", "y", "type", "plan.created"});
  ASSERT_NO_FATAL_FAILURE(StartRegistry());
  for (const std::string& id : CreateAndRetitle(PlanB())) expected.push_back(id);
  ASSERT_TRUE(Drained());
  EXPECT_EQ(LoggedIds(), expected);
  EXPECT_EQ(redis_->Cli("XLEN rfs:registry:outbox:unreadable"), "2");
}

}  // namespace
}  // namespace rfs::testing
