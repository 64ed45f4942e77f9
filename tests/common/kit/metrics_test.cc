// Metrics: the families every service shares, registered in one place. (The RPC interceptor's
// counts are checked through a real server in server_test.cc and the services' tests.)
#include "common/kit/metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "rfs/testing/v1/kit.grpc.pb.h"

namespace rfs {
namespace {

// "{cache}/{result}" → value of rfs_cache_requests_total in `registry`.
std::map<std::string, double> CacheSeries(prometheus::Registry& registry) {
  std::map<std::string, double> out;
  int families = 0;
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != "rfs_cache_requests_total") continue;
    ++families;
    for (const prometheus::ClientMetric& m : f.metric) {
      std::string cache, result;
      for (const auto& label : m.label) {
        if (label.name == "cache") cache = label.value;
        if (label.name == "result") result = label.value;
      }
      out[cache + "/" + result] = m.counter.value;
    }
  }
  EXPECT_LE(families, 1);  // one family, whatever the number of caches
  return out;
}

TEST(Metrics, CachesCountInOneFamilyFromZero) {
  Metrics metrics;
  const CacheCounters report = CacheRequestCounters(metrics.registry(), "requirement_report");
  const CacheCounters progress = CacheRequestCounters(metrics.registry(), "kpi_progress");
  std::map<std::string, double> series = CacheSeries(metrics.registry());
  // Every series exists before the first lookup.
  EXPECT_EQ(series.size(), 4u);
  EXPECT_EQ(series["kpi_progress/hit"], 0);
  report.hit->Increment();
  report.hit->Increment();
  progress.miss->Increment();
  series = CacheSeries(metrics.registry());
  EXPECT_EQ(series["requirement_report/hit"], 2);
  EXPECT_EQ(series["requirement_report/miss"], 0);
  EXPECT_EQ(series["kpi_progress/miss"], 1);
  // Asking again for a cache gives the same counters, not a second family.
  EXPECT_EQ(CacheRequestCounters(metrics.registry(), "kpi_progress").miss, progress.miss);
}

// Series of grpc_server_started_total for `method`, and whether each is at zero.
int StartedSeries(prometheus::Registry& registry, const std::string& method, bool* all_zero) {
  int n = 0;
  for (const prometheus::MetricFamily& f : registry.Collect()) {
    if (f.name != "grpc_server_started_total") continue;
    for (const prometheus::ClientMetric& m : f.metric) {
      for (const auto& label : m.label) {
        if (label.name == "grpc_method" && label.value == method) {
          ++n;
          *all_zero &= m.counter.value == 0;
        }
      }
    }
  }
  return n;
}

TEST(Metrics, KnownMethodsHaveTheirSeriesFromTheStart) {
  Metrics metrics;
  bool zero = true;
  EXPECT_EQ(StartedSeries(metrics.registry(), "Echo", &zero), 0);
  metrics.KnowMethodsOf(rfs::testing::v1::Kit::service_full_name());
  EXPECT_GT(StartedSeries(metrics.registry(), "Echo", &zero), 0);
  EXPECT_TRUE(zero);  // dashboards see zeros, not gaps
  // The health service is known without asking.
  EXPECT_GT(StartedSeries(metrics.registry(), "Check", &zero), 0);
}

}  // namespace
}  // namespace rfs
