// `rfsctl kpi ...` (kpi_commands.h): every kpi and pdca flag, the shared pieces of the commands
// (kpi_cli.h), the commands record, verify, return, list, progress, override, unlock, national and
// reporting, KpiUsage and RunKpi. `kpi import` is in kpi_import.cc, `kpi report` in kpi_report.cc,
// `pdca` in pdca_commands.cc.
#include "tools/rfsctl/kpi_commands.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/domain/fiscal.h"
#include "rfs/kpi/v1/kpi.grpc.pb.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/kpi_cli.h"

ABSL_FLAG(std::string, kpi_addr, "localhost:50053", "KPI tracking service address (RFS_KPI_ADDR)");
ABSL_FLAG(std::string, breakdown, "", "kpi record: value by prefecture, e.g. 160008=30,170003=70");
ABSL_FLAG(std::string, source, "", "kpi record: where the figure comes from");
ABSL_FLAG(std::string, note, "", "kpi record: a note; for a correction, why the value changed");
ABSL_FLAG(std::string, reason, "", "kpi override/unlock: why (required)");
ABSL_FLAG(std::string, until, "",
          "kpi unlock: accept reports through this day (JST), e.g. 2026-12-31, or until an RFC 3339 "
          "time; default 14 days");
ABSL_FLAG(std::string, as_of, "",
          "kpi progress/report: the half year, e.g. 2026-H2 (default: now)");
ABSL_FLAG(bool, wide, false,
          "kpi progress: every column (the half year of each value, expected now, verified "
          "values, the reviewer's reasons); without it the table fits 100 columns");
ABSL_FLAG(std::string, plan_type, "",
          "kpi national/reporting/report: only plans of type A, B or C");
ABSL_FLAG(bool, include_tokyo_area, false,
          "kpi national/report: count values at Tokyo-area prefectures too");
ABSL_FLAG(std::string, out, "", "kpi report: write the page to this file (default: standard output)");
ABSL_FLAG(int, max_plans, 200, "kpi report --block: most plans shown (the rest are counted)");
ABSL_FLAG(bool, csv, false, "kpi national: RFC 4180 CSV in UTF-8 instead of a table");
ABSL_FLAG(bool, bom, false, "kpi national: start the CSV with a UTF-8 BOM (for Excel); implies --csv");
ABSL_FLAG(int, max_lines, 10000, "kpi import: most data rows a file may have");
ABSL_FLAG(bool, dry_run, false,
          "kpi import: check every line, locally then by the service, and record nothing");
ABSL_FLAG(std::string, findings, "", "pdca advance CHECK: the findings (所見)");
ABSL_FLAG(std::string, action, "",
          "pdca advance ACT: an improvement action, \"description|owner|YYYY-MM-DD\"; repeat the "
          "flag or separate several with ';;'");
ABSL_FLAG(bool, request_revision, false,
          "pdca advance ACT: ask for a revision of the plan (the registry moves it to REVISING)");

