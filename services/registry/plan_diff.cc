#include "services/registry/plan_diff.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace rfs::registry {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::util::MessageDifferencer;
using Path = std::vector<MessageDifferencer::SpecificField>;

// Keyed lists: field full name → key field name.
const FieldDescriptor* KeyOf(const FieldDescriptor* field) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"rfs.registry.v1.Plan.authors", "local_government_code"},
      {"rfs.registry.v1.Plan.core_investments", "id"},
      {"rfs.registry.v1.Plan.attestations", "requirement_id"},
      {"rfs.registry.v1.Plan.indicators", "id"},
      {"rfs.registry.v1.Plan.sign_offs", "author_code"},
  };
  for (const auto& [name, key] : kKeys) {
    if (field->full_name() == name) return field->message_type()->FindFieldByName(key);
  }
  return nullptr;
}

std::string ScalarJson(const Message& m, const FieldDescriptor* f, int index) {
  const Reflection* r = m.GetReflection();
  const bool rep = f->is_repeated();
  nlohmann::json j;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      j = rep ? r->GetRepeatedInt32(m, f, index) : r->GetInt32(m, f);
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      // int64 as a string, as protobuf JSON does.
      j = std::to_string(rep ? r->GetRepeatedInt64(m, f, index) : r->GetInt64(m, f));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      j = rep ? r->GetRepeatedUInt32(m, f, index) : r->GetUInt32(m, f);
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      j = std::to_string(rep ? r->GetRepeatedUInt64(m, f, index) : r->GetUInt64(m, f));
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      j = rep ? r->GetRepeatedDouble(m, f, index) : r->GetDouble(m, f);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      j = rep ? r->GetRepeatedFloat(m, f, index) : r->GetFloat(m, f);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      j = rep ? r->GetRepeatedBool(m, f, index) : r->GetBool(m, f);
      break;
    case FieldDescriptor::CPPTYPE_ENUM:
      j = (rep ? r->GetRepeatedEnum(m, f, index) : r->GetEnum(m, f))->name();
      break;
    case FieldDescriptor::CPPTYPE_STRING:
      j = rep ? r->GetRepeatedString(m, f, index) : r->GetString(m, f);
      break;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      break;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string MessageJson(const Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

// The value a path points at, in the first (older) or second (newer) root, as JSON.
std::string ValueAt(const Message& root, const Path& path, bool newer) {
  const Message* current = &root;
  for (size_t i = 0; i < path.size(); ++i) {
    const auto& sf = path[i];
    const int index = newer ? sf.new_index : sf.index;
    const Reflection* r = current->GetReflection();
    const bool last = i + 1 == path.size();
    if (sf.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return ScalarJson(*current, sf.field, index);
    }
    if (sf.field->is_repeated()) {
      if (index < 0 || index >= r->FieldSize(*current, sf.field)) return "";
      current = &r->GetRepeatedMessage(*current, sf.field, index);
    } else {
      current = &r->GetMessage(*current, sf.field);
    }
    if (last) return MessageJson(*current);
  }
  return "";
}

// Renders a path; `side` says which version names the elements: -1 the older (removed), +1 the
// newer (added), 0 either (modified).
std::string PathString(const Message& older, const Message& newer, const Path& path, int side) {
  std::string out;
  const Message* m1 = &older;
  const Message* m2 = &newer;
  for (size_t i = 0; i < path.size(); ++i) {
    const auto& sf = path[i];
    if (!out.empty()) out.push_back('.');
    out.append(sf.field->name());
    const bool last = i + 1 == path.size();
    if (!sf.field->is_repeated() || sf.field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      if (sf.field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !last) {
        m1 = m1 ? &m1->GetReflection()->GetMessage(*m1, sf.field) : nullptr;
        m2 = m2 ? &m2->GetReflection()->GetMessage(*m2, sf.field) : nullptr;
      }
      continue;
    }
    // A repeated message: name the element by its key, else by its position.
    const Message* e1 = nullptr;
    const Message* e2 = nullptr;
    if (m1 != nullptr && sf.index >= 0 && sf.index < m1->GetReflection()->FieldSize(*m1, sf.field)) {
      e1 = &m1->GetReflection()->GetRepeatedMessage(*m1, sf.field, sf.index);
    }
    if (m2 != nullptr && sf.new_index >= 0 &&
        sf.new_index < m2->GetReflection()->FieldSize(*m2, sf.field)) {
      e2 = &m2->GetReflection()->GetRepeatedMessage(*m2, sf.field, sf.new_index);
    }
    const FieldDescriptor* key = KeyOf(sf.field);
    if (side < 0) e2 = nullptr;
    if (side > 0) e1 = nullptr;
    const Message* e = e2 != nullptr ? e2 : e1;
    if (key != nullptr && e != nullptr) {
      absl::StrAppend(&out, "[", e->GetReflection()->GetString(*e, key), "]");
    } else {
      absl::StrAppend(&out, "[", e2 != nullptr ? sf.new_index : sf.index, "]");
    }
    m1 = e1;
    m2 = e2;
  }
  return out;
}

class ChangeCollector : public MessageDifferencer::Reporter {
 public:
  ChangeCollector(const Message& older, const Message& newer, std::vector<v1::FieldChange>* out)
      : older_(older), newer_(newer), out_(out) {}

  void ReportAdded(const Message&, const Message&, const Path& path) override {
    Add(path, +1, v1::FIELD_CHANGE_TYPE_ADDED, "", ValueAt(newer_, path, true));
  }
  void ReportDeleted(const Message&, const Message&, const Path& path) override {
    Add(path, -1, v1::FIELD_CHANGE_TYPE_REMOVED, ValueAt(older_, path, false), "");
  }
  void ReportModified(const Message&, const Message&, const Path& path) override {
    // A modified message is reported after each of its changed fields: keep only the leaves.
    if (!path.empty() && path.back().field != nullptr &&
        path.back().field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      return;
    }
    Add(path, 0, v1::FIELD_CHANGE_TYPE_MODIFIED, ValueAt(older_, path, false),
        ValueAt(newer_, path, true));
  }

 private:
  void Add(const Path& path, int side, v1::FieldChangeType type, std::string old_value,
           std::string new_value) {
    v1::FieldChange* c = &out_->emplace_back();
    c->set_path(PathString(older_, newer_, path, side));
    c->set_change_type(type);
    c->set_old_value(std::move(old_value));
    c->set_new_value(std::move(new_value));
  }

  const Message& older_;
  const Message& newer_;
  std::vector<v1::FieldChange>* out_;
};

}  // namespace

std::vector<v1::FieldChange> DiffPlans(const v1::Plan& older, const v1::Plan& newer) {
  std::vector<v1::FieldChange> changes;
  const Descriptor* d = v1::Plan::descriptor();
  MessageDifferencer differ;
  for (const char* ignored :
       {"version", "content_version", "etag", "update_time", "updated_by"}) {
    differ.IgnoreField(d->FindFieldByName(ignored));
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (!f->is_repeated()) continue;
    if (const FieldDescriptor* key = KeyOf(f)) {
      differ.TreatAsMap(f, key);
    } else if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      differ.TreatAsSet(f);
    }
  }
  const Descriptor* area = v1::Area::descriptor();
  differ.TreatAsSet(area->FindFieldByName("prefecture_codes"));
  differ.TreatAsSet(area->FindFieldByName("municipality_codes"));
  {
    ChangeCollector collector(older, newer, &changes);
    differ.ReportDifferencesTo(&collector);
    differ.Compare(older, newer);
  }
  return changes;
}

}  // namespace rfs::registry
