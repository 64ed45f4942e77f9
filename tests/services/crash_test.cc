// Crashes under load: kill -9 of rfs-registry and of redis-server while clients write. Every
// write that was acknowledged must be there afterwards, and the derived state (indexes,
// counters) must agree with the plans.
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <future>

#include "nlohmann/json.hpp"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/domain/fiscal.h"
#include "common/kit/auth.h"
#include "common/kit/client.h"
#include "common/kit/health_client.h"
#include "rfs/kpi/v1/kpi.grpc.pb.h"
#include "rfs/registry/v1/registry.grpc.pb.h"
#include "rfs/requirements/v1/requirements.grpc.pb.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "tests/support/assert_ok.h"
#include "tests/support/http_receiver.h"
#include "tests/support/plans.h"
#include "tests/support/process.h"
#include "tests/support/raw_redis.h"
#include "tests/support/redis_server.h"

namespace rfs::testing {
namespace {

using namespace registry::v1;

// Runs a binary to completion and returns its exit code and output.
std::pair<int, std::string> RunToExit(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  CommandResult run = RunShell(cmd);
  return {run.exit_code, std::move(run.out)};
}

// A bad setting, and what the binary's message must name.
struct BadSetting {
  std::vector<std::string> flags;
  std::string says;
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>(dir_.path());
    redis_->Start();
    std::ofstream(dir_.File("auth.key")) << "crash-test-secret-0123456789abcdefghij\n";
    socket_ = "unix://" + dir_.File("registry.sock");
    StartRegistry();
    channel_ = MakeChannel({socket_});
    stub_ = PlanRegistry::NewStub(channel_);
    token_ = *MintToken(*LoadVerificationKey(dir_.File("auth.key")),
                        {"writer", Role::kPrefecture, kToyama});
  }

  // `extra` flags come last (later flags win).
  void StartRegistry(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {
        BuildDir() + "/services/registry/rfs-registry", "--redis", redis_->url(),
        "--auth_key_file", dir_.File("auth.key"), "--listen", socket_, "--metrics_listen", "off",
        "--data_dir", DataDir(), "--health_interval_ms", "50", "--redis_command_timeout_ms",
        "1000", "--log_level", log_level_, "--write_quota_per_minute", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    registry_.Start(argv, dir_.File("registry.log"));
  }

  // Each bad setting stops `binary` (under services/) at start with exit code 2 and a message
  // naming it.
  void ExpectRefused(const std::string& binary, const std::vector<BadSetting>& cases) {
    for (const BadSetting& c : cases) {
      std::vector<std::string> argv = {BuildDir() + "/services/" + binary, "--redis",
                                       redis_->url(), "--auth_key_file", dir_.File("auth.key"),
                                       "--listen", "127.0.0.1:0", "--metrics_listen", "off",
                                       "--data_dir", DataDir()};
      argv.insert(argv.end(), c.flags.begin(), c.flags.end());  // later flags win
      auto [code, out] = RunToExit(argv);
      EXPECT_EQ(code, 2) << c.says << ": " << out;
      EXPECT_NE(out.find(c.says), std::string::npos) << out;
    }
  }

  bool Serving() {
    auto s = CheckHealth(MakeChannel({socket_}), "", absl::Milliseconds(500));
    return s.ok() && *s == ServingStatus::kServing;
  }

  TempDir dir_;
  std::string log_level_ = "warning";
  std::unique_ptr<RedisServer> redis_;
  Process registry_;
  std::string socket_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<PlanRegistry::Stub> stub_;
  std::string token_;
};

TEST_F(CrashTest, NoAcknowledgedWriteIsLostWhenRegistryOrRedisIsKilled) {
  ASSERT_TRUE(WaitFor([&] { return Serving(); }));
  std::mutex mu;
  std::map<std::string, std::string> created;              // request id → plan name
  std::map<std::pair<std::string, int64_t>, std::string> updated;  // (name, version) → title
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};

  auto writer = [&](int w) {
    for (int i = 0; !stop; ++i) {
      const std::string request_id = absl::StrCat("w", w, "-", i);
      CreatePlanRequest create;
      *create.mutable_plan() = PlanB();
      create.mutable_plan()->set_title(request_id);
      create.set_request_id(request_id);
      Plan plan;
      bool acked = false;
      // Retry the same request id until it is acknowledged: idempotent.
      while (!acked) {
        grpc::ClientContext ctx;
        PrepareCall(&ctx, token_, absl::Seconds(2));
        grpc::Status s = stub_->CreatePlan(&ctx, create, &plan);
        if (s.ok()) {
          acked = true;
        } else {
          ++failures;
          if (stop) return;  // not acknowledged: not recorded
          absl::SleepFor(absl::Milliseconds(20));
        }
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        created[request_id] = plan.name();
      }
      UpdatePlanRequest update;
      update.mutable_plan()->set_name(plan.name());
      update.mutable_plan()->set_etag(plan.etag());
      update.mutable_plan()->set_title(request_id + " 更新");
      update.mutable_update_mask()->add_paths("title");
      Plan after;
      grpc::ClientContext ctx;
      PrepareCall(&ctx, token_, absl::Seconds(2));
      if (stub_->UpdatePlan(&ctx, update, &after).ok()) {
        std::lock_guard<std::mutex> lock(mu);
        updated[{after.name(), after.version()}] = after.title();
      }
    }
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) writers.emplace_back(writer, w);

