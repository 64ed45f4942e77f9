// rfs-kpi's national picture on /metrics, read from the aggregates the store keeps on write
// (ledger.h), so that every replica reports the same numbers (dashboards aggregate with
// max by (...)):
//   rfs_indicators{status,plan_type,block}                        current indicators by status
//   rfs_kgi_target_yen{kgi,plan_type,block,fiscal_year,tokyo_area}            CAPEX, VALUE_ADDED
//   rfs_kgi_actual_yen{...,verification="reported"|"verified"}
//   rfs_kgi_target_persons / rfs_kgi_actual_persons                TALENT, same labels
//   rfs_plans_with_kpi_achieved_ratio{plan_type}                   plans with a KPI achieved
//   rfs_pdca_plans{phase,plan_type}                     PDCA phase of the current half's cycle
//   rfs_reports_overdue{block,fiscal_year,half}         plans whose report is overdue
// KGI series come from the cells of every strategic field ("{fy}:*", each plan once) by type,
// block and Tokyo area or not (ledger.h AggregateCells): a refresh reads a few small hashes,
// however many plans there are. The service host refreshes them from a background job
// (Refresh); they are a SnapshotGauges (a scrape never waits on Redis; stale ones are not
// shown). Thread-safe.
#pragma once

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/kit/snapshot_gauges.h"
#include "services/kpi/kpi_store.h"

namespace rfs::kpi {

class KpiStats : public SnapshotGauges {
 public:
  // `interval` is how often the host calls Refresh (for the staleness cut-off).
  KpiStats(KpiStore* store, absl::Duration interval);

  // Reads the aggregate buckets of the metrics now and replaces the snapshot; on failure the previous
  // snapshot stays (and goes stale).
  absl::Status Refresh();

 private:
  KpiStore* store_;
};

}  // namespace rfs::kpi
