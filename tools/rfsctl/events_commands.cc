// `rfsctl events ...` (events_commands.h): the events-only flags, the client of rfs-notification,
// the commands list and watch, EventLine, EventsUsage and RunEvents.
#include "tools/rfsctl/events_commands.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/map.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/kit/client.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/kpi_commands.h"

ABSL_FLAG(std::string, notification_addr, "localhost:50054",
          "Notification service (event log) address (RFS_NOTIFICATION_ADDR)");
ABSL_FLAG(std::string, plan, "",
          "events list/watch: only events about this plan, e.g. plans/A-00001");
ABSL_FLAG(std::string, after, "",
          "events list/watch: start after this cursor (the last one a list or watch printed)");
ABSL_FLAG(int, limit, 100, "events list: stop after this many events (0: all)");

namespace rfs::rfsctl {

namespace nv1 = notification::v1;

namespace {

// The most events ListEvents gives in a page.
constexpr int kMaxPageSize = 1000;
// The waits of a watch between reconnections: 1 s, doubling up to 30 s.
constexpr absl::Duration kFirstWait = absl::Seconds(1);
constexpr absl::Duration kLongestWait = absl::Seconds(30);

// The client of rfs-notification at --notification_addr, with the globals of the command.
class EventsClient {
 public:
  explicit EventsClient(const EventsGlobals& g) : g_(g) {
    ChannelOptions options;
    options.target = absl::GetFlag(FLAGS_notification_addr);
    options.tls = g.tls;
    options.ca_file = g.ca_file;
    // A watch reconnects within its own 30 s backoff, not gRPC's default of up to 120 s.
    options.max_reconnect_backoff_ms = 30'000;
    stub_ = nv1::Notification::NewStub(MakeChannel(options));
  }
  const EventsGlobals& g() const { return g_; }
  nv1::Notification::Stub& stub() const { return *stub_; }

