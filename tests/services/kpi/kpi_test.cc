// rfs-kpi end to end: a real redis-server, the real registry and KPI servers, calls over gRPC.
// The KPI service runs on a fixed clock, 2026-11-29 12:00 JST: FY2026 H1 is past its deadline
// (2026-10-31) and locked, FY2026 H2 is open, FY2027 has not begun.
#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/domain/codes.h"
#include "common/domain/fiscal.h"
#include "common/kit/client.h"
#include "common/redis/redis.h"
#include "rfs/kpi/v1/kpi.grpc.pb.h"
#include "services/kpi/kpi_server.h"
#include "tests/support/assert_ok.h"
#include "tests/support/registry_fixture.h"
#include "tests/support/unknown_fields.h"

namespace rfs::testing {
namespace {

using namespace registry::v1;
using namespace kpi::v1;
using common::v1::FISCAL_HALF_H1;
using common::v1::FISCAL_HALF_H2;
using common::v1::FISCAL_HALF_UNSPECIFIED;
using common::v1::FiscalHalf;

constexpr int64_t kOku = 100'000'000;  // 1億円

// The KPI service's clock.
absl::Time FixedNow() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 29, 12, 0, 0), JapanTimeZone());
}

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// The field an error's details name ("" when none).
std::string FieldOf(const grpc::Status& status) {
  std::optional<common::v1::ErrorDetails> details = DetailsOf(FromGrpcStatus(status));
  if (!details.has_value() || details->field_violations_size() == 0) return "";
  return details->field_violations(0).field();
}

std::string PlanId(const Plan& plan) { return plan.name().substr(std::string("plans/").size()); }

std::string MeasurementNameOf(const Plan& plan, const std::string& indicator,
                              const std::string& period_key) {
  return absl::StrCat(plan.name(), "/indicators/", indicator, "/measurements/", period_key);
}

// A type A plan of Kanto (Gunma leads, Saitama in the Tokyo area co-authors), AI・半導体,
// FY2026–2030, with CompletePlanA's indicators; its VALUE_ADDED KGI is a LEVEL.
//   kgi-capex 200e9 by FY2030 (40e9 a year), kgi-value-added level 10e9 at FY2026,
//   kgi-talent 3000 (600 a year), one KPI.
Plan KantoPlanA() {
  Plan p = CompletePlanA();
  p.set_title("北関東「AI・半導体関連産業分野」戦略産業クラスター計画（試験用）");
  MoveToKanto(&p);
  for (CoreInvestment& ci : *p.mutable_core_investments()) ci.set_location_code(kGunma);
  for (Indicator& ind : *p.mutable_indicators()) {
    if (ind.id() == "kgi-value-added") ind.set_aggregation(AGGREGATION_LEVEL);
  }
  return p;
}


// Calls `f` (a Release()); expects success when it returns a status (it may return void).
template <typename F>
void ExpectSucceeds(F&& f) {
  if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
    f();
  } else {
    const auto result = f();
    EXPECT_TRUE(result.ok());
  }
}
// Calls `f` whatever it returns (a release by a non-holder may or may not be an error).
template <typename F>
void CallIgnoringResult(F&& f) {
  if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
    f();
  } else {
    (void)f();
  }
}

class KpiTest : public RegistryFixture {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    if (HasFatalFailure()) return;
    StartKpi();
  }
  void TearDown() override {
    kpi_.reset();
    RegistryFixture::TearDown();
  }

  void StartKpi() {
    kpi_.reset();
    kpi::KpiServerOptions options;
    options.registry.address = absl::StrCat("127.0.0.1:", server_->port());
    options.tracker.now = [this] { return absl::FromUnixNanos(now_nanos_.load()); };
    if (plan_bytes_limit_ > 0) options.tracker.plan_bytes_limit = plan_bytes_limit_;
    if (progress_cache_bytes_ > 0) options.tracker.progress_cache_bytes = progress_cache_bytes_;
    if (sync_interval_ > absl::ZeroDuration()) {
      options.sync_interval = sync_interval_;
      options.lease_ttl = 2 * sync_interval_;
    }
    ServerConfig config = config_;
    config.service_name = "rfs-kpi";
    config.write_quota = kpi_quota_;
    config.listen = "127.0.0.1:0";
    config.metrics_listen = "";
    auto server = kpi::KpiServer::Start(config, std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    kpi_ = std::move(*server);
    ChannelOptions channel;
    channel.target = absl::StrCat("127.0.0.1:", kpi_->port());
    kpi_stub_ = KpiTracking::NewStub(MakeChannel(channel));
  }

  // The token of an authoring body: a prefecture's or a municipality's.
  std::string AuthorToken(const std::string& code) {
    return IsPrefectureCode(code) ? Prefecture(code) : Municipality(code);
  }

  // Creates the plan and takes it to `stage` (PUBLISHED_BY_GOVERNOR or later), the way the
  // registry allows: the secretariat moves it, every author of a joint plan signs off.
  void Publish(const Plan& draft, Plan* out, PlanStage stage = PLAN_STAGE_PUBLISHED_BY_GOVERNOR) {
    Plan p;
    ASSERT_OK(Create(Secretariat(), draft, &p));
    const std::string name = p.name();
    ASSERT_OK(Transition(Secretariat(), name, PLAN_STAGE_PRE_CONSULTATION, &p));
    ASSERT_OK(Transition(Secretariat(), name, PLAN_STAGE_COORDINATION, &p));
    if (p.authors_size() > 1) {
      std::vector<std::string> codes;
      for (const Author& a : p.authors()) codes.push_back(a.local_government_code());
      for (const std::string& code : codes) {
        ASSERT_OK(SignOff(AuthorToken(code), name, code, &p));
      }
    }
    ASSERT_OK(Transition(Secretariat(), name, PLAN_STAGE_PUBLISHED_BY_GOVERNOR, &p));
    if (stage == PLAN_STAGE_SUBMITTED || stage == PLAN_STAGE_PUBLISHED) {
      ASSERT_OK(Transition(Secretariat(), name, PLAN_STAGE_SUBMITTED, &p));
    }
    if (stage == PLAN_STAGE_PUBLISHED) {
      ASSERT_OK(Transition(Secretariat(), name, PLAN_STAGE_PUBLISHED, &p));
    }
    ASSERT_EQ(p.stage(), stage);
    *out = p;
  }

  // A request with a fresh request id.
  RecordMeasurementRequest Req(const Plan& plan, const std::string& indicator, int fiscal_year,
                               FiscalHalf half, int64_t value) {
    RecordMeasurementRequest req;
    req.set_plan(plan.name());
    req.set_indicator_id(indicator);
    req.mutable_period()->set_fiscal_year(fiscal_year);
    req.mutable_period()->set_half(half);
    req.set_value(value);
    req.set_source("県統計課 工業統計 2026年速報");
    req.set_request_id(absl::StrCat("test-request-", ++request_seq_));
    return req;
  }
  static void AddPart(RecordMeasurementRequest* req, const std::string& code, int64_t value) {
    PrefectureValue* part = req->add_breakdown();
    part->set_prefecture_code(code);
    part->set_value(value);
  }

  // The KPI service's RPCs, with a token and a deadline; results go to `out`.
  grpc::Status Record(const std::string& token, const RecordMeasurementRequest& req,
                      Measurement* out = nullptr) {
    Measurement ignored;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->RecordMeasurement(&ctx, req, out != nullptr ? out : &ignored);
  }
  Measurement MustRecord(const std::string& token, const RecordMeasurementRequest& req) {
    Measurement m;
    const grpc::Status s = Record(token, req, &m);
    EXPECT_TRUE(s.ok()) << req.indicator_id() << " " << req.period().ShortDebugString() << ": "
                        << s.error_message();
    return m;
  }
  grpc::Status Verify(const std::string& token, const std::string& name, Measurement* out = nullptr,
                      const std::string& etag = "", const std::string& comment = "") {
    VerifyMeasurementRequest req;
    req.set_name(name);
    req.set_etag(etag);
    req.set_comment(comment);
    Measurement ignored;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->VerifyMeasurement(&ctx, req, out != nullptr ? out : &ignored);
  }
  grpc::Status SendBack(const std::string& token, const std::string& name,
                        const std::string& comment, Measurement* out = nullptr,
                        const std::string& etag = "") {
    ReturnMeasurementRequest req;
    req.set_name(name);
    req.set_etag(etag);
    req.set_comment(comment);
    Measurement ignored;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->ReturnMeasurement(&ctx, req, out != nullptr ? out : &ignored);
  }
  grpc::Status Measurements(const std::string& token, const std::string& plan,
                            ListMeasurementsResponse* out, bool history = false,
                            int fiscal_year = 0, const std::string& indicator = "") {
    ListMeasurementsRequest req;
    req.set_plan(plan);
    req.set_include_history(history);
    req.set_fiscal_year(fiscal_year);
    req.set_indicator_id(indicator);
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->ListMeasurements(&ctx, req, out);
  }
  grpc::Status Progress(const std::string& token, const std::string& plan, PlanProgress* out,
                        int as_of_year = 0, FiscalHalf as_of_half = FISCAL_HALF_UNSPECIFIED) {
    GetProgressRequest req;
    req.set_plan(plan);
    if (as_of_year != 0) {
      req.mutable_as_of()->set_fiscal_year(as_of_year);
      req.mutable_as_of()->set_half(as_of_half);
    }
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->GetProgress(&ctx, req, out);
  }
  grpc::Status Override(const std::string& token, const std::string& plan,
                        const std::string& indicator, ProgressStatus status,
                        const std::string& reason, StatusOverride* out = nullptr) {
    OverrideStatusRequest req;
    req.set_plan(plan);
    req.set_indicator_id(indicator);
    req.set_status(status);
    req.set_reason(reason);
    StatusOverride ignored;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->OverrideStatus(&ctx, req, out != nullptr ? out : &ignored);
  }
  grpc::Status Unlock(const std::string& token, const std::string& plan, int fiscal_year,
                      FiscalHalf half, const std::string& reason, PeriodLock* out = nullptr) {
    UnlockPeriodRequest req;
    req.set_plan(plan);
    req.mutable_period()->set_fiscal_year(fiscal_year);
    req.mutable_period()->set_half(half);
    req.set_reason(reason);
    PeriodLock ignored;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->UnlockPeriod(&ctx, req, out != nullptr ? out : &ignored);
  }
  grpc::Status Aggregate(const std::string& token, const AggregateKgiRequest& req,
                         AggregateKgiResponse* out) {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->AggregateKgi(&ctx, req, out);
  }
  static AggregateKgiRequest Year(int fiscal_year, bool include_tokyo_area = false) {
    AggregateKgiRequest req;
    req.set_fiscal_year(fiscal_year);
    req.set_include_tokyo_area(include_tokyo_area);
    return req;
  }
  // One KGI's totals of an aggregate (fails the test when it is missing).
  static KgiTotal TotalOf(const AggregateKgiResponse& r, MandatoryKgi kgi) {
    for (const KgiTotal& t : r.totals()) {
      if (t.kgi() == kgi) return t;
    }
    ADD_FAILURE() << "no total for " << MandatoryKgi_Name(kgi);
    return {};
  }
  // The CAPEX totals for `req`.
  KgiTotal Capex(const AggregateKgiRequest& req, AggregateKgiResponse* out = nullptr) {
    AggregateKgiResponse r;
    const grpc::Status s = Aggregate(Viewer(), req, &r);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (out != nullptr) *out = r;
    return TotalOf(r, MANDATORY_KGI_CAPEX);
  }

  static const IndicatorProgress* Find(const PlanProgress& p, const std::string& id) {
    for (const IndicatorProgress& ip : p.indicators()) {
      if (ip.indicator().id() == id) return &ip;
    }
    return nullptr;
  }
  // Σ of the summary's indicators, and of those whose status name contains `status`.
  static int Summarized(const PlanProgress& p, const std::string& status = "") {
    int n = 0;
    for (const auto& entry : p.summary().indicators_by_status()) {
      if (status.empty() || absl::StrContains(entry.first, status)) n += entry.second;
    }
    return n;
  }

  int64_t Count(const std::string& args) {
    int64_t n = -1;
    EXPECT_TRUE(absl::SimpleAtoi(redis_->Cli(args), &n)) << args;
    return n;
  }
  int64_t OutboxLength() { return Count("XLEN rfs:kpi:outbox"); }
  // Measurement fields ("{indicator}|{fy}-{H}") rfs-kpi stores for the plan.
  int StoredMeasurements(const Plan& plan) {
    int n = 0;
    for (absl::string_view field :
         absl::StrSplit(redis_->Cli("HKEYS rfs:kpi:m:" + PlanId(plan)), '\n', absl::SkipEmpty())) {
      if (absl::StrContains(field, "|")) ++n;
    }
    return n;
  }

  // `rfsctl kpi ARGS` as `token` (Toyama's clerk by default), in English: the exit code and
  // what it printed (stdout and stderr).
  std::pair<int, std::string> RunKpiCli(const std::string& args, std::string token = "") {
    if (token.empty()) token = Prefecture(kToyama);
    CommandResult run = RunShell(absl::StrCat("RFS_KPI_ADDR=127.0.0.1:", kpi_->port(),
                                              " RFS_TOKEN='", token, "' ", BuildDir(),
                                              "/tools/rfsctl/rfsctl kpi ", args, " --lang en"));
    return {run.exit_code, std::move(run.out)};
  }
  // `rfsctl kpi import` of `csv_text` with `flags`, as RunKpiCli.
  std::pair<int, std::string> RunImport(const std::string& csv_text, const std::string& flags = "",
                                        const std::string& token = "") {
    const std::string file = dir_->File("import.csv");
    std::ofstream(file) << csv_text;
    return RunKpiCli(absl::StrCat("import ", file, " ", flags), token);
  }

  // Moves the KPI service's clock.
  void SetNow(absl::Time t) { now_nanos_.store(absl::ToUnixNanos(t)); }
  // rfs-kpi sees the plans public from June 2026, during FY2026 H1 (so that half year is
  // theirs to report), then the clock is back at FixedNow.
  void SeePublicFromJune2026() {
    SetNow(absl::FromCivil(absl::CivilSecond(2026, 6, 1, 12, 0, 0), JapanTimeZone()));
    ASSERT_TRUE(kpi_->tracker().SyncPlans().ok());
    SetNow(FixedNow());
  }

  grpc::Status Reporting(const std::string& token, int fiscal_year, FiscalHalf half,
                         ReportingStatus* out, const std::string& block = "") {
    GetReportingStatusRequest req;
    req.mutable_period()->set_fiscal_year(fiscal_year);
    req.mutable_period()->set_half(half);
    req.set_block(block);
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->GetReportingStatus(&ctx, req, out);
  }
  grpc::Status Cycle(const std::string& token, const Plan& plan, PdcaCycle* out) {
    GetPdcaCycleRequest req;
    req.set_plan(plan.name());
    req.mutable_period()->set_fiscal_year(2026);
    req.mutable_period()->set_half(FISCAL_HALF_H2);
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->GetPdcaCycle(&ctx, req, out);
  }
  // Moves the FY2026 H2 cycle of `plan` (the current half year of the fixed clock).
  grpc::Status Advance(const std::string& token, AdvancePdcaCycleRequest req, PdcaCycle* out) {
    req.mutable_period()->set_fiscal_year(2026);
    req.mutable_period()->set_half(FISCAL_HALF_H2);
    PdcaCycle ignored;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, token, absl::Seconds(10));
    return kpi_stub_->AdvancePdcaCycle(&ctx, req, out != nullptr ? out : &ignored);
  }
  // Moves the FY2026 H2 cycle of `plan` through DO and CHECK as Toyama's clerk, and returns
  // the request for ACT (no action yet).
  AdvancePdcaCycleRequest ToCheck(const Plan& plan) {
    AdvancePdcaCycleRequest req;
    req.set_plan(plan.name());
    req.set_to_phase(PDCA_PHASE_DO);
    EXPECT_TRUE(Advance(Prefecture(kToyama), req, nullptr).ok());
    req.set_to_phase(PDCA_PHASE_CHECK);
    req.set_findings("見直しが必要");
    EXPECT_TRUE(Advance(Prefecture(kToyama), req, nullptr).ok());
    req.clear_findings();
    req.set_to_phase(PDCA_PHASE_ACT);
    return req;
  }
  // Outbox entries whose id or type contains `text` (ids and types are stored as text).
  int OutboxLinesContaining(const std::string& text) {
    int n = 0;
    for (absl::string_view line :
         absl::StrSplit(redis_->Cli("XRANGE rfs:kpi:outbox - +"), '\n', absl::SkipEmpty())) {
      if (line == text) ++n;
    }
    return n;
  }
  // The value of a series of the service's metrics (refreshed now), or -1 when it is absent.
  double Metric(const std::string& name, const std::map<std::string, std::string>& labels) {
    EXPECT_TRUE(kpi_->stats().Refresh().ok());
    for (const auto& family : kpi_->stats().Collect()) {
      if (family.name != name) continue;
      for (const auto& metric : family.metric) {
        std::map<std::string, std::string> got;
        for (const auto& l : metric.label) got[l.name] = l.value;
        if (got == labels) return metric.gauge.value;
      }
    }
    return -1;
  }

  std::unique_ptr<kpi::KpiServer> kpi_;
  std::unique_ptr<KpiTracking::Stub> kpi_stub_;
  int request_seq_ = 0;
  // TrackerOptions for the next StartKpi (0: the defaults).
  int64_t plan_bytes_limit_ = 0;
  size_t progress_cache_bytes_ = 0;
  absl::Duration sync_interval_ = absl::ZeroDuration();  // zero: the default
  WriteQuota kpi_quota_{0, 0};
  std::atomic<int64_t> now_nanos_{absl::ToUnixNanos(FixedNow())};
};

