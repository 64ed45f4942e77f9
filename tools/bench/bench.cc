// rfs-bench: closed-loop load on one server with one client, for every scenario at the same
// concurrency, so that each RPC is measured as a ratio to grpc.health.v1.Health/Check on the
// same server in the same run (DESIGN.md, "Performance: how it is measured").
//
// Each of --concurrency callers keeps one call in flight (callback API, generic stub, requests
// serialized once). Errors are counted twice: by the client from the status it receives, and
// from the server's own grpc_server_handled_total (a gRPC error is still HTTP 200). Redis round
// trips per call come from the server's rfs_redis_round_trips_total.
//
//   rfs-bench --target 127.0.0.1:50051 --metrics_port 9101 --token T --plan plans/A-00001
//             --create_file data/samples/x.json [--concurrency 32] [--seconds 5] [--json out]
//             [--requirements_target 127.0.0.1:50052 --requirements_metrics_port 9102
//              --check_plan plans/A-00001 --check_file data/samples/x.json]
//             [--kpi_target 127.0.0.1:50053 --kpi_metrics_port 9103 --kpi_token T
//              --kpi_plan plans/B-00004 --kpi_indicator kgi-capex]
// Scenarios of rfs-requirements are measured against Health/Check on rfs-requirements, those of
// rfs-kpi against Health/Check on rfs-kpi. At scale (run.sh loads plans with rfs-kpi-loader and
// runs rfs-bench again with --phase), --kpi_pid and the --kpi_loaded_* figures add the Redis
// memory per measurement and rfs-kpi's resident memory to the table and the JSON.
#include <algorithm>
#include <cmath>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <tuple>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/domain/fiscal.h"
#include "common/kit/client.h"
#include "common/kit/config.h"
#include "common/kit/health_client.h"
#include "common/kit/http_get.h"
#include "nlohmann/json.hpp"
#include "rfs/kpi/v1/kpi.pb.h"
#include "rfs/registry/v1/registry.pb.h"
#include "rfs/requirements/v1/requirements.pb.h"
#include "tools/bench/runner.h"
#include "tools/bench/watch_fanout.h"
#include "tools/bench/webhook_throughput.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Server address");
ABSL_FLAG(int, metrics_port, 9101, "Server's metrics port (server-side error and Redis counts)");
ABSL_FLAG(std::string, token, "", "Bearer token for the registry RPCs");
ABSL_FLAG(std::string, plan, "plans/A-00001", "GetPlan: the plan to read");
ABSL_FLAG(std::string, create_file, "", "CreatePlan: plan JSON to create repeatedly");
ABSL_FLAG(std::string, create_small_file, "", "CreatePlan (small): a smaller plan, to show the cost's dependence on size");
ABSL_FLAG(int, rounds, 3, "Rounds over all scenarios; each figure is the median over rounds");
ABSL_FLAG(int, concurrency, 32, "Calls in flight");
ABSL_FLAG(int, channels, 2, "Client connections the calls are spread over");
ABSL_FLAG(double, seconds, 5, "Measured seconds per scenario");
ABSL_FLAG(double, warmup_seconds, 1, "Unmeasured seconds before each scenario");
ABSL_FLAG(std::string, json, "", "Write the results here as JSON");
ABSL_FLAG(std::string, requirements_target, "", "rfs-requirements address (empty: its scenarios are skipped)");
ABSL_FLAG(int, requirements_metrics_port, 9102, "rfs-requirements' metrics port");
ABSL_FLAG(std::string, check_plan, "", "CheckPlan (cached): a registered plan to check repeatedly");
ABSL_FLAG(std::string, check_file, "", "CheckPlan (uncached): plan JSON checked inline (a dry run, never cached)");
ABSL_FLAG(std::string, miss_file, "", "CheckPlan (registered, not cached): plan JSON registered --miss_plans times; each call checks a plan never checked before");
ABSL_FLAG(int, miss_plans, 20000, "How many plans the cache-miss scenario registers (more than it checks)");
ABSL_FLAG(std::string, kpi_target, "", "rfs-kpi address (empty: its scenarios are skipped)");
ABSL_FLAG(int, kpi_metrics_port, 9103, "rfs-kpi's metrics port");
ABSL_FLAG(std::string, kpi_token, "", "RecordMeasurement: bearer token of an author of --kpi_plan (empty: the scenario is skipped)");
ABSL_FLAG(std::string, kpi_plan, "", "RecordMeasurement and GetProgress: the plan, or plans separated by commas (writes go round them; GetProgress reads the first); empty: both are skipped");
ABSL_FLAG(std::string, kpi_indicator, "kgi-capex", "RecordMeasurement: the indicator of --kpi_plan whose value of the current half year is corrected by every call");
ABSL_FLAG(std::string, notification_target, "", "rfs-notification address (empty: its scenarios are skipped)");
ABSL_FLAG(int, notification_metrics_port, 9104, "rfs-notification's metrics port");
ABSL_FLAG(std::string, notification_token, "", "PublishEvents: a bearer token of the service role (empty: publishing and the fan-out are skipped)");
ABSL_FLAG(int, notification_pid, 0, "rfs-notification's process id: its resident memory per watch stream is reported");
ABSL_FLAG(int, watch_streams, 1000, "WatchEvents fan-out: streams open at once (0: skipped)");
ABSL_FLAG(int, watch_events, 200, "WatchEvents fan-out: events published, one a call");
ABSL_FLAG(int, webhook_subscriptions, 4, "Webhook deliveries: subscriptions of the local receiver (0: skipped)");
ABSL_FLAG(int, webhook_events, 500, "Webhook deliveries: events published (each delivered to every subscription)");
ABSL_FLAG(int, watch_interval_ms, 20, "WatchEvents fan-out: time between two events (20 ms: 50 events/s, 50,000 deliveries/s to 1,000 streams)");
ABSL_FLAG(std::string, phase, "", "Appended to every row's label and kept in the JSON, e.g. \"10000 plans\" for the run at scale");
ABSL_FLAG(int, kpi_pid, 0, "rfs-kpi's process id: its resident memory (VmRSS, VmHWM) is reported after the scenarios");
ABSL_FLAG(int64_t, kpi_loaded_plans, 0, "Plans rfs-kpi-loader wrote (reported)");
ABSL_FLAG(int64_t, kpi_loaded_measurements, 0, "Measurements rfs-kpi-loader wrote (reported)");
ABSL_FLAG(double, kpi_redis_bytes, 0, "Growth of Redis' used_memory while rfs-kpi-loader wrote (reported, and per measurement)");
ABSL_FLAG(std::string, scenarios, "health,get,list,create,create_small,req_health,check_cached,check_uncached,check_miss,kpi_health,kpi_record,kpi_progress,kpi_aggregate,ntf_health,ntf_publish,ntf_publish10", "Scenarios to run, in order, in each round");
ABSL_FLAG(std::string, quiet_baseline, "", "JSON file with the Health/Check req/s of the last trusted run on this machine: a run far below it is not trusted; a run passing these checks updates it");
ABSL_FLAG(double, max_round_spread, 0.15, "Rounds of Health/Check whose median absolute deviation exceeds this share of their median make the run untrusted (one disturbed round does not: the median ignores it)");
ABSL_FLAG(double, redis_get_ops, 0, "Redis GET ops/s measured by redis-benchmark (reported)");
ABSL_FLAG(double, redis_set_ops, 0, "Redis SET ops/s measured by redis-benchmark (reported)");

