// ServiceHost, what every service stands on: a service handed to it is served with the host's
// token verifier and metrics; readiness follows Redis while liveness does not; a store's
// scripts are loaded at start (one Redis cannot compile stops it) and its outbox is counted;
// jobs run; everything stops in one order (drain, hooks, jobs, parts newest first).
#include "common/kit/service_host.h"

#include <fstream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/base/status.h"
#include "common/kit/client.h"
#include "common/kit/health_client.h"
#include "common/kit/http_get.h"
#include "common/kit/rpc.h"
#include "common/redis/outbox.h"
#include "rfs/testing/v1/kit.grpc.pb.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs {
namespace {

using testing::v1::EchoReply;
using testing::v1::EchoRequest;
using testing::v1::Kit;
using testing::v1::SlowReply;
using testing::v1::SlowRequest;

constexpr char kSecret[] = "service-host-test-secret-0123456789abcdef";

// What happened, in order, across threads.
class Journal {
 public:
  void Add(std::string what) {
    absl::MutexLock lock(&mu_);
    entries_.push_back(std::move(what));
  }
  std::vector<std::string> entries() {
    absl::MutexLock lock(&mu_);
    return entries_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> entries_;
};

// Echo through the kit's handler; Slow sleeps, then notes that it finished.
class KitService final : public Kit::Service {
 public:
  KitService(const TokenVerifier* verifier, Journal* journal)
      : verifier_(verifier), journal_(journal) {}
  ~KitService() override { journal_->Add("service destroyed"); }

  grpc::Status Echo(grpc::ServerContext* ctx, const EchoRequest* req, EchoReply* resp) override {
    return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
      EchoReply reply;
      reply.set_text(request.text());
      reply.set_subject(who.subject);
      return absl::StatusOr<EchoReply>(reply);
    });
  }
  grpc::Status Slow(grpc::ServerContext* ctx, const SlowRequest* req, SlowReply* resp) override {
    journal_->Add("slow started");
    absl::SleepFor(absl::Milliseconds(req->millis()));
    journal_->Add("slow finished");
    resp->set_millis(req->millis());
    return grpc::Status::OK;
  }

 private:
  const TokenVerifier* verifier_;
  Journal* journal_;
};

// A part that notes its destruction.
struct Part {
  Part(std::string name, Journal* journal) : name(std::move(name)), journal(journal) {}
  ~Part() { journal->Add(name + " destroyed"); }
  std::string name;
  Journal* journal;
};

// A store with one script (`body`), and the outbox fragment.
class KitStore : public RedisStore {
 public:
  KitStore(RedisPool* pool, absl::string_view body)
      : RedisStore(pool, nullptr, "rfs:kit:"), script_(Script({kOutboxLua, body})) {}
  absl::Status Append(const std::string& id) {
    auto reply = pool_->Eval(script_, {OutboxKey()}, {id});
    return reply.status();
  }

 private:
  const RedisScript& script_;
};

constexpr char kAppendLua[] = "outbox_append(KEYS[1], ARGV[1], 'kit.noted', '') return 1";

class ServiceHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.Start();
    std::ofstream(dir_.File("auth.key")) << kSecret << "\n";
    config_.service_name = "rfs-kit";
    config_.listen = "unix://" + dir_.File("kit.sock");
    config_.metrics_listen = "";
    config_.redis = redis_.options();
    config_.redis.pool_size = 4;
    config_.redis.backoff_max = absl::Milliseconds(200);
    config_.auth_key_file = dir_.File("auth.key");
    config_.data_dir = testing::DataDir();
    config_.health_interval = absl::Milliseconds(50);
    config_.shutdown_grace = absl::Seconds(5);
  }

  // Creates the host with the Kit service and a store (script `store_body`), and starts it.
  absl::Status StartHost(absl::string_view store_body = kAppendLua) {
    auto host = ServiceHost::Create(config_, "kit", absl::Milliseconds(100));
    if (!host.ok()) return host.status();
    host_ = std::move(*host);
    host_->Own(std::make_unique<Part>("first part", &journal_));
    store_ = host_->Own(std::make_unique<KitStore>(host_->pool(), store_body));
    host_->AddStore(store_);
    service_ = host_->Own(std::make_unique<KitService>(host_->verifier(), &journal_));
    host_->Own(std::make_unique<Part>("last part", &journal_));
    host_->AddService(service_, Kit::service_full_name());
    host_->AtStop([this] { journal_.Add("stop hook"); });
    host_->AddJob("count", absl::Hours(1), [this] {
      ++job_runs_;
      return job_result_;
    });
    RETURN_IF_ERROR(host_->Start());
    ChannelOptions options;
    options.target = config_.listen;
    channel_ = MakeChannel(options);
    stub_ = Kit::NewStub(channel_);
    return absl::OkStatus();
  }

  std::string Token() {
    return *MintToken(*LoadVerificationKey(dir_.File("auth.key")),
                      {"clerk-1", Role::kPrefecture, "160008", "", absl::Hours(1)});
  }

  bool HealthIs(const std::string& service, ServingStatus want) {
    return testing::WaitFor([&] {
      auto status = CheckHealth(channel_, service);
      return status.ok() && *status == want;
    });
  }

  testing::TempDir dir_;
  testing::RedisServer redis_{dir_.path()};
  ServerConfig config_;
  Journal journal_;
  std::atomic<int> job_runs_{0};
  absl::Status job_result_;
  std::unique_ptr<ServiceHost> host_;
  KitStore* store_ = nullptr;
  KitService* service_ = nullptr;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Kit::Stub> stub_;
};

TEST_F(ServiceHostTest, ServesItsServicesWithTheHostsVerifier) {
  ASSERT_TRUE(StartHost().ok());
  EchoRequest request;
  request.set_text("こんにちは");
  EchoReply reply;
  grpc::ClientContext anonymous;
  EXPECT_EQ(stub_->Echo(&anonymous, request, &reply).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Token());
  ASSERT_TRUE(stub_->Echo(&ctx, request, &reply).ok());
  EXPECT_EQ(reply.subject(), "clerk-1");
  EXPECT_EQ(reply.text(), "こんにちは");
}

TEST_F(ServiceHostTest, MetricsCountRpcsRoundTripsAndTheStoresOutbox) {
  config_.metrics_listen = "127.0.0.1:0";
  ASSERT_TRUE(StartHost().ok());
  ASSERT_TRUE(store_->Append("kit/1").ok());
  ASSERT_TRUE(store_->Append("kit/2").ok());
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + Token());
  EchoReply reply;
  ASSERT_TRUE(stub_->Echo(&ctx, EchoRequest(), &reply).ok());
  ASSERT_TRUE(host_->RunJobsNow().ok());
  const std::string metrics = HttpGet(host_->metrics_port(), "/metrics");
  EXPECT_TRUE(absl::StrContains(metrics, "rfs_outbox_pending{service=\"kit\"} 2")) << metrics;
  EXPECT_TRUE(absl::StrContains(metrics, "rfs_redis_memory_used_bytes{service=\"kit\"}"));
  EXPECT_TRUE(absl::StrContains(metrics, "rfs_redis_round_trips_total{service=\"kit\"}"));
  EXPECT_TRUE(absl::StrContains(
      metrics,
      "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Echo\","
      "grpc_service=\"rfs.testing.v1.Kit\",grpc_type=\"unary\"} 1"))
      << metrics;
}

