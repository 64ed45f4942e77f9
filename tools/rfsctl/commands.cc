#include "tools/rfsctl/commands.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/base/status.h"
#include "common/domain/fiscal.h"
#include "common/domain/money.h"
#include "common/kit/auth.h"
#include "common/kit/client.h"
#include "common/kit/config.h"
#include "common/kit/health_client.h"
#include "nlohmann/json.hpp"
#include "rfs/registry/v1/registry.grpc.pb.h"
#include "rfs/requirements/v1/requirements.grpc.pb.h"
#include "tools/rfsctl/cli_common.h"
#include "tools/rfsctl/events_commands.h"
#include "tools/rfsctl/kpi_commands.h"
#include "tools/rfsctl/webhook_commands.h"

ABSL_FLAG(std::string, addr, "localhost:50051", "Registry address (RFS_ADDR)");
ABSL_FLAG(std::string, requirements_addr, "localhost:50052", "Requirement service address (RFS_REQUIREMENTS_ADDR)");
ABSL_FLAG(std::string, lang, "ja", "Language of reports and error messages: ja or en");
ABSL_FLAG(bool, history, false, "reviews: every decision ever recorded, not only the latest");
ABSL_FLAG(std::string, token, "", "Bearer token (RFS_TOKEN)");
ABSL_FLAG(std::string, token_file, "", "File holding the bearer token (RFS_TOKEN_FILE)");
ABSL_FLAG(bool, json, false, "Print protobuf JSON instead of tables");
ABSL_FLAG(int, timeout_s, 10, "Deadline of each call in seconds");
ABSL_FLAG(bool, tls, false, "Connect with TLS");
ABSL_FLAG(std::string, ca_file, "", "TLS: CA certificates to trust");
ABSL_FLAG(std::string, f, "", "Input file (protobuf JSON); '-' for standard input");
ABSL_FLAG(std::string, request_id, "", "create: idempotency key (default: a new random one)");
ABSL_FLAG(int64_t, version, 0, "get/check: version number (0 = current); review: the version you read");
ABSL_FLAG(std::string, type, "",
          "list: plan type A, B or C; events: an event type, e.g. plan.stage_changed or 'kpi.*' "
          "(repeatable)");
ABSL_FLAG(std::string, block, "",
          "list, kpi national/reporting, events: regional block id; token: bureau's block");
ABSL_FLAG(std::string, prefecture, "", "list, events: prefecture code (6 or 5 digits)");
ABSL_FLAG(std::string, field, "", "list: strategic field id");
ABSL_FLAG(std::string, stage, "", "list: lifecycle stage");
ABSL_FLAG(std::string, title, "", "list: text in the title");
ABSL_FLAG(int, page_size, 0, "list: plans per page (also of webhooks: entries per page)");
ABSL_FLAG(std::string, page_token, "", "list (also of webhooks): page token from a previous page");
ABSL_FLAG(bool, all, false, "list (also of webhooks): follow page tokens to the end");
ABSL_FLAG(std::string, mask, "", "update: comma-separated field paths to change, or '*'");
ABSL_FLAG(std::string, etag, "",
          "update/transition/signoff, kpi record/verify/return, pdca advance: etag of the version "
          "you read");
ABSL_FLAG(std::string, comment, "",
          "transition/signoff/review, kpi verify/return, pdca advance: comment");
ABSL_FLAG(std::string, key_file, "", "token: HS256 key file (RFS_AUTH_KEY_FILE)");
ABSL_FLAG(std::string, role, "", "token: secretariat, bureau, prefecture, municipality, viewer, service");
ABSL_FLAG(std::string, sub, "", "token: subject (who you are)");
ABSL_FLAG(std::string, body_code, "", "token: local government code of a prefecture or municipality");
ABSL_FLAG(int, ttl_hours, 12, "token: lifetime in hours");

namespace rfs::rfsctl {
namespace {

namespace v1 = registry::v1;
using google::protobuf::Message;
using google::protobuf::util::TimeUtil;

bool English() { return absl::GetFlag(FLAGS_lang) == "en"; }

absl::Status ReadJsonFile(const std::string& path, Message* m) {
  std::string text;
  if (!ReadInput(path, &text)) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  auto status = google::protobuf::util::JsonStringToMessage(text, m);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a valid ", m->GetDescriptor()->name(), " in protobuf JSON: ",
                     std::string(status.message())));
  }
  return absl::OkStatus();
}

std::string Token() {
  std::string token = absl::GetFlag(FLAGS_token);
  if (!token.empty()) return token;
  const std::string file = absl::GetFlag(FLAGS_token_file);
  if (!file.empty()) {
    std::ifstream in(file);
    std::getline(in, token);
  }
  return std::string(absl::StripAsciiWhitespace(token));
}

std::string Stage(v1::PlanStage s) {
  return std::string(absl::StripPrefix(v1::PlanStage_Name(s), "PLAN_STAGE_"));
}

std::string Type(v1::PlanType t) {
  return std::string(absl::StripPrefix(v1::PlanType_Name(t), "PLAN_TYPE_"));
}

// TextTable (kpi_commands.h) on standard output.
void Print(const TextTable& t) { std::printf("%s", t.Render().c_str()); }

