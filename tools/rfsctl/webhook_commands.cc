// `rfsctl subscriptions|deliveries|deadletters ...` (webhook_commands.h): the webhook-only flags,
// the client of rfs-notification, the commands, WebhooksUsage and RunWebhooks, which hands
// `rfsctl contacts` to contacts_commands.cc.
#include "tools/rfsctl/webhook_commands.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/base/japan_time.h"
#include "common/kit/client.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "rfs/registry/v1/registry.pb.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/notification_cli.h"
#include "tools/rfsctl/contacts_commands.h"
#include "tools/rfsctl/kpi_commands.h"

ABSL_FLAG(std::string, url, "",
          "subscriptions create/update: where events are POSTed (https://...)");
ABSL_FLAG(std::string, types, "",
          "subscriptions and contacts create/update: event types separated by commas, e.g. "
          "plan.stage_changed,'kpi.*' (contacts: exact types only)");
ABSL_FLAG(std::string, description, "",
          "subscriptions create/update: what the receiver is, for people");
ABSL_FLAG(bool, disabled, false,
          "subscriptions and contacts create/update: disabled (nothing is delivered until "
          "--state=active)");
ABSL_FLAG(std::string, state, "", "subscriptions and contacts create/update: active or disabled");
ABSL_FLAG(std::string, since, "",
          "deadletters recover: dead letters that failed at or after this RFC 3339 time, e.g. "
          "2026-05-01T09:00:00+09:00");

// events_commands.cc and kpi_commands.cc (both in rfsctl_lib, like this file).
ABSL_DECLARE_FLAG(std::string, plan);
ABSL_DECLARE_FLAG(std::string, plan_type);

