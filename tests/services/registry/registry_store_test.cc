// RegistryStore's scripts against a real redis-server: each distinct reply of each script, as
// the store reads it. Writes (lua/create.lua, lua/write.lua): a refused write leaves nothing
// behind. Reads (lua/get_current.lua, lua/list.lua): the cached version served without its
// body, each filter of a list and its paging.
#include "services/registry/registry_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "common/base/status.h"
#include "common/redis/async_redis.h"
#include "tests/support/assert_ok.h"
#include "tests/support/plans.h"
#include "tests/support/process.h"
#include "tests/support/raw_redis.h"
#include "tests/support/redis_server.h"

namespace rfs::registry {
namespace {

using Outcome = WriteResult::Outcome;

class RegistryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.Start();
    pool_ = std::make_unique<RedisPool>(redis_.options());
    raw_ = std::make_unique<testing::RawRedis>(pool_.get());
  }

  // `cache_bytes` 0: no version cache (every read of the current plan takes its body).
  std::unique_ptr<RegistryStore> Store(WriteQuota quota = {0, 0}, size_t cache_bytes = 0) {
    return std::make_unique<RegistryStore>(pool_.get(), nullptr, cache_bytes, quota);
  }

  // A create of PlanB (not yet named) by `who`, with `request_key` and `fingerprint`.
  absl::StatusOr<WriteResult> Create(RegistryStore& store, const std::string& who = "clerk",
                                     const std::string& request_key = "",
                                     const std::string& fingerprint = "") {
    return CreatePlan(store, testing::PlanB(), who, request_key, fingerprint);
  }

  // The next version (`version`) of plans/B-00001, expecting `expected`.
  absl::StatusOr<WriteResult> Update(RegistryStore& store, int64_t expected, int64_t version,
                                     const std::string& who = "clerk") {
    plan_ = testing::PlanB();
    plan_.set_name("plans/B-00001");
    plan_.set_version(version);
    summary_ = plan_;
    PlanWrite w;
    w.expected_version = expected;
    w.plan = &plan_;
    w.summary = &summary_;
    w.event.set_id("registry/plans/B-00001/v" + std::to_string(version));
    w.event.set_type("plan.updated");
    w.principal = who;
    return store.Write(w);
  }

  // A create of `plan` (unnamed: the store names it "{type}-{n:05}", n counting every create)
  // by `who`, with `request_key` and `fingerprint` (none: every create is a new plan).
  absl::StatusOr<WriteResult> CreatePlan(RegistryStore& store, registry::v1::Plan plan,
                                         const std::string& who = "clerk",
                                         const std::string& request_key = "",
                                         const std::string& fingerprint = "") {
    plan_ = std::move(plan);
    plan_.clear_name();
    plan_.set_version(1);
    summary_ = plan_;
    PlanWrite w;
    w.plan = &plan_;
    w.summary = &summary_;
    w.event.set_id("registry/create");
    w.event.set_type("plan.created");
    w.principal = who;
    w.request_key = request_key;
    w.request_fingerprint = fingerprint;
    return store.Write(w);
  }

  // Plans A-00001 (HOKURIKU; Toyama, Ishikawa, Fukui), B-00002 (Toyama) and C-00003
  // (Ishikawa), at list positions 1, 2 and 3.
  void CreateThree(RegistryStore& store) {
    for (registry::v1::Plan plan : {testing::PlanA(), testing::PlanB(), testing::PlanC()}) {
      absl::StatusOr<WriteResult> created = CreatePlan(store, std::move(plan));
      ASSERT_OK(created.status());
      ASSERT_EQ(created->outcome, Outcome::kWritten);
    }
  }

  testing::TempDir dir_;
  testing::RedisServer redis_{dir_.path()};
  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<testing::RawRedis> raw_;  // raw Redis, bypassing the store
  registry::v1::Plan plan_, summary_;
};

// The whole index of every plan.
ListQuery AllPlans(int want = 50) {
  ListQuery q;
  q.primary_index = RegistryStore::AllIndexKey();
  q.want = want;
  return q;
}

// The names of a batch's plans, in order.
std::vector<std::string> Names(const ListBatch& batch) {
  std::vector<std::string> names;
  for (const ListItem& item : batch.items) names.push_back(item.summary.name());
  return names;
}

