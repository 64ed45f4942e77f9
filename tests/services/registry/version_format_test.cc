// How plan versions are stored (services/registry/registry_store.h, PackVersion).
#include <gtest/gtest.h>

#include "services/registry/registry_store.h"
#include "tests/support/plans.h"

namespace rfs::registry {
namespace {

TEST(VersionFormat, CompressedWithoutTheNameAndReadBack) {
  v1::Plan plan = testing::CompletePlanA();
  plan.set_name("plans/A-00007");
  plan.set_version(3);
  const std::string stored = PackVersion(plan);
  EXPECT_LT(stored.size(), plan.ByteSizeLong());  // smaller (the seed plan: 14.4 KB → 6.2 KB a version)
  absl::StatusOr<std::string> bytes = UnpackVersion(stored);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  v1::Plan back;
  ASSERT_TRUE(back.ParseFromString(*bytes));
  EXPECT_TRUE(back.name().empty());  // the key carries it
  back.set_name(plan.name());
  EXPECT_EQ(back.SerializeAsString(), plan.SerializeAsString());
}

TEST(VersionFormat, VersionsStoredBeforeCompressionAreReadAsTheyAre) {
  v1::Plan plan = testing::PlanB();
  plan.set_name("plans/B-00001");
  const std::string legacy = plan.SerializeAsString();
  absl::StatusOr<std::string> bytes = UnpackVersion(legacy);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, legacy);
}

TEST(VersionFormat, DamagedFramesAreDataLoss) {
  v1::Plan plan = testing::CompletePlanA();
  std::string stored = PackVersion(plan);
  ASSERT_GT(stored.size(), 20u);
  stored.resize(stored.size() / 2);
  EXPECT_EQ(UnpackVersion(stored).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace rfs::registry