  auto acked = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return created.size();
  };
  ASSERT_TRUE(WaitFor([&] { return acked() >= 20; }));
  registry_.Kill();  // kill -9 of the service
  StartRegistry();
  ASSERT_TRUE(WaitFor([&] { return Serving(); }));
  // kill -9 of Redis, three times, each aimed at the worst moment it shows (a pending
  // background fsync, or data waiting in its AOF buffer) while the writers keep going.
  for (int crash = 0; crash < 3; ++crash) {
    const size_t before = acked();
    ASSERT_TRUE(WaitFor([&] { return acked() >= before + 15; }));
    const std::string aimed = redis_->KillAtWorstMoment();
    RecordProperty(absl::StrCat("redis_kill_", crash), aimed);
    std::fprintf(stderr, "redis kill %d aimed at: %s\n", crash, aimed.c_str());
    redis_->Start();
    ASSERT_TRUE(WaitFor([&] { return Serving(); }));
  }
  const size_t after_restart = acked();
  ASSERT_TRUE(WaitFor([&] { return acked() >= after_restart + 10; }));
  stop = true;
  for (auto& t : writers) t.join();

  // Every acknowledged create and update is there, with what was acknowledged: a plan id, once
  // given out, never names another plan.
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_GE(created.size(), 65u);
  for (const auto& [request_id, name] : created) {
    GetPlanRequest get;
    get.set_name(name);
    get.set_version(1);
    Plan plan;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token_, absl::Seconds(5));
    grpc::Status s = stub_->GetPlan(&ctx, get, &plan);
    ASSERT_TRUE(s.ok()) << name << ": " << s.error_message();
    EXPECT_EQ(plan.title(), request_id) << name << " names another plan";
  }
  for (const auto& [key, title] : updated) {
    GetPlanRequest get;
    get.set_name(key.first);
    get.set_version(key.second);
    Plan plan;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token_, absl::Seconds(5));
    ASSERT_TRUE(stub_->GetPlan(&ctx, get, &plan).ok()) << key.first;
    EXPECT_EQ(plan.title(), title);
  }
  // An acknowledged request id, sent again, still answers with its own plan: the idempotency
  // keys survived too.
  for (const auto& [request_id, name] : created) {
    CreatePlanRequest again;
    *again.mutable_plan() = PlanB();
    again.mutable_plan()->set_title(request_id);
    again.set_request_id(request_id);
    Plan plan;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token_, absl::Seconds(5));
    ASSERT_TRUE(stub_->CreatePlan(&ctx, again, &plan).ok()) << request_id;
    EXPECT_EQ(plan.name(), name) << "request " << request_id << " created a second plan";
  }
  // One plan per request id, even though some creates were retried across the crashes.
  int64_t plans = 0;
  ASSERT_TRUE(absl::SimpleAtoi(redis_->Cli("ZCARD rfs:registry:idx:all"), &plans));
  EXPECT_LE(plans, static_cast<int64_t>(created.size()) + 3);  // + unacknowledged in flight
  // The counters behind rfs_plans agree with the plans.
  int64_t counted = 0;
  for (absl::string_view v : absl::StrSplit(redis_->Cli("HVALS rfs:registry:stats:plans"), '\n')) {
    int64_t n = 0;
    if (absl::SimpleAtoi(v, &n)) counted += n;
  }
  EXPECT_EQ(counted, plans);
}