namespace rfs::rfsctl {

namespace nv1 = notification::v1;
using google::protobuf::util::TimeUtil;

namespace {

using namespace notification_cli;  // NOLINT: the commands' shared client and output
using WebhookClient = NotificationClient;


// SendTestEvent answers once the receiver has (the service gives up on it after 15 s): its
// deadline is at least this, whatever --timeout_s.
constexpr absl::Duration kTestDeadline = absl::Seconds(30);
// RecoverDeliveries requeues at most this many dead letters a call.
constexpr int kMaxRequeued = 10'000;

// The pages of a list into `all`: the page of --page_token (the first without it) of
// --page_size entries (0: the service's default), and the following ones only with --all.
// all->next_page_token() is where the pages read stopped. 0, or the exit code of the error.
template <typename Request, typename Response>
int FetchPages(const WebhookClient& c, Request req, Rpc<Request, Response> rpc, Response* all) {
  const int page_size = CommandFlag<int>("page_size", 0);
  if (page_size < 0) {
    return Fail(c.en() ? "--page_size must be 0 (the service's default) or more"
                       : "--page_size は 0（サービスの既定）以上にしてください");
  }
  req.set_page_size(page_size);
  req.set_page_token(CommandFlag<std::string>("page_token", ""));
  const bool every_page = CommandFlag<bool>("all", false);
  for (;;) {
    Response page;
    if (int code = Call(c, rpc, req, &page)) return code;
    all->MergeFrom(page);  // appends the entries
    all->set_next_page_token(page.next_page_token());
    if (!every_page || page.next_page_token().empty()) return 0;
    req.set_page_token(page.next_page_token());
  }
}

// ---- Words ----

// "7" or "subscriptions/7" → "subscriptions/7"; a dead letter too: "7/deadLetters/3" →
// "subscriptions/7/deadLetters/3". A contact's name ("contacts/7", "contacts/7/deadLetters/3":
// the delivery log and dead letters of e-mail) is kept as it is.
std::string SubscriptionName(absl::string_view arg) {
  arg = absl::StripAsciiWhitespace(arg);
  return absl::StartsWith(arg, "subscriptions/") || absl::StartsWith(arg, "contacts/")
             ? std::string(arg)
             : absl::StrCat("subscriptions/", arg);
}

// The heading of the status column: a webhook's HTTP status, or the SMTP relay's reply code
// for a contact.
std::string StatusHeading(const std::string& name) {
  return absl::StartsWith(name, "contacts/") ? "SMTP" : "HTTP";
}


long long LatencyMs(const nv1::DeliveryAttempt& a) {
  return static_cast<long long>(TimeUtil::DurationToMilliseconds(a.latency()));
}

// "204", or "-" when there was no response.
std::string HttpStatus(int status) { return status > 0 ? absl::StrCat(status) : "-"; }

// "types plan.*,kpi.* · block HOKURIKU", or what an empty filter means.
std::string FilterText(const nv1::EventFilter& f, bool en) {
  std::vector<std::string> parts;
  if (f.types_size() > 0) {
    parts.push_back(absl::StrCat(en ? "types " : "種類 ", absl::StrJoin(f.types(), ",")));
  }
  if (!f.plan().empty()) parts.push_back(absl::StrCat(en ? "plan " : "計画 ", f.plan()));
  if (f.plan_type() != registry::v1::PLAN_TYPE_UNSPECIFIED) {
    parts.push_back(absl::StrCat(
        en ? "plan type " : "計画類型 ",
        absl::StripPrefix(registry::v1::PlanType_Name(f.plan_type()), "PLAN_TYPE_")));
  }
  if (!f.block().empty()) parts.push_back(absl::StrCat(en ? "block " : "ブロック ", f.block()));
  if (!f.prefecture_code().empty()) {
    parts.push_back(absl::StrCat(en ? "prefecture " : "都道府県 ", f.prefecture_code()));
  }
  if (parts.empty()) return en ? "every event you may read" : "閲覧できるすべてのイベント";
  return absl::StrJoin(parts, " · ");
}

// Why a subscription needs a look: the service disabled it, or deliveries are failing.
std::string SubscriptionNote(const nv1::Subscription& s, bool en) {
  if (!s.disabled_reason().empty()) {
    return absl::StrCat(en ? "disabled by the service: " : "サービスが停止: ", s.disabled_reason());
  }
  if (s.has_failing_since()) {
    return absl::StrCat(en ? "failing since " : "配信失敗中（開始 ", When(s.failing_since()),
                        en ? "" : "）");
  }
  return "";
}

// ---- Output ----

void PrintSubscription(const nv1::Subscription& s, bool en) {
  std::printf("%s  %s  %s\n", s.name().c_str(),
              nv1::Subscription::State_Name(s.state()).c_str(), s.url().c_str());
  std::printf("  %s %s\n", en ? "events:" : "イベント:", FilterText(s.filter(), en).c_str());
  if (!s.description().empty()) {
    std::printf("  %s %s\n", en ? "description:" : "説明:", s.description().c_str());
  }
  std::printf("  %s %s · %s %s · %s %s\n", en ? "owner" : "所有者", s.owner().c_str(),
              en ? "created" : "作成", When(s.create_time()).c_str(), en ? "updated" : "更新",
              When(s.update_time()).c_str());
  const std::string note = SubscriptionNote(s, en);
  if (!note.empty()) std::printf("  %s\n", note.c_str());
  if (s.has_previous_secret_expire_time()) {
    std::printf("  %s %s\n", en ? "the previous secret signs too until" : "旧シークレットの署名期限:",
                When(s.previous_secret_expire_time()).c_str());
  }
}

// After a new secret: it is shown only now (on stderr under --json, which prints only JSON).
void SaySecretShownOnce(const WebhookClient& c, const std::string& name) {
  const std::string text =
      c.en() ? absl::StrCat("This secret is shown only now: store it where your receiver reads "
                            "it. If it is lost, `rfsctl subscriptions rotate ",
                            name, "` makes a new one.")
             : absl::StrCat("このシークレットが表示されるのは今回だけです。受信側が読める場所に保管"
                            "してください（失くしたら `rfsctl subscriptions rotate ",
                            name, "` で作り直せます）。");
  std::fprintf(c.g().json ? stderr : stdout, "%s\n", text.c_str());
}

void PrintTable(const TextTable& t) { std::printf("%s", t.Render().c_str()); }

// ---- Flags into requests ----

// The filter of --types and --type (each may hold several types separated by commas; every
// occurrence counts), --plan, --plan_type, --block and --prefecture into `filter`: 0, or the
// usage error printed. With `only_given` a flag counts only when it is on the command line (an
// update replaces the whole filter with what the command line says, not with the environment).
int ReadFilter(const WebhookClient& c, bool only_given, nv1::EventFilter* filter) {
  const EventsGlobals& g = c.g();
  const bool en = c.en();
  std::vector<std::string> types = c.Given("types");
  for (std::string& value : c.Given("type")) types.push_back(std::move(value));
  if (types.empty() && !only_given) {  // from the environment (RFS_TYPES, RFS_TYPE)
    types = g.types;
    if (!absl::GetFlag(FLAGS_types).empty()) types.push_back(absl::GetFlag(FLAGS_types));
  }
  for (const std::string& value : types) {
    for (absl::string_view type : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      filter->add_types(absl::AsciiStrToLower(absl::StripAsciiWhitespace(type)));
    }
  }
  // The value of a flag, when it counts.
  auto counted = [&](absl::string_view name, const std::string& value) {
    return (!only_given || !c.Given(name).empty()) ? Trimmed(value) : std::string();
  };
  const std::string plan = counted("plan", absl::GetFlag(FLAGS_plan));
  if (!plan.empty()) {
    filter->set_plan(NormalizePlanName(plan));
    if (!IsPlanName(filter->plan())) {
      return Fail(absl::StrCat("--plan '", plan,
                               en ? "' is not a plan name like plans/A-00001"
                                  : "' は計画名ではありません（例: plans/A-00001）"));
    }
  }
  std::string plan_type =
      absl::AsciiStrToUpper(counted("plan_type", absl::GetFlag(FLAGS_plan_type)));
  if (!plan_type.empty()) {
    if (!absl::StartsWith(plan_type, "PLAN_TYPE_")) {
      plan_type = absl::StrCat("PLAN_TYPE_", plan_type);
    }
    registry::v1::PlanType type = registry::v1::PLAN_TYPE_UNSPECIFIED;
    if (!registry::v1::PlanType_Parse(plan_type, &type) ||
        type == registry::v1::PLAN_TYPE_UNSPECIFIED) {
      return Fail(en ? "--plan_type must be A, B or C" : "--plan_type は A、B、C のいずれかです");
    }
    filter->set_plan_type(type);
  }
  filter->set_block(absl::AsciiStrToUpper(counted("block", g.block)));
  filter->set_prefecture_code(counted("prefecture", g.prefecture));
  return 0;
}

// Whether a filter flag is on the command line.
bool FilterGiven(const WebhookClient& c) {
  for (const char* name : {"types", "type", "plan", "plan_type", "block", "prefecture"}) {
    if (!c.Given(name).empty()) return true;
  }
  return false;
}

// The state of --state (active or disabled) and --disabled into *state (STATE_UNSPECIFIED when
// neither is set): 0, or the usage error printed. With `only_given`, --state counts only when
// it is on the command line.
int ReadState(const WebhookClient& c, bool only_given, nv1::Subscription::State* state) {
  const bool en = c.en();
  *state = nv1::Subscription::STATE_UNSPECIFIED;
  const std::string text = absl::AsciiStrToLower(Trimmed(absl::GetFlag(FLAGS_state)));
  if (only_given ? !c.Given("state").empty() : !text.empty()) {
    if (text == "active") {
      *state = nv1::Subscription::ACTIVE;
    } else if (text == "disabled") {
      *state = nv1::Subscription::DISABLED;
    } else {
      return Fail(en ? "--state must be active or disabled"
                     : "--state は active か disabled です");
    }
  }
  if (absl::GetFlag(FLAGS_disabled)) {
    if (*state == nv1::Subscription::ACTIVE) {
      return Fail(en ? "--disabled and --state=active contradict each other"
                     : "--disabled と --state=active は両立しません");
    }
    *state = nv1::Subscription::DISABLED;
  }
  return 0;
}

// ---- subscriptions ----

int CmdCreate(WebhookClient& c, const std::vector<std::string>& args) {
  const std::string url = Trimmed(absl::GetFlag(FLAGS_url));
  if (!args.empty() || url.empty()) {
    return Fail("subscriptions create: usage: rfsctl subscriptions create --url URL "
                "[--types T,T] [--plan P] [--plan_type A|B|C] [--block B] [--prefecture CODE] "
                "[--description TEXT] [--disabled]");
  }
  nv1::CreateSubscriptionRequest req;
  nv1::Subscription* s = req.mutable_subscription();
  s->set_url(url);
  s->set_description(absl::GetFlag(FLAGS_description));
  if (int code = ReadFilter(c, /*only_given=*/false, s->mutable_filter())) return code;
  nv1::Subscription::State state = nv1::Subscription::STATE_UNSPECIFIED;
  if (int code = ReadState(c, /*only_given=*/false, &state)) return code;
  s->set_state(state == nv1::Subscription::STATE_UNSPECIFIED ? nv1::Subscription::ACTIVE : state);
  nv1::CreateSubscriptionResponse resp;
  if (int code = Call(c, &nv1::Notification::Stub::CreateSubscription, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
  } else {
    PrintSubscription(resp.subscription(), c.en());
    std::printf("%s %s\n", c.en() ? "secret:" : "シークレット:", resp.secret().c_str());
  }
  SaySecretShownOnce(c, resp.subscription().name());
  return 0;
}

int CmdList(WebhookClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  if (!args.empty()) {
    return Fail("subscriptions list: usage: rfsctl subscriptions list [--page_size N] [--all]");
  }
  nv1::ListSubscriptionsResponse all;
  if (int code = FetchPages(c, nv1::ListSubscriptionsRequest(),
                            &nv1::Notification::Stub::ListSubscriptions, &all)) {
    return code;
  }
  if (c.g().json) {
    PrintJson(all);
  } else if (all.subscriptions().empty()) {
    std::printf("%s\n", en ? "(no subscriptions)" : "（サブスクリプションはありません）");
  } else {
    TextTable t(en ? std::vector<std::string>{"NAME", "STATE", "URL", "EVENTS", "DESCRIPTION",
                                              "NOTE"}
                   : std::vector<std::string>{"名前", "状態", "URL", "イベント", "説明", "備考"},
                60);
    t.SetMaxWidth(2, 100);
    for (const nv1::Subscription& s : all.subscriptions()) {
      t.Add({s.name(), nv1::Subscription::State_Name(s.state()), s.url(),
             FilterText(s.filter(), en), s.description(), SubscriptionNote(s, en)});
    }
    PrintTable(t);
  }
  SayMore(c, all.next_page_token());
  return 0;
}

int CmdGet(WebhookClient& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("subscriptions get: usage: rfsctl subscriptions get NAME");
  nv1::GetSubscriptionRequest req;
  req.set_name(SubscriptionName(args[0]));
  nv1::Subscription resp;
  if (int code = Call(c, &nv1::Notification::Stub::GetSubscription, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
  } else {
    PrintSubscription(resp, c.en());
  }
  return 0;
}

int CmdUpdate(WebhookClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  if (args.size() != 1) {
    return Fail("subscriptions update: usage: rfsctl subscriptions update NAME [--url URL] "
                "[--description TEXT] [--state active|disabled] [--types T,T] [--plan P] "
                "[--plan_type A|B|C] [--block B] [--prefecture CODE]");
  }
  nv1::UpdateSubscriptionRequest req;
  nv1::Subscription* s = req.mutable_subscription();
  s->set_name(SubscriptionName(args[0]));
  google::protobuf::FieldMask* mask = req.mutable_update_mask();
  if (!c.Given("url").empty()) {
    s->set_url(Trimmed(absl::GetFlag(FLAGS_url)));
    mask->add_paths("url");
  }
  if (FilterGiven(c)) {  // the filter flags given replace the whole filter
    if (int code = ReadFilter(c, /*only_given=*/true, s->mutable_filter())) return code;
    mask->add_paths("filter");
  }
  if (!c.Given("description").empty()) {
    s->set_description(absl::GetFlag(FLAGS_description));
    mask->add_paths("description");
  }
  nv1::Subscription::State state = nv1::Subscription::STATE_UNSPECIFIED;
  if (int code = ReadState(c, /*only_given=*/true, &state)) return code;
  if (state != nv1::Subscription::STATE_UNSPECIFIED) {
    s->set_state(state);
    mask->add_paths("state");
  }
  if (mask->paths().empty()) {
    return Fail(en ? "subscriptions update: nothing to change: give --url, --description, "
                     "--state or filter flags (--types, --plan, --plan_type, --block, --prefecture)"
                   : "subscriptions update: 変更する項目がありません。--url、--description、"
                     "--state かフィルター（--types、--plan、--plan_type、--block、--prefecture）を"
                     "指定してください");
  }
  nv1::Subscription resp;
  if (int code = Call(c, &nv1::Notification::Stub::UpdateSubscription, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
    return 0;
  }
  const std::string changed = absl::StrJoin(mask->paths(), ", ");
  std::printf("%s\n", (en ? absl::StrCat("updated ", resp.name(), ": ", changed)
                          : absl::StrCat(resp.name(), " を更新しました: ", changed))
                          .c_str());
  PrintSubscription(resp, en);
  return 0;
}

int CmdDelete(WebhookClient& c, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return Fail("subscriptions delete: usage: rfsctl subscriptions delete NAME");
  }
  nv1::DeleteSubscriptionRequest req;
  req.set_name(SubscriptionName(args[0]));
  nv1::DeleteSubscriptionResponse resp;
  if (int code = Call(c, &nv1::Notification::Stub::DeleteSubscription, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
  } else {
    std::printf("%s\n", (c.en() ? absl::StrCat("deleted ", req.name())
                                : absl::StrCat(req.name(), " を削除しました"))
                            .c_str());
  }
  return 0;
}

int CmdRotate(WebhookClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  if (args.size() != 1) {
    return Fail("subscriptions rotate: usage: rfsctl subscriptions rotate NAME");
  }
  nv1::RotateSecretRequest req;
  req.set_name(SubscriptionName(args[0]));
  nv1::RotateSecretResponse resp;
  if (int code = Call(c, &nv1::Notification::Stub::RotateSecret, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
  } else {
    std::printf("%s %s\n", en ? "new secret:" : "新しいシークレット:", resp.secret().c_str());
  }
  SaySecretShownOnce(c, req.name());
  if (!c.g().json && resp.has_previous_secret_expire_time()) {
    const std::string until = When(resp.previous_secret_expire_time());
    std::printf("%s\n",
                (en ? absl::StrCat("The previous secret signs too until ", until,
                                   " (JST): each delivery carries both signatures until then, so "
                                   "give your receiver the new secret before that.")
                    : absl::StrCat("旧シークレットも ", until,
                                   "（日本時間）まで署名します（その間は両方の署名が付きます）。"
                                   "それまでに受信側へ新しいシークレットを設定してください。"))
                    .c_str());
  }
  return 0;
}

int CmdTest(WebhookClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  if (args.size() != 1) return Fail("subscriptions test: usage: rfsctl subscriptions test NAME");
  nv1::SendTestEventRequest req;
  req.set_name(SubscriptionName(args[0]));
  nv1::SendTestEventResponse resp;
  if (int code = Call(c, &nv1::Notification::Stub::SendTestEvent, req, &resp, kTestDeadline)) {
    return code;
  }
  const nv1::DeliveryAttempt& a = resp.attempt();
  if (c.g().json) {
    PrintJson(resp);
  } else {
    const std::string status =
        a.http_status() > 0 ? absl::StrCat("HTTP ", a.http_status())
                            : std::string(en ? "no HTTP response" : "HTTP 応答なし");
    std::printf("%s: %s\n", req.name().c_str(),
                nv1::DeliveryAttempt::Result_Name(a.result()).c_str());
    std::printf("  %s · %lld ms · %s %s\n", status.c_str(), LatencyMs(a),
                en ? "event" : "イベント", a.event_id().c_str());
    if (!a.error().empty()) std::printf("  %s %s\n", en ? "error:" : "エラー:", a.error().c_str());
  }
  // Like `rfsctl check` and `rfsctl health`: 1 when the call worked but the check did not pass.
  return a.result() == nv1::DeliveryAttempt::DELIVERED ? 0 : 1;
}

// ---- deliveries ----

int CmdDeliveries(WebhookClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  if (args.size() != 1) {
    return Fail("deliveries list: usage: rfsctl deliveries list SUBSCRIPTION [--page_size N] "
                "[--all]");
  }
  nv1::ListDeliveriesRequest req;
  req.set_subscription(SubscriptionName(args[0]));
  nv1::ListDeliveriesResponse all;
  if (int code = FetchPages(c, req, &nv1::Notification::Stub::ListDeliveries, &all)) return code;
  if (c.g().json) {
    PrintJson(all);
  } else if (all.attempts().empty()) {
    std::printf("%s\n", en ? "(no delivery attempts)" : "（配信記録はありません）");
  } else {
    const std::string status = StatusHeading(req.subscription());
    TextTable t(en ? std::vector<std::string>{"TIME", "EVENT", "TYPE", "#", status, "MS",
                                              "RESULT", "ERROR"}
                   : std::vector<std::string>{"日時", "イベント", "種類", "回", status, "ミリ秒",
                                              "結果", "エラー"},
                60);
    for (size_t column : {3, 4, 5}) t.AlignRight(column);
    t.SetMaxWidth(7, 120);
    for (const nv1::DeliveryAttempt& a : all.attempts()) {
      std::string error = a.error();
      if (a.result() == nv1::DeliveryAttempt::RETRYING && a.has_next_attempt_time()) {
        absl::StrAppend(&error, error.empty() ? "" : " · ", en ? "next " : "次回 ",
                        When(a.next_attempt_time()));
      }
      t.Add({When(a.time()), a.event_id(), a.event_type(), absl::StrCat(a.attempt()),
             HttpStatus(a.http_status()), absl::StrCat(LatencyMs(a)),
             nv1::DeliveryAttempt::Result_Name(a.result()), error});
    }
    PrintTable(t);
  }
  SayMore(c, all.next_page_token());
  return 0;
}

// ---- deadletters ----

int CmdDeadLetters(WebhookClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  if (args.size() != 1) {
    return Fail("deadletters list: usage: rfsctl deadletters list SUBSCRIPTION [--page_size N] "
                "[--all]");
  }
  nv1::ListDeadLettersRequest req;
  req.set_subscription(SubscriptionName(args[0]));
  nv1::ListDeadLettersResponse all;
  if (int code = FetchPages(c, req, &nv1::Notification::Stub::ListDeadLetters, &all)) return code;
  if (c.g().json) {
    PrintJson(all);
  } else if (all.dead_letters().empty()) {
    std::printf("%s\n", en ? "(no dead letters)" : "（デッドレターはありません）");
  } else {
    const std::string status = StatusHeading(req.subscription());
    TextTable t(en ? std::vector<std::string>{"NAME", "FAILED", "EVENT", "TYPE", "ATTEMPTS",
                                              status, "ERROR"}
                   : std::vector<std::string>{"名前", "失敗日時", "イベント", "種類", "試行",
                                              status, "エラー"},
                60);
    for (size_t column : {4, 5}) t.AlignRight(column);
    t.SetMaxWidth(6, 120);
    for (const nv1::DeadLetter& d : all.dead_letters()) {
      t.Add({d.name(), When(d.failed_time()), d.event().event().id(), d.event().event().type(),
             absl::StrCat(d.attempts()), HttpStatus(d.http_status()), d.error()});
    }
    PrintTable(t);
  }
  SayMore(c, all.next_page_token());
  return 0;
}

int CmdRedeliver(WebhookClient& c, const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return Fail("deadletters redeliver: usage: rfsctl deadletters redeliver "
                "subscriptions/ID/deadLetters/N (or contacts/ID/deadLetters/N)");
  }
  nv1::RedeliverDeadLetterRequest req;
  req.set_name(SubscriptionName(args[0]));
  nv1::RedeliverDeadLetterResponse resp;
  if (int code = Call(c, &nv1::Notification::Stub::RedeliverDeadLetter, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
  } else {
    std::printf("%s\n", (c.en() ? absl::StrCat("queued ", req.name(), " for delivery again")
                                : absl::StrCat(req.name(), " を再配信します"))
                            .c_str());
  }
  return 0;
}

int CmdRecover(WebhookClient& c, const std::vector<std::string>& args) {
  const bool en = c.en();
  const std::string since = Trimmed(absl::GetFlag(FLAGS_since));
  if (args.size() != 1 || since.empty()) {
    return Fail("deadletters recover: usage: rfsctl deadletters recover SUBSCRIPTION "
                "--since 2026-05-01T09:00:00+09:00");
  }
  nv1::RecoverDeliveriesRequest req;
  req.set_subscription(SubscriptionName(args[0]));
  if (!TimeUtil::FromString(since, req.mutable_since())) {
    return Fail(absl::StrCat("--since '", since,
                             en ? "' is not an RFC 3339 time like 2026-05-01T09:00:00+09:00"
                                : "' は RFC 3339 の時刻ではありません（例: "
                                  "2026-05-01T09:00:00+09:00）"));
  }
  nv1::RecoverDeliveriesResponse resp;
  if (int code = Call(c, &nv1::Notification::Stub::RecoverDeliveries, req, &resp)) return code;
  if (c.g().json) {
    PrintJson(resp);
  } else {
    std::printf("%s\n", (en ? absl::StrCat(resp.requeued(), " dead letter(s) of ",
                                           req.subscription(), " queued for delivery again")
                            : absl::StrCat(req.subscription(), " のデッドレター ",
                                           resp.requeued(), " 件を再配信します"))
                            .c_str());
  }
  if (resp.requeued() >= kMaxRequeued) {
    std::fprintf(stderr, "%s\n",
                 en ? "at most 10,000 a call: run it again for the rest"
                    : "1 回に再配信できるのは 10,000 件までです。残りはもう一度実行してください");
  }
  return 0;
}

// ---- Dispatch ----

// The error of a command run without a token.
std::string NoTokenMessage(bool english) {
  return absl::StrCat(english ? "no token: set RFS_TOKEN (e.g. "
                              : "トークンがありません: RFS_TOKEN を設定するか（例: ",
                      "export RFS_TOKEN=$(rfsctl token --key_file KEY --role secretariat)",
                      english ? ") or pass --token / --token_file"
                              : "）、--token か --token_file を指定してください");
}

struct Command {
  const char* command;  // "subscriptions"
  const char* name;     // "create"
  int (*run)(WebhookClient& c, const std::vector<std::string>& args);
};

constexpr Command kCommands[] = {
    {"subscriptions", "create", CmdCreate},      {"subscriptions", "list", CmdList},
    {"subscriptions", "get", CmdGet},            {"subscriptions", "update", CmdUpdate},
    {"subscriptions", "delete", CmdDelete},      {"subscriptions", "rotate", CmdRotate},
    {"subscriptions", "test", CmdTest},          {"deliveries", "list", CmdDeliveries},
    {"deadletters", "list", CmdDeadLetters},     {"deadletters", "redeliver", CmdRedeliver},
    {"deadletters", "recover", CmdRecover},
};

}  // namespace

bool IsWebhookCommand(const std::string& command) {
  return command == "subscriptions" || command == "deliveries" || command == "deadletters" ||
         command == "contacts";
}

const char* WebhooksUsage() {
  return R"(rfsctl subscriptions | deliveries | deadletters: the webhooks of rfs (rfs-notification
at --notification_addr, RFS_NOTIFICATION_ADDR, default localhost:50054). A subscription POSTs
each event of the log that matches its filter, and that its owner may read, to an HTTPS URL,
signed as the Standard Webhooks specification says (headers webhook-id, webhook-timestamp and
webhook-signature; a receiver that checks them: docs/examples/webhook_receiver.py).

  rfsctl subscriptions create --url https://example.org/rfs [--types plan.stage_changed,'kpi.*']
                              [--plan plans/A-00001] [--plan_type A|B|C] [--block HOKURIKU]
                              [--prefecture 150002] [--description TEXT] [--disabled]
      Creates a subscription; it receives the events logged from now on (with --disabled, none
      until `update NAME --state active`). Prints it, then its signing secret (whsec_...),
      shown only this once: store it where your receiver reads it.
  rfsctl subscriptions list [--page_size N] [--all]
      Your subscriptions (the secretariat's: every one), oldest first: name, state, URL,
      filter, description, and why one is disabled or failing.
  rfsctl subscriptions get NAME
      One subscription (never its secret): filter, owner, times, failures.
  rfsctl subscriptions update NAME [--url URL] [--description TEXT] [--state active|disabled]
                              [--types T,T] [--plan P] [--plan_type A|B|C] [--block B]
                              [--prefecture CODE]
      Changes only what the flags on the command line say (--description= clears the
      description). Filter flags replace the whole filter with the filter flags given: repeat
      every part to keep. --state active resumes delivery where it stopped.
  rfsctl subscriptions delete NAME
      Deletes it with its delivery log, retries and dead letters.
  rfsctl subscriptions rotate NAME
      Makes a new signing secret, shown only this once. The previous one signs too until the
      time printed (24 h by default; each delivery carries both signatures meanwhile): give
      your receiver the new one before then (webhook_receiver.py takes --secret twice).
  rfsctl subscriptions test NAME
      Sends a signed "webhook.test" event now and prints the attempt: result, HTTP status,
      latency in ms, error. Not retried. Exit 0 when delivered, 1 when not.
  rfsctl deliveries list SUBSCRIPTION [--page_size N] [--all]
      The delivery log, newest first, one line per attempt: time, event id, type, attempt
      number, HTTP status (- for none; a contact's: the SMTP relay's reply code), latency in
      ms, result (DELIVERED, RETRYING, DEAD_LETTERED, FAILED) and error.
  rfsctl deadletters list SUBSCRIPTION [--page_size N] [--all]
      Events the subscription gave up on after the retry window (or on 410 Gone), newest
      first: name, when it failed, event id, type, attempts, last HTTP status and error.
  rfsctl deadletters redeliver subscriptions/ID/deadLetters/N
      Delivers one dead letter again (from the first step of the retry schedule); a
      contact's: contacts/ID/deadLetters/N.
  rfsctl deadletters recover SUBSCRIPTION --since 2026-05-01T09:00:00+09:00
      Delivers again every dead letter that failed at or after an RFC 3339 time (at most
      10,000 a call: run it again for the rest).

  NAME and SUBSCRIPTION: subscriptions/ID, or the ID alone. SUBSCRIPTION (and a dead letter's
  name) may also be an e-mail contact's, contacts/ID (rfsctl contacts help): its mails are
  delivered, retried and dead-lettered the same way. A list prints one page (the service's
  size, or --page_size) and, on stderr, how to read on (--page_token TOKEN); --all reads every
  page. Filters are those of `rfsctl events` (rfsctl events help); --types takes several types
  separated by commas (quote 'kpi.*' for the shell). Times are JST. Words follow --lang ja|en.
  --json prints the response as protobuf JSON with the proto field names (a list: one response
  holding every page read). Exit codes: 0 success, 1 a test not delivered, 2 usage or local
  error, 10 + the gRPC code otherwise (15 NOT_FOUND, 17 PERMISSION_DENIED, 18
  RESOURCE_EXHAUSTED ...).
)";
}

int RunWebhooks(const EventsGlobals& globals, const std::string& command,
                const std::vector<std::string>& all, int argc, char* const* argv) {
  if (command == "contacts") return RunContacts(globals, all, argc, argv);
  if (all.empty()) {
    std::fprintf(stderr, "%s", WebhooksUsage());
    return kUsageError;
  }
  if (all[0] == "help") {
    std::printf("%s", WebhooksUsage());
    return 0;
  }
  const bool en = globals.english;
  const std::vector<std::string> args(all.begin() + 1, all.end());
  std::vector<std::string> known;
  for (const Command& entry : kCommands) {
    if (command != entry.command) continue;
    known.push_back(entry.name);
    if (all[0] != entry.name) continue;
    if (globals.token.empty()) return Fail(NoTokenMessage(en));
    std::vector<std::string> command_line;
    if (argc > 1) command_line.assign(argv + 1, argv + argc);
    WebhookClient c(globals, std::move(command_line));
    return entry.run(c, args);
  }
  return Fail(absl::StrCat(command, ": ", en ? "unknown command '" : "不明なコマンド '", all[0],
                           en ? "'; try: " : "'。次のいずれかです: ", absl::StrJoin(known, ", "),
                           " (rfsctl ", command, " help)"));
}

}  // namespace rfs::rfsctl
