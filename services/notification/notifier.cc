#include "services/notification/notifier.h"

#include <algorithm>
#include <utility>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/domain/plan_event.h"
#include "common/kit/api.h"
#include "services/notification/access_policy.h"
#include "services/notification/event_filter.h"

namespace rfs::notification {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kMaxBatch = 500;
constexpr int64_t kReadChunk = 256;

// The event types rfs writes (docs/architecture.md "Events: the outbox"): the label values of
// rfs_events_published_total; any other type counts as "other", so the series stay bounded.
constexpr const char* kKnownTypes[] = {
    "plan.created",          "plan.updated",           "plan.stage_changed",
    "plan.signed_off",       "requirement.check_completed", "requirement.review_recorded",
    "kpi.measurement_recorded", "kpi.measurement_verified", "kpi.measurement_returned",
    "kpi.indicator_status_changed", "kpi.status_overridden", "kpi.period_unlocked",
    "kpi.report_due",        "kpi.report_overdue",     "kpi.pdca_phase_changed"};

google::protobuf::Timestamp TimestampOf(const LogPosition& p) {
  return TimeUtil::MillisecondsToTimestamp(static_cast<int64_t>(p.ms));
}

}  // namespace

Notifier::Notifier(EventLog* log, const ReferenceData* reference, prometheus::Registry& metrics,
                   NotifierOptions options)
    : log_(log),
      reference_(reference),
      options_(std::move(options)),
      published_(prometheus::BuildCounter()
                     .Name("rfs_events_published_total")
                     .Help("Events appended to the event log (duplicates not counted), by type "
                           "(\"other\" for a type rfs does not write).")
                     .Register(metrics)) {
  // Every series from the start (rates see zeros, not gaps); read-only afterwards.
  for (const char* type : kKnownTypes) published_by_type_[type] = &published_.Add({{"type", type}});
  published_by_type_["other"] = &published_.Add({{"type", "other"}});
}

prometheus::Counter& Notifier::PublishedCounter(const std::string& type) {
  auto it = published_by_type_.find(type);
  return *(it != published_by_type_.end() ? it->second : published_by_type_.at("other"));
}

absl::Status Notifier::ValidateBatch(const v1::PublishEventsRequest& req) {
  if (req.events_size() == 0) {
    return InvalidField("events", "イベントを 1 件以上指定してください", "give at least one event");
  }
  if (req.events_size() > kMaxBatch) {
    return InvalidField("events", absl::StrCat("一度に発行できるイベントは ", kMaxBatch, " 件までです"),
                        absl::StrCat("at most ", kMaxBatch, " events a call"));
  }
  for (int i = 0; i < req.events_size(); ++i) {
    RETURN_IF_ERROR(ValidateEnvelope(req.events(i), absl::StrCat("events[", i, "]")));
  }
  return absl::OkStatus();
}

void Notifier::PublishEvents(const Principal& who, const v1::PublishEventsRequest& req,
                             PublishDone done) {
  if (absl::Status s = Authorize(who, Action::kPublish); !s.ok()) return done(s);
  if (absl::Status s = ValidateBatch(req); !s.ok()) return done(s);
  std::vector<EventLog::Outgoing> events;
  std::vector<prometheus::Counter*> counters;  // the series of each event's type
  events.reserve(req.events_size());
  counters.reserve(req.events_size());
  for (const common::v1::Event& e : req.events()) {
    events.push_back({e.id(), e.type(), e.SerializeAsString()});
    counters.push_back(&PublishedCounter(e.type()));
  }
  log_->PublishAsync(
      std::move(events), who.subject, /*counted=*/true,
      [counters = std::move(counters), subject = who.subject,
       done = std::move(done)](absl::StatusOr<EventLog::Published> published) mutable {
        if (!published.ok()) return done(published.status());
        for (size_t i = 0; i < counters.size(); ++i) {
          if (published->appended_each[i]) counters[i]->Increment();
        }
        RFS_LOG(kDebug, "events published")
            .Field("actor", subject)
            .Field("appended", published->appended)
            .Field("duplicates", published->duplicates);
        v1::PublishEventsResponse out;
        out.set_appended(published->appended);
        out.set_duplicates(published->duplicates);
        done(std::move(out));
      });
}

