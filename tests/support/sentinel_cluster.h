// A Redis Sentinel setup for one test, on loopback: a primary and its replica (real
// redis-server processes on TCP ports, each with its own unix socket for redis-cli, AOF on with
// appendfsync always) and three Sentinels (redis-server --sentinel, quorum 2, a primary down
// after 1 s). Start() returns once the replica is in sync and every Sentinel knows it and the
// two other Sentinels, so a failover can be decided.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/redis/redis.h"
#include "tests/support/process.h"
#include "tests/support/redis_server.h"

namespace rfs::testing {

class SentinelCluster {
 public:
  static constexpr char kMaster[] = "rfs";

  SentinelCluster();
  ~SentinelCluster();
  void Start();

  // The nodes as started: `primary()` is the first primary, `replica()` the node a failover
  // promotes.
  RedisServer& primary() { return *primary_; }
  RedisServer& replica() { return *replica_; }
  int primary_port() const { return primary_port_; }
  int replica_port() const { return replica_port_; }
  const std::vector<int>& sentinel_ports() const { return sentinel_ports_; }

  // redis+sentinel://127.0.0.1:p1,…/rfs, and client options with it (short timeouts and
  // backoff, so a test sees a failover followed in seconds).
  std::string url() const;
  RedisOptions options() const;
  // The port of the node the Sentinels name as the primary now, or 0.
  int NamedPrimary() const;
  // redis-cli -p `port` `args` (a Sentinel, which has no unix socket).
  static std::string CliAt(int port, const std::string& args);

 private:
  TempDir primary_dir_, replica_dir_, sentinel_dir_;
  int primary_port_ = 0, replica_port_ = 0;
  std::vector<int> sentinel_ports_;
  std::unique_ptr<RedisServer> primary_, replica_;
  std::vector<std::unique_ptr<Process>> sentinels_;
};

}  // namespace rfs::testing
