#include "common/redis/redis_store.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/base/status.h"

namespace rfs {

RedisStore::RedisStore(RedisPool* pool, AsyncRedis* async, std::string prefix)
    : pool_(pool), async_(async), prefix_(std::move(prefix)) {}

RedisStore::~RedisStore() = default;

std::string RedisStore::Key(absl::string_view suffix) const { return absl::StrCat(prefix_, suffix); }

const RedisScript& RedisStore::Script(std::initializer_list<absl::string_view> parts) {
  std::string source;
  for (absl::string_view part : parts) absl::StrAppend(&source, part);
  scripts_.push_back(std::make_unique<RedisScript>(std::move(source)));
  return *scripts_.back();
}

absl::Status RedisStore::LoadScripts() {
  if (scripts_.empty()) return absl::OkStatus();
  std::vector<std::vector<absl::string_view>> commands;
  for (const auto& script : scripts_) commands.push_back({"SCRIPT", "LOAD", script->source()});
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
  for (size_t i = 0; i < replies.size(); ++i) {
    const redisReply* reply = replies[i].get();
    if (reply->type == REDIS_REPLY_ERROR) {
      const absl::string_view error = ReplyString(reply);
      // LOADING, OOM and the like are Redis' state; any other error is the script's own.
      absl::Status status = MapRedisError(error);
      if (status.code() != absl::StatusCode::kInternal) return status;
      return absl::InternalError(absl::StrCat("Lua script ", i + 1, " of ", prefix_,
                                              " does not compile: ", error));
    }
    if (reply->type != REDIS_REPLY_STRING || ReplyString(reply) != scripts_[i]->sha()) {
      return Corrupt("SCRIPT LOAD reply");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RedisReplyPtr>> RedisStore::ListRangeReplies(
    const std::vector<std::pair<std::string, int64_t>>& lists, int64_t count,
    absl::string_view what) {
  if (lists.empty()) return std::vector<RedisReplyPtr>();
  std::vector<std::string> bounds;
  bounds.reserve(2 * lists.size());
  for (const auto& [key, offset] : lists) {
    bounds.push_back(absl::StrCat(offset));
    bounds.push_back(absl::StrCat(offset + std::max<int64_t>(count, 1) - 1));
  }
  std::vector<std::vector<absl::string_view>> commands;
  commands.reserve(2 * lists.size());
  for (size_t l = 0; l < lists.size(); ++l) {
    commands.push_back({"LRANGE", lists[l].first, bounds[2 * l], bounds[2 * l + 1]});
    commands.push_back({"LLEN", lists[l].first});
  }
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
  for (size_t r = 0; r < replies.size(); ++r) {
    if (replies[r]->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(replies[r].get()));
    if (r % 2 == 0 && replies[r]->type != REDIS_REPLY_ARRAY) return Corrupt(what);
  }
  return replies;
}

absl::Status RedisStore::Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("stored data is unreadable: ", what));
}

absl::StatusOr<int64_t> RedisStore::IntegerOf(const redisReply* reply, absl::string_view what) {
  if (reply->type == REDIS_REPLY_INTEGER) return static_cast<int64_t>(reply->integer);
  int64_t value = 0;
  if (reply->type == REDIS_REPLY_STRING && absl::SimpleAtoi(ReplyString(reply), &value)) {
    return value;
  }
  return Corrupt(what);
}

absl::StatusOr<absl::string_view> RedisStore::StringOf(const redisReply* reply,
                                                       absl::string_view what) {
  if (reply->type != REDIS_REPLY_STRING) return Corrupt(what);
  return ReplyString(reply);
}

absl::Status RedisStore::ParseOf(const redisReply* reply, google::protobuf::MessageLite* message,
                                 absl::string_view what) {
  if (reply->type != REDIS_REPLY_STRING ||
      !message->ParseFromArray(reply->str, static_cast<int>(reply->len))) {
    return Corrupt(what);
  }
  return absl::OkStatus();
}

}  // namespace rfs
