// RegistryStore's write scripts (lua/create.lua, lua/write.lua) against a real redis-server:
// each distinct reply of each script, as the store reads it, and that a refused write leaves
// nothing behind.
#include "services/registry/registry_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/plans.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs::registry {
namespace {

using Outcome = WriteResult::Outcome;

class RegistryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.Start();
    pool_ = std::make_unique<RedisPool>(redis_.options());
  }

  std::unique_ptr<RegistryStore> Store(WriteQuota quota = {0, 0}) {
    return std::make_unique<RegistryStore>(pool_.get(), nullptr, 0, quota);
  }

  // A create of PlanB (not yet named) by `who`, with `request_key` and `fingerprint`.
  absl::StatusOr<WriteResult> Create(RegistryStore& store, const std::string& who = "clerk",
                                     const std::string& request_key = "",
                                     const std::string& fingerprint = "") {
    plan_ = testing::PlanB();
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

  testing::TempDir dir_;
  testing::RedisServer redis_{dir_.path()};
  std::unique_ptr<RedisPool> pool_;
  registry::v1::Plan plan_, summary_;
};

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

TEST_F(RegistryStoreTest, CreateOverQuotaWritesNothing) {
  auto store = Store(WriteQuota{1, 0});  // one write a minute
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

}  // namespace
}  // namespace rfs::registry
