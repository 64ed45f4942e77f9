// KpiStore's scripts (lua/apply.lua, put_field.lua, check_quota.lua) against a real
// redis-server: each distinct reply of each script, as the store reads it, what an accepted
// write stores, that a refused write leaves nothing behind, and that unreadable stored data is
// an error.
#include "services/kpi/kpi_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/redis/redis.h"
#include "common/redis/write_quota.h"
#include "services/kpi/ledger.h"
#include "tests/support/plans.h"
#include "tests/support/process.h"
#include "tests/support/raw_redis.h"
#include "tests/support/redis_server.h"

namespace rfs::kpi {
namespace {

constexpr char kPlanId[] = "B-00001";
constexpr char kField[] = "kpi-1|2026-H1";  // MeasurementField of MeasurementOf's value
constexpr int64_t kSince = 1'700'000'000;

common::v1::Event EventOf(const std::string& id) {
  common::v1::Event event;
  event.set_id(id);
  event.set_type("kpi.test");
  event.set_plan("plans/B-00001");
  return event;
}

v1::Measurement MeasurementOf(int64_t value) {
  v1::Measurement m;
  m.set_name("plans/B-00001/indicators/kpi-1/measurements/2026-H1");
  m.set_plan("plans/B-00001");
  m.set_indicator_id("kpi-1");
  m.mutable_period()->set_fiscal_year(2026);
  m.mutable_period()->set_half(common::v1::FISCAL_HALF_H1);
  m.set_value(value);
  m.set_revision(1);
  return m;
}

registry::v1::Indicator IndicatorOf(const std::string& id) {
  registry::v1::Indicator indicator;
  indicator.set_id(id);
  indicator.set_name("指標 " + id);
  return indicator;
}

v1::StatusOverride OverrideOf(v1::ProgressStatus status) {
  v1::StatusOverride override;
  override.set_plan("plans/B-00001");
  override.set_indicator_id("kpi-1");
  override.set_status(status);
  override.set_reason("見直し中");
  return override;
}

v1::PeriodLock UnlockOf() {
  v1::PeriodLock lock;
  lock.set_plan("plans/B-00001");
  lock.mutable_period()->set_fiscal_year(2026);
  lock.mutable_period()->set_half(common::v1::FISCAL_HALF_H1);
  lock.set_unlocked_by("secretariat");
  lock.set_reason("訂正のため");
  return lock;
}

// The first write of plans/B-00001 by "clerk": its snapshot, a value with its history entry
// and event, two contributions moving cells of three buckets (one bucket shared), two
// indicators dropped, field writes to two hashes (one of them twice), a request id, 100 bytes
// and the time it became public.
PlanWrite FirstWrite(const KpiStore& store) {
  PlanWrite w;
  w.expected_generation = 0;
  w.plan = testing::PlanB();
  w.plan->set_name("plans/B-00001");
  w.plan->set_version(3);
  w.measurement = MeasurementOf(42);
  w.change.emplace();
  w.change->set_actor("clerk");
  w.change->set_new_value(42);
  w.change->set_revision(1);
  w.as_of = "2026-H1";
  w.request_key = store.RequestKey("clerk", "req-1");
  w.request_value = "plans/B-00001/indicators/kpi-1/measurements/2026-H1 fp-1";
  w.request_ttl_seconds = 3600;
  w.events = {EventOf("kpi/1")};
  w.cells = {CellDelta{"2026|a", 5, {{"2026", "a"}, {"2026:AI", "a|*"}}},
             CellDelta{"now|b", 2, {{"now", "b"}, {"2026", "b"}}}};
  w.removed = {IndicatorOf("kpi-old"), IndicatorOf("kpi-gone")};
  w.plan_version = 3;
  v1::PdcaCycle cycle;
  cycle.set_name("plans/B-00001/pdca/2026-H1");
  cycle.set_findings("順調");
  w.fields = {FieldWrite{"rep:2026-H1", "B-00001", "1|HOKURIKU"},
              FieldWrite{"pdca:B-00001", "2026-H1", cycle.SerializeAsString()},
              FieldWrite{"rep:2026-H1", "B-00002", "2|HOKURIKU"}};
  w.bytes = 100;
  w.subject = "clerk";
  w.public_since = absl::FromUnixSeconds(kSince);
  return w;
}

// The next write (at generation 1) by `subject`: takes back one contribution (its cells fall
// to 0), restores an indicator, deletes two fields, shrinks "#bytes" below 0, two events.
PlanWrite SecondWrite(const std::string& subject) {
  PlanWrite w;
  w.expected_generation = 1;
  w.as_of = "2026-H2";
  w.events = {EventOf("kpi/2"), EventOf("kpi/3")};
  w.cells = {CellDelta{"2026|a", -5, {{"2026", "a"}, {"2026:AI", "a|*"}}}};
  w.restored = {"kpi-old"};
  w.plan_version = 4;
  w.fields = {FieldWrite{"pdca:B-00001", "2026-H1", ""}, FieldWrite{"rep:2026-H1", "B-00002", ""}};
  w.bytes = -250;
  w.subject = subject;
  w.public_since = absl::FromUnixSeconds(kSince + 99);  // kept once: no effect
  return w;
}

// The ids of a set of indicators.
std::set<std::string> IdsOf(const std::vector<registry::v1::Indicator>& indicators) {
  std::set<std::string> ids;
  for (const registry::v1::Indicator& i : indicators) ids.insert(i.id());
  return ids;
}

class KpiStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.Start();
    pool_ = std::make_unique<RedisPool>(redis_.options());
    raw_ = std::make_unique<testing::RawRedis>(pool_.get());
  }

