#include "services/notification/watch_hub.h"

#include <optional>
#include <utility>
#include <vector>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/domain/plan_access.h"
#include "services/notification/access_policy.h"

namespace rfs::notification {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int64_t kReplayBatch = 128;
// Batches one replay step reads before it lets other streams' steps run.
constexpr int kReplayRounds = 64;
constexpr int64_t kTailBatch = 256;

absl::Status Stopping() {
  return Bilingual(absl::StatusCode::kUnavailable,
                   "rfs-notification を停止しています。最後に受け取ったカーソルを after_cursor に"
                   "指定して接続し直してください（別のレプリカにつながります）",
                   "rfs-notification is stopping; call again with the last cursor you received "
                   "as after_cursor (another replica will serve it)");
}

// The serialized WatchEventsResponse carrying `entry`'s event (the same bytes for every stream).
grpc::ByteBuffer EventMessage(const LogEntry& entry, const common::v1::Event& event) {
  v1::WatchEventsResponse out;
  v1::LoggedEvent* logged = out.mutable_event();
  logged->set_cursor(CursorOf(entry.at));
  *logged->mutable_log_time() =
      TimeUtil::MillisecondsToTimestamp(static_cast<int64_t>(entry.at.position.ms));
  *logged->mutable_event() = event;
  return BufferOf(out);
}

}  // namespace

struct WatchHub::Stream {
  Principal who;
  EventMatcher matcher;
  std::shared_ptr<WatchStream> handle;
  // The request's cursor, checked by the first replay step; unset: from the log's tip.
  std::optional<LogCursor> start;
  bool started = false;  // touched by replay steps only (one at a time per stream)
  // Guarded by the hub's mu_.
  LogCursor cursor;  // the last entry given or passed over
  bool caught_up = false;
  absl::Time last_sent = absl::Now();
};

WatchHub::WatchHub(EventLog* log, RedisPool* tail_pool, const ReferenceData* reference,
                   prometheus::Registry& metrics, WatchOptions options)
    : log_(log),
      tail_pool_(tail_pool),
      reference_(reference),
      options_(options),
      open_streams_(prometheus::BuildGauge()
                        .Name("rfs_watch_streams")
                        .Help("WatchEvents streams open on this replica (sum over replicas).")
                        .Register(metrics)
                        .Add({})),
      executor_(options.replay_threads, static_cast<size_t>(options.max_streams) + 16) {}

WatchHub::~WatchHub() { Stop(); }

void WatchHub::Start() {
  tail_thread_ = std::thread([this] { Tail(); });
  heartbeat_thread_ = std::thread([this] { Heartbeats(); });
}

void WatchHub::Stop() {
  std::vector<StreamPtr> streams;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = true;
    streams.assign(all_.begin(), all_.end());
    live_.clear();
  }
  for (const StreamPtr& s : streams) End(s, Stopping());
  stopping_.Notify();
  if (tail_thread_.joinable()) tail_thread_.join();
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  executor_.Stop();
}

size_t WatchHub::streams() const {
  absl::MutexLock lock(&mu_);
  return all_.size();
}

int64_t WatchHub::paced() const {
  absl::MutexLock lock(&mu_);
  return paced_;
}

void WatchHub::Watch(const Principal& who, const v1::WatchEventsRequest& req,
                     std::shared_ptr<WatchStream> stream) {
  if (absl::Status allowed = Authorize(who, Action::kRead); !allowed.ok()) {
    return stream->Finish(allowed);
  }
  if (req.filter().has_start_time() || req.filter().has_end_time()) {
    return stream->Finish(InvalidField(
        req.filter().has_start_time() ? "filter.start_time" : "filter.end_time",
        "WatchEvents は日時で絞り込めません。after_cursor から続けるか、期間は ListEvents で"
        "読んでください",
        "WatchEvents starts at a cursor, not a time; use after_cursor, or ListEvents for a "
        "time range"));
  }
  absl::StatusOr<EventMatcher> matcher = EventMatcher::Of(req.filter(), *reference_);
  if (!matcher.ok()) return stream->Finish(matcher.status());
  auto s = std::make_shared<Stream>();
  s->who = who;
  s->matcher = *std::move(matcher);
  s->handle = stream;
  if (!req.after_cursor().empty()) {
    absl::StatusOr<LogCursor> start = ParseCursor(req.after_cursor(), "after_cursor");
    if (!start.ok()) return stream->Finish(start.status());
    s->start = *start;
  }
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return stream->Finish(Stopping());
    if (all_.size() >= static_cast<size_t>(options_.max_streams)) {
      return stream->Finish(Bilingual(
          absl::StatusCode::kResourceExhausted,
          "このレプリカの監視ストリームが上限に達しています。しばらくしてから接続し直してください",
          "this replica serves as many watch streams as it may; call again in a while"));
    }
    int& mine = per_subject_[who.subject];
    if (mine >= options_.max_streams_per_subject) {
      return stream->Finish(Bilingual(
          absl::StatusCode::kResourceExhausted,
          absl::StrCat("同じ利用者の監視ストリームは ", options_.max_streams_per_subject,
                       " 本までです。使っていないストリームを閉じてください"),
          absl::StrCat("one caller may hold at most ", options_.max_streams_per_subject,
                       " watch streams; close the ones you do not read")));
    }
    ++mine;
    all_.insert(s);
    open_streams_.Increment();
  }
  std::weak_ptr<Stream> weak = s;
  stream->OnClose([this, weak] {
    if (StreamPtr p = weak.lock()) Remove(p);
  });
  ScheduleReplay(s);
}

