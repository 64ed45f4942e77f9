// rfs-bench's webhook delivery measure (bench.cc reports it): `subscriptions` subscriptions of
// one local receiver (the tests' HttpReceiver: a real HTTP/1.1 server on loopback, answering
// 204), then `events` events published in batches of 100 as fast as PublishEvents takes them;
// every subscription delivers every event. The figures: deliveries per second (from the first
// publish to the last arrival) and publish-to-arrival p50 / p99 over every delivery. rfs-
// notification must allow http:// and loopback for it (run.sh: --webhook_allow_http
// --webhook_allow_cidrs 127.0.0.0/8).
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rfs/notification/v1/notification.grpc.pb.h"
#include "tests/support/http_receiver.h"
#include "tools/bench/watch_fanout.h"

namespace rfs::bench {

struct WebhookResult {
  int subscriptions = 0;
  int events = 0;
  int64_t delivered = 0;
  double deliveries_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
  std::string error;  // why the measure did not run
};

inline WebhookResult MeasureWebhooks(const std::string& target, const std::string& owner_token,
                                     const std::string& publish_token, int subscriptions,
                                     int events) {
  namespace ntf = notification::v1;
  WebhookResult out;
  out.subscriptions = subscriptions;
  out.events = events;
  auto stub = ntf::Notification::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  const auto call = [](grpc::ClientContext* ctx, const std::string& token) {
    ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  };
  testing::HttpReceiver::Reply no_content;
  no_content.status = 204;
  testing::HttpReceiver receiver;
  receiver.SetDefault(no_content);
  for (int i = 0; i < subscriptions; ++i) {
    ntf::CreateSubscriptionRequest req;
    req.mutable_subscription()->set_url(receiver.Url());
    req.mutable_subscription()->set_description("rfs-bench");
    ntf::CreateSubscriptionResponse resp;
    grpc::ClientContext ctx;
    call(&ctx, owner_token);
    const grpc::Status s = stub->CreateSubscription(&ctx, req, &resp);
    if (!s.ok()) {
      out.error = s.error_message();
      return out;
    }
  }
  // Let every replica's dispatcher see the subscriptions before the events come.
  absl::SleepFor(absl::Seconds(1));
  const std::string run = absl::StrCat(absl::ToUnixNanos(absl::Now()));
  const absl::Time start = absl::Now();
  for (int sent = 0; sent < events;) {
    ntf::PublishEventsRequest req;
    for (int i = 0; i < 100 && sent < events; ++i, ++sent) {
      *req.add_events() =
          BenchEvent(absl::StrCat("bench/webhook/", run, "/", sent), "plan.updated", absl::Now());
    }
    ntf::PublishEventsResponse resp;
    grpc::ClientContext ctx;
    call(&ctx, publish_token);
    const grpc::Status s = stub->PublishEvents(&ctx, req, &resp);
    if (!s.ok()) {
      out.error = s.error_message();
      return out;
    }
  }
  const size_t expected = static_cast<size_t>(subscriptions) * events;
  receiver.WaitFor(expected, absl::Seconds(120));
  const std::vector<testing::HttpReceiver::Request> got = receiver.Requests();
  out.delivered = static_cast<int64_t>(got.size());
  std::vector<double> latencies;
  absl::Time last = start;
  for (const auto& r : got) {
    last = std::max(last, r.received);
    common::v1::Event e;
    if (!google::protobuf::util::JsonStringToMessage(r.body, &e).ok()) continue;
    const absl::Time sent =
        absl::FromUnixSeconds(e.time().seconds()) + absl::Nanoseconds(e.time().nanos());
    latencies.push_back(absl::ToDoubleMilliseconds(r.received - sent));
  }
  if (last > start) {
    out.deliveries_per_s = static_cast<double>(out.delivered) / absl::ToDoubleSeconds(last - start);
  }
  if (!latencies.empty()) {
    std::sort(latencies.begin(), latencies.end());
    out.p50_ms = latencies[latencies.size() / 2];
    out.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  }
  return out;
}

}  // namespace rfs::bench
