// Every rfs service on a Redis found through Sentinel (--redis redis+sentinel://…), the primary
// killed with kill -9 under the writes of every service: rfs-registry's plans (and their outbox),
// rfs-notification's event log (the registry's relay publishing), rfs-requirements' reports
// (CheckPlan of new plans), rfs-kpi's sync lease renewals. Writes resume on the promoted replica
// without restarting any service; the acknowledged plans the new primary does not have are
// counted (replication is asynchronous; docs/operations.md "Redis high availability").
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/kit/auth.h"
#include "common/kit/client.h"
#include "common/kit/health_client.h"
#include "rfs/registry/v1/registry.grpc.pb.h"
#include "rfs/requirements/v1/requirements.grpc.pb.h"
#include "tests/support/plans.h"
#include "tests/support/process.h"
#include "tests/support/sentinel_cluster.h"

namespace rfs::testing {
namespace {

using registry::v1::CreatePlanRequest;
using registry::v1::GetPlanRequest;
using registry::v1::Plan;
using registry::v1::PlanRegistry;
using requirements::v1::CheckPlanRequest;
using requirements::v1::CheckPlanResponse;
using requirements::v1::RequirementCheck;

TEST(Failover, EveryServiceFollowsAPrimaryKilledUnderWrites) {
  SentinelCluster cluster;
  cluster.Start();
  TempDir dir;
  std::ofstream(dir.File("auth.key")) << "failover-test-secret-0123456789abcdefghij\n";
  auto socket_of = [&](const std::string& name) { return "unix://" + dir.File(name + ".sock"); };
  auto start = [&](Process& p, const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> argv = {
        BuildDir() + "/services/" + name + "/rfs-" + name, "--redis", cluster.url(),
        "--auth_key_file", dir.File("auth.key"), "--listen", socket_of(name),
        "--metrics_listen", "off", "--data_dir", DataDir(), "--health_interval_ms", "50",
        "--redis_connect_timeout_ms", "300", "--redis_command_timeout_ms", "1000",
        "--log_level", "warning", "--write_quota_per_minute", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    p.Start(argv, dir.File(name + ".log"));
  };
  Process notification, registry, requirements, kpi;
  start(notification, "notification", {});
  start(registry, "registry", {"--notification_address", socket_of("notification"),
                               "--requirements_address", socket_of("requirements")});
  start(requirements, "requirements", {"--registry_address", socket_of("registry"),
                                       "--notification_address", socket_of("notification")});
  start(kpi, "kpi", {"--registry_address", socket_of("registry"), "--notification_address",
                     socket_of("notification"), "--plan_sync_interval_s", "1", "--lease_ttl_s",
                     "3"});
  auto serving = [&](const std::string& name) {
    auto s = CheckHealth(MakeChannel({socket_of(name)}), "", absl::Milliseconds(500));
    return s.ok() && *s == ServingStatus::kServing;
  };
  for (const char* name : {"notification", "registry", "requirements", "kpi"}) {
    ASSERT_TRUE(WaitFor([&] { return serving(name); })) << name << " is not serving";
  }
  const std::string token = *MintToken(*LoadVerificationKey(dir.File("auth.key")),
                                       {"writer", Role::kPrefecture, kToyama});
  auto registry_stub = PlanRegistry::NewStub(MakeChannel({socket_of("registry")}));
  auto requirements_stub = RequirementCheck::NewStub(MakeChannel({socket_of("requirements")}));

  // Writers: CreatePlan (the same request id until acknowledged) and, of each new plan, a
  // CheckPlan (rfs-requirements stores its report).
  std::mutex mu;
  std::vector<std::string> acked;  // plan names, in acknowledgement order
  std::atomic<bool> stop{false};
  std::atomic<int> checks_ok{0};
  auto writer = [&](int w) {
    for (int i = 0; !stop; ++i) {
      CreatePlanRequest create;
      *create.mutable_plan() = PlanB();
      create.set_request_id(absl::StrCat("failover-w", w, "-", i));
      Plan plan;
      grpc::Status s;
      do {
        grpc::ClientContext ctx;
        PrepareCall(&ctx, token, absl::Seconds(2));
        s = registry_stub->CreatePlan(&ctx, create, &plan);
        if (!s.ok()) absl::SleepFor(absl::Milliseconds(20));
      } while (!s.ok() && !stop);
      if (!s.ok()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        acked.push_back(plan.name());
      }
      CheckPlanRequest check;
      check.set_name(plan.name());
      CheckPlanResponse report;
      grpc::ClientContext ctx;
      PrepareCall(&ctx, token, absl::Seconds(2));
      if (requirements_stub->CheckPlan(&ctx, check, &report).ok()) checks_ok.fetch_add(1);
    }
  };
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acked.size();
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) writers.emplace_back(writer, w);
  ASSERT_TRUE(WaitFor([&] { return count() >= 30; }));
  const int checks_before = checks_ok.load();
  ASSERT_GT(checks_before, 0);

  cluster.primary().Kill();  // kill -9 under the writes
  const size_t at_kill = count();
  const absl::Time killed_at = absl::Now();
  const bool resumed = WaitFor([&] { return count() >= at_kill + 30; }, absl::Seconds(60));
  const absl::Duration outage = absl::Now() - killed_at;
  const int checks_at_resume = checks_ok.load();
  ASSERT_TRUE(WaitFor([&] { return checks_ok.load() >= checks_at_resume + 5; }))
      << "CheckPlan did not resume";
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_TRUE(resumed) << "CreatePlan did not resume after the primary was killed";
  EXPECT_EQ(cluster.NamedPrimary(), cluster.replica_port());
  for (const char* name : {"notification", "registry", "requirements", "kpi"}) {
    EXPECT_TRUE(WaitFor([&] { return serving(name); })) << name << " is not serving";
  }

  // Lost: acknowledged plans the new primary does not hold.
  RedisServer& now = cluster.replica();
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mu);
    names = acked;
  }
  int lost = 0;
  for (const std::string& name : names) {
    GetPlanRequest get;
    get.set_name(name);
    Plan plan;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(2));
    if (!registry_stub->GetPlan(&ctx, get, &plan).ok()) ++lost;
  }
  // The relay publishes to rfs-notification's log on the new primary: the last plan's event
  // arrives; rfs-kpi renews its sync lease there.
  const std::string last_event = absl::StrCat("registry/", names.back(), "/v1");
  EXPECT_TRUE(WaitFor([&] {
    return absl::StrContains(now.Cli("XREVRANGE rfs:notification:log + - COUNT 500"), last_event);
  }, absl::Seconds(60))) << "the event of the last plan did not reach the log";
  EXPECT_TRUE(WaitFor([&] {
    return absl::StripAsciiWhitespace(now.Cli("EXISTS rfs:kpi:lease:sync")) == "1";
  })) << "rfs-kpi holds no sync lease on the new primary";
  RecordProperty("plans_acknowledged", static_cast<int>(names.size()));
  RecordProperty("plans_lost", lost);
  RecordProperty("outage_ms", static_cast<int>(absl::ToInt64Milliseconds(outage)));
  std::printf("failover of every service: %zu plans acknowledged, %d lost; writes resumed %lld ms "
              "after kill -9 of the primary\n",
              names.size(), lost, static_cast<long long>(absl::ToInt64Milliseconds(outage)));
  for (Process* p : {&kpi, &requirements, &registry, &notification}) p->Stop();
}

}  // namespace
}  // namespace rfs::testing
