#include "common/redis/sentinel.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rfs {

absl::StatusOr<RedisEndpoint::Address> AskSentinels(const RedisEndpoint& endpoint,
                                                    absl::Duration timeout) {
  std::vector<std::string> said;
  const timeval tv = absl::ToTimeval(timeout);
  for (const RedisEndpoint::Address& s : endpoint.sentinels) {
    redisContext* c = redisConnectWithTimeout(s.host.c_str(), s.port, tv);
    std::string why;
    RedisEndpoint::Address primary;
    if (c == nullptr || c->err != 0) {
      why = c != nullptr ? c->errstr : "cannot allocate a context";
    } else if (redisSetTimeout(c, tv) != REDIS_OK) {
      why = "cannot set a timeout";
    } else {
      const char* argv[] = {"SENTINEL", "get-master-addr-by-name", endpoint.master_name.c_str()};
      auto* r = static_cast<redisReply*>(redisCommandArgv(c, 3, argv, nullptr));
      if (r == nullptr) {
        why = c->errstr;
      } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                 r->element[0]->type == REDIS_REPLY_STRING &&
                 r->element[1]->type == REDIS_REPLY_STRING &&
                 absl::SimpleAtoi(ReplyString(r->element[1]), &primary.port)) {
        primary.host = std::string(ReplyString(r->element[0]));
      } else if (r->type == REDIS_REPLY_ERROR) {
        why = std::string(ReplyString(r));
      } else {
        why = absl::StrCat("does not know a primary named ", endpoint.master_name);
      }
      if (r != nullptr) freeReplyObject(r);
    }
    if (c != nullptr) redisFree(c);
    if (!primary.host.empty()) return primary;
    said.push_back(absl::StrCat(s.host, ":", s.port, ": ", why));
  }
  return absl::UnavailableError(absl::StrCat("no Redis Sentinel named the primary ",
                                             endpoint.master_name, " (",
                                             absl::StrJoin(said, "; "), ")"));
}

absl::Status PrimaryRole(const redisReply* role) {
  if (role->type == REDIS_REPLY_ARRAY && role->elements > 0 &&
      ReplyString(role->element[0]) == "master") {
    return absl::OkStatus();
  }
  return absl::UnavailableError(
      "the Redis node the Sentinels named is not the primary (a failover is under way); "
      "asking again");
}

bool NoLongerPrimary(absl::string_view error) { return absl::StartsWith(error, "READONLY"); }

}  // namespace rfs