// The outbox relay under kill -9 of every process (rfs-registry, rfs-notification, Redis)
// while clients write: afterwards every acknowledged change's event is in the event log exactly
// once, in each plan's order, and the outbox is empty.
TEST_F(CrashTest, EveryAcknowledgedChangesEventReachesTheLogOnceWhenEveryProcessIsKilled) {
  const std::string notification_socket = "unix://" + dir_.File("notification.sock");
  Process notification;
  auto start_notification = [&] {
    notification.Start({BuildDir() + "/services/notification/rfs-notification", "--redis",
                        redis_->url(), "--auth_key_file", dir_.File("auth.key"), "--listen",
                        notification_socket, "--metrics_listen", "off", "--data_dir", DataDir(),
                        "--health_interval_ms", "50", "--log_level", log_level_,
                        "--write_quota_per_minute", "0"},
                       dir_.File("notification.log"));
  };
  start_notification();
  registry_.Stop();
  const std::vector<std::string> relay = {"--notification_address", notification_socket};
  StartRegistry(relay);
  ASSERT_TRUE(WaitFor([&] { return Serving(); }));

  std::mutex mu;
  std::set<std::string> acked;  // event ids of acknowledged changes
  std::atomic<bool> stop{false};
  auto writer = [&](int w) {
    for (int i = 0; !stop; ++i) {
      CreatePlanRequest create;
      *create.mutable_plan() = PlanB();
      create.set_request_id(absl::StrCat("relay-w", w, "-", i));
      Plan plan;
      grpc::Status s;
      do {  // the same request id until acknowledged (idempotent)
        grpc::ClientContext ctx;
        PrepareCall(&ctx, token_, absl::Seconds(2));
        s = stub_->CreatePlan(&ctx, create, &plan);
        if (!s.ok()) absl::SleepFor(absl::Milliseconds(20));
      } while (!s.ok() && !stop);
      if (!s.ok()) return;
      std::lock_guard<std::mutex> lock(mu);
      acked.insert(absl::StrCat("registry/", plan.name(), "/v1"));
    }
  };
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) writers.emplace_back(writer, w);
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acked.size();
  };
  auto more = [&](size_t n) {
    const size_t before = count();
    return WaitFor([&] { return count() >= before + n; });
  };
  ASSERT_TRUE(more(15));
  notification.Kill();  // rfs-notification dies: events wait in the outbox
  ASSERT_TRUE(more(15));
  start_notification();
  ASSERT_TRUE(more(15));
  registry_.Kill();  // the relay's own process dies mid-batch
  StartRegistry(relay);
  ASSERT_TRUE(WaitFor([&] { return Serving(); }));
  ASSERT_TRUE(more(15));
  const std::string aimed = redis_->KillAtWorstMoment();
  std::fprintf(stderr, "redis kill aimed at: %s\n", aimed.c_str());
  redis_->Start();
  ASSERT_TRUE(WaitFor([&] { return Serving(); }));
  ASSERT_TRUE(more(15));
  stop = true;
  for (auto& t : writers) t.join();

  // The relay drains the outbox, then every acknowledged event is in the log once.
  // (The relay's backoff after the outages is at most 30 s.)
  ASSERT_TRUE(WaitFor([&] { return redis_->Cli("XLEN rfs:registry:outbox") == "0"; },
                      absl::Seconds(60)))
      << redis_->Cli("XLEN rfs:registry:outbox");
  RedisPool pool(redis_->options());
  RawRedis raw(&pool);
  std::map<std::string, int> logged;
  for (const auto& entry : raw.StreamEntries("rfs:notification:log")) ++logged[entry.at("id")];
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_GE(acked.size(), 75u);
  for (const std::string& id : acked) EXPECT_EQ(logged[id], 1) << id;
  for (const auto& [id, times] : logged) EXPECT_EQ(times, 1) << id << " logged twice";
  notification.Stop();
}