 private:
  const EventsGlobals& g_;
  std::unique_ptr<nv1::Notification::Stub> stub_;
};

// The error of a command run without a token.
std::string NoTokenMessage(bool english) {
  return absl::StrCat(english ? "no token: set RFS_TOKEN (e.g. "
                              : "トークンがありません: RFS_TOKEN を設定するか（例: ",
                      "export RFS_TOKEN=$(rfsctl token --key_file KEY --role secretariat)",
                      english ? ") or pass --token / --token_file"
                              : "）、--token か --token_file を指定してください");
}

// The attribute paired with `key` in a change: to_X for from_X and from_X for to_X; "" for any
// other key.
std::string Counterpart(absl::string_view key) {
  if (absl::ConsumePrefix(&key, "from_")) return absl::StrCat("to_", key);
  if (absl::ConsumePrefix(&key, "to_")) return absl::StrCat("from_", key);
  return "";
}

// "DRAFTING → PRE_CONSULTATION  author_code=160008": each from_X/to_X pair as "OLD → NEW", then
// the other attributes that have a value as key=value, by key.
std::string AttributesText(const google::protobuf::Map<std::string, std::string>& attributes) {
  std::map<std::string, std::string> sorted;
  for (const auto& kv : attributes) sorted[kv.first] = kv.second;
  std::vector<std::string> parts;
  for (const auto& [key, value] : sorted) {
    if (!absl::StartsWith(key, "from_")) continue;
    const auto to = sorted.find(Counterpart(key));
    if (to != sorted.end()) parts.push_back(absl::StrCat(value, " → ", to->second));
  }
  for (const auto& [key, value] : sorted) {
    const std::string other = Counterpart(key);
    if (value.empty() || (!other.empty() && sorted.count(other) > 0)) continue;
    parts.push_back(absl::StrCat(key, "=", value));
  }
  return absl::StrJoin(parts, "  ");
}

// A LoggedEvent as protobuf JSON on one line (--json), with the proto field names.
std::string JsonLine(const nv1::LoggedEvent& logged) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  std::string out;
  if (google::protobuf::util::MessageToJsonString(logged, &out, options).ok()) return out;
  // A payload of a type this rfsctl does not know cannot be written as JSON: the event without it.
  nv1::LoggedEvent bare = logged;
  bare.mutable_event()->clear_payload();
  out.clear();
  (void)google::protobuf::util::MessageToJsonString(bare, &out, options);
  return out;
}

// One event on standard output: its line, or its JSON with --json.
void PrintEvent(const EventsGlobals& g, const nv1::LoggedEvent& logged) {
  const std::string line = g.json ? JsonLine(logged) : EventLine(logged, g.english);
  std::printf("%s\n", line.c_str());
}

// The filter of --type (each value may hold several, separated by commas), --plan, --block and
// --prefecture into `filter`: 0, or the usage error printed (after `command`).
int ReadFilter(const EventsGlobals& g, absl::string_view command, nv1::EventFilter* filter) {
  for (const std::string& value : g.types) {
    for (absl::string_view type : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      filter->add_types(absl::AsciiStrToLower(absl::StripAsciiWhitespace(type)));
    }
  }
  const std::string plan = absl::GetFlag(FLAGS_plan);
  if (!plan.empty()) {
    filter->set_plan(NormalizePlanName(plan));
    if (!IsPlanName(filter->plan())) {
      return Fail(absl::StrCat(command, ": --plan '", plan,
                               g.english ? "' is not a plan name like plans/A-00001"
                                         : "' は計画名ではありません（例: plans/A-00001）"));
    }
  }
  filter->set_block(absl::AsciiStrToUpper(absl::StripAsciiWhitespace(g.block)));
  filter->set_prefecture_code(std::string(absl::StripAsciiWhitespace(g.prefecture)));
  return 0;
}

// ---- events list ----

// How far `events list` got.
struct ListProgress {
  int printed = 0;
  std::string cursor;  // where to continue from (--after)
  bool more = false;   // stopped at --limit with events left
};

// Prints the events of a page, up to `limit` in all (0: no limit), and moves `p` on; false once
// the limit is reached.
bool PrintPage(const EventsGlobals& g, const nv1::ListEventsResponse& page, int limit,
               ListProgress* p) {
  for (const nv1::LoggedEvent& logged : page.events()) {
    if (limit > 0 && p->printed >= limit) {
      p->more = true;  // p->cursor stays at the last event printed
      return false;
    }
    PrintEvent(g, logged);
    ++p->printed;
    p->cursor = logged.cursor();
  }
  // Past the entries of the page that the filter or the read rule left out, too.
  if (!page.last_cursor().empty()) p->cursor = page.last_cursor();
  if (limit > 0 && p->printed >= limit) {
    p->more = !page.next_page_token().empty();
    return false;
  }
  return true;
}

// The end of `events list`: "(no events)" when there were none, and on stderr how many and the
// cursor to continue from (last on the line).
void PrintListEnd(const EventsGlobals& g, const ListProgress& p) {
  const bool en = g.english;
  if (p.printed == 0 && !g.json) {
    std::printf("%s\n", en ? "(no events)" : "（該当するイベントはありません）");
  }
  std::fflush(stdout);
  if (p.cursor.empty()) return;  // the log looked at nothing: nothing to continue after
  if (en) {
    std::fprintf(stderr, "%d event(s)%s; continue with --after %s\n", p.printed,
                 p.more ? ", more follow" : "", p.cursor.c_str());
  } else {
    std::fprintf(stderr, "%d 件%s。続きは --after %s\n", p.printed,
                 p.more ? "（続きがあります）" : "", p.cursor.c_str());
  }
}

int CmdList(EventsClient& c, const std::vector<std::string>& args) {
  const EventsGlobals& g = c.g();
  if (!args.empty()) {
    return Fail("events list: usage: rfsctl events list [--type T]... [--plan plans/A-00001] "
                "[--block B] [--prefecture CODE] [--after CURSOR] [--limit N]");
  }
  const int limit = absl::GetFlag(FLAGS_limit);
  if (limit < 0) {
    return Fail(g.english ? "events list: --limit must be 0 (all) or more"
                          : "events list: --limit は 0（すべて）以上にしてください");
  }
  nv1::ListEventsRequest req;
  if (int code = ReadFilter(g, "events list", req.mutable_filter())) return code;
  req.set_after_cursor(absl::GetFlag(FLAGS_after));
  // The same page size on every page (a page token goes with its request).
  req.set_page_size(limit > 0 ? std::min(limit, kMaxPageSize) : kMaxPageSize);
  ListProgress progress;
  progress.cursor = req.after_cursor();
  do {
    nv1::ListEventsResponse page;
    grpc::ClientContext ctx;
    PrepareContext(&ctx, g.token, g.timeout, g.english);
    const grpc::Status s = c.stub().ListEvents(&ctx, req, &page);
    if (!s.ok()) {
      std::fflush(stdout);
      return FailRpc(s, g.english);
    }
    if (!PrintPage(g, page, limit, &progress)) break;
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  PrintListEnd(g, progress);
  return 0;
}

// ---- events watch ----

// What a watch keeps across its streams.
struct WatchState {
  std::string cursor;     // of the last event, caught-up mark or heartbeat: where to resume
  bool received = false;  // the current stream sent something
};

// One message of a watch: an event printed (at once, for a pipe too), the end of the replay
// said on stderr, a heartbeat only remembered.
void HandleWatchMessage(const EventsGlobals& g, const nv1::WatchEventsResponse& m,
                        WatchState* state) {
  std::string cursor;
  switch (m.kind_case()) {
    case nv1::WatchEventsResponse::kEvent:
      PrintEvent(g, m.event());
      std::fflush(stdout);
      cursor = m.event().cursor();
      break;
    case nv1::WatchEventsResponse::kCaughtUp:
      std::fprintf(stderr, "%s\n", g.english ? "caught up; now live"
                                             : "追いつきました。以降は発生時に表示します");
      cursor = m.caught_up().cursor();
      break;
    case nv1::WatchEventsResponse::kHeartbeat:
      cursor = m.heartbeat().cursor();
      break;
    default:
      break;
  }
  if (!cursor.empty()) state->cursor = cursor;
}

// One WatchEvents stream, after state->cursor, with no deadline: its status once it ends.
grpc::Status WatchOnce(EventsClient& c, const nv1::WatchEventsRequest& base, WatchState* state) {
  nv1::WatchEventsRequest req = base;
  req.set_after_cursor(state->cursor);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, c.g().token, absl::InfiniteDuration(), c.g().english);
  std::unique_ptr<grpc::ClientReader<nv1::WatchEventsResponse>> reader =
      c.stub().WatchEvents(&ctx, req);
  nv1::WatchEventsResponse m;
  while (reader->Read(&m)) {
    state->received = true;
    HandleWatchMessage(c.g(), m, state);
  }
  return reader->Finish();
}

// On stderr: why the stream ended and when and from where the watch reconnects.
void SayReconnecting(const EventsGlobals& g, const grpc::Status& s, absl::Duration wait,
                     const std::string& cursor) {
  const bool en = g.english;
  const std::string why =
      s.ok() ? std::string(en ? "the service ended the stream"
                              : "サービスがストリームを終了しました")
             : absl::StrCat(en ? "connection lost (UNAVAILABLE: "
                               : "接続が切れました（UNAVAILABLE: ",
                            s.error_message(), en ? ")" : "）");
  const std::string from =
      cursor.empty()
          ? std::string(en ? "no cursor yet: only events logged from then on"
                           : "カーソルがまだないため、再接続後に記録されるイベントのみ")
          : absl::StrCat(en ? "after cursor " : "カーソル ", cursor, en ? "" : " の後から");
  const long long seconds = static_cast<long long>(absl::ToInt64Seconds(wait));
  if (en) {
    std::fprintf(stderr, "%s; reconnecting in %lld s (%s)\n", why.c_str(), seconds, from.c_str());
  } else {
    std::fprintf(stderr, "%s。%lld 秒後に再接続します（%s）\n", why.c_str(), seconds, from.c_str());
  }
}

int CmdWatch(EventsClient& c, const std::vector<std::string>& args) {
  const EventsGlobals& g = c.g();
  if (!args.empty()) {
    return Fail("events watch: usage: rfsctl events watch [--type T]... [--plan plans/A-00001] "
                "[--block B] [--prefecture CODE] [--after CURSOR]");
  }
  nv1::WatchEventsRequest req;
  if (int code = ReadFilter(g, "events watch", req.mutable_filter())) return code;
  WatchState state;
  state.cursor = absl::GetFlag(FLAGS_after);
  absl::Duration wait = kFirstWait;
  for (;;) {
    state.received = false;
    const grpc::Status s = WatchOnce(c, req, &state);
    // UNAVAILABLE: the connection dropped or the replica shut down. OK: the stream ended
    // without an error (a watch is endless; a proxy may have closed it). Both resume.
    if (!s.ok() && s.error_code() != grpc::StatusCode::UNAVAILABLE) {
      std::fflush(stdout);
      return FailRpc(s, g.english);
    }
    if (state.received) wait = kFirstWait;  // the last stream worked: start the waits again
    SayReconnecting(g, s, wait, state.cursor);
    absl::SleepFor(wait);
    wait = std::min(wait * 2, kLongestWait);
  }
}

}  // namespace

