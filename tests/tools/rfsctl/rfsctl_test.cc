// rfsctl, the binary people and scripts use, against a real registry: every sample plan loads,
// tables line up with Japanese titles, --json is protobuf JSON, and exit codes tell failures
// apart. `rfsctl events` against a real rfs-notification fed by the registry's outbox relay.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/base/text.h"
#include "services/notification/notification_server.h"
#include "tests/support/http_receiver.h"
#include "tests/support/registry_fixture.h"

namespace rfs::testing {
namespace {

class RfsctlTest : public RegistryFixture {
 protected:
  struct Result {
    int exit_code;
    std::string out;  // stdout and stderr
  };
  // `wrapper` goes before the binary, e.g. "timeout 5 ".
  Result Run(const std::string& args, const std::string& token = "",
             const std::string& wrapper = "") {
    const std::string addr = absl::StartsWith(config_.listen, "unix://")
                                 ? config_.listen
                                 : absl::StrCat("127.0.0.1:", server_->port());
    const std::string requirements =
        start_requirements_ ? absl::StrCat(" RFS_REQUIREMENTS_ADDR=", requirements_config_.listen)
                            : "";
    const std::string notification =
        notification_addr_.empty() ? "" : absl::StrCat(" RFS_NOTIFICATION_ADDR=", notification_addr_);
    const std::string cmd = absl::StrCat(
        "RFS_ADDR=", addr, requirements, notification, " RFS_TOKEN='",
        token.empty() ? Secretariat() : token, "' ", wrapper, BuildDir(), "/tools/rfsctl/rfsctl ",
        args);
    CommandResult run = RunShell(cmd);
    return {run.exit_code, std::move(run.out)};
  }

  // Where rfs-notification listens, for `rfsctl events` (RfsctlEventsTest).
  std::string notification_addr_;
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

// rfs-notification beside the registry, on the same Redis, the registry relaying its outbox to it
// (as tests/services/notification/relay_test.cc runs them).
class RfsctlEventsTest : public RfsctlTest {
 protected:
  void SetUp() override {
    RfsctlTest::SetUp();
    if (HasFatalFailure()) return;
    // Webhooks to the test's receiver on loopback.
    notification_webhook_.http.allow_http = true;
    notification_webhook_.guard = *EgressGuard::FromList("127.0.0.0/8");
    notification_webhook_.poll = absl::Milliseconds(20);
    ASSERT_NO_FATAL_FAILURE(StartNotification());
    notification_addr_ = config_.notification_address;
    // The registry again, now relaying its outbox to rfs-notification.
    server_.reset();
    ASSERT_NO_FATAL_FAILURE(StartRegistry());
  }