  std::unique_ptr<KpiStore> Store(WriteQuota quota = {0, 0}) {
    return std::make_unique<KpiStore>(pool_.get(), nullptr, quota);
  }

  // Applies `w`, which must be written (use with ASSERT_NO_FATAL_FAILURE).
  void MustApply(KpiStore& store, const PlanWrite& w) {
    absl::StatusOr<bool> applied = store.Apply(kPlanId, w);
    ASSERT_TRUE(applied.ok()) << applied.status();
    ASSERT_TRUE(*applied) << "generation moved";
  }

  // The "id" of every entry of a stream, oldest first.
  std::vector<std::string> StreamIds(const std::string& key) {
    std::vector<std::string> ids;
    for (const auto& entry : raw_->StreamEntries(key)) {
      const auto id = entry.find("id");
      if (id != entry.end()) ids.push_back(id->second);
    }
    return ids;
  }
  // What `key` holds, as text (hashes and sets in sorted order).
  std::string Contents(const std::string& key) {
    const std::string type = raw_->Str({"TYPE", key});
    std::vector<std::string> items;
    if (type == "string") {
      items.push_back(raw_->Str({"GET", key}));
    } else if (type == "hash") {
      std::vector<std::string> flat = raw_->Strings({"HGETALL", key});
      for (size_t i = 0; i + 1 < flat.size(); i += 2) items.push_back(flat[i] + "=" + flat[i + 1]);
      std::sort(items.begin(), items.end());
    } else if (type == "list") {
      items = raw_->Strings({"LRANGE", key, "0", "-1"});
    } else if (type == "set") {
      items = raw_->Strings({"SMEMBERS", key});
      std::sort(items.begin(), items.end());
    } else if (type == "stream") {
      items = StreamIds(key);
    }
    std::string out = type;
    for (const std::string& item : items) out += "\n" + item;
    return out;
  }
  // Every key and what it holds: the same before and after a write that wrote nothing.
  std::map<std::string, std::string> Snapshot() {
    std::map<std::string, std::string> out;
    for (const std::string& key : raw_->Strings({"KEYS", "*"})) out[key] = Contents(key);
    return out;
  }
  // The bytes charged to `subject` so far (the sum of its hourly counters).
  int64_t BytesCharged(const std::string& subject) {
    const std::string pattern =
        "rfs:kpi:quota:" + std::to_string(subject.size()) + ":" + subject + ":b:*";
    int64_t total = 0;
    for (const std::string& key : raw_->Strings({"KEYS", pattern})) {
      total += raw_->Int({"GET", key});
    }
    return total;
  }

  testing::TempDir dir_;
  testing::RedisServer redis_{dir_.path()};
  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<testing::RawRedis> raw_;  // raw Redis, bypassing the store
};

