#include "tests/support/sentinel_cluster.h"

#include <fstream>
#include <stdexcept>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/redis/sentinel.h"

namespace rfs::testing {

SentinelCluster::SentinelCluster() = default;

SentinelCluster::~SentinelCluster() {
  for (auto& s : sentinels_) s->Kill();
}

std::string SentinelCluster::CliAt(int port, const std::string& args) {
  return RunShell(absl::StrCat("redis-cli -p ", port, " ", args)).out;
}

void SentinelCluster::Start() {
  primary_port_ = FreeLoopbackPort();
  replica_port_ = FreeLoopbackPort();
  primary_ = std::make_unique<RedisServer>(
      primary_dir_.path(),
      std::vector<std::string>{"--port", absl::StrCat(primary_port_), "--bind", "127.0.0.1"});
  primary_->Start();
  replica_ = std::make_unique<RedisServer>(
      replica_dir_.path(),
      std::vector<std::string>{"--port", absl::StrCat(replica_port_), "--bind", "127.0.0.1",
                               "--replicaof", "127.0.0.1", absl::StrCat(primary_port_)});
  replica_->Start();
  for (int i = 0; i < 3; ++i) {
    const int port = FreeLoopbackPort();
    sentinel_ports_.push_back(port);
    const std::string conf = sentinel_dir_.File(absl::StrCat("sentinel-", i, ".conf"));
    std::ofstream(conf) << "port " << port << "\nbind 127.0.0.1\ndir " << sentinel_dir_.path()
                        << "\nsentinel monitor " << kMaster << " 127.0.0.1 " << primary_port_
                        << " 2\nsentinel down-after-milliseconds " << kMaster
                        << " 1000\nsentinel failover-timeout " << kMaster
                        << " 10000\nsentinel parallel-syncs " << kMaster << " 1\n";
    auto p = std::make_unique<Process>();
    p->Start({"redis-server", conf, "--sentinel"},
             sentinel_dir_.File(absl::StrCat("sentinel-", i, ".log")));
    sentinels_.push_back(std::move(p));
  }
  const bool ready = WaitFor([&] {
    if (!absl::StrContains(replica_->Cli("INFO replication"), "master_link_status:up")) {
      return false;
    }
    for (int port : sentinel_ports_) {
      if (!absl::StrContains(CliAt(port, absl::StrCat("SENTINEL replicas ", kMaster)),
                             absl::StrCat(replica_port_)) ||
          !absl::StrContains(CliAt(port, absl::StrCat("SENTINEL ckquorum ", kMaster)),
                             "OK 3 usable")) {
        return false;
      }
    }
    return true;
  }, absl::Seconds(30));
  if (!ready) {
    throw std::runtime_error("the Sentinels did not come to know the replica and each other; see " +
                             sentinel_dir_.path());
  }
}

std::string SentinelCluster::url() const {
  std::vector<std::string> hosts;
  for (int port : sentinel_ports_) hosts.push_back(absl::StrCat("127.0.0.1:", port));
  return absl::StrCat("redis+sentinel://", absl::StrJoin(hosts, ","), "/", kMaster);
}

RedisOptions SentinelCluster::options() const {
  RedisOptions options;
  options.endpoint = *ParseRedisUrl(url());
  options.pool_size = 4;
  options.connect_timeout = absl::Milliseconds(300);
  options.command_timeout = absl::Seconds(1);
  options.backoff_initial = absl::Milliseconds(20);
  options.backoff_max = absl::Milliseconds(200);
  return options;
}

int SentinelCluster::NamedPrimary() const {
  absl::StatusOr<RedisEndpoint::Address> a =
      AskSentinels(options().endpoint, absl::Seconds(1));
  return a.ok() ? a->port : 0;
}

}  // namespace rfs::testing
