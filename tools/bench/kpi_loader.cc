// rfs-kpi-loader: fills rfs-kpi's Redis with synthetic published plans and their measurements,
// for `make bench` to measure rfs-kpi at scale (tools/bench/run.sh). It writes through the
// service's own store code (services/kpi/kpi_store.h, ledger.h), so the keys, the plan
// snapshots, the contributions and the national aggregates are exactly what rfs-kpi keeps:
//
//   per plan, in pipelines of --batch plans: HSET m:{id} of every measurement (no "#gen"), and
//   with --history the RPUSH of each measurement's history entries (as the service records
//   them: RECORDED, and VERIFIED for verified values); then one KpiStore::Apply with the plan
//   snapshot, plan version 1, "now" = the current half year (JST), and the difference from no
//   contributions to the plan's Contributions, at generation 0.
//
// Plans are named plans/{A|B|C}-{number} from --first (90001) on, far above the numbers the
// registry hands out in a bench run; they are not in the registry, so rfs-kpi's plan sync
// leaves them alone. Each plan: type A, B, C in turn; one prefecture of the reference data in
// turn (its block), which is also the lead author; one strategic field (two for every third
// plan); period FY2026–FY2030; the mandatory KGIs CAPEX, VALUE_ADDED and TALENT (CUMULATIVE,
// baseline FY2025 H2, a milestone at FY2028 H2, target FY2030 H2) and 7 KPIs; stage
// PUBLISHED. Measurements: every indicator for --per_plan / 10 half years from FY2026 H1
// (100: FY2026 H1..FY2030 H2), REPORTED (revision 1), and about two thirds of those before the
// current half year VERIFIED (revision 2). Values are deterministic.
//
//   rfs-kpi-loader --redis unix:///tmp/redis.sock [--plans 10000] [--per_plan 100]
//                  [--data_dir data] [--threads 4]
// Refuses to run when a plan it would write is already held (load into a fresh Redis, or pick
// another --first).
#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/time_util.h>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/base/status.h"
#include "common/domain/codes.h"
#include "common/domain/fiscal.h"
#include "common/domain/reference_data.h"
#include "common/kit/api.h"
#include "common/kit/config.h"
#include "common/redis/redis.h"
#include "services/kpi/kpi_store.h"
#include "services/kpi/ledger.h"
#include "services/kpi/progress.h"
#include "services/kpi/reporting.h"

// --redis and --data_dir are the shared flags of common/kit/config.cc.
ABSL_DECLARE_FLAG(std::string, redis);
ABSL_DECLARE_FLAG(std::string, data_dir);

ABSL_FLAG(int, plans, 10000, "Plans to write");
ABSL_FLAG(int, per_plan, 100, "Measurements per plan: 10 indicators x (per_plan / 10) half years from FY2026 H1; a multiple of 10, 10..100");
ABSL_FLAG(int, first, 90001, "Number of the first plan (plans/A-90001)");
ABSL_FLAG(int, batch, 100, "Plans per pipeline of measurement writes");
ABSL_FLAG(int, threads, 4, "Plans written in parallel (Redis fsyncs every write: parallel writers share the fsyncs)");
ABSL_FLAG(bool, history, true, "Also write each measurement's history entries, as the service keeps them");