TEST_F(KpiStoreTest, ApplyWritesEveryPartOfTheChange) {
  auto store = Store();
  const PlanWrite first = FirstWrite(*store);
  absl::StatusOr<bool> applied = store->Apply(kPlanId, first);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(*applied);
  absl::StatusOr<int64_t> generation = store->Generation(kPlanId);
  ASSERT_TRUE(generation.ok()) << generation.status();
  EXPECT_EQ(*generation, 1);

  absl::StatusOr<PlanState> state = store->Load(kPlanId, /*with_contributions=*/true);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->generation, 1);
  ASSERT_TRUE(state->plan.has_value());
  EXPECT_EQ(state->plan->name(), "plans/B-00001");
  EXPECT_EQ(state->plan->version(), 3);
  ASSERT_EQ(state->measurements.size(), 1u);
  EXPECT_EQ(state->measurements[0].value(), 42);
  EXPECT_EQ(state->bytes, 100);
  EXPECT_EQ(state->contributions, (ContributionMap{{"2026|a", 5}, {"now|b", 2}}));
  EXPECT_EQ(state->as_of, "2026-H1");
  ASSERT_TRUE(state->public_since.has_value());
  EXPECT_EQ(*state->public_since, absl::FromUnixSeconds(kSince));
  EXPECT_EQ(IdsOf(state->removed), (std::set<std::string>{"kpi-old", "kpi-gone"}));
  ASSERT_EQ(state->pdca.count("2026-H1"), 1u);
  EXPECT_EQ(state->pdca.at("2026-H1").findings(), "順調");

  // The history entry, the event, the plan in the plan sets.
  auto history = store->HistoryRanges(kPlanId, {{kField, 0}}, 10);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].length, 1);
  ASSERT_EQ((*history)[0].items.size(), 1u);
  EXPECT_EQ((*history)[0].items[0].new_value(), 42);
  EXPECT_EQ(StreamIds(store->OutboxKey()), (std::vector<std::string>{"kpi/1"}));
  EXPECT_EQ(raw_->Int({"SISMEMBER", "rfs:kpi:plans", kPlanId}), 1);
  auto versions = store->Versions();
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_EQ((*versions)[std::string(kPlanId)], "3 2026-H1");

  // Each cell in its bucket's hash (the "2026" bucket shared by both contributions).
  using Cells = absl::flat_hash_map<std::string, int64_t>;
  auto year = store->Aggregate("2026");
  auto field = store->Aggregate("2026:AI");
  auto now = store->Aggregate("now");
  ASSERT_TRUE(year.ok() && field.ok() && now.ok());
  EXPECT_EQ(*year, (Cells{{"a", 5}, {"b", 2}}));
  EXPECT_EQ(*field, (Cells{{"a|*", 5}}));
  EXPECT_EQ(*now, (Cells{{"b", 2}}));
  auto buckets = store->Buckets();
  ASSERT_TRUE(buckets.ok()) << buckets.status();
  std::sort(buckets->begin(), buckets->end());
  EXPECT_EQ(*buckets, (std::vector<std::string>{"2026", "2026:AI", "now"}));

  // The field writes, and the request id for its TTL.
  auto reports = store->ReportIndex("2026-H1");
  ASSERT_TRUE(reports.ok()) << reports.status();
  EXPECT_EQ(*reports, (absl::flat_hash_map<std::string, std::string>{
                          {"B-00001", "1|HOKURIKU"}, {"B-00002", "2|HOKURIKU"}}));
  absl::StatusOr<std::optional<std::string>> request = store->GetRequest(first.request_key);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(request->has_value());
  EXPECT_EQ(**request, first.request_value);
  const int64_t ttl = raw_->Int({"TTL", first.request_key});
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 3600);
  EXPECT_EQ(raw_->Int({"EXISTS", "rfs:kpi:unused"}), 0);
}

