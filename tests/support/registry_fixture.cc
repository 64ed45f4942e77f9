#include "tests/support/registry_fixture.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/kit/client.h"

namespace rfs::testing {

using namespace registry::v1;

void RegistryFixture::SetUp() {
  dir_ = std::make_unique<TempDir>();
  redis_ = std::make_unique<RedisServer>(dir_->path());
  redis_->Start();
  std::ofstream(dir_->File("auth.key")) << "integration-test-secret-0123456789abcdef\n";
  key_ = *LoadVerificationKey(dir_->File("auth.key"));

  config_.service_name = "rfs-registry";
  config_.listen = "127.0.0.1:0";
  config_.metrics_listen = "";  // the exposer takes ~2 s to stop; tests that read it enable it
  config_.redis = redis_->options();
  config_.redis.pool_size = 8;
  config_.redis.command_timeout = absl::Seconds(2);
  config_.redis.backoff_max = absl::Milliseconds(200);
  config_.redis.acquire_timeout = absl::Seconds(2);
  config_.auth_key_file = dir_->File("auth.key");
  config_.data_dir = DataDir();
  config_.health_interval = absl::Milliseconds(50);
  config_.shutdown_grace = absl::Seconds(1);
  // No write quota unless a test sets one (tests write far faster than people).
  config_.write_quota = {0, 0};
  if (start_requirements_) {
    requirements_config_ = config_;
    requirements_config_.service_name = "rfs-requirements";
    requirements_config_.listen = "unix://" + dir_->File("requirements.sock");
    config_.listen = "unix://" + dir_->File("registry.sock");
    StartRequirements();
  }
  StartRegistry();
}

void RegistryFixture::StartRequirements(bool metrics) {
  requirements_.reset();
  requirements::RequirementsServerOptions options;
  options.ruleset_file = DataDir() + "/ruleset.json";
  options.registry = {config_.listen, absl::Seconds(5)};
  options.stats_interval = absl::Milliseconds(100);
  ServerConfig config = requirements_config_;
  config.metrics_listen = metrics ? "127.0.0.1:0" : "";
  auto server = requirements::RequirementsServer::Start(config, options);
  ASSERT_TRUE(server.ok()) << server.status();
  requirements_ = std::move(*server);
  ChannelOptions channel;
  channel.target = requirements_config_.listen;
  requirements_stub_ = requirements::v1::RequirementCheck::NewStub(MakeChannel(channel));
}

void RegistryFixture::StartNotification() {
  notification_.reset();
  ServerConfig config = config_;
  config.service_name = "rfs-notification";
  config.listen = "unix://" + dir_->File("notification.sock");
  config.notification_address.clear();
  notification::NotificationServerOptions options;
  options.stats_interval = absl::Milliseconds(100);
  options.webhook = notification_webhook_;
  auto server = notification::NotificationServer::Start(config, options);
  ASSERT_TRUE(server.ok()) << server.status();
  notification_ = std::move(*server);
  config_.notification_address = config.listen;
  requirements_config_.notification_address = config.listen;
}

void RegistryFixture::StartRegistry() {
  registry::RegistryServerOptions options;
  options.stats_interval = absl::Milliseconds(100);
  if (start_requirements_) {
    options.requirements = {requirements_config_.listen, absl::Seconds(5)};
  }
  ServerConfig config = config_;
  config.write_quota = write_quota_;
  auto server = registry::RegistryServer::Start(config, options);
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server);
  ChannelOptions channel;
  channel.target = absl::StartsWith(config_.listen, "unix://")
                       ? config_.listen
                       : absl::StrCat("127.0.0.1:", server_->port());
  channel_ = MakeChannel(channel);
  stub_ = PlanRegistry::NewStub(channel_);
}

void RegistryFixture::TearDown() {
  server_.reset();
  requirements_.reset();
  notification_.reset();
  redis_.reset();
  dir_.reset();
}

std::string RegistryFixture::Token(Role role, const std::string& body_code,
                                   const std::string& block, const std::string& subject) {
  TokenClaims claims;
  claims.subject = subject.empty() ? absl::StrCat("user-", RoleName(role)) : subject;
  claims.role = role;
  claims.body_code = body_code;
  claims.block = block;
  auto token = MintToken(key_, claims);
  EXPECT_TRUE(token.ok()) << token.status();
  return token.ok() ? *token : "";
}