namespace rfs::rfsctl {

namespace kv1 = kpi::v1;
namespace rv1 = registry::v1;

// ---- Commands ----

// PrintJson, IndicatorsOf, ReadHalfYearArg, NoToken and UsageAsked are shared with
// kpi_import.cc and pdca_commands.cc (declared in kpi_cli.h).

// Protobuf JSON on standard output (--json). Returns 0.
int PrintJson(const google::protobuf::Message& m) {
  std::printf("%s", ToJson(m).c_str());
  return 0;
}

// The indicators of a plan by id, from its progress, for their units and decimal places (best
// effort: empty when it cannot be read, and values are then shown as plain fixed-point integers).
std::map<std::string, rv1::Indicator> IndicatorsOf(const KpiClient& c, const std::string& plan) {
  std::map<std::string, rv1::Indicator> indicators;
  kv1::GetProgressRequest req;
  req.set_plan(plan);
  kv1::PlanProgress progress;
  if (c.Call(&Stub::GetProgress, req, &progress).ok()) {
    for (const auto& p : progress.indicators()) indicators[p.indicator().id()] = p.indicator();
  }
  return indicators;
}

namespace {

// A measurement after record, verify or return: its name, revision (etag) and state.
int OutputMeasurement(const KpiGlobals& g, const kv1::Measurement& m) {
  const bool en = g.english;
  return Output(g, m, [&] {
    std::printf("%s  revision %lld (etag %s)  %s%s\n", m.name().c_str(),
                static_cast<long long>(m.revision()), m.etag().c_str(),
                StateWord(m.state(), en).c_str(),
                m.late() ? (en ? "  (late)" : "  （期限後の報告）") : "");
    if (m.outside_national_kgis()) {
      std::printf("%s\n",
                  en ? "note: the lead prefecture is in the Tokyo area and the value has no "
                       "breakdown, so the national KGIs leave it out; give --breakdown "
                       "PREF=VALUE,... to count the parts outside the Tokyo area"
                     : "注: 代表都道府県が東京圏で内訳がないため、この値は全国の KGI に含まれ"
                       "ません。東京圏外の分を含めるには --breakdown 都道府県コード=値,… で内訳を"
                       "指定してください");
    }
  });
}

// NAME, or PLAN INDICATOR FY-H.
std::optional<std::string> MeasurementNameArg(const std::vector<std::string>& args) {
  if (args.size() == 1) {
    return absl::StartsWith(args[0], "plans/") ? args[0] : "plans/" + args[0];
  }
  if (args.size() == 3) {
    const auto period = ParseHalfYear(args[2]);
    if (!period.has_value()) return std::nullopt;
    return absl::StrCat(NormalizePlanName(args[0]), "/indicators/", args[1], "/measurements/",
                        FormatHalfYear(*period));
  }
  return std::nullopt;
}

}  // namespace

// A half year argument into `period`: 0, or the usage error printed (after `command`).
bool ReadPlanTypeFlag(rv1::PlanType* type) {
  const std::string text = absl::AsciiStrToUpper(absl::GetFlag(FLAGS_plan_type));
  *type = rv1::PLAN_TYPE_UNSPECIFIED;
  if (text.empty()) return true;
  return rv1::PlanType_Parse("PLAN_TYPE_" + text, type) && *type != rv1::PLAN_TYPE_UNSPECIFIED;
}

int ReadAsOfFlag(absl::string_view command, bool english, common::v1::FiscalPeriod* as_of) {
  const std::string text = absl::GetFlag(FLAGS_as_of);
  if (text.empty()) return 0;
  const auto period = ParseHalfYear(text);
  if (!period.has_value()) {
    return Fail(absl::StrCat(command, ": --as_of '", text,
                             Say(english, "' is not a half year like 2026-H2",
                                 "' は半期ではありません（例: 2026-H2）")));
  }
  *as_of = *period;
  return 0;
}

int ReadHalfYearArg(absl::string_view command, const std::string& arg,
                    common::v1::FiscalPeriod* period, bool english) {
  const auto parsed = ParseHalfYear(arg);
  if (!parsed.has_value()) {
    return Fail(absl::StrCat(command, ": '", arg,
                             Say(english, "' is not a half year like 2026-H2",
                                 "' は半期ではありません（例: 2026-H2）")));
  }
  *period = *parsed;
  return 0;
}

namespace {

// --plan_type A, B or C into `type` (UNSPECIFIED when not given); false for anything else.
int CmdRecord(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 4) {
    return Fail("kpi record: usage: rfsctl kpi record PLAN INDICATOR FY-H VALUE [--breakdown "
                "160008=30,170003=70] [--source S] [--note N] [--request_id ID] [--etag E]");
  }
  kv1::RecordMeasurementRequest req;
  req.set_plan(NormalizePlanName(args[0]));
  req.set_indicator_id(args[1]);
  const auto period = ParseHalfYear(args[2]);
  if (!period.has_value()) {
    return Fail(absl::StrCat("kpi record: '", args[2],
                             Say(g.english, "' is not a half year like 2026-H2",
                                 "' は半期ではありません（例: 2026-H2）")));
  }
  *req.mutable_period() = *period;
  int64_t value = 0;
  if (!ParseFixedInteger(args[3], &value)) {
    return Fail(absl::StrCat(
        "kpi record: ", Say(g.english, "value '", "値 '"), args[3],
        Say(g.english,
            "' is not an integer (values are fixed-point: 3.6% is 36 for an indicator with 1 "
            "decimal place)",
            "' は整数ではありません（値は固定小数点で書きます。小数1桁の指標の 3.6% は 36）")));
  }
  req.set_value(value);
  auto parts = ParseBreakdown(absl::GetFlag(FLAGS_breakdown), g.english);
  if (!parts.ok()) return Fail(absl::StrCat("kpi record: --breakdown: ", parts.status().message()));
  if (absl::Status sum = CheckBreakdownSum(*parts, value, g.english); !sum.ok()) {
    return Fail(absl::StrCat("kpi record: --breakdown: ", sum.message()));
  }
  for (auto& part : *parts) *req.add_breakdown() = std::move(part);
  req.set_source(absl::GetFlag(FLAGS_source));
  req.set_note(absl::GetFlag(FLAGS_note));
  req.set_request_id(g.request_id.empty() ? NewRequestId() : g.request_id);
  req.set_etag(g.etag);
  kv1::Measurement resp;
  if (int code = c.CallOrFail(&Stub::RecordMeasurement, req, &resp)) return code;
  return OutputMeasurement(g, resp);
}

int CmdReview(KpiClient& c, const std::vector<std::string>& args, bool verify) {
  const KpiGlobals& g = c.g();
  const char* usage = verify ? "kpi verify: usage: rfsctl kpi verify NAME [--comment C] [--etag E] "
                               "(NAME, or PLAN INDICATOR FY-H)"
                             : "kpi return: usage: rfsctl kpi return NAME --comment C [--etag E] "
                               "(NAME, or PLAN INDICATOR FY-H)";
  const std::optional<std::string> name = MeasurementNameArg(args);
  if (!name.has_value()) return Fail(usage);
  if (!verify && absl::StripAsciiWhitespace(g.comment).empty()) {
    return Fail(Say(g.english, "kpi return: --comment is required: say what the authors should look at",
                    "kpi return: --comment が必要です。作成者に見直してほしい点を書いてください"));
  }
  // VerifyMeasurementRequest and ReturnMeasurementRequest have the same fields.
  auto fill = [&](auto* req) {
    req->set_name(*name);
    req->set_etag(g.etag);
    req->set_comment(g.comment);
  };
  kv1::Measurement resp;
  int code = 0;
  if (verify) {
    kv1::VerifyMeasurementRequest req;
    fill(&req);
    code = c.CallOrFail(&Stub::VerifyMeasurement, req, &resp);
  } else {
    kv1::ReturnMeasurementRequest req;
    fill(&req);
    code = c.CallOrFail(&Stub::ReturnMeasurement, req, &resp);
  }
  if (code != 0) return code;
  return OutputMeasurement(g, resp);
}

std::string ActionWord(kv1::MeasurementChange::Action action, bool english) {
  switch (action) {
    case kv1::MeasurementChange::ACTION_RECORDED:
      return english ? "RECORDED" : "登録";
    case kv1::MeasurementChange::ACTION_CORRECTED:
      return english ? "CORRECTED" : "訂正";
    case kv1::MeasurementChange::ACTION_VERIFIED:
      return english ? "VERIFIED" : "確認";
    case kv1::MeasurementChange::ACTION_RETURNED:
      return english ? "RETURNED" : "差戻し";
    default:
      return "-";
  }
}

int CmdList(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  const bool en = g.english;
  if (args.size() != 1) return Fail("kpi list: usage: rfsctl kpi list PLAN [--history]");
  kv1::ListMeasurementsRequest req;
  req.set_plan(NormalizePlanName(args[0]));
  req.set_include_history(g.history);
  // Every page; a measurement whose history spans pages comes again with the rest of it.
  kv1::ListMeasurementsResponse resp;
  do {
    kv1::ListMeasurementsResponse page;
    if (int code = c.CallOrFail(&Stub::ListMeasurements, req, &page)) return code;
    for (kv1::Measurement& m : *page.mutable_measurements()) {
      const int n = resp.measurements_size();
      if (n > 0 && resp.measurements(n - 1).name() == m.name()) {
        for (auto& entry : *m.mutable_history()) {
          *resp.mutable_measurements(n - 1)->add_history() = std::move(entry);
        }
      } else {
        *resp.add_measurements() = std::move(m);
      }
    }
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  if (g.json) return PrintJson(resp);
  const std::map<std::string, rv1::Indicator> indicators = IndicatorsOf(c, req.plan());
  auto value_text = [&](const std::string& id, int64_t v) {
    return ValueText(indicators, id, v, en);
  };
  if (resp.measurements().empty()) {
    std::printf("%s\n", en ? "(no measurements)" : "（報告された値はありません）");
    return 0;
  }
  TextTable table(Header(en,
                         {"INDICATOR", "PERIOD", "VALUE", "STATE", "VERIFIED", "ETAG",
                          "REPORTED BY", "REPORTED AT", "NAME"},
                         {"指標", "期", "値", "状態", "確認済の値", "ETAG", "報告者", "報告日時",
                          "名前"}),
                  40);
  table.SetMaxWidth(8, 90);
  for (size_t column : {2, 4}) table.AlignRight(column);
  for (const auto& m : resp.measurements()) {
    table.Add({m.indicator_id(), FormatHalfYear(m.period()), value_text(m.indicator_id(), m.value()),
               StateWord(m.state(), en),
               m.has_verified_value() ? value_text(m.indicator_id(), m.verified_value()) : "—",
               m.etag(), m.reported_by(),
               JstTime(m.report_time()) + (m.late() ? (en ? " (late)" : "（期限後）") : ""),
               m.name()});
  }
  std::printf("%s", table.Render().c_str());
  if (g.history) {
    for (const auto& m : resp.measurements()) {
      if (m.history().empty()) continue;
      std::printf("\n%s\n", m.name().c_str());
      TextTable history(Header(en, {"REV", "TIME", "ACTION", "WHO", "OLD", "NEW", "REASON"},
                               {"版", "日時", "操作", "実施者", "変更前", "変更後", "理由"}),
                        60);
      for (size_t column : {4, 5}) history.AlignRight(column);
      for (const auto& h : m.history()) {
        history.Add({absl::StrCat(h.revision()), JstTime(h.time()), ActionWord(h.action(), en),
                     h.actor(), h.has_old_value() ? value_text(m.indicator_id(), h.old_value()) : "",
                     h.has_new_value() ? value_text(m.indicator_id(), h.new_value()) : "",
                     h.reason()});
      }
      std::string rendered = history.Render();
      // Indent the history under its measurement.
      absl::StrReplaceAll({{"\n", "\n  "}}, &rendered);
      std::printf("  %s", std::string(absl::StripSuffix(rendered, "  ")).c_str());
    }
  }
  return 0;
}

bool UseColor() { return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr; }

int CmdProgress(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 1) return Fail("kpi progress: usage: rfsctl kpi progress PLAN [--as_of 2026-H2] [--wide]");
  kv1::GetProgressRequest req;
  req.set_plan(NormalizePlanName(args[0]));
  if (!absl::GetFlag(FLAGS_as_of).empty()) {
    if (int code = ReadAsOfFlag("kpi progress", g.english, req.mutable_as_of())) return code;
  }
  kv1::PlanProgress resp;
  if (int code = c.CallOrFail(&Stub::GetProgress, req, &resp)) return code;
  return Output(g, resp, [&] {
    std::printf("%s",
                RenderProgressReport(resp, g.english, UseColor(), absl::GetFlag(FLAGS_wide)).c_str());
  });
}

int CmdOverride(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  const bool en = g.english;
  if (args.size() != 3) {
    return Fail("kpi override: usage: rfsctl kpi override PLAN INDICATOR STATUS --reason R "
                "(STATUS: ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, DETERIORATING, NO_DATA, "
                "TARGET_UNSET, or clear)");
  }
  kv1::OverrideStatusRequest req;
  req.set_plan(NormalizePlanName(args[0]));
  req.set_indicator_id(args[1]);
  kv1::ProgressStatus status;
  if (!ParseStatusArg(args[2], &status)) {
    return Fail(absl::StrCat("kpi override: '", args[2],
                             Say(g.english, "' is not a status (", "' は状況ではありません（"),
                             "ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, DETERIORATING, NO_DATA, "
                             "TARGET_UNSET, ", Say(g.english, "or clear)", "または clear）")));
  }
  req.set_status(status);
  req.set_reason(absl::GetFlag(FLAGS_reason));
  if (absl::StripAsciiWhitespace(req.reason()).empty()) {
    return Fail(Say(g.english, "kpi override: --reason is required (also to clear)",
                    "kpi override: --reason が必要です（取り消すときも）"));
  }
  kv1::StatusOverride resp;
  if (int code = c.CallOrFail(&Stub::OverrideStatus, req, &resp)) return code;
  return Output(g, resp, [&] {
    if (resp.status() == kv1::PROGRESS_STATUS_UNSPECIFIED) {
      std::printf(en ? "%s %s: reviewer's status cleared (by %s)\n"
                     : "%s %s: 確認者の判断を取り消しました（%s）\n",
                  resp.plan().c_str(), resp.indicator_id().c_str(), resp.actor().c_str());
    } else {
      std::printf(en ? "%s %s: reviewer's status %s: %s (by %s)\n"
                     : "%s %s: 確認者の判断 %s: %s（%s）\n",
                  resp.plan().c_str(), resp.indicator_id().c_str(),
                  StatusWord(resp.status(), en).c_str(), resp.reason().c_str(),
                  resp.actor().c_str());
    }
  });
}

int CmdUnlock(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  const bool en = g.english;
  if (args.size() != 2) {
    return Fail("kpi unlock: usage: rfsctl kpi unlock PLAN FY-H --reason R [--until 2026-12-31]");
  }
  kv1::UnlockPeriodRequest req;
  if (int code = ReadPlanAndHalfYear("kpi unlock", args, &req, g.english)) return code;
  req.set_reason(absl::GetFlag(FLAGS_reason));
  if (absl::StripAsciiWhitespace(req.reason()).empty()) {
    return Fail(Say(en, "kpi unlock: --reason is required", "kpi unlock: --reason が必要です"));
  }
  const std::string until = absl::GetFlag(FLAGS_until);
  if (!until.empty()) {
    absl::Time t;
    std::string err;
    if (absl::ParseTime("%Y-%m-%d", until, JapanTimeZone(), &t, &err)) {
      t += absl::Hours(24);  // through the whole day, JST
    } else if (!absl::ParseTime(absl::RFC3339_full, until, &t, &err)) {
      return Fail(absl::StrCat("kpi unlock: --until '", until,
                               Say(en, "' is not a date like 2026-12-31 or an RFC 3339 time",
                                   "' は日付（例: 2026-12-31）でも RFC 3339 の時刻でもありません")));
    }
    req.mutable_until()->set_seconds(absl::ToUnixSeconds(t));
  }
  kv1::PeriodLock resp;
  if (int code = c.CallOrFail(&Stub::UnlockPeriod, req, &resp)) return code;
  return Output(g, resp, [&] {
    const std::string deadline = DueDate(resp.deadline());
    if (en) {
      std::printf("%s %s: open for reports until %s JST (by %s; deadline %s); %s\n",
                  resp.plan().c_str(), FormatHalfYear(resp.period()).c_str(),
                  JstTime(resp.unlocked_until()).c_str(), resp.unlocked_by().c_str(),
                  deadline.c_str(), resp.locked() ? "still locked now" : "accepting reports now");
    } else {
      std::printf("%s %s: %s（日本時間）まで報告の受付を再開しました（%s、本来の期限 %s）。現在: %s\n",
                  resp.plan().c_str(), FormatHalfYear(resp.period()).c_str(),
                  JstTime(resp.unlocked_until()).c_str(), resp.unlocked_by().c_str(),
                  deadline.c_str(), resp.locked() ? "締切" : "受付中");
    }
  });
}

int CmdNational(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 1) {
    return Fail("kpi national: usage: rfsctl kpi national FY [--plan_type A] [--block HOKURIKU] "
                "[--field ID] [--prefecture 160008] [--include_tokyo_area] [--csv] [--bom]");
  }
  const std::optional<int> year = ParseFiscalYearArg(args[0]);
  if (!year.has_value()) {
    return Fail(absl::StrCat("kpi national: '", args[0],
                             Say(g.english, "' is not a fiscal year like 2026",
                                 "' は年度ではありません（例: 2026）")));
  }
  kv1::AggregateKgiRequest req;
  req.set_fiscal_year(*year);
  rv1::PlanType type;
  if (!ReadPlanTypeFlag(&type)) {
    return Fail(Say(g.english, "kpi national: --plan_type must be A, B or C",
                    "kpi national: --plan_type は A、B、C のいずれかです"));
  }
  req.set_plan_type(type);
  req.set_block(absl::AsciiStrToUpper(g.block));
  req.set_strategic_field(g.field);
  req.set_prefecture_code(g.prefecture);
  req.set_include_tokyo_area(absl::GetFlag(FLAGS_include_tokyo_area));
  kv1::AggregateKgiResponse resp;
  if (int code = c.CallOrFail(&Stub::AggregateKgi, req, &resp)) return code;
  const bool bom = absl::GetFlag(FLAGS_bom);
  if (absl::GetFlag(FLAGS_csv) || bom) {
    const std::string csv = NationalCsv(resp, g.english, bom);
    std::fwrite(csv.data(), 1, csv.size(), stdout);
    return 0;
  }
  return Output(g, resp, [&] {
    std::printf("%s", RenderNationalReport(req, resp, g.english).c_str());
  });
}

