// rfsctl, the binary people and scripts use, against a real registry: every sample plan loads,
// tables line up with Japanese titles, --json is protobuf JSON, and exit codes tell failures
// apart.
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/text.h"
#include "tests/support/registry_fixture.h"

namespace rfs::testing {
namespace {

class RfsctlTest : public RegistryFixture {
 protected:
  struct Result {
    int exit_code;
    std::string out;  // stdout and stderr
  };
  Result Run(const std::string& args, const std::string& token = "") {
    const std::string addr = absl::StartsWith(config_.listen, "unix://")
                                 ? config_.listen
                                 : absl::StrCat("127.0.0.1:", server_->port());
    const std::string requirements =
        start_requirements_ ? absl::StrCat(" RFS_REQUIREMENTS_ADDR=", requirements_config_.listen)
                            : "";
    const std::string cmd = absl::StrCat(
        "RFS_ADDR=", addr, requirements, " RFS_TOKEN='",
        token.empty() ? Secretariat() : token, "' ", BuildDir(), "/tools/rfsctl/rfsctl ", args);
    CommandResult run = RunShell(cmd);
    return {run.exit_code, std::move(run.out)};
  }
};

TEST_F(RfsctlTest, EverySamplePlanLoadsAndListsAligned) {
  int created = 0;
  for (const char* sample : {"hokuriku-a-ai-semiconductor", "hokuriku-a-materials-circular",
                             "ishikawa-c-illustrative", "toyama-b-illustrative"}) {
    Result r = Run(absl::StrCat("create -f ", DataDir(), "/samples/", sample, ".json"));
    EXPECT_EQ(r.exit_code, 0) << sample << ": " << r.out;
    created += absl::StrContains(r.out, "created plans/");
  }
  EXPECT_EQ(created, 4);

  Result list = Run("list");
  ASSERT_EQ(list.exit_code, 0) << list.out;
  std::vector<std::string> lines = absl::StrSplit(list.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << list.out;  // header + 4 plans
  // The TITLE column starts at the same display column on every line.
  const size_t title_col = DisplayWidth(lines[0].substr(0, lines[0].find("TITLE")));
  for (size_t i = 1; i < lines.size(); ++i) {
    // Everything before the title is ASCII here; the title itself is Japanese.
    const size_t start = lines[i].find_first_of("\xE5\xE6\xE7\xE8\xE9\xE3\xE4");  // a CJK lead byte
    ASSERT_NE(start, std::string::npos) << lines[i];
    EXPECT_EQ(DisplayWidth(lines[i].substr(0, start)), title_col) << lines[i];
  }

  Result get = Run("get A-00001");
  EXPECT_EQ(get.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(get.out, "北陸地域")) << get.out;
  EXPECT_TRUE(absl::StrContains(get.out, "(未設定)")) << get.out;  // the seed's ○○ targets

  Result json = Run("get A-00001 --json");
  EXPECT_TRUE(absl::StrContains(json.out, "\"name\": \"plans/A-00001\"")) << json.out;
  EXPECT_TRUE(absl::StrContains(json.out, "\"lead_author_code\": \"160008\""));
}

TEST_F(RfsctlTest, UpdateTransitionHistoryDiff) {
  ASSERT_EQ(Run(absl::StrCat("create -f ", DataDir(), "/samples/toyama-b-illustrative.json")).exit_code, 0);
  const std::string change = dir_->File("change.json");
  std::ofstream(change) << R"({"title": "富山県 地域産業クラスター計画（改訂）"})";
  Result update = Run(absl::StrCat("update B-00001 -f ", change, " --mask title --etag v1"));
  EXPECT_EQ(update.exit_code, 0) << update.out;
  EXPECT_TRUE(absl::StrContains(update.out, "version 2"));
  EXPECT_EQ(Run("transition B-00001 pre_consultation").exit_code, 0);
  Result history = Run("history B-00001");
  EXPECT_TRUE(absl::StrContains(history.out, "DRAFTING → PRE_CONSULTATION")) << history.out;
  Result diff = Run("diff B-00001 1");
  EXPECT_TRUE(absl::StrContains(diff.out, "title")) << diff.out;
  EXPECT_TRUE(absl::StrContains(diff.out, "（改訂）"));
}

TEST_F(RfsctlTest, ExitCodesTellFailuresApart) {
  EXPECT_EQ(Run("get A-09999").exit_code, 10 + 5);  // NOT_FOUND
  EXPECT_EQ(Run("get not-a-name").exit_code, 10 + 3);  // INVALID_ARGUMENT
  // Errors in the language asked for: Japanese by default, English with --lang en.
  std::ofstream(dir_->File("bad.json")) << R"({"type": "PLAN_TYPE_B", "title": "x"})";
  Result ja = Run("create -f " + dir_->File("bad.json"));
  EXPECT_EQ(ja.exit_code, 10 + 3) << ja.out;
  EXPECT_TRUE(absl::StrContains(ja.out, "area.prefecture_codes: ")) << ja.out;
  EXPECT_FALSE(absl::StrContains(ja.out, "at least one prefecture is required")) << ja.out;
  Result en = Run("create --lang en -f " + dir_->File("bad.json"));
  EXPECT_TRUE(absl::StrContains(en.out, "area.prefecture_codes: at least one prefecture is required"))
      << en.out;
  Result bad_token = Run("list", "garbage");
  EXPECT_EQ(bad_token.exit_code, 10 + 16);  // UNAUTHENTICATED
  EXPECT_TRUE(absl::StrContains(bad_token.out, "UNAUTHENTICATED")) << bad_token.out;
  ASSERT_EQ(Run(absl::StrCat("create -f ", DataDir(), "/samples/toyama-b-illustrative.json")).exit_code, 0);
  EXPECT_EQ(Run("transition B-00001 published", Viewer()).exit_code, 10 + 7);  // PERMISSION_DENIED
  EXPECT_EQ(Run("transition B-00001 published").exit_code, 10 + 9);  // FAILED_PRECONDITION
  EXPECT_EQ(Run("update B-00001 -f /nonexistent.json --mask title").exit_code, 2);
  EXPECT_EQ(Run("frobnicate").exit_code, 2);
  EXPECT_EQ(Run("health").exit_code, 0);
}

class RfsctlRequirementsTest : public RfsctlTest {
 protected:
  RfsctlRequirementsTest() { start_requirements_ = true; }
  void LoadSamples() {
    for (const char* sample : {"hokuriku-a-ai-semiconductor", "toyama-b-illustrative"}) {
      Result r = Run(absl::StrCat("create -f ", DataDir(), "/samples/", sample, ".json"));
      ASSERT_EQ(r.exit_code, 0) << r.out;
    }
  }
};

TEST_F(RfsctlRequirementsTest, CheckPrintsOneLinePerRequirementInJapaneseOrEnglish) {
  LoadSamples();
  // The seed's draft: targets still "○○", no budget coordination attested yet.
  Result ja = Run("check plans/A-00001");
  EXPECT_EQ(ja.exit_code, 1) << ja.out;  // not PASS
  EXPECT_TRUE(absl::StrContains(ja.out, "判定 不適合 (FAIL)")) << ja.out;
  EXPECT_TRUE(absl::StrContains(ja.out, "✗  KGI-CAPEX")) << ja.out;
  EXPECT_TRUE(absl::StrContains(ja.out, "✓  A1")) << ja.out;
  EXPECT_TRUE(absl::StrContains(ja.out, "対応:")) << ja.out;
  Result en = Run("check A-00001 --lang en");
  EXPECT_TRUE(absl::StrContains(en.out, "verdict FAIL")) << en.out;
  EXPECT_TRUE(absl::StrContains(en.out, "cached")) << en.out;
  EXPECT_TRUE(absl::StrContains(en.out, "the target is not yet set")) << en.out;
  Result json = Run("check plans/A-00001 --json");
  EXPECT_TRUE(absl::StrContains(json.out, "\"verdict\": \"CHECK_VERDICT_FAIL\"")) << json.out;
  Result dry = Run(absl::StrCat("check -f ", DataDir(), "/samples/ishikawa-c-illustrative.json"));
  EXPECT_TRUE(absl::StrContains(dry.out, "（未登録の計画）")) << dry.out;
  EXPECT_TRUE(absl::StrContains(dry.out, "…  C1")) << dry.out;  // attested, awaits review
  EXPECT_EQ(Run("check plans/A-09999").exit_code, 10 + 5);  // NOT_FOUND
  EXPECT_EQ(Run("check").exit_code, 2);
}

TEST_F(RfsctlRequirementsTest, ReviewReviewsScoreAndRuleset) {
  LoadSamples();
  Result review = Run("review plans/B-00002 b1 accept --comment 輸出比率を確認", Bureau());
  EXPECT_EQ(review.exit_code, 0) << review.out;
  Result returned = Run("review plans/B-00002 B4 return", Bureau());
  EXPECT_EQ(returned.exit_code, 10 + 3) << returned.out;  // a return needs a comment
  EXPECT_EQ(Run("review plans/B-00002 B4 accept", Prefecture(kToyama)).exit_code,
            10 + 7);  // PERMISSION_DENIED
  Result list = Run("reviews plans/B-00002");
  EXPECT_TRUE(absl::StrContains(list.out, "輸出比率を確認")) << list.out;
  EXPECT_TRUE(absl::StrContains(list.out, "有効")) << list.out;

  Result score = Run("score plans/B-00002");
  EXPECT_EQ(score.exit_code, 0) << score.out;
  EXPECT_TRUE(absl::StrContains(score.out, "（架空）立山サンプル製薬株式会社  1.0000%")) << score.out;
  EXPECT_EQ(Run("score plans/A-00001").exit_code, 10 + 9);  // FAILED_PRECONDITION: not type B

  Result ruleset = Run("ruleset");
  EXPECT_TRUE(absl::StrContains(ruleset.out, "20億円")) << ruleset.out;
}

}  // namespace
}  // namespace rfs::testing
