#include "common/domain/plan_event.h"

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

}  // namespace rfs