namespace rfs::bench {
namespace {

// The servers, scenarios, results and the load generator: runner.h.

// What the steps of a run share: the scenarios, the runner that measures them, the results
// (each the median of its rounds), each server's Health/Check and the JSON being built.
struct BenchRun {
  const std::string phase = absl::GetFlag(FLAGS_phase);
  std::vector<Scenario> all;
  std::unique_ptr<Runner> runner;  // made once every scenario is known
  std::vector<Result> results;
  double base[kServers] = {};  // Health/Check of each server
  nlohmann::json out = nlohmann::json::object();
  bool all_met = true;
};

// Reads the plan JSON in `file` into `plan`; false, said on stderr, when it cannot.
bool ReadPlanJson(const std::string& file, v1::Plan* plan) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  if (!google::protobuf::util::JsonStringToMessage(text.str(), plan).ok()) {
    std::fprintf(stderr, "rfs-bench: cannot read %s\n", file.c_str());
    return false;
  }
  return true;
}

// Health/Check on `server`: what the ratios of that server's scenarios are to.
void AddHealth(BenchRun& run, const char* key, const char* label, Server server) {
  Scenario s{key, label, kHealthCheckMethod, server};
  grpc::ByteBuffer req = EncodeHealthCheckRequest("");
  s.request = [req](uint64_t) { return req; };
  run.all.push_back(s);
}

void AddGetPlan(BenchRun& run) {
  v1::GetPlanRequest get;
  get.set_name(absl::GetFlag(FLAGS_plan));
  Scenario s{"get", "GetPlan", "/rfs.registry.v1.PlanRegistry/GetPlan"};
  grpc::ByteBuffer req = ToBuffer(get.SerializeAsString());
  s.request = [req](uint64_t) { return req; };
  s.min_ratio = 0.5;
  s.max_p99_ms = 5;
  s.max_round_trips = 1;
  run.all.push_back(s);
}

void AddListPlans(BenchRun& run) {
  v1::ListPlansRequest list;
  Scenario s{"list", "ListPlans", "/rfs.registry.v1.PlanRegistry/ListPlans"};
  grpc::ByteBuffer req = ToBuffer(list.SerializeAsString());
  s.request = [req](uint64_t) { return req; };
  run.all.push_back(s);
}

// CreatePlan of the plan in `file`; false when the file cannot be read.
bool AddCreatePlan(BenchRun& run, const char* key, const char* label, const std::string& file) {
  v1::CreatePlanRequest create;
  if (!ReadPlanJson(file, create.mutable_plan())) return false;
  // The plan is serialized once; each call appends its own request_id (field 2).
  const std::string plan_part = create.SerializeAsString();
  const std::string run_id = absl::StrCat(key, absl::ToUnixNanos(absl::Now()));
  Scenario s{key, label, "/rfs.registry.v1.PlanRegistry/CreatePlan"};
  s.request = [plan_part, run_id](uint64_t n) {
    v1::CreatePlanRequest id_only;
    id_only.set_request_id(absl::StrCat("bench-", run_id, "-", n));
    return ToBuffer(plan_part + id_only.SerializeAsString());
  };
  if (std::string(key) == "create") s.min_ratio = 0.25;
  run.all.push_back(s);
  return true;
}

// rfs-registry's scenarios; false when a plan file cannot be read.
bool AddRegistryScenarios(BenchRun& run) {
  AddHealth(run, "health", "Health/Check", kRegistry);
  AddGetPlan(run);
  AddListPlans(run);
  const std::tuple<const char*, const char*, std::string> creates[] = {
      {"create", "CreatePlan", absl::GetFlag(FLAGS_create_file)},
      {"create_small", "CreatePlan small", absl::GetFlag(FLAGS_create_small_file)}};
  for (const auto& [key, label, file] : creates) {
    if (file.empty()) continue;
    if (!AddCreatePlan(run, key, label, file)) return false;
  }
  return true;
}

void AddCheckCached(BenchRun& run) {
  requirements::v1::CheckPlanRequest check;
  check.set_name(absl::GetFlag(FLAGS_check_plan));
  Scenario s{"check_cached", "CheckPlan cached", "/rfs.requirements.v1.RequirementCheck/CheckPlan",
             kRequirements};
  grpc::ByteBuffer buffer = ToBuffer(check.SerializeAsString());
  s.request = [buffer](uint64_t) { return buffer; };
  s.min_ratio = 0.5;
  run.all.push_back(s);
}

// CheckPlan of the plan in --check_file, inline; false when the file cannot be read.
bool AddCheckUncached(BenchRun& run) {
  requirements::v1::CheckPlanRequest check;
  if (!ReadPlanJson(absl::GetFlag(FLAGS_check_file), check.mutable_plan())) return false;
  Scenario s{"check_uncached", "CheckPlan uncached", "/rfs.requirements.v1.RequirementCheck/CheckPlan",
             kRequirements};
  grpc::ByteBuffer buffer = ToBuffer(check.SerializeAsString());
  s.request = [buffer](uint64_t) { return buffer; };
  s.min_ratio = 0.2;
  run.all.push_back(s);
  return true;
}

// rfs-requirements' scenarios (but the cache miss, which needs the runner); false when a plan
// file cannot be read.
bool AddRequirementsScenarios(BenchRun& run) {
  if (absl::GetFlag(FLAGS_requirements_target).empty()) return true;
  AddHealth(run, "req_health", "Health/Check (requirements)", kRequirements);
  if (!absl::GetFlag(FLAGS_check_plan).empty()) AddCheckCached(run);
  if (!absl::GetFlag(FLAGS_check_file).empty() && !AddCheckUncached(run)) return false;
  return true;
}

void AddKpiRecord(BenchRun& run, const std::vector<std::string>& plans,
                  const common::v1::FiscalPeriod& now) {
  // A correction of the current half year's value every call: a value never sent before
  // and no request_id, so each call writes (the half year now is always open for reports).
  // Calls go round the plans: writes of one plan take turns, as authors of different plans
  // do not.
  std::vector<std::string> fixed;
  for (const std::string& p : plans) {
    kpi::v1::RecordMeasurementRequest record;
    record.set_plan(p);
    record.set_indicator_id(absl::GetFlag(FLAGS_kpi_indicator));
    *record.mutable_period() = now;
    record.set_source("rfs-bench");
    record.set_note("bench: correction");
    fixed.push_back(record.SerializeAsString());
  }
  const int64_t base = absl::ToUnixSeconds(absl::Now()) * 1000;
  Scenario s{"kpi_record",
             plans.size() > 1 ? absl::StrCat("RecordMeasurement (", plans.size(), " plans)")
                              : std::string("RecordMeasurement"),
             "/rfs.kpi.v1.KpiTracking/RecordMeasurement", kKpi};
  s.request = [fixed, base](uint64_t n) {
    kpi::v1::RecordMeasurementRequest value_only;
    value_only.set_value(base + static_cast<int64_t>(n));
    return ToBuffer(fixed[n % fixed.size()] + value_only.SerializeAsString());
  };
  s.token = absl::GetFlag(FLAGS_kpi_token);
  s.min_ratio = 0.35;
  run.all.push_back(s);
}

void AddKpiProgress(BenchRun& run, const std::string& plan) {
  kpi::v1::GetProgressRequest progress;
  progress.set_plan(plan);
  Scenario s{"kpi_progress", "GetProgress", "/rfs.kpi.v1.KpiTracking/GetProgress", kKpi};
  grpc::ByteBuffer buffer = ToBuffer(progress.SerializeAsString());
  s.request = [buffer](uint64_t) { return buffer; };
  s.min_ratio = 0.5;
  run.all.push_back(s);
}

void AddKpiAggregate(BenchRun& run, const common::v1::FiscalPeriod& now) {
  kpi::v1::AggregateKgiRequest aggregate;
  aggregate.set_fiscal_year(now.fiscal_year());
  Scenario s{"kpi_aggregate", absl::StrCat("AggregateKgi FY", now.fiscal_year()),
             "/rfs.kpi.v1.KpiTracking/AggregateKgi", kKpi};
  grpc::ByteBuffer buffer = ToBuffer(aggregate.SerializeAsString());
  s.request = [buffer](uint64_t) { return buffer; };
  s.max_p99_ms = 5;
  run.all.push_back(s);
}

// rfs-kpi's scenarios.
void AddKpiScenarios(BenchRun& run) {
  if (absl::GetFlag(FLAGS_kpi_target).empty()) return;
  AddHealth(run, "kpi_health", "Health/Check (kpi)", kKpi);
  // --kpi_plan: one plan, or several separated by commas; GetProgress reads the first.
  const std::vector<std::string> plans =
      absl::StrSplit(absl::GetFlag(FLAGS_kpi_plan), ',', absl::SkipEmpty());
  const std::string plan = plans.empty() ? std::string() : plans.front();
  const common::v1::FiscalPeriod now = CurrentHalf();
  if (!plan.empty() && !absl::GetFlag(FLAGS_kpi_token).empty()) AddKpiRecord(run, plans, now);
  if (!plan.empty()) AddKpiProgress(run, plan);
  AddKpiAggregate(run, now);
}

// rfs-notification's scenarios: Health/Check, and PublishEvents of one new event a call (the
// target: a relay or an agency publishing as things happen) and of 10 (a relay catching up:
// the events per second of a batch). Each call's ids are new, so every call appends.
void AddPublish(BenchRun& run, const std::string& key, int events, double min_ratio) {
  Scenario s{key, absl::StrCat("PublishEvents (", events, events == 1 ? " event)" : " events)"),
             "/rfs.notification.v1.Notification/PublishEvents", kNotification};
  const std::string run_id = absl::StrCat(absl::ToUnixNanos(absl::Now()));
  auto counter = std::make_shared<std::atomic<uint64_t>>(0);
  s.request = [run_id, counter, events](uint64_t) {
    const uint64_t call = counter->fetch_add(1);
    notification::v1::PublishEventsRequest req;
    for (int i = 0; i < events; ++i) {
      *req.add_events() = BenchEvent(absl::StrCat("bench/", run_id, "/", call, "/", i),
                                     "kpi.measurement_recorded", absl::Now());
    }
    return ToBuffer(req.SerializeAsString());
  };
  s.token = absl::GetFlag(FLAGS_notification_token);
  s.min_ratio = min_ratio;
  run.all.push_back(s);
}

void AddNotificationScenarios(BenchRun& run) {
  if (absl::GetFlag(FLAGS_notification_target).empty()) return;
  AddHealth(run, "ntf_health", "Health/Check (notification)", kNotification);
  if (absl::GetFlag(FLAGS_notification_token).empty()) return;
  AddPublish(run, "ntf_publish", 1, 0.35);
  AddPublish(run, "ntf_publish10", 10, 0);
}

// One call of each rfs-kpi scenario first: a refusal (a token that is not the plan's
// author's, a plan or indicator that does not exist) is said plainly here, rather than only
// as a count of errors in the table.
void CallKpiScenariosOnce(BenchRun& run) {
  for (const Scenario& s : run.all) {
    if (s.server != kKpi || s.key == "kpi_health" ||
        !absl::StrContains(absl::GetFlag(FLAGS_scenarios), s.key)) {
      continue;
    }
    grpc::ByteBuffer response;
    const grpc::Status status = run.runner->CallOnce(s, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "rfs-bench: %s fails: code %d: %s\n", s.label.c_str(),
                   static_cast<int>(status.error_code()), status.error_message().c_str());
    }
  }
}