TEST_F(KpiStoreTest, ApplyTakesBackCellsDeletesFieldsAndClampsBytesAtZero) {
  auto store = Store();
  ASSERT_NO_FATAL_FAILURE(MustApply(*store, FirstWrite(*store)));
  absl::StatusOr<bool> applied = store->Apply(kPlanId, SecondWrite("clerk"));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_TRUE(*applied);

  absl::StatusOr<PlanState> state = store->Load(kPlanId, /*with_contributions=*/true);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->generation, 2);
  EXPECT_EQ(state->bytes, 0);  // 100 - 250, clamped
  // A contribution and cells at 0 are deleted, not kept as 0.
  EXPECT_EQ(state->contributions, (ContributionMap{{"now|b", 2}}));
  EXPECT_EQ(state->as_of, "2026-H2");
  ASSERT_TRUE(state->public_since.has_value());
  EXPECT_EQ(*state->public_since, absl::FromUnixSeconds(kSince));  // set once
  EXPECT_EQ(IdsOf(state->removed), (std::set<std::string>{"kpi-gone"}));
  EXPECT_TRUE(state->pdca.empty());
  // What the write left alone: the snapshot and the value.
  ASSERT_TRUE(state->plan.has_value());
  EXPECT_EQ(state->plan->version(), 3);
  ASSERT_EQ(state->measurements.size(), 1u);
  EXPECT_EQ(state->measurements[0].value(), 42);

  using Cells = absl::flat_hash_map<std::string, int64_t>;
  auto year = store->Aggregate("2026");
  auto field = store->Aggregate("2026:AI");
  ASSERT_TRUE(year.ok() && field.ok());
  EXPECT_EQ(*year, (Cells{{"b", 2}}));
  EXPECT_TRUE(field->empty());
  auto reports = store->ReportIndex("2026-H1");
  ASSERT_TRUE(reports.ok()) << reports.status();
  EXPECT_EQ(*reports, (absl::flat_hash_map<std::string, std::string>{{"B-00001", "1|HOKURIKU"}}));
  auto versions = store->Versions();
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_EQ((*versions)[std::string(kPlanId)], "4 2026-H2");
  EXPECT_EQ(StreamIds(store->OutboxKey()),
            (std::vector<std::string>{"kpi/1", "kpi/2", "kpi/3"}));
  EXPECT_EQ(raw_->Int({"LLEN", std::string("rfs:kpi:h:") + kPlanId + ":" + kField}), 1);
}

TEST_F(KpiStoreTest, ApplyAtAStaleGenerationWritesNothing) {
  auto store = Store();
  ASSERT_NO_FATAL_FAILURE(MustApply(*store, FirstWrite(*store)));
  const std::map<std::string, std::string> before = Snapshot();
  // Another write read at generation 0 too: every part of it differs from the first.
  PlanWrite late = FirstWrite(*store);
  late.measurement = MeasurementOf(99);
  late.plan->set_version(9);
  late.request_value = "another";
  late.events = {EventOf("kpi/late")};
  late.cells = {CellDelta{"2027|c", 1, {{"2027", "c"}}}};
  late.restored = {"kpi-old"};
  late.fields = {FieldWrite{"rep:2026-H1", "B-00003", "3|KANTO"}};
  late.bytes = 7;
  absl::StatusOr<bool> applied = store->Apply(kPlanId, late);
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_FALSE(*applied);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(store->Generation(kPlanId).value_or(-1), 1);
}

TEST_F(KpiStoreTest, ApplyOverTheWritesQuotaWritesNothingButTheServiceMayWrite) {
  auto store = Store(WriteQuota{1, 0});  // one write a minute
  redis_.AwayFromMinuteEnd();  // the writes below in one minute
  ASSERT_NO_FATAL_FAILURE(MustApply(*store, FirstWrite(*store)));
  const std::map<std::string, std::string> before = Snapshot();
  absl::StatusOr<bool> refused = store->Apply(kPlanId, SecondWrite("clerk"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "writes this minute"))
      << refused.status();
  EXPECT_EQ(Snapshot(), before);
  // The service's own write (no subject) counts against no quota.
  absl::StatusOr<bool> own = store->Apply(kPlanId, SecondWrite(""));
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_TRUE(*own);
  EXPECT_EQ(store->Generation(kPlanId).value_or(-1), 2);
}

TEST_F(KpiStoreTest, ApplyOverTheBytesQuotaWritesNothingButTheServiceMayWrite) {
  auto store = Store(WriteQuota{0, 100});  // 100 bytes an hour: less than the snapshot
  PlanWrite w = FirstWrite(*store);
  absl::StatusOr<bool> refused = store->Apply(kPlanId, w);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "bytes written this hour"))
      << refused.status();
  EXPECT_TRUE(Snapshot().empty());
  w.subject = "";
  absl::StatusOr<bool> own = store->Apply(kPlanId, w);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_TRUE(*own);
  EXPECT_EQ(store->Generation(kPlanId).value_or(-1), 1);
  EXPECT_EQ(raw_->Strings({"KEYS", "rfs:kpi:quota:*"}).size(), 0u);
}

