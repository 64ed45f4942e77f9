// `rfsctl kpi ...` and `rfsctl pdca ...`: the command-line client of rfs-kpi
// (rfs.kpi.v1.KpiTracking). commands.cc dispatches `kpi` and `pdca` here with the global
// settings (KpiGlobals); the kpi-only flags live in kpi_commands.cc. The pure pieces below (CSV,
// breakdown, half-year, phase and action parsing, fixed-point formatting, bars, report
// rendering) do no I/O, so tests link them without a server.
// Each section names the file that defines it; kpi_cli.h is what those files share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/kpi/v1/kpi.pb.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::rfsctl {

// ---- Commands (kpi_commands.cc; RunPdca in pdca_commands.cc, RepeatedFlagValues in
// kpi_format.cc) ----

// What `kpi` shares with the other commands (their flags, read by commands.cc).
struct KpiGlobals {
  std::string token;
  bool english = false;  // --lang en
  bool json = false;     // --json
  absl::Duration timeout = absl::Seconds(10);
  bool tls = false;
  std::string ca_file;
  // Flags the plan commands use too.
  std::string comment;     // verify, return
  std::string etag;        // record, verify, return
  std::string request_id;  // record
  bool history = false;    // list
  std::string block;       // national
  std::string field;       // national
  std::string prefecture;  // national
  // Every --action of the command line, in order (absl keeps only the last): pdca advance.
  std::vector<std::string> actions;
};

// Runs `rfsctl kpi ARGS...` (ARGS without "kpi") and returns the exit code: 0 success, 2 usage
// or local error (including a malformed import file), 10 + the gRPC code otherwise.
int RunKpi(const KpiGlobals& globals, const std::vector<std::string>& args);

// Runs `rfsctl pdca ARGS...` (ARGS without "pdca": show or advance), with the client and exit
// codes of RunKpi.
int RunPdca(const KpiGlobals& globals, const std::vector<std::string>& args);

// The usage of `rfsctl kpi` and `rfsctl pdca` (printed by either alone or with `help`).
const char* KpiUsage();

// The values of a flag that may be repeated, in order, from the command-line arguments (without
// the program name): "--NAME=V", "--NAME V", "-NAME=V" and "-NAME V"; none after "--".
std::vector<std::string> RepeatedFlagValues(const std::vector<std::string>& args,
                                            absl::string_view name);

// ---- Pure helpers (kpi_format.cc) ----

// "A-00001" or "plans/A-00001" → "plans/A-00001".
std::string NormalizePlanName(absl::string_view arg);
// True for "plans/" + A|B|C + "-" + 1..14 digits (the registry's plan names).
bool IsPlanName(absl::string_view name);

// A half year like "2026-H2" (also "2026H2", "FY2026-H2", "FY2026 H2", lower case); nullopt
// for anything else, a missing half or a year outside 2000..2100.
std::optional<common::v1::FiscalPeriod> ParseHalfYear(absl::string_view text);
// A fiscal year like "2026" or "FY2026" (2000..2100).
std::optional<int> ParseFiscalYearArg(absl::string_view text);
// "2026-H2" ("2026" for a whole year): the form of measurement names and of ParseHalfYear.
std::string FormatHalfYear(const common::v1::FiscalPeriod& period);

// A fixed-point integer as written in a command or a CSV cell: optional sign and digits
// (surrounding spaces ignored); no separators, no decimal point, no exponent.
bool ParseFixedInteger(absl::string_view text, int64_t* value);

// A breakdown by prefecture, "160008=30,170003=70" or "160008=30;170003=70" (spaces allowed
// around the parts; empty text = no breakdown). Each code is 6 digits and appears once; each
// part is an integer. INVALID_ARGUMENT saying what is wrong otherwise.
// The messages are in English, or in Japanese when `english` is false (as for every local
// error below that takes the flag: rfsctl speaks the language of --lang).
absl::StatusOr<std::vector<kpi::v1::PrefectureValue>> ParseBreakdown(absl::string_view text,
                                                                     bool english = true);
// OK when `parts` is empty or adds up to `value`.
absl::Status CheckBreakdownSum(const std::vector<kpi::v1::PrefectureValue>& parts, int64_t value,
                               bool english = true);