class Client {
 public:
  Client() {
    ChannelOptions options;
    options.target = absl::GetFlag(FLAGS_addr);
    options.tls = absl::GetFlag(FLAGS_tls);
    options.ca_file = absl::GetFlag(FLAGS_ca_file);
    stub_ = v1::PlanRegistry::NewStub(MakeChannel(options));
    options.target = absl::GetFlag(FLAGS_requirements_addr);
    requirements_ = requirements::v1::RequirementCheck::NewStub(MakeChannel(options));
    token_ = Token();
  }
  v1::PlanRegistry::Stub& stub() { return *stub_; }
  requirements::v1::RequirementCheck::Stub& requirements() { return *requirements_; }
  void Prepare(grpc::ClientContext* ctx) {
    PrepareContext(ctx, token_, absl::Seconds(absl::GetFlag(FLAGS_timeout_s)), English());
  }
  bool has_token() const { return !token_.empty(); }

 private:
  std::unique_ptr<v1::PlanRegistry::Stub> stub_;
  std::unique_ptr<requirements::v1::RequirementCheck::Stub> requirements_;
  std::string token_;
};

std::string IndicatorValue(const v1::Indicator& ind, const v1::PeriodValue& pv) {
  if (!pv.has_value()) return pv.note().empty() ? "(未設定)" : "(未設定) " + pv.note();
  if (ind.unit() == v1::INDICATOR_UNIT_YEN) return FormatYenJa(pv.value());
  std::string v = FormatThousands(pv.value());
  if (ind.decimal_places() > 0) {
    const double scaled = pv.value() / std::pow(10.0, ind.decimal_places());
    v = absl::StrFormat("%.*f", ind.decimal_places(), scaled);
  }
  switch (ind.unit()) {
    case v1::INDICATOR_UNIT_PERSONS:
      return v + "人";
    case v1::INDICATOR_UNIT_PERCENT:
      return v + "%";
    case v1::INDICATOR_UNIT_YEN_PER_WORKER:
      return v + "円/人";
    default:
      return v + ind.unit_label();
  }
}

void PrintPlan(const v1::Plan& p) {
  std::printf("%s  %s\n", p.name().c_str(), p.title().c_str());
  std::printf("  type %s · stage %s · version %lld (etag %s) · block %s\n", Type(p.type()).c_str(),
              Stage(p.stage()).c_str(), static_cast<long long>(p.version()), p.etag().c_str(),
              p.area().block().c_str());
  if (p.has_requirement_check()) {
    const auto& rc = p.requirement_check();
    std::string ids;
    if (rc.unmet_requirement_ids_size() > 0) {
      absl::StrAppend(&ids, " · unmet ", absl::StrJoin(rc.unmet_requirement_ids(), ","));
    }
    if (rc.pending_requirement_ids_size() > 0) {
      absl::StrAppend(&ids, " · awaiting review ", absl::StrJoin(rc.pending_requirement_ids(), ","));
    }
    std::printf("  requirement check: %s of version %lld%s%s\n",
                std::string(absl::StripPrefix(common::v1::CheckVerdict_Name(rc.verdict()),
                                              "CHECK_VERDICT_")).c_str(),
                static_cast<long long>(rc.plan_version()), ids.c_str(),
                rc.content_version() == p.content_version() ? "" : " (content changed since)");
  }
  std::vector<std::string> authors;
  for (const auto& a : p.authors()) {
    authors.push_back(absl::StrCat(a.name().empty() ? a.local_government_code() : a.name(),
                                   a.local_government_code() == p.lead_author_code() ? "（代表）" : ""));
  }
  std::printf("  authors: %s\n", absl::StrJoin(authors, ", ").c_str());
  std::printf("  area: %s%s\n", absl::StrJoin(p.area().prefecture_codes(), ", ").c_str(),
              p.area().municipality_codes().empty()
                  ? ""
                  : absl::StrCat(" (", p.area().municipality_codes_size(), " municipalities)").c_str());
  if (!p.strategic_fields().empty()) {
    std::printf("  strategic fields: %s\n", absl::StrJoin(p.strategic_fields(), ", ").c_str());
  }
  std::printf("  period: FY%d–FY%d · updated %s by %s\n", p.period().start_fiscal_year(),
              p.period().end_fiscal_year(), JstTime(p.update_time()).c_str(), p.updated_by().c_str());
  if (!p.stage_comment().empty()) std::printf("  stage comment: %s\n", p.stage_comment().c_str());
  if (!p.core_investments().empty()) {
    std::printf("\nCore investments (中核投資)\n");
    TextTable t({"ID", "COMPANY", "SITE", "AMOUNT", "START", "CAPACITY"});
    for (const auto& ci : p.core_investments()) {
      t.Add({ci.id(), ci.company_name(), ci.site_name(),
             ci.has_amount_yen() ? FormatYenJa(ci.amount_yen()) : "(不明)",
             ci.has_start() ? FormatPeriod(ci.start()) : "", ci.capacity()});
    }
    Print(t);
  }
  if (!p.indicators().empty()) {
    std::printf("\nIndicators (KGI/KPI)\n");
    TextTable t({"ID", "KIND", "NAME", "BASELINE", "TARGET"});
    for (const auto& ind : p.indicators()) {
      const std::string kind =
          ind.kind() == v1::INDICATOR_KIND_MANDATORY_KGI
              ? std::string(absl::StripPrefix(v1::MandatoryKgi_Name(ind.mandatory_kgi()),
                                              "MANDATORY_KGI_"))
              : std::string(absl::StripPrefix(v1::IndicatorKind_Name(ind.kind()), "INDICATOR_KIND_"));
      auto at = [&](const v1::PeriodValue& pv) {
        const std::string period = pv.period().fiscal_year() ? FormatPeriod(pv.period()) + " " : "";
        return period + IndicatorValue(ind, pv);
      };
      t.Add({ind.id(), kind, ind.name(), at(ind.baseline()), at(ind.target())});
    }
    Print(t);
  }
  if (!p.sign_offs().empty()) {
    std::printf("\nSign-offs\n");
    for (const auto& s : p.sign_offs()) {
      std::printf("  %s by %s at %s (content v%lld)\n", s.author_code().c_str(),
                  s.signed_by().c_str(), JstTime(s.sign_time()).c_str(),
                  static_cast<long long>(s.content_version()));
    }
  }
}