// Two rfs-notification replicas; the one serving a watch and delivering webhooks is killed with
// kill -9. The watcher resumes on the other replica from its last cursor and gets every event
// once, in order; every event reaches the webhook receiver (at least once: the deliveries the
// dead replica had in flight are taken over once pending longer than --webhook_claim_idle).
TEST_F(CrashTest, WatchersAndWebhooksCarryOnWhenANotificationReplicaIsKilled) {
  HttpReceiver receiver;
  HttpReceiver::Reply slow;
  slow.delay = absl::Milliseconds(300);  // deliveries are in flight when the replica dies
  receiver.SetDefault(slow);
  const std::string a = "unix://" + dir_.File("notification-a.sock");
  const std::string b = "unix://" + dir_.File("notification-b.sock");
  auto start = [&](Process& p, const std::string& socket, const std::string& log) {
    p.Start({BuildDir() + "/services/notification/rfs-notification", "--redis", redis_->url(),
             "--auth_key_file", dir_.File("auth.key"), "--listen", socket, "--metrics_listen",
             "off", "--data_dir", DataDir(), "--health_interval_ms", "50", "--log_level",
             log_level_, "--write_quota_per_minute", "0", "--webhook_allow_http",
             "--webhook_allow_cidrs", "127.0.0.0/8", "--webhook_timeout", "2s",
             "--webhook_claim_idle", "4s", "--webhook_poll", "50ms"},
            dir_.File(log));
  };
  Process replica_a, replica_b;
  start(replica_a, a, "notification-a.log");
  start(replica_b, b, "notification-b.log");
  const VerificationKey key = *LoadVerificationKey(dir_.File("auth.key"));
  const std::string service = *MintToken(key, {"relay", Role::kService, ""});
  const std::string secretariat = *MintToken(key, {"secretariat", Role::kSecretariat, ""});
  auto stub_a = notification::v1::Notification::NewStub(MakeChannel({a}));
  auto stub_b = notification::v1::Notification::NewStub(MakeChannel({b}));
  ASSERT_TRUE(WaitFor([&] {
    return CheckHealth(MakeChannel({a}), "", absl::Milliseconds(500)).ok() &&
           CheckHealth(MakeChannel({b}), "", absl::Milliseconds(500)).ok();
  }));
  {
    notification::v1::CreateSubscriptionRequest req;
    req.mutable_subscription()->set_url(receiver.Url());
    notification::v1::CreateSubscriptionResponse out;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, secretariat, absl::Seconds(5));
    ASSERT_OK(stub_b->CreateSubscription(&ctx, req, &out));
  }
  std::vector<std::string> published;
  auto publish = [&](int from, int to) {
    notification::v1::PublishEventsRequest req;
    for (int i = from; i < to; ++i) {
      common::v1::Event& e = *req.add_events();
      e.set_id(absl::StrCat("crash/e", i));
      e.set_type("plan.updated");
      e.set_source("crash-test");
      e.set_plan("plans/B-00001");
      e.set_plan_type("B");
      e.set_block("HOKURIKU");
      e.set_stage("PLAN_STAGE_PUBLISHED");
      e.set_plan_version(i + 1);
      e.mutable_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
      published.push_back(e.id());
    }
    notification::v1::PublishEventsResponse out;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, service, absl::Seconds(5));
    ASSERT_OK(stub_b->PublishEvents(&ctx, req, &out));
  };

  // A watch on replica A, from now.
  std::vector<std::string> seen;
  std::string cursor;
  auto read = [&](grpc::ClientReader<notification::v1::WatchEventsResponse>* reader,
                  size_t until) {
    notification::v1::WatchEventsResponse m;
    while (seen.size() < until && reader->Read(&m)) {
      if (m.has_event()) {
        seen.push_back(m.event().event().id());
        cursor = m.event().cursor();
      } else if (m.has_caught_up()) {
        cursor = m.caught_up().cursor();
      } else if (m.has_heartbeat()) {
        cursor = m.heartbeat().cursor();
      }
    }
  };
  auto ctx_a = std::make_unique<grpc::ClientContext>();
  ctx_a->AddMetadata("authorization", "Bearer " + secretariat);
  auto watch_a = stub_a->WatchEvents(ctx_a.get(), notification::v1::WatchEventsRequest());
  {
    notification::v1::WatchEventsResponse caught_up;
    ASSERT_TRUE(watch_a->Read(&caught_up));
    ASSERT_TRUE(caught_up.has_caught_up());
    cursor = caught_up.caught_up().cursor();
  }
  ASSERT_NO_FATAL_FAILURE(publish(0, 40));
  read(watch_a.get(), 20);
  ASSERT_EQ(seen.size(), 20u);
  replica_a.Kill();  // mid-stream, with webhook deliveries in flight
  read(watch_a.get(), 1000);  // what the client had buffered, then the stream's end
  (void)watch_a->Finish();

  // Resumed on replica B from the last cursor processed.
  ASSERT_NO_FATAL_FAILURE(publish(40, 60));
  grpc::ClientContext ctx_b;
  ctx_b.AddMetadata("authorization", "Bearer " + secretariat);
  notification::v1::WatchEventsRequest resume;
  resume.set_after_cursor(cursor);
  auto watch_b = stub_b->WatchEvents(&ctx_b, resume);
  read(watch_b.get(), 60);
  EXPECT_EQ(seen, published);  // every event once, in order
  ctx_b.TryCancel();
  (void)watch_b->Finish();

  // Every event reaches the receiver, the dead replica's in-flight ones included.
  auto delivered = [&] {
    std::set<std::string> ids;
    for (const auto& r : receiver.Requests()) ids.insert(r.headers.at("webhook-id"));
    return ids;
  };
  ASSERT_TRUE(WaitFor([&] { return delivered().size() == published.size(); },
                      absl::Seconds(60)))
      << delivered().size() << " of " << published.size();
  replica_b.Stop();
}

TEST_F(CrashTest, SigtermDrainsAndStopsCleanly) {
  ASSERT_TRUE(WaitFor([&] { return Serving(); }));
  registry_.Stop();
  EXPECT_FALSE(registry_.running());
  std::ifstream log(dir_.File("registry.log"));
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("\"level\":\"error\""), std::string::npos) << text;
}

