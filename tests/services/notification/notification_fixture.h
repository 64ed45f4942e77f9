// The fixture of rfs-notification's integration tests: a real redis-server on a private unix
// socket and the real gRPC server (in process, through the same NotificationServer wiring as
// the binary), tokens for every role, and helpers to publish, list and watch events.
#pragma once

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
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

using google::protobuf::util::TimeUtil;
using notification::v1::EventFilter;
using notification::v1::ListEventsRequest;
using notification::v1::ListEventsResponse;
using notification::v1::PublishEventsRequest;
using notification::v1::PublishEventsResponse;
using registry::v1::Plan;
using registry::v1::PlanStage;

inline constexpr char kLog[] = "rfs:notification:log";

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
    options.watch = watch_;
    options.webhook = webhook_;
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
  // A WatchEvents call and its reader.
  struct Watch {
    grpc::ClientContext ctx;
    std::unique_ptr<grpc::ClientReader<notification::v1::WatchEventsResponse>> reader;
    // The next message; false at the end of the stream.
    bool Next(notification::v1::WatchEventsResponse* out) { return reader->Read(out); }
    // The next event, passing over heartbeats; its id, or "" at the end (or on a marker).
    std::string NextEventId(std::string* cursor = nullptr) {
      notification::v1::WatchEventsResponse m;
      while (reader->Read(&m)) {
        if (m.has_heartbeat()) continue;
        if (!m.has_event()) return "";
        if (cursor != nullptr) *cursor = m.event().cursor();
        return m.event().event().id();
      }
      return "";
    }
  };
  std::unique_ptr<Watch> StartWatch(const std::string& token, const std::string& after = "",
                                    const EventFilter& filter = {}) {
    auto w = std::make_unique<Watch>();
    PrepareCall(&w->ctx, token, absl::Seconds(60));
    notification::v1::WatchEventsRequest req;
    *req.mutable_filter() = filter;
    req.set_after_cursor(after);
    w->reader = stub_->WatchEvents(&w->ctx, req);
    return w;
  }

  static std::vector<std::string> Ids(const std::vector<notification::v1::LoggedEvent>& events) {
    std::vector<std::string> ids;
    for (const auto& e : events) ids.push_back(e.event().id());
    return ids;
  }

  TempDir dir_;
  std::vector<std::string> extra_redis_args_;
  absl::Duration retention_ = absl::ZeroDuration();
  notification::WatchOptions watch_;
  notification::WebhookOptions webhook_;
  std::unique_ptr<RedisServer> redis_;
  VerificationKey key_;
  ServerConfig config_;
  std::unique_ptr<notification::NotificationServer> server_;
  std::unique_ptr<notification::v1::Notification::Stub> stub_;
};

// An event of `type` about `plan` as a producer writes it (PlanEvent), with id `id`.
inline common::v1::Event EventOf(const Plan& plan, const std::string& type, const std::string& id) {
  common::v1::Event e = PlanEvent("rfs-registry", plan, type, TimeUtil::GetCurrentTime(), "t");
  e.set_id(id);
  e.set_plan_version(1);
  return e;
}

inline Plan Named(Plan plan, const std::string& name, PlanStage stage) {
  plan.set_name(name);
  plan.set_stage(stage);
  return plan;
}

// Numbered events of one public plan.
inline std::vector<common::v1::Event> Numbered(int from, int to) {
  const Plan plan = Named(PlanB(), "plans/B-00001", registry::v1::PLAN_STAGE_PUBLISHED);
  std::vector<common::v1::Event> out;
  for (int i = from; i <= to; ++i) {
    out.push_back(EventOf(plan, "plan.updated", absl::StrCat("registry/plans/B-00001/v", i)));
  }
  return out;
}

}  // namespace rfs::testing
