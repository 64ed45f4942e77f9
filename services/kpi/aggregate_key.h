// The keys of rfs-kpi's national aggregates and report index in one typed form (ledger.h explains what they
// count). Every writer builds a Row and every reader parses one; the text below is only how a
// Row is kept in Redis, written and split here and nowhere else.
//
//   kind        metric               contribution "{bucket}|…"          cell field (agg:{bucket})
//   kKgi        t, r, v              {m}|{kgi}|{type}|{block}|{sfield}|{pref}   {m}|{kgi}|{T}|{B}|{area}
//   kPlanCount  plans, plans_ach,    {m}|{type}|{block}|{sfield}|{pref}         {m}|{T}|{B}|{area}
//               kpis, kpis_ach
//   kStatus     ind                  ind|{status}|{type}|{block}                the same
//   kPdca       pdca                 pdca|{phase}|{type}                        the same
//   kReport     rep                  rep|{H1|H2}|{state}|{type}|{block}         the same
//   kDue        due                  due|{H1|H2}|{type}|{block}                 the same
//
// A contribution's bucket is a fiscal year ("2027") or "now". A KGI or plan-count row is summed
// into cells whose bucket carries the strategic field ("{bucket}:{sfield}", and
// "{bucket}:{sfield}:pref" by prefecture), whose type and block may be "*" (every one), and
// whose area is "tokyo" / "other" or the prefecture (ledger.h AggregateCells); the other rows
// are cells as they are, in the contribution's bucket.
#pragma once

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rfs::kpi {

enum class RowKind { kKgi, kPlanCount, kStatus, kPdca, kReport, kDue };

// What one contribution or aggregate cell counts.
struct Row {
  RowKind kind = RowKind::kStatus;
  // kKgi: "t" (target), "r" (reported) or "v" (verified); kPlanCount: "plans", "plans_ach",
  // "kpis" or "kpis_ach"; the other kinds have their one name ("ind", "pdca", "rep", "due").
  std::string metric;
  std::string kgi;     // kKgi: "CAPEX", "VALUE_ADDED", "TALENT"
  std::string state;   // kStatus: status name; kPdca: PdcaPhase name; kReport: ReportState name
  std::string half;    // kReport, kDue: "H1" or "H2"
  std::string type;    // "A", "B", "C" ("*" in a cell: every type)
  std::string block;   // every kind but kPdca ("*" in a cell: every block)
  // kKgi and kPlanCount only. In a contribution: the strategic field ("*": the plan's row for
  // every field) and the prefecture. In a cell the bucket holds the field (`sfield` empty) and
  // `area` is "tokyo", "other" or a prefecture.
  std::string sfield;
  std::string area;

  static Row Kgi(std::string metric, std::string kgi, std::string type, std::string block,
                 std::string sfield, std::string area);
  static Row PlanCount(std::string metric, std::string type, std::string block,
                       std::string sfield, std::string area);
  static Row Status(std::string status, std::string type, std::string block);
  static Row Pdca(std::string phase, std::string type);
  static Row Report(std::string half, std::string state, std::string type, std::string block);
  static Row Due(std::string half, std::string type, std::string block);

  // Summed by area into the cells of a strategic field (kKgi, kPlanCount).
  bool by_area() const { return kind == RowKind::kKgi || kind == RowKind::kPlanCount; }
};

// A contribution: its bucket and row.
struct ContributionKey {
  std::string bucket;
  Row row;
};

std::string FormatContribution(absl::string_view bucket, const Row& row);
// nullopt for text that is not a contribution key of the table above.
std::optional<ContributionKey> ParseContribution(absl::string_view text);

// The field of an aggregate cell (a by-area row without its strategic field).
std::string FormatCellField(const Row& row);
std::optional<Row> ParseCellField(absl::string_view text);

// The bucket of an aggregate cell: "{base}" for rows that are not by area, else
// "{base}:{sfield}" and, by prefecture, "{base}:{sfield}:pref"; `base` a fiscal year or "now".
struct CellBucket {
  std::string base;
  std::string sfield;  // empty: not a by-area bucket
  bool by_prefecture = false;
};
std::string FormatCellBucket(const CellBucket& bucket);
std::optional<CellBucket> ParseCellBucket(absl::string_view text);

// A plan's entry in the report index of a half year (rep:{fy}-{H}), which follows the kReport
// rows: "{ReportState number}|{block}|{reported}|{indicators}". Entries kept before the counts
// have the first two (`counted` false).
struct ReportEntry {
  int state = 0;  // v1::ReportState
  std::string block;
  bool counted = false;
  int reported = 0;    // indicators with a value of the half year
  int indicators = 0;  // indicators of the plan
};
std::string FormatReportEntry(const ReportEntry& entry);
// nullopt for text that is not an entry.
std::optional<ReportEntry> ParseReportEntry(absl::string_view text);

}  // namespace rfs::kpi
