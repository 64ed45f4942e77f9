// `rfsctl pdca show` and `rfsctl pdca advance` (kpi_commands.h: RunPdca), with the client and
// flags of `rfsctl kpi` (kpi_cli.h).
#include "tools/rfsctl/kpi_commands.h"

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "rfs/kpi/v1/kpi.grpc.pb.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/kpi_cli.h"

namespace rfs::rfsctl {

namespace kv1 = kpi::v1;
namespace rv1 = registry::v1;

namespace {

int CmdPdcaShow(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 2) return Fail("pdca show: usage: rfsctl pdca show PLAN FY-H");
  kv1::GetPdcaCycleRequest req;
  if (int code = ReadPlanAndHalfYear("pdca show", args, &req, g.english)) return code;
  kv1::PdcaCycle resp;
  if (int code = c.CallOrFail(&Stub::GetPdcaCycle, req, &resp)) return code;
  return Output(g, resp, [&] {
    // The units of the values CHECK recorded, only when it recorded any.
    const auto indicators = resp.checks().empty() ? std::map<std::string, rv1::Indicator>()
                                                  : IndicatorsOf(c, resp.plan());
    std::printf("%s", RenderPdcaCycle(resp, indicators, g.english).c_str());
  });
}

int CmdPdcaAdvance(KpiClient& c, const std::vector<std::string>& args) {
  const KpiGlobals& g = c.g();
  if (args.size() != 3) {
    return Fail("pdca advance: usage: rfsctl pdca advance PLAN FY-H DO|CHECK|ACT [--findings TEXT] "
                "[--action \"description|owner|YYYY-MM-DD\" ...] [--request_revision] "
                "[--comment C] [--etag E]");
  }
  kv1::AdvancePdcaCycleRequest req;
  if (int code = ReadPlanAndHalfYear("pdca advance", args, &req, g.english)) return code;
  const std::optional<kv1::PdcaPhase> phase = ParsePdcaPhaseArg(args[2]);
  if (!phase.has_value()) {
    return Fail(absl::StrCat("pdca advance: '", args[2],
                             Say(g.english, "' is not a phase to move to: ",
                                 "' は進める先の段階ではありません: "),
                             "DO (実行), CHECK (評価), ACT (改善)"));
  }
  req.set_to_phase(*phase);
  const bool check = *phase == kv1::PDCA_PHASE_CHECK;
  const bool act = *phase == kv1::PDCA_PHASE_ACT;
  req.set_findings(absl::GetFlag(FLAGS_findings));
  if (check && absl::StripAsciiWhitespace(req.findings()).empty()) {
    return Fail(Say(g.english, "pdca advance: CHECK needs --findings: what the indicators show",
                    "pdca advance: CHECK には --findings（指標から分かったこと）が必要です"));
  }
  if (!check && !req.findings().empty()) {
    return Fail(Say(g.english, "pdca advance: --findings goes with the move to CHECK",
                    "pdca advance: --findings は CHECK へ進めるときに使います"));
  }
  std::vector<std::string> values = g.actions;
  if (values.empty() && !absl::GetFlag(FLAGS_action).empty()) {
    values.push_back(absl::GetFlag(FLAGS_action));  // from RFS_ACTION
  }
  auto actions = ParseImprovementActions(values, g.english);
  if (!actions.ok()) {
    return Fail(absl::StrCat("pdca advance: --action: ", actions.status().message()));
  }
  for (auto& a : *actions) *req.add_actions() = std::move(a);
  req.set_request_revision(absl::GetFlag(FLAGS_request_revision));
  if (act && req.actions().empty()) {
    return Fail(Say(g.english,
                    "pdca advance: ACT needs at least one --action \"description|owner|YYYY-MM-DD\"",
                    "pdca advance: ACT には --action \"内容|担当|YYYY-MM-DD\" が1つ以上必要です"));
  }
  if (!act && (!req.actions().empty() || req.request_revision())) {
    return Fail(Say(g.english, "pdca advance: --action and --request_revision go with the move to ACT",
                    "pdca advance: --action と --request_revision は ACT へ進めるときに使います"));
  }
  req.set_comment(g.comment);
  req.set_etag(g.etag);
  kv1::PdcaCycle resp;
  if (int code = c.CallOrFail(&Stub::AdvancePdcaCycle, req, &resp)) return code;
  return Output(g, resp, [&] {
    const bool en = g.english;
    const std::string now = PdcaPhaseWord(resp.phase(), /*english=*/true);
    std::printf(en ? "%s is now %s (etag %s)\n" : "%s は %s になりました（etag %s）\n",
                resp.name().c_str(), now.c_str(), resp.etag().c_str());
    if (resp.revision_requested()) {
      std::printf(en ? "%s: revision requested; the plan is REVISING (version %lld)\n"
                     : "%s: 計画の見直しを依頼しました。計画は見直し中（REVISING、第%lld版）です\n",
                  resp.plan().c_str(), static_cast<long long>(resp.revision_plan_version()));
    }
  });
}

}  // namespace

int RunPdca(const KpiGlobals& globals, const std::vector<std::string>& all) {
  if (const std::optional<int> code = UsageAsked(all)) return *code;
  const std::string cmd = all[0];
  const std::vector<std::string> args(all.begin() + 1, all.end());
  if (cmd != "show" && cmd != "advance") {
    return Fail(absl::StrCat("pdca: unknown command '", cmd,
                             "'; try: show, advance (rfsctl kpi help)"));
  }
  if (globals.token.empty()) return Fail(NoToken(globals.english));
  KpiClient c(globals);
  return cmd == "show" ? CmdPdcaShow(c, args) : CmdPdcaAdvance(c, args);
}

}  // namespace rfs::rfsctl