std::string EventLine(const nv1::LoggedEvent& logged, bool english) {
  const common::v1::Event& e = logged.event();
  std::string line = absl::StrCat(JstTime(e.time()), "  ", e.type());
  if (!e.plan().empty()) {
    absl::StrAppend(&line, "  ", e.plan());
    if (e.plan_version() > 0) absl::StrAppend(&line, " v", e.plan_version());
  }
  if (!e.actor().empty()) absl::StrAppend(&line, english ? "  by " : "  実施者 ", e.actor());
  const std::string attributes = AttributesText(e.attributes());
  if (!attributes.empty()) absl::StrAppend(&line, "  ", attributes);
  absl::StrAppend(&line, english ? "  cursor " : "  カーソル ", logged.cursor());
  return line;
}

const char* EventsUsage() {
  return R"(rfsctl events: the event log of rfs (rfs-notification at --notification_addr,
RFS_NOTIFICATION_ADDR, default localhost:50054)

  rfsctl events list [--type T]... [--plan plans/A-00001] [--block HOKURIKU] [--prefecture 160008]
                     [--after CURSOR] [--limit 100]
      The events you may read, oldest first: from the oldest the log keeps (90 days by
      default), or after CURSOR. One line each: when the change was made (JST), the type, the
      plan and version, who made it, its details (DRAFTING → PRE_CONSULTATION, indicator_id=...)
      and the event's cursor last:
        2026-05-01 09:30  plan.stage_changed  plans/A-00001 v3  実施者 pref-160008  DRAFTING → PRE_CONSULTATION  カーソル CURSOR
      At most --limit events (default 100; 0: all). Then, on stderr, how many and the cursor
      to continue from, last on the line: pass it as --after to read on, missing and
      repeating nothing.
  rfsctl events watch [--type T]... [--plan plans/A-00001] [--block B] [--prefecture CODE]
                      [--after CURSOR]
      Follows the log: first the events after CURSOR (none without --after), then
      "追いつきました。以降は発生時に表示します" (caught up; now live) on stderr, then each new
      event as the log takes it, in the lines of list, until Ctrl-C. When the connection drops
      or the service restarts (UNAVAILABLE) it says so on stderr and reconnects after 1 s, 2 s,
      4 s ... up to 30 s, resuming after the last cursor it saw (an event's, or a heartbeat's
      while nothing matched): nothing missed, nothing repeated. Any other error ends it
      (exit 10 + the gRPC code), e.g. OUT_OF_RANGE when the log no longer holds the events
      after the cursor: its message names the oldest cursor to continue from.

  Filters (an event matches every one given; whatever they are, you see only events of plans
  you may read):
    --type plan.stage_changed   an event type, or every type under a prefix: --type 'kpi.*';
                                repeat it, or separate types with commas, for several
    --plan A-00001              events about one plan (or plans/A-00001)
    --block HOKURIKU            events about plans of one regional block
    --prefecture 160008         events about plans whose area includes the prefecture
  Types: plan.created, plan.updated, plan.stage_changed, plan.signed_off,
  requirement.check_completed, requirement.review_recorded, kpi.measurement_recorded,
  kpi.measurement_verified, kpi.measurement_returned, kpi.indicator_status_changed,
  kpi.status_overridden, kpi.period_unlocked, kpi.report_due, kpi.report_overdue,
  kpi.pdca_phase_changed.

  Words follow --lang ja|en. --json prints each event as protobuf JSON (an
  rfs.notification.v1.LoggedEvent), one per line. Exit codes: 0 success, 2 usage or local
  error, 10 + the gRPC code otherwise.
)";
}

int RunEvents(const EventsGlobals& globals, const std::vector<std::string>& all) {
  if (all.empty()) {
    std::fprintf(stderr, "%s", EventsUsage());
    return kUsageError;
  }
  if (all[0] == "help") {
    std::printf("%s", EventsUsage());
    return 0;
  }
  const std::string cmd = all[0];
  const std::vector<std::string> args(all.begin() + 1, all.end());
  const bool en = globals.english;
  if (cmd != "list" && cmd != "watch") {
    return Fail(absl::StrCat(
        "events: ", en ? "unknown command '" : "不明なコマンド '", cmd,
        en ? "'; try: list, watch (rfsctl events help)"
           : "'。list か watch を指定してください（rfsctl events help）"));
  }
  if (globals.token.empty()) return Fail(NoTokenMessage(en));
  EventsClient c(globals);
  return cmd == "list" ? CmdList(c, args) : CmdWatch(c, args);
}

}  // namespace rfs::rfsctl
