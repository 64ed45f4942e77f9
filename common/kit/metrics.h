// Prometheus metrics of a process: one registry for the life of the process, the exposer
// serving /metrics, and a gRPC server interceptor that counts every RPC of every service with
// the standard labels (grpc_type, grpc_service, grpc_method, grpc_code) — so no handler has
// metrics code:
//   grpc_server_started_total, grpc_server_handled_total, grpc_server_handling_seconds.
// Only methods the server registered (KnowMethodsOf) get their own label values; calls to any
// other method name share grpc_service="unknown", grpc_method="unknown", so made-up method
// names cannot create series. The interceptor also writes one log line per request at debug
// level, and one per failed request at info (client errors) or error (server errors) level.
// Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/server_interceptor.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"

namespace rfs {

class GrpcServerMetrics;

// The hit and miss counters of one cache in rfs_cache_requests_total{cache,result}, the one
// family every service's caches count in (registered here only; a second cache of the same
// registry joins the family). Both series exist from the start, so rates see zeros, not gaps.
struct CacheCounters {
  prometheus::Counter* hit = nullptr;
  prometheus::Counter* miss = nullptr;
};
CacheCounters CacheRequestCounters(prometheus::Registry& registry, const std::string& cache);

class Metrics {
 public:
  Metrics();
  ~Metrics();

  // Serves /metrics on `listen` ("0.0.0.0:9101"; port 0 picks one). Errors (port in use) are
  // returned, not thrown.
  absl::Status StartExposer(const std::string& listen);
  // The port the exposer listens on, 0 when not started.
  int exposer_port() const;

  prometheus::Registry& registry() { return *registry_; }
  // Adds a collectable (e.g. domain gauges read from Redis) to /metrics. The caller keeps it
  // alive; the exposer holds a weak pointer.
  void RegisterCollectable(const std::shared_ptr<prometheus::Collectable>& collectable);

  // Exposes rfs_redis_round_trips_total{service}, read by `count` at each scrape (whatever it
  // reads must outlive the exposer).
  void CountRedisRoundTrips(const std::string& service, std::function<uint64_t()> count);

  // Gives every method of `service_full_name` (a service compiled into this binary, e.g.
  // "rfs.registry.v1.PlanRegistry") its own series, created now so dashboards see zeros. The
  // health and reflection services are always known. Call before the server starts.
  void KnowMethodsOf(const std::string& service_full_name);

  // rfs_ready: 1 while the replica is ready (its readiness check passes: it reaches Redis, and
  // the gRPC health service answers SERVING), 0 while not. Set by ServerRunner.
  void SetReady(bool ready);

  // For ServerBuilder::experimental().SetInterceptorCreators.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<GrpcServerMetrics> grpc_;
  prometheus::Gauge* ready_;
  std::vector<std::weak_ptr<prometheus::Collectable>> collectables_;
  std::vector<std::shared_ptr<prometheus::Collectable>> owned_collectables_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace rfs