// rfs-kpi following rfs-notification's plan events: a plan changed in the registry reaches
// GetProgress as soon as its event comes, long before the periodic sync (an hour here).
class KpiFollowTest : public KpiTest {
 protected:
  void SetUp() override {
    RegistryFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(StartNotification());
    server_.reset();
    ASSERT_NO_FATAL_FAILURE(StartRegistry());
    sync_interval_ = absl::Hours(1);
    StartKpi();
    if (HasFatalFailure()) return;
    ASSERT_NE(kpi_->plan_watch(), nullptr);
    ASSERT_TRUE(WaitFor([&] { return kpi_->plan_watch()->live() && kpi_->lease().held(); }));
  }
};

TEST_F(KpiFollowTest, APlanChangeReachesProgressWithItsEvent) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  PlanProgress p;
  ASSERT_OK(Progress(Viewer(), plan.name(), &p));
  const int64_t before = p.plan_version();
  Plan moved;
  ASSERT_OK(Transition(Secretariat(), plan.name(), PLAN_STAGE_SUBMITTED, &moved));
  ASSERT_GT(moved.version(), before);
  EXPECT_TRUE(WaitFor([&] {
    PlanProgress now;
    return Progress(Viewer(), plan.name(), &now).ok() && now.plan_version() == moved.version();
  })) << "the progress still shows version " << before;
}

TEST_F(KpiTest, RecordThenListAndProgress) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  RecordMeasurementRequest req = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku);
  req.set_note("速報値");
  Measurement m;
  ASSERT_OK(Record(Prefecture(kToyama), req, &m));
  EXPECT_EQ(m.name(), MeasurementNameOf(plan, "kgi-capex", "2026-H2"));
  EXPECT_EQ(m.plan(), plan.name());
  EXPECT_EQ(m.indicator_id(), "kgi-capex");
  EXPECT_EQ(m.period().fiscal_year(), 2026);
  EXPECT_EQ(m.period().half(), FISCAL_HALF_H2);
  EXPECT_EQ(m.value(), 50 * kOku);
  EXPECT_EQ(m.source(), req.source());
  EXPECT_EQ(m.note(), req.note());
  EXPECT_EQ(m.state(), MEASUREMENT_STATE_REPORTED);
  EXPECT_FALSE(m.has_verified_value());
  EXPECT_EQ(m.revision(), 1);
  EXPECT_FALSE(m.etag().empty());
  EXPECT_EQ(m.reported_by(), "pref-160008");
  EXPECT_EQ(TimeOf(m.report_time()), FixedNow());
  EXPECT_FALSE(m.late());
  EXPECT_EQ(m.history_size(), 0);

  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Prefecture(kToyama), plan.name(), &list));
  ASSERT_EQ(list.measurements_size(), 1);
  const Measurement& listed = list.measurements(0);
  EXPECT_EQ(listed.name(), m.name());
  EXPECT_EQ(listed.value(), 50 * kOku);
  EXPECT_EQ(listed.revision(), 1);
  EXPECT_EQ(listed.state(), MEASUREMENT_STATE_REPORTED);
  EXPECT_EQ(listed.etag(), m.etag());
  EXPECT_EQ(listed.history_size(), 0);  // not asked for

  // CompletePlanB's CAPEX path: 0 at FY2025, 6e9 at FY2026 … 30e9 at FY2030 (yearly
  // milestones). 5e9 of the 6e9 expected at FY2026 H2: R = 5/6, AT_RISK.
  PlanProgress progress;
  ASSERT_OK(Progress(Prefecture(kToyama), plan.name(), &progress));
  EXPECT_EQ(progress.plan(), plan.name());
  EXPECT_EQ(progress.plan_version(), plan.version());
  EXPECT_EQ(progress.as_of().fiscal_year(), 2026);  // now, on the fixed clock
  EXPECT_EQ(progress.as_of().half(), FISCAL_HALF_H2);
  ASSERT_EQ(progress.indicators_size(), plan.indicators_size());
  EXPECT_EQ(progress.indicators(0).indicator().id(), plan.indicators(0).id());  // plan order
  const IndicatorProgress* capex = Find(progress, "kgi-capex");
  ASSERT_NE(capex, nullptr);
  EXPECT_FALSE(capex->removed());
  EXPECT_EQ(capex->indicator().target().value(), 300 * kOku);
  ASSERT_TRUE(capex->reported().has_value());
  EXPECT_EQ(capex->reported().value(), 50 * kOku);
  EXPECT_EQ(capex->reported().period().fiscal_year(), 2026);
  EXPECT_EQ(capex->reported().period().half(), FISCAL_HALF_H2);
  ASSERT_TRUE(capex->reported().has_expected());
  EXPECT_EQ(capex->reported().expected(), 60 * kOku);
  ASSERT_TRUE(capex->reported().has_ratio());
  EXPECT_NEAR(capex->reported().ratio(), 5.0 / 6.0, 1e-9);
  EXPECT_EQ(capex->reported().status(), PROGRESS_STATUS_AT_RISK);
  EXPECT_FALSE(capex->verified().has_value());  // nothing verified yet
  EXPECT_EQ(capex->verified().status(), PROGRESS_STATUS_NO_DATA);
  ASSERT_TRUE(capex->has_expected_now());
  EXPECT_EQ(capex->expected_now(), 60 * kOku);
  EXPECT_EQ(capex->measurements(), 1);
  EXPECT_EQ(capex->verified_measurements(), 0);
  const IndicatorProgress* talent = Find(progress, "kgi-talent");
  ASSERT_NE(talent, nullptr);
  EXPECT_EQ(talent->reported().status(), PROGRESS_STATUS_NO_DATA);
  EXPECT_EQ(Summarized(progress), plan.indicators_size());
  EXPECT_EQ(Summarized(progress, "AT_RISK"), 1);
  EXPECT_EQ(progress.summary().kpis(), 2);
  EXPECT_EQ(progress.summary().kpis_achieved(), 0);
  EXPECT_FALSE(progress.summary().any_kpi_achieved());

  // As of the first half, the second half's value does not count yet.
  PlanProgress earlier;
  ASSERT_OK(Progress(Prefecture(kToyama), plan.name(), &earlier, 2026, FISCAL_HALF_H1));
  EXPECT_EQ(earlier.as_of().half(), FISCAL_HALF_H1);
  capex = Find(earlier, "kgi-capex");
  ASSERT_NE(capex, nullptr);
  EXPECT_FALSE(capex->reported().has_value());
  EXPECT_EQ(capex->reported().status(), PROGRESS_STATUS_NO_DATA);
}

TEST_F(KpiTest, SameRequestIdIsIdempotent) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  const int64_t before = OutboxLength();
  RecordMeasurementRequest req = Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, 120);
  req.set_request_id("toyama-2026-H2-talent");
  Measurement first;
  ASSERT_OK(Record(Prefecture(kToyama), req, &first));
  const int64_t after_first = OutboxLength();
  EXPECT_GT(after_first, before);

  Measurement again;
  ASSERT_OK(Record(Prefecture(kToyama), req, &again));  // a retry
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(again.value(), 120);
  EXPECT_EQ(again.revision(), 1);
  EXPECT_EQ(again.etag(), first.etag());
  EXPECT_EQ(OutboxLength(), after_first);  // nothing written again

  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Prefecture(kToyama), plan.name(), &list, /*history=*/true));
  ASSERT_EQ(list.measurements_size(), 1);
  EXPECT_EQ(list.measurements(0).revision(), 1);
  EXPECT_EQ(list.measurements(0).history_size(), 1);
}

TEST_F(KpiTest, ReusedRequestIdWithAnotherBodyIsRefused) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  RecordMeasurementRequest req = Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, 120);
  req.set_request_id("toyama-2026-H2-talent");
  ASSERT_OK(Record(Prefecture(kToyama), req));
  const int64_t outbox = OutboxLength();

  RecordMeasurementRequest other = req;
  other.set_value(130);
  const grpc::Status s = Record(Prefecture(kToyama), other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_EQ(FieldOf(s), "request_id") << s.error_message();
  // Another indicator under the same id is another request too.
  RecordMeasurementRequest elsewhere = req;
  elsewhere.set_indicator_id("kgi-capex");
  EXPECT_EQ(FieldOf(Record(Prefecture(kToyama), elsewhere)), "request_id");

  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Prefecture(kToyama), plan.name(), &list));
  ASSERT_EQ(list.measurements_size(), 1);
  EXPECT_EQ(list.measurements(0).value(), 120);
  EXPECT_EQ(list.measurements(0).revision(), 1);
  EXPECT_EQ(OutboxLength(), outbox);
}

TEST_F(KpiTest, CorrectionKeepsHistory) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  const Measurement first =
      MustRecord(Prefecture(kToyama), Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, 100));
  EXPECT_EQ(first.revision(), 1);
  RecordMeasurementRequest fix = Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, 120);
  fix.set_note("revised");
  Measurement corrected;
  ASSERT_OK(Record(Prefecture(kToyama), fix, &corrected));
  EXPECT_EQ(corrected.name(), first.name());  // the same resource, not a new one
  EXPECT_EQ(corrected.value(), 120);
  EXPECT_EQ(corrected.revision(), 2);
  EXPECT_EQ(corrected.note(), "revised");
  EXPECT_EQ(corrected.state(), MEASUREMENT_STATE_REPORTED);
  EXPECT_NE(corrected.etag(), first.etag());

  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Prefecture(kToyama), plan.name(), &list, /*history=*/true));
  ASSERT_EQ(list.measurements_size(), 1);
  const Measurement& m = list.measurements(0);
  EXPECT_EQ(m.value(), 120);
  EXPECT_EQ(m.revision(), 2);
  ASSERT_EQ(m.history_size(), 2);
  const MeasurementChange& recorded = m.history(0);
  EXPECT_EQ(recorded.action(), MeasurementChange::ACTION_RECORDED);
  EXPECT_EQ(recorded.actor(), "pref-160008");
  EXPECT_FALSE(recorded.has_old_value());
  ASSERT_TRUE(recorded.has_new_value());
  EXPECT_EQ(recorded.new_value(), 100);
  EXPECT_EQ(recorded.revision(), 1);
  const MeasurementChange& change = m.history(1);
  EXPECT_EQ(change.action(), MeasurementChange::ACTION_CORRECTED);
  EXPECT_EQ(change.actor(), "pref-160008");
  EXPECT_EQ(TimeOf(change.time()), FixedNow());
  ASSERT_TRUE(change.has_old_value());
  EXPECT_EQ(change.old_value(), 100);
  ASSERT_TRUE(change.has_new_value());
  EXPECT_EQ(change.new_value(), 120);
  EXPECT_EQ(change.reason(), "revised");
  EXPECT_EQ(change.revision(), 2);
}

TEST_F(KpiTest, EtagMismatchAborts) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  const Measurement rev1 =
      MustRecord(Prefecture(kToyama), Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, 100));
  RecordMeasurementRequest knowing = Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, 110);
  knowing.set_etag(rev1.etag());
  Measurement rev2;
  ASSERT_OK(Record(Prefecture(kToyama), knowing, &rev2));
  EXPECT_EQ(rev2.revision(), 2);
  EXPECT_NE(rev2.etag(), rev1.etag());

  const int64_t outbox = OutboxLength();
  RecordMeasurementRequest stale = Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, 130);
  stale.set_etag(rev1.etag());
  EXPECT_EQ(Record(Prefecture(kToyama), stale).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Verify(Secretariat(), rev1.name(), nullptr, rev1.etag()).error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_EQ(SendBack(Secretariat(), rev1.name(), "根拠を示してください", nullptr, rev1.etag())
                .error_code(),
            grpc::StatusCode::ABORTED);
  EXPECT_EQ(OutboxLength(), outbox);

  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Prefecture(kToyama), plan.name(), &list));
  ASSERT_EQ(list.measurements_size(), 1);
  EXPECT_EQ(list.measurements(0).value(), 110);
  EXPECT_EQ(list.measurements(0).revision(), 2);
  EXPECT_EQ(list.measurements(0).state(), MEASUREMENT_STATE_REPORTED);

  // With the current etag both go through.
  stale.set_etag(rev2.etag());
  stale.set_request_id("test-request-current-etag");
  Measurement rev3;
  ASSERT_OK(Record(Prefecture(kToyama), stale, &rev3));
  EXPECT_EQ(rev3.value(), 130);
  ASSERT_OK(Verify(Secretariat(), rev3.name(), nullptr, rev3.etag()));
}