// CheckPlan of registered plans never checked before (--miss_plans copies of --miss_file,
// registered first); false when the file cannot be read.
bool AddCheckMiss(BenchRun& run) {
  v1::Plan plan;
  if (!ReadPlanJson(absl::GetFlag(FLAGS_miss_file), &plan)) return false;
  const int count = absl::GetFlag(FLAGS_miss_plans);
  std::printf("registering %d plans for the cache-miss CheckPlan scenario...\n", count);
  auto names = std::make_shared<std::vector<std::string>>(run.runner->Register(plan, count));
  // Each call checks the next plan: never checked before, so never cached, while there are
  // plans left (the table says when there were not).
  auto next = std::make_shared<std::atomic<size_t>>(0);
  Scenario s{"check_miss", "CheckPlan registered, miss", "/rfs.requirements.v1.RequirementCheck/CheckPlan",
             kRequirements};
  s.request = [names, next](uint64_t) {
    requirements::v1::CheckPlanRequest check;
    const size_t i = next->fetch_add(1);
    check.set_name((*names)[i % names->size()]);
    return ToBuffer(check.SerializeAsString());
  };
  s.min_ratio = 0.2;
  if (!names->empty()) run.all.push_back(s);
  return true;
}

// One scenario's figure over its rounds: the median of each, with errors summed.
Result MedianOf(const std::vector<Result>& runs) {
  auto median = [&](auto field) {
    std::vector<double> v;
    for (const Result& r : runs) v.push_back(field(r));
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  Result m = runs.front();
  m.rps = median([](const Result& r) { return r.rps; });
  std::vector<double> deviations;
  for (const Result& r : runs) deviations.push_back(std::abs(r.rps - m.rps));
  std::sort(deviations.begin(), deviations.end());
  m.spread = m.rps > 0 ? deviations[deviations.size() / 2] / m.rps : 0;
  m.p50_ms = median([](const Result& r) { return r.p50_ms; });
  m.p99_ms = median([](const Result& r) { return r.p99_ms; });
  m.round_trips_per_call = median([](const Result& r) { return r.round_trips_per_call; });
  m.calls = m.client_errors = m.server_errors = 0;
  m.error_codes.clear();
  for (const Result& r : runs) {  // errors are summed, never medianed away
    m.calls += r.calls;
    m.client_errors += r.client_errors;
    m.server_errors += r.server_errors;
    for (const auto& [code, n] : r.error_codes) m.error_codes[code] += n;
  }
  return m;
}

// Runs the scenarios, keeps each one's median in `run.results` and each server's Health/Check
// in `run.base`.
void RunRounds(BenchRun& run) {
  // Scenarios interleaved over rounds, so a disturbance of the machine hits all alike; each
  // figure is the median of its rounds.
  std::map<std::string, std::vector<Result>> by_key;
  std::vector<std::string> order;
  for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
    for (absl::string_view key : absl::StrSplit(absl::GetFlag(FLAGS_scenarios), ',')) {
      for (const Scenario& s : run.all) {
        if (s.key != key || !run.runner->Serves(s.server)) continue;
        if (round == 0) order.push_back(s.key);
        by_key[s.key].push_back(run.runner->Run(s));
      }
    }
  }
  for (const std::string& key : order) run.results.push_back(MedianOf(by_key[key]));
  for (const Result& r : run.results) {
    if (r.key == "health") run.base[kRegistry] = r.rps;
    if (r.key == "req_health") run.base[kRequirements] = r.rps;
    if (r.key == "kpi_health") run.base[kKpi] = r.rps;
    if (r.key == "ntf_health") run.base[kNotification] = r.rps;
  }
}