// The real value of a fixed-point integer, value × 10^-decimal_places, with thousands
// separators: (123456, 2) → "1,234.56", (-5, 2) → "-0.05", (1234567, 0) → "1,234,567".
// decimal_places is clamped to 0..18.
std::string FormatFixedPoint(int64_t value, int decimal_places);
// The value of an indicator for people, with its decimal places and unit: "62億円" (ja) or
// "6,200,000,000 yen" (en) for yen, "155人" / "155 persons", "3.6%", "14社", "104,000円/人".
std::string FormatIndicatorValue(int64_t value, const registry::v1::Indicator& indicator,
                                 bool english);

// Progress made from `baseline` toward `target` at `actual`: (actual − baseline) ÷ (target −
// baseline), so 0 at the baseline and 1 at the target in either direction (a decreasing
// indicator moving down gives a positive share). Not clamped. When target equals baseline: 1
// if the target is met (≥, or ≤ when `decreasing`), else 0.
double ProgressFraction(int64_t baseline, int64_t target, int64_t actual, bool decreasing);
// `width` cells, the share `fraction` (clamped to 0..1, rounded down so a full bar means the
// target is reached) as '█' and the rest as '░'.
std::string RenderBar(double fraction, int width = 20);
// "[#####.....] 120/300": a counter for a terminal (done is clamped to total).
std::string RenderCounter(size_t done, size_t total, int width = 20);

// ---- CSV (RFC 4180) (kpi_csv.cc) ----

// One record of a CSV text.
struct CsvRecord {
  int line = 0;                     // 1-based physical line where the record starts
  std::vector<std::string> fields;  // unquoted values
  std::string error;                // non-empty when the record is malformed
};
// Splits CSV text into records: fields separated by ',', records by CRLF or LF; a field in
// double quotes may hold ',', line breaks and "" (one quote). A leading UTF-8 BOM is skipped,
// blank lines are skipped. A malformed record (a quote inside an unquoted field, text after a
// closing quote, an unterminated quote) carries an error, and parsing resumes at the next line.
std::vector<CsvRecord> ParseCsv(absl::string_view text, bool english = true);
// The fields of one line of CSV; INVALID_ARGUMENT when it is malformed or holds more than one
// record.
absl::StatusOr<std::vector<std::string>> ParseCsvLine(absl::string_view line);
// A field quoted when it needs to be (holds ',', '"', CR or LF, or starts or ends with a
// space), with quotes doubled.
std::string CsvField(absl::string_view value);
// The fields as one CSV record, ending in CRLF.
std::string CsvRow(const std::vector<std::string>& fields);

// ---- Bulk import (kpi_csv.cc; the command: kpi_import.cc) ----

// One line of an import file, ready to send.
struct ImportLine {
  int line = 0;
  kpi::v1::RecordMeasurementRequest request;
};
struct ImportBatch {
  std::vector<ImportLine> lines;    // every data line, when `errors` is empty
  std::vector<std::string> errors;  // "line N: reason", one per bad line, in line order
};
// Checks every line of an import file (a header naming the columns plan, indicator, period,
// value and optionally breakdown, source, note, request_id, in any order; then one measurement
// a line) without sending anything. A line without a request_id gets
// "import-<first 16 hex digits of the file's SHA-256>-<line>", so re-running the same file
// repeats the same requests.
ImportBatch ParseImportCsv(absl::string_view text, bool english = true);

// ---- Words (kpi_format.cc) ----

// 達成/順調/要注意/遅れ/悪化/データなし/目標未設定, or ACHIEVED/ON TRACK/AT RISK/OFF TRACK/
// DETERIORATING/NO DATA/TARGET UNSET.
std::string StatusWord(kpi::v1::ProgressStatus status, bool english);
// The ANSI SGR parameters a status is shown in ("32" green ...); "" for none.
const char* StatusColor(kpi::v1::ProgressStatus status);
// A status given on the command line: "ON_TRACK", "on-track", "PROGRESS_STATUS_ON_TRACK" or the
// Japanese word; "clear" (or "none") gives PROGRESS_STATUS_UNSPECIFIED. False for anything else.
bool ParseStatusArg(absl::string_view text, kpi::v1::ProgressStatus* status);
// 報告済/確認済/差戻し, or REPORTED/VERIFIED/RETURNED.
std::string StateWord(kpi::v1::MeasurementState state, bool english);
// 期限内に報告済/期限後に報告/一部未報告（期限超過）/未報告（期限超過）/未報告（期限前), or
// ON TIME/LATE/INCOMPLETE/MISSING/NOT YET DUE.
std::string ReportStateWord(kpi::v1::ReportState state, bool english);

