// rfs-notification: the event log of every change in rfs (rfs.notification.v1.Notification).
// Its own flags; the rest is the service host's (common/kit/service_host.h).
#include "absl/flags/flag.h"
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
        ASSIGN_OR_RETURN(auto options, rfs::notification::OptionsFromFlags(flags));
        return rfs::notification::NotificationServer::Start(config, std::move(options));
      });
}