TEST_F(KpiStoreTest, ApplyChargesTheSizeOfItsArgumentsButTheQuotas) {
  auto store = Store(WriteQuota{0, 1 << 20});
  // Nothing but the generation and the plan id: ARGV 1..17 are "0", "", "", "", "",
  // "B-00001", "", "", "1", "0", "0", "0", "0", "0 ", "0", "0", "": 17 bytes.
  PlanWrite bare;
  bare.subject = "clerk";
  ASSERT_NO_FATAL_FAILURE(MustApply(*store, bare));
  EXPECT_EQ(BytesCharged("clerk"), 17);
  // An event adds its id ("e1"), type ("kpi.test") and bytes; the generation and the event
  // count keep their lengths.
  PlanWrite with_event = bare;
  with_event.expected_generation = 1;
  with_event.events = {EventOf("e1")};
  const int64_t event_bytes =
      static_cast<int64_t>(with_event.events[0].SerializeAsString().size());
  ASSERT_NO_FATAL_FAILURE(MustApply(*store, with_event));
  EXPECT_EQ(BytesCharged("clerk"), 17 + 17 + 2 + 8 + event_bytes);
}

TEST_F(KpiStoreTest, PutOverrideWritesWithItsEventMovesTheGenerationAndClears) {
  auto store = Store();
  const v1::StatusOverride at_risk = OverrideOf(v1::PROGRESS_STATUS_AT_RISK);
  absl::Status put = store->PutOverride(kPlanId, at_risk, EventOf("kpi/o1"), "clerk");
  ASSERT_TRUE(put.ok()) << put;
  EXPECT_EQ(store->Generation(kPlanId).value_or(-1), 1);
  absl::StatusOr<PlanState> state = store->Load(kPlanId, false);
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_EQ(state->overrides.count("kpi-1"), 1u);
  EXPECT_EQ(state->overrides.at("kpi-1").status(), v1::PROGRESS_STATUS_AT_RISK);
  EXPECT_EQ(state->overrides.at("kpi-1").reason(), "見直し中");
  EXPECT_EQ(StreamIds(store->OutboxKey()), (std::vector<std::string>{"kpi/o1"}));

  // An unset status clears the override: the field is deleted, with its own event.
  put = store->PutOverride(kPlanId, OverrideOf(v1::PROGRESS_STATUS_UNSPECIFIED),
                           EventOf("kpi/o2"), "clerk");
  ASSERT_TRUE(put.ok()) << put;
  EXPECT_EQ(raw_->Int({"HEXISTS", "rfs:kpi:o:B-00001", "kpi-1"}), 0);
  EXPECT_EQ(store->Generation(kPlanId).value_or(-1), 2);
  EXPECT_EQ(StreamIds(store->OutboxKey()), (std::vector<std::string>{"kpi/o1", "kpi/o2"}));
}

TEST_F(KpiStoreTest, PutUnlockWritesWithItsEventAndLeavesTheGeneration) {
  auto store = Store();
  absl::Status put = store->PutUnlock(kPlanId, "2026-H1", UnlockOf(), EventOf("kpi/u1"), "sec");
  ASSERT_TRUE(put.ok()) << put;
  absl::StatusOr<PlanState> state = store->Load(kPlanId, false);
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_EQ(state->unlocks.count("2026-H1"), 1u);
  EXPECT_EQ(state->unlocks.at("2026-H1").unlocked_by(), "secretariat");
  EXPECT_EQ(StreamIds(store->OutboxKey()), (std::vector<std::string>{"kpi/u1"}));
  // Reopening a half year does not change the plan's progress: no generation, anywhere.
  EXPECT_EQ(state->generation, 0);
  EXPECT_EQ(raw_->Int({"EXISTS", "rfs:kpi:m:B-00001"}), 0);
  EXPECT_EQ(raw_->Int({"EXISTS", "rfs:kpi:unused"}), 0);
}