// One row of the table and of the JSON: the result, its ratio and its targets, met or not.
void ReportRow(BenchRun& run, const Result& r) {
  const Scenario* s = nullptr;
  for (const Scenario& sc : run.all) {
    if (sc.key == r.key) s = &sc;
  }
  const double ratio = run.base[r.server] > 0 ? r.rps / run.base[r.server] : 0;
  std::string target;
  bool met = r.client_errors == 0 && r.server_errors == 0;
  auto also = [&target](const std::string& part) {
    target += target.empty() ? part : ", " + part;
  };
  if (s->min_ratio > 0) {
    met &= ratio >= s->min_ratio;
    also(absl::StrFormat("ratio ≥ %.2f", s->min_ratio));
  }
  if (s->max_p99_ms > 0) {
    met &= r.p99_ms <= s->max_p99_ms;
    also(absl::StrFormat("p99 ≤ %.0f ms", s->max_p99_ms));
  }
  if (s->max_round_trips > 0) {
    met &= r.round_trips_per_call >= 0 && r.round_trips_per_call <= s->max_round_trips + 1e-9;
    also(absl::StrFormat("≤ %.0f redis round trip", s->max_round_trips));
  }
  if (!target.empty()) {
    target += met ? "  MET" : "  NOT MET";
    run.all_met &= met;
  }
  const std::string trips =
      r.round_trips_per_call < 0 ? "-" : absl::StrFormat("%.2f", r.round_trips_per_call);
  std::printf("%-34s %10.0f %8.3f %8.3f %7.3f %8llu %8llu %9s  %s\n", r.label.c_str(), r.rps,
              r.p50_ms, r.p99_ms, ratio, static_cast<unsigned long long>(r.client_errors),
              static_cast<unsigned long long>(r.server_errors), trips.c_str(), target.c_str());
  nlohmann::json row = {{"rpc", r.label},
                        {"server", kServerNames[r.server]},
                        {"requests_per_s", r.rps},
                        {"p50_ms", r.p50_ms},
                        {"p99_ms", r.p99_ms},
                        {"ratio_to_health_check", ratio},
                        {"calls", r.calls},
                        {"client_errors", r.client_errors},
                        {"server_errors", r.server_errors},
                        {"error_codes", r.error_codes},
                        {"redis_round_trips_per_call", r.round_trips_per_call},
                        {"target", target}};
  if (!run.phase.empty()) row["phase"] = run.phase;
  run.out["results"].push_back(row);
}