int Output(const Message& m, void (*print)(const Message&)) {
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s", ToJson(m).c_str());
  } else {
    print(m);
  }
  return 0;
}

void PrintPlanMessage(const Message& m) { PrintPlan(static_cast<const v1::Plan&>(m)); }

bool ParseStage(const std::string& text, v1::PlanStage* stage) {
  std::string upper = absl::AsciiStrToUpper(text);
  absl::StrReplaceAll({{"-", "_"}}, &upper);
  if (!absl::StartsWith(upper, "PLAN_STAGE_")) upper = "PLAN_STAGE_" + upper;
  return v1::PlanStage_Parse(upper, stage) && *stage != v1::PLAN_STAGE_UNSPECIFIED;
}

std::string PlanName(const std::string& arg) {
  return absl::StartsWith(arg, "plans/") ? arg : "plans/" + arg;
}

int CmdToken() {
  std::string key_file = absl::GetFlag(FLAGS_key_file);
  if (key_file.empty()) {
    if (const char* env = std::getenv("RFS_AUTH_KEY_FILE")) key_file = env;
  }
  if (key_file.empty()) return Fail("token: --key_file is required");
  auto key = LoadVerificationKey(key_file);
  if (!key.ok()) return Fail(std::string(key.status().message()));
  TokenClaims claims;
  claims.subject = absl::GetFlag(FLAGS_sub);
  if (!ParseRole(absl::GetFlag(FLAGS_role), &claims.role)) {
    return Fail("token: --role must be secretariat, bureau, prefecture, municipality, viewer or service");
  }
  if (claims.subject.empty()) claims.subject = absl::StrCat("dev-", absl::GetFlag(FLAGS_role));
  claims.body_code = absl::GetFlag(FLAGS_body_code);
  claims.block = absl::GetFlag(FLAGS_block);
  claims.ttl = absl::Hours(absl::GetFlag(FLAGS_ttl_hours));
  auto token = MintToken(*key, claims);
  if (!token.ok()) return Fail(std::string(token.status().message()));
  if (absl::GetFlag(FLAGS_json)) {
    const nlohmann::json out = {{"token", *token},
                                {"expires_in_seconds", absl::ToInt64Seconds(claims.ttl)}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s\n", token->c_str());
  }
  return 0;
}

int CmdCreate(Client& c) {
  const std::string file = absl::GetFlag(FLAGS_f);
  if (file.empty()) return Fail("create: -f PLAN.json is required");
  v1::CreatePlanRequest req;
  if (auto s = ReadJsonFile(file, req.mutable_plan()); !s.ok()) return Fail(std::string(s.message()));
  req.set_request_id(absl::GetFlag(FLAGS_request_id).empty() ? NewRequestId()
                                                             : absl::GetFlag(FLAGS_request_id));
  v1::Plan resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.stub().CreatePlan(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s, English());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, PrintPlanMessage);
  std::printf("created %s (version %lld, %s)\n", resp.name().c_str(),
              static_cast<long long>(resp.version()), Stage(resp.stage()).c_str());
  return 0;
}

int CmdGet(Client& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("get: usage: rfsctl get NAME [--version N]");
  v1::GetPlanRequest req;
  req.set_name(PlanName(args[0]));
  req.set_version(absl::GetFlag(FLAGS_version));
  v1::Plan resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.stub().GetPlan(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s, English());
  return Output(resp, PrintPlanMessage);
}