TEST_F(KpiTest, BadInputWritesNothing) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));  // Toyama alone, FY2026–2030
  PlanProgress progress;
  ASSERT_OK(Progress(Secretariat(), plan.name(), &progress));  // rfs-kpi holds the plan now
  const int64_t outbox = OutboxLength();

  struct Case {
    std::string what;
    RecordMeasurementRequest req;
    std::string field;
  };
  std::vector<Case> cases;
  cases.push_back({"unknown indicator", Req(plan, "kgi-unknown", 2026, FISCAL_HALF_H2, 1),
                   "indicator_id"});
  cases.push_back({"malformed indicator id", Req(plan, "KGI CAPEX", 2026, FISCAL_HALF_H2, 1),
                   "indicator_id"});
  cases.push_back({"before the plan's period", Req(plan, "kgi-capex", 2025, FISCAL_HALF_H2, 1),
                   "period.fiscal_year"});
  cases.push_back({"no half", Req(plan, "kgi-capex", 2026, FISCAL_HALF_UNSPECIFIED, 1),
                   "period.half"});
  cases.push_back({"negative yen for a cumulative yen KGI",
                   Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, -1), "value"});
  // The request carries no unit: a value the indicator's unit cannot have (persons) is the
  // unit check a request can fail.
  cases.push_back({"negative persons", Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, -5),
                   "value"});
  {
    RecordMeasurementRequest req = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 100);
    AddPart(&req, kToyama, 40);
    cases.push_back({"breakdown that does not add up", req, "breakdown"});
  }
  {
    RecordMeasurementRequest req = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 100);
    AddPart(&req, kIshikawa, 100);
    cases.push_back({"breakdown outside the area", req, "breakdown[0].prefecture_code"});
  }
  cases.push_back({"a half year that has not begun", Req(plan, "kgi-capex", 2027, FISCAL_HALF_H1, 1),
                   "period"});
  for (const Case& c : cases) {
    const grpc::Status s = Record(Prefecture(kToyama), c.req);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.what << ": " << s.error_message();
    EXPECT_EQ(FieldOf(s), c.field) << c.what << ": " << s.error_message();
  }
  EXPECT_EQ(StoredMeasurements(plan), 0);
  EXPECT_EQ(OutboxLength(), outbox);
  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Secretariat(), plan.name(), &list));
  EXPECT_EQ(list.measurements_size(), 0);

  // The refused request ids were not remembered: the good request under the breakdown case's
  // id goes through.
  RecordMeasurementRequest good = cases[6].req;
  good.clear_breakdown();
  AddPart(&good, kToyama, 100);
  ASSERT_OK(Record(Prefecture(kToyama), good));
  EXPECT_EQ(StoredMeasurements(plan), 1);
  EXPECT_GT(OutboxLength(), outbox);
}

TEST_F(KpiTest, LockedPeriodIsRefusedUntilUnlocked) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  const RecordMeasurementRequest h1 = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H1, 20 * kOku);
  const grpc::Status locked = Record(Prefecture(kToyama), h1);
  EXPECT_EQ(locked.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << locked.error_message();
  EXPECT_EQ(StoredMeasurements(plan), 0);

  const std::string reason = "県統計の確報公表が11月にずれ込んだため";
  EXPECT_EQ(Unlock(Prefecture(kToyama), plan.name(), 2026, FISCAL_HALF_H1, reason).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // authors do not reopen their own periods
  EXPECT_EQ(Unlock(Viewer(), plan.name(), 2026, FISCAL_HALF_H1, reason).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Unlock(Bureau("KINKI"), plan.name(), 2026, FISCAL_HALF_H1, reason).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // another block's bureau
  const grpc::Status no_reason = Unlock(Secretariat(), plan.name(), 2026, FISCAL_HALF_H1, "");
  EXPECT_EQ(no_reason.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(no_reason), "reason");
  EXPECT_EQ(Record(Prefecture(kToyama), h1).error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  PeriodLock lock;
  ASSERT_OK(Unlock(Secretariat(), plan.name(), 2026, FISCAL_HALF_H1, reason, &lock));
  EXPECT_EQ(lock.plan(), plan.name());
  EXPECT_EQ(lock.period().fiscal_year(), 2026);
  EXPECT_EQ(lock.period().half(), FISCAL_HALF_H1);
  EXPECT_EQ(TimeOf(lock.deadline()),
            absl::FromCivil(absl::CivilSecond(2026, 11, 1, 0, 0, 0), JapanTimeZone()));
  EXPECT_EQ(TimeOf(lock.unlocked_until()), FixedNow() + absl::Hours(14 * 24));  // the default
  EXPECT_EQ(lock.unlocked_by(), "secretariat-1");
  EXPECT_EQ(lock.reason(), reason);
  EXPECT_FALSE(lock.locked());

  Measurement late;
  ASSERT_OK(Record(Prefecture(kToyama), h1, &late));  // the same request, now accepted
  EXPECT_TRUE(late.late());
  EXPECT_EQ(late.name(), MeasurementNameOf(plan, "kgi-capex", "2026-H1"));
  EXPECT_EQ(late.value(), 20 * kOku);
  const Measurement on_time =
      MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 30 * kOku));
  EXPECT_FALSE(on_time.late());
  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Prefecture(kToyama), plan.name(), &list));
  ASSERT_EQ(list.measurements_size(), 2);
  EXPECT_TRUE(list.measurements(0).late());  // 2026-H1 comes first
  EXPECT_FALSE(list.measurements(1).late());
}

TEST_F(KpiTest, VerifyAndReturn) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));  // block HOKURIKU
  const Measurement m =
      MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  EXPECT_EQ(Verify(Prefecture(kToyama), m.name()).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // authors do not verify their own values
  EXPECT_EQ(Verify(Bureau("KINKI"), m.name()).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Verify(Viewer(), m.name()).error_code(), grpc::StatusCode::PERMISSION_DENIED);

  Measurement verified;
  ASSERT_OK(Verify(Bureau("HOKURIKU"), m.name(), &verified, m.etag(), "工業統計と照合済み"));
  EXPECT_EQ(verified.state(), MEASUREMENT_STATE_VERIFIED);
  ASSERT_TRUE(verified.has_verified_value());
  EXPECT_EQ(verified.verified_value(), 50 * kOku);
  EXPECT_EQ(verified.value(), 50 * kOku);
  EXPECT_EQ(verified.reviewed_by(), "bureau-HOKURIKU");
  EXPECT_EQ(verified.review_comment(), "工業統計と照合済み");
  EXPECT_EQ(TimeOf(verified.review_time()), FixedNow());
  EXPECT_EQ(verified.revision(), 2);

  KgiTotal capex = Capex(Year(2026));
  EXPECT_EQ(capex.reported(), 50 * kOku);
  EXPECT_EQ(capex.verified(), 50 * kOku);
  EXPECT_EQ(capex.target(), 60 * kOku);
  PlanProgress progress;
  ASSERT_OK(Progress(Prefecture(kToyama), plan.name(), &progress));
  ASSERT_NE(Find(progress, "kgi-capex"), nullptr);
  EXPECT_EQ(Find(progress, "kgi-capex")->verified_measurements(), 1);
  EXPECT_EQ(Find(progress, "kgi-capex")->verified().value(), 50 * kOku);

  // A correction after verification shows both until it is verified again.
  Measurement corrected;
  ASSERT_OK(Record(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 70 * kOku),
                   &corrected));
  EXPECT_EQ(corrected.state(), MEASUREMENT_STATE_REPORTED);
  EXPECT_EQ(corrected.value(), 70 * kOku);
  ASSERT_TRUE(corrected.has_verified_value());
  EXPECT_EQ(corrected.verified_value(), 50 * kOku);
  capex = Capex(Year(2026));
  EXPECT_EQ(capex.reported(), 70 * kOku);
  EXPECT_EQ(capex.verified(), 50 * kOku);
  ASSERT_OK(Progress(Prefecture(kToyama), plan.name(), &progress));
  const IndicatorProgress* ip = Find(progress, "kgi-capex");
  ASSERT_NE(ip, nullptr);
  EXPECT_EQ(ip->reported().value(), 70 * kOku);
  EXPECT_EQ(ip->verified().value(), 50 * kOku);
  EXPECT_EQ(ip->measurements(), 1);
  EXPECT_EQ(ip->verified_measurements(), 0);

  // Returning needs a comment, and a reviewer.
  const grpc::Status bare = SendBack(Secretariat(), m.name(), "");
  EXPECT_EQ(bare.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(bare), "comment") << bare.error_message();
  EXPECT_EQ(SendBack(Prefecture(kToyama), m.name(), "自ら差し戻す").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  Measurement returned;
  ASSERT_OK(SendBack(Secretariat(), m.name(), "増額の根拠資料を添付してください", &returned));
  EXPECT_EQ(returned.state(), MEASUREMENT_STATE_RETURNED);
  EXPECT_EQ(returned.review_comment(), "増額の根拠資料を添付してください");
  EXPECT_EQ(returned.reviewed_by(), "secretariat-1");
  EXPECT_EQ(returned.verified_value(), 50 * kOku);  // still the last verified value
  EXPECT_EQ(returned.value(), 70 * kOku);
  EXPECT_EQ(Capex(Year(2026)).verified(), 50 * kOku);

  // A correction reports it again.
  Measurement again;
  ASSERT_OK(Record(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 65 * kOku),
                   &again));
  EXPECT_EQ(again.state(), MEASUREMENT_STATE_REPORTED);

  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Secretariat(), plan.name(), &list, /*history=*/true));
  ASSERT_EQ(list.measurements_size(), 1);
  std::vector<MeasurementChange::Action> actions;
  for (const auto& c : list.measurements(0).history()) actions.push_back(c.action());
  EXPECT_EQ(actions, (std::vector<MeasurementChange::Action>{
                         MeasurementChange::ACTION_RECORDED, MeasurementChange::ACTION_VERIFIED,
                         MeasurementChange::ACTION_CORRECTED, MeasurementChange::ACTION_RETURNED,
                         MeasurementChange::ACTION_CORRECTED}));
  EXPECT_EQ(list.measurements(0).revision(), 5);
  EXPECT_EQ(list.measurements(0).history(3).reason(), "増額の根拠資料を添付してください");
}

