// Internal to the kpi/pdca command files of rfsctl (kpi_format.cc, kpi_csv.cc, kpi_reports.cc,
// kpi_commands.cc, kpi_import.cc and pdca_commands.cc): what they share besides the public
// kpi_commands.h. Neither commands.cc nor the tests include it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/string_view.h"
#include "common/kit/client.h"
#include "rfs/kpi/v1/kpi.grpc.pb.h"
#include "rfs/registry/v1/registry.pb.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/kpi_commands.h"

// Flags defined in kpi_commands.cc (with every other kpi and pdca flag) and read in other files.
ABSL_DECLARE_FLAG(std::string, kpi_addr);     // KpiClient, below
ABSL_DECLARE_FLAG(int, max_lines);            // kpi_import.cc
ABSL_DECLARE_FLAG(bool, dry_run);             // kpi_import.cc
ABSL_DECLARE_FLAG(std::string, findings);     // pdca_commands.cc
ABSL_DECLARE_FLAG(std::string, action);       // pdca_commands.cc
ABSL_DECLARE_FLAG(bool, request_revision);    // pdca_commands.cc
ABSL_DECLARE_FLAG(bool, include_tokyo_area);  // kpi_report.cc
ABSL_DECLARE_FLAG(std::string, out);          // kpi_report.cc
ABSL_DECLARE_FLAG(int, max_plans);            // kpi_report.cc

namespace rfs::rfsctl {

namespace kv1 = kpi::v1;
namespace rv1 = registry::v1;

// ---- Local words (defined in kpi_format.cc) ----

// 'text', shortened to an excerpt: a value quoted in a local error.
std::string Quoted(absl::string_view text);
// A local message in the language of --lang: `en` in English, `ja` otherwise.
std::string Say(bool english, absl::string_view en, absl::string_view ja);
// The header of a table in --lang.
std::vector<std::string> Header(bool english, std::vector<std::string> en,
                                std::vector<std::string> ja);

// ---- Report pieces (defined in kpi_reports.cc) ----

// The day a report is due, "2026-10-31" (JST), from its deadline (the first instant after it).
std::string DueDate(const google::protobuf::Timestamp& deadline);
// Half years counted from FY0 H1 (a whole fiscal year counts at its H2), and back (defined in
// kpi_html.cc).
int64_t HalfIndexOf(const common::v1::FiscalPeriod& period);
common::v1::FiscalPeriod PeriodOfHalfIndex(int64_t half);

// The name of a mandatory KGI: 官民設備投資額, 付加価値増加額, 産業ニーズに即した人材育成数 (or
// in English).
std::string KgiName(rv1::MandatoryKgi kgi, bool english);
// A value of the indicator `id` with its unit when `indicators` has it, else the plain integer.
std::string ValueText(const std::map<std::string, rv1::Indicator>& indicators,
                      const std::string& id, int64_t value, bool english);

// ---- The client of rfs-kpi and what the commands share (defined in kpi_commands.cc) ----

using Stub = kv1::KpiTracking::Stub;

// A unary method of rfs-kpi, e.g. &Stub::RecordMeasurement.
template <typename Request, typename Response>
using Method = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

class KpiClient {
 public:
  explicit KpiClient(const KpiGlobals& g) : g_(g) {
    ChannelOptions options;
    options.target = absl::GetFlag(FLAGS_kpi_addr);
    options.tls = g.tls;
    options.ca_file = g.ca_file;
    stub_ = kv1::KpiTracking::NewStub(MakeChannel(options));
  }
  const KpiGlobals& g() const { return g_; }

  // One call with the token, deadline and language of the globals.
  template <typename Request, typename Response>
  grpc::Status Call(Method<Request, Response> method, const Request& request,
                    Response* response) const {
    grpc::ClientContext ctx;
    PrepareContext(&ctx, g_.token, g_.timeout, g_.english);
    return ((*stub_).*method)(&ctx, request, response);
  }
  // The same, for a command: 0 when the call succeeds, else the error printed (FailRpc, after
  // `prefix`) and its exit code.
  template <typename Request, typename Response>
  int CallOrFail(Method<Request, Response> method, const Request& request, Response* response,
                 const std::string& prefix = "") const {
    const grpc::Status s = Call(method, request, response);
    return s.ok() ? 0 : FailRpc(s, g_.english, prefix);
  }

 private:
  const KpiGlobals& g_;
  std::unique_ptr<Stub> stub_;
};

// Protobuf JSON on standard output (--json). Returns 0.
int PrintJson(const google::protobuf::Message& m);

// The answer of a command: protobuf JSON with --json, else what `print` prints. Returns 0.
template <typename Print>
int Output(const KpiGlobals& g, const google::protobuf::Message& m, const Print& print) {
  if (g.json) return PrintJson(m);
  print();
  return 0;
}

// The indicators of a plan by id, from its progress (best effort: empty when it cannot be read).
std::map<std::string, rv1::Indicator> IndicatorsOf(const KpiClient& c, const std::string& plan);

// --as_of into `as_of` when given (else it is left as it is): 0, or the usage error printed
// (after `command`).
int ReadAsOfFlag(absl::string_view command, bool english, common::v1::FiscalPeriod* as_of);

// A half year argument into `period`: 0, or the usage error printed (after `command`).
int ReadHalfYearArg(absl::string_view command, const std::string& arg,
                    common::v1::FiscalPeriod* period, bool english);

// PLAN FY-H (args[0] and args[1]) into the plan and period of `req`: 0, or the usage error
// printed.
template <typename Request>
int ReadPlanAndHalfYear(absl::string_view command, const std::vector<std::string>& args,
                        Request* req, bool english) {
  req->set_plan(NormalizePlanName(args[0]));
  return ReadHalfYearArg(command, args[1], req->mutable_period(), english);
}

// --plan_type into `type` (UNSPECIFIED when not given); false when it is not A, B or C.
bool ReadPlanTypeFlag(rv1::PlanType* type);

// The error of a command run without a token.
std::string NoToken(bool english);

// `rfsctl kpi` or `rfsctl pdca` alone or with "help": the exit code; nullopt for any other
// command.
std::optional<int> UsageAsked(const std::vector<std::string>& all);

// ---- `rfsctl kpi import` (defined in kpi_import.cc) ----

// Runs `rfsctl kpi import ARGS...` (ARGS without "import"); checks the token only to send.
int CmdImport(const KpiGlobals& g, const std::vector<std::string>& args);

// ---- `rfsctl kpi report` (defined in kpi_report.cc) ----

// Runs `rfsctl kpi report PLAN` or `rfsctl kpi report --block B` (ARGS without "report").
int CmdReport(const KpiClient& c, const std::vector<std::string>& args);

}  // namespace rfs::rfsctl