TEST_F(RegistryStoreTest, CreateNamesThePlanAndADuplicateRequestFindsIt) {
  auto store = Store();
  absl::StatusOr<WriteResult> first = Create(*store, "clerk", "rfs:registry:req:k1", "fp-1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->outcome, Outcome::kWritten);
  EXPECT_EQ(first->id, "B-00001");
  // The same request again: the plan it created, nothing written twice.
  absl::StatusOr<WriteResult> again = Create(*store, "clerk", "rfs:registry:req:k1", "fp-1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->outcome, Outcome::kDuplicateRequest);
  EXPECT_EQ(again->id, "B-00001");
  // The same request id with another request: told apart from a retry.
  absl::StatusOr<WriteResult> reused = Create(*store, "clerk", "rfs:registry:req:k1", "fp-2");
  ASSERT_TRUE(reused.ok()) << reused.status();
  EXPECT_EQ(reused->outcome, Outcome::kRequestReused);
  EXPECT_EQ(redis_.Cli("XLEN rfs:registry:outbox"), "1");
  // Without a request id every create is a new plan.
  absl::StatusOr<WriteResult> second = Create(*store);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->id, "B-00002");
}

// The create script names the plan it numbers by appending the name to the BASIC view and the
// event it was sent without one (docs/architecture.md): both read back as protobuf, named.
TEST_F(RegistryStoreTest, CreateNamesTheStoredSummaryAndTheEvent) {
  auto store = Store();
  absl::StatusOr<WriteResult> created = Create(*store);
  ASSERT_OK(created.status());
  ASSERT_EQ(created->id, "B-00001");
  RedisReplyPtr sum = raw_->Raw({"HGET", "rfs:registry:plan:B-00001", "sum"});
  ASSERT_TRUE(sum != nullptr);
  ASSERT_EQ(sum->type, REDIS_REPLY_STRING);
  registry::v1::Plan summary;
  ASSERT_TRUE(summary.ParseFromArray(sum->str, static_cast<int>(sum->len)));
  EXPECT_EQ(summary.name(), "plans/B-00001");
  EXPECT_EQ(summary.title(), testing::PlanB().title());

  const std::vector<std::map<std::string, std::string>> entries =
      raw_->StreamEntries("rfs:registry:outbox");
  ASSERT_EQ(entries.size(), 1u);
  ASSERT_EQ(entries[0].count("event"), 1u);
  common::v1::Event event;
  ASSERT_TRUE(event.ParseFromString(entries[0].at("event")));
  EXPECT_EQ(event.id(), "registry/plans/B-00001/v1");
  EXPECT_EQ(event.plan(), "plans/B-00001");
  EXPECT_EQ(event.type(), "plan.created");
}

TEST_F(RegistryStoreTest, CreateOverQuotaWritesNothing) {
  auto store = Store(WriteQuota{1, 0});  // one write a minute
  redis_.AwayFromMinuteEnd();  // the writes below in one minute
  ASSERT_TRUE(Create(*store).ok());
  const std::string keys = redis_.Cli("DBSIZE");
  absl::StatusOr<WriteResult> refused = Create(*store);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->outcome, Outcome::kOverQuota);
  EXPECT_EQ(refused->quota, "writes");
  EXPECT_GT(refused->retry_seconds, 0);
  EXPECT_EQ(redis_.Cli("DBSIZE"), keys);
  EXPECT_EQ(redis_.Cli("XLEN rfs:registry:outbox"), "1");
  // Another principal has its own quota.
  absl::StatusOr<WriteResult> other = Create(*store, "other-clerk");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->outcome, Outcome::kWritten);
}

TEST_F(RegistryStoreTest, WriteNextVersionConflictAndNotFound) {
  auto store = Store();
  absl::StatusOr<WriteResult> missing = Update(*store, 1, 2);
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->outcome, Outcome::kNotFound);
  ASSERT_TRUE(Create(*store).ok());
  absl::StatusOr<WriteResult> written = Update(*store, 1, 2);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->outcome, Outcome::kWritten);
  EXPECT_EQ(redis_.Cli("HGET rfs:registry:plan:B-00001 ver"), "2");
  // A writer that read version 1 comes second: told the version found, nothing written.
  absl::StatusOr<WriteResult> late = Update(*store, 1, 2);
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->outcome, Outcome::kVersionConflict);
  EXPECT_EQ(late->current_version, 2);
  EXPECT_EQ(redis_.Cli("XLEN rfs:registry:outbox"), "2");
}