TEST_F(KpiTest, AuthorizationRules) {
  const Plan draft = MustCreate(CompletePlanB());  // Toyama's, DRAFTING: not public
  const std::string aichi = Prefecture(kAichi);
  const RecordMeasurementRequest req = Req(draft, "kgi-capex", 2026, FISCAL_HALF_H2, 10 * kOku);
  EXPECT_EQ(Record(aichi, req).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  PlanProgress progress;
  EXPECT_EQ(Progress(aichi, draft.name(), &progress).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ListMeasurementsResponse list;
  EXPECT_EQ(Measurements(aichi, draft.name(), &list).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Progress(Bureau("KINKI"), draft.name(), &progress).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Who may not read every plan is not told whether one exists.
  EXPECT_EQ(Progress(aichi, "plans/B-09999", &progress).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Progress(Viewer(), draft.name(), &progress));  // viewers read every plan
  EXPECT_EQ(Record(Viewer(), req).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Toyama city lies in the area but is not an author.
  EXPECT_EQ(Record(Municipality(kToyamaCity), req).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Progress(Municipality(kToyamaCity), draft.name(), &progress));

  // No token, or a forged one.
  for (const std::string& token :
       {std::string(),
        std::string("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZSI6InNlY3JldGFyaWF0In0.x")}) {
    EXPECT_EQ(Record(token, req).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Progress(token, draft.name(), &progress).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Measurements(token, draft.name(), &list).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    AggregateKgiResponse agg;
    EXPECT_EQ(Aggregate(token, Year(2026), &agg).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(Verify(token, MeasurementNameOf(draft, "kgi-capex", "2026-H2")).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(StoredMeasurements(draft), 0);

  // Once public (and synced), everyone authenticated reads it; still only authors record.
  Plan p;
  ASSERT_OK(Transition(Secretariat(), draft.name(), PLAN_STAGE_PRE_CONSULTATION, &p));
  ASSERT_OK(Transition(Secretariat(), draft.name(), PLAN_STAGE_COORDINATION, &p));
  ASSERT_OK(Transition(Secretariat(), draft.name(), PLAN_STAGE_PUBLISHED_BY_GOVERNOR, &p));
  const absl::StatusOr<int> synced = kpi_->tracker().SyncPlans();
  ASSERT_TRUE(synced.ok()) << synced.status();
  ASSERT_OK(Progress(aichi, draft.name(), &progress));
  EXPECT_EQ(progress.plan_version(), p.version());
  EXPECT_EQ(Record(aichi, req).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Record(Prefecture(kToyama), req));
  ASSERT_OK(Measurements(aichi, draft.name(), &list));
  EXPECT_EQ(list.measurements_size(), 1);
  AggregateKgiResponse agg;
  ASSERT_OK(Aggregate(aichi, Year(2026), &agg));  // national figures: everyone
  EXPECT_EQ(TotalOf(agg, MANDATORY_KGI_CAPEX).reported(), 10 * kOku);
}

// Toyama's type B plan (HOKURIKU, no strategic field) and a Kanto type A plan led by Gunma
// with Saitama (Tokyo area) in its area, AI・半導体.
TEST_F(KpiTest, AggregateKgiCountsBreakdownsAndExcludesTokyoArea) {
  Plan toyama_plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &toyama_plan));
  Plan kanto;
  ASSERT_NO_FATAL_FAILURE(Publish(KantoPlanA(), &kanto));
  RecordMeasurementRequest split = Req(kanto, "kgi-capex", 2026, FISCAL_HALF_H2, 100 * kOku);
  AddPart(&split, kGunma, 60 * kOku);
  AddPart(&split, kSaitama, 40 * kOku);
  MustRecord(Prefecture(kGunma), split);
  MustRecord(Prefecture(kToyama), Req(toyama_plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  // Met: kpi-inside-sales reaches its 5e9 target.
  MustRecord(Prefecture(kToyama),
             Req(toyama_plan, "kpi-inside-sales", 2026, FISCAL_HALF_H2, 50 * kOku));

  // Targets (at the lead prefectures): CAPEX 6e9 + 40e9; VALUE_ADDED 1.6e9 (cumulative) +
  // 10e9 (level); TALENT 100 + 600.
  AggregateKgiResponse all;
  KgiTotal capex = Capex(Year(2026), &all);
  EXPECT_EQ(all.fiscal_year(), 2026);
  ASSERT_EQ(all.totals_size(), 3);
  EXPECT_EQ(all.totals(0).kgi(), MANDATORY_KGI_CAPEX);
  EXPECT_EQ(all.totals(1).kgi(), MANDATORY_KGI_VALUE_ADDED);
  EXPECT_EQ(all.totals(2).kgi(), MANDATORY_KGI_TALENT);
  EXPECT_EQ(all.totals(0).unit(), INDICATOR_UNIT_YEN);
  EXPECT_EQ(all.totals(1).unit(), INDICATOR_UNIT_YEN);
  EXPECT_EQ(all.totals(2).unit(), INDICATOR_UNIT_PERSONS);
  EXPECT_EQ(capex.reported(), 110 * kOku);  // Saitama's 4e9 left out
  EXPECT_EQ(capex.target(), 460 * kOku);
  EXPECT_EQ(capex.verified(), 0);
  EXPECT_EQ(TotalOf(all, MANDATORY_KGI_VALUE_ADDED).target(), 116 * kOku);
  EXPECT_EQ(TotalOf(all, MANDATORY_KGI_TALENT).target(), 700);
  EXPECT_EQ(all.plans(), 2);
  EXPECT_EQ(all.plans_with_kpi_achieved(), 1);
  EXPECT_DOUBLE_EQ(all.plans_with_kpi_achieved_ratio(), 0.5);
  EXPECT_EQ(all.kpis(), 3);  // two of Toyama's, one of Kanto's
  EXPECT_EQ(all.kpis_achieved(), 1);
  EXPECT_DOUBLE_EQ(all.kpis_achieved_ratio(), 1.0 / 3.0);

  EXPECT_EQ(Capex(Year(2026, /*include_tokyo_area=*/true)).reported(), 150 * kOku);
  EXPECT_EQ(Capex(Year(2026, true)).target(), 460 * kOku);

  AggregateKgiRequest req = Year(2026, true);
  req.set_prefecture_code(kSaitama);
  AggregateKgiResponse r;
  capex = Capex(req, &r);
  EXPECT_EQ(capex.reported(), 40 * kOku);
  EXPECT_EQ(capex.target(), 0);  // targets count at the lead prefecture (Gunma)
  EXPECT_EQ(r.plans(), 0);

  req = Year(2026);
  req.set_prefecture_code(kGunma);
  capex = Capex(req, &r);
  EXPECT_EQ(capex.reported(), 60 * kOku);
  EXPECT_EQ(capex.target(), 400 * kOku);
  EXPECT_EQ(r.plans(), 1);

  req = Year(2026);
  req.set_plan_type(PLAN_TYPE_B);
  capex = Capex(req, &r);
  EXPECT_EQ(capex.reported(), 50 * kOku);
  EXPECT_EQ(capex.target(), 60 * kOku);
  EXPECT_EQ(r.plans(), 1);
  EXPECT_EQ(r.plans_with_kpi_achieved(), 1);
  EXPECT_DOUBLE_EQ(r.plans_with_kpi_achieved_ratio(), 1.0);
  EXPECT_EQ(r.kpis(), 2);
  EXPECT_EQ(r.kpis_achieved(), 1);

  req = Year(2026);
  req.set_plan_type(PLAN_TYPE_A);
  EXPECT_EQ(Capex(req).reported(), 60 * kOku);
  req.set_include_tokyo_area(true);
  EXPECT_EQ(Capex(req).reported(), 100 * kOku);

  req = Year(2026);
  req.set_block("KANTO");
  capex = Capex(req, &r);
  EXPECT_EQ(capex.reported(), 60 * kOku);
  EXPECT_EQ(r.plans(), 1);
  EXPECT_EQ(r.plans_with_kpi_achieved(), 0);
  req.set_block("HOKURIKU");
  EXPECT_EQ(Capex(req).reported(), 50 * kOku);

  req = Year(2026);
  req.set_strategic_field("AI_SEMICONDUCTOR");
  capex = Capex(req, &r);
  EXPECT_EQ(capex.reported(), 60 * kOku);  // Toyama's plan has no strategic field
  EXPECT_EQ(capex.target(), 400 * kOku);
  EXPECT_EQ(r.plans(), 1);
  req.set_include_tokyo_area(true);
  EXPECT_EQ(Capex(req).reported(), 100 * kOku);
  req.set_strategic_field("SHIPBUILDING");
  capex = Capex(req, &r);
  EXPECT_EQ(capex.reported(), 0);
  EXPECT_EQ(r.plans(), 0);
  EXPECT_DOUBLE_EQ(r.plans_with_kpi_achieved_ratio(), 0.0);

  // Another year: its own targets, no values.
  capex = Capex(Year(2027));
  EXPECT_EQ(capex.target(), 460 * kOku);
  EXPECT_EQ(capex.reported(), 0);

  // Verified values follow the same rule.
  const std::string name = MeasurementNameOf(kanto, "kgi-capex", "2026-H2");
  ASSERT_OK(Verify(Bureau("KANTO"), name));
  EXPECT_EQ(Capex(Year(2026)).verified(), 60 * kOku);
  EXPECT_EQ(Capex(Year(2026, true)).verified(), 100 * kOku);

  const grpc::Status no_year = Aggregate(Viewer(), AggregateKgiRequest(), &r);
  EXPECT_EQ(no_year.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(no_year), "fiscal_year");
}

// A mandatory KGI's value without a breakdown on a plan led by a Tokyo-area prefecture counts
// in the Tokyo area, which the national KGIs leave out: the answer says so, and only then.
TEST_F(KpiTest, AValueTheNationalKgisLeaveOutSaysSo) {
  Plan draft = KantoPlanA();
  draft.set_lead_author_code(kSaitama);
  Plan saitama_led;
  ASSERT_NO_FATAL_FAILURE(Publish(draft, &saitama_led));
  Plan gunma_led;
  ASSERT_NO_FATAL_FAILURE(Publish(KantoPlanA(), &gunma_led));
  const std::string saitama = Prefecture(kSaitama);
  const std::string gunma = Prefecture(kGunma);

  const Measurement whole =
      MustRecord(saitama, Req(saitama_led, "kgi-capex", 2026, FISCAL_HALF_H2, 10 * kOku));
  EXPECT_TRUE(whole.outside_national_kgis());
  EXPECT_EQ(Capex(Year(2026)).reported(), 0);  // what the flag warns of
  EXPECT_EQ(Capex(Year(2026, true)).reported(), 10 * kOku);

  RecordMeasurementRequest split = Req(saitama_led, "kgi-capex", 2026, FISCAL_HALF_H2, 10 * kOku);
  AddPart(&split, kGunma, 4 * kOku);
  AddPart(&split, kSaitama, 6 * kOku);
  EXPECT_FALSE(MustRecord(saitama, split).outside_national_kgis());
  EXPECT_EQ(Capex(Year(2026)).reported(), 4 * kOku);

  // Not a KGI the nation adds up; a lead outside the Tokyo area.
  EXPECT_FALSE(MustRecord(saitama, Req(saitama_led, "kpi-field-investment", 2026,
                                       FISCAL_HALF_H2, 1 * kOku))
                   .outside_national_kgis());
  EXPECT_FALSE(MustRecord(gunma, Req(gunma_led, "kgi-capex", 2026, FISCAL_HALF_H2, 10 * kOku))
                   .outside_national_kgis());

  // Read back the same way.
  const Measurement talent =
      MustRecord(saitama, Req(saitama_led, "kgi-talent", 2026, FISCAL_HALF_H2, 30));
  EXPECT_TRUE(talent.outside_national_kgis());
  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Viewer(), saitama_led.name(), &list));
  std::map<std::string, bool> flags;
  for (const Measurement& m : list.measurements()) flags[m.indicator_id()] = m.outside_national_kgis();
  EXPECT_EQ(flags, (std::map<std::string, bool>{{"kgi-capex", false},
                                                {"kgi-talent", true},
                                                {"kpi-field-investment", false}}));

  // rfsctl says it to the clerk: kpi record, and kpi import by line.
  auto [code, out] = RunKpiCli(
      absl::StrCat("record ", PlanId(saitama_led), " kgi-value-added 2026-H2 500000000"), saitama);
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "the national KGIs leave it out")) << out;
  std::tie(code, out) = RunKpiCli(
      absl::StrCat("record ", PlanId(gunma_led), " kgi-value-added 2026-H2 500000000"), gunma);
  EXPECT_EQ(code, 0) << out;
  EXPECT_FALSE(absl::StrContains(out, "national KGIs")) << out;
  std::tie(code, out) = RunImport(
      absl::StrCat("plan,indicator,period,value,breakdown\n",
                   PlanId(saitama_led), ",kgi-talent,2026-H2,40,\n",
                   PlanId(saitama_led), ",kgi-capex,2026-H2,900000000,110001=900000000\n",
                   PlanId(saitama_led), ",kgi-value-added,2026-H2,600000000,\n"),
      "", saitama);
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "note: line(s) 2, 4: the lead prefecture is in the Tokyo"))
      << out;
}

// The national figures kept on write equal a recount from the raw measurements.
TEST_F(KpiTest, AggregatesEqualRecount) {
  Plan toyama_plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &toyama_plan));
  Plan kanto;
  ASSERT_NO_FATAL_FAILURE(Publish(KantoPlanA(), &kanto));
  const std::string toyama = Prefecture(kToyama);
  const std::string gunma = Prefecture(kGunma);
  const std::string saitama = Prefecture(kSaitama);

  // Toyama: CAPEX both halves (H1 late), the H2 value verified; TALENT corrected.
  const Measurement capex_h2 =
      MustRecord(toyama, Req(toyama_plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  ASSERT_OK(Verify(Bureau("HOKURIKU"), capex_h2.name()));
  MustRecord(toyama, Req(toyama_plan, "kgi-talent", 2026, FISCAL_HALF_H2, 100));
  MustRecord(toyama, Req(toyama_plan, "kgi-talent", 2026, FISCAL_HALF_H2, 120));
  ASSERT_OK(Unlock(Secretariat(), toyama_plan.name(), 2026, FISCAL_HALF_H1, "確報の遅れ"));
  MustRecord(toyama, Req(toyama_plan, "kgi-capex", 2026, FISCAL_HALF_H1, 20 * kOku));

  // Kanto: CAPEX split across Gunma and Saitama, verified, then corrected by Saitama.
  RecordMeasurementRequest split = Req(kanto, "kgi-capex", 2026, FISCAL_HALF_H2, 100 * kOku);
  AddPart(&split, kGunma, 60 * kOku);
  AddPart(&split, kSaitama, 40 * kOku);
  const Measurement kanto_capex = MustRecord(gunma, split);
  ASSERT_OK(Verify(Bureau("KANTO"), kanto_capex.name()));
  RecordMeasurementRequest resplit = Req(kanto, "kgi-capex", 2026, FISCAL_HALF_H2, 120 * kOku);
  AddPart(&resplit, kGunma, 70 * kOku);
  AddPart(&resplit, kSaitama, 50 * kOku);
  MustRecord(saitama, resplit);
  // VALUE_ADDED (a level): H1 verified at the lead prefecture, H2 all in Saitama.
  ASSERT_OK(Unlock(Bureau("KANTO"), kanto.name(), 2026, FISCAL_HALF_H1, "確報の遅れ"));
  const Measurement va_h1 =
      MustRecord(gunma, Req(kanto, "kgi-value-added", 2026, FISCAL_HALF_H1, 30 * kOku));
  ASSERT_OK(Verify(Secretariat(), va_h1.name()));
  RecordMeasurementRequest va_h2 = Req(kanto, "kgi-value-added", 2026, FISCAL_HALF_H2, 40 * kOku);
  AddPart(&va_h2, kSaitama, 40 * kOku);
  MustRecord(gunma, va_h2);
  // TALENT, returned.
  const Measurement talent =
      MustRecord(gunma, Req(kanto, "kgi-talent", 2026, FISCAL_HALF_H2, 50));
  ASSERT_OK(SendBack(Bureau("KANTO"), talent.name(), "内訳を添えてください"));

  // The recount, from ListMeasurements and the plans' indicators.
  const std::set<std::string> tokyo_area = {"110001", "120006", "130001", "140007"};
  struct Sums {
    std::map<MandatoryKgi, int64_t> reported, verified;
  };
  auto recount = [&](bool include_tokyo_area) {
    Sums sums;
    for (const Plan* stored : {&toyama_plan, &kanto}) {
      Plan plan;
      EXPECT_TRUE(Get(Secretariat(), stored->name(), &plan).ok());
      ListMeasurementsResponse list;
      const grpc::Status s =
          Measurements(Secretariat(), plan.name(), &list, /*history=*/false, /*fiscal_year=*/2026);
      EXPECT_TRUE(s.ok()) << s.error_message();
      const std::string lead = PrefectureOf(plan.lead_author_code());
      for (const Indicator& ind : plan.indicators()) {
        const MandatoryKgi kgi = ind.mandatory_kgi();
        if (ind.kind() != INDICATOR_KIND_MANDATORY_KGI ||
            (kgi != MANDATORY_KGI_CAPEX && kgi != MANDATORY_KGI_VALUE_ADDED &&
             kgi != MANDATORY_KGI_TALENT)) {
          continue;
        }
        for (const bool verified : {false, true}) {
          int64_t& sum = verified ? sums.verified[kgi] : sums.reported[kgi];
          auto add = [&](const Measurement& m) {
            const auto& parts = verified ? m.verified_breakdown() : m.breakdown();
            const int64_t value = verified ? m.verified_value() : m.value();
            if (parts.empty()) {
              if (include_tokyo_area || tokyo_area.count(lead) == 0) sum += value;
              return;
            }
            for (const PrefectureValue& part : parts) {
              if (include_tokyo_area || tokyo_area.count(part.prefecture_code()) == 0) {
                sum += part.value();
              }
            }
          };
          const Measurement* latest = nullptr;
          for (const Measurement& m : list.measurements()) {
            if (m.indicator_id() != ind.id() || m.period().fiscal_year() != 2026) continue;
            if (verified && !m.has_verified_value()) continue;
            if (ind.aggregation() != AGGREGATION_LEVEL) {
              add(m);
            } else if (latest == nullptr || m.period().half() > latest->period().half()) {
              latest = &m;
            }
          }
          if (latest != nullptr) add(*latest);
        }
      }
    }
    return sums;
  };

  for (const bool include_tokyo_area : {false, true}) {
    const Sums expected = recount(include_tokyo_area);
    AggregateKgiResponse r;
    ASSERT_OK(Aggregate(Secretariat(), Year(2026, include_tokyo_area), &r));
    for (const MandatoryKgi kgi :
         {MANDATORY_KGI_CAPEX, MANDATORY_KGI_VALUE_ADDED, MANDATORY_KGI_TALENT}) {
      const KgiTotal t = TotalOf(r, kgi);
      EXPECT_EQ(t.reported(), expected.reported.at(kgi))
          << MandatoryKgi_Name(kgi) << " include_tokyo_area=" << include_tokyo_area;
      EXPECT_EQ(t.verified(), expected.verified.at(kgi))
          << MandatoryKgi_Name(kgi) << " include_tokyo_area=" << include_tokyo_area;
    }
  }
  // And the recount is not trivially zero: the figures worked out by hand.
  const Sums outside = recount(false);
  EXPECT_EQ(outside.reported.at(MANDATORY_KGI_CAPEX), 140 * kOku);  // 5e9 + 2e9 + Gunma 7e9
  EXPECT_EQ(outside.verified.at(MANDATORY_KGI_CAPEX), 110 * kOku);  // 5e9 + Gunma 6e9
  EXPECT_EQ(outside.reported.at(MANDATORY_KGI_VALUE_ADDED), 0);     // H2 is all Saitama's
  EXPECT_EQ(outside.verified.at(MANDATORY_KGI_VALUE_ADDED), 30 * kOku);
  EXPECT_EQ(outside.reported.at(MANDATORY_KGI_TALENT), 170);
  const Sums everywhere = recount(true);
  EXPECT_EQ(everywhere.reported.at(MANDATORY_KGI_CAPEX), 190 * kOku);
  EXPECT_EQ(everywhere.verified.at(MANDATORY_KGI_CAPEX), 150 * kOku);
  EXPECT_EQ(everywhere.reported.at(MANDATORY_KGI_VALUE_ADDED), 40 * kOku);
}

TEST_F(KpiTest, OverrideStatusShownBesideComputed) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  const std::string reason = "下期に大型投資の計上が確定しているため";

  EXPECT_EQ(Override(Prefecture(kToyama), plan.name(), "kgi-capex", PROGRESS_STATUS_ON_TRACK,
                     reason)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // authors do not judge themselves
  EXPECT_EQ(Override(Bureau("KINKI"), plan.name(), "kgi-capex", PROGRESS_STATUS_ON_TRACK, reason)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status s = Override(Secretariat(), plan.name(), "kgi-capex", PROGRESS_STATUS_ON_TRACK, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "reason") << s.error_message();
  s = Override(Secretariat(), plan.name(), "kgi-unknown", PROGRESS_STATUS_ON_TRACK, reason);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "indicator_id") << s.error_message();

  StatusOverride o;
  ASSERT_OK(Override(Bureau("HOKURIKU"), plan.name(), "kgi-capex", PROGRESS_STATUS_ON_TRACK,
                     reason, &o));
  EXPECT_EQ(o.plan(), plan.name());
  EXPECT_EQ(o.indicator_id(), "kgi-capex");
  EXPECT_EQ(o.status(), PROGRESS_STATUS_ON_TRACK);
  EXPECT_EQ(o.reason(), reason);
  EXPECT_EQ(o.actor(), "bureau-HOKURIKU");
  EXPECT_EQ(TimeOf(o.time()), FixedNow());

  PlanProgress progress;
  ASSERT_OK(Progress(Prefecture(kToyama), plan.name(), &progress));
  const IndicatorProgress* capex = Find(progress, "kgi-capex");
  ASSERT_NE(capex, nullptr);
  EXPECT_EQ(capex->override().status(), PROGRESS_STATUS_ON_TRACK);
  EXPECT_EQ(capex->override().reason(), reason);
  EXPECT_EQ(capex->override().actor(), "bureau-HOKURIKU");
  EXPECT_EQ(capex->reported().status(), PROGRESS_STATUS_AT_RISK);  // beside, never replacing
  EXPECT_EQ(Summarized(progress, "AT_RISK"), 1);  // the summary counts computed statuses
  EXPECT_EQ(Summarized(progress, "ON_TRACK"), 0);
  const IndicatorProgress* talent = Find(progress, "kgi-talent");
  ASSERT_NE(talent, nullptr);
  EXPECT_EQ(talent->override().status(), PROGRESS_STATUS_UNSPECIFIED);

  // Clearing needs a reason too.
  s = Override(Secretariat(), plan.name(), "kgi-capex", PROGRESS_STATUS_UNSPECIFIED, "");
  EXPECT_EQ(FieldOf(s), "reason") << s.error_message();
  StatusOverride cleared;
  ASSERT_OK(Override(Secretariat(), plan.name(), "kgi-capex", PROGRESS_STATUS_UNSPECIFIED,
                     "計上が見送られたため", &cleared));
  EXPECT_EQ(cleared.status(), PROGRESS_STATUS_UNSPECIFIED);
  EXPECT_EQ(cleared.actor(), "secretariat-1");
  ASSERT_OK(Progress(Prefecture(kToyama), plan.name(), &progress));
  capex = Find(progress, "kgi-capex");
  ASSERT_NE(capex, nullptr);
  EXPECT_EQ(capex->override().status(), PROGRESS_STATUS_UNSPECIFIED);
  EXPECT_EQ(capex->reported().status(), PROGRESS_STATUS_AT_RISK);
}

TEST_F(KpiTest, RebaselinedPlanChangesExpected) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan, PLAN_STAGE_PUBLISHED));
  MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  MustRecord(Prefecture(kToyama), Req(plan, "kpi-wage-growth", 2026, FISCAL_HALF_H2, 3));
  PlanProgress before;
  ASSERT_OK(Progress(Prefecture(kToyama), plan.name(), &before));
  EXPECT_EQ(before.plan_version(), plan.version());
  ASSERT_NE(Find(before, "kgi-capex"), nullptr);
  EXPECT_EQ(Find(before, "kgi-capex")->expected_now(), 60 * kOku);
  EXPECT_EQ(Capex(Year(2026)).target(), 60 * kOku);

  // The semi-annual revision doubles the CAPEX target and drops the wage KPI.
  Plan revising;
  ASSERT_OK(Transition(Prefecture(kToyama), plan.name(), PLAN_STAGE_REVISING, &revising));
  Plan change;
  change.set_name(plan.name());
  for (const Indicator& ind : revising.indicators()) {
    if (ind.id() == "kpi-wage-growth") continue;
    Indicator* copy = change.add_indicators();
    *copy = ind;
    if (ind.id() == "kgi-capex") {
      copy->mutable_target()->set_value(ind.target().value() * 2);
      for (PeriodValue& m : *copy->mutable_milestones()) m.set_value(m.value() * 2);
    }
  }
  Plan revised;
  ASSERT_OK(Update(Prefecture(kToyama), change, "indicators", &revised));
  ASSERT_GT(revised.version(), plan.version());

  const absl::StatusOr<int> synced = kpi_->tracker().SyncPlans();
  ASSERT_TRUE(synced.ok()) << synced.status();

  PlanProgress after;
  ASSERT_OK(Progress(Prefecture(kToyama), plan.name(), &after));
  EXPECT_EQ(after.plan_version(), revised.version());
  const IndicatorProgress* capex = Find(after, "kgi-capex");
  ASSERT_NE(capex, nullptr);
  EXPECT_EQ(capex->indicator().target().value(), 600 * kOku);
  EXPECT_EQ(capex->expected_now(), 120 * kOku);
  EXPECT_EQ(capex->reported().expected(), 120 * kOku);
  EXPECT_EQ(capex->reported().value(), 50 * kOku);  // the values stay
  EXPECT_EQ(capex->reported().status(), PROGRESS_STATUS_OFF_TRACK);  // R = 5/12
  // The dropped indicator keeps its value, last, marked removed, in no summary.
  ASSERT_EQ(after.indicators_size(), revised.indicators_size() + 1);
  const IndicatorProgress& gone = after.indicators(after.indicators_size() - 1);
  EXPECT_EQ(gone.indicator().id(), "kpi-wage-growth");
  EXPECT_TRUE(gone.removed());
  EXPECT_EQ(gone.measurements(), 1);
  EXPECT_EQ(gone.reported().value(), 3);
  for (int i = 0; i + 1 < after.indicators_size(); ++i) EXPECT_FALSE(after.indicators(i).removed());
  EXPECT_EQ(Summarized(after), revised.indicators_size());
  EXPECT_EQ(after.summary().kpis(), 1);
  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Prefecture(kToyama), plan.name(), &list));
  EXPECT_EQ(list.measurements_size(), 2);
  // The national target follows the new path.
  EXPECT_EQ(Capex(Year(2026)).target(), 120 * kOku);
  // The removed indicator takes no new values.
  const grpc::Status s =
      Record(Prefecture(kToyama), Req(plan, "kpi-wage-growth", 2026, FISCAL_HALF_H2, 4));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "indicator_id") << s.error_message();
}


