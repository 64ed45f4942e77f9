// The base of a service's store: what every store over Redis needs and none should write again.
//   - its key space: every key under one prefix ("rfs:registry:"), Key("plan:A-00001");
//   - its outbox, `<prefix>outbox` (common/redis/outbox.h), which the host's gauges count;
//   - its Lua scripts, made of shared fragments (kOutboxLua, ...) and a body, registered here
//     and loaded into Redis by LoadScripts() at start, so a script Redis cannot compile stops
//     the service at start instead of failing its first write;
//   - reply decoding: integers, strings and protobuf messages, with one corrupt-data error
//     (DATA_LOSS, "stored data is unreadable: <what>") for anything not of our making.
// A derived store keeps only its own key layout, scripts and queries. Thread-safe once
// constructed (scripts are registered in constructors only).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/message_lite.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/redis/async_redis.h"
#include "common/redis/redis.h"

namespace rfs {

class RedisStore {
 public:
  RedisStore(RedisPool* pool, AsyncRedis* async, std::string prefix);
  virtual ~RedisStore();
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  // SCRIPT LOAD of every registered script, one round trip. Redis' compile error names the
  // script's first line. Calls also reload a script Redis forgot (NOSCRIPT), so this is about
  // failing early, not a precondition.
  absl::Status LoadScripts();

  // `prefix` + suffix.
  std::string Key(absl::string_view suffix) const;
  // The outbox stream's key.
  std::string OutboxKey() const { return Key("outbox"); }
  const std::string& prefix() const { return prefix_; }
  size_t script_count() const { return scripts_.size(); }

  // DATA_LOSS "stored data is unreadable: <what>".
  static absl::Status Corrupt(absl::string_view what);
  // An integer reply, or one whose string is an integer; Corrupt(what) otherwise.
  static absl::StatusOr<int64_t> IntegerOf(const redisReply* reply, absl::string_view what);
  // A string reply; Corrupt(what) otherwise.
  static absl::StatusOr<absl::string_view> StringOf(const redisReply* reply,
                                                    absl::string_view what);
  // Parses a string reply into `message`; Corrupt(what) when it is not one.
  static absl::Status ParseOf(const redisReply* reply, google::protobuf::MessageLite* message,
                              absl::string_view what);

  // Part of a list of `Message`s: at most `count` items from `offset`, and the list's length.
  template <typename Message>
  struct ListPart {
    std::vector<Message> items;
    int64_t length = 0;
  };
  // The parts of several lists, (key, offset) each, at most `count` items each, in one round
  // trip (for pages of histories that may be long).
  template <typename Message>
  absl::StatusOr<std::vector<ListPart<Message>>> ListRanges(
      const std::vector<std::pair<std::string, int64_t>>& lists, int64_t count,
      absl::string_view what) {
    absl::StatusOr<std::vector<RedisReplyPtr>> replies = ListRangeReplies(lists, count, what);
    if (!replies.ok()) return replies.status();
    std::vector<ListPart<Message>> parts(lists.size());
    for (size_t l = 0; l < lists.size(); ++l) {
      const redisReply* items = (*replies)[2 * l].get();
      parts[l].items.resize(items->elements);
      for (size_t i = 0; i < items->elements; ++i) {
        if (absl::Status s = ParseOf(items->element[i], &parts[l].items[i], what); !s.ok()) {
          return s;
        }
      }
      absl::StatusOr<int64_t> length = IntegerOf((*replies)[2 * l + 1].get(), what);
      if (!length.ok()) return length.status();
      parts[l].length = *length;
    }
    return parts;
  }
  template <typename Message>
  absl::StatusOr<ListPart<Message>> ListRange(const std::string& key, int64_t offset,
                                              int64_t count, absl::string_view what) {
    absl::StatusOr<std::vector<ListPart<Message>>> parts =
        ListRanges<Message>({{key, offset}}, count, what);
    if (!parts.ok()) return parts.status();
    return std::move((*parts)[0]);
  }

 protected:
  // Registers a script made of `parts` in order (shared fragments first, then the body). The
  // reference stays valid as long as the store; call from constructors (member initializers).
  const RedisScript& Script(std::initializer_list<absl::string_view> parts);

  RedisPool* const pool_;
  AsyncRedis* const async_;

 private:
  // LRANGE key offset offset+count-1 and LLEN key of each list, pipelined; every LRANGE reply
  // an array.
  absl::StatusOr<std::vector<RedisReplyPtr>> ListRangeReplies(
      const std::vector<std::pair<std::string, int64_t>>& lists, int64_t count,
      absl::string_view what);

  const std::string prefix_;
  std::vector<std::unique_ptr<RedisScript>> scripts_;
};

}  // namespace rfs