TEST_F(RegistryStoreTest, WriteOverQuotaWritesNothing) {
  auto store = Store(WriteQuota{0, 100});  // 100 bytes an hour: less than one version
  auto open = Store();
  ASSERT_TRUE(Create(*open).ok());
  absl::StatusOr<WriteResult> refused = Update(*store, 1, 2);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->outcome, Outcome::kOverQuota);
  EXPECT_EQ(refused->quota, "bytes");
  EXPECT_EQ(redis_.Cli("HGET rfs:registry:plan:B-00001 ver"), "1");
  EXPECT_EQ(redis_.Cli("EXISTS rfs:registry:plan:B-00001:v:2"), "0");
}

TEST_F(RegistryStoreTest, UnreadableStoredDataIsAnErrorAndWritesNothing) {
  auto store = Store();
  // Not a plan hash where the plan's hash should be.
  redis_.Cli("SET rfs:registry:plan:B-00001 garbage");
  absl::StatusOr<WriteResult> write = Update(*store, 1, 2);
  EXPECT_FALSE(write.ok());
  EXPECT_EQ(redis_.Cli("EXISTS rfs:registry:plan:B-00001:v:2"), "0");
  EXPECT_EQ(redis_.Cli("XLEN rfs:registry:outbox"), "0");
}

TEST_F(RegistryStoreTest, GetCurrentOfNoPlanIsNotFound) {
  auto store = Store();
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> none = store->GetCurrent("B-00001");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound) << none.status();
  // Another plan's existence does not make this one found.
  ASSERT_TRUE(Create(*store).ok());
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> other = store->GetCurrent("B-00002");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kNotFound) << other.status();
}

TEST_F(RegistryStoreTest, GetCurrentServesTheCachedVersionAndReadsANewerOne) {
  auto store = Store(WriteQuota{0, 0}, size_t{1} << 20);
  ASSERT_TRUE(Create(*store).ok());
  // Nothing cached yet: the body is read.
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> first = store->GetCurrent("B-00001");
  ASSERT_OK(first.status());
  EXPECT_EQ((*first)->name(), "plans/B-00001");
  EXPECT_EQ((*first)->version(), 1);
  EXPECT_EQ((*first)->title(), testing::PlanB().title());
  // The cached version is current: the script answers the version alone and the store serves
  // the very copy it cached (a body read would make another one).
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> again = store->GetCurrent("B-00001");
  ASSERT_OK(again.status());
  EXPECT_EQ(again->get(), first->get());
  // A newer version than the cached one: its body is read.
  absl::StatusOr<WriteResult> updated = Update(*store, 1, 2);
  ASSERT_OK(updated.status());
  ASSERT_EQ(updated->outcome, Outcome::kWritten);
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> newer = store->GetCurrent("B-00001");
  ASSERT_OK(newer.status());
  EXPECT_EQ((*newer)->version(), 2);
  EXPECT_EQ((*newer)->name(), "plans/B-00001");
  EXPECT_NE(newer->get(), first->get());

  // Without a cache every read takes the body: equal plans, each a copy of its own.
  auto uncached = Store();
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> a = uncached->GetCurrent("B-00001");
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> b = uncached->GetCurrent("B-00001");
  ASSERT_OK(a.status());
  ASSERT_OK(b.status());
  EXPECT_NE(a->get(), b->get());
  EXPECT_EQ((*a)->SerializeAsString(), (*b)->SerializeAsString());
}

