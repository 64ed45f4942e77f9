// `rfsctl subscriptions ...`, `rfsctl deliveries ...` and `rfsctl deadletters ...`: the
// command-line client of the webhooks of rfs-notification (rfs.notification.v1.Notification,
// docs/api.md "Webhooks"). commands.cc dispatches these commands here with the global settings
// of `rfsctl events` (EventsGlobals: token, --lang, --json, --timeout_s, TLS, --block,
// --prefecture, --type) and the command line; the webhook-only flags (--url, --types,
// --description, --disabled, --state, --since) live in webhook_commands.cc, which also reads
// --plan and --notification_addr (events_commands.cc), --plan_type (kpi_commands.cc) and
// --page_size, --page_token and --all (commands.cc, looked up by name). `rfsctl contacts`
// (e-mail, contacts_commands.h) comes through here too, so that commands.cc routes it with
// the others; deliveries and deadletters take a contact's name (contacts/ID) as it is.
#pragma once

#include <string>
#include <vector>

#include "tools/rfsctl/events_commands.h"

namespace rfs::rfsctl {

// True for the commands RunWebhooks runs: "subscriptions", "deliveries", "deadletters" and
// "contacts" (handed to RunContacts).
bool IsWebhookCommand(const std::string& command);

// Runs `rfsctl COMMAND ARGS...` (COMMAND one IsWebhookCommand accepts; ARGS without it, e.g.
// {"update", "subscriptions/7"}) and returns the exit code: 0 success, 1 when `subscriptions
// test` reached the receiver but the delivery failed, 2 usage or local error, 10 + the gRPC code
// otherwise. argc and argv are main's: `subscriptions update` changes only the fields whose
// flags are on the command line.
int RunWebhooks(const EventsGlobals& globals, const std::string& command,
                const std::vector<std::string>& args, int argc, char* const* argv);

// The usage of the three commands (printed by any of them alone or with `help`).
const char* WebhooksUsage();

}  // namespace rfs::rfsctl
