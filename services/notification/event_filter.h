// What a reader of the event log asks for, checked once and then matched against each event:
// the cursor it starts after, its filter (rfs.notification.v1.EventFilter), and the read rule
// (common/domain/plan_access.h) that decides, from the event's envelope alone, whether the
// reader may see it. Pure; safe from any thread once made.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/domain/principal.h"
#include "common/domain/reference_data.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/notification/v1/notification.pb.h"
#include "services/notification/event_log.h"

namespace rfs::notification {

// A place in the log as text, "{ms}-{seq}.{ordinal}" (what a page token holds), and back.
std::string CursorText(const LogCursor& cursor);
std::optional<LogCursor> ParseCursorText(absl::string_view text);
// A cursor as clients see it: opaque ("c1" and the base64url of CursorText).
std::string CursorOf(const LogCursor& cursor);
// The place of a cursor; INVALID_ARGUMENT naming `field` when it is not one this service gave.
absl::StatusOr<LogCursor> ParseCursor(absl::string_view cursor, absl::string_view field);

// OUT_OF_RANGE for a cursor (given as `field`) the log was trimmed past, naming `oldest`, the
// oldest cursor a reader can continue from.
absl::Status CursorLost(const LogCursor& oldest, absl::string_view field);

// An event type: dotted lower-case words ("plan.stage_changed").
bool IsEventTypeName(absl::string_view type);

class EventMatcher {
 public:
  // Checks `filter`: INVALID_ARGUMENT naming the field and the rule otherwise ("filter.types[2]").
  static absl::StatusOr<EventMatcher> Of(const v1::EventFilter& filter,
                                         const ReferenceData& reference);

  // The event matches every field of the filter that is set (not the read rule: Visible).
  bool Matches(const common::v1::Event& event) const;
  // Where a read starts by the filter's start_time: before the first entry logged at or after
  // it ({0, 0} without one).
  LogPosition StartAfter() const;
  // True when an entry at `p` was logged at or after the filter's end_time (a read stops there).
  bool PastEnd(const LogPosition& p) const;

 private:
  std::vector<std::string> types_;     // exact types
  std::vector<std::string> prefixes_;  // "kpi." of "kpi.*"
  std::string plan_;
  std::string plan_type_;  // "A", "B", "C" or empty
  std::string block_;
  std::string prefecture_;
  int64_t start_ms_ = 0;
  std::optional<int64_t> end_ms_;
};

// Whether `who` may read the event: the read rule on its envelope (CanReadEvent).
bool Visible(const Principal& who, const common::v1::Event& event);

}  // namespace rfs::notification
