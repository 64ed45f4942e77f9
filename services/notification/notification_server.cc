#include "services/notification/notification_server.h"

#include <prometheus/gauge.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/kit/mail.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "common/kit/snapshot_gauges.h"
#include "services/notification/notification_service.h"
#include "services/notification/contacts.h"
#include "services/notification/subscriptions.h"

namespace rfs::notification {

namespace {

// How mail leaves: an SMTP relay (--smtp_url), a directory (--mail_dir), or not at all.
absl::Status MailOptionsFromFlags(const NotificationFlags& flags,
                                  NotificationServerOptions* options) {
  if (!flags.smtp_url.empty() && !flags.mail_dir.empty()) {
    return InvalidField("--mail_dir", "--smtp_url と --mail_dir はどちらか一方を指定してください",
                        "give --smtp_url or --mail_dir, not both");
  }
  if (flags.mail_digest_hour < 0 || flags.mail_digest_hour > 23) {
    return InvalidField("--mail_digest_hour", "0〜23 時を指定してください", "give an hour 0..23");
  }
  if (flags.max_contacts_per_body < 1 || flags.max_contacts < 1) {
    return InvalidField("--max_contacts", "1 以上を指定してください", "give 1 or more");
  }
  if (!flags.smtp_url.empty() || !flags.mail_dir.empty()) {
    RETURN_IF_ERROR(CheckMailAddress(flags.mail_from, "--mail_from"));
  }
  WebhookOptions& w = options->webhook;
  w.mail_from = flags.mail_from;
  w.mail_from_name = flags.mail_from_name;
  w.digest_hour = flags.mail_digest_hour;
  if (!flags.mail_dir.empty()) {
    w.mail = DirectoryTransport(flags.mail_dir);
  } else if (!flags.smtp_url.empty()) {
    if (!absl::StartsWith(flags.smtp_url, "smtp://") &&
        !absl::StartsWith(flags.smtp_url, "smtps://")) {
      return InvalidField("--smtp_url", "smtp:// か smtps:// で始まる URL を指定してください",
                          "give an smtp:// or smtps:// URL");
    }
    SmtpOptions smtp;
    smtp.url = flags.smtp_url;
    smtp.require_tls = flags.smtp_require_tls;
    smtp.user = flags.smtp_user;
    smtp.ca_file = flags.smtp_ca_file;
    if (!flags.smtp_password_file.empty()) {
      std::ifstream in(flags.smtp_password_file);
      if (!std::getline(in, smtp.password)) {
        return InvalidField("--smtp_password_file", "ファイルを読めません",
                            "cannot read the file");
      }
    }
    w.mail = SmtpTransport(std::move(smtp));
  }
  return absl::OkStatus();
}

absl::Status WebhookOptionsFromFlags(const NotificationFlags& flags,
                                     NotificationServerOptions* options) {
  const auto positive = [](absl::Duration d, absl::string_view flag) -> absl::Status {
    if (d > absl::ZeroDuration()) return absl::OkStatus();
    return InvalidField(flag, "正の時間を指定してください (例: 30s, 72h)",
                        "give a positive duration (30s, 72h)");
  };
  RETURN_IF_ERROR(positive(flags.webhook_timeout, "--webhook_timeout"));
  RETURN_IF_ERROR(positive(flags.webhook_first_retry, "--webhook_first_retry"));
  RETURN_IF_ERROR(positive(flags.webhook_max_retry_delay, "--webhook_max_retry_delay"));
  RETURN_IF_ERROR(positive(flags.webhook_retry_window, "--webhook_retry_window"));
  RETURN_IF_ERROR(positive(flags.webhook_disable_after, "--webhook_disable_after"));
  RETURN_IF_ERROR(positive(flags.webhook_secret_overlap, "--webhook_secret_overlap"));
  RETURN_IF_ERROR(positive(flags.webhook_poll, "--webhook_poll"));
  RETURN_IF_ERROR(positive(flags.webhook_claim_idle, "--webhook_claim_idle"));
  if (flags.webhook_claim_idle <= flags.webhook_timeout) {
    return InvalidField("--webhook_claim_idle", "--webhook_timeout より長くしてください",
                        "must be longer than --webhook_timeout (an attempt in flight is not "
                        "taken over)");
  }
  if (flags.webhook_workers < 1 || flags.webhook_in_flight_per_subscription < 1 ||
      flags.max_subscriptions_per_owner < 1 || flags.max_subscriptions < 1 ||
      flags.webhook_attempt_log_entries < 1 || flags.webhook_max_dead_letters < 1) {
    return InvalidField("--webhook_workers", "件数の設定には 1 以上を指定してください",
                        "counts (--webhook_workers, --webhook_in_flight_per_subscription, "
                        "--max_subscriptions*, --webhook_attempt_log_entries, "
                        "--webhook_max_dead_letters) must be 1 or more");
  }
  RETURN_IF_ERROR(MailOptionsFromFlags(flags, options));
  ASSIGN_OR_RETURN(EgressGuard guard, EgressGuard::FromList(flags.webhook_allow_cidrs));
  WebhookOptions& w = options->webhook;
  w.guard = std::move(guard);
  w.http.timeout = flags.webhook_timeout;
  w.http.allow_http = flags.webhook_allow_http;
  w.http.ca_file = flags.webhook_ca_file;
  w.retry.first_retry = flags.webhook_first_retry;
  w.retry.max_delay = flags.webhook_max_retry_delay;
  w.retry.window = flags.webhook_retry_window;
  w.retry.disable_after = flags.webhook_disable_after;
  w.secret_overlap = flags.webhook_secret_overlap;
  w.poll = flags.webhook_poll;
  w.claim_idle = flags.webhook_claim_idle;
  w.workers = flags.webhook_workers;
  w.in_flight_per_subscription = flags.webhook_in_flight_per_subscription;
  WebhookStoreOptions& s = options->subscriptions;
  s.max_per_owner = flags.max_subscriptions_per_owner;
  s.max_total = flags.max_subscriptions;
  s.attempts_kept = flags.webhook_attempt_log_entries;
  s.dead_letters_kept = flags.webhook_max_dead_letters;
  s.max_contacts_per_body = flags.max_contacts_per_body;
  s.max_contacts = flags.max_contacts;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NotificationServerOptions> OptionsFromFlags(const NotificationFlags& flags) {
  NotificationServerOptions options;
  if (flags.event_retention_days < 1 || flags.event_retention_days > 3650) {
    return InvalidField("--event_retention_days", "1〜3650 日を指定してください",
                        "give 1..3650 days");
  }
  if (flags.event_log_max_entries < 1000) {
    return InvalidField("--event_log_max_entries", "1000 件以上を指定してください",
                        "give at least 1000 entries");
  }
  // Proxies and load balancers cut a connection silent for 60 s.
  if (flags.watch_heartbeat_s < 1 || flags.watch_heartbeat_s > 30) {
    return InvalidField("--watch_heartbeat_s", "1〜30 秒を指定してください", "give 1..30 seconds");
  }
  if (flags.max_watch_streams < 1 || flags.max_watch_streams_per_caller < 1) {
    return InvalidField("--max_watch_streams", "1 以上を指定してください", "give 1 or more");
  }
  RETURN_IF_ERROR(WebhookOptionsFromFlags(flags, &options));
  options.retention = absl::Hours(24) * flags.event_retention_days;
  options.max_entries = flags.event_log_max_entries;
  options.watch.heartbeat = absl::Seconds(flags.watch_heartbeat_s);
  options.watch.max_streams = flags.max_watch_streams;
  options.watch.max_streams_per_subject = flags.max_watch_streams_per_caller;
  return options;
}

namespace {

// rfs_dead_letters{channel} (webhook, email) and rfs_webhook_subscriptions{state}, from shared
// state.
void AddWebhookGauges(ServiceHost& host, WebhookStore* store, absl::Duration interval) {
  auto gauges = std::make_shared<SnapshotGauges>(interval);
  host.AddCollectable(gauges);
  host.AddJob("webhook gauges", interval, [store, gauges]() -> absl::Status {
    ASSIGN_OR_RETURN(const WebhookStore::IdPage page, store->ListIds("", 0, 1'000'000));
    ASSIGN_OR_RETURN(const std::vector<SubscriptionRecord> records, store->GetMany(page.ids));
    ASSIGN_OR_RETURN(const int64_t dead, store->CountDeadLetters(page.ids));
    ASSIGN_OR_RETURN(const WebhookStore::IdPage contacts,
                     store->ListIds("", 0, 1'000'000, Channel::kEmail));
    ASSIGN_OR_RETURN(const int64_t dead_mail, store->CountDeadLetters(contacts.ids));
    double active = 0, disabled = 0;
    for (const SubscriptionRecord& r : records) {
      (r.subscription.state() == v1::Subscription::ACTIVE ? active : disabled) += 1;
    }
    std::vector<prometheus::MetricFamily> families;
    families.push_back(GaugeFamily(
        "rfs_dead_letters",
        "Notifications given up on and kept as dead letters, by channel. From shared state: "
        "same on every replica; aggregate with max.",
        {{{{"channel", "webhook"}}, static_cast<double>(dead)},
         {{{"channel", "email"}}, static_cast<double>(dead_mail)}}));
    families.push_back(GaugeFamily(
        "rfs_webhook_subscriptions",
        "Webhook subscriptions by state (active, disabled). From shared state: same on every "
        "replica; aggregate with max.",
        {{{{"state", "active"}}, active}, {{{"state", "disabled"}}, disabled}}));
    gauges->Publish(std::move(families));
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<NotificationServer>> NotificationServer::Start(
    const ServerConfig& config, NotificationServerOptions options) {
  std::unique_ptr<NotificationServer> s(new NotificationServer());
  ASSIGN_OR_RETURN(s->host_,
                   ServiceHost::Create(config, "notification", options.stats_interval));
  ServiceHost& host = *s->host_;
  EventLogOptions log_options;
  log_options.retention = options.retention;
  log_options.max_entries = options.max_entries;
  log_options.quota = config.write_quota;
  s->log_ = host.Own(std::make_unique<EventLog>(host.pool(), host.async(), log_options));
  host.AddStore(s->log_);

  // rfs_event_log_entries: the log's length, from shared state (the same on every replica).
  auto entries = std::make_shared<SnapshotGauges>(options.stats_interval);
  host.AddCollectable(entries);
  EventLog* log = s->log_;
  host.AddJob("event log gauges", options.stats_interval, [log, entries]() -> absl::Status {
    ASSIGN_OR_RETURN(const LogBounds bounds, log->Bounds());
    std::vector<prometheus::MetricFamily> families;
    families.push_back(GaugeFamily(
        "rfs_event_log_entries",
        "Events the event log holds. From shared state: same on every replica; aggregate with "
        "max.",
        {{{}, static_cast<double>(bounds.length)}}));
    entries->Publish(std::move(families));
    return absl::OkStatus();
  });

  NotifierOptions notifier_options;
  notifier_options.max_page_bytes = static_cast<size_t>(config.max_message_bytes) / 4 * 3;
  Notifier* notifier = host.Own(std::make_unique<Notifier>(
      s->log_, host.reference(), host.metrics()->registry(), notifier_options));
  // WatchEvents: the tail holds a connection of its own while it waits for new entries.
  RedisOptions tail_redis = config.redis;
  tail_redis.pool_size = 1;
  tail_redis.command_timeout = options.watch.tail_block + absl::Seconds(2);
  RedisPool* tail_pool = host.Own(std::make_unique<RedisPool>(tail_redis));
  s->hub_ = host.Own(std::make_unique<WatchHub>(s->log_, tail_pool, host.reference(),
                                                host.metrics()->registry(), options.watch));
  WatchHub* hub = s->hub_;
  // Streams end at once on shutdown (their clients resume elsewhere), not at the drain's end.
  host.BeforeDrain([hub] { hub->Stop(); });
  hub->Start();
  // Webhooks: the subscriptions' store, the dispatcher delivering them, and their RPCs.
  WebhookStoreOptions store_options = options.subscriptions;
  store_options.quota = config.write_quota;
  s->webhooks_ =
      host.Own(std::make_unique<WebhookStore>(host.pool(), host.async(), store_options));
  host.AddStore(s->webhooks_);
  s->dispatcher_ = host.Own(std::make_unique<WebhookDispatcher>(
      s->webhooks_, s->log_, host.reference(), host.metrics()->registry(), options.webhook));
  WebhookDispatcher* dispatcher = s->dispatcher_;
  host.AtStop([dispatcher] { dispatcher->Stop(); });
  AddWebhookGauges(host, s->webhooks_, options.stats_interval);
  Subscriptions* subscriptions = host.Own(
      std::make_unique<Subscriptions>(s->webhooks_, s->dispatcher_, host.reference()));
  Contacts* contacts = host.Own(std::make_unique<Contacts>(s->webhooks_, host.reference()));
  if (options.webhook.mail != nullptr) {
    RFS_LOG(kInfo, "mail goes out").Field("through", options.webhook.mail->Describe());
    host.AddJob("mail digests", options.webhook.digest_every,
                [dispatcher] { return dispatcher->SendDigests(absl::Now()); });
  } else {
    RFS_LOG(kWarning, "no --smtp_url or --mail_dir: contacts are not mailed (their events "
                      "wait in the log)");
  }
  auto* service = host.Own(std::make_unique<NotificationService>(
      notifier, hub, subscriptions, contacts, host.verifier(), options.watch.stream_capacity));
  host.AddService(service, v1::Notification::service_full_name());
  RETURN_IF_ERROR(host.Start());
  dispatcher->Start();
  return s;
}

}  // namespace rfs::notification