int CmdList(Client& c) {
  v1::ListPlansRequest req;
  const std::string type = absl::AsciiStrToUpper(absl::GetFlag(FLAGS_type));
  if (!type.empty()) {
    v1::PlanType t;
    if (!v1::PlanType_Parse("PLAN_TYPE_" + type, &t)) return Fail("list: --type must be A, B or C");
    req.set_type(t);
  }
  if (!absl::GetFlag(FLAGS_stage).empty()) {
    v1::PlanStage st;
    if (!ParseStage(absl::GetFlag(FLAGS_stage), &st)) return Fail("list: unknown --stage");
    req.set_stage(st);
  }
  req.set_block(absl::AsciiStrToUpper(absl::GetFlag(FLAGS_block)));
  req.set_prefecture_code(absl::GetFlag(FLAGS_prefecture));
  req.set_strategic_field(absl::GetFlag(FLAGS_field));
  req.set_title_contains(absl::GetFlag(FLAGS_title));
  req.set_page_size(absl::GetFlag(FLAGS_page_size));
  req.set_page_token(absl::GetFlag(FLAGS_page_token));
  v1::ListPlansResponse all;
  for (;;) {
    v1::ListPlansResponse resp;
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    grpc::Status s = c.stub().ListPlans(&ctx, req, &resp);
    if (!s.ok()) return FailRpc(s, English());
    for (auto& p : *resp.mutable_plans()) *all.add_plans() = std::move(p);
    all.set_next_page_token(resp.next_page_token());
    if (!absl::GetFlag(FLAGS_all) || resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s", ToJson(all).c_str());
    return 0;
  }
  TextTable t({"NAME", "TYPE", "STAGE", "BLOCK", "VER", "UPDATED", "TITLE"}, 60);
  for (const auto& p : all.plans()) {
    t.Add({p.name(), Type(p.type()), Stage(p.stage()), p.area().block(),
           absl::StrCat(p.version()), JstTime(p.update_time()), p.title()});
  }
  Print(t);
  if (!all.next_page_token().empty()) {
    std::printf("(more: --page_token %s, or --all)\n", all.next_page_token().c_str());
  }
  return 0;
}

int CmdUpdate(Client& c, const std::vector<std::string>& args) {
  if (args.size() != 1 || absl::GetFlag(FLAGS_f).empty() || absl::GetFlag(FLAGS_mask).empty()) {
    return Fail("update: usage: rfsctl update NAME -f FIELDS.json --mask title,indicators [--etag v3]");
  }
  v1::UpdatePlanRequest req;
  if (auto s = ReadJsonFile(absl::GetFlag(FLAGS_f), req.mutable_plan()); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  req.mutable_plan()->set_name(PlanName(args[0]));
  if (!absl::GetFlag(FLAGS_etag).empty()) req.mutable_plan()->set_etag(absl::GetFlag(FLAGS_etag));
  for (absl::string_view path : absl::StrSplit(absl::GetFlag(FLAGS_mask), ',', absl::SkipEmpty())) {
    req.mutable_update_mask()->add_paths(std::string(absl::StripAsciiWhitespace(path)));
  }
  v1::Plan resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.stub().UpdatePlan(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s, English());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, PrintPlanMessage);
  std::printf("updated %s: version %lld (etag %s)\n", resp.name().c_str(),
              static_cast<long long>(resp.version()), resp.etag().c_str());
  return 0;
}

int CmdTransition(Client& c, const std::vector<std::string>& args) {
  if (args.size() != 2) return Fail("transition: usage: rfsctl transition NAME STAGE [--comment TEXT]");
  v1::TransitionPlanRequest req;
  req.set_name(PlanName(args[0]));
  v1::PlanStage stage;
  if (!ParseStage(args[1], &stage)) return Fail(absl::StrCat("transition: unknown stage '", args[1], "'"));
  req.set_target_stage(stage);
  req.set_comment(absl::GetFlag(FLAGS_comment));
  req.set_etag(absl::GetFlag(FLAGS_etag));
  v1::Plan resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.stub().TransitionPlan(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s, English());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, PrintPlanMessage);
  std::printf("%s is now %s (version %lld)\n", resp.name().c_str(), Stage(resp.stage()).c_str(),
              static_cast<long long>(resp.version()));
  return 0;
}

int CmdSignOff(Client& c, const std::vector<std::string>& args) {
  if (args.size() != 2) return Fail("signoff: usage: rfsctl signoff NAME AUTHOR_CODE [--comment TEXT]");
  v1::SignOffPlanRequest req;
  req.set_name(PlanName(args[0]));
  req.set_author_code(args[1]);
  req.set_comment(absl::GetFlag(FLAGS_comment));
  req.set_etag(absl::GetFlag(FLAGS_etag));
  v1::Plan resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.stub().SignOffPlan(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s, English());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, PrintPlanMessage);
  std::printf("%s signed off by %s (version %lld)\n", resp.name().c_str(), args[1].c_str(),
              static_cast<long long>(resp.version()));
  return 0;
}