// Completeness and lateness of a half year: on time, late, in part, not at all; counts by
// block, the plans listed, and rfs_reports_overdue.
TEST_F(KpiTest, ReportingStatusCountsEachPlansState) {
  Plan toyama, kanto, kanazawa;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &toyama));
  ASSERT_NO_FATAL_FAILURE(Publish(KantoPlanA(), &kanto));
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanC(), &kanazawa));
  ASSERT_NO_FATAL_FAILURE(SeePublicFromJune2026());
  // FY2026 H1 closed on 31 October: Toyama reports every indicator late, Kanto one of them,
  // Kanazawa nothing.
  ASSERT_OK(Unlock(Secretariat(), toyama.name(), 2026, FISCAL_HALF_H1, "遅延報告の受付"));
  ASSERT_OK(Unlock(Secretariat(), kanto.name(), 2026, FISCAL_HALF_H1, "遅延報告の受付"));
  for (const Indicator& indicator : toyama.indicators()) {
    MustRecord(Prefecture(kToyama), Req(toyama, indicator.id(), 2026, FISCAL_HALF_H1, 1));
  }
  MustRecord(Prefecture(kGunma), Req(kanto, "kgi-capex", 2026, FISCAL_HALF_H1, 10 * kOku));
  // FY2026 H2 is open: Toyama has reported everything already, the others not yet.
  for (const Indicator& indicator : toyama.indicators()) {
    MustRecord(Prefecture(kToyama), Req(toyama, indicator.id(), 2026, FISCAL_HALF_H2, 2));
  }
  ASSERT_TRUE(kpi_->tracker().SyncPlans().ok());  // Kanazawa's states come with the sync

  ReportingStatus h1;
  ASSERT_OK(Reporting(Viewer(), 2026, FISCAL_HALF_H1, &h1));
  EXPECT_EQ(h1.expected(), 3);
  EXPECT_EQ(h1.late(), 1);
  EXPECT_EQ(h1.incomplete(), 1);
  EXPECT_EQ(h1.missing(), 1);
  EXPECT_EQ(h1.on_time(), 0);
  EXPECT_EQ(TimeOf(h1.deadline()),
            absl::FromCivil(absl::CivilDay(2026, 11, 1), JapanTimeZone()));
  std::map<std::string, ReportState> states;
  for (const PlanReport& r : h1.plans()) states[r.plan()] = r.state();
  EXPECT_EQ(states[toyama.name()], REPORT_STATE_LATE);
  EXPECT_EQ(states[kanto.name()], REPORT_STATE_INCOMPLETE);
  EXPECT_EQ(states[kanazawa.name()], REPORT_STATE_MISSING);
  // "n of m indicators" of each plan.
  for (const PlanReport& r : h1.plans()) {
    const Plan& p = r.plan() == toyama.name() ? toyama : r.plan() == kanto.name() ? kanto : kanazawa;
    EXPECT_EQ(r.indicators(), p.indicators_size()) << r.plan();
    EXPECT_EQ(r.title(), p.title()) << r.plan();  // a list people can read without a call per plan
    EXPECT_EQ(r.reported(), r.plan() == toyama.name() ? p.indicators_size()
                            : r.plan() == kanto.name() ? 1
                                                       : 0)
        << r.plan();
  }

  // Plans last synced before titles were kept get theirs from the snapshots.
  ASSERT_EQ(redis_->Cli("DEL rfs:kpi:titles"), "1");
  ReportingStatus untitled;
  ASSERT_OK(Reporting(Viewer(), 2026, FISCAL_HALF_H1, &untitled));
  ASSERT_EQ(untitled.plans_size(), 3);
  for (const PlanReport& r : untitled.plans()) EXPECT_FALSE(r.title().empty()) << r.plan();

  ReportingStatus kanto_only;
  ASSERT_OK(Reporting(Viewer(), 2026, FISCAL_HALF_H1, &kanto_only, "KANTO"));
  EXPECT_EQ(kanto_only.expected(), 1);
  EXPECT_EQ(kanto_only.incomplete(), 1);
  ASSERT_EQ(kanto_only.plans_size(), 1);
  EXPECT_EQ(kanto_only.plans(0).plan(), kanto.name());
  EXPECT_EQ(kanto_only.plans(0).title(), kanto.title());

  ReportingStatus h2;
  ASSERT_OK(Reporting(Viewer(), 2026, FISCAL_HALF_H2, &h2));
  EXPECT_EQ(h2.expected(), 3);
  EXPECT_EQ(h2.on_time(), 1);
  EXPECT_EQ(h2.not_yet_due(), 2);

  EXPECT_EQ(Metric("rfs_reports_overdue",
                   {{"block", "HOKURIKU"}, {"fiscal_year", "2026"}, {"half", "H1"}}),
            1);  // Kanazawa
  EXPECT_EQ(Metric("rfs_reports_overdue",
                   {{"block", "KANTO"}, {"fiscal_year", "2026"}, {"half", "H1"}}),
            1);
  ReportingStatus bad;
  const grpc::Status no_half = Reporting(Viewer(), 2026, FISCAL_HALF_UNSPECIFIED, &bad);
  EXPECT_EQ(no_half.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(no_half), "period.half");
}

// "Report due" goes out once per plan and half year when the notice window opens, "report
// overdue" once when the deadline passes; a sync repeated (or by another replica) adds none.
TEST_F(KpiTest, DueAndOverdueEventsGoOutOncePerPlanAndHalfYear) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  ASSERT_NO_FATAL_FAILURE(SeePublicFromJune2026());
  ASSERT_TRUE(kpi_->tracker().SyncPlans().ok());
  const std::string h1_overdue = absl::StrCat("kpi/", plan.name(), "/reports/2026-H1/overdue");
  const std::string h2_due = absl::StrCat("kpi/", plan.name(), "/reports/2026-H2/due");
  const std::string h2_overdue = absl::StrCat("kpi/", plan.name(), "/reports/2026-H2/overdue");
  EXPECT_EQ(OutboxLinesContaining(h1_overdue), 1);  // past 31 October with nothing reported
  EXPECT_EQ(OutboxLinesContaining(h2_due), 0);      // 30 April is months away

  // Ten days before the H2 deadline: the notice window (14 days) is open.
  SetNow(absl::FromCivil(absl::CivilSecond(2027, 4, 20, 9, 0, 0), JapanTimeZone()));
  ASSERT_TRUE(kpi_->tracker().SyncPlans().ok());
  ASSERT_TRUE(kpi_->tracker().SyncPlans().ok());
  EXPECT_EQ(OutboxLinesContaining(h2_due), 1);
  EXPECT_EQ(OutboxLinesContaining("kpi.report_due"), 1);
  EXPECT_EQ(OutboxLinesContaining(h2_overdue), 0);

  // 1 May: overdue, once.
  SetNow(absl::FromCivil(absl::CivilSecond(2027, 5, 1, 0, 0, 1), JapanTimeZone()));
  ASSERT_TRUE(kpi_->tracker().SyncPlans().ok());
  ASSERT_TRUE(kpi_->tracker().SyncPlans().ok());
  EXPECT_EQ(OutboxLinesContaining(h2_overdue), 1);
  EXPECT_EQ(OutboxLinesContaining(h1_overdue), 1);
  EXPECT_EQ(OutboxLinesContaining(h2_due), 1);
  ReportingStatus h2;
  ASSERT_OK(Reporting(Viewer(), 2026, FISCAL_HALF_H2, &h2));
  EXPECT_EQ(h2.missing(), 1);
}