int CmdReporting(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 1) {
    return Fail(
        "kpi reporting: usage: rfsctl kpi reporting FY-H [--plan_type A] [--block HOKURIKU]");
  }
  kv1::GetReportingStatusRequest req;
  if (int code = ReadHalfYearArg("kpi reporting", args[0], req.mutable_period(), g.english)) {
    return code;
  }
  rv1::PlanType type;
  if (!ReadPlanTypeFlag(&type)) {
    return Fail(Say(g.english, "kpi reporting: --plan_type must be A, B or C",
                    "kpi reporting: --plan_type は A、B、C のいずれかです"));
  }
  req.set_plan_type(type);
  req.set_block(absl::AsciiStrToUpper(g.block));
  kv1::ReportingStatus resp;
  if (int code = c.CallOrFail(&Stub::GetReportingStatus, req, &resp)) return code;
  return Output(g, resp, [&] {
    std::printf("%s", RenderReportingStatus(req, resp, g.english).c_str());
  });
}

}  // namespace

// The error of a command run without a token.
std::string NoToken(bool english) {
  return absl::StrCat(Say(english, "no token: set RFS_TOKEN (e.g. ",
                          "トークンがありません: RFS_TOKEN を設定するか（例: "),
                      "export RFS_TOKEN=$(rfsctl token --key_file KEY --role prefecture "
                      "--body_code 160008)",
                      Say(english, ") or pass --token / --token_file",
                          "）、--token か --token_file を指定してください"));
}

