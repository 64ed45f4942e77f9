// Tests of common/kit/server.h (ServerRunner): health (readiness follows the probe, liveness does
// not) and graceful drain on Shutdown, with the test-only rfs.testing.v1.Kit service
// (tests/common/protos/rfs/testing/v1/kit.proto) on a loopback port.
#include "common/kit/server.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/kit/config.h"
#include "common/kit/health_client.h"
#include "rfs/testing/v1/kit.grpc.pb.h"
#include "rfs/testing/v1/kit.pb.h"
#include "tests/support/process.h"

namespace rfs {
namespace {

using testing::v1::Kit;
using testing::v1::SlowReply;
using testing::v1::SlowRequest;

// How long a test waits for something that should happen soon. Generous: it only bounds a
// failing test.
constexpr absl::Duration kWait = absl::Seconds(20);

// Serves Slow only: works for SlowRequest.millis, stopping early when the call is cancelled
// (as the server's drain deadline cancels every call still running).
class SlowKit final : public Kit::Service {
 public:
  grpc::Status Slow(grpc::ServerContext* ctx, const SlowRequest* req, SlowReply* resp) override {
    {
      absl::MutexLock lock(&mu_);
      ++started_;
    }
    const absl::Time end = absl::Now() + absl::Milliseconds(req->millis());
    while (absl::Now() < end) {
      if (ctx->IsCancelled()) {
        absl::MutexLock lock(&mu_);
        ++cancelled_;
        return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled while working");
      }
      absl::SleepFor(absl::Milliseconds(5));  // the work
    }
    resp->set_millis(req->millis());
    return grpc::Status::OK;
  }

  // Waits until `n` calls of Slow have started; false when they do not.
  bool WaitForStarted(int n) {
    absl::MutexLock lock(&mu_);
    auto started = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return started_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&started), kWait);
  }

  // Calls that saw their cancellation.
  int cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

 private:
  absl::Mutex mu_;
  int started_ ABSL_GUARDED_BY(mu_) = 0;
  int cancelled_ ABSL_GUARDED_BY(mu_) = 0;
};

ServerConfig Config() {
  ServerConfig config;
  config.service_name = "rfs-server-test";
  config.listen = "127.0.0.1:0";
  config.health_interval = absl::Milliseconds(20);
  config.shutdown_delay = absl::ZeroDuration();
  config.shutdown_grace = absl::Seconds(2);
  return config;
}

std::shared_ptr<grpc::Channel> ChannelTo(const ServerRunner& runner) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", runner.port()),
                             grpc::InsecureChannelCredentials());
}

// Calls Slow on a thread of its own; the status and reply are read after Join.
class SlowCall {
 public:
  SlowCall(Kit::Stub* stub, int millis, absl::Duration deadline)
      : thread_([this, stub, millis, deadline] {
          grpc::ClientContext ctx;
          ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
          SlowRequest request;
          request.set_millis(millis);
          status_ = stub->Slow(&ctx, request, &reply_);
        }) {}
  ~SlowCall() { Join(); }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  const grpc::Status& status() const { return status_; }
  const SlowReply& reply() const { return reply_; }

 private:
  grpc::Status status_;
  SlowReply reply_;
  std::thread thread_;  // last: starts once the members it writes exist
};

TEST(ServerRunner, ReadinessDrivesServiceHealthWhileLivenessStaysServing) {
  std::atomic<bool> ready{false};
  SlowKit service;
  ServerRunner runner(Config(), /*metrics=*/nullptr, [&ready] {
    return ready.load() ? absl::OkStatus() : absl::UnavailableError("redis unreachable");
  });
  const std::string name = Kit::service_full_name();
  runner.AddService(&service, name);
  absl::Status started = runner.Start();
  ASSERT_TRUE(started.ok()) << started;
  ASSERT_NE(runner.port(), 0);
  auto channel = ChannelTo(runner);
  auto status_of = [&channel](const std::string& service_name) {
    absl::StatusOr<ServingStatus> status = CheckHealth(channel, service_name);
    return status.ok() ? *status : ServingStatus::kUnknown;
  };
  auto readiness_is = [&](ServingStatus want) {
    return status_of("") == want && status_of(name) == want;
  };

  // Start() decides the first state before it returns.
  EXPECT_EQ(status_of(""), ServingStatus::kNotServing);
  EXPECT_EQ(status_of(name), ServingStatus::kNotServing);
  EXPECT_EQ(status_of(kLivenessServiceName), ServingStatus::kServing);

  ready = true;
  EXPECT_TRUE(testing::WaitFor([&] { return readiness_is(ServingStatus::kServing); }, kWait));
  EXPECT_EQ(status_of(kLivenessServiceName), ServingStatus::kServing);

  ready = false;
  EXPECT_TRUE(testing::WaitFor([&] { return readiness_is(ServingStatus::kNotServing); }, kWait));
  EXPECT_EQ(status_of(kLivenessServiceName), ServingStatus::kServing)
      << "liveness must not follow readiness";

  ready = true;
  EXPECT_TRUE(testing::WaitFor([&] { return readiness_is(ServingStatus::kServing); }, kWait));
  runner.Shutdown();
}

TEST(ServerRunner, ShutdownLetsACallInFlightFinishWithinTheGrace) {
  SlowKit service;
  ServerConfig config = Config();  // grace 2 s
  ServerRunner runner(config, /*metrics=*/nullptr, [] { return absl::OkStatus(); });
  runner.AddService(&service, Kit::service_full_name());
  absl::Status started = runner.Start();
  ASSERT_TRUE(started.ok()) << started;
  auto stub = Kit::NewStub(ChannelTo(runner));

  SlowCall call(stub.get(), /*millis=*/500, kWait);
  EXPECT_TRUE(service.WaitForStarted(1));
  runner.Shutdown();  // returns once the call has drained
  call.Join();
  EXPECT_TRUE(call.status().ok()) << call.status().error_code() << " "
                                  << call.status().error_message();
  EXPECT_EQ(call.reply().millis(), 500);
  EXPECT_EQ(service.cancelled(), 0);
}

TEST(ServerRunner, ShutdownCutsACallLongerThanTheGraceAndReturns) {
  SlowKit service;
  ServerConfig config = Config();
  config.shutdown_grace = absl::Seconds(1);
  ServerRunner runner(config, /*metrics=*/nullptr, [] { return absl::OkStatus(); });
  runner.AddService(&service, Kit::service_full_name());
  absl::Status started = runner.Start();
  ASSERT_TRUE(started.ok()) << started;
  auto stub = Kit::NewStub(ChannelTo(runner));

  // The client would wait for the whole minute: only the server's cut ends the call early.
  SlowCall call(stub.get(), /*millis=*/60'000, absl::Minutes(2));
  EXPECT_TRUE(service.WaitForStarted(1));
  runner.Shutdown();
  call.Join();
  EXPECT_FALSE(call.status().ok()) << "the call outlived the grace";
  EXPECT_NE(call.status().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(service.cancelled(), 1) << "the handler was not told to stop";
}

}  // namespace
}  // namespace rfs