// The table of results, and the run's settings and rows in the JSON.
void ReportResults(BenchRun& run) {
  std::printf(
      "\nrfs bench: %d calls in flight, %d connection(s), %.0f s per scenario, median of %d "
      "interleaved rounds\n",
      absl::GetFlag(FLAGS_concurrency), absl::GetFlag(FLAGS_channels),
      absl::GetFlag(FLAGS_seconds), absl::GetFlag(FLAGS_rounds));
  if (!run.phase.empty()) std::printf("phase: %s\n", run.phase.c_str());
  std::printf("%-34s %10s %8s %8s %7s %8s %8s %9s  %s\n", "RPC", "req/s", "p50 ms", "p99 ms",
              "ratio", "errors", "srv err", "redis/rpc", "target");
  run.out["concurrency"] = absl::GetFlag(FLAGS_concurrency);
  run.out["seconds"] = absl::GetFlag(FLAGS_seconds);
  run.out["rounds"] = absl::GetFlag(FLAGS_rounds);
  run.out["redis_limit"] = {{"get_ops_per_s", absl::GetFlag(FLAGS_redis_get_ops)},
                            {"set_ops_per_s", absl::GetFlag(FLAGS_redis_set_ops)}};
  for (const Result& r : run.results) ReportRow(run, r);
  if (absl::GetFlag(FLAGS_redis_get_ops) > 0) {
    std::printf("Redis limit (redis-benchmark, same Redis): GET %.0f ops/s, SET %.0f ops/s\n",
                absl::GetFlag(FLAGS_redis_get_ops), absl::GetFlag(FLAGS_redis_set_ops));
  }
}

