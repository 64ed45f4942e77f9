// A rolling restart on loopback: two replicas of every service (real binaries on TCP ports, one
// Redis), clients balancing over both replicas (round_robin, retrying UNAVAILABLE as a
// production client does), restarted one replica at a time with SIGTERM under load:
// CreatePlan (with a request id) and GetPlan on the registry, CheckPlan on rfs-requirements,
// AggregateKgi on rfs-kpi, and a WatchEvents client that resumes from its last cursor whenever
// its stream ends. At most 0.1 % of the calls may fail, and the watcher gets the event of every
// acknowledged plan once.
//
// The two rolls are a token key rotation, as docs/operations.md describes it: the replicas
// start with the old key alone; the first roll adds the new key as --auth_extra_key_file; the
// clients then switch to tokens of the new key; the second roll makes the new key the key
// (the services mint their own tokens with it) and the old one the extra. No call may be
// refused UNAUTHENTICATED at any moment, also between replicas of different rolls.
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
#include <utility>
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

TEST(RollingRestart, EveryServiceRestartedOneReplicaAtATimeUnderLoadRotatingTheTokenKey) {
  TempDir dir;
  RedisServer redis(dir.path());
  redis.Start();
  std::ofstream(dir.File("old.key")) << "rolling-restart-old-secret-0123456789abcdefghij\n";
  std::ofstream(dir.File("new.key")) << "rolling-restart-new-secret-9876543210zyxwvutsrq\n";
  // The keys each replica starts with: the old alone, then (first roll) the old with the new
  // as extra, then (second roll) the new with the old as extra.
  std::string key_file = dir.File("old.key"), extra_key_file;
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
        "--auth_key_file", key_file, "--listen", absl::StrCat("127.0.0.1:", r.port),
        "--metrics_listen", "off", "--data_dir", DataDir(), "--health_interval_ms", "50",
        "--shutdown_delay_seconds", "1", "--shutdown_grace_seconds", "5", "--log_level",
        "warning", "--write_quota_per_minute", "0"};
    argv.insert(argv.end(), extra[r.service].begin(), extra[r.service].end());
    if (!extra_key_file.empty()) {
      argv.insert(argv.end(), {"--auth_extra_key_file", extra_key_file});
    }
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

  // The clients' tokens, of the old key until the first roll has ended, then of the new; the
  // first load worker keeps old-key tokens to the end (tokens handed out before a rotation
  // are still in use after it, until they expire).
  std::mutex token_mu;
  auto tokens_of = [&](const std::string& key) {
    const VerificationKey k = *LoadVerificationKey(key);
    return std::make_pair(*MintToken(k, {"writer", Role::kPrefecture, kToyama}),
                          *MintToken(k, {"reader", Role::kSecretariat}));
  };
  std::pair<std::string, std::string> tokens = tokens_of(dir.File("old.key"));
  const std::pair<std::string, std::string> old_tokens = tokens;
  auto writer_token = [&] {
    std::lock_guard<std::mutex> lock(token_mu);
    return tokens.first;
  };
  auto reader_token = [&] {
    std::lock_guard<std::mutex> lock(token_mu);
    return tokens.second;
  };
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
      PrepareCall(&ctx, reader_token(), absl::Hours(1));
      {
        std::lock_guard<std::mutex> lock(watch_mu);
        watch_ctx = &ctx;
        if (stop) ctx.TryCancel();  // stopped before it could be cancelled
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
  if (!WaitFor([&] { return watching.load(); })) {
    ADD_FAILURE() << "the watch never caught up";
    stop = true;
    {
      std::lock_guard<std::mutex> lock(watch_mu);
      if (watch_ctx != nullptr) watch_ctx->TryCancel();
    }
    watcher.join();
    return;
  }
  std::vector<std::thread> load;
  for (int w = 0; w < 2; ++w) {
    load.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        const std::string writer = w == 0 ? old_tokens.first : writer_token();
        const std::string reader = w == 0 ? old_tokens.second : reader_token();
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
  // From here on a failure still stops the load and the watcher (below), so that no thread
  // outlives the test and no replica is left running.
  bool rolled = WaitFor([&] { return acked_count() >= 10; });
  EXPECT_TRUE(rolled) << "no plan acknowledged before the restarts";

  // A roll: each replica of each service in turn, SIGTERM, start again, wait until serving.
  auto roll = [&] {
    for (auto& r : replicas) {
      const size_t before = acked_count();
      r->process.Stop();
      start(*r);
      if (!WaitFor([&] { return serving(*r); })) {
        ADD_FAILURE() << r->service << " did not come back";
        return false;
      }
      if (!WaitFor([&] { return acked_count() >= before + 5; })) {
        ADD_FAILURE() << "no plan acknowledged after restarting a replica of " << r->service;
        return false;
      }
    }
    return true;
  };
  if (rolled) {
    extra_key_file = dir.File("new.key");
    rolled = roll();
  }
  if (rolled) {
    {
      std::lock_guard<std::mutex> lock(token_mu);
      tokens = tokens_of(dir.File("new.key"));
    }
    key_file = dir.File("new.key");
    extra_key_file = dir.File("old.key");
    rolled = roll();
  }
  stop = true;
  for (auto& t : load) t.join();

  // Every acknowledged plan's event reaches the watcher once.
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu);
    names = acked;
  }
  const bool all_seen = rolled && WaitFor([&] {
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
  for (auto it = replicas.rbegin(); it != replicas.rend(); ++it) (*it)->process.Stop();
  for (const auto& [message, code] : failures) {
    std::printf("  failed: code %d: %s\n", static_cast<int>(code), message.c_str());
  }
  if (!rolled) return;
  EXPECT_TRUE(all_seen) << "the watcher missed the event of an acknowledged plan";
  for (const auto& [id, times] : seen) EXPECT_EQ(times, 1) << id << " delivered twice";
  EXPECT_GE(resumed.load(), 2) << "the watcher's stream never moved to the other replica";

  const double ratio = static_cast<double>(failed.load()) / static_cast<double>(calls.load());
  RecordProperty("calls", static_cast<int>(calls.load()));
  RecordProperty("failed", static_cast<int>(failed.load()));
  std::printf("two rolling restarts of 8 replicas rotating the token key: %lld calls, %lld failed "
              "(%.3f %%); %zu plans, their events watched once each; the watch resumed %d times\n",
              static_cast<long long>(calls.load()), static_cast<long long>(failed.load()),
              ratio * 100, names.size(), resumed.load());
  EXPECT_LE(ratio, 0.001) << failed.load() << " of " << calls.load() << " calls failed";
  for (const auto& [message, code] : failures) {
    EXPECT_NE(code, grpc::StatusCode::UNAUTHENTICATED) << "refused during the key rotation: " << message;
  }
}

}  // namespace
}  // namespace rfs::testing
