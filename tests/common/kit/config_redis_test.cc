#include <gtest/gtest.h>

#include "common/domain/reference_data.h"
#include "common/redis/redis.h"
#include "tests/support/process.h"

namespace rfs {
namespace {

TEST(RedisUrl, TcpWithPasswordAndDb) {
  auto ep = ParseRedisUrl("redis://:s3cret@redis.rfs.svc:6380/2");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->host, "redis.rfs.svc");
  EXPECT_EQ(ep->port, 6380);
  EXPECT_EQ(ep->db, 2);
  EXPECT_EQ(ep->password, "s3cret");
  EXPECT_EQ(ep->Describe().find("s3cret"), std::string::npos);  // never shown in logs
}

TEST(RedisUrl, DefaultsAndIpv6) {
  auto ep = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, 6379);
  EXPECT_EQ(ep->db, 0);
  auto v6 = ParseRedisUrl("redis://[::1]:7000/1");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7000);
}

TEST(RedisUrl, UnixSocket) {
  auto ep = ParseRedisUrl("unix:///run/redis/redis.sock?db=3");
  ASSERT_TRUE(ep.ok()) << ep.status();
  EXPECT_EQ(ep->unix_path, "/run/redis/redis.sock");
  EXPECT_EQ(ep->db, 3);
}

TEST(RedisUrl, Sentinels) {
  auto ep = ParseRedisUrl("redis+sentinel://:s3cret@sentinel-0:26380,sentinel-1,[::1]:26381/rfs/2");
  ASSERT_TRUE(ep.ok()) << ep.status();
  ASSERT_TRUE(ep->through_sentinel());
  ASSERT_EQ(ep->sentinels.size(), 3u);
  EXPECT_EQ(ep->sentinels[0].host, "sentinel-0");
  EXPECT_EQ(ep->sentinels[0].port, 26380);
  EXPECT_EQ(ep->sentinels[1].port, 26379);  // the Sentinel default
  EXPECT_EQ(ep->sentinels[2].host, "::1");
  EXPECT_EQ(ep->master_name, "rfs");
  EXPECT_EQ(ep->db, 2);
  EXPECT_EQ(ep->password, "s3cret");
  EXPECT_EQ(ep->Describe(), "redis+sentinel://:***@sentinel-0:26380,sentinel-1:26379,::1:26381/rfs/2");
  for (const char* bad : {"redis+sentinel://s1:26379", "redis+sentinel://s1:26379/",
                          "redis+sentinel://s1:0/rfs", "redis+sentinel:///rfs",
                          "redis+sentinel://s1/rfs/x", "redis+sentinel://s1/rfs/16"}) {
    EXPECT_EQ(ParseRedisUrl(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RedisUrl, BadAddressesSayWhatIsWrong) {
  for (const char* bad : {"localhost:6379", "redis://host:0", "redis://host:x/1",
                          "redis://host/99", "unix://relative.sock", "redis://"}) {
    auto ep = ParseRedisUrl(bad);
    EXPECT_EQ(ep.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ReferenceData, LoadsTheShippedFiles) {
  auto ref = ReferenceData::Load(testing::DataDir());
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ((*ref)->prefectures().size(), 47u);
  EXPECT_EQ((*ref)->strategic_fields().size(), 17u);
  EXPECT_EQ((*ref)->blocks().size(), 10u);
  const PrefectureInfo* toyama = (*ref)->FindPrefecture("160008");
  ASSERT_NE(toyama, nullptr);
  EXPECT_EQ(toyama->block, "HOKURIKU");
  EXPECT_EQ(toyama->name_ja, "富山県");
  EXPECT_TRUE((*ref)->FindPrefecture("130001")->tokyo_area);
  EXPECT_FALSE((*ref)->FindPrefecture("230006")->tokyo_area);
  EXPECT_EQ((*ref)->FindStrategicField("QUANTUM")->name_ja, "量子");
  EXPECT_EQ((*ref)->FindBlock("ATLANTIS"), nullptr);
}

TEST(ReferenceData, ABrokenFileIsReportedWithItsLine) {
  testing::TempDir dir;
  std::system(("cp " + testing::DataDir() + "/*.csv " + dir.path()).c_str());
  std::system(("sed -i 's/^16,160008/16,160009/' " + dir.File("prefectures.csv")).c_str());
  auto ref = ReferenceData::Load(dir.path());
  ASSERT_FALSE(ref.ok());
  EXPECT_NE(ref.status().message().find("prefectures.csv:17"), std::string::npos)
      << ref.status();
}

TEST(Csv, QuotedFields) {
  EXPECT_EQ(SplitCsvLine("a,\"b,c\",\"d\"\"e\""),
            (std::vector<std::string>{"a", "b,c", "d\"e"}));
  EXPECT_EQ(SplitCsvLine("a,,b"), (std::vector<std::string>{"a", "", "b"}));
}

}  // namespace
}  // namespace rfs