// PLAN → DO → CHECK (a snapshot of the statuses, with findings) → ACT (actions, and a
// revision that moves the published plan to REVISING in the registry as the caller).
TEST_F(KpiTest, PdcaCycleMovesPhaseByPhaseAndActCanAskForARevision) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan, PLAN_STAGE_PUBLISHED));
  MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  const int64_t outbox = OutboxLength();

  PdcaCycle cycle;
  ASSERT_OK(Cycle(Viewer(), plan, &cycle));
  EXPECT_EQ(cycle.phase(), PDCA_PHASE_PLAN);
  EXPECT_EQ(cycle.name(), plan.name() + "/pdca/2026-H2");

  AdvancePdcaCycleRequest req;
  req.set_plan(plan.name());
  req.set_to_phase(PDCA_PHASE_CHECK);
  req.set_findings("skip");
  EXPECT_EQ(Advance(Prefecture(kToyama), req, nullptr).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // DO comes first
  req.clear_findings();
  req.set_to_phase(PDCA_PHASE_DO);
  EXPECT_EQ(Advance(Viewer(), req, nullptr).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Advance(Prefecture(kIshikawa), req, nullptr).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);  // not an author of the plan
  ASSERT_OK(Advance(Prefecture(kToyama), req, &cycle));
  EXPECT_EQ(cycle.phase(), PDCA_PHASE_DO);

  req.set_to_phase(PDCA_PHASE_CHECK);
  const grpc::Status no_findings = Advance(Bureau("HOKURIKU"), req, nullptr);
  EXPECT_EQ(no_findings.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(no_findings), "findings");
  req.set_findings("設備投資は計画どおり。人材育成の実績報告が未了。");
  ASSERT_OK(Advance(Bureau("HOKURIKU"), req, &cycle));
  EXPECT_EQ(cycle.phase(), PDCA_PHASE_CHECK);
  ASSERT_EQ(cycle.checks_size(), plan.indicators_size());
  for (const IndicatorCheck& c : cycle.checks()) {
    if (c.indicator_id() == "kgi-capex") {
      EXPECT_EQ(c.actual(), 50 * kOku);
      EXPECT_NE(c.status(), PROGRESS_STATUS_NO_DATA);
    } else {
      EXPECT_EQ(c.status(), PROGRESS_STATUS_NO_DATA) << c.indicator_id();
    }
  }
  EXPECT_EQ(Metric("rfs_pdca_plans", {{"phase", "CHECK"}, {"plan_type", "B"}}), 1);

  req.clear_findings();
  req.set_to_phase(PDCA_PHASE_ACT);
  req.set_request_revision(true);
  req.set_comment("人材育成の施策を見直す");
  ImprovementAction* action = req.add_actions();
  action->set_description("高専との共同講座を追加する");
  action->set_owner("富山県 商工労働部");
  action->set_due_date("2027-3-31");
  const grpc::Status bad_date = Advance(Prefecture(kToyama), req, nullptr);
  EXPECT_EQ(FieldOf(bad_date), "actions[0].due_date");
  action->set_due_date("2027-03-31");
  const std::string stale = cycle.etag();
  ASSERT_OK(Advance(Prefecture(kToyama), req, &cycle));
  EXPECT_EQ(cycle.phase(), PDCA_PHASE_ACT);
  EXPECT_TRUE(cycle.revision_requested());
  ASSERT_EQ(cycle.actions_size(), 1);
  ASSERT_EQ(cycle.transitions_size(), 3);
  EXPECT_EQ(cycle.transitions(2).actor(), "pref-160008");

  Plan now;
  ASSERT_OK(Get(Viewer(), plan.name(), &now));
  EXPECT_EQ(now.stage(), PLAN_STAGE_REVISING);
  EXPECT_EQ(cycle.revision_plan_version(), now.version());
  EXPECT_EQ(now.updated_by(), "pref-160008");  // the registry saw the caller, not rfs-kpi

  // A retry of the same move changes nothing; a move from a stale etag is refused.
  PdcaCycle again;
  ASSERT_OK(Advance(Prefecture(kToyama), req, &again));
  EXPECT_EQ(again.transitions_size(), 3);
  req.set_etag(stale);
  req.set_comment("別の依頼");
  EXPECT_EQ(Advance(Prefecture(kToyama), req, nullptr).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(OutboxLinesContaining("kpi.pdca_phase_changed"), 3);
  EXPECT_GT(OutboxLength(), outbox);
  EXPECT_EQ(Metric("rfs_pdca_plans", {{"phase", "ACT"}, {"plan_type", "B"}}), 1);
}


// GetProgress keeps what it computed per plan, generation and half year: every change that
// shows in the progress (a value, a verification, an override, a new plan version) is seen on
// the next read, and a read with nothing changed is served as computed.
TEST_F(KpiTest, ProgressIsFreshAfterEveryChangeThatShowsInIt) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  auto capex = [&](PlanProgress* p) {
    EXPECT_TRUE(Progress(Viewer(), plan.name(), p).ok());
    return Find(*p, "kgi-capex");
  };
  PlanProgress p;
  ASSERT_NE(capex(&p), nullptr);
  EXPECT_FALSE(capex(&p)->reported().has_value());
  const Measurement m =
      MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  EXPECT_EQ(capex(&p)->reported().value(), 50 * kOku);
  MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 60 * kOku));
  EXPECT_EQ(capex(&p)->reported().value(), 60 * kOku);
  ASSERT_OK(Verify(Bureau("HOKURIKU"), m.name()));
  EXPECT_EQ(capex(&p)->verified().value(), 60 * kOku);
  ASSERT_OK(Override(Bureau("HOKURIKU"), plan.name(), "kgi-capex", PROGRESS_STATUS_AT_RISK,
                     "工場の稼働開始が遅れる見込み"));
  EXPECT_EQ(capex(&p)->override().status(), PROGRESS_STATUS_AT_RISK);
  ASSERT_OK(Override(Bureau("HOKURIKU"), plan.name(), "kgi-capex", PROGRESS_STATUS_UNSPECIFIED,
                     "見込みが戻った"));
  EXPECT_EQ(capex(&p)->override().status(), PROGRESS_STATUS_UNSPECIFIED);

  // A new target in the registry reaches the progress with the plan sync.
  Plan found;
  ASSERT_OK(Get(Viewer(), plan.name(), &found));
  const int64_t version = capex(&p) != nullptr ? p.plan_version() : 0;
  ASSERT_OK(Transition(Secretariat(), plan.name(), PLAN_STAGE_SUBMITTED, &found));
  ASSERT_TRUE(kpi_->tracker().SyncPlans().ok());
  ASSERT_NE(capex(&p), nullptr);
  EXPECT_GT(p.plan_version(), version);

  // Nothing changed: the next read is the same answer, served as computed (a cache hit).
  auto hits = [&] {
    for (const auto& family : kpi_->host().metrics()->registry().Collect()) {
      if (family.name != "rfs_cache_requests_total") continue;
      for (const auto& metric : family.metric) {
        std::map<std::string, std::string> labels;
        for (const auto& l : metric.label) labels[l.name] = l.value;
        if (labels["cache"] == "kpi_progress" && labels["result"] == "hit") {
          return metric.counter.value;
        }
      }
    }
    return -1.0;
  };
  const double hits_before = hits();
  PlanProgress again;
  ASSERT_NE(capex(&again), nullptr);
  // (Compared as messages: a map's order on the wire is not fixed.)
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(again, p));
  EXPECT_EQ(hits(), hits_before + 1);
  // Another half year is computed for itself.
  PlanProgress h1;
  ASSERT_OK(Progress(Viewer(), plan.name(), &h1, 2026, FISCAL_HALF_H1));
  EXPECT_EQ(h1.as_of().half(), FISCAL_HALF_H1);
  EXPECT_FALSE(Find(h1, "kgi-capex")->reported().has_value());  // the H2 value is later
}


// validate_only answers as a write would — the same refusals, the measurement it would make —
// and writes nothing.
TEST_F(KpiTest, ValidateOnlyChecksLikeAWriteAndWritesNothing) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  const int64_t outbox = OutboxLength();
  RecordMeasurementRequest req = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku);
  req.set_validate_only(true);
  Measurement would;
  ASSERT_OK(Record(Prefecture(kToyama), req, &would));
  EXPECT_EQ(would.value(), 50 * kOku);
  EXPECT_EQ(would.revision(), 1);
  req.set_indicator_id("kgi-nothing");
  EXPECT_EQ(FieldOf(Record(Prefecture(kToyama), req)), "indicator_id");
  req = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H1, 1);  // closed since 31 October
  req.set_validate_only(true);
  EXPECT_EQ(Record(Prefecture(kToyama), req).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Record(Prefecture(kIshikawa), req).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(StoredMeasurements(plan), 0);
  EXPECT_EQ(OutboxLength(), outbox);
  // A later real write with the request id used for the check is a first write.
  req = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku);
  req.set_validate_only(true);
  ASSERT_OK(Record(Prefecture(kToyama), req));
  req.set_validate_only(false);
  ASSERT_OK(Record(Prefecture(kToyama), req, &would));
  EXPECT_EQ(would.revision(), 1);
  EXPECT_EQ(StoredMeasurements(plan), 1);
}

// A retry with the same request id after someone else corrected the value does not write the
// old value back, even when the first call found nothing to change.
TEST_F(KpiTest, ARetryNeverWritesAnOldValueBack) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  RecordMeasurementRequest same = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku);
  ASSERT_OK(Record(Prefecture(kToyama), same));  // nothing to change; its id is remembered
  MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 70 * kOku));
  Measurement m;
  ASSERT_OK(Record(Prefecture(kToyama), same, &m));  // the retry
  EXPECT_EQ(m.value(), 70 * kOku);
  EXPECT_EQ(m.revision(), 2);
}

// Inputs that cannot be summed or would be silently empty are refused with the field named.
TEST_F(KpiTest, BreakdownsOfRatesAndTokyoFiltersWithoutTheTokyoAreaAreRefused) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  for (const Indicator& indicator : plan.indicators()) {
    if (indicator.unit() != INDICATOR_UNIT_PERCENT) continue;
    RecordMeasurementRequest req = Req(plan, indicator.id(), 2026, FISCAL_HALF_H2, 30);
    AddPart(&req, kToyama, 30);
    EXPECT_EQ(FieldOf(Record(Prefecture(kToyama), req)), "breakdown") << indicator.id();
  }
  AggregateKgiRequest req = Year(2026);
  req.set_prefecture_code(kSaitama);
  AggregateKgiResponse r;
  const grpc::Status s = Aggregate(Viewer(), req, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "prefecture_code");
}

// The names other systems depend on: the events of every kind of write, and the metrics with
// their labels (DESIGN.md's metrics section; dashboards query them).
TEST_F(KpiTest, EventsAndMetricsCarryTheNamesOthersDependOn) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  ASSERT_NO_FATAL_FAILURE(SeePublicFromJune2026());
  const Measurement m =
      MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  ASSERT_OK(Verify(Bureau("HOKURIKU"), m.name()));
  ASSERT_OK(SendBack(Bureau("HOKURIKU"), m.name(), "出典を確認してください"));
  ASSERT_OK(Override(Bureau("HOKURIKU"), plan.name(), "kgi-capex", PROGRESS_STATUS_AT_RISK, "遅れ"));
  ASSERT_OK(Unlock(Secretariat(), plan.name(), 2026, FISCAL_HALF_H1, "遅延報告"));
  for (const char* type : {"kpi.measurement_recorded", "kpi.measurement_verified",
                           "kpi.measurement_returned", "kpi.indicator_status_changed",
                           "kpi.status_overridden", "kpi.period_unlocked",
                           "kpi.report_overdue"}) {
    EXPECT_GE(OutboxLinesContaining(type), 1) << type;
  }
  EXPECT_EQ(Metric("rfs_kgi_actual_yen", {{"kgi", "CAPEX"}, {"plan_type", "B"},
                                          {"block", "HOKURIKU"}, {"fiscal_year", "2026"},
                                          {"tokyo_area", "false"}, {"verification", "reported"}}),
            50 * kOku);
  EXPECT_EQ(Metric("rfs_kgi_actual_yen", {{"kgi", "CAPEX"}, {"plan_type", "B"},
                                          {"block", "HOKURIKU"}, {"fiscal_year", "2026"},
                                          {"tokyo_area", "false"}, {"verification", "verified"}}),
            50 * kOku);
  EXPECT_GT(Metric("rfs_kgi_target_yen", {{"kgi", "CAPEX"}, {"plan_type", "B"},
                                          {"block", "HOKURIKU"}, {"fiscal_year", "2026"},
                                          {"tokyo_area", "false"}}),
            0);
  EXPECT_GT(Metric("rfs_kgi_target_persons", {{"kgi", "TALENT"}, {"plan_type", "B"},
                                              {"block", "HOKURIKU"}, {"fiscal_year", "2026"},
                                              {"tokyo_area", "false"}}),
            0);
  double indicators = 0;
  for (const char* status : {"ACHIEVED", "ON_TRACK", "AT_RISK", "OFF_TRACK", "DETERIORATING",
                             "NO_DATA", "TARGET_UNSET"}) {
    const double v = Metric("rfs_indicators",
                            {{"status", status}, {"plan_type", "B"}, {"block", "HOKURIKU"}});
    if (v > 0) indicators += v;
  }
  EXPECT_EQ(indicators, plan.indicators_size());
  EXPECT_EQ(Metric("rfs_plans_with_kpi_achieved_ratio", {{"plan_type", "B"}}), 0);
  EXPECT_EQ(Metric("rfs_pdca_plans", {{"phase", "PLAN"}, {"plan_type", "B"}}), 1);
  EXPECT_EQ(Metric("rfs_reports_overdue",
                   {{"block", "HOKURIKU"}, {"fiscal_year", "2026"}, {"half", "H1"}}),
            1);
}


// rfsctl kpi import, the binary prefecture staff use for bulk entry: nothing is imported unless
// every line is good — malformed lines are found locally, lines the service would refuse by
// the service — and a re-run of the same file records nothing twice.
TEST_F(KpiTest, RfsctlImportIsAllOrNothing) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  auto run = [&](const std::string& csv_text) { return RunImport(csv_text); };
  const std::string header = "plan,indicator,period,value,breakdown,source,note,request_id\n";
  const std::string good = absl::StrCat(PlanId(plan), ",kgi-capex,2026-H2,3000000000,160008=3000000000,県統計,,\n",
                                        PlanId(plan), ",kgi-talent,2026-H2,120,,県統計,,\n");
  // A line the service refuses (an indicator the plan does not have): nothing imported.
  auto [code, out] = run(header + good + PlanId(plan) + ",kgi-nothing,2026-H2,5,,x,,\n");
  EXPECT_EQ(code, 10 + static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)) << out;
  EXPECT_TRUE(absl::StrContains(out, "line 4")) << out;
  EXPECT_EQ(StoredMeasurements(plan), 0) << out;
  // A malformed line: found before anything is sent.
  std::tie(code, out) = run(header + good + PlanId(plan) + ",kgi-capex,2026-H9,x,,x,,\n");
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(absl::StrContains(out, "line 4")) << out;
  EXPECT_EQ(StoredMeasurements(plan), 0);
  // Every line good: all recorded; the same file again records nothing twice.
  std::tie(code, out) = run(header + good);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(StoredMeasurements(plan), 2);
  const int64_t outbox = OutboxLength();
  std::tie(code, out) = run(header + good);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(OutboxLength(), outbox);
}

// ---------------------------------------------------------------------------------------------
// What an outside review found (issue 14).