absl::Status Notifier::CheckKept(const LogCursor& after, absl::string_view field) {
  ASSIGN_OR_RETURN(const LogBounds bounds, log_->Bounds());
  if (!bounds.Lost(after)) return absl::OkStatus();
  return CursorLost(bounds.Oldest(), field);
}

absl::StatusOr<v1::ListEventsResponse> Notifier::ListEvents(const Principal& who,
                                                            const v1::ListEventsRequest& req) {
  RETURN_IF_ERROR(Authorize(who, Action::kRead));
  ASSIGN_OR_RETURN(const EventMatcher matcher, EventMatcher::Of(req.filter(), *reference_));
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 100, 1000));
  const uint64_t binding =
      StableHash(absl::StrCat(req.filter().SerializeAsString(), "|", req.after_cursor()));
  ASSIGN_OR_RETURN(const KeyPosition token,
                   DecodeKeyPageToken(req.page_token(), "events", binding));
  LogCursor after;
  if (!token.key.empty()) {
    std::optional<LogCursor> c = ParseCursorText(token.key);
    if (!c.has_value()) {
      return InvalidField("page_token", "このメソッドが返したトークンではありません",
                          "not a token this method returned");
    }
    after = *c;
    RETURN_IF_ERROR(CheckKept(after, "page_token"));
  } else if (!req.after_cursor().empty()) {
    ASSIGN_OR_RETURN(after, ParseCursor(req.after_cursor(), "after_cursor"));
    RETURN_IF_ERROR(CheckKept(after, "after_cursor"));
  }
  // By start_time: from the first entry logged at or after it (the ordinal stays the cursor's:
  // only the position decides where the read starts).
  after.position = std::max(after.position, matcher.StartAfter());

  v1::ListEventsResponse out;
  size_t bytes = 0;
  int scanned = 0;
  bool more = true;  // the page stopped before the end of the log
  bool stop = false;
  std::optional<LogCursor> last;  // the last entry looked at
  while (!stop) {
    const int64_t want = std::min<int64_t>(kReadChunk, options_.max_scan - scanned);
    ASSIGN_OR_RETURN(const std::vector<LogEntry> batch, log_->Read(after.position, want));
    for (const LogEntry& entry : batch) {
      if (matcher.PastEnd(entry.at.position)) {
        more = false;
        stop = true;
        break;
      }
      common::v1::Event event;
      if (!event.ParseFromString(entry.event)) {
        // Not of our making: skipped (and said), so one bad entry cannot stop every reader.
        RFS_LOG(kError, "unreadable event log entry")
            .Field("entry", entry.at.position.ToString());
      } else if (matcher.Matches(event) && Visible(who, event)) {
        if (out.events_size() > 0 && bytes + entry.event.size() > options_.max_page_bytes) {
          stop = true;  // this entry starts the next page
          break;
        }
        bytes += entry.event.size();
        v1::LoggedEvent* logged = out.add_events();
        logged->set_cursor(CursorOf(entry.at));
        *logged->mutable_log_time() = TimestampOf(entry.at.position);
        *logged->mutable_event() = std::move(event);
      }
      after = entry.at;
      last = entry.at;
      ++scanned;
      if (out.events_size() >= page_size || scanned >= options_.max_scan) {
        stop = true;
        break;
      }
    }
    if (!stop && static_cast<int64_t>(batch.size()) < want) {
      more = false;  // the end of the log as it stands
      stop = true;
    }
  }
  if (last.has_value()) out.set_last_cursor(CursorOf(*last));
  if (more) {
    out.set_next_page_token(EncodeKeyPageToken("events", binding, CursorText(after), 0));
  }
  return out;
}

}  // namespace rfs::notification
