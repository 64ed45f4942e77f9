#include "services/kpi/kpi_service.h"

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "common/kit/rpc.h"

namespace rfs::kpi {

grpc::Status KpiTrackingService::RecordMeasurement(grpc::ServerContext* ctx,
                                                   const v1::RecordMeasurementRequest* req,
                                                   v1::Measurement* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->RecordMeasurement(who, request);
  });
}

grpc::Status KpiTrackingService::VerifyMeasurement(grpc::ServerContext* ctx,
                                                   const v1::VerifyMeasurementRequest* req,
                                                   v1::Measurement* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->VerifyMeasurement(who, request);
  });
}

grpc::Status KpiTrackingService::ReturnMeasurement(grpc::ServerContext* ctx,
                                                   const v1::ReturnMeasurementRequest* req,
                                                   v1::Measurement* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->ReturnMeasurement(who, request);
  });
}

grpc::Status KpiTrackingService::ListMeasurements(grpc::ServerContext* ctx,
                                                  const v1::ListMeasurementsRequest* req,
                                                  v1::ListMeasurementsResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->ListMeasurements(who, request);
  });
}

grpc::Status KpiTrackingService::GetProgress(grpc::ServerContext* ctx,
                                             const v1::GetProgressRequest* req,
                                             v1::PlanProgress* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->GetProgress(who, request);
  });
}

grpc::Status KpiTrackingService::OverrideStatus(grpc::ServerContext* ctx,
                                                const v1::OverrideStatusRequest* req,
                                                v1::StatusOverride* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->OverrideStatus(who, request);
  });
}

grpc::Status KpiTrackingService::UnlockPeriod(grpc::ServerContext* ctx,
                                              const v1::UnlockPeriodRequest* req,
                                              v1::PeriodLock* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->UnlockPeriod(who, request);
  });
}

grpc::Status KpiTrackingService::AggregateKgi(grpc::ServerContext* ctx,
                                              const v1::AggregateKgiRequest* req,
                                              v1::AggregateKgiResponse* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->AggregateKgi(who, request);
  });
}

grpc::Status KpiTrackingService::GetReportingStatus(grpc::ServerContext* ctx,
                                                    const v1::GetReportingStatusRequest* req,
                                                    v1::ReportingStatus* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->GetReportingStatus(who, request);
  });
}

grpc::Status KpiTrackingService::GetPdcaCycle(grpc::ServerContext* ctx,
                                              const v1::GetPdcaCycleRequest* req,
                                              v1::PdcaCycle* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    return tracker_->GetPdcaCycle(who, request);
  });
}

grpc::Status KpiTrackingService::AdvancePdcaCycle(grpc::ServerContext* ctx,
                                                  const v1::AdvancePdcaCycleRequest* req,
                                                  v1::PdcaCycle* resp) {
  return HandleUnary(*verifier_, ctx, req, resp, [&](const Principal& who, const auto& request) {
    // The token HandleUnary verified, as it read it (forwarded as "Bearer <token>").
    const absl::StatusOr<absl::string_view> token = BearerToken(*ctx);
    if (!token.ok()) return absl::StatusOr<v1::PdcaCycle>(token.status());
    return tracker_->AdvancePdcaCycle(who, request, std::string(*token));
  });
}

}  // namespace rfs::kpi