namespace rfs::kpi {
namespace {

namespace reg = registry::v1;
using google::protobuf::util::TimeUtil;

constexpr int kIndicators = 10;
constexpr int kFirstYear = 2026;
constexpr int kLastYear = 2030;

// A deterministic spread of values (splitmix64).
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A factor in [lo, hi) from `key`.
double Spread(uint64_t key, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(Mix(key) % 10000) / 10000.0;
}

common::v1::FiscalPeriod Half(int fiscal_year, bool second) {
  common::v1::FiscalPeriod p;
  p.set_fiscal_year(fiscal_year);
  p.set_half(second ? common::v1::FISCAL_HALF_H2 : common::v1::FISCAL_HALF_H1);
  return p;
}

reg::PeriodValue PointAt(int fiscal_year, int64_t value) {
  reg::PeriodValue v;
  *v.mutable_period() = Half(fiscal_year, true);
  v.set_value(value);
  return v;
}

reg::Indicator MakeIndicator(const std::string& id, reg::IndicatorKind kind,
                             reg::MandatoryKgi kgi, const std::string& name,
                             reg::IndicatorUnit unit, reg::Aggregation aggregation,
                             int64_t baseline, int64_t target) {
  reg::Indicator i;
  i.set_id(id);
  i.set_kind(kind);
  i.set_mandatory_kgi(kgi);
  i.set_name(name);
  i.set_unit(unit);
  if (unit == reg::INDICATOR_UNIT_COUNT) i.set_unit_label("件");
  i.set_decimal_places(0);
  i.set_aggregation(aggregation);
  i.set_direction(reg::DIRECTION_INCREASE);
  *i.mutable_baseline() = PointAt(kFirstYear - 1, baseline);
  *i.mutable_milestones()->Add() =
      PointAt(2028, baseline + static_cast<int64_t>((target - baseline) * 0.55));
  *i.mutable_target() = PointAt(kLastYear, target);
  return i;
}

// The synthetic plan number `n` (index `i` from 0), as rfs-kpi keeps it.
reg::Plan MakePlan(int i, int n, const ReferenceData& reference) {
  const PrefectureInfo& pref = reference.prefectures()[i % reference.prefectures().size()];
  const auto& fields = reference.strategic_fields();
  reg::Plan p;
  const reg::PlanType type = i % 3 == 0 ? reg::PLAN_TYPE_A
                             : i % 3 == 1 ? reg::PLAN_TYPE_B
                                          : reg::PLAN_TYPE_C;
  p.set_type(type);
  p.set_name(absl::StrFormat("plans/%s-%05d", PlanTypeLetter(type), n));
  p.set_title(absl::StrCat("【ベンチ用・架空】", pref.name_ja, " 地域未来戦略 ", n));
  reg::Author* author = p.add_authors();
  author->set_local_government_code(pref.local_government_code);
  author->set_name(pref.name_ja);
  p.set_lead_author_code(pref.local_government_code);
  p.mutable_area()->set_block(pref.block);
  p.mutable_area()->add_prefecture_codes(pref.local_government_code);
  if (!fields.empty()) {
    p.add_strategic_fields(fields[(i / 3) % fields.size()].id);
    if (i % 3 == 2 && fields.size() > 1) {
      p.add_strategic_fields(fields[(i / 3 + 7) % fields.size()].id);
    }
  }
  p.mutable_period()->set_start_fiscal_year(kFirstYear);
  p.mutable_period()->set_end_fiscal_year(kLastYear);
  const uint64_t seed = static_cast<uint64_t>(n) * 131;
  const int64_t capex = static_cast<int64_t>(Spread(seed + 1, 5e9, 60e9));
  const int64_t value_added = static_cast<int64_t>(Spread(seed + 2, 2e9, 30e9));
  const int64_t talent = static_cast<int64_t>(Spread(seed + 3, 200, 3000));
  *p.add_indicators() = MakeIndicator("kgi-capex", reg::INDICATOR_KIND_MANDATORY_KGI,
                                      reg::MANDATORY_KGI_CAPEX, "官民設備投資額",
                                      reg::INDICATOR_UNIT_YEN, reg::AGGREGATION_CUMULATIVE, 0,
                                      capex);
  *p.add_indicators() = MakeIndicator("kgi-value-added", reg::INDICATOR_KIND_MANDATORY_KGI,
                                      reg::MANDATORY_KGI_VALUE_ADDED, "付加価値増加額",
                                      reg::INDICATOR_UNIT_YEN, reg::AGGREGATION_CUMULATIVE, 0,
                                      value_added);
  *p.add_indicators() = MakeIndicator("kgi-talent", reg::INDICATOR_KIND_MANDATORY_KGI,
                                      reg::MANDATORY_KGI_TALENT, "産業ニーズに即した人材育成数",
                                      reg::INDICATOR_UNIT_PERSONS, reg::AGGREGATION_CUMULATIVE,
                                      0, talent);
  for (int k = 1; k <= kIndicators - 3; ++k) {
    // Odd KPIs count up over the period (CUMULATIVE), even ones are levels.
    const bool cumulative = k % 2 == 1;
    const int64_t baseline = cumulative ? 0 : static_cast<int64_t>(Spread(seed + 10 + k, 5, 50));
    const int64_t target = baseline + static_cast<int64_t>(Spread(seed + 20 + k, 10, 120));
    *p.add_indicators() = MakeIndicator(
        absl::StrCat("kpi-", k), reg::INDICATOR_KIND_KPI, reg::MANDATORY_KGI_UNSPECIFIED,
        absl::StrCat("重点支援企業の取組件数 ", k), reg::INDICATOR_UNIT_COUNT,
        cumulative ? reg::AGGREGATION_CUMULATIVE : reg::AGGREGATION_LEVEL, baseline, target);
  }
  p.set_stage(reg::PLAN_STAGE_PUBLISHED);
  p.set_version(1);
  p.set_content_version(1);
  return SnapshotOf(p);
}

// A value of half `h` (0 = FY2026 H1) on roughly the indicator's path, some halves behind it
// and some ahead, so that the statuses spread.
int64_t ValueAt(const reg::Indicator& indicator, int n, int k, int h) {
  const int64_t baseline = indicator.baseline().value();
  const int64_t target = indicator.target().value();
  const double pace = Spread(static_cast<uint64_t>(n) * 7919 + k, 0.5, 1.3);
  const double jitter = Spread(static_cast<uint64_t>(n) * 104729 + k * 31 + h, 0.8, 1.2);
  const int halves = (kLastYear - kFirstYear + 1) * 2;
  if (indicator.aggregation() == reg::AGGREGATION_CUMULATIVE) {
    // The flow of one half: the rise of the path over one half year.
    return std::max<int64_t>(0, static_cast<int64_t>((target - baseline) * pace * jitter / halves));
  }
  const double level = baseline + (target - baseline) * pace * jitter * (h + 1) / halves;
  return std::max<int64_t>(0, static_cast<int64_t>(level));
}

struct PlanData {
  std::string id;
  reg::Plan plan;
  std::vector<v1::Measurement> measurements;
  std::vector<std::vector<v1::MeasurementChange>> histories;  // same order
};

PlanData MakePlanData(int i, int n, int halves, const ReferenceData& reference,
                      const common::v1::FiscalPeriod& now, absl::Time time) {
  PlanData d;
  d.plan = MakePlan(i, n, reference);
  d.id = d.plan.name().substr(std::string("plans/").size());
  const google::protobuf::Timestamp reported = TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(time - absl::Hours(24 * 30)));
  const google::protobuf::Timestamp reviewed =
      TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(time - absl::Hours(24 * 10)));
  for (int k = 0; k < d.plan.indicators_size(); ++k) {
    const reg::Indicator& indicator = d.plan.indicators(k);
    for (int h = 0; h < halves; ++h) {
      const common::v1::FiscalPeriod period = Half(kFirstYear + h / 2, h % 2 == 1);
      const int64_t value = ValueAt(indicator, n, k, h);
      v1::Measurement m;
      m.set_name(MeasurementName(d.id, indicator.id(), period));
      m.set_plan(d.plan.name());
      m.set_indicator_id(indicator.id());
      *m.mutable_period() = period;
      m.set_value(value);
      m.set_source("（架空）rfs-kpi-loader");
      m.set_state(v1::MEASUREMENT_STATE_REPORTED);
      m.set_reported_by(absl::StrCat("bench-", d.plan.lead_author_code()));
      *m.mutable_report_time() = reported;
      m.set_revision(1);
      m.set_etag(EtagOf(1));
      std::vector<v1::MeasurementChange> history(1);
      history[0].set_action(v1::MeasurementChange::ACTION_RECORDED);
      history[0].set_actor(m.reported_by());
      *history[0].mutable_time() = reported;
      history[0].set_new_value(value);
      history[0].set_revision(1);
      // About two thirds of the half years before the current one are verified.
      const bool past = HalfIndex(period) < HalfIndex(now);
      if (past && Mix(static_cast<uint64_t>(n) * 1000 + k * 10 + h) % 3 != 0) {
        m.set_state(v1::MEASUREMENT_STATE_VERIFIED);
        m.set_verified_value(value);
        m.set_reviewed_by(absl::StrCat("bench-bureau-", d.plan.area().block()));
        *m.mutable_review_time() = reviewed;
        m.set_revision(2);
        m.set_etag(EtagOf(2));
        v1::MeasurementChange& verified = history.emplace_back();
        verified.set_action(v1::MeasurementChange::ACTION_VERIFIED);
        verified.set_actor(m.reviewed_by());
        *verified.mutable_time() = reviewed;
        verified.set_new_value(value);
        verified.set_revision(2);
      }
      d.measurements.push_back(std::move(m));
      d.histories.push_back(std::move(history));
    }
  }
  return d;
}