  // Waits until the registry's outbox is empty (the relay took everything); false after 20 s.
  bool Drained() {
    for (int i = 0; i < 400; ++i) {
      if (redis_->Cli("XLEN rfs:registry:outbox") == "0") return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }
};

// The lines of `out` that contain `text`.
std::vector<std::string> LinesWith(const std::string& out, absl::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StrContains(line, text)) lines.emplace_back(line);
  }
  return lines;
}

// What follows `marker` on the first line holding it ("" when none does).
std::string RestAfter(const std::string& out, absl::string_view marker) {
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    const size_t at = line.find(marker);
    if (at != absl::string_view::npos) return std::string(line.substr(at + marker.size()));
  }
  return "";
}

// A subscription made, tested, listed and followed through rfsctl, against a real receiver.
TEST_F(RfsctlEventsTest, SubscriptionsAreMadeTestedAndFollowed) {
  HttpReceiver receiver;
  Result made = Run(absl::StrCat("subscriptions create --lang en --url ", receiver.Url(),
                                 " --types 'plan.*' --description 'Toyama receiver'"));
  ASSERT_EQ(made.exit_code, 0) << made.out;
  EXPECT_TRUE(absl::StrContains(made.out, "whsec_")) << made.out;
  const std::string name = "subscriptions/" + RestAfter(made.out, "subscriptions/").substr(0, 16);
  ASSERT_EQ(name.size(), 30u) << made.out;

  Result listed = Run("subscriptions list --lang en");
  ASSERT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_TRUE(absl::StrContains(listed.out, name)) << listed.out;
  EXPECT_FALSE(absl::StrContains(listed.out, "whsec_")) << listed.out;  // shown once only

  Result tested = Run(absl::StrCat("subscriptions test ", name, " --lang en"));
  EXPECT_EQ(tested.exit_code, 0) << tested.out;
  EXPECT_TRUE(absl::StrContains(tested.out, "200")) << tested.out;
  ASSERT_EQ(receiver.Count(), 1u);

  // A plan created: its event reaches the receiver, and the delivery log says so.
  ASSERT_EQ(Run(absl::StrCat("create -f ", DataDir(), "/samples/toyama-b-illustrative.json")).exit_code, 0);
  ASSERT_TRUE(receiver.WaitFor(2, absl::Seconds(20)));
  EXPECT_EQ(receiver.Requests()[1].headers.at("webhook-id"), "registry/plans/B-00001/v1");
  Result log;
  ASSERT_TRUE(WaitFor([&] {
    log = Run(absl::StrCat("deliveries list ", name, " --lang en"));
    return absl::StrContains(log.out, "plan.created");
  })) << log.out;
  EXPECT_TRUE(absl::StrContains(log.out, "webhook.test")) << log.out;

  Result disabled = Run(absl::StrCat("subscriptions update ", name, " --state disabled --lang en"));
  EXPECT_EQ(disabled.exit_code, 0) << disabled.out;
  Result got = Run(absl::StrCat("subscriptions get ", name, " --json"));
  EXPECT_TRUE(absl::StrContains(got.out, "\"DISABLED\"")) << got.out;
  EXPECT_EQ(Run(absl::StrCat("deadletters list ", name)).exit_code, 0);
  EXPECT_EQ(Run(absl::StrCat("subscriptions delete ", name)).exit_code, 0);
  EXPECT_EQ(Run(absl::StrCat("subscriptions get ", name)).exit_code, 10 + 5);  // NOT_FOUND
  EXPECT_EQ(Run("subscriptions create --url ftp://example.go.jp/").exit_code, 10 + 3);
}

// A contact kept through rfsctl (as the secretariat, for Toyama).
TEST_F(RfsctlEventsTest, ContactsAreKeptThroughRfsctl) {
  Result made = Run("contacts create --lang en --body 160008 --address taro@pref.toyama.lg.jp "
                    "--display_name 'Toyama office' --digest");
  ASSERT_EQ(made.exit_code, 0) << made.out;
  const std::string name = "contacts/" + RestAfter(made.out, "contacts/").substr(0, 16);
  ASSERT_EQ(name.size(), 25u) << made.out;
  Result listed = Run("contacts list --lang en");
  EXPECT_TRUE(absl::StrContains(listed.out, name)) << listed.out;
  EXPECT_TRUE(absl::StrContains(listed.out, "taro@pref.toyama.lg.jp")) << listed.out;
  EXPECT_EQ(Run(absl::StrCat("contacts update ", name, " --state disabled")).exit_code, 0);
  Result got = Run(absl::StrCat("contacts get ", name, " --json"));
  EXPECT_TRUE(absl::StrContains(got.out, "\"DISABLED\"")) << got.out;
  EXPECT_TRUE(absl::StrContains(got.out, "\"daily_digest\": true")) << got.out;
  EXPECT_EQ(Run(absl::StrCat("deliveries list ", name)).exit_code, 0);
  EXPECT_EQ(Run(absl::StrCat("contacts delete ", name)).exit_code, 0);
  EXPECT_EQ(Run(absl::StrCat("contacts get ", name)).exit_code, 10 + 5);  // NOT_FOUND
  EXPECT_EQ(Run("contacts create --body 160008 --address 'not an address'").exit_code, 10 + 3);
}

TEST_F(RfsctlEventsTest, ListPagesThroughTheLogAndWatchFollowsIt) {
  // Three writes, three events: plan.created v1, plan.updated v2, plan.stage_changed v3.
  ASSERT_EQ(Run(absl::StrCat("create -f ", DataDir(), "/samples/toyama-b-illustrative.json")).exit_code, 0);
  const std::string change = dir_->File("change.json");
  std::ofstream(change) << R"({"title": "富山県 地域産業クラスター計画（改訂）"})";
  ASSERT_EQ(Run(absl::StrCat("update B-00001 -f ", change, " --mask title --etag v1")).exit_code, 0);
  ASSERT_EQ(Run("transition B-00001 pre_consultation").exit_code, 0);
  ASSERT_TRUE(Drained()) << redis_->Cli("XLEN rfs:registry:outbox");

  // Japanese by default: one line per event, the cursor last; on stderr where to continue.
  Result ja = Run("events list");
  ASSERT_EQ(ja.exit_code, 0) << ja.out;
  EXPECT_EQ(LinesWith(ja.out, "  カーソル ").size(), 3u) << ja.out;
  const std::vector<std::string> moved = LinesWith(ja.out, "plan.stage_changed");
  ASSERT_EQ(moved.size(), 1u) << ja.out;
  EXPECT_TRUE(absl::StrContains(moved[0], "  plan.stage_changed  plans/B-00001 v3  実施者 "
                                          "secretariat-1  DRAFTING → PRE_CONSULTATION  カーソル "))
      << moved[0];
  EXPECT_TRUE(absl::StrContains(ja.out, "3 件。続きは --after ")) << ja.out;

  // In English, filtered by type.
  Result en = Run("events list --lang en --type plan.stage_changed");
  ASSERT_EQ(en.exit_code, 0) << en.out;
  EXPECT_EQ(LinesWith(en.out, "  cursor ").size(), 1u) << en.out;
  EXPECT_TRUE(absl::StrContains(en.out, "v3  by secretariat-1  DRAFTING → PRE_CONSULTATION"))
      << en.out;
  EXPECT_TRUE(absl::StrContains(en.out, "1 event(s); continue with --after ")) << en.out;

  // --limit stops early, and --after its cursor goes on with the rest: nothing missed or repeated.
  Result first = Run("events list --type 'plan.*' --limit 2");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_EQ(LinesWith(first.out, "  カーソル ").size(), 2u) << first.out;
  EXPECT_TRUE(absl::StrContains(first.out, "2 件（続きがあります）。続きは --after ")) << first.out;
  const std::string cursor = RestAfter(first.out, "続きは --after ");
  ASSERT_FALSE(cursor.empty()) << first.out;
  Result rest = Run(absl::StrCat("events list --after '", cursor, "'"));
  EXPECT_EQ(LinesWith(rest.out, "  カーソル ").size(), 1u) << rest.out;
  EXPECT_EQ(LinesWith(rest.out, "plan.stage_changed").size(), 1u) << rest.out;

  Result json = Run("events list --json --type plan.stage_changed");
  EXPECT_TRUE(absl::StrContains(json.out, "\"id\":\"registry/plans/B-00001/v3\"")) << json.out;

  // A watch from the first event's cursor: the two after it, then live until stopped.
  const std::vector<std::string> created = LinesWith(ja.out, "plan.created");
  ASSERT_EQ(created.size(), 1u) << ja.out;
  const std::string after_created = RestAfter(created[0], "  カーソル ");
  Result watch = Run(absl::StrCat("events watch --lang en --after '", after_created, "'"), "",
                     "timeout 5 ");
  EXPECT_EQ(watch.exit_code, 124) << watch.out;  // still watching when timeout stopped it
  EXPECT_EQ(LinesWith(watch.out, "  cursor ").size(), 2u) << watch.out;
  EXPECT_EQ(LinesWith(watch.out, "plan.updated").size(), 1u) << watch.out;
  EXPECT_EQ(LinesWith(watch.out, "plan.stage_changed").size(), 1u) << watch.out;
  EXPECT_TRUE(absl::StrContains(watch.out, "caught up; now live")) << watch.out;

  // Exit codes: usage, local errors, the service's refusals.
  EXPECT_EQ(Run("events").exit_code, 2);
  Result help = Run("events help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(help.out, "rfsctl events watch")) << help.out;
  EXPECT_EQ(Run("events frobnicate").exit_code, 2);
  EXPECT_EQ(Run("events list --plan X-1").exit_code, 2);
  EXPECT_EQ(Run("events list --limit=-1").exit_code, 2);
  EXPECT_EQ(Run("events list --type 'not a type'").exit_code, 10 + 3);  // INVALID_ARGUMENT
}

}  // namespace
}  // namespace rfs::testing