// Fields no schema knows, smuggled into every write at every depth (7 MiB each in the review),
// are neither stored nor served: the kit drops them before the tracker sees the request.
TEST_F(KpiTest, UnknownFieldsOfEveryWriteAreNeitherStoredNorServed) {
  constexpr size_t kSmuggled = 200'000;
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan, PLAN_STAGE_PUBLISHED));
  const std::string id = PlanId(plan);
  // RecordMeasurement: in the request, its period and a breakdown part.
  RecordMeasurementRequest record = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku);
  AddPart(&record, kToyama, 50 * kOku);
  Smuggle(&record, kSmuggled);
  Smuggle(record.mutable_period(), kSmuggled);
  Smuggle(record.mutable_breakdown(0), kSmuggled);
  const Measurement m = MustRecord(Prefecture(kToyama), record);
  EXPECT_EQ(UnknownBytes(m), 0u);
  // VerifyMeasurement (ReturnMeasurement goes through the same helper and the same Review).
  VerifyMeasurementRequest verify;
  verify.set_name(m.name());
  Smuggle(&verify, kSmuggled);
  {
    Measurement verified;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Bureau("HOKURIKU"), absl::Seconds(10));
    ASSERT_OK(kpi_stub_->VerifyMeasurement(&ctx, verify, &verified));
  }
  // OverrideStatus.
  OverrideStatusRequest override_req;
  override_req.set_plan(plan.name());
  override_req.set_indicator_id("kgi-capex");
  override_req.set_status(PROGRESS_STATUS_ON_TRACK);
  override_req.set_reason("確定済みの投資");
  Smuggle(&override_req, kSmuggled);
  {
    StatusOverride out;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Bureau("HOKURIKU"), absl::Seconds(10));
    ASSERT_OK(kpi_stub_->OverrideStatus(&ctx, override_req, &out));
  }
  // UnlockPeriod: in its period.
  UnlockPeriodRequest unlock;
  unlock.set_plan(plan.name());
  unlock.mutable_period()->set_fiscal_year(2026);
  unlock.mutable_period()->set_half(FISCAL_HALF_H1);
  unlock.set_reason("統計の公表が遅れたため");
  Smuggle(unlock.mutable_period(), kSmuggled);
  {
    PeriodLock out;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Bureau("HOKURIKU"), absl::Seconds(10));
    ASSERT_OK(kpi_stub_->UnlockPeriod(&ctx, unlock, &out));
    EXPECT_EQ(UnknownBytes(out), 0u);
  }
  // AdvancePdcaCycle: in an action of ACT.
  AdvancePdcaCycleRequest advance;
  advance.set_plan(plan.name());
  advance.set_to_phase(PDCA_PHASE_DO);
  ASSERT_OK(Advance(Prefecture(kToyama), advance, nullptr));
  advance.set_to_phase(PDCA_PHASE_CHECK);
  advance.set_findings("順調");
  ASSERT_OK(Advance(Prefecture(kToyama), advance, nullptr));
  advance.clear_findings();
  advance.set_to_phase(PDCA_PHASE_ACT);
  ImprovementAction* action = advance.add_actions();
  action->set_description("継続");
  action->set_owner("富山県");
  action->set_due_date("2027-03-31");
  Smuggle(action, kSmuggled);
  Smuggle(advance.mutable_period(), kSmuggled);
  ASSERT_OK(Advance(Prefecture(kToyama), advance, nullptr));

  // Served: nothing of them comes back to a viewer.
  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Viewer(), plan.name(), &list, /*history=*/true));
  EXPECT_EQ(UnknownBytes(list), 0u);
  EXPECT_LT(list.ByteSizeLong(), 10'000u);
  PdcaCycle cycle;
  ASSERT_OK(Cycle(Viewer(), plan, &cycle));
  ASSERT_EQ(cycle.actions_size(), 1);
  EXPECT_EQ(UnknownBytes(cycle), 0u);
  PlanProgress progress;
  ASSERT_OK(Progress(Viewer(), plan.name(), &progress));
  EXPECT_EQ(UnknownBytes(progress), 0u);
  // Stored: every hash of the plan is small.
  for (const char* key : {"m:", "o:", "unlock:", "pdca:"}) {
    EXPECT_LT(Count(absl::StrCat("MEMORY USAGE rfs:kpi:", key, id)), 20'000) << key;
  }
  EXPECT_LT(Count("MEMORY USAGE 'rfs:kpi:h:" + id + ":kgi-capex|2026-H2'"), 20'000);
}

// ACT on a cycle that is already complete is refused, and the plan is not moved; nor does a
// cycle of a half year that has not begun move at all.
TEST_F(KpiTest, ARefusedActNeverMovesThePlanAndFutureCyclesDoNotMove) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan, PLAN_STAGE_PUBLISHED));
  AdvancePdcaCycleRequest req = ToCheck(plan);
  ImprovementAction* action = req.add_actions();
  action->set_description("継続");
  action->set_owner("富山県");
  action->set_due_date("2027-03-31");
  PdcaCycle done;
  ASSERT_OK(Advance(Prefecture(kToyama), req, &done));  // complete, no revision asked
  EXPECT_FALSE(done.revision_requested());

  req.set_request_revision(true);
  req.set_comment("again");
  const grpc::Status again = Advance(Prefecture(kToyama), req, nullptr);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << again.error_message();
  Plan now;
  ASSERT_OK(Get(Viewer(), plan.name(), &now));
  EXPECT_EQ(now.stage(), PLAN_STAGE_PUBLISHED) << "a refused ACT moved the plan";
  EXPECT_EQ(now.version(), plan.version());

  // FY2027 H1 begins in April 2027: its cycle does not move today.
  AdvancePdcaCycleRequest future;
  future.set_plan(plan.name());
  future.mutable_period()->set_fiscal_year(2027);
  future.mutable_period()->set_half(FISCAL_HALF_H1);
  future.set_to_phase(PDCA_PHASE_DO);
  PdcaCycle ignored;
  grpc::ClientContext ctx;
  PrepareCall(&ctx, Prefecture(kToyama), absl::Seconds(10));
  const grpc::Status s = kpi_stub_->AdvancePdcaCycle(&ctx, future, &ignored);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(s), "period") << s.error_message();
  EXPECT_EQ(Count("HLEN rfs:kpi:pdca:" + PlanId(plan)), 1);
}

// Four eyes: whoever reported a value (or last corrected it) does not verify or return it,
// also with a token of another role.
TEST_F(KpiTest, WhoReportedAValueDoesNotReviewIt) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  const std::string as_clerk = Token(Role::kPrefecture, kToyama, "", "tanaka");
  const std::string as_bureau = Token(Role::kBureau, "", "HOKURIKU", "tanaka");
  const Measurement m =
      MustRecord(as_clerk, Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
  const int64_t outbox = OutboxLength();
  Measurement out;
  EXPECT_EQ(Verify(as_bureau, m.name(), &out).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(SendBack(as_bureau, m.name(), "桁が違います").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(OutboxLength(), outbox) << "a refused review wrote an event";
  // Someone else reviews it; then the first person corrects it, and may not verify that either.
  ASSERT_OK(Verify(Bureau("HOKURIKU"), m.name(), &out));
  EXPECT_EQ(out.state(), MEASUREMENT_STATE_VERIFIED);
  EXPECT_EQ(out.reviewed_by(), "bureau-HOKURIKU");
  const std::string as_secretariat = Token(Role::kSecretariat, "", "", "suzuki");
  const std::string suzuki_clerk = Token(Role::kPrefecture, kToyama, "", "suzuki");
  MustRecord(suzuki_clerk, Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 51 * kOku));
  EXPECT_EQ(Verify(as_secretariat, m.name()).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_OK(Verify(as_bureau, m.name(), &out));  // tanaka did not make this correction
  EXPECT_EQ(out.reported_by(), "suzuki");
  EXPECT_EQ(out.reviewed_by(), "tanaka");
}

// A bearer scheme in lower case is a bearer token (RFC 6750 names it case-insensitively): the
// revision ACT asks for reaches the registry as the caller, in the canonical form.
TEST_F(KpiTest, AnActWithALowerCaseBearerMovesThePlanAsTheCaller) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan, PLAN_STAGE_PUBLISHED));
  auto advance = [&](AdvancePdcaCycleRequest req) {
    req.set_plan(plan.name());
    req.mutable_period()->set_fiscal_year(2026);
    req.mutable_period()->set_half(FISCAL_HALF_H2);
    PdcaCycle out;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    ctx.AddMetadata("authorization", "bearer  " + Prefecture(kToyama) + " ");
    return kpi_stub_->AdvancePdcaCycle(&ctx, req, &out);
  };
  AdvancePdcaCycleRequest req;
  req.set_to_phase(PDCA_PHASE_DO);
  ASSERT_OK(advance(req));
  req.set_to_phase(PDCA_PHASE_CHECK);
  req.set_findings("見直しが必要");
  ASSERT_OK(advance(req));
  req.clear_findings();
  req.set_to_phase(PDCA_PHASE_ACT);
  req.set_request_revision(true);
  ImprovementAction* action = req.add_actions();
  action->set_description("目標を見直す");
  action->set_owner("富山県");
  action->set_due_date("2027-03-31");
  ASSERT_OK(advance(req));
  Plan now;
  ASSERT_OK(Get(Viewer(), plan.name(), &now));
  EXPECT_EQ(now.stage(), PLAN_STAGE_REVISING);
  EXPECT_EQ(now.updated_by(), "pref-160008");
}

// The review's figures: a prefecture replaces the 160 indicators of its own draft (4,000-
// character descriptions, 1.9 MB a version) 60 times. rfs-kpi keeps what it computes with: a
// slim snapshot, and removed indicators only while they have values.
TEST_F(KpiTest, ReplacingIndicatorsCostsRfsKpiOnlyWhatItComputesWith) {
  Plan draft = CompletePlanB();
  const std::string description = [] {
    std::string d;
    for (int i = 0; i < 4000; ++i) d += "説";
    return d;
  }();
  const int base = draft.indicators_size();
  for (int i = 0; i < 160; ++i) {
    Indicator* ind = AddTopicIndicator(&draft, "kpi-x", INDICATOR_KIND_KPI,
                                       INDICATOR_TOPIC_UNSPECIFIED, 1000);
    ind->set_unit(INDICATOR_UNIT_COUNT);
    ind->set_unit_label("件");
    ind->set_description(description);
  }
  Plan plan;
  const std::string clerk = Prefecture(kToyama);
  for (int round = 0; round < 60; ++round) {
    for (int i = 0; i < 160; ++i) {
      draft.mutable_indicators(base + i)->set_id(absl::StrCat("kpi-r", round, "-", i));
    }
    if (round == 0) {
      ASSERT_OK(Create(clerk, draft, &plan));
      draft.set_name(plan.name());
    } else {
      draft.set_etag(plan.etag());
      ASSERT_OK(Update(clerk, draft, "indicators", &plan));
    }
    ASSERT_TRUE(kpi_->tracker().RefreshPlan(PlanId(plan)).ok()) << round;
  }
  ASSERT_GT(plan.ByteSizeLong(), 1'900'000u);
  const std::string id = PlanId(plan);
  EXPECT_EQ(Count("HLEN rfs:kpi:gone:" + id), 0) << "indicators without values are forgotten";
  EXPECT_LT(Count("STRLEN rfs:kpi:plan:" + id), 100'000) << "the snapshot keeps no descriptions";
  // Everything rfs-kpi holds of the plan.
  int64_t held = 0;
  for (const char* key : {"plan:", "m:", "c:"}) {
    held += Count(absl::StrCat("MEMORY USAGE rfs:kpi:", key, id));
  }
  EXPECT_LT(held, 256 * 1024) << "113 MiB in the review";
  // Many readers of the heavy plan at once, and a reader of another plan: none is refused.
  Plan other;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanA(), &other));
  std::vector<std::thread> readers;
  std::atomic<int> failed{0};
  for (int i = 0; i < 16; ++i) {
    readers.emplace_back([&, i] {
      PlanProgress progress;
      const grpc::Status s =
          Progress(i == 0 ? Viewer() : clerk, i == 0 ? other.name() : plan.name(), &progress);
      if (!s.ok()) {
        ADD_FAILURE() << s.error_message();
        ++failed;
      }
    });
  }
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(failed.load(), 0);
}

// A removed indicator is kept, slim, while it has values, and shows as removed with them; one
// without values is forgotten.
TEST_F(KpiTest, ARemovedIndicatorIsKeptSlimWhileItHasValues) {
  Plan draft = CompletePlanB();
  AddTopicIndicator(&draft, "kpi-spare", INDICATOR_KIND_KPI, INDICATOR_TOPIC_UNSPECIFIED, 1000);
  std::string description;
  for (int i = 0; i < 4000; ++i) description += "説";
  for (Indicator& ind : *draft.mutable_indicators()) ind.set_description(description);
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(draft, &plan, PLAN_STAGE_PUBLISHED));
  MustRecord(Prefecture(kToyama),
             Req(plan, "kpi-inside-sales", 2026, FISCAL_HALF_H2, 5 * kOku));
  ASSERT_OK(Transition(Secretariat(), plan.name(), PLAN_STAGE_REVISING, &plan));
  Plan revised = plan;
  for (int i = revised.indicators_size() - 1; i >= 0; --i) {
    const std::string& id = revised.indicators(i).id();
    if (id == "kpi-inside-sales" || id == "kpi-spare") {
      revised.mutable_indicators()->DeleteSubrange(i, 1);
    }
  }
  ASSERT_EQ(revised.indicators_size(), plan.indicators_size() - 2);
  ASSERT_OK(Update(Prefecture(kToyama), revised, "indicators", &plan));
  ASSERT_TRUE(kpi_->tracker().RefreshPlan(PlanId(plan)).ok());
  const std::string id = PlanId(plan);
  EXPECT_EQ(Count("HLEN rfs:kpi:gone:" + id), 1) << "only the indicator with values is kept";
  EXPECT_LT(Count("HSTRLEN rfs:kpi:gone:" + id + " kpi-inside-sales"), 1000);
  EXPECT_LT(Count("STRLEN rfs:kpi:plan:" + id), 20'000);
  PlanProgress progress;
  ASSERT_OK(Progress(Viewer(), plan.name(), &progress));
  const IndicatorProgress* removed = Find(progress, "kpi-inside-sales");
  ASSERT_NE(removed, nullptr);
  EXPECT_TRUE(removed->removed());
  EXPECT_EQ(removed->reported().value(), 5 * kOku);
  EXPECT_EQ(Find(progress, "kpi-spare"), nullptr);
  for (const IndicatorProgress& p : progress.indicators()) {
    EXPECT_TRUE(p.indicator().description().empty()) << p.indicator().id();
  }
}

// One plan's values, histories and cycles are bounded (--max_plan_kpi_mib): a correction past
// the bound is RESOURCE_EXHAUSTED naming the plan, and writes nothing.
TEST_F(KpiTest, APlanHoldsAtMostItsBound) {
  plan_bytes_limit_ = 64 * 1024;
  ASSERT_NO_FATAL_FAILURE(StartKpi());
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  std::string note;
  for (int i = 0; i < 2000; ++i) note += "注";
  grpc::Status refused;
  int written = 0;
  for (int i = 0; i < 40 && refused.ok(); ++i) {
    RecordMeasurementRequest req = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, (50 + i) * kOku);
    req.set_note(note);
    refused = Record(Prefecture(kToyama), req);
    if (refused.ok()) ++written;
  }
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_TRUE(absl::StrContains(refused.error_message(), plan.name())) << refused.error_message();
  EXPECT_GT(written, 2);
  EXPECT_LT(written, 12);  // ~12 KB a correction (the value and its history entry)
  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Viewer(), plan.name(), &list, /*history=*/true));
  ASSERT_EQ(list.measurements_size(), 1);
  EXPECT_EQ(list.measurements(0).value(), (50 + written - 1) * kOku) << "the refused write wrote";
  EXPECT_EQ(list.measurements(0).history_size(), written);
  // Another plan is not affected.
  Plan other;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &other));
  MustRecord(Prefecture(kToyama), Req(other, "kgi-capex", 2026, FISCAL_HALF_H2, 50 * kOku));
}

// The GetProgress answers kept in process are bounded in bytes.
TEST_F(KpiTest, KeptProgressIsBoundedInBytes) {
  progress_cache_bytes_ = 40 * 1024;
  ASSERT_NO_FATAL_FAILURE(StartKpi());
  for (int i = 0; i < 8; ++i) {
    Plan plan;
    ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
    PlanProgress progress;
    ASSERT_OK(Progress(Viewer(), plan.name(), &progress));
    EXPECT_LE(kpi_->tracker().progress_cache_bytes(), 40u * 1024) << i;
  }
  EXPECT_GT(kpi_->tracker().progress_cache_bytes(), 0u);
}