int CmdVersions(Client& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("versions: usage: rfsctl versions NAME");
  v1::ListPlanVersionsRequest req;
  req.set_name(PlanName(args[0]));
  v1::ListPlanVersionsResponse all;
  for (;;) {
    v1::ListPlanVersionsResponse resp;
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    grpc::Status s = c.stub().ListPlanVersions(&ctx, req, &resp);
    if (!s.ok()) return FailRpc(s, English());
    for (auto& v : *resp.mutable_versions()) *all.add_versions() = std::move(v);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (absl::GetFlag(FLAGS_json)) return Output(all, nullptr);
  TextTable t({"VERSION", "TIME", "ACTOR", "CHANGE", "STAGE", "CONTENT"});
  for (const auto& v : all.versions()) {
    t.Add({absl::StrCat(v.version()), JstTime(v.create_time()), v.actor().subject(),
           std::string(absl::StripPrefix(v1::ChangeKind_Name(v.kind()), "CHANGE_KIND_")),
           Stage(v.stage()), absl::StrCat("v", v.content_version())});
  }
  Print(t);
  return 0;
}

int CmdHistory(Client& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("history: usage: rfsctl history NAME");
  v1::GetPlanHistoryRequest req;
  req.set_name(PlanName(args[0]));
  v1::GetPlanHistoryResponse all;
  for (;;) {
    v1::GetPlanHistoryResponse resp;
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    grpc::Status s = c.stub().GetPlanHistory(&ctx, req, &resp);
    if (!s.ok()) return FailRpc(s, English());
    for (auto& r : *resp.mutable_records()) *all.add_records() = std::move(r);
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  if (absl::GetFlag(FLAGS_json)) return Output(all, nullptr);
  TextTable t({"VER", "TIME", "WHO", "ROLE", "ACTION", "STAGE", "DETAIL"}, 60);
  for (const auto& r : all.records()) {
    std::string stage = Stage(r.to_stage());
    if (r.from_stage() != r.to_stage() && r.from_stage() != v1::PLAN_STAGE_UNSPECIFIED) {
      stage = Stage(r.from_stage()) + " → " + stage;
    }
    std::string detail = absl::StrJoin(r.changed_fields(), ",");
    if (!r.author_code().empty()) detail = "author " + r.author_code();
    if (!r.comment().empty()) detail += (detail.empty() ? "" : " · ") + r.comment();
    t.Add({absl::StrCat(r.version()), JstTime(r.time()), r.actor().subject(), r.actor().role(),
           std::string(absl::StripPrefix(v1::ChangeKind_Name(r.kind()), "CHANGE_KIND_")), stage,
           detail});
  }
  Print(t);
  return 0;
}

int CmdDiff(Client& c, const std::vector<std::string>& args) {
  v1::DiffPlanVersionsRequest req;
  int64_t from = 0, to = 0;
  if (args.size() < 2 || args.size() > 3 || !absl::SimpleAtoi(args[1], &from) ||
      (args.size() == 3 && !absl::SimpleAtoi(args[2], &to))) {
    return Fail("diff: usage: rfsctl diff NAME FROM_VERSION [TO_VERSION]");
  }
  req.set_name(PlanName(args[0]));
  req.set_from_version(from);
  req.set_to_version(to);
  v1::DiffPlanVersionsResponse resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.stub().DiffPlanVersions(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s, English());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, nullptr);
  std::printf("%s: version %lld → %lld, %d change(s)\n", req.name().c_str(),
              static_cast<long long>(resp.from_version()), static_cast<long long>(resp.to_version()),
              resp.changes_size());
  TextTable t({"CHANGE", "FIELD", "OLD", "NEW"}, 50);
  for (const auto& ch : resp.changes()) {
    t.Add({std::string(absl::StripPrefix(v1::FieldChangeType_Name(ch.change_type()),
                                         "FIELD_CHANGE_TYPE_")),
           ch.path(), ch.old_value(), ch.new_value()});
  }
  Print(t);
  return 0;
}

// Health of a server: prints SERVING / NOT_SERVING for the service name ("" = the server as a
// whole, "liveness"); exit 0 only when SERVING. Needs no token (like a probe).
int CmdHealth(const std::vector<std::string>& args) {
  ChannelOptions options;
  options.target = absl::GetFlag(FLAGS_addr);
  options.tls = absl::GetFlag(FLAGS_tls);
  options.ca_file = absl::GetFlag(FLAGS_ca_file);
  const std::string service = args.empty() ? "" : args[0];
  auto status = CheckHealth(MakeChannel(options), service,
                            absl::Seconds(absl::GetFlag(FLAGS_timeout_s)));
  if (!status.ok()) return FailRpc(ToGrpcStatus(status.status()), English());
  static constexpr const char* kNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
  const int s = static_cast<int>(*status);
  const char* name = s >= 0 && s <= 3 ? kNames[s] : "UNKNOWN";
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", nlohmann::json({{"service", service}, {"status", name}}).dump().c_str());
  } else {
    std::printf("%s\n", name);
  }
  return *status == ServingStatus::kServing ? 0 : 1;
}

int CmdRefData(Client& c) {
  v1::ListReferenceDataResponse resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.stub().ListReferenceData(&ctx, v1::ListReferenceDataRequest(), &resp);
  if (!s.ok()) return FailRpc(s, English());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, nullptr);
  TextTable fields({"NO", "FIELD", "名称", "NAME"});
  for (const auto& f : resp.strategic_fields()) {
    fields.Add({absl::StrCat(f.number()), f.id(), f.name_ja(), f.name_en()});
  }
  Print(fields);
  std::printf("\n");
  TextTable prefs({"CODE", "都道府県", "NAME", "BLOCK", "TOKYO AREA"});
  for (const auto& p : resp.prefectures()) {
    prefs.Add({p.local_government_code(), p.name_ja(), p.name_en(), p.block(),
               p.tokyo_area() ? "yes" : ""});
  }
  Print(prefs);
  return 0;
}