TEST_F(ServiceHostTest, ReadinessFollowsRedisAndLivenessDoesNot) {
  config_.metrics_listen = "127.0.0.1:0";
  ASSERT_TRUE(StartHost().ok());
  // rfs_ready says what the health service says (the "service not ready" alert reads it).
  const auto ready_metric = [this] {
    const std::string metrics = HttpGet(host_->metrics_port(), "/metrics");
    if (absl::StrContains(metrics, "\nrfs_ready 1")) return 1;
    if (absl::StrContains(metrics, "\nrfs_ready 0")) return 0;
    return -1;
  };
  EXPECT_TRUE(HealthIs("", ServingStatus::kServing));
  EXPECT_TRUE(HealthIs(Kit::service_full_name(), ServingStatus::kServing));
  EXPECT_EQ(ready_metric(), 1);
  redis_.Stop();
  EXPECT_TRUE(HealthIs("", ServingStatus::kNotServing));
  EXPECT_TRUE(HealthIs(Kit::service_full_name(), ServingStatus::kNotServing));
  EXPECT_TRUE(HealthIs(kLivenessServiceName, ServingStatus::kServing));
  EXPECT_EQ(ready_metric(), 0);
  redis_.Start();
  EXPECT_TRUE(HealthIs("", ServingStatus::kServing));
  EXPECT_EQ(ready_metric(), 1);
}

TEST_F(ServiceHostTest, AServiceCheckJoinsReadiness) {
  auto host = ServiceHost::Create(config_, "kit", absl::Seconds(1));
  ASSERT_TRUE(host.ok()) << host.status();
  host_ = std::move(*host);
  std::atomic<bool> ready{false};
  host_->AddReadinessCheck([&ready] {
    return ready ? absl::OkStatus() : absl::UnavailableError("not yet");
  });
  ASSERT_TRUE(host_->Start().ok());
  ChannelOptions options;
  options.target = config_.listen;
  channel_ = MakeChannel(options);
  EXPECT_TRUE(HealthIs("", ServingStatus::kNotServing));
  ready = true;
  EXPECT_TRUE(HealthIs("", ServingStatus::kServing));
  host_.reset();
}

TEST_F(ServiceHostTest, AStoreScriptRedisCannotCompileStopsTheStart) {
  const absl::Status s = StartHost("return {'unclosed'");
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "rfs:kit:")) << s;
}

TEST_F(ServiceHostTest, JobsRunAtStartAndOnDemand) {
  ASSERT_TRUE(StartHost().ok());
  EXPECT_TRUE(testing::WaitFor([&] { return job_runs_ >= 1; }));
  const int before = job_runs_;
  EXPECT_TRUE(host_->RunJobsNow().ok());
  EXPECT_GT(job_runs_, before);
  job_result_ = absl::UnavailableError("redis away");
  EXPECT_EQ(host_->RunJobsNow().code(), absl::StatusCode::kUnavailable);
}

TEST_F(ServiceHostTest, TheServiceTokenIsMadeOnceOnFirstUse) {
  ASSERT_TRUE(StartHost().ok());
  auto first = host_->service_token();
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = host_->service_token();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  auto claims = host_->verifier()->Verify((*first)->Get());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->role, Role::kService);
  EXPECT_EQ(claims->subject, "rfs-kit");
}

// Drain first (the call in flight finishes), then the hooks, then the parts, newest first.
TEST_F(ServiceHostTest, StopsInOneOrder) {
  ASSERT_TRUE(StartHost().ok());
  std::thread caller([this] {
    grpc::ClientContext ctx;
    SlowRequest request;
    request.set_millis(300);
    SlowReply reply;
    const grpc::Status s = stub_->Slow(&ctx, request, &reply);
    journal_.Add(s.ok() ? "slow answered" : "slow failed");
  });
  ASSERT_TRUE(testing::WaitFor([&] {
    for (const auto& e : journal_.entries()) {
      if (e == "slow started") return true;
    }
    return false;
  }));
  host_.reset();
  caller.join();
  std::vector<std::string> order;
  for (const auto& e : journal_.entries()) {
    if (e != "slow answered") order.push_back(e);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"slow started", "slow finished", "stop hook",
                                             "last part destroyed", "service destroyed",
                                             "first part destroyed"}));
  const auto all = journal_.entries();
  EXPECT_NE(std::find(all.begin(), all.end(), "slow answered"), all.end());
}

}  // namespace
}  // namespace rfs
