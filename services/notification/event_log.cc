#include "services/notification/event_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/status.h"
#include "services/notification/lua_scripts.h"

namespace rfs::notification {
namespace {

// lua/publish.lua, its keys and arguments by name: the order is the script's, in one place.
struct PublishCall {
  std::string log_key, added_key;
  std::string retention_ms, max_entries, seen_prefix, seen_ttl;
  QuotaArgs quota;
  std::string count;
  std::vector<std::string> tail;  // 3 per event: id, type, bytes

  std::vector<absl::string_view> Keys() const { return {log_key, added_key}; }
  std::vector<absl::string_view> Argv() const {
    std::vector<absl::string_view> argv = {retention_ms,     max_entries,    seen_prefix,
                                           seen_ttl,         quota.prefix,   quota.who,
                                           quota.per_minute, quota.per_hour, quota.bytes,
                                           count};
    argv.insert(argv.end(), tail.begin(), tail.end());
    return argv;
  }
};

absl::StatusOr<LogPosition> PositionOf(const redisReply* reply, absl::string_view what) {
  ASSIGN_OR_RETURN(const absl::string_view id, RedisStore::StringOf(reply, what));
  std::optional<LogPosition> p = LogPosition::Parse(id);
  if (!p.has_value()) return RedisStore::Corrupt(what);
  return *p;
}

}  // namespace

std::string LogPosition::ToString() const { return absl::StrCat(ms, "-", seq); }

std::optional<LogPosition> LogPosition::Parse(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  LogPosition p;
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty() ||
      !absl::SimpleAtoi(parts[0], &p.ms) || !absl::SimpleAtoi(parts[1], &p.seq)) {
    return std::nullopt;
  }
  return p;
}

EventLog::EventLog(RedisPool* pool, AsyncRedis* async, EventLogOptions options)
    : RedisStore(pool, async, "rfs:notification:"),
      options_(std::move(options)),
      publish_script_(Script({lua::kPublishLua})) {}

absl::StatusOr<EventLog::Published> EventLog::Publish(
    const std::vector<common::v1::Event>& events, const std::string& subject, bool counted) {
  PublishCall call;
  call.log_key = LogKey();
  call.added_key = AddedKey();
  call.retention_ms = absl::StrCat(absl::ToInt64Milliseconds(options_.retention));
  call.max_entries = absl::StrCat(options_.max_entries);
  call.seen_prefix = Key("seen:");
  call.seen_ttl = absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(options_.retention)));
  call.count = absl::StrCat(events.size());
  call.tail.reserve(events.size() * 3);
  int64_t bytes = 0;
  for (const common::v1::Event& e : events) {
    call.tail.push_back(e.id());
    call.tail.push_back(e.type());
    call.tail.push_back(e.SerializeAsString());
    bytes += static_cast<int64_t>(call.tail.back().size() + e.id().size());
  }
  call.quota = counted ? QuotaArgsOf(options_.quota, prefix(), subject, bytes) : NoQuota(prefix());
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(publish_script_, call.Keys(), call.Argv()));
  if (std::optional<QuotaRefusal> refusal = QuotaRefusalOf(reply.get())) {
    return OverQuota(subject, *refusal);
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) return Corrupt("publish reply");
  Published out;
  ASSIGN_OR_RETURN(const absl::string_view flags, StringOf(reply->element[2], "publish reply"));
  if (flags.size() != events.size()) return Corrupt("publish reply");
  out.appended_each.reserve(flags.size());
  for (const char c : flags) out.appended_each.push_back(c == '1');
  ASSIGN_OR_RETURN(const int64_t appended, IntegerOf(reply->element[0], "publish reply"));
  ASSIGN_OR_RETURN(const int64_t duplicates, IntegerOf(reply->element[1], "publish reply"));
  out.appended = static_cast<int>(appended);
  out.duplicates = static_cast<int>(duplicates);
  return out;
}

absl::StatusOr<LogEntry> EventLog::EntryOf(const redisReply* entry) {
  if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
      entry->element[1]->type != REDIS_REPLY_ARRAY) {
    return RedisStore::Corrupt("event log entry");
  }
  LogEntry e;
  ASSIGN_OR_RETURN(e.at.position, PositionOf(entry->element[0], "event log entry id"));
  const redisReply* fields = entry->element[1];
  bool found = false;
  for (size_t f = 0; f + 1 < fields->elements; f += 2) {
    const absl::string_view name = ReplyString(fields->element[f]);
    if (name == "n") {
      ASSIGN_OR_RETURN(e.at.ordinal,
                       RedisStore::IntegerOf(fields->element[f + 1], "event log ordinal"));
    } else if (name == "event") {
      ASSIGN_OR_RETURN(const absl::string_view bytes,
                       RedisStore::StringOf(fields->element[f + 1], "event log entry"));
      e.event.assign(bytes.data(), bytes.size());
      found = true;
    }
  }
  if (!found || e.at.ordinal <= 0) return RedisStore::Corrupt("event log entry");
  return e;
}

