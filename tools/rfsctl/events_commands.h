// `rfsctl events ...`: the command-line client of rfs-notification (rfs.notification.v1.
// Notification): `events list` pages through the event log, `events watch` follows it.
// commands.cc dispatches `events` here with the global settings (EventsGlobals); the events-only
// flags (--notification_addr, --plan, --after, --limit) live in events_commands.cc. EventLine
// does no I/O, so tests link it without a server.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "rfs/notification/v1/notification.pb.h"

namespace rfs::rfsctl {

// What `events` shares with the other commands (their flags, read by commands.cc).
struct EventsGlobals {
  std::string token;
  bool english = false;  // --lang en
  bool json = false;     // --json
  absl::Duration timeout = absl::Seconds(10);  // each ListEvents call; a watch has no deadline
  bool tls = false;
  std::string ca_file;
  std::string block;       // --block
  std::string prefecture;  // --prefecture
  // Every --type of the command line, in order (absl keeps only the last).
  std::vector<std::string> types;
};

// Runs `rfsctl events ARGS...` (ARGS without "events": list, watch or help) and returns the exit
// code: 0 success, 2 usage or local error, 10 + the gRPC code otherwise. A watch returns only on
// an error other than UNAVAILABLE (it reconnects after that) or not at all (Ctrl-C ends it).
int RunEvents(const EventsGlobals& globals, const std::vector<std::string>& args);

// The usage of `rfsctl events` (printed by it alone or with `help`).
const char* EventsUsage();

// One line for an event of the log, without a line end: when the change was made (JST), the
// event type, the plan and version, who made it ("by" / 実施者), its attributes (each from_X →
// to_X pair as "OLD → NEW", then the others as key=value, by key) and its cursor last:
//   2026-05-01 09:30  plan.stage_changed  plans/A-00001 v3  実施者 pref-160008
//   DRAFTING → PRE_CONSULTATION  カーソル CURSOR
// (on one line; "by" and "cursor" with --lang en). Parts the event does not have are left out.
std::string EventLine(const notification::v1::LoggedEvent& logged, bool english);

}  // namespace rfs::rfsctl
