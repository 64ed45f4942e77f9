#include "services/kpi/kpi_service.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/rpc.h"

namespace rfs::kpi {

grpc::Status KpiTrackingService::RecordMeasurement(grpc::ServerContext* ctx,
                                                   const v1::RecordMeasurementRequest* req,
                                                   v1::Measurement* resp) {
  return HandleUnary(*verifier_, ctx, resp, [&](const Principal& who) {
    return tracker_->RecordMeasurement(who, *req);
  });
}

grpc::Status KpiTrackingService::VerifyMeasurement(grpc::ServerContext* ctx,
                                                   const v1::VerifyMeasurementRequest* req,
                                                   v1::Measurement* resp) {
  return HandleUnary(*verifier_, ctx, resp, [&](const Principal& who) {
    return tracker_->VerifyMeasurement(who, *req);
  });
}

grpc::Status KpiTrackingService::ReturnMeasurement(grpc::ServerContext* ctx,
                                                   const v1::ReturnMeasurementRequest* req,
                                                   v1::Measurement* resp) {
  return HandleUnary(*verifier_, ctx, resp, [&](const Principal& who) {
    return tracker_->ReturnMeasurement(who, *req);
  });
}

grpc::Status KpiTrackingService::ListMeasurements(grpc::ServerContext* ctx,
                                                  const v1::ListMeasurementsRequest* req,
                                                  v1::ListMeasurementsResponse* resp) {
  return HandleUnary(*verifier_, ctx, resp, [&](const Principal& who) {
    return tracker_->ListMeasurements(who, *req);
  });
}

grpc::Status KpiTrackingService::GetProgress(grpc::ServerContext* ctx,
                                             const v1::GetProgressRequest* req,
                                             v1::PlanProgress* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return tracker_->GetProgress(who, *req); });
}

grpc::Status KpiTrackingService::OverrideStatus(grpc::ServerContext* ctx,
                                                const v1::OverrideStatusRequest* req,
                                                v1::StatusOverride* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return tracker_->OverrideStatus(who, *req); });
}

grpc::Status KpiTrackingService::UnlockPeriod(grpc::ServerContext* ctx,
                                              const v1::UnlockPeriodRequest* req,
                                              v1::PeriodLock* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return tracker_->UnlockPeriod(who, *req); });
}

grpc::Status KpiTrackingService::AggregateKgi(grpc::ServerContext* ctx,
                                              const v1::AggregateKgiRequest* req,
                                              v1::AggregateKgiResponse* resp) {
  return HandleUnary(*verifier_, ctx, resp,
                     [&](const Principal& who) { return tracker_->AggregateKgi(who, *req); });
}

grpc::Status KpiTrackingService::GetReportingStatus(grpc::ServerContext* ctx,
                                                    const v1::GetReportingStatusRequest* req,
                                                    v1::ReportingStatus* resp) {
  return HandleUnary(*verifier_, ctx, resp, [&](const Principal& who) {
    return tracker_->GetReportingStatus(who, *req);
  });
}

grpc::Status KpiTrackingService::GetPdcaCycle(grpc::ServerContext* ctx,
                                              const v1::GetPdcaCycleRequest* req,
                                              v1::PdcaCycle* resp) {
  return HandleUnary(*verifier_, ctx, resp, [&](const Principal& who) {
    return tracker_->GetPdcaCycle(who, *req);
  });
}

grpc::Status KpiTrackingService::AdvancePdcaCycle(grpc::ServerContext* ctx,
                                                  const v1::AdvancePdcaCycleRequest* req,
                                                  v1::PdcaCycle* resp) {
  return HandleUnary(*verifier_, ctx, resp, [&](const Principal& who) {
    // Authenticated already: the metadata holds "Bearer <token>".
    std::string token;
    auto it = ctx->client_metadata().find("authorization");
    if (it != ctx->client_metadata().end()) {
      absl::string_view value(it->second.data(), it->second.size());
      absl::ConsumePrefix(&value, "Bearer ");
      token = std::string(value);
    }
    return tracker_->AdvancePdcaCycle(who, *req, token);
  });
}

}  // namespace rfs::kpi
