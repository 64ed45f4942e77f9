// `rfsctl contacts ...`: the command-line client of rfs-notification's e-mail contacts
// (rfs.notification.v1.Notification, docs/api.md "E-mail"): create, list, get, update and
// delete the addresses mailed about a body's, a block's or the country's plans. A contact's
// delivery log and dead letters are read with `rfsctl deliveries` and `rfsctl deadletters`
// (webhook_commands.cc), which take contacts/ names too. commands.cc routes `contacts` through
// RunWebhooks (webhook_commands.h), which hands it here with the global settings of
// `rfsctl events` (EventsGlobals: token, --lang, --json, --timeout_s, TLS) and the command
// line; the contact-only flags (--address, --body, --display_name, --language, --digest) live
// in contacts_commands.cc, which also reads --types and --state (webhook_commands.cc),
// --notification_addr (events_commands.cc), --block (commands.cc, from the command line) and
// --page_size, --page_token and --all (commands.cc, looked up by name).
#pragma once

#include <string>
#include <vector>

#include "tools/rfsctl/events_commands.h"

namespace rfs::rfsctl {

// Runs `rfsctl contacts ARGS...` (ARGS without "contacts", e.g. {"update", "contacts/7"}) and
// returns the exit code: 0 success, 2 usage or local error, 10 + the gRPC code otherwise.
// argc and argv are main's: `contacts create` reads the scope (--body, --block) from the
// command line only, and `contacts update` changes only the fields whose flags are on it.
int RunContacts(const EventsGlobals& globals, const std::vector<std::string>& args, int argc,
                char* const* argv);

// The usage of `rfsctl contacts` (printed by it alone or with `help`).
const char* ContactsUsage();

}  // namespace rfs::rfsctl