// Malformed requests (invalid UTF-8 in a string field, which libprotobuf itself logs about)
// get INVALID_ARGUMENT, and the service's log stays JSON lines with no error among them.
TEST_F(CrashTest, MalformedRequestsKeepTheLogJsonAndErrorFree) {
  registry_.Stop();
  log_level_ = "debug";
  StartRegistry();
  ASSERT_TRUE(WaitFor([&] { return Serving(); }));
  grpc::GenericStub generic(channel_);
  // CreatePlanRequest{plan: Plan{title: "\xff\xfe"}}: field 1 (plan), field 3 (title).
  const std::string bad_utf8("\x0a\x04\x1a\x02\xff\xfe", 6);
  for (const std::string& body : {bad_utf8, std::string("\xff\xff\xff garbage")}) {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token_, absl::Seconds(5));
    grpc::Slice slice(body);
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    generic.UnaryCall(&ctx, "/rfs.registry.v1.PlanRegistry/CreatePlan", grpc::StubOptions(),
                      &request, &response, [&done](grpc::Status s) { done.set_value(s); });
    EXPECT_EQ(done.get_future().get().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
  registry_.Stop();
  std::ifstream log(dir_.File("registry.log"));
  std::string line;
  int lines = 0;
  while (std::getline(log, line)) {
    ++lines;
    EXPECT_TRUE(nlohmann::json::accept(line)) << "not a JSON line: " << line;
    EXPECT_EQ(line.find("\"level\":\"error\""), std::string::npos) << line;
  }
  EXPECT_GT(lines, 0);
}

// A Redis that does not fsync every acknowledged write is named in a warning at start.
TEST_F(CrashTest, ARedisThatCanLoseWritesIsWarnedAbout) {
  ASSERT_TRUE(WaitFor([&] { return Serving(); }));
  registry_.Stop();
  auto log = [&] {
    std::ifstream in(dir_.File("registry.log"));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(log().find("does not write and fsync"), std::string::npos) << log();
  // The operator's trade the warning is about (never the default: docs/operations.md).
  const std::string lossy_policy = "everysec";
  ASSERT_EQ(redis_->Cli("CONFIG SET appendfsync " + lossy_policy), "OK");
  StartRegistry();
  ASSERT_TRUE(WaitFor([&] { return Serving(); }));
  registry_.Stop();
  EXPECT_NE(log().find("does not write and fsync"), std::string::npos) << log();
  EXPECT_NE(log().find("\"appendfsync\":\"everysec\""), std::string::npos);
}

TEST_F(CrashTest, BadSettingsStopTheBinaryWithAMessage) {
  const std::vector<BadSetting> cases = {
      {{"--redis", "localhost:6379"}, "--redis"},
      {{"--auth_key_file", "/nonexistent"}, "--auth_key_file"},
      {{"--listen", "nowhere"}, "--listen"},
      {{"--stats_interval_ms", "0"}, "--stats_interval_ms"},
      {{"--version_cache_mb", "-1"}, "--version_cache_mb"},
      {{"--request_id_ttl_hours", "0"}, "--request_id_ttl_hours"},
      {{"--tls_cert_file", dir_.File("auth.key")}, "--tls_key_file"},
      // An identity provider's RS256 key without the issuer and audience rfs tokens carry.
      {{"--auth_key_file", dir_.File("idp.pub")}, "--auth_issuer and --auth_audience"},
  };
  ASSERT_EQ(std::system(("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out " +
                         dir_.File("idp.pem") + " 2>/dev/null && openssl pkey -in " +
                         dir_.File("idp.pem") + " -pubout -out " + dir_.File("idp.pub"))
                            .c_str()),
            0);
  ExpectRefused("registry/rfs-registry", cases);
}

TEST_F(CrashTest, BadRequirementSettingsStopTheBinaryWithAMessage) {
  std::ofstream(dir_.File("typo.json")) << R"({"version": "x", "a4_min_total_investmnt_yen": 1})";
  const std::vector<BadSetting> cases = {
      {{"--ruleset_file", "/nonexistent/ruleset.json"}, "--ruleset_file"},
      {{"--ruleset_file", dir_.File("typo.json")}, "a4_min_total_investmnt_yen"},
      {{"--registry_address", ""}, "--registry_address"},
      {{"--registry_timeout_ms", "0"}, "--registry_timeout_ms"},
      {{"--service_token_file", "/nonexistent"}, "--service_token_file"},
  };
  ExpectRefused("requirements/rfs-requirements", cases);
}

// Reviews are acknowledged writes: they survive kill -9 of redis-server and of the service.
TEST_F(CrashTest, RecordedReviewsSurviveKilledRedisAndService) {
  const std::string requirements_socket = "unix://" + dir_.File("requirements.sock");
  // Restart the registry of SetUp with its gate pointing at this test's requirement service.
  registry_.Stop();
  registry_.Start({BuildDir() + "/services/registry/rfs-registry", "--redis", redis_->url(),
                   "--auth_key_file", dir_.File("auth.key"), "--listen", socket_,
                   "--metrics_listen", "off", "--data_dir", DataDir(), "--health_interval_ms",
                   "50", "--requirements_address", requirements_socket, "--log_level", "warning"},
                  dir_.File("registry.log"));
  Process requirements;
  auto start_requirements = [&] {
    requirements.Start({BuildDir() + "/services/requirements/rfs-requirements", "--redis",
                        redis_->url(), "--auth_key_file", dir_.File("auth.key"), "--listen",
                        requirements_socket, "--metrics_listen", "off", "--data_dir", DataDir(),
                        "--health_interval_ms", "50", "--registry_address", socket_,
                        "--log_level", "warning", "--write_quota_per_minute", "0"},
                       dir_.File("requirements.log"));
  };
  start_requirements();
  auto serving = [&](const std::string& target) {
    auto s = CheckHealth(MakeChannel({target}), "", absl::Milliseconds(500));
    return s.ok() && *s == ServingStatus::kServing;
  };
  ASSERT_TRUE(WaitFor([&] { return serving(socket_) && serving(requirements_socket); }));

  const VerificationKey key = *LoadVerificationKey(dir_.File("auth.key"));
  const std::string secretariat = *MintToken(key, {"sec", Role::kSecretariat});
  Plan created;
  {
    CreatePlanRequest req;
    *req.mutable_plan() = CompletePlanA();
    grpc::ClientContext ctx;
    PrepareCall(&ctx, secretariat, absl::Seconds(10));
    ASSERT_TRUE(stub_->CreatePlan(&ctx, req, &created).ok());
  }
  auto check_stub = requirements::v1::RequirementCheck::NewStub(MakeChannel({requirements_socket}));
  // Reviewers record decisions while Redis is killed twice at the worst moment it shows, and
  // the requirement service once; every acknowledged decision must be in the log afterwards.
  std::mutex mu;
  std::set<std::string> acked;  // comments of acknowledged reviews
  std::atomic<bool> stop{false};
  auto reviewer = [&](int w) {
    for (int i = 0; !stop; ++i) {
      requirements::v1::RecordReviewRequest req;
      req.set_name(created.name());
      req.set_requirement_id(i % 2 == 0 ? "A2" : "A3");
      req.set_decision(requirements::v1::REVIEW_DECISION_ACCEPTED);
      req.set_comment(absl::StrCat("reviewer ", w, " decision ", i));
      requirements::v1::Review out;
      grpc::ClientContext ctx;
      PrepareCall(&ctx, secretariat, absl::Seconds(2));
      if (check_stub->RecordReview(&ctx, req, &out).ok()) {
        std::lock_guard<std::mutex> lock(mu);
        acked.insert(req.comment());
      } else {
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
  };
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acked.size();
  };
  std::vector<std::thread> reviewers;
  for (int w = 0; w < 2; ++w) reviewers.emplace_back(reviewer, w);
  for (int crash = 0; crash < 2; ++crash) {
    const size_t before = count();
    ASSERT_TRUE(WaitFor([&] { return count() >= before + 10; }));
    RecordProperty(absl::StrCat("redis_kill_", crash), redis_->KillAtWorstMoment());
    redis_->Start();  // replays the AOF
    ASSERT_TRUE(WaitFor([&] { return serving(socket_) && serving(requirements_socket); }));
  }
  requirements.Kill();
  start_requirements();
  ASSERT_TRUE(WaitFor([&] { return serving(socket_) && serving(requirements_socket); }));
  const size_t before_stop = count();
  ASSERT_TRUE(WaitFor([&] { return count() >= before_stop + 5; }));
  stop = true;
  for (auto& t : reviewers) t.join();

  requirements::v1::ListReviewsRequest history;
  history.set_name(created.name());
  history.set_history(true);
  std::set<std::string> logged;
  do {  // every page of the trail
    requirements::v1::ListReviewsResponse log;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, secretariat, absl::Seconds(5));
    ASSERT_TRUE(check_stub->ListReviews(&ctx, history, &log).ok());
    for (const auto& r : log.reviews()) logged.insert(r.comment());
    history.set_page_token(log.next_page_token());
  } while (!history.page_token().empty());
  for (const std::string& comment : acked) {
    EXPECT_TRUE(logged.count(comment)) << "acknowledged review lost: " << comment;
  }

  requirements::v1::ListReviewsRequest list;
  list.set_name(created.name());
  requirements::v1::ListReviewsResponse reviews;
  grpc::Status listed;
  ASSERT_TRUE(WaitFor([&] {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, secretariat, absl::Seconds(5));
    listed = check_stub->ListReviews(&ctx, list, &reviews);
    return listed.ok();
  })) << listed.error_message();
  ASSERT_EQ(reviews.reviews_size(), 2);
  requirements::v1::CheckPlanRequest check;
  check.set_name(created.name());
  requirements::v1::CheckPlanResponse report;
  grpc::ClientContext ctx;
  PrepareCall(&ctx, secretariat, absl::Seconds(10));
  ASSERT_TRUE(check_stub->CheckPlan(&ctx, check, &report).ok());
  EXPECT_EQ(report.report().verdict(), common::v1::CHECK_VERDICT_PASS);
  requirements.Stop();
}

// Measurements are acknowledged writes that also move the national aggregates: after kill -9 of
// redis-server (at the worst moment it shows) and of rfs-kpi while authors record and correct
// values, every acknowledged value is in its measurement's history, and the aggregates equal a
// recount from the raw values.
TEST_F(CrashTest, MeasurementsAndAggregatesSurviveKilledRedisAndService) {
  const std::string kpi_socket = "unix://" + dir_.File("kpi.sock");
  // The registry of SetUp, without the submission gate (no requirement service here).
  registry_.Stop();
  StartRegistry({"--requirements_address", ""});
  Process kpi;
  auto start_kpi = [&] {
    kpi.Start({BuildDir() + "/services/kpi/rfs-kpi", "--redis", redis_->url(), "--auth_key_file",
               dir_.File("auth.key"), "--listen", kpi_socket, "--metrics_listen", "off",
               "--data_dir", DataDir(), "--health_interval_ms", "50", "--registry_address",
               socket_, "--redis_command_timeout_ms", "1000", "--log_level", "warning",
               "--write_quota_per_minute", "0"},
              dir_.File("kpi.log"));
  };
  start_kpi();
  auto serving = [&](const std::string& target) {
    auto s = CheckHealth(MakeChannel({target}), "", absl::Milliseconds(500));
    return s.ok() && *s == ServingStatus::kServing;
  };
  ASSERT_TRUE(WaitFor([&] { return serving(socket_) && serving(kpi_socket); }));

  // A type B plan of Toyama, published by the governor: it counts nationally.
  const VerificationKey key = *LoadVerificationKey(dir_.File("auth.key"));
  const std::string toyama = *MintToken(key, {"toyama", Role::kPrefecture, kToyama});
  const std::string bureau = *MintToken(key, {"bureau", Role::kBureau, "", "HOKURIKU"});
  const std::string secretariat = *MintToken(key, {"sec", Role::kSecretariat});
  Plan plan;
  {
    CreatePlanRequest req;
    *req.mutable_plan() = CompletePlanB();
    grpc::ClientContext ctx;
    PrepareCall(&ctx, toyama, absl::Seconds(10));
    ASSERT_TRUE(stub_->CreatePlan(&ctx, req, &plan).ok());
  }
  auto transition = [&](const std::string& token, PlanStage stage) {
    TransitionPlanRequest req;
    req.set_name(plan.name());
    req.set_target_stage(stage);
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    grpc::Status s = stub_->TransitionPlan(&ctx, req, &plan);
    ASSERT_TRUE(s.ok()) << s.error_message();
  };
  transition(toyama, PLAN_STAGE_PRE_CONSULTATION);
  transition(bureau, PLAN_STAGE_COORDINATION);
  {
    SignOffPlanRequest req;
    req.set_name(plan.name());
    req.set_author_code(kToyama);
    grpc::ClientContext ctx;
    PrepareCall(&ctx, toyama, absl::Seconds(10));
    ASSERT_TRUE(stub_->SignOffPlan(&ctx, req, &plan).ok());
  }
  transition(toyama, PLAN_STAGE_PUBLISHED_BY_GOVERNOR);

  auto kpi_stub = kpi::v1::KpiTracking::NewStub(MakeChannel({kpi_socket}));
  const common::v1::FiscalPeriod now = FiscalPeriodOf(absl::Now());
  const std::vector<std::string> indicators = {"kgi-capex", "kgi-value-added", "kgi-talent"};
  std::mutex mu;
  std::set<std::pair<std::string, int64_t>> acked;  // (indicator, value) acknowledged
  std::atomic<bool> stop{false};
  auto author = [&](int w) {
    for (int i = 0; !stop; ++i) {
      kpi::v1::RecordMeasurementRequest req;
      req.set_plan(plan.name());
      req.set_indicator_id(indicators[(w + i) % indicators.size()]);
      *req.mutable_period() = now;
      req.set_value(1'000'000 * (w + 1) + i);
      req.set_note(absl::StrCat("writer ", w, " value ", i));
      kpi::v1::Measurement out;
      grpc::ClientContext ctx;
      PrepareCall(&ctx, toyama, absl::Seconds(2));
      if (kpi_stub->RecordMeasurement(&ctx, req, &out).ok()) {
        std::lock_guard<std::mutex> lock(mu);
        acked.emplace(req.indicator_id(), req.value());
      } else {
        absl::SleepFor(absl::Milliseconds(20));
      }
    }
  };
  auto count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acked.size();
  };
  std::vector<std::thread> authors;
  for (int w = 0; w < 2; ++w) authors.emplace_back(author, w);
  for (int crash = 0; crash < 2; ++crash) {
    const size_t before = count();
    ASSERT_TRUE(WaitFor([&] { return count() >= before + 10; }));
    RecordProperty(absl::StrCat("redis_kill_", crash), redis_->KillAtWorstMoment());
    redis_->Start();  // replays the AOF
    ASSERT_TRUE(WaitFor([&] { return serving(socket_) && serving(kpi_socket); }));
  }
  {
    const size_t before = count();
    ASSERT_TRUE(WaitFor([&] { return count() >= before + 10; }));
  }
  kpi.Kill();  // kill -9 of the service between writes of the authors
  start_kpi();
  ASSERT_TRUE(WaitFor([&] { return serving(socket_) && serving(kpi_socket); }));
  const size_t before_stop = count();
  ASSERT_TRUE(WaitFor([&] { return count() >= before_stop + 5; }));
  stop = true;
  for (auto& t : authors) t.join();

  kpi::v1::ListMeasurementsRequest list;
  list.set_plan(plan.name());
  list.set_include_history(true);
  kpi::v1::ListMeasurementsResponse listed;
  {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, toyama, absl::Seconds(5));
    grpc::Status s = kpi_stub->ListMeasurements(&ctx, list, &listed);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  std::set<std::pair<std::string, int64_t>> recorded;
  std::map<std::string, int64_t> current;
  for (const auto& m : listed.measurements()) {
    current[m.indicator_id()] = m.value();
    for (const auto& change : m.history()) recorded.emplace(m.indicator_id(), change.new_value());
  }
  for (const auto& [indicator, value] : acked) {
    EXPECT_TRUE(recorded.count({indicator, value}))
        << "acknowledged value lost: " << indicator << " = " << value;
  }
  // The aggregates kept on write equal a recount from the values now held (one value per
  // indicator and half year, all at the lead prefecture, Toyama, outside the Tokyo area).
  kpi::v1::AggregateKgiRequest aggregate;
  aggregate.set_fiscal_year(now.fiscal_year());
  kpi::v1::AggregateKgiResponse totals;
  {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, secretariat, absl::Seconds(5));
    grpc::Status s = kpi_stub->AggregateKgi(&ctx, aggregate, &totals);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const std::map<MandatoryKgi, std::string> kgi_indicator = {
      {MANDATORY_KGI_CAPEX, "kgi-capex"},
      {MANDATORY_KGI_VALUE_ADDED, "kgi-value-added"},
      {MANDATORY_KGI_TALENT, "kgi-talent"}};
  ASSERT_EQ(totals.totals_size(), 3);
  for (const auto& total : totals.totals()) {
    const std::string& indicator = kgi_indicator.at(total.kgi());
    EXPECT_EQ(total.reported(), current[indicator]) << indicator;
    EXPECT_EQ(total.verified(), 0) << indicator;
  }
  EXPECT_EQ(totals.plans(), 1);
  kpi.Stop();
}