absl::StatusOr<std::vector<LogEntry>> EventLog::EntriesOf(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_ARRAY) return RedisStore::Corrupt("event log entries");
  std::vector<LogEntry> out;
  out.reserve(reply->elements);
  for (size_t i = 0; i < reply->elements; ++i) {
    ASSIGN_OR_RETURN(LogEntry e, EntryOf(reply->element[i]));
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::vector<LogEntry>> EventLog::Read(const LogPosition& after, int64_t count) {
  const std::string from = absl::StrCat("(", after.ToString());
  const std::string n = absl::StrCat(count);
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Command({"XRANGE", LogKey(), from, "+", "COUNT", n}));
  return EntriesOf(reply.get());
}

absl::StatusOr<std::vector<LogEntry>> EventLog::ReadBlocking(RedisPool* pool,
                                                             const LogPosition& after,
                                                             int64_t count, absl::Duration block) {
  const std::string n = absl::StrCat(count);
  const std::string ms = absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(block)));
  const std::string from = after.ToString();
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool->Command({"XREAD", "COUNT", n, "BLOCK", ms,
                                                       "STREAMS", LogKey(), from}));
  if (reply->type == REDIS_REPLY_NIL) return std::vector<LogEntry>();  // nothing came
  // [[key, [entries]]]
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1 ||
      reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements != 2) {
    return Corrupt("event log entries");
  }
  return EntriesOf(reply->element[0]->element[1]);
}

absl::StatusOr<LogCursor> EventLog::Tip() {
  const std::string log = LogKey();
  const std::string added = AddedKey();
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies,
                   lease.Pipeline({{"MULTI"},
                                   {"XREVRANGE", log, "+", "-", "COUNT", "1"},
                                   {"GET", added},
                                   {"EXEC"}}));
  const redisReply* exec = replies.back().get();
  if (exec->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(exec));
  if (exec->type != REDIS_REPLY_ARRAY || exec->elements != 2) return Corrupt("event log tip");
  ASSIGN_OR_RETURN(std::vector<LogEntry> last, EntriesOf(exec->element[0]));
  if (!last.empty()) return last[0].at;
  // Nothing kept: before every entry to come, having seen every entry ever added.
  LogCursor tip;
  if (exec->element[1]->type != REDIS_REPLY_NIL) {
    ASSIGN_OR_RETURN(tip.ordinal, IntegerOf(exec->element[1], "event log counter"));
  }
  return tip;
}

absl::StatusOr<LogBounds> EventLog::Bounds() {
  const std::string log = LogKey();
  const std::string added = AddedKey();
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies,
                   lease.Pipeline({{"MULTI"},
                                   {"GET", added},
                                   {"XLEN", log},
                                   {"XRANGE", log, "-", "+", "COUNT", "1"},
                                   {"EXEC"}}));
  // One snapshot: the counter and the stream as one script left them.
  const redisReply* exec = replies.back().get();
  if (exec->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(exec));
  if (exec->type != REDIS_REPLY_ARRAY || exec->elements != 3) return Corrupt("event log bounds");
  LogBounds bounds;
  int64_t total = 0;
  if (exec->element[0]->type != REDIS_REPLY_NIL) {
    ASSIGN_OR_RETURN(total, IntegerOf(exec->element[0], "event log counter"));
  }
  ASSIGN_OR_RETURN(bounds.length, IntegerOf(exec->element[1], "event log length"));
  bounds.trimmed = std::max<int64_t>(0, total - bounds.length);
  const redisReply* first = exec->element[2];
  if (first->type == REDIS_REPLY_ARRAY && first->elements == 1 &&
      first->element[0]->type == REDIS_REPLY_ARRAY && first->element[0]->elements == 2) {
    ASSIGN_OR_RETURN(bounds.first, PositionOf(first->element[0]->element[0], "event log entry id"));
  }
  return bounds;
}

LogCursor LogBounds::Oldest() const {
  LogCursor c;
  c.ordinal = trimmed;
  if (first.has_value()) {
    // The last position before the first entry kept.
    c.position = first->seq > 0 ? LogPosition{first->ms, first->seq - 1}
                                : LogPosition{first->ms - 1, ~uint64_t{0}};
  } else {
    // Nothing kept: continue from now on (the next entry comes at a later time).
    c.position = LogPosition{static_cast<uint64_t>(absl::ToUnixMillis(absl::Now())), 0};
  }
  return c;
}

}  // namespace rfs::notification