TEST_F(KpiStoreTest, PutFieldOverQuotaWritesNothing) {
  auto store = Store(WriteQuota{1, 0});  // one write a minute
  redis_.AwayFromMinuteEnd();  // the writes below in one minute
  absl::Status put = store->PutOverride(kPlanId, OverrideOf(v1::PROGRESS_STATUS_AT_RISK),
                                        EventOf("kpi/o1"), "clerk");
  ASSERT_TRUE(put.ok()) << put;
  const std::map<std::string, std::string> before = Snapshot();
  put = store->PutOverride(kPlanId, OverrideOf(v1::PROGRESS_STATUS_OFF_TRACK),
                           EventOf("kpi/o2"), "clerk");
  EXPECT_EQ(put.code(), absl::StatusCode::kResourceExhausted) << put;
  EXPECT_TRUE(absl::StrContains(put.message(), "writes this minute")) << put;
  put = store->PutUnlock(kPlanId, "2026-H1", UnlockOf(), EventOf("kpi/u1"), "clerk");
  EXPECT_EQ(put.code(), absl::StatusCode::kResourceExhausted) << put;
  EXPECT_EQ(Snapshot(), before);

  auto tight = Store(WriteQuota{0, 10});  // 10 bytes an hour: less than any field write
  put = tight->PutUnlock(kPlanId, "2026-H1", UnlockOf(), EventOf("kpi/u1"), "other");
  EXPECT_EQ(put.code(), absl::StatusCode::kResourceExhausted) << put;
  EXPECT_TRUE(absl::StrContains(put.message(), "bytes written this hour")) << put;
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(KpiStoreTest, CheckQuotaAnswersWithoutCharging) {
  auto store = Store(WriteQuota{2, 1000});  // two writes a minute, 1000 bytes an hour
  redis_.AwayFromMinuteEnd();  // the writes below in one minute
  // Checked more often than the quota allows writes: a check charges nothing.
  for (int i = 0; i < 3; ++i) {
    absl::Status check = store->CheckQuota("clerk", 10);
    ASSERT_TRUE(check.ok()) << check;
  }
  EXPECT_TRUE(Snapshot().empty());
  // More bytes than the hour allows: refused, naming the bytes.
  absl::Status too_big = store->CheckQuota("clerk", 2000);
  EXPECT_EQ(too_big.code(), absl::StatusCode::kResourceExhausted) << too_big;
  EXPECT_TRUE(absl::StrContains(too_big.message(), "bytes written this hour")) << too_big;
  // The service's own writes have no quota.
  absl::Status own = store->CheckQuota("", 2000);
  EXPECT_TRUE(own.ok()) << own;

  // One write of two: the second is still allowed, then the quota is used up.
  absl::Status put = store->PutOverride(kPlanId, OverrideOf(v1::PROGRESS_STATUS_AT_RISK),
                                        EventOf("kpi/o1"), "clerk");
  ASSERT_TRUE(put.ok()) << put;
  absl::Status check = store->CheckQuota("clerk", 10);
  EXPECT_TRUE(check.ok()) << check;
  put = store->PutOverride(kPlanId, OverrideOf(v1::PROGRESS_STATUS_OFF_TRACK),
                           EventOf("kpi/o2"), "clerk");
  ASSERT_TRUE(put.ok()) << put;
  check = store->CheckQuota("clerk", 10);
  EXPECT_EQ(check.code(), absl::StatusCode::kResourceExhausted) << check;
  EXPECT_TRUE(absl::StrContains(check.message(), "writes this minute")) << check;
}

TEST_F(KpiStoreTest, UnreadableStoredDataIsAnError) {
  auto store = Store();
  // Not a protobuf ('g' starts a field of wire type 7, which does not exist) in each hash
  // Load parses, one at a time; and a "#gen" that is no number.
  const std::vector<std::pair<std::string, std::string>> planted = {
      {"rfs:kpi:m:B-00001", kField},       {"rfs:kpi:o:B-00001", "kpi-1"},
      {"rfs:kpi:unlock:B-00001", "2026-H1"}, {"rfs:kpi:gone:B-00001", "kpi-old"},
      {"rfs:kpi:pdca:B-00001", "2026-H1"},   {"rfs:kpi:m:B-00001", "#gen"}};
  for (const auto& [key, field] : planted) {
    SCOPED_TRACE(key + " " + field);
    ASSERT_EQ(raw_->Str({"FLUSHALL"}), "OK");
    ASSERT_EQ(raw_->Int({"HSET", key, field, "garbage"}), 1);
    absl::StatusOr<PlanState> state = store->Load(kPlanId, false);
    EXPECT_EQ(state.status().code(), absl::StatusCode::kDataLoss) << state.status();
  }
  // A snapshot that is not a plan.
  ASSERT_EQ(raw_->Str({"FLUSHALL"}), "OK");
  ASSERT_EQ(raw_->Str({"SET", "rfs:kpi:plan:B-00001", "garbage"}), "OK");
  EXPECT_EQ(store->Load(kPlanId, false).status().code(), absl::StatusCode::kDataLoss);
  // Once the data is readable again, so is the plan.
  ASSERT_EQ(raw_->Str({"FLUSHALL"}), "OK");
  absl::StatusOr<PlanState> empty = store->Load(kPlanId, true);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->generation, 0);
  EXPECT_FALSE(empty->plan.has_value());
}

}  // namespace
}  // namespace rfs::kpi