// What rfs-kpi answers at this size: the plans the aggregates count, and the plan read.
void ReportKpiAnswers(BenchRun& run, nlohmann::json& scale) {
  for (const Scenario& s : run.all) {
    if (s.key != "kpi_aggregate" && s.key != "kpi_progress") continue;
    grpc::ByteBuffer response;
    const grpc::Status status = run.runner->CallOnce(s, &response);
    grpc::Slice slice;
    if (!status.ok() || !response.DumpToSingleSlice(&slice).ok()) {
      std::printf("  %s: failed: %s\n", s.label.c_str(), status.error_message().c_str());
      continue;
    }
    if (s.key == "kpi_aggregate") {
      kpi::v1::AggregateKgiResponse a;
      if (!a.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) continue;
      std::printf("  %s counts %d plans outside the Tokyo area, %d KPIs (%d achieved)\n",
                  s.label.c_str(), a.plans(), a.kpis(), a.kpis_achieved());
      scale["aggregate_plans_counted"] = a.plans();
      scale["aggregate_kpis_counted"] = a.kpis();
    } else {
      kpi::v1::PlanProgress p;
      if (!p.ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) continue;
      int measurements = 0;
      for (const auto& i : p.indicators()) measurements += i.measurements();
      std::printf("  %s of %s: %d indicators, %d measurements (%zu bytes)\n",
                  s.label.c_str(), p.plan().c_str(), p.indicators_size(), measurements,
                  slice.size());
      scale["progress_plan"] = p.plan();
      scale["progress_measurements"] = measurements;
      scale["progress_response_bytes"] = slice.size();
    }
  }
}

