#include "services/kpi/aggregate_key.h"

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rfs::kpi {
namespace {

bool IsKgiMetric(absl::string_view m) { return m == "t" || m == "r" || m == "v"; }
bool IsPlanCountMetric(absl::string_view m) {
  return m == "plans" || m == "plans_ach" || m == "kpis" || m == "kpis_ach";
}

// `with_sfield`: a contribution's row (a by-area row names its strategic field), else a cell's.
std::string FormatRow(const Row& r, bool with_sfield) {
  switch (r.kind) {
    case RowKind::kKgi:
      return with_sfield
                 ? absl::StrCat(r.metric, "|", r.kgi, "|", r.type, "|", r.block, "|", r.sfield,
                                "|", r.area)
                 : absl::StrCat(r.metric, "|", r.kgi, "|", r.type, "|", r.block, "|", r.area);
    case RowKind::kPlanCount:
      return with_sfield
                 ? absl::StrCat(r.metric, "|", r.type, "|", r.block, "|", r.sfield, "|", r.area)
                 : absl::StrCat(r.metric, "|", r.type, "|", r.block, "|", r.area);
    case RowKind::kStatus:
      return absl::StrCat("ind|", r.state, "|", r.type, "|", r.block);
    case RowKind::kPdca:
      return absl::StrCat("pdca|", r.state, "|", r.type);
    case RowKind::kReport:
      return absl::StrCat("rep|", r.half, "|", r.state, "|", r.type, "|", r.block);
    case RowKind::kDue:
      return absl::StrCat("due|", r.half, "|", r.type, "|", r.block);
  }
  return std::string();
}

std::optional<Row> ParseRow(const std::vector<absl::string_view>& p, bool with_sfield) {
  if (p.empty()) return std::nullopt;
  const absl::string_view m = p[0];
  const size_t area_parts = with_sfield ? 2 : 1;
  auto s = [&p](size_t i) { return std::string(p[i]); };
  if (IsKgiMetric(m) && p.size() == 4 + area_parts) {
    return Row::Kgi(s(0), s(1), s(2), s(3), with_sfield ? s(4) : std::string(), s(p.size() - 1));
  }
  if (IsPlanCountMetric(m) && p.size() == 3 + area_parts) {
    return Row::PlanCount(s(0), s(1), s(2), with_sfield ? s(3) : std::string(),
                          s(p.size() - 1));
  }
  if (m == "ind" && p.size() == 4) return Row::Status(s(1), s(2), s(3));
  if (m == "pdca" && p.size() == 3) return Row::Pdca(s(1), s(2));
  if (m == "rep" && p.size() == 5) return Row::Report(s(1), s(2), s(3), s(4));
  if (m == "due" && p.size() == 4) return Row::Due(s(1), s(2), s(3));
  return std::nullopt;
}

}  // namespace

Row Row::Kgi(std::string metric, std::string kgi, std::string type, std::string block,
             std::string sfield, std::string area) {
  Row r;
  r.kind = RowKind::kKgi;
  r.metric = std::move(metric);
  r.kgi = std::move(kgi);
  r.type = std::move(type);
  r.block = std::move(block);
  r.sfield = std::move(sfield);
  r.area = std::move(area);
  return r;
}

Row Row::PlanCount(std::string metric, std::string type, std::string block, std::string sfield,
                   std::string area) {
  Row r;
  r.kind = RowKind::kPlanCount;
  r.metric = std::move(metric);
  r.type = std::move(type);
  r.block = std::move(block);
  r.sfield = std::move(sfield);
  r.area = std::move(area);
  return r;
}

Row Row::Status(std::string status, std::string type, std::string block) {
  Row r;
  r.kind = RowKind::kStatus;
  r.metric = "ind";
  r.state = std::move(status);
  r.type = std::move(type);
  r.block = std::move(block);
  return r;
}

Row Row::Pdca(std::string phase, std::string type) {
  Row r;
  r.kind = RowKind::kPdca;
  r.metric = "pdca";
  r.state = std::move(phase);
  r.type = std::move(type);
  return r;
}

Row Row::Report(std::string half, std::string state, std::string type, std::string block) {
  Row r;
  r.kind = RowKind::kReport;
  r.metric = "rep";
  r.half = std::move(half);
  r.state = std::move(state);
  r.type = std::move(type);
  r.block = std::move(block);
  return r;
}

Row Row::Due(std::string half, std::string type, std::string block) {
  Row r;
  r.kind = RowKind::kDue;
  r.metric = "due";
  r.half = std::move(half);
  r.type = std::move(type);
  r.block = std::move(block);
  return r;
}

std::string FormatContribution(absl::string_view bucket, const Row& row) {
  return absl::StrCat(bucket, "|", FormatRow(row, /*with_sfield=*/true));
}

std::optional<ContributionKey> ParseContribution(absl::string_view text) {
  std::vector<absl::string_view> p = absl::StrSplit(text, '|');
  if (p.size() < 2 || p[0].empty()) return std::nullopt;
  const std::string bucket(p[0]);
  p.erase(p.begin());
  std::optional<Row> row = ParseRow(p, /*with_sfield=*/true);
  if (!row.has_value()) return std::nullopt;
  // "now" holds what depends on the current half year; the rest are a fiscal year's.
  const bool now_row = row->kind == RowKind::kPlanCount || row->kind == RowKind::kStatus ||
                       row->kind == RowKind::kPdca;
  if (now_row != (bucket == "now")) return std::nullopt;
  return ContributionKey{bucket, *std::move(row)};
}

std::string FormatCellField(const Row& row) { return FormatRow(row, /*with_sfield=*/false); }

std::optional<Row> ParseCellField(absl::string_view text) {
  return ParseRow(absl::StrSplit(text, '|'), /*with_sfield=*/false);
}

std::string FormatCellBucket(const CellBucket& b) {
  if (b.sfield.empty()) return b.base;
  return absl::StrCat(b.base, ":", b.sfield, b.by_prefecture ? ":pref" : "");
}

std::optional<CellBucket> ParseCellBucket(absl::string_view text) {
  const std::vector<absl::string_view> p = absl::StrSplit(text, ':');
  if (p[0].empty() || p.size() > 3 || (p.size() >= 2 && p[1].empty()) ||
      (p.size() == 3 && p[2] != "pref")) {
    return std::nullopt;
  }
  CellBucket b;
  b.base = std::string(p[0]);
  if (p.size() >= 2) b.sfield = std::string(p[1]);
  b.by_prefecture = p.size() == 3;
  return b;
}

std::string FormatReportEntry(const ReportEntry& e) {
  return absl::StrCat(e.state, "|", e.block, "|", e.reported, "|", e.indicators);
}

std::optional<ReportEntry> ParseReportEntry(absl::string_view text) {
  const std::vector<absl::string_view> p = absl::StrSplit(text, '|');
  ReportEntry e;
  if ((p.size() != 2 && p.size() != 4) || !absl::SimpleAtoi(p[0], &e.state)) return std::nullopt;
  e.block = std::string(p[1]);
  e.counted = p.size() == 4 && absl::SimpleAtoi(p[2], &e.reported) &&
              absl::SimpleAtoi(p[3], &e.indicators);
  return e;
}

}  // namespace rfs::kpi
