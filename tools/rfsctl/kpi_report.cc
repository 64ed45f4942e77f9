// `rfsctl kpi report` (kpi_cli.h): reads what a page shows from rfs-kpi, renders it
// (kpi_html.cc) and writes the page to --out or standard output.
//
// One plan: GetProgress at the report's half year and at each half year of the charts (the path
// and the values counted by then, as the service computes them), GetPdcaCycle, and
// GetReportingStatus of each half year up to the report's (its type, then its block, to keep
// the answers small). One block: GetReportingStatus of the half year and the three before it,
// GetProgress and GetPdcaCycle of each plan listed (at most --max_plans), AggregateKgi of the
// fiscal year.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/base/japan_time.h"
#include "common/domain/fiscal.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/kpi_cli.h"
#include "tools/rfsctl/kpi_commands.h"

namespace rfs::rfsctl {

namespace cv1 = common::v1;

namespace {

// The charts span at most this many half years (twelve fiscal years).
constexpr int64_t kMaxChartHalves = 24;
// A plan report lists the reports of at most this many half years, the latest.
constexpr int64_t kMaxReportHalves = 8;
// A block report lists overdue reports of the report's half year and this many before it.
constexpr int kEarlierHalves = 3;

// An error of one plan's call that stops a block report (the token, the service, the
// deadline) rather than leaving that plan's row empty (a plan it may not read, or one gone).
bool StopsTheReport(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
         s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

std::string Generated() {
  return absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M", absl::Now(), JapanTimeZone()), " JST");
}

// Writes the page to --out (through a temporary file renamed over it, so a reader never sees
// half a page) or to standard output.
int WritePage(const std::string& page, bool english) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty() || out == "-") {
    std::fwrite(page.data(), 1, page.size(), stdout);
    return 0;
  }
  // A new temporary file of our own (mkstemp: never an existing file or a link), readable by
  // its owner only: the page holds what the caller's token may read.
  std::string tmp = out + ".XXXXXX";
  const int fd = mkstemp(tmp.data());
  FILE* f = fd < 0 ? nullptr : fdopen(fd, "wb");
  if (f == nullptr && fd >= 0) close(fd);
  bool ok = f != nullptr && std::fwrite(page.data(), 1, page.size(), f) == page.size();
  if (f != nullptr) ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), out.c_str()) != 0) {
    if (fd >= 0) std::remove(tmp.c_str());
    return Fail(absl::StrCat("kpi report: ",
                             Say(english, "cannot write ", "書き込めません: "), out));
  }
  std::fprintf(stderr, "%s%s\n", Say(english, "kpi report: wrote ", "kpi report: 書き出しました: ").c_str(),
               out.c_str());
  return 0;
}

int PlanReport(const KpiClient& c, const std::string& plan, const cv1::FiscalPeriod& as_of) {
  const KpiGlobals& g = c.g();
  PlanReportData data;
  data.plan = plan;
  data.generated = Generated();
  kv1::GetProgressRequest req;
  req.set_plan(plan);
  *req.mutable_as_of() = as_of;
  if (int code = c.CallOrFail(&Stub::GetProgress, req, &data.progress, "kpi report: ")) {
    return code;
  }
  // The half years of the charts: from the earliest baseline to the latest target, and at
  // least to the report's half year.
  const int64_t now = HalfIndexOf(as_of);
  int64_t first = now, last = now;
  // (A baseline or target without a period yet, e.g. "202○年", does not count.)
  for (const auto& i : data.progress.indicators()) {
    const auto& baseline = i.indicator().baseline().period();
    const auto& target = i.indicator().target().period();
    if (baseline.fiscal_year() > 0) first = std::min(first, HalfIndexOf(baseline));
    if (target.fiscal_year() > 0) last = std::max(last, HalfIndexOf(target));
  }
  // Longer than the charts can hold: the early half years go (the targets and the report's
  // half year stay).
  if (last - first + 1 > kMaxChartHalves) first = std::min(now, last - kMaxChartHalves + 1);
  if (last - first + 1 > kMaxChartHalves) last = first + kMaxChartHalves - 1;
  for (int64_t h = first; h <= last; ++h) {
    if (h == now) {
      data.path.push_back(data.progress);
      continue;
    }
    *req.mutable_as_of() = PeriodOfHalfIndex(h);
    kv1::PlanProgress p;
    if (int code = c.CallOrFail(&Stub::GetProgress, req, &p, "kpi report: ")) return code;
    data.path.push_back(std::move(p));
  }
  // The PDCA cycle of the half year (none to show when it cannot be read, e.g. a half year
  // outside the plan's period).
  kv1::GetPdcaCycleRequest cycle_req;
  cycle_req.set_plan(plan);
  *cycle_req.mutable_period() = as_of;
  kv1::PdcaCycle cycle;
  if (c.Call(&Stub::GetPdcaCycle, cycle_req, &cycle).ok()) data.cycle = cycle;
  // Its reports: the half years after the earliest baseline, up to the report's.
  kv1::GetReportingStatusRequest status_req;
  rv1::PlanType type = rv1::PLAN_TYPE_UNSPECIFIED;
  if (IsPlanName(plan)) {
    rv1::PlanType_Parse(absl::StrCat("PLAN_TYPE_", plan.substr(6, 1)), &type);
  }
  status_req.set_plan_type(type);
  // (At least the report's own half year, also when no baseline has a period.)
  for (int64_t h = std::max(std::min(first + 1, now), now - kMaxReportHalves + 1); h <= now;
       ++h) {
    *status_req.mutable_period() = PeriodOfHalfIndex(h);
    kv1::ReportingStatus status;
    if (int code = c.CallOrFail(&Stub::GetReportingStatus, status_req, &status, "kpi report: ")) {
      return code;
    }
    for (const auto& r : status.plans()) {
      if (r.plan() != plan) continue;
      data.reports.push_back({status.period(), status.deadline(), r});
      if (data.title.empty()) data.title = r.title();
      if (data.block.empty()) {
        data.block = r.block();
        status_req.set_block(r.block());
      }
    }
  }
  return WritePage(RenderPlanReportHtml(data, g.english), g.english);
}