void WatchHub::ScheduleReplay(const StreamPtr& s) {
  std::weak_ptr<Stream> weak = s;
  const bool queued = executor_.Submit([this, weak] {
    if (StreamPtr p = weak.lock()) Replay(p);
  });
  if (!queued) {
    End(s, Bilingual(absl::StatusCode::kUnavailable,
                     "rfs-notification が混み合っています。最後のカーソルから接続し直してください",
                     "rfs-notification is busy; call again from your last cursor"));
  }
}

void WatchHub::Remove(const StreamPtr& s) {
  absl::MutexLock lock(&mu_);
  if (all_.erase(s) == 0) return;
  live_.erase(s);
  if (--per_subject_[s->who.subject] <= 0) per_subject_.erase(s->who.subject);
  open_streams_.Decrement();
}

void WatchHub::End(const StreamPtr& s, absl::Status status) {
  s->handle->Finish(std::move(status));
  Remove(s);
}

void WatchHub::Replay(const StreamPtr& s) {
  if (!s->started) {
    s->started = true;
    LogCursor from;
    if (s->start.has_value()) {
      absl::StatusOr<LogBounds> bounds = log_->Bounds();
      if (!bounds.ok()) return End(s, bounds.status());
      if (bounds->Lost(*s->start)) return End(s, CursorLost(bounds->Oldest(), "after_cursor"));
      from = *s->start;
    } else {
      absl::StatusOr<LogCursor> tip = log_->Tip();
      if (!tip.ok()) return End(s, tip.status());
      from = *tip;
    }
    absl::MutexLock lock(&mu_);
    s->cursor = from;
  }
  const size_t pause_at = std::max<size_t>(1, options_.stream_capacity / 2);
  const size_t resume_below = std::max<size_t>(1, options_.stream_capacity / 4);
  for (int round = 0; round < kReplayRounds; ++round) {
    if (!s->handle->open()) return Remove(s);
    LogCursor cursor;
    {
      absl::MutexLock lock(&mu_);
      cursor = s->cursor;
    }
    absl::StatusOr<std::vector<LogEntry>> batch = log_->Read(cursor.position, kReplayBatch);
    if (!batch.ok()) return End(s, batch.status());
    if (!batch->empty() && batch->front().at.ordinal > cursor.ordinal + 1) {
      // The log was trimmed past this stream while it waited for its reader: say so, never
      // skip in silence.
      absl::StatusOr<LogBounds> bounds = log_->Bounds();
      if (!bounds.ok()) return End(s, bounds.status());
      return End(s, CursorLost(bounds->Oldest(), "after_cursor"));
    }
    for (const LogEntry& entry : *batch) {
      if (s->handle->queued() >= pause_at) {
        // Paced: go on once the client has read some of what waits.
        {
          absl::MutexLock lock(&mu_);
          ++paced_;
        }
        std::weak_ptr<Stream> weak = s;
        s->handle->OnSpace(resume_below, [this, weak] {
          if (StreamPtr p = weak.lock()) ScheduleReplay(p);
        });
        return;
      }
      common::v1::Event event;
      bool sent = false;
      if (event.ParseFromString(entry.event) && s->matcher.Matches(event) &&
          Visible(s->who, event)) {
        if (!s->handle->Push(EventMessage(entry, event))) return Remove(s);
        sent = true;
      }
      absl::MutexLock lock(&mu_);
      s->cursor = entry.at;
      if (sent) s->last_sent = absl::Now();
    }
    HeartbeatIfIdle(s);  // a long replay that lets nothing through still shows it is alive
    if (static_cast<int64_t>(batch->size()) < kReplayBatch) {
      // At the end of the log as read: join the live set when the tail has dispatched nothing
      // after this stream's cursor (it skips what the stream has already been given).
      absl::MutexLock lock(&mu_);
      if (stopped_ || !all_.contains(s)) return;
      if (tail_.has_value() && !(s->cursor.position < tail_->position)) {
        live_.insert(s);
        if (!s->caught_up) {
          s->caught_up = true;
          v1::WatchEventsResponse marker;
          marker.mutable_caught_up()->set_cursor(CursorOf(s->cursor));
          s->handle->Push(BufferOf(marker));
          s->last_sent = absl::Now();
        }
        return;
      }
      if (!tail_.has_value()) {
        // The tail has not read the log's tip yet (this replica just started).
        mu_.Unlock();
        absl::SleepFor(absl::Milliseconds(20));
        mu_.Lock();
      }
    }
  }
  ScheduleReplay(s);  // let other streams' steps run
}

