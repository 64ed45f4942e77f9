#include "common/kit/plan_watch.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/backoff.h"
#include "common/base/logging.h"
#include "rfs/notification/v1/notification.grpc.pb.h"

namespace rfs {

PlanWatch::PlanWatch(Peer notification, std::vector<std::string> types, OnEvent on_event,
                     OnReset on_reset)
    : notification_(std::move(notification)),
      types_(std::move(types)),
      on_event_(std::move(on_event)),
      on_reset_(std::move(on_reset)) {}

PlanWatch::~PlanWatch() { Stop(); }

void PlanWatch::Start() { thread_ = std::thread([this] { Loop(); }); }

void PlanWatch::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

void PlanWatch::SetLive(bool live) {
  if (live_.exchange(live) != live) epoch_.fetch_add(1);
}

void PlanWatch::Loop() {
  Backoff backoff(absl::Milliseconds(200), absl::Seconds(10), 0.2);
  while (true) {
    const absl::Time started = absl::Now();
    RunStream();
    SetLive(false);
    // A stream that lived a while starts the backoff over.
    if (absl::Now() - started > absl::Seconds(30)) backoff.Reset();
    const absl::Duration wait = backoff.Next();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), wait)) return;
  }
}

void PlanWatch::RunStream() {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", notification_.token->Get()));
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    context_ = &context;
  }
  auto stub = notification::v1::Notification::NewStub(notification_.channel);
  notification::v1::WatchEventsRequest req;
  for (const std::string& t : types_) req.mutable_filter()->add_types(t);
  req.set_after_cursor(cursor_);
  std::unique_ptr<grpc::ClientReader<notification::v1::WatchEventsResponse>> reader =
      stub->WatchEvents(&context, req);
  notification::v1::WatchEventsResponse m;
  while (reader->Read(&m)) {
    switch (m.kind_case()) {
      case notification::v1::WatchEventsResponse::kEvent:
        on_event_(m.event().event());
        events_seen_.fetch_add(1);
        cursor_ = m.event().cursor();
        break;
      case notification::v1::WatchEventsResponse::kCaughtUp:
        cursor_ = m.caught_up().cursor();
        // Live again after a break (or for the first time): what was derived before may miss
        // changes whose events are still on their way (a producer's relay backing off while
        // rfs-notification was down), so it is dropped and derived afresh.
        on_reset_();
        SetLive(true);
        break;
      case notification::v1::WatchEventsResponse::kHeartbeat:
        cursor_ = m.heartbeat().cursor();
        break;
      default:
        break;
    }
  }
  const grpc::Status status = reader->Finish();
  {
    absl::MutexLock lock(&mu_);
    context_ = nullptr;
  }
  if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
    // The log was trimmed past the cursor: changes were missed. Start afresh.
    cursor_.clear();
    on_reset_();
  }
  if (status.error_code() != grpc::StatusCode::CANCELLED) {
    RFS_LOG(kDebug, "plan watch ended")
        .Field("code", static_cast<int>(status.error_code()))
        .Field("error", status.error_message());
  }
}

}  // namespace rfs