// ---- Requirement service ----

namespace rq = requirements::v1;

const char* Mark(rq::RequirementStatus status) {
  switch (status) {
    case rq::REQUIREMENT_STATUS_SATISFIED:
      return "✓";
    case rq::REQUIREMENT_STATUS_NOT_SATISFIED:
      return "✗";
    case rq::REQUIREMENT_STATUS_NEEDS_REVIEW:
      return "…";
    default:
      return "-";
  }
}

std::string VerdictText(common::v1::CheckVerdict v) {
  const bool en = English();
  switch (v) {
    case common::v1::CHECK_VERDICT_PASS:
      return en ? "PASS" : "適合 (PASS)";
    case common::v1::CHECK_VERDICT_PENDING_REVIEW:
      return en ? "PENDING_REVIEW" : "確認待ち (PENDING_REVIEW)";
    case common::v1::CHECK_VERDICT_FAIL:
      return en ? "FAIL" : "不適合 (FAIL)";
    default:
      return "?";
  }
}

void PrintReport(const Message& m) {
  const auto& r = static_cast<const rq::CheckPlanResponse&>(m);
  const rq::Report& report = r.report();
  const bool en = English();
  std::printf("%s%s%s\n", report.plan().empty() ? (en ? "(inline plan)" : "（未登録の計画）") : report.plan().c_str(),
              report.plan_version() > 0 ? absl::StrCat(" v", report.plan_version()).c_str() : "",
              report.title().empty() ? "" : absl::StrCat("  ", report.title()).c_str());
  std::printf("%s %s · ruleset %s%s\n\n", en ? "verdict" : "判定", VerdictText(report.verdict()).c_str(),
              report.ruleset_version().c_str(), r.cached() ? (en ? " · cached" : " · キャッシュ") : "");
  // Wide cells: the explanation is the point of the report.
  TextTable t({"", "ID", en ? "REQUIREMENT" : "要件", en ? "WHY" : "説明"}, 160);
  for (const auto& x : report.results()) {
    const bool recommended = x.severity() == rq::SEVERITY_RECOMMENDED;
    const std::string title = en ? x.title_en() : x.title_ja();
    t.Add({Mark(x.status()), x.id(),
           recommended ? absl::StrCat(en ? "(recommended) " : "（推奨）", title) : title,
           en ? x.explanation_en() : x.explanation_ja()});
  }
  Print(t);
  bool header = false;
  for (const auto& x : report.results()) {
    const std::string remedy = en ? x.remedy_en() : x.remedy_ja();
    if (x.status() != rq::REQUIREMENT_STATUS_NOT_SATISFIED &&
        x.status() != rq::REQUIREMENT_STATUS_NEEDS_REVIEW) {
      continue;
    }
    if (remedy.empty()) continue;
    if (!header) std::printf("\n%s\n", en ? "What would satisfy them:" : "対応:");
    header = true;
    std::printf("  %s %s: %s\n", Mark(x.status()), x.id().c_str(), remedy.c_str());
  }
  std::printf("\n%s\n", en ? "✓ satisfied  ✗ not satisfied  … awaits review  - not applicable"
                           : "✓ 充足  ✗ 未充足  … 確認待ち  - 対象外");
}

int CmdCheck(Client& c, const std::vector<std::string>& args) {
  rq::CheckPlanRequest req;
  const std::string file = absl::GetFlag(FLAGS_f);
  if (!file.empty() && args.empty()) {
    if (auto s = ReadJsonFile(file, req.mutable_plan()); !s.ok()) return Fail(std::string(s.message()));
  } else if (args.size() == 1 && file.empty()) {
    req.set_name(PlanName(args[0]));
    req.set_version(absl::GetFlag(FLAGS_version));
  } else {
    return Fail("check: usage: rfsctl check NAME [--version N] [--lang en] | rfsctl check -f PLAN.json");
  }
  rq::CheckPlanResponse resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.requirements().CheckPlan(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s, English());
  Output(resp, PrintReport);
  // Like health: 0 when the plan passes, 1 when it does not (yet).
  return resp.report().verdict() == common::v1::CHECK_VERDICT_PASS ? 0 : 1;
}

void PrintReview(const rq::Review& r, TextTable* t) {
  t->Add({r.requirement_id(),
          r.decision() == rq::REVIEW_DECISION_ACCEPTED ? (English() ? "ACCEPTED" : "確認")
                                                       : (English() ? "RETURNED" : "差戻し"),
          r.current() ? (English() ? "yes" : "有効") : (English() ? "no (content changed)" : "無効（内容変更）"),
          JstTime(r.record_time()), absl::StrCat(r.reviewer(), " (", r.reviewer_role(), ")"),
          r.comment()});
}

std::vector<std::string> ReviewHeader() {
  return English() ? std::vector<std::string>{"REQ", "DECISION", "CURRENT", "TIME", "REVIEWER", "COMMENT"}
                   : std::vector<std::string>{"要件", "判断", "適用", "日時", "確認者", "コメント"};
}

