// Integration fixture: a real redis-server on a private unix socket and a real rfs-registry
// gRPC server (in process, through the same RegistryServer wiring as the binary) on port 0.
// With start_requirements_ set (in the test class's constructor), rfs-requirements runs too,
// both on private unix sockets, the registry's submission gate calling it.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include "common/kit/auth.h"
#include "rfs/registry/v1/registry.grpc.pb.h"
#include "rfs/requirements/v1/requirements.grpc.pb.h"
#include "services/notification/notification_server.h"
#include "services/registry/registry_server.h"
#include "services/requirements/requirements_server.h"
#include "tests/support/plans.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs::testing {

class RegistryFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts (again) the registry on the fixture's Redis.
  void StartRegistry();
  // Starts (again) the requirement service; with metrics when `metrics` (port 0).
  void StartRequirements(bool metrics = false);
  // Starts rfs-notification in process (on a private unix socket, with notification_webhook_)
  // and points the registry's and the requirement service's outbox relays and plan watches
  // at it: restart them (StartRegistry, StartRequirements) for that to take effect.
  void StartNotification();

  // A token for a role (signed with the fixture's key).
  std::string Token(Role role, const std::string& body_code = "", const std::string& block = "",
                    const std::string& subject = "");
  std::string Secretariat() { return Token(Role::kSecretariat, "", "", "secretariat-1"); }
  std::string Bureau(const std::string& block = "HOKURIKU") {
    return Token(Role::kBureau, "", block, "bureau-" + block);
  }
  std::string Prefecture(const std::string& code) {
    return Token(Role::kPrefecture, code, "", "pref-" + code);
  }
  std::string Municipality(const std::string& code) {
    return Token(Role::kMunicipality, code, "", "city-" + code);
  }
  std::string Viewer() { return Token(Role::kViewer, "", "", "viewer-1"); }

  // Calls with a token and a deadline. Each returns the gRPC status; results go to `out`.
  grpc::Status Create(const std::string& token, const registry::v1::Plan& plan,
                      registry::v1::Plan* out, const std::string& request_id = "");
  grpc::Status Get(const std::string& token, const std::string& name, registry::v1::Plan* out,
                   int64_t version = 0);
  grpc::Status List(const std::string& token, const registry::v1::ListPlansRequest& req,
                    registry::v1::ListPlansResponse* out);
  grpc::Status Update(const std::string& token, const registry::v1::Plan& plan,
                      const std::string& mask, registry::v1::Plan* out);
  grpc::Status Transition(const std::string& token, const std::string& name,
                          registry::v1::PlanStage stage, registry::v1::Plan* out,
                          const std::string& comment = "", const std::string& etag = "");
  grpc::Status SignOff(const std::string& token, const std::string& name,
                       const std::string& author, registry::v1::Plan* out);

  // The requirement service's RPCs.
  grpc::Status Check(const std::string& token, const std::string& name,
                     requirements::v1::CheckPlanResponse* out, int64_t version = 0);
  grpc::Status CheckInline(const std::string& token, const registry::v1::Plan& plan,
                           requirements::v1::CheckPlanResponse* out);
  grpc::Status Review(const std::string& token, const std::string& name, const std::string& id,
                      requirements::v1::ReviewDecision decision, const std::string& comment,
                      requirements::v1::Review* out = nullptr, int64_t version = 0);
  grpc::Status ListReviews(const std::string& token, const std::string& name, bool history,
                           requirements::v1::ListReviewsResponse* out);
  grpc::Status Score(const std::string& token, const requirements::v1::ScorePriorityCompaniesRequest& req,
                     requirements::v1::ScorePriorityCompaniesResponse* out);

  // Creates a plan as the secretariat and returns it (fails the test on error).
  registry::v1::Plan MustCreate(const registry::v1::Plan& plan);

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<RedisServer> redis_;
  ServerConfig config_;
  VerificationKey key_;
  std::unique_ptr<registry::RegistryServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<registry::v1::PlanRegistry::Stub> stub_;

  // No write quota unless a test sets one (tests write far faster than people).
  WriteQuota write_quota_{0, 0};
  bool start_requirements_ = false;
  ServerConfig requirements_config_;
  std::unique_ptr<requirements::RequirementsServer> requirements_;
  std::unique_ptr<requirements::v1::RequirementCheck::Stub> requirements_stub_;
  notification::WebhookOptions notification_webhook_;
  std::unique_ptr<notification::NotificationServer> notification_;
};

}  // namespace rfs::testing
