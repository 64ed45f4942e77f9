#include "services/notification/notification_server.h"

#include <prometheus/gauge.h>

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/kit/snapshot_gauges.h"
#include "services/notification/notification_service.h"

namespace rfs::notification {

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
  options.retention = absl::Hours(24) * flags.event_retention_days;
  options.max_entries = flags.event_log_max_entries;
  options.watch.heartbeat = absl::Seconds(flags.watch_heartbeat_s);
  options.watch.max_streams = flags.max_watch_streams;
  options.watch.max_streams_per_subject = flags.max_watch_streams_per_caller;
  return options;
}

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
  auto* service = host.Own(std::make_unique<NotificationService>(
      notifier, hub, host.verifier(), options.watch.stream_capacity));
  host.AddService(service, v1::Notification::service_full_name());
  RETURN_IF_ERROR(host.Start());
  return s;
}

}  // namespace rfs::notification
