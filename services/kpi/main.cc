// rfs-kpi: KPI tracking of the plans (rfs.kpi.v1.KpiTracking). Its own flags; the rest is the
// service host's (common/kit/service_host.h).
#include "absl/flags/flag.h"
#include "common/base/status.h"
#include "common/kit/service_host.h"
#include "services/kpi/kpi_server.h"

ABSL_FLAG(std::string, registry_address, "localhost:50051", "rfs-registry address: host:port or unix:///path");
ABSL_FLAG(int, registry_timeout_ms, 5000, "Deadline of each call to rfs-registry");
ABSL_FLAG(std::string, h1_report_due, "10-31", "Last day (MM-DD, JST) to report a first half year (H1)");
ABSL_FLAG(std::string, h2_report_due, "04-30", "Last day (MM-DD, JST, of the next calendar year) to report a second half year (H2)");
ABSL_FLAG(double, on_track_threshold, 0.95, "Progress ratio from which an indicator is ON_TRACK (0 < at_risk < on_track <= 1)");
ABSL_FLAG(double, at_risk_threshold, 0.6, "Progress ratio from which an indicator is AT_RISK rather than OFF_TRACK");
ABSL_FLAG(int, lease_ttl_s, 30, "How long the plan-sync lease outlives its holder (at least twice --plan_sync_interval_s): a killed replica's turn passes to another after this");
ABSL_FLAG(int, report_notice_days, 14, "Days before a report deadline when plans that have not reported get a \"report due\" event");
ABSL_FLAG(int, plan_sync_interval_s, 15, "How often plans are brought up to date with rfs-registry (on one replica)");
ABSL_FLAG(int, max_plan_kpi_mib, 8, "MiB of values, notes, histories and PDCA cycles one plan may hold in rfs-kpi; a write beyond it is RESOURCE_EXHAUSTED (1..256)");
ABSL_FLAG(int, request_id_ttl_hours, 168, "How long a RecordMeasurement request_id is remembered");

int main(int argc, char** argv) {
  return rfs::ServiceMain(
      argc, argv, {"rfs-kpi", 50053, 9103},
      "rfs-kpi: KPI tracking of Regional Future Strategy plans.\n"
      "Flags also read RFS_<FLAG> from the environment.",
      [](const rfs::ServerConfig& config) -> absl::StatusOr<std::unique_ptr<rfs::HostedService>> {
        rfs::kpi::KpiFlags flags;
        flags.registry_address = absl::GetFlag(FLAGS_registry_address);
        flags.registry_timeout_ms = absl::GetFlag(FLAGS_registry_timeout_ms);
        flags.h1_report_due = absl::GetFlag(FLAGS_h1_report_due);
        flags.h2_report_due = absl::GetFlag(FLAGS_h2_report_due);
        flags.on_track_threshold = absl::GetFlag(FLAGS_on_track_threshold);
        flags.at_risk_threshold = absl::GetFlag(FLAGS_at_risk_threshold);
        flags.plan_sync_interval_s = absl::GetFlag(FLAGS_plan_sync_interval_s);
        flags.request_id_ttl_hours = absl::GetFlag(FLAGS_request_id_ttl_hours);
        flags.lease_ttl_s = absl::GetFlag(FLAGS_lease_ttl_s);
        flags.report_notice_days = absl::GetFlag(FLAGS_report_notice_days);
        flags.max_plan_kpi_mib = absl::GetFlag(FLAGS_max_plan_kpi_mib);
        ASSIGN_OR_RETURN(auto options, rfs::kpi::OptionsFromFlags(config, flags));
        return rfs::kpi::KpiServer::Start(config, std::move(options));
      });
}
