#include "common/domain/plan_event.h"

#include <google/protobuf/util/time_util.h>

#include "absl/strings/str_cat.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/codes.h"

namespace rfs {

common::v1::Event PlanEvent(absl::string_view source, const registry::v1::Plan& plan,
                            std::string type, const google::protobuf::Timestamp& time,
                            std::string actor) {
  common::v1::Event e;
  e.set_type(std::move(type));
  *e.mutable_time() = time;
  e.set_source(std::string(source));
  if (!plan.name().empty()) e.set_plan(plan.name());
  e.set_plan_type(PlanTypeLetter(plan.type()));
  e.set_block(plan.area().block());
  *e.mutable_prefecture_codes() = plan.area().prefecture_codes();
  *e.mutable_municipality_codes() = plan.area().municipality_codes();
  e.set_stage(registry::v1::PlanStage_Name(plan.stage()));
  e.set_plan_version(plan.version());
  e.set_actor(std::move(actor));
  if (!plan.lead_author_code().empty()) e.add_author_codes(plan.lead_author_code());
  for (const auto& author : plan.authors()) {
    if (author.local_government_code() != plan.lead_author_code()) {
      e.add_author_codes(author.local_government_code());
    }
  }
  return e;
}

void SetPayload(const google::protobuf::Message& message, common::v1::Event* event) {
  event->mutable_payload()->PackFrom(message);
}

bool ValidTimestamp(const google::protobuf::Timestamp& t) {
  using google::protobuf::util::TimeUtil;
  return t.seconds() >= TimeUtil::kTimestampMinSeconds &&
         t.seconds() <= TimeUtil::kTimestampMaxSeconds && t.nanos() >= 0 &&
         t.nanos() < 1'000'000'000;
}

absl::Status ValidateEnvelope(const common::v1::Event& e, absl::string_view field) {
  RETURN_IF_ERROR(ValidateText(e.id(), absl::StrCat(field, ".id"), TextRule{200, true}));
  if (e.type().empty() || e.type().size() > 100 || e.type().front() == '.' ||
      e.type().back() == '.' ||
      e.type().find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") != std::string::npos) {
    return InvalidField(absl::StrCat(field, ".type"),
                        "イベント種別は plan.stage_changed のような小文字の語をドットでつないだ"
                        "名前です",
                        "an event type is dotted lower-case words like plan.stage_changed");
  }
  RETURN_IF_ERROR(ValidateText(e.source(), absl::StrCat(field, ".source"), TextRule{100, true}));
  if (!e.has_time() || !ValidTimestamp(e.time())) {
    return InvalidField(absl::StrCat(field, ".time"), "変更の日時を指定してください",
                        "give the time of the change");
  }
  if (e.ByteSizeLong() > kMaxEventBytes) {
    return InvalidField(field,
                        absl::StrCat("イベントは ", kMaxEventBytes / 1024,
                                     " KB までです（計画そのものではなく、その版を示してください）"),
                        absl::StrCat("an event is at most ", kMaxEventBytes / 1024,
                                     " KB (name the plan version, do not carry the plan)"));
  }
  return absl::OkStatus();
}

}  // namespace rfs