int BlockReport(const KpiClient& c, const std::string& block, const cv1::FiscalPeriod& as_of,
                rv1::PlanType type) {
  const KpiGlobals& g = c.g();
  BlockReportData data;
  data.block = block;
  data.plan_type = type;
  data.generated = Generated();
  data.include_tokyo_area = absl::GetFlag(FLAGS_include_tokyo_area);
  kv1::GetReportingStatusRequest status_req;
  status_req.set_block(block);
  status_req.set_plan_type(type);
  *status_req.mutable_period() = as_of;
  if (int code =
          c.CallOrFail(&Stub::GetReportingStatus, status_req, &data.status, "kpi report: ")) {
    return code;
  }
  for (int k = 1; k <= kEarlierHalves; ++k) {
    *status_req.mutable_period() = PeriodOfHalfIndex(HalfIndexOf(as_of) - k);
    kv1::ReportingStatus earlier;
    if (int code = c.CallOrFail(&Stub::GetReportingStatus, status_req, &earlier, "kpi report: ")) {
      return code;
    }
    data.earlier.push_back(std::move(earlier));
  }
  const int max_plans = std::max(0, absl::GetFlag(FLAGS_max_plans));
  for (const auto& r : data.status.plans()) {
    if (static_cast<int>(data.plans.size()) >= max_plans) {
      ++data.plans_not_shown;
      continue;
    }
    BlockPlanRow row;
    row.report = r;
    kv1::GetProgressRequest req;
    req.set_plan(r.plan());
    *req.mutable_as_of() = as_of;
    kv1::PlanProgress progress;
    grpc::Status s = c.Call(&Stub::GetProgress, req, &progress);
    if (StopsTheReport(s)) return FailRpc(s, g.english, "kpi report: ");
    if (s.ok()) row.progress = std::move(progress);
    kv1::GetPdcaCycleRequest cycle_req;
    cycle_req.set_plan(r.plan());
    *cycle_req.mutable_period() = as_of;
    kv1::PdcaCycle cycle;
    s = c.Call(&Stub::GetPdcaCycle, cycle_req, &cycle);
    if (StopsTheReport(s)) return FailRpc(s, g.english, "kpi report: ");
    if (s.ok()) row.phase = cycle.phase();
    data.plans.push_back(std::move(row));
  }
  kv1::AggregateKgiRequest kgi_req;
  kgi_req.set_fiscal_year(as_of.fiscal_year());
  kgi_req.set_block(block);
  kgi_req.set_plan_type(type);
  kgi_req.set_include_tokyo_area(data.include_tokyo_area);
  if (int code = c.CallOrFail(&Stub::AggregateKgi, kgi_req, &data.kgi, "kpi report: ")) {
    return code;
  }
  return WritePage(RenderBlockReportHtml(data, g.english), g.english);
}

}  // namespace

int CmdReport(const KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  const std::string usage =
      "kpi report: usage: rfsctl kpi report PLAN [--as_of 2026-H2] [--out FILE.html], or "
      "rfsctl kpi report --block HOKURIKU [--plan_type B] [--as_of 2026-H2] [--out FILE.html]";
  const std::string block = absl::AsciiStrToUpper(g.block);
  if (args.size() > 1 || (args.empty() == block.empty())) return Fail(usage);
  cv1::FiscalPeriod as_of = FiscalPeriodOf(absl::Now());
  if (int code = ReadAsOfFlag("kpi report", g.english, &as_of)) return code;
  if (!args.empty()) return PlanReport(c, NormalizePlanName(args[0]), as_of);
  rv1::PlanType type;
  if (!ReadPlanTypeFlag(&type)) {
    return Fail(Say(g.english, "kpi report: --plan_type must be A, B or C",
                    "kpi report: --plan_type は A、B、C のいずれかです"));
  }
  return BlockReport(c, block, as_of, type);
}

}  // namespace rfs::rfsctl