// ---- PDCA (kpi_format.cc) ----

// PLAN/DO/CHECK/ACT, in Japanese with the word after it: "CHECK（評価）".
std::string PdcaPhaseWord(kpi::v1::PdcaPhase phase, bool english);
// The phase `rfsctl pdca advance` moves a cycle to: DO, CHECK or ACT in any case (also
// "PDCA_PHASE_CHECK"), or 実行/評価/改善. nullopt for anything else, PLAN included (a cycle starts
// there).
std::optional<kpi::v1::PdcaPhase> ParsePdcaPhaseArg(absl::string_view text);
// The improvement actions of the --action flags: each value is "description|owner|YYYY-MM-DD",
// or several of them separated by ";;" (blank ones skipped). Spaces around the parts are
// trimmed. INVALID_ARGUMENT naming the action (1-based, over all the values) and what is wrong:
// not three parts, an empty or too long description (2,000 characters) or owner (200), a due
// date that is not a day written YYYY-MM-DD, more than 50 actions.
absl::StatusOr<std::vector<kpi::v1::ImprovementAction>> ParseImprovementActions(
    const std::vector<std::string>& values, bool english = true);

// ---- Table (kpi_format.cc) ----

// A table whose columns line up with Japanese text (wide characters count two columns), cells
// optionally in an ANSI colour that does not count toward the width.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header, size_t max_width = 48);
  // `colors`: SGR parameters per cell ("" or missing = none).
  void Add(std::vector<std::string> row, std::vector<std::string> colors = {});
  void AlignRight(size_t column);
  void SetMaxWidth(size_t column, size_t width);
  std::string Render() const;

 private:
  size_t max_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<std::vector<std::string>> colors_;
  std::vector<bool> right_;
  std::vector<size_t> column_max_;
};

// ---- Reports (kpi_reports.cc) ----

// `rfsctl kpi progress`: the header line, one row per indicator, removed indicators marked, then
// the summary lines. Without `wide` the table fits 100 columns (status word, a short bar, the
// reported value and the target; a reviewer's status replaces the computed one, marked "*");
// `wide` adds each value's half year, expected now, the verified value and the reviewer's
// status with its reason. `color` wraps the status words in ANSI colours.
std::string RenderProgressReport(const kpi::v1::PlanProgress& progress, bool english, bool color,
                                 bool wide = false);
// `rfsctl kpi national`: the table of the three KGIs and the plan and KPI shares.
std::string RenderNationalReport(const kpi::v1::AggregateKgiRequest& request,
                                 const kpi::v1::AggregateKgiResponse& response, bool english);
// `rfsctl kpi reporting`: the half year, its deadline and when it was computed, the filters of
// `request`, the counts by state, then one row per plan listed (plan, type, block, state).
std::string RenderReportingStatus(const kpi::v1::GetReportingStatusRequest& request,
                                  const kpi::v1::ReportingStatus& status, bool english);
// `rfsctl pdca show`: the phase and etag, the transitions (when in JST, who, from → to,
// comment), the findings and the CHECK snapshot (indicator, name, status, actual, expected, and
// the reviewer's status when any), the actions and whether ACT asked for a revision. Values are
// shown with the unit of `indicators` (by id), else as plain fixed-point integers.
std::string RenderPdcaCycle(const kpi::v1::PdcaCycle& cycle,
                            const std::map<std::string, registry::v1::Indicator>& indicators,
                            bool english);
// `rfsctl kpi national --csv`: header fiscal_year,kgi,kgi_name,unit,target,reported,verified,
// plans,plans_with_kpi_achieved,plans_with_kpi_achieved_ratio,kpis,kpis_achieved,
// kpis_achieved_ratio, then one row per KGI (the plan and KPI figures repeated on each row),
// in UTF-8 with CRLF line ends; a UTF-8 BOM first when `bom`.
std::string NationalCsv(const kpi::v1::AggregateKgiResponse& response, bool english, bool bom);