void WatchHub::Tail() {
  LogCursor at;
  for (;;) {
    absl::StatusOr<LogCursor> tip = log_->Tip();
    if (tip.ok()) {
      at = *tip;
      break;
    }
    if (stopping_.WaitForNotificationWithTimeout(absl::Milliseconds(200))) return;
  }
  {
    absl::MutexLock lock(&mu_);
    tail_ = at;
  }
  const size_t pause_at = std::max<size_t>(1, options_.stream_capacity / 2);
  while (!stopping_.HasBeenNotified()) {
    absl::StatusOr<std::vector<LogEntry>> batch =
        log_->ReadBlocking(tail_pool_, at.position, kTailBatch, options_.tail_block);
    if (!batch.ok()) {
      RFS_LOG(kWarning, "event log tail: read failed").Field("error", batch.status().ToString());
      if (stopping_.WaitForNotificationWithTimeout(absl::Milliseconds(200))) return;
      continue;
    }
    if (batch->empty()) continue;
    // Each entry read and its read facts decided once, for every stream.
    struct Parsed {
      const LogEntry* entry;
      common::v1::Event event;
      PlanReadFacts facts;
      bool readable;
      std::optional<grpc::ByteBuffer> message;  // serialized once, when a stream first wants it
    };
    std::vector<Parsed> parsed;
    parsed.reserve(batch->size());
    for (const LogEntry& entry : *batch) {
      Parsed& p = parsed.emplace_back();
      p.entry = &entry;
      p.readable = p.event.ParseFromString(entry.event);
      if (p.readable) {
        p.facts = ReadFactsOf(p.event);
      } else {
        RFS_LOG(kError, "unreadable event log entry").Field("entry", entry.at.position.ToString());
      }
    }
    std::vector<StreamPtr> behind;
    std::vector<StreamPtr> closed;
    {
      absl::MutexLock lock(&mu_);
      const absl::Time now = absl::Now();
      for (const StreamPtr& s : live_) {
        for (Parsed& p : parsed) {
          if (!(s->cursor.position < p.entry->at.position)) continue;
          if (p.readable && s->matcher.Matches(p.event) && CanRead(s->who, p.facts)) {
            if (s->handle->queued() >= pause_at) {
              behind.push_back(s);  // replayed from its cursor, from the log
              break;
            }
            if (!p.message.has_value()) p.message = EventMessage(*p.entry, p.event);
            if (!s->handle->Push(*p.message)) {  // a reference to the same bytes
              closed.push_back(s);
              break;
            }
            s->last_sent = now;
          }
          s->cursor = p.entry->at;
        }
      }
      for (const StreamPtr& s : behind) live_.erase(s);
      paced_ += static_cast<int64_t>(behind.size());
      tail_ = batch->back().at;
    }
    at = batch->back().at;
    for (const StreamPtr& s : closed) Remove(s);
    for (const StreamPtr& s : behind) ScheduleReplay(s);
  }
}

void WatchHub::HeartbeatIfIdle(const StreamPtr& s) {
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  // A stream whose client has stopped reading gets no more (it would only fill its buffer).
  if (now - s->last_sent < options_.heartbeat ||
      s->handle->queued() >= options_.stream_capacity / 2) {
    return;
  }
  v1::WatchEventsResponse beat;
  beat.mutable_heartbeat()->set_cursor(CursorOf(s->cursor));
  *beat.mutable_heartbeat()->mutable_time() =
      TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(now));
  s->handle->Push(BufferOf(beat));
  s->last_sent = now;
}

void WatchHub::Heartbeats() {
  const absl::Duration tick = std::min(options_.heartbeat / 3, absl::Seconds(1));
  while (!stopping_.WaitForNotificationWithTimeout(tick)) {
    const absl::Time now = absl::Now();
    std::vector<StreamPtr> live, expired;
    {
      absl::MutexLock lock(&mu_);
      live.assign(live_.begin(), live_.end());
      // A stream lives no longer than the token it was opened with.
      for (const StreamPtr& s : all_) {
        if (s->who.expires <= now) expired.push_back(s);
      }
    }
    for (const StreamPtr& s : expired) {
      End(s, Bilingual(absl::StatusCode::kUnauthenticated,
                       "トークンの有効期限が切れました。新しいトークンで、最後のカーソルから"
                       "接続し直してください",
                       "the token has expired; call again with a fresh token, from your last "
                       "cursor"));
    }
    for (const StreamPtr& s : live) HeartbeatIfIdle(s);
  }
}

}  // namespace rfs::notification
