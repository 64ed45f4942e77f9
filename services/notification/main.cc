// rfs-notification: the event log of every change in rfs and its webhooks
// (rfs.notification.v1.Notification).
// Its own flags; the rest is the service host's (common/kit/service_host.h).
#include <string>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "common/base/status.h"
#include "common/kit/service_host.h"
#include "services/notification/notification_server.h"

ABSL_FLAG(int, event_retention_days, 90, "How long the event log keeps events (days)");
ABSL_FLAG(int64_t, event_log_max_entries, 10'000'000,
          "At most this many events in the log (the oldest are trimmed first)");
ABSL_FLAG(int, watch_heartbeat_s, 15,
          "A WatchEvents stream that sent nothing for this long gets a heartbeat (1..30)");
ABSL_FLAG(int, max_watch_streams, 2000, "WatchEvents streams one replica serves at most");
ABSL_FLAG(int, max_watch_streams_per_caller, 50,
          "WatchEvents streams one token subject may hold on one replica");

ABSL_FLAG(absl::Duration, webhook_timeout, absl::Seconds(15),
          "A webhook receiver must answer within this (connection included)");
ABSL_FLAG(bool, webhook_allow_http, false,
          "Allow http:// webhook URLs (closed networks and tests only; https:// otherwise)");
ABSL_FLAG(std::string, webhook_allow_cidrs, "",
          "Comma-separated CIDRs webhooks may reach although private, loopback or reserved "
          "(\"10.20.0.0/16,fd00:1::/64\"): receivers on a closed government network");
ABSL_FLAG(std::string, webhook_ca_file, "",
          "Extra CA certificates (PEM) webhook receivers' TLS is verified with, beside the "
          "system's");
ABSL_FLAG(absl::Duration, webhook_first_retry, absl::Seconds(30),
          "Delay before the first retry of a failed webhook delivery (then doubling)");
ABSL_FLAG(absl::Duration, webhook_max_retry_delay, absl::Hours(12),
          "Longest delay between two retries of a webhook delivery");
ABSL_FLAG(absl::Duration, webhook_retry_window, absl::Hours(72),
          "A failed webhook delivery is retried at least this long, then kept as a dead letter");
ABSL_FLAG(absl::Duration, webhook_disable_after, absl::Hours(120),
          "A subscription every delivery of which failed for this long is disabled");
ABSL_FLAG(absl::Duration, webhook_secret_overlap, absl::Hours(24),
          "After RotateSecret the previous secret still signs this long");
ABSL_FLAG(absl::Duration, webhook_poll, absl::Milliseconds(200),
          "How often each replica looks for new events and due retries to deliver");
ABSL_FLAG(absl::Duration, webhook_claim_idle, absl::Seconds(90),
          "A delivery pending this long on a replica (killed, say) is taken over by another");
ABSL_FLAG(int, webhook_workers, 8, "Webhook deliveries one replica makes at once");
ABSL_FLAG(int, webhook_in_flight_per_subscription, 4,
          "Webhook deliveries in flight to one subscription at once (per replica)");
ABSL_FLAG(int, max_subscriptions_per_owner, 20, "Webhook subscriptions one token subject may own");
ABSL_FLAG(int, max_subscriptions, 1000, "Webhook subscriptions in all");
ABSL_FLAG(int, webhook_attempt_log_entries, 1000,
          "Delivery attempts the delivery log keeps per subscription");
ABSL_FLAG(int, webhook_max_dead_letters, 10000,
          "Dead letters kept per subscription (the oldest go first beyond)");

ABSL_FLAG(std::string, smtp_url, "",
          "SMTP relay mail to contacts goes through: smtp://host:587 (STARTTLS) or "
          "smtps://host:465; empty (and no --mail_dir): contacts are not mailed");
ABSL_FLAG(bool, smtp_require_tls, true,
          "Refuse to send over smtp:// without STARTTLS (false only for a local sink)");
ABSL_FLAG(std::string, smtp_user, "", "SMTP AUTH user (empty: no AUTH)");
ABSL_FLAG(std::string, smtp_password_file, "", "File holding the SMTP AUTH password");
ABSL_FLAG(std::string, smtp_ca_file, "", "Extra CA certificates (PEM) for the SMTP relay");
ABSL_FLAG(std::string, mail_from, "rfs-notification@localhost.localdomain", "From: address of the mails");
ABSL_FLAG(std::string, mail_from_name, "地域未来戦略 rfs", "From: name of the mails");
ABSL_FLAG(std::string, mail_dir, "",
          "Write each mail as a .eml file here instead of sending it (make run; no relay)");