int CmdReview(Client& c, const std::vector<std::string>& args) {
  if (args.size() != 3) {
    return Fail("review: usage: rfsctl review NAME REQUIREMENT accept|return [--comment TEXT] [--version N]");
  }
  rq::RecordReviewRequest req;
  req.set_name(PlanName(args[0]));
  req.set_requirement_id(absl::AsciiStrToUpper(args[1]));
  const std::string decision = absl::AsciiStrToLower(args[2]);
  if (decision == "accept" || decision == "accepted") {
    req.set_decision(rq::REVIEW_DECISION_ACCEPTED);
  } else if (decision == "return" || decision == "returned") {
    req.set_decision(rq::REVIEW_DECISION_RETURNED);
  } else {
    return Fail(absl::StrCat("review: decision '", args[2], "' is not accept or return"));
  }
  req.set_comment(absl::GetFlag(FLAGS_comment));
  req.set_version(absl::GetFlag(FLAGS_version));
  rq::Review resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.requirements().RecordReview(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s, English());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, nullptr);
  std::printf("%s %s: %s\n", resp.plan().c_str(), resp.requirement_id().c_str(),
              rq::ReviewDecision_Name(resp.decision()).c_str());
  return 0;
}

int CmdReviews(Client& c, const std::vector<std::string>& args) {
  if (args.size() != 1) return Fail("reviews: usage: rfsctl reviews NAME [--history]");
  rq::ListReviewsRequest req;
  req.set_name(PlanName(args[0]));
  req.set_history(absl::GetFlag(FLAGS_history));
  // Every page of the trail.
  rq::ListReviewsResponse resp;
  do {
    rq::ListReviewsResponse page;
    grpc::ClientContext ctx;
    c.Prepare(&ctx);
    grpc::Status s = c.requirements().ListReviews(&ctx, req, &page);
    if (!s.ok()) return FailRpc(s, English());
    for (auto& r : *page.mutable_reviews()) *resp.add_reviews() = std::move(r);
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, nullptr);
  TextTable t(ReviewHeader(), 60);
  for (const auto& r : resp.reviews()) PrintReview(r, &t);
  Print(t);
  return 0;
}

int CmdScore(Client& c, const std::vector<std::string>& args) {
  rq::ScorePriorityCompaniesRequest req;
  const std::string file = absl::GetFlag(FLAGS_f);
  if (!file.empty() && args.empty()) {
    if (auto s = ReadJsonFile(file, req.mutable_figures()); !s.ok()) return Fail(std::string(s.message()));
  } else if (args.size() == 1 && file.empty()) {
    req.set_name(PlanName(args[0]));
  } else {
    return Fail("score: usage: rfsctl score NAME | rfsctl score -f FIGURES.json (CompanyFigures)");
  }
  rq::ScorePriorityCompaniesResponse resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.requirements().ScorePriorityCompanies(&ctx, req, &resp);
  if (!s.ok()) return FailRpc(s, English());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, nullptr);
  TextTable t({"COMPANY", "コネクター度", "順位", "ハブ度", "順位"});
  for (const auto& x : resp.scores()) {
    t.Add({x.name(), absl::StrFormat("%.4f%%", 100 * x.connector_degree()),
           absl::StrCat(x.connector_rank()), absl::StrFormat("%.4f%%", 100 * x.hub_degree()),
           absl::StrCat(x.hub_rank())});
  }
  Print(t);
  if (resp.fiscal_year() != 0) std::printf("(prefecture totals of FY%d)\n", resp.fiscal_year());
  return 0;
}

int CmdRuleset(Client& c) {
  rq::Ruleset resp;
  grpc::ClientContext ctx;
  c.Prepare(&ctx);
  grpc::Status s = c.requirements().GetRuleset(&ctx, rq::GetRulesetRequest(), &resp);
  if (!s.ok()) return FailRpc(s, English());
  if (absl::GetFlag(FLAGS_json)) return Output(resp, nullptr);
  std::printf("ruleset %s\n  A4 large-scale investment: %s in total\n  milestones: at least every %d fiscal year(s)\n",
              resp.version().c_str(), FormatYenJa(resp.a4_min_total_investment_yen()).c_str(),
              resp.milestone_max_gap_fiscal_years());
  return 0;
}

// The global settings of `rfsctl events`: every --type of the command line (or RFS_TYPE).
EventsGlobals EventsGlobalsFromFlags(int argc, char** argv) {
  EventsGlobals g;
  g.token = Token();
  g.english = English();
  g.json = absl::GetFlag(FLAGS_json);
  g.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout_s));
  g.tls = absl::GetFlag(FLAGS_tls);
  g.ca_file = absl::GetFlag(FLAGS_ca_file);
  g.block = absl::GetFlag(FLAGS_block);
  g.prefecture = absl::GetFlag(FLAGS_prefecture);
  g.types = RepeatedFlagValues(std::vector<std::string>(argv + 1, argv + argc), "type");
  if (g.types.empty() && !absl::GetFlag(FLAGS_type).empty()) {
    g.types.push_back(absl::GetFlag(FLAGS_type));
  }
  return g;
}

}  // namespace

