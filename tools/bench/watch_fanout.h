// rfs-bench's WatchEvents fan-out (bench.cc reports it): `streams` watchers follow
// rfs-notification's log (callback client reactors over a few connections), then `events`
// events are published one a call, `interval` apart, each stamped with the wall-clock time it
// is sent;
// every watcher records, for every event it receives, the time from that stamp to its arrival.
// The figures: publish-to-delivery p50 / p99 / max over every delivery, deliveries per second,
// and rfs-notification's resident memory per open stream (VmRSS before and after the streams
// caught up).
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "rfs/notification/v1/notification.grpc.pb.h"

namespace rfs::bench {

struct FanoutResult {
  int streams = 0;
  int events = 0;
  int64_t delivered = 0;
  int failed_streams = 0;  // ended before the measurement was over
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double deliveries_per_s = 0;
  double rss_per_stream_kib = 0;
};

// An event of the public sample plan B-00001, as a producer would publish it, made at `time`.
inline common::v1::Event BenchEvent(const std::string& id, const std::string& type,
                                    absl::Time time) {
  common::v1::Event e;
  e.set_id(id);
  e.set_type(type);
  e.set_source("rfs-bench");
  e.set_plan("plans/B-00001");
  e.set_plan_type("B");
  e.set_block("HOKURIKU");
  e.add_prefecture_codes("160008");
  e.add_author_codes("160008");
  e.set_stage("PLAN_STAGE_PUBLISHED");
  e.set_plan_version(1);
  const int64_t ns = absl::ToUnixNanos(time);
  e.mutable_time()->set_seconds(ns / 1'000'000'000);
  e.mutable_time()->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  return e;
}

namespace fanout_internal {

namespace ntf = notification::v1;

// What every watcher adds to.
struct Tally {
  absl::Mutex mu;
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
  int caught_up ABSL_GUARDED_BY(mu) = 0;
  int done ABSL_GUARDED_BY(mu) = 0;
  int failed ABSL_GUARDED_BY(mu) = 0;
};

class Watcher : public grpc::ClientReadReactor<ntf::WatchEventsResponse> {
 public:
  Watcher(ntf::Notification::Stub* stub, const std::string& token, Tally* tally)
      : tally_(tally) {
    ctx_.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    stub->async()->WatchEvents(&ctx_, &request_, this);
    StartRead(&message_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone follows
    if (message_.has_caught_up()) {
      absl::MutexLock lock(&tally_->mu);
      ++tally_->caught_up;
    } else if (message_.has_event()) {
      const google::protobuf::Timestamp& sent = message_.event().event().time();
      const double ms =
          absl::ToDoubleMilliseconds(absl::Now() - (absl::FromUnixSeconds(sent.seconds()) +
                                                    absl::Nanoseconds(sent.nanos())));
      absl::MutexLock lock(&tally_->mu);
      tally_->latencies_ms.push_back(ms);
    }
    StartRead(&message_);
  }
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&tally_->mu);
    ++tally_->done;
    if (status.error_code() != grpc::StatusCode::CANCELLED) ++tally_->failed;
  }
  void Cancel() { ctx_.TryCancel(); }

 private:
  Tally* const tally_;
  grpc::ClientContext ctx_;
  ntf::WatchEventsRequest request_;
  ntf::WatchEventsResponse message_;
};

// Waits until `ready` (under the tally's lock) or `timeout`; false on timeout.
inline bool AwaitTally(Tally& t, absl::Duration timeout, bool (*ready)(const Tally&, int64_t),
                       int64_t arg) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    {
      absl::MutexLock lock(&t.mu);
      if (ready(t, arg)) return true;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

}  // namespace fanout_internal

// Runs the fan-out against rfs-notification at `target`: watchers with `watch_token`, events
// published with `publish_token` (the service role). `rss_kib` reads the server's resident
// memory (0 when unknown).
inline FanoutResult MeasureWatchFanout(const std::string& target, const std::string& watch_token,
                                       const std::string& publish_token, int streams,
                                       int events, absl::Duration interval,
                                       const std::function<int64_t()>& rss_kib) {
  using namespace fanout_internal;
  FanoutResult out;
  out.streams = streams;
  out.events = events;
  constexpr int kChannels = 8;
  std::vector<std::unique_ptr<ntf::Notification::Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("rfs.bench.fanout", i);  // distinct connections
    stubs.push_back(ntf::Notification::NewStub(
        grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args)));
  }
  Tally tally;
  const int64_t rss_before = rss_kib();
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < streams; ++i) {
    watchers.push_back(
        std::make_unique<Watcher>(stubs[i % kChannels].get(), watch_token, &tally));
  }
  const bool live = AwaitTally(
      tally, absl::Seconds(60),
      [](const Tally& t, int64_t n) { return t.caught_up + t.done >= n; }, streams);
  const int64_t rss_after = rss_kib();
  if (live && rss_before > 0 && rss_after > 0) {
    out.rss_per_stream_kib = static_cast<double>(rss_after - rss_before) / streams;
  }
  // The events: one a call, `interval` apart, each stamped as it is sent.
  const std::string run = absl::StrCat(absl::ToUnixNanos(absl::Now()));
  const absl::Time start = absl::Now();
  for (int i = 0; i < events && live; ++i) {
    ntf::PublishEventsRequest req;
    *req.add_events() = BenchEvent(absl::StrCat("bench/fanout/", run, "/", i), "plan.updated",
                                   absl::Now());
    ntf::PublishEventsResponse resp;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", publish_token));
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    (void)stubs[0]->PublishEvents(&ctx, req, &resp);
    const absl::Duration ahead = start + interval * (i + 1) - absl::Now();
    if (ahead > absl::ZeroDuration()) absl::SleepFor(ahead);
  }
  const int64_t expected = static_cast<int64_t>(streams) * events;
  AwaitTally(
      tally, absl::Seconds(60),
      [](const Tally& t, int64_t n) {
        return static_cast<int64_t>(t.latencies_ms.size()) >= n;
      },
      expected);
  const absl::Duration took = absl::Now() - start;
  for (auto& w : watchers) w->Cancel();
  if (!AwaitTally(
          tally, absl::Seconds(30), [](const Tally& t, int64_t n) { return t.done >= n; },
          streams)) {
    // A reactor gRPC has not finished with must not be destroyed: left, the process ends soon.
    for (auto& w : watchers) (void)w.release();
  }
  absl::MutexLock lock(&tally.mu);
  out.failed_streams = tally.failed;
  out.delivered = static_cast<int64_t>(tally.latencies_ms.size());
  out.deliveries_per_s = static_cast<double>(out.delivered) / absl::ToDoubleSeconds(took);
  std::vector<double>& l = tally.latencies_ms;
  if (!l.empty()) {
    std::sort(l.begin(), l.end());
    out.p50_ms = l[l.size() / 2];
    out.p99_ms = l[std::min(l.size() - 1, l.size() * 99 / 100)];
    out.max_ms = l.back();
  }
  return out;
}

}  // namespace rfs::bench
