// rfs-notification: the event log of every change in rfs (rfs.notification.v1.Notification).
// Its own flags; the rest is the service host's (common/kit/service_host.h).
#include "absl/flags/flag.h"
#include "common/base/status.h"
#include "common/kit/service_host.h"
#include "services/notification/notification_server.h"

ABSL_FLAG(int, event_retention_days, 90, "How long the event log keeps events (days)");
ABSL_FLAG(int64_t, event_log_max_entries, 10'000'000,
          "At most this many events in the log (the oldest are trimmed first)");

int main(int argc, char** argv) {
  return rfs::ServiceMain(
      argc, argv, {"rfs-notification", 50054, 9104},
      "rfs-notification: the event log of Regional Future Strategy changes.\n"
      "Flags also read RFS_<FLAG> from the environment.",
      [](const rfs::ServerConfig& config) -> absl::StatusOr<std::unique_ptr<rfs::HostedService>> {
        ASSIGN_OR_RETURN(auto options, rfs::notification::OptionsFromFlags(
                                           absl::GetFlag(FLAGS_event_retention_days),
                                           absl::GetFlag(FLAGS_event_log_max_entries)));
        return rfs::notification::NotificationServer::Start(config, std::move(options));
      });
}