// rfs-kpi's size: what the loader wrote, the Redis memory it took, the service's memory, and
// what the service counts (the aggregates and one loaded plan, read after the scenarios).
void ReportKpiScale(BenchRun& run) {
  const int64_t loaded_plans = absl::GetFlag(FLAGS_kpi_loaded_plans);
  const int64_t loaded_measurements = absl::GetFlag(FLAGS_kpi_loaded_measurements);
  const double redis_bytes = absl::GetFlag(FLAGS_kpi_redis_bytes);
  const int kpi_pid = absl::GetFlag(FLAGS_kpi_pid);
  if (!(run.runner->Serves(kKpi) && (loaded_plans > 0 || kpi_pid > 0))) return;
  nlohmann::json scale = nlohmann::json::object();
  if (loaded_plans > 0) {
    std::printf("rfs-kpi at scale: %lld plans, %lld measurements loaded (rfs-kpi-loader)\n",
                static_cast<long long>(loaded_plans),
                static_cast<long long>(loaded_measurements));
    scale["plans"] = loaded_plans;
    scale["measurements"] = loaded_measurements;
  }
  if (loaded_measurements > 0 && redis_bytes > 0) {
    const double per = redis_bytes / static_cast<double>(loaded_measurements);
    std::printf(
        "  Redis memory per measurement: %.0f bytes (used_memory +%.1f MiB; measurements, "
        "histories, snapshots, contributions, aggregates and indexes)\n",
        per, redis_bytes / (1 << 20));
    scale["redis_used_memory_delta_bytes"] = redis_bytes;
    scale["redis_bytes_per_measurement"] = per;
  }
  if (kpi_pid > 0) {
    const auto [rss, peak] = ResidentKib(kpi_pid);
    std::printf("  rfs-kpi resident memory: %.1f MiB (VmRSS; peak VmHWM %.1f MiB)\n",
                rss / 1024.0, peak / 1024.0);
    scale["kpi_rss_kib"] = rss;
    scale["kpi_rss_peak_kib"] = peak;
  }
  ReportKpiAnswers(run, scale);
  run.out["kpi_scale"] = scale;
}

// WatchEvents fan-out (watch_fanout.h): publish-to-delivery p99 ≤ 100 ms to --watch_streams
// streams, and the server's memory per stream.
void ReportWatchFanout(BenchRun& run) {
  const std::string target = absl::GetFlag(FLAGS_notification_target);
  const std::string publisher = absl::GetFlag(FLAGS_notification_token);
  const int streams = absl::GetFlag(FLAGS_watch_streams);
  if (target.empty() || publisher.empty() || streams <= 0) return;
  const int pid = absl::GetFlag(FLAGS_notification_pid);
  const FanoutResult f = MeasureWatchFanout(
      target, absl::GetFlag(FLAGS_token), publisher, streams, absl::GetFlag(FLAGS_watch_events),
      absl::Milliseconds(absl::GetFlag(FLAGS_watch_interval_ms)), [pid] { return pid > 0 ? ResidentKib(pid).first : int64_t{0}; });
  const bool met = f.delivered == static_cast<int64_t>(f.streams) * f.events &&
                   f.failed_streams == 0 && f.p99_ms <= 100;
  run.all_met = run.all_met && met;
  std::printf(
      "WatchEvents fan-out: %d streams, %d events (one a call, %d ms apart): %lld of %lld "
      "deliveries, %d streams failed; publish-to-delivery p50 %.1f ms, p99 %.1f ms, max %.1f ms "
      "(target p99 <= 100 ms %s); %.0f deliveries/s; rfs-notification memory %.1f KiB per "
      "stream\n",
      f.streams, f.events, absl::GetFlag(FLAGS_watch_interval_ms),
      static_cast<long long>(f.delivered),
      static_cast<long long>(f.streams) * f.events, f.failed_streams, f.p50_ms, f.p99_ms,
      f.max_ms, met ? "MET" : "NOT MET", f.deliveries_per_s, f.rss_per_stream_kib);
  run.out["watch_fanout"] = {{"streams", f.streams},
                             {"interval_ms", absl::GetFlag(FLAGS_watch_interval_ms)},
                             {"events", f.events},
                             {"delivered", f.delivered},
                             {"failed_streams", f.failed_streams},
                             {"p50_ms", f.p50_ms},
                             {"p99_ms", f.p99_ms},
                             {"max_ms", f.max_ms},
                             {"deliveries_per_s", f.deliveries_per_s},
                             {"rss_kib_per_stream", f.rss_per_stream_kib},
                             {"target_met", met}};
}