// `rfsctl kpi` or `rfsctl pdca` alone (the usage on stderr, a usage error) or with "help" (the
// usage on standard output): the exit code; nullopt for any other command.
std::optional<int> UsageAsked(const std::vector<std::string>& all) {
  if (all.empty()) {
    std::fprintf(stderr, "%s", KpiUsage());
    return kUsageError;
  }
  if (all[0] == "help") {
    std::printf("%s", KpiUsage());
    return 0;
  }
  return std::nullopt;
}

const char* KpiUsage() {
  return R"(rfsctl kpi: KPI tracking (rfs-kpi at --kpi_addr, RFS_KPI_ADDR, default localhost:50053)

  rfsctl kpi record PLAN INDICATOR FY-H VALUE [--breakdown 160008=30,170003=70] [--source S]
                    [--note N] [--request_id ID] [--etag E]
      PLAN is B-00001 or plans/B-00001; FY-H a half year like 2026-H2 (a whole year's figure
      goes to H2). VALUE is the fixed-point integer of the indicator: 3.6% with 1 decimal
      place is 36. Write a negative value after "--": rfsctl kpi record ... -- -5.
      Prints the measurement's name, revision (etag) and state.
  rfsctl kpi verify NAME [--comment C] [--etag E]
  rfsctl kpi return NAME --comment C [--etag E]
      NAME is plans/B-00001/indicators/kgi-capex/measurements/2026-H1 (or PLAN INDICATOR FY-H).
  rfsctl kpi list PLAN [--history]
  rfsctl kpi progress PLAN [--as_of 2026-H2] [--wide]
      One row per indicator: status (達成 順調 要注意 遅れ 悪化 データなし 目標未設定), a bar of
      the progress from baseline to target, actual, expected now, target, verified actual and
      the reviewer's status when set; then the summary. Colours on a terminal unless NO_COLOR.
  rfsctl kpi override PLAN INDICATOR STATUS --reason R
      STATUS: ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, DETERIORATING, NO_DATA, TARGET_UNSET, or
      clear (removes the reviewer's status; a reason is still required).
  rfsctl kpi unlock PLAN FY-H --reason R [--until 2026-12-31]
      Reopens a half year past its report deadline through that day (JST); default 14 days.
  rfsctl kpi national FY [--plan_type A] [--block HOKURIKU] [--field ID] [--prefecture 160008]
                      [--include_tokyo_area] [--csv] [--bom]
      Σ target, reported and verified of CAPEX, VALUE_ADDED and TALENT, and the shares of plans
      and KPIs achieved. --csv prints RFC 4180 CSV in UTF-8 with CRLF line ends: the header
        fiscal_year,kgi,kgi_name,unit,target,reported,verified,plans,plans_with_kpi_achieved,
        plans_with_kpi_achieved_ratio,kpis,kpis_achieved,kpis_achieved_ratio
      then one row per KGI; the plan and KPI figures (one set for the whole result) repeat on
      every row; amounts are plain integers (yen or persons, see unit), ratios 0..1, kgi_name
      in --lang. --bom (implies --csv) writes a UTF-8 BOM first so that Excel reads it as UTF-8.
  rfsctl kpi import FILE.csv [--dry_run] [--max_lines 10000]
      Bulk entry, all or nothing: no row is recorded unless every row is good. A file of more
      than --max_lines data rows is refused before anything is sent (split it). A header row
      names the columns, in any order:
        plan,indicator,period,value,breakdown,source,note,request_id
      (plan, indicator, period and value are required), then one measurement a row, e.g.
        B-00001,kgi-capex,2026-H1,3200000000,160008=3200000000,県統計課,,
      breakdown is CODE=VALUE;CODE=VALUE adding up to value, or empty. Quote a cell holding a
      comma, a quote or a line break ("..." with "" for a quote). A UTF-8 BOM is accepted. A
      row without a request_id gets import-<first 16 hex digits of the file's SHA-256>-<line
      number>, so running the same file again records nothing twice.
      1. Every row is checked locally (column count, plan name, indicator id, period, integer
         value, breakdown and its sum, lengths, request_id, no plan/indicator/period twice).
         Each bad row is reported on stderr as "line N: reason" (the first 50, then how many
         more) and, if there is any, nothing at all is sent (exit 2).
      2. Then the service checks every row as a write would and writes nothing
         (RecordMeasurement with validate_only, 8 rows at a time: who may report, the plan, the
         half year and its lock, the value, the breakdown, the etag), showing checking
         [#####.....] 120/300 on stderr when it is a terminal. Each row it refuses (e.g. a half
         year locked after its deadline, a prefecture outside the plan's area) is reported as
         "line N: <code>: <message>" (the first 50, then how many more) and, if there is any,
         nothing is recorded (exit 10 + the gRPC code of the first). An error of the service or
         the token (UNAVAILABLE, DEADLINE_EXCEEDED, UNAUTHENTICATED) stops the check there. --dry_run stops after this
         check: it records nothing (and needs the token and the service).
      3. Only then are the rows recorded in order (recording [#####.....] 120/300). A row
         refused for the write quota with a delay of at most 75 s (writes a minute) is sent
         again after that delay, saying so. A row
         failing now (the service unreachable, a half year locked since the check) stops the
         import with "line N: <error>" (exit 10 + the gRPC code); the rows before it stay
         recorded: fix the cause and run the same file again, the rows already recorded are
         skipped thanks to their request ids.
  rfsctl kpi reporting FY-H [--plan_type A] [--block HOKURIKU]
      Completeness and lateness of a half year's reports, as of each plan's last write or plan
      sync (a deadline that has just passed shows within --plan_sync_interval_s, 15 s): the
      deadline, how many plans are expected to report and how many reported on time, late, in part, not at all or are not yet due; then each plan you may
      read with its state: 期限内に報告済 (ON TIME), 期限後に報告 (LATE), 一部未報告（期限超過）
      (INCOMPLETE), 未報告（期限超過） (MISSING), 未報告（期限前） (NOT YET DUE).
  rfsctl kpi report PLAN [--as_of 2026-H2] [--out FILE.html]
  rfsctl kpi report --block HOKURIKU [--plan_type B] [--as_of 2026-H2] [--include_tokyo_area]
                    [--max_plans 200] [--out FILE.html]
      A self-contained HTML page (inline SVG and CSS, no script, nothing fetched: open it in
      any browser, mail it, print it), Japanese first (--lang en: English). Of one plan: the
      summary of its indicators' statuses, the PDCA cycle of the half year, each half year's
      report (overdue ones in red), and for each indicator its status, its figures (baseline,
      reported, verified, planned now, target, R) and a chart of its path from the baseline
      through the milestones to the target with the reported and verified values, then the
      values half year by half year. Of one block: its three mandatory KGIs for the fiscal year
      (target, reported, verified), the indicator statuses over its plans, the PDCA phases, the
      overdue reports of the half year and the three before it, and one row per plan. Default
      half year: now; default output: standard output.
rfsctl pdca: the PDCA cycle of a plan for a half year (the same service, token and flags)

  rfsctl pdca show PLAN FY-H
      The phase (PLAN → DO → CHECK → ACT; a cycle no one has moved is in PLAN) and etag, every
      move (when in JST, who, from → to, comment), the findings and each indicator's status,
      actual and expected value as CHECK recorded them, the improvement actions of ACT (what,
      who, by when) and whether ACT asked for a revision of the plan (and its version).
  rfsctl pdca advance PLAN FY-H PHASE [--findings TEXT] [--action "description|owner|YYYY-MM-DD"]
                      [--request_revision] [--comment C] [--etag E]
      Moves the cycle one phase on. PHASE: DO, CHECK or ACT (any case), or 実行, 評価, 改善.
      CHECK needs --findings (所見) and records each indicator's status then. ACT needs 1 to 50
      improvement actions: repeat --action, or separate several with ";;" in one value, e.g.
        --action "設備投資の前倒し|産業政策課|2027-03-31;;人材育成の拡充|労働政策課|2027-06-30"
      --request_revision (ACT) also moves the plan to REVISING in the registry, as you.
      --etag (from pdca show) fails with ABORTED if the cycle moved meanwhile.
      Prints the cycle's new phase and etag: plans/B-00001/pdca/2026-H2 is now CHECK (etag v2).

  Words and tables follow --lang ja|en. --json prints protobuf JSON (import: a summary
  object). Exit codes: 0 success, 2 usage or local error, 10 + the gRPC code otherwise.
)";
}

int RunKpi(const KpiGlobals& globals, const std::vector<std::string>& all) {
  if (const std::optional<int> code = UsageAsked(all)) return *code;
  const std::string cmd = all[0];
  const std::vector<std::string> args(all.begin() + 1, all.end());
  if (cmd == "import") return CmdImport(globals, args);  // checks the token only to send
  static const std::set<std::string> kCommands = {"record",   "verify",   "return",
                                                  "list",     "progress", "override",
                                                  "unlock",   "national", "reporting",
                                                  "report"};
  if (kCommands.count(cmd) == 0) {
    return Fail(absl::StrCat("kpi: unknown command '", cmd,
                             "'; try: record, verify, return, list, progress, override, unlock, "
                             "national, reporting, report, import (rfsctl kpi help)"));
  }
  if (globals.token.empty()) return Fail(NoToken(globals.english));
  KpiClient c(globals);
  if (cmd == "record") return CmdRecord(c, args);
  if (cmd == "verify") return CmdReview(c, args, /*verify=*/true);
  if (cmd == "return") return CmdReview(c, args, /*verify=*/false);
  if (cmd == "list") return CmdList(c, args);
  if (cmd == "progress") return CmdProgress(c, args);
  if (cmd == "override") return CmdOverride(c, args);
  if (cmd == "unlock") return CmdUnlock(c, args);
  if (cmd == "reporting") return CmdReporting(c, args);
  if (cmd == "report") return CmdReport(c, args);
  return CmdNational(c, args);
}

}  // namespace rfs::rfsctl