// ---- HTML reports (kpi_html.cc; the command `kpi report` in kpi_report.cc) ----
//
// `rfsctl kpi report` writes one self-contained HTML page (inline CSS and SVG; no script, and a
// Content-Security-Policy of default-src 'none' so that nothing is fetched) of one plan or one
// regional block, in the language of --lang (Japanese by default, with English beside each
// heading). What a page shows carries data attributes, so a test can read what a browser
// displays and compare it with the service's answers:
//   data-indicator="ID"          an indicator's card; inside it
//     data-role="status"         its computed status word (background: the status colour)
//     data-role="override"       a reviewer's status, when set
//     data-role="reported" / "verified" / "expected" / "target" / "baseline"
//                                its figures as of the report's half year (text: the value)
//     data-period="2026-H1"      a row of its half-year table, with cells data-series=
//                                "expected" | "reported" | "verified" (text: the exact value)
//     <svg data-chart>           its chart: points data-series="reported" | "verified" and a
//                                line data-series="expected", each point with data-period and
//                                data-value (the fixed-point integer)
//   data-status="ACHIEVED"       a legend entry or a segment of a status bar (data-count)
//   data-report-period="2026-H1" a half year's report of the plan (data-state="MISSING" ...)
//   data-phase="CHECK"           a PDCA phase box (class "current" on the cycle's phase)
//   data-plan="plans/B-00001"    a row of a block report (data-phase, data-state inside)
//   data-kgi="CAPEX"             a KGI of a block report (data-role target/reported/verified)

// The colour of a status on the page and on the dashboards (Grafana's palette: green, blue,
// yellow, orange, red, grey, purple), "#73BF69" ...
const char* StatusHtmlColor(kpi::v1::ProgressStatus status);

// A half year's report of one plan, with the half year and its deadline.
struct HalfYearReport {
  common::v1::FiscalPeriod period;
  google::protobuf::Timestamp deadline;
  kpi::v1::PlanReport report;
};

// What the report of one plan shows, as read from rfs-kpi.
struct PlanReportData {
  std::string plan;                          // "plans/B-00001"
  std::string title;                         // its title, when GetReportingStatus listed it
  std::string block;                         // its regional block, likewise
  kpi::v1::PlanProgress progress;            // GetProgress at the report's half year
  // GetProgress at each half year of the charts, oldest first: the path (expected_now) and
  // the values counted by then.
  std::vector<kpi::v1::PlanProgress> path;
  std::optional<kpi::v1::PdcaCycle> cycle;   // of the report's half year, when readable
  std::vector<HalfYearReport> reports;       // the plan's reports, oldest first
  std::string generated;                     // when the page was made, "2026-12-08 10:45 JST"
};
std::string RenderPlanReportHtml(const PlanReportData& data, bool english);

// One plan of a block report.
struct BlockPlanRow {
  kpi::v1::PlanReport report;                    // of the report's half year
  std::optional<kpi::v1::PlanProgress> progress;  // when readable
  kpi::v1::PdcaPhase phase = kpi::v1::PDCA_PHASE_UNSPECIFIED;  // unset when unreadable
};

// What the report of one regional block shows.
struct BlockReportData {
  std::string block;                               // e.g. "HOKURIKU"
  registry::v1::PlanType plan_type = registry::v1::PLAN_TYPE_UNSPECIFIED;  // a filter, if set
  kpi::v1::ReportingStatus status;                 // of the report's half year
  std::vector<kpi::v1::ReportingStatus> earlier;   // of the half years before, newest first
  std::vector<BlockPlanRow> plans;                 // in the order of `status.plans`
  size_t plans_not_shown = 0;                      // beyond the page's limit
  kpi::v1::AggregateKgiResponse kgi;               // of the report's fiscal year
  bool include_tokyo_area = false;
  std::string generated;
};
std::string RenderBlockReportHtml(const BlockReportData& data, bool english);

}  // namespace rfs::rfsctl
