// Raw Redis for store tests: commands run straight on a RedisPool, bypassing the store under
// test, to plant data and to read back what a script wrote. Every helper reports a failed
// command or an unexpected reply as a test failure (ADD_FAILURE / EXPECT) and returns a value
// that matches nothing a test expects; none of them aborts the test or crashes. Header only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/string_view.h"
#include "common/redis/redis.h"

namespace rfs::testing {

class RawRedis {
 public:
  // `pool` is not owned and must outlive this.
  explicit RawRedis(RedisPool* pool) : pool_(pool) {}

  // The reply to one command; nullptr (and a failed test) when it could not be run or Redis
  // answered with an error.
  RedisReplyPtr Raw(const std::vector<absl::string_view>& argv) {
    absl::StatusOr<RedisReplyPtr> reply = pool_->Command(argv);
    EXPECT_TRUE(reply.ok()) << Name(argv) << ": " << reply.status();
    if (!reply.ok()) return RedisReplyPtr();
    return *std::move(reply);
  }

  // A command that must succeed; its reply is not looked at.
  void Do(const std::vector<absl::string_view>& argv) { Raw(argv); }

  // An integer reply, or a string reply holding an integer (GET of a counter); -999 (and a
  // failed test) for anything else.
  int64_t Int(const std::vector<absl::string_view>& argv) {
    RedisReplyPtr r = Raw(argv);
    if (r == nullptr) return -999;
    if (r->type == REDIS_REPLY_INTEGER) return r->integer;
    int64_t value = 0;
    if (r->type == REDIS_REPLY_STRING && absl::SimpleAtoi(ReplyString(r.get()), &value)) {
      return value;
    }
    ADD_FAILURE() << Name(argv) << ": no integer reply (type " << r->type << ")";
    return -999;
  }

  // A string or status reply ("OK", a TYPE); "(nil)" for a nil reply. "(error)" when the
  // command failed and "(other)" for any other reply, each with a failed test.
  std::string Str(const std::vector<absl::string_view>& argv) {
    RedisReplyPtr r = Raw(argv);
    if (r == nullptr) return "(error)";
    if (r->type == REDIS_REPLY_NIL) return "(nil)";
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) {
      return std::string(ReplyString(r.get()));
    }
    ADD_FAILURE() << Name(argv) << ": no string reply (type " << r->type << ")";
    return "(other)";
  }

  // The strings of an array reply (KEYS, HGETALL, LRANGE, SMEMBERS), in the order Redis gave
  // them; empty (and a failed test) when the reply is no array of strings.
  std::vector<std::string> Strings(const std::vector<absl::string_view>& argv) {
    std::vector<std::string> out;
    RedisReplyPtr r = Raw(argv);
    if (r == nullptr) return out;
    if (r->type != REDIS_REPLY_ARRAY) {
      ADD_FAILURE() << Name(argv) << ": no array reply (type " << r->type << ")";
      return out;
    }
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* e = r->element[i];
      if (e->type != REDIS_REPLY_STRING && e->type != REDIS_REPLY_STATUS) {
        ADD_FAILURE() << Name(argv) << ": element " << i << " is no string (type " << e->type
                      << ")";
        return {};
      }
      out.emplace_back(ReplyString(e));
    }
    return out;
  }

  // The entries of the stream at `key`, oldest first: each one's fields by name (a field
  // given twice keeps its last value). Empty for no stream; an unreadable reply fails the test.
  std::vector<std::map<std::string, std::string>> StreamEntries(absl::string_view key) {
    std::vector<std::map<std::string, std::string>> entries;
    RedisReplyPtr r = Raw({"XRANGE", key, "-", "+"});
    if (r == nullptr) return entries;
    if (r->type != REDIS_REPLY_ARRAY) {
      ADD_FAILURE() << "XRANGE " << key << ": no array reply (type " << r->type << ")";
      return entries;
    }
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* entry = r->element[i];
      if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
          entry->element[1]->type != REDIS_REPLY_ARRAY) {
        ADD_FAILURE() << "XRANGE " << key << ": entry " << i << " is not {id, fields}";
        continue;
      }
      const redisReply* fields = entry->element[1];
      std::map<std::string, std::string>& out = entries.emplace_back();
      for (size_t f = 0; f + 1 < fields->elements; f += 2) {
        out[std::string(ReplyString(fields->element[f]))] =
            std::string(ReplyString(fields->element[f + 1]));
      }
    }
    return entries;
  }

 private:
  // The command's name, for messages.
  static absl::string_view Name(const std::vector<absl::string_view>& argv) {
    return argv.empty() ? absl::string_view("(no command)") : argv[0];
  }

  RedisPool* pool_;
};

}  // namespace rfs::testing