struct Loader {
  KpiStore* store;
  RedisPool* pool;
  const ReferenceData* reference;
  common::v1::FiscalPeriod now;
  absl::Time time;
  int plans, first, halves, batch;
  bool history;

  std::atomic<int> next_batch{0};
  std::atomic<int> done{0};
  std::atomic<bool> failed{false};
  std::mutex print_mu;

  // Writes plans [begin, end).
  absl::Status WriteBatch(int begin, int end) {
    std::vector<PlanData> data;
    data.reserve(end - begin);
    for (int i = begin; i < end; ++i) {
      data.push_back(MakePlanData(i, first + i, halves, *reference, now, time));
    }
    // The measurements (and their histories) of the whole batch in one pipeline.
    std::deque<std::string> strings;  // stable addresses for the argument views
    auto keep = [&strings](std::string s) -> absl::string_view {
      strings.push_back(std::move(s));
      return strings.back();
    };
    std::vector<std::vector<absl::string_view>> commands;
    for (const PlanData& d : data) {
      std::vector<absl::string_view> hset = {"HSET", keep(store->Key(absl::StrCat("m:", d.id)))};
      for (size_t j = 0; j < d.measurements.size(); ++j) {
        const v1::Measurement& m = d.measurements[j];
        const std::string field = KpiStore::MeasurementField(m.indicator_id(), m.period());
        hset.push_back(keep(field));
        hset.push_back(keep(m.SerializeAsString()));
        if (!history) continue;
        std::vector<absl::string_view> rpush = {
            "RPUSH", keep(store->Key(absl::StrCat("h:", d.id, ":", field)))};
        for (const v1::MeasurementChange& c : d.histories[j]) {
          rpush.push_back(keep(c.SerializeAsString()));
        }
        commands.push_back(std::move(rpush));
      }
      commands.push_back(std::move(hset));
    }
    {
      ASSIGN_OR_RETURN(RedisLease lease, pool->Acquire());
      ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
      for (const RedisReplyPtr& r : replies) {
        if (r->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(r.get()));
      }
    }
    // Then each plan's snapshot, contributions and aggregates, as the service applies them.
    for (const PlanData& d : data) {
      PlanWrite write;
      write.expected_generation = 0;
      write.plan = d.plan;
      write.plan_version = 1;
      write.as_of = PeriodKey(now);
      write.difference = Difference({}, Contributions(d.plan, d.measurements, now, Thresholds{}));
      write.cells = CellDeltas(write.difference, TokyoAreaOf(*reference));
      ASSIGN_OR_RETURN(const bool applied, store->Apply(d.id, write));
      if (!applied) {
        return absl::AlreadyExistsError(
            absl::StrCat(d.plan.name(), " was written meanwhile by someone else"));
      }
    }
    return absl::OkStatus();
  }