ABSL_FLAG(int, mail_digest_hour, 8, "Hour (JST) the daily digests are mailed");
ABSL_FLAG(int, max_contacts_per_body, 50, "Contacts one body (or block, or the country) may have");
ABSL_FLAG(int, max_contacts, 10000, "Contacts in all");

int main(int argc, char** argv) {
  return rfs::ServiceMain(
      argc, argv, {"rfs-notification", 50054, 9104},
      "rfs-notification: the event log of Regional Future Strategy changes.\n"
      "Flags also read RFS_<FLAG> from the environment.",
      [](const rfs::ServerConfig& config) -> absl::StatusOr<std::unique_ptr<rfs::HostedService>> {
        rfs::notification::NotificationFlags flags;
        flags.event_retention_days = absl::GetFlag(FLAGS_event_retention_days);
        flags.event_log_max_entries = absl::GetFlag(FLAGS_event_log_max_entries);
        flags.watch_heartbeat_s = absl::GetFlag(FLAGS_watch_heartbeat_s);
        flags.max_watch_streams = absl::GetFlag(FLAGS_max_watch_streams);
        flags.max_watch_streams_per_caller = absl::GetFlag(FLAGS_max_watch_streams_per_caller);
        flags.webhook_timeout = absl::GetFlag(FLAGS_webhook_timeout);
        flags.webhook_allow_http = absl::GetFlag(FLAGS_webhook_allow_http);
        flags.webhook_allow_cidrs = absl::GetFlag(FLAGS_webhook_allow_cidrs);
        flags.webhook_ca_file = absl::GetFlag(FLAGS_webhook_ca_file);
        flags.webhook_first_retry = absl::GetFlag(FLAGS_webhook_first_retry);
        flags.webhook_max_retry_delay = absl::GetFlag(FLAGS_webhook_max_retry_delay);
        flags.webhook_retry_window = absl::GetFlag(FLAGS_webhook_retry_window);
        flags.webhook_disable_after = absl::GetFlag(FLAGS_webhook_disable_after);
        flags.webhook_secret_overlap = absl::GetFlag(FLAGS_webhook_secret_overlap);
        flags.webhook_poll = absl::GetFlag(FLAGS_webhook_poll);
        flags.webhook_claim_idle = absl::GetFlag(FLAGS_webhook_claim_idle);
        flags.webhook_workers = absl::GetFlag(FLAGS_webhook_workers);
        flags.webhook_in_flight_per_subscription =
            absl::GetFlag(FLAGS_webhook_in_flight_per_subscription);
        flags.max_subscriptions_per_owner = absl::GetFlag(FLAGS_max_subscriptions_per_owner);
        flags.max_subscriptions = absl::GetFlag(FLAGS_max_subscriptions);
        flags.webhook_attempt_log_entries = absl::GetFlag(FLAGS_webhook_attempt_log_entries);
        flags.webhook_max_dead_letters = absl::GetFlag(FLAGS_webhook_max_dead_letters);
        flags.smtp_url = absl::GetFlag(FLAGS_smtp_url);
        flags.smtp_require_tls = absl::GetFlag(FLAGS_smtp_require_tls);
        flags.smtp_user = absl::GetFlag(FLAGS_smtp_user);
        flags.smtp_password_file = absl::GetFlag(FLAGS_smtp_password_file);
        flags.smtp_ca_file = absl::GetFlag(FLAGS_smtp_ca_file);
        flags.mail_from = absl::GetFlag(FLAGS_mail_from);
        flags.mail_from_name = absl::GetFlag(FLAGS_mail_from_name);
        flags.mail_dir = absl::GetFlag(FLAGS_mail_dir);
        flags.mail_digest_hour = absl::GetFlag(FLAGS_mail_digest_hour);
        flags.max_contacts_per_body = absl::GetFlag(FLAGS_max_contacts_per_body);
        flags.max_contacts = absl::GetFlag(FLAGS_max_contacts);
        ASSIGN_OR_RETURN(auto options, rfs::notification::OptionsFromFlags(flags));
        return rfs::notification::NotificationServer::Start(config, std::move(options));
      });
}
