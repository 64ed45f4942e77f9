#include "services/notification/event_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "services/notification/lua_scripts.h"

namespace rfs::notification {
namespace {

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

EventLog::~EventLog() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &EventLog::IdleLocked));
}

void EventLog::PublishAsync(std::vector<Outgoing> events, const std::string& subject,
                            bool counted, PublishDone done) {
  int64_t bytes = 0;
  for (const Outgoing& e : events) bytes += static_cast<int64_t>(e.bytes.size() + e.id.size());
  Waiting call;
  call.quota = counted ? QuotaArgsOf(options_.quota, prefix(), subject, bytes) : NoQuota(prefix());
  call.subject = subject;
  call.events = std::move(events);
  call.done = std::move(done);
  std::vector<Waiting> batch;
  bool refused = false;
  {
    absl::MutexLock lock(&mu_);
    if (waiting_events_ + call.events.size() > kMaxWaitingEvents) {
      refused = true;
    } else {
      waiting_events_ += call.events.size();
      waiting_.push_back(std::move(call));
      batch = TakeBatchLocked();
    }
  }
  if (refused) {
    call.done(Bilingual(absl::StatusCode::kUnavailable,
                        "イベントログへの書き込みが混み合っています。しばらくしてから再試行してください",
                        "the event log is behind with writes; retry shortly"));
    return;
  }
  if (!batch.empty()) Send(std::move(batch));
}

std::vector<EventLog::Waiting> EventLog::TakeBatchLocked() {
  std::vector<Waiting> batch;
  if (waiting_.empty() || in_flight_ >= kBatchesInFlight) return batch;
  size_t events = 0;
  while (!waiting_.empty() &&
         (batch.empty() || events + waiting_.front().events.size() <= kMaxBatchEvents)) {
    events += waiting_.front().events.size();
    batch.push_back(std::move(waiting_.front()));
    waiting_.pop_front();
  }
  waiting_events_ -= events;
  ++in_flight_;
  return batch;
}

void EventLog::Send(std::vector<Waiting> batch) {
  // lua/publish.lua's keys and arguments, in its order.
  std::vector<std::string> keys = {LogKey(), AddedKey()};
  std::vector<std::string> args;
  size_t n = 6;
  for (const Waiting& call : batch) n += 5 + 3 * call.events.size();
  args.reserve(n);
  args.push_back(absl::StrCat(absl::ToInt64Milliseconds(options_.retention)));
  args.push_back(absl::StrCat(options_.max_entries));
  args.push_back(Key("seen:"));
  args.push_back(absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(options_.retention))));
  args.push_back(prefix());
  args.push_back(absl::StrCat(batch.size()));
  for (Waiting& call : batch) {
    args.push_back(call.quota.who);
    args.push_back(call.quota.per_minute);
    args.push_back(call.quota.per_hour);
    args.push_back(call.quota.bytes);
    args.push_back(absl::StrCat(call.events.size()));
    for (Outgoing& e : call.events) {
      args.push_back(std::move(e.id));  // the answer needs only how many there were
      args.push_back(std::move(e.type));
      args.push_back(std::move(e.bytes));
    }
  }
  async_->Eval(publish_script_, std::move(keys), std::move(args),
               [this, batch = std::move(batch)](absl::StatusOr<const redisReply*> reply) mutable {
                 Answer(batch, reply);
                 std::vector<Waiting> next;
                 {
                   absl::MutexLock lock(&mu_);
                   --in_flight_;
                   next = TakeBatchLocked();
                 }
                 if (!next.empty()) Send(std::move(next));
               });
}

void EventLog::Answer(std::vector<Waiting>& batch, absl::StatusOr<const redisReply*> reply) {
  if (!reply.ok()) {
    for (Waiting& call : batch) call.done(reply.status());
    return;
  }
  const redisReply* r = *reply;
  if (r->type != REDIS_REPLY_ARRAY || r->elements != batch.size()) {
    for (Waiting& call : batch) call.done(Corrupt("publish reply"));
    return;
  }
  for (size_t c = 0; c < batch.size(); ++c) {
    Waiting& call = batch[c];
    call.done([&]() -> absl::StatusOr<Published> {
      const redisReply* one = r->element[c];
      if (std::optional<QuotaRefusal> refusal = QuotaRefusalOf(one)) {
        return OverQuota(call.subject, *refusal);
      }
      if (one->type != REDIS_REPLY_ARRAY || one->elements != 3) return Corrupt("publish reply");
      ASSIGN_OR_RETURN(const absl::string_view flags, StringOf(one->element[2], "publish reply"));
      if (flags.size() != call.events.size()) return Corrupt("publish reply");
      Published out;
      out.appended_each.reserve(flags.size());
      for (const char f : flags) out.appended_each.push_back(f == '1');
      ASSIGN_OR_RETURN(const int64_t appended, IntegerOf(one->element[0], "publish reply"));
      ASSIGN_OR_RETURN(const int64_t duplicates, IntegerOf(one->element[1], "publish reply"));
      out.appended = static_cast<int>(appended);
      out.duplicates = static_cast<int>(duplicates);
      return out;
    }());
  }
}

absl::StatusOr<EventLog::Published> EventLog::Publish(
    const std::vector<common::v1::Event>& events, const std::string& subject, bool counted) {
  std::vector<Outgoing> outgoing;
  outgoing.reserve(events.size());
  for (const common::v1::Event& e : events) {
    outgoing.push_back({e.id(), e.type(), e.SerializeAsString()});
  }
  absl::Notification answered;
  absl::StatusOr<Published> out;
  PublishAsync(std::move(outgoing), subject, counted, [&](absl::StatusOr<Published> result) {
    out = std::move(result);
    answered.Notify();
  });
  answered.WaitForNotification();
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
