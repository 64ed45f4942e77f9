#include "services/notification/event_filter.h"

#include <algorithm>
#include <limits>

#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/domain/codes.h"
#include "common/domain/plan_access.h"
#include "common/domain/plan_event.h"
#include "common/domain/plan_filters.h"

namespace rfs::notification {
namespace {

using google::protobuf::util::TimeUtil;

constexpr char kCursorPrefix[] = "c1";
constexpr int kMaxTypes = 32;

// Dotted lower-case words: "plan.stage_changed".
bool TypeName(absl::string_view type) {
  if (type.empty() || type.size() > 100 || type.front() == '.' || type.back() == '.') {
    return false;
  }
  char previous = 0;
  for (const char c : type) {
    if (c == '.' && previous == '.') return false;
    if (c != '.' && c != '_' && !absl::ascii_islower(c) && !absl::ascii_isdigit(c)) return false;
    previous = c;
  }
  return true;
}

absl::StatusOr<int64_t> MillisOf(const google::protobuf::Timestamp& t, absl::string_view field) {
  if (!ValidTimestamp(t) || t.seconds() < 0) {
    return InvalidField(field, "日時の値が不正です", "not a valid time");
  }
  return TimeUtil::TimestampToMilliseconds(t);
}

}  // namespace

std::string CursorText(const LogCursor& cursor) {
  return absl::StrCat(cursor.position.ToString(), ".", cursor.ordinal);
}

std::optional<LogCursor> ParseCursorText(absl::string_view text) {
  const size_t dot = text.find('.');
  if (dot == absl::string_view::npos) return std::nullopt;
  std::optional<LogPosition> position = LogPosition::Parse(text.substr(0, dot));
  LogCursor cursor;
  if (!position.has_value() || !absl::SimpleAtoi(text.substr(dot + 1), &cursor.ordinal) ||
      cursor.ordinal < 0) {
    return std::nullopt;
  }
  cursor.position = *position;
  return cursor;
}

std::string CursorOf(const LogCursor& cursor) {
  return absl::StrCat(kCursorPrefix, absl::WebSafeBase64Escape(CursorText(cursor)));
}

absl::StatusOr<LogCursor> ParseCursor(absl::string_view cursor, absl::string_view field) {
  std::string text;
  std::optional<LogCursor> c;
  if (absl::ConsumePrefix(&cursor, kCursorPrefix) && absl::WebSafeBase64Unescape(cursor, &text)) {
    c = ParseCursorText(text);
  }
  if (!c.has_value()) {
    return InvalidField(field,
                        "このサービスが返したカーソルではありません。イベントの cursor をそのまま"
                        "指定してください",
                        "not a cursor this service gave; pass an event's cursor as it is");
  }
  return *c;
}

absl::Status CursorLost(const LogCursor& oldest, absl::string_view field) {
  const std::string cursor = CursorOf(oldest);
  return Bilingual(
      absl::StatusCode::kOutOfRange,
      absl::StrCat(field, " より後のイベントの一部は保存期間を過ぎて削除されています。続けられる"
                          "最も古いカーソルは ",
                   cursor, " です（after_cursor を指定しなければ最も古いイベントから読めます）"),
      absl::StrCat("the log no longer holds every event after this ", field,
                   " (they passed the retention); the oldest cursor to continue from is ", cursor,
                   " (without after_cursor a list starts at the oldest event kept)"));
}

absl::StatusOr<EventMatcher> EventMatcher::Of(const v1::EventFilter& filter,
                                              const ReferenceData& reference) {
  EventMatcher m;
  if (filter.types_size() > kMaxTypes) {
    return InvalidField("filter.types",
                        absl::StrCat("イベント種別は ", kMaxTypes, " 個までです"),
                        absl::StrCat("at most ", kMaxTypes, " event types"));
  }
  for (int i = 0; i < filter.types_size(); ++i) {
    absl::string_view type = filter.types(i);
    const bool prefix = absl::ConsumeSuffix(&type, ".*");
    if (!TypeName(type)) {
      return InvalidField(absl::StrCat("filter.types[", i, "]"),
                          "イベント種別は plan.stage_changed のような小文字の語をドットで"
                          "つないだ名前か、kpi.* のような接頭辞です",
                          "an event type is dotted lower-case words like plan.stage_changed, or "
                          "a prefix like kpi.*");
    }
    (prefix ? m.prefixes_ : m.types_).push_back(prefix ? absl::StrCat(type, ".")
                                                       : std::string(type));
  }
  if (!filter.plan().empty()) {
    RETURN_IF_ERROR(ParsePlanName(filter.plan(), "filter.plan").status());
    m.plan_ = filter.plan();
  }
  RETURN_IF_ERROR(ValidatePlanTypeFilter(filter.plan_type(), "filter.plan_type"));
  if (filter.plan_type() != registry::v1::PLAN_TYPE_UNSPECIFIED) {
    m.plan_type_ = PlanTypeLetter(filter.plan_type());
  }
  RETURN_IF_ERROR(ValidateBlockFilter(reference, filter.block(), "filter.block"));
  m.block_ = filter.block();
  ASSIGN_OR_RETURN(m.prefecture_,
                   NormalizePrefectureFilter(filter.prefecture_code(), "filter.prefecture_code"));
  if (filter.has_start_time()) {
    ASSIGN_OR_RETURN(m.start_ms_, MillisOf(filter.start_time(), "filter.start_time"));
  }
  if (filter.has_end_time()) {
    ASSIGN_OR_RETURN(m.end_ms_, MillisOf(filter.end_time(), "filter.end_time"));
    if (*m.end_ms_ <= m.start_ms_) {
      return InvalidField("filter.end_time", "終了日時は開始日時より後にしてください",
                          "the end time must come after the start time");
    }
  }
  return m;
}

bool EventMatcher::Matches(const common::v1::Event& e) const {
  if (!types_.empty() || !prefixes_.empty()) {
    const bool exact = std::find(types_.begin(), types_.end(), e.type()) != types_.end();
    const bool under =
        std::any_of(prefixes_.begin(), prefixes_.end(),
                    [&e](const std::string& p) { return absl::StartsWith(e.type(), p); });
    if (!exact && !under) return false;
  }
  if (!plan_.empty() && e.plan() != plan_) return false;
  if (!plan_type_.empty() && e.plan_type() != plan_type_) return false;
  if (!block_.empty() && e.block() != block_) return false;
  if (!prefecture_.empty() &&
      std::find(e.prefecture_codes().begin(), e.prefecture_codes().end(), prefecture_) ==
          e.prefecture_codes().end()) {
    return false;
  }
  return true;
}

LogPosition EventMatcher::StartAfter() const {
  if (start_ms_ <= 0) return LogPosition{};
  // The last position of the millisecond before: the next entry is the first logged at or
  // after start_time.
  return LogPosition{static_cast<uint64_t>(start_ms_ - 1), std::numeric_limits<uint64_t>::max()};
}

bool EventMatcher::PastEnd(const LogPosition& p) const {
  return end_ms_.has_value() && static_cast<int64_t>(p.ms) >= *end_ms_;
}

bool Visible(const Principal& who, const common::v1::Event& event) {
  return CanReadEvent(who, event);
}

bool IsEventTypeName(absl::string_view type) { return TypeName(type); }

}  // namespace rfs::notification
