#include "services/registry/plan_diff.h"

#include <gtest/gtest.h>

#include "tests/support/plans.h"

namespace rfs::registry {
namespace {

using namespace rfs::testing;

const v1::FieldChange* Find(const std::vector<v1::FieldChange>& changes, const std::string& path) {
  for (const auto& c : changes) {
    if (c.path() == path) return &c;
  }
  return nullptr;
}

TEST(PlanDiff, EqualVersionsHaveNoChanges) {
  EXPECT_TRUE(DiffPlans(PlanA(), PlanA()).empty());
}

TEST(PlanDiff, BookkeepingIsLeftOut) {
  v1::Plan a = PlanA(), b = PlanA();
  b.set_version(7);
  b.set_etag("v7");
  b.set_updated_by("someone");
  EXPECT_TRUE(DiffPlans(a, b).empty());
}

TEST(PlanDiff, ReBaselinedTargetIsNamedByIndicatorId) {
  v1::Plan older = PlanA(), newer = PlanA();
  newer.mutable_indicators(0)->mutable_target()->set_value(100'000'000'000);  // was unset
  newer.mutable_indicators(1)->mutable_baseline()->mutable_period()->set_fiscal_year(2026);
  auto changes = DiffPlans(older, newer);
  const v1::FieldChange* target = Find(changes, "indicators[kgi-capex].target.value");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->change_type(), v1::FIELD_CHANGE_TYPE_ADDED);
  EXPECT_EQ(target->new_value(), "\"100000000000\"");
  const v1::FieldChange* base =
      Find(changes, "indicators[kgi-value-added].baseline.period.fiscal_year");
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(base->change_type(), v1::FIELD_CHANGE_TYPE_MODIFIED);
  EXPECT_EQ(base->old_value(), "2025");
  EXPECT_EQ(base->new_value(), "2026");
  EXPECT_EQ(changes.size(), 2u);
}

TEST(PlanDiff, ReorderingKeyedListsIsNotAChange) {
  v1::Plan older = PlanA(), newer = PlanA();
  newer.mutable_indicators()->SwapElements(0, 2);
  newer.mutable_authors()->SwapElements(0, 1);
  EXPECT_TRUE(DiffPlans(older, newer).empty());
}

TEST(PlanDiff, AddedAndRemovedAuthorsAndFields) {
  v1::Plan older = PlanA(), newer = PlanA();
  newer.mutable_authors()->RemoveLast();  // Fukui leaves
  newer.add_strategic_fields("MATERIALS");
  auto changes = DiffPlans(older, newer);
  const v1::FieldChange* removed = Find(changes, "authors[180009]");
  ASSERT_NE(removed, nullptr);
  EXPECT_EQ(removed->change_type(), v1::FIELD_CHANGE_TYPE_REMOVED);
  EXPECT_NE(removed->old_value().find("180009"), std::string::npos);
  const v1::FieldChange* field = Find(changes, "strategic_fields");
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->change_type(), v1::FIELD_CHANGE_TYPE_ADDED);
  EXPECT_EQ(field->new_value(), "\"MATERIALS\"");
}

TEST(PlanDiff, StageAndTitleChanges) {
  v1::Plan older = PlanA(), newer = PlanA();
  newer.set_stage(v1::PLAN_STAGE_REVISING);
  newer.set_title("改定版");
  auto changes = DiffPlans(older, newer);
  ASSERT_NE(Find(changes, "stage"), nullptr);
  EXPECT_EQ(Find(changes, "stage")->new_value(), "\"PLAN_STAGE_REVISING\"");
  EXPECT_EQ(Find(changes, "title")->new_value(), "\"改定版\"");
}

}  // namespace
}  // namespace rfs::registry
