// A rolling restart on loopback: two replicas of every service (real binaries on TCP ports, one
// Redis), clients balancing over both replicas (round_robin, retrying UNAVAILABLE as a
// production client does), restarted one replica at a time with SIGTERM under load:
// CreatePlan (with a request id) and GetPlan on the registry, CheckPlan on rfs-requirements,
// AggregateKgi on rfs-kpi, and a WatchEvents client that resumes from its last cursor whenever
// its stream ends. At most 0.1 % of the calls may fail, and the watcher gets the event of every
// acknowledged plan once.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/kit/auth.h"
#include "common/kit/client.h"
#include "common/kit/health_client.h"
#include "rfs/kpi/v1/kpi.grpc.pb.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "rfs/registry/v1/registry.grpc.pb.h"
#include "rfs/requirements/v1/requirements.grpc.pb.h"
#include "tests/support/plans.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs::testing {
namespace {

// Round robin over the replicas, UNAVAILABLE retried (a call that met a replica going away).
std::shared_ptr<grpc::Channel> Balanced(const std::vector<int>& ports) {
  std::vector<std::string> addresses;
  for (int p : ports) addresses.push_back(absl::StrCat("127.0.0.1:", p));
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(R"({
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{
      "name": [{}],
      "retryPolicy": {"maxAttempts": 4, "initialBackoff": "0.05s", "maxBackoff": "0.5s",
                      "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}
    }]})");
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(absl::StrCat("ipv4:", absl::StrJoin(addresses, ",")),
                                   grpc::InsecureChannelCredentials(), args);
}

struct Replica {
  std::string service;
  int port = 0;
  Process process;
};

