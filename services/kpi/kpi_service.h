// gRPC adapter of rfs.kpi.v1.KpiTracking: every method is one HandleUnary (common/kit/rpc.h):
// authenticate, hand the request to the Tracker, map the absl::Status to grpc::Status. No logic
// lives here. All methods are synchronous: each is a few Redis round trips (and, for writes, a
// registry read), none is hot enough to be worth the callback API. Thread-safe.
#pragma once

#include "common/kit/auth.h"
#include "rfs/kpi/v1/kpi.grpc.pb.h"
#include "services/kpi/tracker.h"

namespace rfs::kpi {

class KpiTrackingService final : public v1::KpiTracking::Service {
 public:
  KpiTrackingService(Tracker* tracker, const TokenVerifier* verifier)
      : tracker_(tracker), verifier_(verifier) {}

  grpc::Status RecordMeasurement(grpc::ServerContext* ctx,
                                 const v1::RecordMeasurementRequest* req,
                                 v1::Measurement* resp) override;
  grpc::Status VerifyMeasurement(grpc::ServerContext* ctx,
                                 const v1::VerifyMeasurementRequest* req,
                                 v1::Measurement* resp) override;
  grpc::Status ReturnMeasurement(grpc::ServerContext* ctx,
                                 const v1::ReturnMeasurementRequest* req,
                                 v1::Measurement* resp) override;
  grpc::Status ListMeasurements(grpc::ServerContext* ctx, const v1::ListMeasurementsRequest* req,
                                v1::ListMeasurementsResponse* resp) override;
  grpc::Status GetProgress(grpc::ServerContext* ctx, const v1::GetProgressRequest* req,
                           v1::PlanProgress* resp) override;
  grpc::Status OverrideStatus(grpc::ServerContext* ctx, const v1::OverrideStatusRequest* req,
                              v1::StatusOverride* resp) override;
  grpc::Status UnlockPeriod(grpc::ServerContext* ctx, const v1::UnlockPeriodRequest* req,
                            v1::PeriodLock* resp) override;
  grpc::Status AggregateKgi(grpc::ServerContext* ctx, const v1::AggregateKgiRequest* req,
                            v1::AggregateKgiResponse* resp) override;
  grpc::Status GetReportingStatus(grpc::ServerContext* ctx,
                                  const v1::GetReportingStatusRequest* req,
                                  v1::ReportingStatus* resp) override;
  grpc::Status GetPdcaCycle(grpc::ServerContext* ctx, const v1::GetPdcaCycleRequest* req,
                            v1::PdcaCycle* resp) override;
  // Hands the caller's bearer token to the tracker, which acts on the caller's behalf when
  // ACT asks the registry for a revision.
  grpc::Status AdvancePdcaCycle(grpc::ServerContext* ctx, const v1::AdvancePdcaCycleRequest* req,
                                v1::PdcaCycle* resp) override;

 private:
  Tracker* tracker_;
  const TokenVerifier* verifier_;
};

}  // namespace rfs::kpi