TEST_F(RegistryStoreTest, GetCurrentAsyncReadsTheBodyOnceThenServesTheCache) {
  AsyncRedis async(redis_.options());
  ASSERT_TRUE(testing::WaitFor([&] { return async.connected(); }));
  RegistryStore store(pool_.get(), &async, size_t{1} << 20, WriteQuota{0, 0});
  ASSERT_TRUE(Create(store).ok());
  // GetCurrentAsync, waited for (its callback runs on the async client's loop thread).
  auto get = [&store](const std::string& id) -> absl::StatusOr<CachedPlanPtr> {
    auto done = std::make_shared<std::promise<absl::StatusOr<CachedPlanPtr>>>();
    std::future<absl::StatusOr<CachedPlanPtr>> result = done->get_future();
    store.GetCurrentAsync(id, [done](absl::StatusOr<CachedPlanPtr> plan) {
      done->set_value(std::move(plan));
    });
    if (result.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      return absl::DeadlineExceededError("GetCurrentAsync did not call back");
    }
    return result.get();
  };

  absl::StatusOr<CachedPlanPtr> first = get("B-00001");
  ASSERT_OK(first.status());
  EXPECT_EQ((*first)->plan.name(), "plans/B-00001");
  EXPECT_EQ((*first)->plan.version(), 1);
  absl::StatusOr<CachedPlanPtr> again = get("B-00001");
  ASSERT_OK(again.status());
  EXPECT_EQ(again->get(), first->get());
  // The blocking read serves the same cached copy.
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> sync = store.GetCurrent("B-00001");
  ASSERT_OK(sync.status());
  EXPECT_EQ(sync->get(), &(*first)->plan);
  absl::StatusOr<CachedPlanPtr> none = get("B-00009");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound) << none.status();
}

TEST_F(RegistryStoreTest, UnreadableStoredPlanIsAnErrorOnRead) {
  auto store = Store();
  ASSERT_TRUE(Create(*store).ok());
  // Not a plan where the current version should be.
  raw_->Do({"SET", "rfs:registry:plan:B-00001:v:1", "garbage"});
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> damaged = store->GetCurrent("B-00001");
  EXPECT_EQ(damaged.status().code(), absl::StatusCode::kDataLoss) << damaged.status();
  // No current version at all.
  raw_->Do({"DEL", "rfs:registry:plan:B-00001:v:1"});
  absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> lost = store->GetCurrent("B-00001");
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kDataLoss) << lost.status();
  // Not a hash where the plan's hash should be.
  raw_->Do({"SET", "rfs:registry:plan:B-00002", "garbage"});
  EXPECT_FALSE(store->GetCurrent("B-00002").ok());
}

TEST_F(RegistryStoreTest, ListReadsAnIndexToItsEnd) {
  auto store = Store();
  ASSERT_NO_FATAL_FAILURE(CreateThree(*store));
  absl::StatusOr<ListBatch> all = store->List(AllPlans());
  ASSERT_OK(all.status());
  EXPECT_EQ(Names(*all),
            (std::vector<std::string>{"plans/A-00001", "plans/B-00002", "plans/C-00003"}));
  ASSERT_EQ(all->items.size(), 3u);
  EXPECT_EQ(all->items[0].sequence, 1);
  EXPECT_EQ(all->items[1].sequence, 2);
  EXPECT_EQ(all->items[2].sequence, 3);
  EXPECT_EQ(all->items[0].summary.title(), testing::PlanA().title());
  EXPECT_EQ(all->items[0].full_bytes, 0u);  // sizes only when asked for
  EXPECT_TRUE(all->exhausted);
  EXPECT_EQ(all->last_scanned, 3);
}

TEST_F(RegistryStoreTest, ListStopsAtWantAndContinuesAfterASequence) {
  auto store = Store();
  ASSERT_NO_FATAL_FAILURE(CreateThree(*store));
  ListQuery q = AllPlans(/*want=*/1);
  absl::StatusOr<ListBatch> batch = store->List(q);
  ASSERT_OK(batch.status());
  EXPECT_EQ(Names(*batch), std::vector<std::string>{"plans/A-00001"});
  EXPECT_FALSE(batch->exhausted);
  EXPECT_EQ(batch->last_scanned, 1);

  q.after_sequence = batch->last_scanned;
  batch = store->List(q);
  ASSERT_OK(batch.status());
  EXPECT_EQ(Names(*batch), std::vector<std::string>{"plans/B-00002"});
  EXPECT_FALSE(batch->exhausted);
  EXPECT_EQ(batch->last_scanned, 2);

  q.after_sequence = batch->last_scanned;
  q.want = 5;
  batch = store->List(q);
  ASSERT_OK(batch.status());
  EXPECT_EQ(Names(*batch), std::vector<std::string>{"plans/C-00003"});
  EXPECT_TRUE(batch->exhausted);
  EXPECT_EQ(batch->last_scanned, 3);

  // After the last plan: nothing, and the end.
  q.after_sequence = 3;
  batch = store->List(q);
  ASSERT_OK(batch.status());
  EXPECT_TRUE(batch->items.empty());
  EXPECT_TRUE(batch->exhausted);
  EXPECT_EQ(batch->last_scanned, 3);

  // The scan bound reached before a match: nothing yet, not the end, where to go on from.
  ListQuery bounded = AllPlans();
  bounded.title_folded = "富山";  // plan B only
  bounded.max_scan = 1;
  batch = store->List(bounded);
  ASSERT_OK(batch.status());
  EXPECT_TRUE(batch->items.empty());
  EXPECT_FALSE(batch->exhausted);
  EXPECT_EQ(batch->last_scanned, 1);
}