TEST(RollingRestart, EveryServiceRestartedOneReplicaAtATimeUnderLoad) {
  TempDir dir;
  RedisServer redis(dir.path());
  redis.Start();
  std::ofstream(dir.File("auth.key")) << "rolling-restart-secret-0123456789abcdefghij\n";
  const std::vector<std::string> services = {"notification", "registry", "requirements", "kpi"};
  std::map<std::string, std::vector<int>> ports;
  for (const std::string& s : services) ports[s] = {FreeLoopbackPort(), FreeLoopbackPort()};
  auto peers = [&](const std::string& s) {
    return absl::StrCat("ipv4:127.0.0.1:", ports[s][0], ",127.0.0.1:", ports[s][1]);
  };
  std::map<std::string, std::vector<std::string>> extra = {
      {"notification", {}},
      {"registry", {"--notification_address", peers("notification"), "--requirements_address",
                    peers("requirements")}},
      {"requirements", {"--registry_address", peers("registry"), "--notification_address",
                        peers("notification")}},
      {"kpi", {"--registry_address", peers("registry"), "--notification_address",
               peers("notification")}},
  };
  std::vector<std::unique_ptr<Replica>> replicas;
  auto start = [&](Replica& r) {
    std::vector<std::string> argv = {
        BuildDir() + "/services/" + r.service + "/rfs-" + r.service, "--redis", redis.url(),
        "--auth_key_file", dir.File("auth.key"), "--listen", absl::StrCat("127.0.0.1:", r.port),
        "--metrics_listen", "off", "--data_dir", DataDir(), "--health_interval_ms", "50",
        "--shutdown_delay_seconds", "1", "--shutdown_grace_seconds", "5", "--log_level",
        "warning", "--write_quota_per_minute", "0"};
    argv.insert(argv.end(), extra[r.service].begin(), extra[r.service].end());
    r.process.Start(argv, dir.File(absl::StrCat(r.service, "-", r.port, ".log")));
  };
  auto serving = [&](const Replica& r) {
    auto s = CheckHealth(MakeChannel({absl::StrCat("127.0.0.1:", r.port)}), "",
                         absl::Milliseconds(500));
    return s.ok() && *s == ServingStatus::kServing;
  };
  for (const std::string& s : services) {
    for (int port : ports[s]) {
      auto r = std::make_unique<Replica>();
      r->service = s;
      r->port = port;
      start(*r);
      replicas.push_back(std::move(r));
    }
  }
  for (auto& r : replicas) ASSERT_TRUE(WaitFor([&] { return serving(*r); })) << r->service;

  const std::string writer = *MintToken(*LoadVerificationKey(dir.File("auth.key")),
                                        {"writer", Role::kPrefecture, kToyama});
  const std::string reader = *MintToken(*LoadVerificationKey(dir.File("auth.key")),
                                        {"reader", Role::kSecretariat});
  auto registry = registry::v1::PlanRegistry::NewStub(Balanced(ports["registry"]));
  auto requirements =
      requirements::v1::RequirementCheck::NewStub(Balanced(ports["requirements"]));
  auto kpi = kpi::v1::KpiTracking::NewStub(Balanced(ports["kpi"]));
  auto notification = notification::v1::Notification::NewStub(Balanced(ports["notification"]));

  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0}, failed{0};
  std::mutex mu;
  std::vector<std::string> acked;
  std::map<std::string, grpc::StatusCode> failures;  // one per code, for the message
  auto count = [&](const grpc::Status& s) {
    calls.fetch_add(1);
    if (!s.ok()) {
      failed.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu);
      failures[s.error_message()] = s.error_code();
    }
  };
  // The watcher: from now on, resuming after its last cursor at every end. The load starts
  // once it is live.
  std::map<std::string, int> seen;
  std::atomic<int> resumed{0};
  std::atomic<bool> watching{false};
  grpc::ClientContext* watch_ctx = nullptr;
  std::mutex watch_mu;
  std::thread watcher([&] {
    std::string cursor;  // empty at first: from now on
    while (!stop) {
      notification::v1::WatchEventsRequest req;
      req.set_after_cursor(cursor);
      grpc::ClientContext ctx;
      PrepareCall(&ctx, reader, absl::Hours(1));
      {
        std::lock_guard<std::mutex> lock(watch_mu);
        watch_ctx = &ctx;
      }
      auto stream = notification->WatchEvents(&ctx, req);
      notification::v1::WatchEventsResponse m;
      while (stream->Read(&m)) {
        if (m.has_event()) {
          cursor = m.event().cursor();
          std::lock_guard<std::mutex> lock(mu);
          ++seen[m.event().event().id()];
        } else if (m.has_heartbeat()) {
          cursor = m.heartbeat().cursor();
        } else if (m.has_caught_up()) {
          cursor = m.caught_up().cursor();
          watching = true;
        }
      }
      stream->Finish();
      {
        std::lock_guard<std::mutex> lock(watch_mu);
        watch_ctx = nullptr;
      }
      if (!stop) {
        resumed.fetch_add(1);
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
  });
  ASSERT_TRUE(WaitFor([&] { return watching.load(); })) << "the watch never caught up";
  std::vector<std::thread> load;
  for (int w = 0; w < 2; ++w) {
    load.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        registry::v1::CreatePlanRequest create;
        *create.mutable_plan() = PlanB();
        create.set_request_id(absl::StrCat("roll-", w, "-", i));
        registry::v1::Plan plan;
        grpc::ClientContext ctx;
        PrepareCall(&ctx, writer, absl::Seconds(5));
        const grpc::Status s = registry->CreatePlan(&ctx, create, &plan);
        count(s);
        if (!s.ok()) continue;
        {
          std::lock_guard<std::mutex> lock(mu);
          acked.push_back(plan.name());
        }
        registry::v1::GetPlanRequest get;
        get.set_name(plan.name());
        grpc::ClientContext gctx;
        PrepareCall(&gctx, writer, absl::Seconds(5));
        count(registry->GetPlan(&gctx, get, &plan));
        requirements::v1::CheckPlanRequest check;
        check.set_name(plan.name());
        requirements::v1::CheckPlanResponse report;
        grpc::ClientContext cctx;
        PrepareCall(&cctx, writer, absl::Seconds(5));
        count(requirements->CheckPlan(&cctx, check, &report));
        kpi::v1::AggregateKgiRequest aggregate;
        aggregate.set_fiscal_year(2026);
        kpi::v1::AggregateKgiResponse totals;
        grpc::ClientContext kctx;
        PrepareCall(&kctx, reader, absl::Seconds(5));
        count(kpi->AggregateKgi(&kctx, aggregate, &totals));
      }
    });
  }
  auto acked_count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acked.size();
  };
  ASSERT_TRUE(WaitFor([&] { return acked_count() >= 10; }));

  // The restart: each replica of each service in turn, SIGTERM, start again, wait until serving.
  for (auto& r : replicas) {
    const size_t before = acked_count();
    r->process.Stop();
    start(*r);
    ASSERT_TRUE(WaitFor([&] { return serving(*r); })) << r->service << " did not come back";
    ASSERT_TRUE(WaitFor([&] { return acked_count() >= before + 5; }))
        << "no plan acknowledged after restarting a replica of " << r->service;
  }
  stop = true;
  for (auto& t : load) t.join();

  // Every acknowledged plan's event reaches the watcher once.
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu);
    names = acked;
  }
  const bool all_seen = WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    for (const std::string& n : names) {
      if (seen.count(absl::StrCat("registry/", n, "/v1")) == 0) return false;
    }
    return true;
  }, absl::Seconds(60));
  {
    std::lock_guard<std::mutex> lock(watch_mu);
    if (watch_ctx != nullptr) watch_ctx->TryCancel();
  }
  watcher.join();
  EXPECT_TRUE(all_seen) << "the watcher missed the event of an acknowledged plan";
  for (const auto& [id, times] : seen) EXPECT_EQ(times, 1) << id << " delivered twice";
  EXPECT_GE(resumed.load(), 2) << "the watcher's stream never moved to the other replica";

  const double ratio = static_cast<double>(failed.load()) / static_cast<double>(calls.load());
  RecordProperty("calls", static_cast<int>(calls.load()));
  RecordProperty("failed", static_cast<int>(failed.load()));
  std::printf("rolling restart of 8 replicas: %lld calls, %lld failed (%.3f %%); %zu plans, their "
              "events watched once each; the watch resumed %d times\n",
              static_cast<long long>(calls.load()), static_cast<long long>(failed.load()),
              ratio * 100, names.size(), resumed.load());
  for (const auto& [message, code] : failures) {
    std::printf("  failed: code %d: %s\n", static_cast<int>(code), message.c_str());
  }
  EXPECT_LE(ratio, 0.001) << failed.load() << " of " << calls.load() << " calls failed";
  for (auto it = replicas.rbegin(); it != replicas.rend(); ++it) (*it)->process.Stop();
}

}  // namespace
}  // namespace rfs::testing
