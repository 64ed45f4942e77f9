// RedisGauges: the outbox backlog and Redis memory every service exports, read from a real
// redis-server in one round trip; what a scrape shows when Redis goes away.
#include "common/kit/redis_gauges.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs {
namespace {

// name → value of the gauges collected, each checked to carry {service="registry"}.
std::map<std::string, double> Values(const RedisGauges& gauges) {
  std::map<std::string, double> out;
  for (const prometheus::MetricFamily& family : gauges.Collect()) {
    EXPECT_EQ(family.metric.size(), 1u) << family.name;
    if (family.metric.empty()) continue;
    const prometheus::ClientMetric& m = family.metric[0];
    EXPECT_EQ(m.label.size(), 1u) << family.name;
    if (m.label.size() == 1) {
      EXPECT_EQ(m.label[0].name, "service");
      EXPECT_EQ(m.label[0].value, "registry");
    }
    out[family.name] = m.gauge.value;
  }
  return out;
}

TEST(RedisGauges, OutboxBacklogAndMemoryFromRedis) {
  testing::TempDir dir;
  testing::RedisServer redis(dir.path(), {"--maxmemory", "64mb"});
  redis.Start();
  RedisPool pool(redis.options());
  RedisGauges gauges(&pool, "registry", "rfs:registry:outbox", absl::Hours(1));
  for (int i = 1; i <= 3; ++i) {
    redis.Cli("XADD rfs:registry:outbox " + std::to_string(i) + "-1 id e" + std::to_string(i));
  }

  ASSERT_TRUE(gauges.Refresh().ok());
  std::map<std::string, double> values = Values(gauges);
  EXPECT_EQ(values["rfs_outbox_pending"], 3);
  EXPECT_GT(values["rfs_redis_memory_used_bytes"], 0);
  EXPECT_EQ(values["rfs_redis_memory_max_bytes"], 64 << 20);

  // Redis gone: the refresh fails and the last numbers stay until they are stale.
  redis.Kill();
  EXPECT_FALSE(gauges.Refresh().ok());
  values = Values(gauges);
  EXPECT_EQ(values["rfs_outbox_pending"], 3);
}

}  // namespace
}  // namespace rfs