namespace {
void Prepare(grpc::ClientContext* ctx, const std::string& token) {
  PrepareCall(ctx, token, absl::Seconds(10));
}
}  // namespace

grpc::Status RegistryFixture::Create(const std::string& token, const Plan& plan, Plan* out,
                                     const std::string& request_id) {
  CreatePlanRequest req;
  *req.mutable_plan() = plan;
  req.set_request_id(request_id);
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return stub_->CreatePlan(&ctx, req, out);
}

grpc::Status RegistryFixture::Get(const std::string& token, const std::string& name, Plan* out,
                                  int64_t version) {
  GetPlanRequest req;
  req.set_name(name);
  req.set_version(version);
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return stub_->GetPlan(&ctx, req, out);
}

grpc::Status RegistryFixture::List(const std::string& token, const ListPlansRequest& req,
                                   ListPlansResponse* out) {
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return stub_->ListPlans(&ctx, req, out);
}

grpc::Status RegistryFixture::Update(const std::string& token, const Plan& plan,
                                     const std::string& mask, Plan* out) {
  UpdatePlanRequest req;
  *req.mutable_plan() = plan;
  for (absl::string_view p : absl::StrSplit(mask, ',', absl::SkipEmpty())) {
    req.mutable_update_mask()->add_paths(std::string(p));
  }
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return stub_->UpdatePlan(&ctx, req, out);
}

grpc::Status RegistryFixture::Transition(const std::string& token, const std::string& name,
                                         PlanStage stage, Plan* out, const std::string& comment,
                                         const std::string& etag) {
  TransitionPlanRequest req;
  req.set_name(name);
  req.set_target_stage(stage);
  req.set_comment(comment);
  req.set_etag(etag);
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return stub_->TransitionPlan(&ctx, req, out);
}

grpc::Status RegistryFixture::SignOff(const std::string& token, const std::string& name,
                                      const std::string& author, Plan* out) {
  SignOffPlanRequest req;
  req.set_name(name);
  req.set_author_code(author);
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return stub_->SignOffPlan(&ctx, req, out);
}

grpc::Status RegistryFixture::Check(const std::string& token, const std::string& name,
                                    requirements::v1::CheckPlanResponse* out, int64_t version) {
  requirements::v1::CheckPlanRequest req;
  req.set_name(name);
  req.set_version(version);
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return requirements_stub_->CheckPlan(&ctx, req, out);
}

grpc::Status RegistryFixture::CheckInline(const std::string& token, const Plan& plan,
                                          requirements::v1::CheckPlanResponse* out) {
  requirements::v1::CheckPlanRequest req;
  *req.mutable_plan() = plan;
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return requirements_stub_->CheckPlan(&ctx, req, out);
}

grpc::Status RegistryFixture::Review(const std::string& token, const std::string& name,
                                     const std::string& id,
                                     requirements::v1::ReviewDecision decision,
                                     const std::string& comment, requirements::v1::Review* out,
                                     int64_t version) {
  requirements::v1::RecordReviewRequest req;
  req.set_name(name);
  req.set_requirement_id(id);
  req.set_decision(decision);
  req.set_comment(comment);
  req.set_version(version);
  requirements::v1::Review ignored;
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return requirements_stub_->RecordReview(&ctx, req, out != nullptr ? out : &ignored);
}

grpc::Status RegistryFixture::ListReviews(const std::string& token, const std::string& name,
                                          bool history,
                                          requirements::v1::ListReviewsResponse* out) {
  requirements::v1::ListReviewsRequest req;
  req.set_name(name);
  req.set_history(history);
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return requirements_stub_->ListReviews(&ctx, req, out);
}

grpc::Status RegistryFixture::Score(const std::string& token,
                                    const requirements::v1::ScorePriorityCompaniesRequest& req,
                                    requirements::v1::ScorePriorityCompaniesResponse* out) {
  grpc::ClientContext ctx;
  Prepare(&ctx, token);
  return requirements_stub_->ScorePriorityCompanies(&ctx, req, out);
}

Plan RegistryFixture::MustCreate(const Plan& plan) {
  Plan out;
  grpc::Status s = Create(Secretariat(), plan, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

}  // namespace rfs::testing