int Main(int argc, char** argv) {
  std::vector<char*> positional = ParseFlagsWithEnv(
      argc, argv,
      "rfsctl: command-line client of the rfs plan registry and requirement check.\n"
      "  rfsctl token --key_file KEY --role ROLE [--sub NAME] [--body_code CODE] [--block B]\n"
      "  rfsctl [plan] create|get|list|update|transition|signoff|versions|history|diff ...\n"
      "  rfsctl refdata\n"
      "  rfsctl check NAME [--version N] [--lang en] | check -f PLAN.json   (exit 0 when PASS)\n"
      "  rfsctl review NAME REQUIREMENT accept|return [--comment TEXT] [--version N]\n"
      "  rfsctl reviews NAME [--history] · score NAME | score -f FIGURES.json · ruleset\n"
      "  rfsctl health [SERVICE]   (no token needed; exit 0 when SERVING)\n"
      "  rfsctl kpi record|verify|return|list|progress|override|unlock|national|reporting|import\n"
      "  rfsctl pdca show PLAN FY-H · pdca advance PLAN FY-H DO|CHECK|ACT [--findings T]\n"
      "                  [--action \"what|who|YYYY-MM-DD\"] [--request_revision]\n"
      "      KPI tracking and PDCA cycles (--kpi_addr); `rfsctl kpi help` for the details\n"
      "  rfsctl events list [--type T]... [--plan P] [--block B] [--prefecture CODE] [--after CURSOR]\n"
      "                    [--limit N] · events watch [the same filters] [--after CURSOR]\n"
      "  rfsctl subscriptions create|list|get|update|delete|rotate|test · contacts · deliveries|deadletters\n"
      "      event log, webhooks, e-mail (--notification_addr): `rfsctl events|subscriptions|contacts help`\n"
      "Environment: RFS_ADDR, RFS_REQUIREMENTS_ADDR, RFS_KPI_ADDR, RFS_NOTIFICATION_ADDR, RFS_TOKEN, RFS_TOKEN_FILE. Add --json for machine-readable output.");
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  if (!args.empty() && args[0] == "plan") args.erase(args.begin());
  if (args.empty()) {
    return Fail("no command; try: token, create, get, list, update, transition, signoff, versions, "
                "history, diff, refdata, check, review, reviews, score, ruleset, kpi, pdca, "
                "events, subscriptions, contacts, deliveries, deadletters (--help for flags)");
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "token") return CmdToken();
  if (cmd == "health") return CmdHealth(args);
  if (cmd == "kpi" || cmd == "pdca") {
    KpiGlobals g;
    g.token = Token();
    g.english = English();
    g.json = absl::GetFlag(FLAGS_json);
    g.timeout = absl::Seconds(absl::GetFlag(FLAGS_timeout_s));
    g.tls = absl::GetFlag(FLAGS_tls);
    g.ca_file = absl::GetFlag(FLAGS_ca_file);
    g.comment = absl::GetFlag(FLAGS_comment);
    g.etag = absl::GetFlag(FLAGS_etag);
    g.request_id = absl::GetFlag(FLAGS_request_id);
    g.history = absl::GetFlag(FLAGS_history);
    g.block = absl::GetFlag(FLAGS_block);
    g.field = absl::GetFlag(FLAGS_field);
    g.prefecture = absl::GetFlag(FLAGS_prefecture);
    g.actions = RepeatedFlagValues(std::vector<std::string>(argv + 1, argv + argc), "action");
    return cmd == "kpi" ? RunKpi(g, args) : RunPdca(g, args);
  }
  if (cmd == "events" || IsWebhookCommand(cmd)) {
    const EventsGlobals g = EventsGlobalsFromFlags(argc, argv);
    return cmd == "events" ? RunEvents(g, args) : RunWebhooks(g, cmd, args, argc, argv);
  }

  Client client;
  if (!client.has_token()) {
    return Fail("no token: set RFS_TOKEN (e.g. export RFS_TOKEN=$(rfsctl token --key_file KEY "
                "--role secretariat)) or pass --token / --token_file");
  }
  if (cmd == "create") return CmdCreate(client);
  if (cmd == "get") return CmdGet(client, args);
  if (cmd == "list") return CmdList(client);
  if (cmd == "update") return CmdUpdate(client, args);
  if (cmd == "transition") return CmdTransition(client, args);
  if (cmd == "signoff" || cmd == "sign-off") return CmdSignOff(client, args);
  if (cmd == "versions") return CmdVersions(client, args);
  if (cmd == "history") return CmdHistory(client, args);
  if (cmd == "diff") return CmdDiff(client, args);
  if (cmd == "refdata") return CmdRefData(client);
  if (cmd == "check") return CmdCheck(client, args);
  if (cmd == "review") return CmdReview(client, args);
  if (cmd == "reviews") return CmdReviews(client, args);
  if (cmd == "score") return CmdScore(client, args);
  if (cmd == "ruleset") return CmdRuleset(client);
  return Fail(absl::StrCat("unknown command '", cmd, "'"));
}

}  // namespace rfs::rfsctl