  void Work() {
    const int batches = (plans + batch - 1) / batch;
    for (int b = next_batch.fetch_add(1); b < batches && !failed; b = next_batch.fetch_add(1)) {
      const int begin = b * batch;
      const int end = std::min(plans, begin + batch);
      const absl::Status written = WriteBatch(begin, end);
      if (!written.ok()) {
        std::lock_guard<std::mutex> lock(print_mu);
        if (!failed.exchange(true)) {
          std::fprintf(stderr, "rfs-kpi-loader: plans %d..%d: %s\n", first + begin,
                       first + end - 1, written.ToString().c_str());
        }
        return;
      }
      const int before = done.fetch_add(end - begin);
      const int after = before + (end - begin);
      if (before / 1000 != after / 1000 || after == plans) {
        std::lock_guard<std::mutex> lock(print_mu);
        std::printf("  %d plans written (%lld measurements)\n", after,
                    static_cast<long long>(after) * halves * kIndicators);
        std::fflush(stdout);
      }
    }
  }
};

int Main(int argc, char** argv) {
  ParseFlagsWithEnv(argc, argv,
                    "rfs-kpi-loader: writes synthetic plans and measurements into rfs-kpi's "
                    "Redis; see tools/bench/run.sh");
  const int plans = absl::GetFlag(FLAGS_plans);
  const int per_plan = absl::GetFlag(FLAGS_per_plan);
  const int first = absl::GetFlag(FLAGS_first);
  const int batch = absl::GetFlag(FLAGS_batch);
  const int threads = absl::GetFlag(FLAGS_threads);
  if (plans < 1 || plans > 1'000'000) {
    std::fprintf(stderr, "rfs-kpi-loader: --plans must be 1..1000000\n");
    return 2;
  }
  if (per_plan < 10 || per_plan > 100 || per_plan % 10 != 0) {
    std::fprintf(stderr,
                 "rfs-kpi-loader: --per_plan must be a multiple of 10 in 10..100 "
                 "(10 indicators x half years from FY2026 H1)\n");
    return 2;
  }
  if (first < 1 || batch < 1 || batch > 1000 || threads < 1 || threads > 64) {
    std::fprintf(stderr, "rfs-kpi-loader: --first >= 1, --batch 1..1000, --threads 1..64\n");
    return 2;
  }
  absl::StatusOr<std::unique_ptr<ReferenceData>> reference =
      ReferenceData::Load(absl::GetFlag(FLAGS_data_dir));
  if (!reference.ok()) {
    std::fprintf(stderr, "rfs-kpi-loader: %s\n", reference.status().ToString().c_str());
    return 2;
  }
  if ((*reference)->prefectures().empty()) {
    std::fprintf(stderr, "rfs-kpi-loader: no prefectures in --data_dir\n");
    return 2;
  }
  absl::StatusOr<RedisEndpoint> endpoint = ParseRedisUrl(absl::GetFlag(FLAGS_redis));
  if (!endpoint.ok()) {
    std::fprintf(stderr, "rfs-kpi-loader: --redis: %s\n", endpoint.status().ToString().c_str());
    return 2;
  }
  RedisOptions options;
  options.endpoint = *endpoint;
  options.pool_size = threads + 1;
  options.command_timeout = absl::Seconds(60);  // a pipeline of a whole batch, fsynced
  options.acquire_timeout = absl::Seconds(60);
  RedisPool pool(options);
  KpiStore store(&pool, nullptr);

  Loader loader;
  loader.store = &store;
  loader.pool = &pool;
  loader.reference = reference->get();
  loader.time = absl::Now();
  loader.now = FiscalPeriodOf(loader.time);
  loader.plans = plans;
  loader.first = first;
  loader.halves = per_plan / kIndicators;
  loader.batch = batch;
  loader.history = absl::GetFlag(FLAGS_history);

  // Refuse to write over plans already held: their aggregates would count twice.
  {
    std::vector<std::string> keys;
    keys.reserve(plans);
    for (int i = 0; i < plans; ++i) {
      const std::string id = MakePlan(i, first + i, **reference).name().substr(6);
      keys.push_back(store.Key(absl::StrCat("m:", id)));
    }
    std::vector<absl::string_view> exists = {"EXISTS"};
    for (const std::string& k : keys) exists.push_back(k);
    absl::StatusOr<RedisReplyPtr> reply = pool.Command(exists);
    if (!reply.ok()) {
      std::fprintf(stderr, "rfs-kpi-loader: %s\n", reply.status().ToString().c_str());
      return 1;
    }
    if ((*reply)->type != REDIS_REPLY_INTEGER) {
      std::fprintf(stderr, "rfs-kpi-loader: unexpected reply to EXISTS\n");
      return 1;
    }
    if ((*reply)->integer > 0) {
      std::fprintf(stderr,
                   "rfs-kpi-loader: %lld of these plans are already held; load into a fresh "
                   "Redis or give another --first\n",
                   static_cast<long long>((*reply)->integer));
      return 1;
    }
  }

  const int64_t measurements = int64_t{plans} * per_plan;
  std::printf("rfs-kpi-loader: %d plans x %d measurements (plans/A-%05d on, FY%d H1 on, now %s)\n",
              plans, per_plan, first, kFirstYear, PeriodKey(loader.now).c_str());
  std::fflush(stdout);
  const absl::Time start = absl::Now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) workers.emplace_back([&loader] { loader.Work(); });
  for (std::thread& w : workers) w.join();
  if (loader.failed) return 1;
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("rfs-kpi-loader: %d plans, %lld measurements written in %.1f s (%.0f measurements/s)\n",
              plans, static_cast<long long>(measurements), seconds,
              seconds > 0 ? measurements / seconds : 0.0);
  return 0;
}

}  // namespace
}  // namespace rfs::kpi

int main(int argc, char** argv) { return rfs::kpi::Main(argc, argv); }