// Webhook deliveries per second to a local receiver (webhook_throughput.h).
void ReportWebhooks(BenchRun& run) {
  const std::string target = absl::GetFlag(FLAGS_notification_target);
  const std::string publisher = absl::GetFlag(FLAGS_notification_token);
  const int subscriptions = absl::GetFlag(FLAGS_webhook_subscriptions);
  if (target.empty() || publisher.empty() || subscriptions <= 0) return;
  const WebhookResult w = MeasureWebhooks(target, absl::GetFlag(FLAGS_token), publisher,
                                          subscriptions, absl::GetFlag(FLAGS_webhook_events));
  if (!w.error.empty()) {
    std::printf("Webhook deliveries: not measured: %s\n", w.error.c_str());
    run.out["webhooks"] = {{"error", w.error}};
    return;
  }
  std::printf(
      "Webhook deliveries: %d subscriptions x %d events to a local receiver: %lld of %lld "
      "delivered, %.0f deliveries/s; publish-to-arrival p50 %.1f ms, p99 %.1f ms (the events "
      "published at once: queueing included)\n",
      w.subscriptions, w.events, static_cast<long long>(w.delivered),
      static_cast<long long>(w.subscriptions) * w.events, w.deliveries_per_s, w.p50_ms,
      w.p99_ms);
  run.out["webhooks"] = {{"subscriptions", w.subscriptions}, {"events", w.events},
                         {"delivered", w.delivered}, {"deliveries_per_s", w.deliveries_per_s},
                         {"p50_ms", w.p50_ms}, {"p99_ms", w.p99_ms}};
}

// Whether the run can be trusted: ratios move with the host's load, so a run whose bare gRPC
// limit is far below the last quiet run, or whose rounds disagree, is reported as such and
// its figures are not to be quoted.
void ReportTrust(BenchRun& run) {
  std::vector<std::string> untrusted;
  for (const Result& r : run.results) {
    if ((r.key == "health" || r.key == "req_health" || r.key == "kpi_health" ||
         r.key == "ntf_health") &&
        r.spread > absl::GetFlag(FLAGS_max_round_spread)) {
      untrusted.push_back(absl::StrFormat("%s rounds disagree (median deviation %.0f%% of the median)",
                                          r.label, r.spread * 100));
    }
  }
  const std::string baseline_path = absl::GetFlag(FLAGS_quiet_baseline);
  double quiet = 0;
  if (!baseline_path.empty()) {
    std::ifstream in(baseline_path);
    const nlohmann::json last = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (last.is_object() && last.contains("health_rps") && last["health_rps"].is_number()) {
      quiet = last["health_rps"].get<double>();
    }
  }
  if (quiet > 0 && run.base[kRegistry] < 0.7 * quiet) {
    untrusted.push_back(absl::StrFormat(
        "Health/Check %.0f req/s is far below the last quiet run's %.0f (a busy host)",
        run.base[kRegistry], quiet));
  }
  const bool trusted = untrusted.empty();
  if (trusted && !baseline_path.empty() && run.base[kRegistry] > 0.9 * quiet) {
    std::ofstream(baseline_path) << nlohmann::json{{"health_rps", run.base[kRegistry]}}.dump() << "\n";
  }
  run.out["trusted"] = trusted;
  run.out["untrusted_reasons"] = untrusted;
  // Not the run's verdict: run.sh gives it once the cross-check and the run at scale are done.
  std::printf("\n%s\n", trusted ? "rfs-bench's own checks pass: rounds agree and the bare gRPC "
                                  "limit is where a quiet run puts it."
                                : "rfs-bench's own checks fail:");
  for (const std::string& why : untrusted) std::printf("  - %s\n", why.c_str());
}

int Main(int argc, char** argv) {
  ParseFlagsWithEnv(argc, argv, "rfs-bench: load generator; see tools/bench/run.sh");
  BenchRun run;
  if (!AddRegistryScenarios(run) || !AddRequirementsScenarios(run)) return 2;
  AddKpiScenarios(run);
  AddNotificationScenarios(run);
  if (!run.phase.empty()) {
    for (Scenario& s : run.all) s.label = absl::StrCat(s.label, " (", run.phase, ")");
  }

  run.runner = std::make_unique<Runner>();
  CallKpiScenariosOnce(run);
  if (!absl::GetFlag(FLAGS_requirements_target).empty() && !absl::GetFlag(FLAGS_miss_file).empty() &&
      absl::StrContains(absl::GetFlag(FLAGS_scenarios), "check_miss") && !AddCheckMiss(run)) {
    return 2;
  }
  RunRounds(run);
  ReportResults(run);
  ReportKpiScale(run);
  ReportWatchFanout(run);
  ReportWebhooks(run);
  run.out["all_targets_met"] = run.all_met;
  ReportTrust(run);
  const std::string json_path = absl::GetFlag(FLAGS_json);
  if (!json_path.empty()) std::ofstream(json_path) << run.out.dump(2) << "\n";
  return 0;
}

}  // namespace
}  // namespace rfs::bench

int main(int argc, char** argv) { return rfs::bench::Main(argc, argv); }