// Two rfs-kpi replicas: one holds the plan-sync lease at a time; when its holder is killed
// (kill -9: no release), the other takes the lease over once it runs out, and syncs plans.
TEST_F(CrashTest, TheOtherKpiReplicaTakesTheSyncLeaseWhenItsHolderIsKilled) {
  registry_.Stop();
  StartRegistry({"--requirements_address", ""});
  Process replicas[2];
  auto start = [&](int i) {
    replicas[i].Start({BuildDir() + "/services/kpi/rfs-kpi", "--redis", redis_->url(),
                       "--auth_key_file", dir_.File("auth.key"), "--listen",
                       "unix://" + dir_.File(absl::StrCat("kpi", i, ".sock")), "--metrics_listen",
                       "off", "--data_dir", DataDir(), "--registry_address", socket_,
                       "--plan_sync_interval_s", "1", "--lease_ttl_s", "2", "--log_level",
                       "info"},
                      dir_.File(absl::StrCat("kpi", i, ".log")));
  };
  start(0);
  start(1);
  // The lease holds "<host>:<pid>:<random>": which replica holds it.
  auto holder = [&]() -> int {
    const std::string value = redis_->Cli("GET rfs:kpi:lease:sync");
    for (int i = 0; i < 2; ++i) {
      if (replicas[i].running() &&
          absl::StrContains(value, absl::StrCat(":", replicas[i].pid(), ":"))) {
        return i;
      }
    }
    return -1;
  };
  ASSERT_TRUE(WaitFor([&] { return holder() >= 0; })) << redis_->Cli("GET rfs:kpi:lease:sync");
  const int first = holder();
  // It stays with its holder while the holder lives (renewed every turn).
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(holder(), first);

  // A plan created now is synced by the holder: its snapshot appears in rfs-kpi's keys.
  const std::string toyama =
      *MintToken(*LoadVerificationKey(dir_.File("auth.key")), {"toyama", Role::kPrefecture, kToyama});
  Plan plan;
  {
    CreatePlanRequest req;
    *req.mutable_plan() = CompletePlanB();
    grpc::ClientContext ctx;
    PrepareCall(&ctx, toyama, absl::Seconds(10));
    ASSERT_TRUE(stub_->CreatePlan(&ctx, req, &plan).ok());
  }
  const std::string plan_id = plan.name().substr(6);
  ASSERT_TRUE(WaitFor([&] { return redis_->Cli("EXISTS rfs:kpi:plan:" + plan_id) == "1"; }));

  replicas[first].Kill();  // kill -9: the lease is not released, it runs out
  const int second = 1 - first;
  ASSERT_TRUE(WaitFor([&] { return holder() == second; }, absl::Seconds(20)))
      << redis_->Cli("GET rfs:kpi:lease:sync");
  // The new holder syncs: a title change reaches rfs-kpi's snapshot without the old holder.
  {
    UpdatePlanRequest req;
    req.mutable_plan()->set_name(plan.name());
    req.mutable_plan()->set_title("富山県地域産業クラスター計画（改訂）");
    req.mutable_update_mask()->add_paths("title");
    grpc::ClientContext ctx;
    PrepareCall(&ctx, toyama, absl::Seconds(10));
    Plan updated;
    ASSERT_TRUE(stub_->UpdatePlan(&ctx, req, &updated).ok());
    const std::string version = absl::StrCat(updated.version(), " ");
    ASSERT_TRUE(WaitFor([&] {
      return absl::StartsWith(redis_->Cli("HGET rfs:kpi:versions " + plan_id), version);
    })) << redis_->Cli("HGET rfs:kpi:versions " + plan_id);
  }
  replicas[second].Stop();
}

TEST_F(CrashTest, BadKpiSettingsStopTheBinaryWithAMessage) {
  const std::vector<BadSetting> cases = {
      {{"--registry_address", ""}, "--registry_address"},
      {{"--h1_report_due", "02-29"}, "--h1_report_due"},
      {{"--h2_report_due", "4-30"}, "--h2_report_due"},
      {{"--h2_report_due", "03-15"}, "--h2_report_due"},  // before H2 ends
      {{"--at_risk_threshold", "0.99"}, "--at_risk_threshold"},
      {{"--on_track_threshold", "1.5"}, "--on_track_threshold"},
      {{"--plan_sync_interval_s", "0"}, "--plan_sync_interval_s"},
      {{"--plan_sync_interval_s", "20", "--lease_ttl_s", "30"}, "--lease_ttl_s"},
      {{"--report_notice_days", "0"}, "--report_notice_days"},
      {{"--request_id_ttl_hours", "0"}, "--request_id_ttl_hours"},
  };
  ExpectRefused("kpi/rfs-kpi", cases);
}

}  // namespace
}  // namespace rfs::testing