TEST_F(RegistryStoreTest, ListFiltersByIndexesTitleAndIdPrefix) {
  auto store = Store();
  ASSERT_NO_FATAL_FAILURE(CreateThree(*store));
  const auto names = [&store](const ListQuery& q) {
    absl::StatusOr<ListBatch> batch = store->List(q);
    EXPECT_TRUE(batch.ok()) << batch.status();
    return batch.ok() ? Names(*batch) : std::vector<std::string>{"(error)"};
  };
  // Another index scanned.
  ListQuery toyama = AllPlans();
  toyama.primary_index = RegistryStore::IndexKey("pref", testing::kToyama);
  EXPECT_EQ(names(toyama), (std::vector<std::string>{"plans/A-00001", "plans/B-00002"}));
  // Other indexes every plan must also be in.
  ListQuery ishikawa = AllPlans();
  ishikawa.other_indexes = {RegistryStore::IndexKey("pref", testing::kIshikawa)};
  EXPECT_EQ(names(ishikawa), (std::vector<std::string>{"plans/A-00001", "plans/C-00003"}));
  toyama.other_indexes = {RegistryStore::IndexKey("pref", testing::kIshikawa),
                          RegistryStore::IndexKey("pref", testing::kFukui)};
  EXPECT_EQ(names(toyama), std::vector<std::string>{"plans/A-00001"});
  // A substring of the folded title ("AI" in plan A's).
  ListQuery title = AllPlans();
  title.title_folded = "富山";
  EXPECT_EQ(names(title), std::vector<std::string>{"plans/B-00002"});
  title.title_folded = "ai";
  EXPECT_EQ(names(title), std::vector<std::string>{"plans/A-00001"});
  // A plan id prefix (the plan type).
  ListQuery type_c = AllPlans();
  type_c.id_prefix = "C-";
  EXPECT_EQ(names(type_c), std::vector<std::string>{"plans/C-00003"});
  // Filters together, matching nothing.
  type_c.title_folded = "富山";
  EXPECT_EQ(names(type_c), std::vector<std::string>{});
}

TEST_F(RegistryStoreTest, ListWithSizesGivesEachPlansSize) {
  auto store = Store();
  ASSERT_NO_FATAL_FAILURE(CreateThree(*store));
  ListQuery q = AllPlans();
  q.with_sizes = true;
  absl::StatusOr<ListBatch> batch = store->List(q);
  ASSERT_OK(batch.status());
  const std::vector<std::string> ids = {"A-00001", "B-00002", "C-00003"};
  ASSERT_EQ(batch->items.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    // The size of the full plan a reader gets.
    absl::StatusOr<std::shared_ptr<const registry::v1::Plan>> plan = store->GetCurrent(ids[i]);
    ASSERT_OK(plan.status());
    EXPECT_EQ(batch->items[i].summary.name(), (*plan)->name());
    EXPECT_EQ(batch->items[i].full_bytes, (*plan)->ByteSizeLong()) << ids[i];
  }
  // A plan written before sizes were kept: the length of its stored version.
  raw_->Do({"HDEL", "rfs:registry:plan:A-00001", "size"});
  batch = store->List(q);
  ASSERT_OK(batch.status());
  ASSERT_EQ(batch->items.size(), ids.size());
  EXPECT_EQ(static_cast<int64_t>(batch->items[0].full_bytes),
            raw_->Int({"STRLEN", "rfs:registry:plan:A-00001:v:1"}));
}

}  // namespace
}  // namespace rfs::registry