// Every write of rfs-kpi counts against its writer's quota (the kit's, as in every service):
// past it a write gets RESOURCE_EXHAUSTED with the delay (also as a google.rpc.RetryInfo) and
// writes nothing; others are not affected, and the plan sync (the service's own) never is.
// With 3 writes a minute, 7 quick writes span at most two minutes, so one of them is refused.
TEST_F(KpiTest, EveryWriteCountsAgainstTheWritersQuota) {
  kpi_quota_ = {3, 0};
  ASSERT_NO_FATAL_FAILURE(StartKpi());
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  auto refused_after = [&](const std::function<grpc::Status(int)>& write) {
    grpc::Status s;
    std::string keys, outbox;
    int writes = 0;
    for (; writes < 7; ++writes) {
      keys = redis_->Cli("DBSIZE");
      outbox = redis_->Cli("XLEN rfs:kpi:outbox");
      if (!(s = write(writes)).ok()) break;
    }
    EXPECT_LT(writes, 7);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
    const std::optional<absl::Duration> delay = RetryDelayOf(FromGrpcStatus(s));
    EXPECT_TRUE(delay.has_value()) << "no google.rpc.RetryInfo";
    if (delay.has_value()) {
      EXPECT_GT(*delay, absl::ZeroDuration());
      EXPECT_LE(*delay, absl::Seconds(60));
    }
    EXPECT_EQ(redis_->Cli("DBSIZE"), keys) << "the refused write left something behind";
    EXPECT_EQ(redis_->Cli("XLEN rfs:kpi:outbox"), outbox);
    return writes;
  };
  // An author's records and corrections.
  const int recorded = refused_after([&](int i) {
    return Record(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, (50 + i) * kOku));
  });
  ListMeasurementsResponse list;
  ASSERT_OK(Measurements(Viewer(), plan.name(), &list, /*history=*/true));
  ASSERT_EQ(list.measurements_size(), 1);
  EXPECT_EQ(list.measurements(0).history_size(), recorded);
  // A reviewer's overrides and unlocks.
  refused_after([&](int i) {
    if (i % 2 == 0) {
      return Override(Bureau("HOKURIKU"), plan.name(), "kgi-capex", PROGRESS_STATUS_ON_TRACK,
                      absl::StrCat("理由 ", i));
    }
    return Unlock(Bureau("HOKURIKU"), plan.name(), 2026, FISCAL_HALF_H1, absl::StrCat("理由 ", i));
  });
  // Someone else's quota; and the plan sync, the service's own work, is charged to nobody.
  MustRecord(Token(Role::kPrefecture, kToyama, "", "another-clerk"),
             Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, 10));
  EXPECT_TRUE(kpi_->tracker().RefreshPlan(PlanId(plan)).ok());
}

// Values are reported, and PDCA cycles move, for plans being implemented: from the governor's
// publication on (a plan in revision too); a draft or a withdrawn plan is refused, naming its
// stage, and nothing is written.
TEST_F(KpiTest, ValuesAreReportedOnlyForPlansBeingImplemented) {
  Plan draft;
  ASSERT_OK(Create(Prefecture(kToyama), CompletePlanB(), &draft));
  const int64_t outbox = OutboxLength();
  grpc::Status s = Record(Prefecture(kToyama), Req(draft, "kgi-capex", 2026, FISCAL_HALF_H2, kOku));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "DRAFTING")) << s.error_message();
  AdvancePdcaCycleRequest advance;
  advance.set_plan(draft.name());
  advance.set_to_phase(PDCA_PHASE_DO);
  s = Advance(Prefecture(kToyama), advance, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "DRAFTING")) << s.error_message();
  Plan withdrawn;
  ASSERT_OK(Transition(Secretariat(), draft.name(), PLAN_STAGE_WITHDRAWN, &withdrawn, "統合のため"));
  s = Record(Prefecture(kToyama), Req(withdrawn, "kgi-capex", 2026, FISCAL_HALF_H2, kOku));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "withdrawn")) << s.error_message();
  EXPECT_EQ(StoredMeasurements(draft), 0);
  EXPECT_EQ(OutboxLength(), outbox);
  // In revision after its publication, a plan is still being implemented.
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan, PLAN_STAGE_PUBLISHED));
  ASSERT_OK(Transition(Secretariat(), plan.name(), PLAN_STAGE_REVISING, &plan));
  MustRecord(Prefecture(kToyama), Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, kOku));
  // A unit mismatch names the unit's words and the enum value a client sends.
  RecordMeasurementRequest wrong_unit = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, 5);
  wrong_unit.set_unit(INDICATOR_UNIT_PERSONS);
  s = Record(Prefecture(kToyama), wrong_unit);
  EXPECT_EQ(FieldOf(s), "unit");
  EXPECT_TRUE(absl::StrContains(s.error_message(), "INDICATOR_UNIT_YEN")) << s.error_message();
}

// A history of any length is read in pages bounded by bytes (the review made one measurement's
// history 12 MB, which failed ListMeasurements for everyone): here 300 corrections with
// 2,000-character notes, 1.8 MB, through a server whose largest message is 256 KiB.
TEST_F(KpiTest, AHistoryOfAnyLengthIsReadInPages) {
  plan_bytes_limit_ = 64 << 20;
  config_.max_message_bytes = 256 << 10;
  ASSERT_NO_FATAL_FAILURE(StartKpi());
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  std::string note;
  for (int i = 0; i < 2000; ++i) note += "訂";
  constexpr int kWrites = 301;
  for (int i = 0; i < kWrites; ++i) {
    RecordMeasurementRequest req = Req(plan, "kgi-capex", 2026, FISCAL_HALF_H2, (10 + i) * kOku);
    req.set_note(note);
    ASSERT_OK(Record(Prefecture(kToyama), req));
  }
  MustRecord(Prefecture(kToyama), Req(plan, "kgi-talent", 2026, FISCAL_HALF_H2, 10));
  ListMeasurementsRequest req;
  req.set_plan(plan.name());
  req.set_include_history(true);
  std::vector<int64_t> revisions;
  std::set<std::string> names;
  int pages = 0;
  do {
    ListMeasurementsResponse page;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Viewer(), absl::Seconds(10));
    ASSERT_OK(kpi_stub_->ListMeasurements(&ctx, req, &page));
    ASSERT_LT(++pages, 100);
    EXPECT_LE(page.ByteSizeLong(), 256u << 10);
    for (const Measurement& m : page.measurements()) {
      names.insert(m.indicator_id());
      if (m.indicator_id() != "kgi-capex") continue;
      for (const MeasurementChange& c : m.history()) revisions.push_back(c.revision());
    }
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_GT(pages, 5);
  ASSERT_EQ(revisions.size(), static_cast<size_t>(kWrites)) << "every change once";
  for (int i = 0; i < kWrites; ++i) EXPECT_EQ(revisions[i], i + 1);
  EXPECT_EQ(names, (std::set<std::string>{"kgi-capex", "kgi-talent"}));
  // A token is bound to its filters.
  req.set_page_token("");
  ListMeasurementsResponse first;
  {
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Viewer(), absl::Seconds(10));
    ASSERT_OK(kpi_stub_->ListMeasurements(&ctx, req, &first));
  }
  req.set_page_token(first.next_page_token());
  req.set_include_history(false);
  ListMeasurementsResponse other;
  grpc::ClientContext ctx;
  PrepareCall(&ctx, Viewer(), absl::Seconds(10));
  const grpc::Status s = kpi_stub_->ListMeasurements(&ctx, req, &other);
  EXPECT_EQ(FieldOf(s), "page_token") << s.error_message();
}

// A plan is expected to report the half years it was public in: plans published now (late in
// FY2026 H2) owe nothing for FY2026 H1, which ended before (the review saw 24 of 30 such plans
// MISSING); one that reported for it anyway is counted as it stands.
TEST_F(KpiTest, HalfYearsBeforeThePlanWasPublicAreNotExpected) {
  Plan quiet, eager;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &quiet));
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanC(), &eager));
  ASSERT_OK(Unlock(Secretariat(), eager.name(), 2026, FISCAL_HALF_H1, "遡って報告"));
  MustRecord(Municipality(kKanazawaCity),
             Req(eager, "kgi-value-added", 2026, FISCAL_HALF_H1, kOku));
  ASSERT_TRUE(kpi_->tracker().SyncPlans().ok());
  ReportingStatus h1;
  ASSERT_OK(Reporting(Viewer(), 2026, FISCAL_HALF_H1, &h1));
  EXPECT_EQ(h1.missing(), 0);
  EXPECT_EQ(h1.expected(), 1);
  ASSERT_EQ(h1.plans_size(), 1);
  EXPECT_EQ(h1.plans(0).plan(), eager.name());
  EXPECT_EQ(h1.plans(0).state(), REPORT_STATE_INCOMPLETE);
  ReportingStatus h2;
  ASSERT_OK(Reporting(Viewer(), 2026, FISCAL_HALF_H2, &h2));
  EXPECT_EQ(h2.expected(), 2);
  EXPECT_EQ(Metric("rfs_reports_overdue",
                   {{"block", "HOKURIKU"}, {"fiscal_year", "2026"}, {"half", "H1"}}),
            1);  // the eager plan's incomplete report only
}

// rfsctl kpi import is bounded: a file over --max_lines is refused before anything is sent;
// the service's refusals are listed up to 50, then counted; the unlock hint comes only for
// locked half years.
TEST_F(KpiTest, RfsctlImportIsBoundedAndSaysWhatFits) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  const std::string header = "plan,indicator,period,value,breakdown,source,note,request_id\n";
  std::string six;
  for (int i = 0; i < 6; ++i) {
    absl::StrAppend(&six, PlanId(plan), ",kgi-capex,", 2026, i % 2 == 0 ? "-H2" : "-H1", ",", i,
                    ",,s,,r-", i, "\n");
  }
  auto [code, out] = RunImport(header + six, "--max_lines 5");
  EXPECT_EQ(code, 2) << out;
  EXPECT_TRUE(absl::StrContains(out, "--max_lines")) << out;
  EXPECT_EQ(StoredMeasurements(plan), 0);
  // 120 lines naming indicators the plan does not have: every one checked, 50 listed.
  std::string unknown;
  for (int i = 0; i < 120; ++i) {
    absl::StrAppend(&unknown, PlanId(plan), ",kpi-none-", i, ",2026-H2,1,,s,,\n");
  }
  std::tie(code, out) = RunImport(header + unknown);
  EXPECT_EQ(code, 10 + static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)) << out;
  int listed = 0;
  for (absl::string_view line : absl::StrSplit(out, '\n')) listed += absl::StartsWith(line, "rfsctl: line ");
  EXPECT_EQ(listed, 50) << out;
  EXPECT_TRUE(absl::StrContains(out, "and 70 more refused line(s)")) << out;
  EXPECT_TRUE(absl::StrContains(out, "refused 120 of 120 data row(s)")) << out;
  EXPECT_FALSE(absl::StrContains(out, "kpi unlock")) << "no half year was locked: " << out;
  // A locked half year: the hint says how to reopen it.
  std::tie(code, out) =
      RunImport(header + PlanId(plan) + ",kgi-capex,2026-H1,1,,s,,\n");
  EXPECT_EQ(code, 10 + static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION)) << out;
  EXPECT_TRUE(absl::StrContains(out, "kpi unlock")) << out;
  EXPECT_EQ(StoredMeasurements(plan), 0);
}

// Pages continue at a measurement, not at a position: values recorded between two pages are
// neither skipped nor make anything come twice, and a plan of many measurements is read to
// its end (a token names the next measurement and how much of its history was sent).
TEST_F(KpiTest, PagesNeitherSkipNorRepeatWhenValuesArriveBetweenThem) {
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  ASSERT_OK(Unlock(Secretariat(), plan.name(), 2026, FISCAL_HALF_H1, "まとめて報告"));
  std::vector<std::string> ids;
  for (const Indicator& indicator : plan.indicators()) ids.push_back(indicator.id());
  std::sort(ids.begin(), ids.end());
  ASSERT_GE(ids.size(), 4u);
  // H2 values of every indicator but the first; the first comes between pages.
  for (size_t i = 1; i < ids.size(); ++i) {
    MustRecord(Prefecture(kToyama), Req(plan, ids[i], 2026, FISCAL_HALF_H2, 1));
  }
  ListMeasurementsRequest req;
  req.set_plan(plan.name());
  req.set_page_size(1);
  std::vector<std::string> seen;
  int page = 0;
  do {
    ListMeasurementsResponse out;
    grpc::ClientContext ctx;
    PrepareCall(&ctx, Viewer(), absl::Seconds(10));
    ASSERT_OK(kpi_stub_->ListMeasurements(&ctx, req, &out));
    ASSERT_LE(out.measurements_size(), 1);
    for (const Measurement& m : out.measurements()) seen.push_back(m.name());
    if (++page == 2) {
      // Before the position: must not shift what comes next. After it: must come once.
      MustRecord(Prefecture(kToyama), Req(plan, ids[0], 2026, FISCAL_HALF_H2, 1));
      MustRecord(Prefecture(kToyama), Req(plan, ids.back(), 2026, FISCAL_HALF_H1, 1));
    }
    req.set_page_token(out.next_page_token());
    ASSERT_LT(page, 50);
  } while (!req.page_token().empty());
  std::vector<std::string> expected;
  for (size_t i = 1; i < ids.size(); ++i) {
    expected.push_back(MeasurementNameOf(plan, ids[i], "2026-H2"));
    if (i + 1 == ids.size()) expected.push_back(MeasurementNameOf(plan, ids[i], "2026-H1"));
  }
  // ids.back()'s H1 sorts before its H2.
  std::swap(expected[expected.size() - 1], expected[expected.size() - 2]);
  EXPECT_EQ(seen, expected);
}

// An ACT that the cycle's write would refuse for the caller's quota is refused before the plan
// moves (the plan stays PUBLISHED, the cycle in CHECK).
TEST_F(KpiTest, AnActOverTheQuotaMovesNeitherTheCycleNorThePlan) {
  kpi_quota_ = {0, 60'000};
  ASSERT_NO_FATAL_FAILURE(StartKpi());
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan, PLAN_STAGE_PUBLISHED));
  AdvancePdcaCycleRequest req = ToCheck(plan);
  req.set_request_revision(true);
  std::string description;
  for (int i = 0; i < 2000; ++i) description += "策";
  for (int i = 0; i < 50; ++i) {
    ImprovementAction* action = req.add_actions();
    action->set_description(description);
    action->set_owner("富山県");
    action->set_due_date("2027-03-31");
  }
  const grpc::Status s = Advance(Prefecture(kToyama), req, nullptr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
  Plan now;
  ASSERT_OK(Get(Viewer(), plan.name(), &now));
  EXPECT_EQ(now.stage(), PLAN_STAGE_PUBLISHED) << "the plan moved for a refused ACT";
  PdcaCycle cycle;
  ASSERT_OK(Cycle(Viewer(), plan, &cycle));
  EXPECT_EQ(cycle.phase(), PDCA_PHASE_CHECK);
}

// rfsctl kpi import waits for the write quota when the service says when to retry (writes a
// minute free up within a minute), so a file larger than a minute's quota is imported whole.
TEST_F(KpiTest, RfsctlImportWaitsForTheWriteQuota) {
  kpi_quota_ = {3, 0};
  ASSERT_NO_FATAL_FAILURE(StartKpi());
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(Publish(CompletePlanB(), &plan));
  std::string csv = "plan,indicator,period,value\n";
  int rows = 0;
  for (const Indicator& indicator : plan.indicators()) {
    if (rows == 4) break;
    absl::StrAppend(&csv, PlanId(plan), ",", indicator.id(), ",2026-H2,1\n");
    ++rows;
  }
  ASSERT_EQ(rows, 4);
  auto [code, out] = RunImport(csv);
  EXPECT_EQ(code, 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "the write quota is used up; waiting")) << out;
  EXPECT_EQ(StoredMeasurements(plan), 4) << out;
}

}  // namespace
}  // namespace rfs::testing
