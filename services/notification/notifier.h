// rfs-notification's logic (the gRPC adapter, notification_service.h, only hands requests
// over): the event log's writers and readers. PublishEvents checks a batch and appends it
// without holding a thread (the event log's group commit);
// ListEvents reads the log after a cursor, a bounded number of entries a call, keeping what the
// filter asks and the read rule lets the caller see. Thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/domain/principal.h"
#include "common/domain/reference_data.h"
#include "rfs/notification/v1/notification.pb.h"
#include "services/notification/event_log.h"

namespace rfs::notification {

struct NotifierOptions {
  // Bytes of events in one ListEvents page (at least one event, whatever its size).
  size_t max_page_bytes = size_t{3} << 20;
  // Log entries one ListEvents call looks at, at most: a filter that matches little ends its
  // page early (with a token) instead of reading the whole log in one call.
  int max_scan = 5000;
};

class Notifier {
 public:
  Notifier(EventLog* log, const ReferenceData* reference, prometheus::Registry& metrics,
           NotifierOptions options);

  using PublishDone = absl::AnyInvocable<void(absl::StatusOr<v1::PublishEventsResponse>)>;
  // Checks the caller and the batch (answering at once when either fails), then appends it
  // through EventLog::PublishAsync: `done` runs exactly once, possibly on the Redis client's
  // loop thread (it must not block). Nothing of `req` is used after this returns.
  void PublishEvents(const Principal& who, const v1::PublishEventsRequest& req,
                     PublishDone done);
  absl::StatusOr<v1::ListEventsResponse> ListEvents(const Principal& who,
                                                    const v1::ListEventsRequest& req);

  // A batch of events can be published: INVALID_ARGUMENT naming the event and field otherwise.
  static absl::Status ValidateBatch(const v1::PublishEventsRequest& req);

 private:
  // OUT_OF_RANGE when the log no longer holds every entry after `after` (it was trimmed past
  // it), naming the oldest cursor to continue from.
  absl::Status CheckKept(const LogCursor& after, absl::string_view field);
  // rfs_events_published_total{type}: the series of a known type, else of "other".
  prometheus::Counter& PublishedCounter(const std::string& type);

  EventLog* const log_;
  const ReferenceData* const reference_;
  const NotifierOptions options_;
  prometheus::Family<prometheus::Counter>& published_;
  absl::flat_hash_map<std::string, prometheus::Counter*> published_by_type_;
};

}  // namespace rfs::notification
