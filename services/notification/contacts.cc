#include "services/notification/contacts.h"

#include <google/protobuf/util/time_util.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/codes.h"
#include "common/kit/api.h"
#include "common/kit/mail.h"
#include "services/notification/access_policy.h"
#include "services/notification/event_filter.h"
#include "services/notification/subscriptions.h"

namespace rfs::notification {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kMaxEventTypes = 20;

google::protobuf::Timestamp Now() {
  return TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(absl::Now()));
}

void Audit(const Principal& who, absl::string_view action, absl::string_view name) {
  RFS_LOG(kInfo, "audit")
      .Field("service", "rfs-notification")
      .Field("action", action)
      .Field("actor", who.subject)
      .Field("role", RoleName(who.role))
      .Field("contact", name);  // never the address: personal data
}

absl::Status NotYours() {
  return Bilingual(absl::StatusCode::kPermissionDenied,
                   "連絡先を管理できるのは、その団体（都道府県・市区町村）、そのブロックの地方局、"
                   "又は事務局です",
                   "a contact is kept by its own body (prefecture or municipality), the bureau "
                   "of its block, or the secretariat");
}

}  // namespace

Contacts::Contacts(WebhookStore* store, const ReferenceData* reference)
    : store_(store), reference_(reference) {}

absl::Status Contacts::CheckFields(const v1::Contact& c) const {
  RETURN_IF_ERROR(CheckMailAddress(c.address(), "contact.address"));
  TextRule name;
  name.max_chars = 100;
  RETURN_IF_ERROR(ValidateText(c.display_name(), "contact.display_name", name));
  if (!c.language().empty() && c.language() != "ja" && c.language() != "en") {
    return InvalidField("contact.language", "ja か en を指定してください", "give ja or en");
  }
  if (c.event_types_size() > kMaxEventTypes) {
    return InvalidField("contact.event_types",
                        absl::StrCat("イベント種別は ", kMaxEventTypes, " 件までです"),
                        absl::StrCat("at most ", kMaxEventTypes, " event types"));
  }
  for (int i = 0; i < c.event_types_size(); ++i) {
    if (!IsEventTypeName(c.event_types(i))) {
      return InvalidField(absl::StrCat("contact.event_types[", i, "]"),
                          "イベント種別は kpi.report_due のような小文字の語をドットでつないだ"
                          "名前です",
                          "an event type is dotted lower-case words like kpi.report_due");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Contact> Contacts::Create(const Principal& who,
                                             const v1::CreateContactRequest& req) {
  v1::Contact c = req.contact();
  if (!c.body_code().empty() && !c.block().empty()) {
    return InvalidField("contact.block",
                        "団体 (body_code) かブロック (block) のどちらか一方を指定してください",
                        "give body_code or block, not both");
  }
  if (!c.body_code().empty()) {
    ASSIGN_OR_RETURN(std::string code,
                     NormalizeLocalGovernmentCode(c.body_code(), "contact.body_code"));
    c.set_body_code(code);
  }
  if (!c.block().empty() && reference_->FindBlock(c.block()) == nullptr) {
    return InvalidField("contact.block", absl::StrCat("不明なブロック '", Excerpt(c.block()), "' です"),
                        absl::StrCat("unknown block '", Excerpt(c.block()), "'"));
  }
  if (!CanKeepContact(who, c.body_code(), c.block())) return NotYours();
  RETURN_IF_ERROR(CheckFields(c));
  if (c.state() != v1::Contact::STATE_UNSPECIFIED && c.state() != v1::Contact::ACTIVE &&
      c.state() != v1::Contact::DISABLED) {
    return InvalidField("contact.state", "ACTIVE か DISABLED を指定してください",
                        "give ACTIVE or DISABLED");
  }
  SubscriptionRecord r;
  r.id = NewDeliveryId();
  r.channel = Channel::kEmail;
  r.owner = who;
  c.set_name(absl::StrCat("contacts/", r.id));
  if (c.language().empty()) c.set_language("ja");
  if (c.state() == v1::Contact::STATE_UNSPECIFIED) c.set_state(v1::Contact::ACTIVE);
  c.clear_disabled_reason();
  *c.mutable_create_time() = Now();
  *c.mutable_update_time() = c.create_time();
  r.contact = c;
  RETURN_IF_ERROR(store_->Create(r, who.subject));
  Audit(who, "contact.create", c.name());
  return c;
}

absl::StatusOr<v1::Contact> Contacts::Get(const Principal& who,
                                          const v1::GetContactRequest& req) {
  ASSIGN_OR_RETURN(SubscriptionRecord r,
                   LoadTarget(store_, who, req.name(), "name", /*subscriptions=*/false,
                              /*contacts=*/true));
  return std::move(*r.contact);
}

absl::StatusOr<v1::ListContactsResponse> Contacts::List(const Principal& who,
                                                        const v1::ListContactsRequest& req) {
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 50, 200));
  std::string scope;
  switch (who.role) {
    case Role::kSecretariat:
      break;  // every contact
    case Role::kPrefecture:
    case Role::kMunicipality:
      scope = absl::StrCat("body:", who.body_code);
      break;
    case Role::kBureau:
      scope = absl::StrCat("block:", who.block);
      break;
    default:
      return v1::ListContactsResponse();  // keeps none
  }
  const uint64_t binding = StableHash(absl::StrCat("contacts|", scope));
  ASSIGN_OR_RETURN(const int64_t offset, DecodePageToken(req.page_token(), "contacts", binding));
  ASSIGN_OR_RETURN(const WebhookStore::IdPage page,
                   store_->ListIds(scope, offset, page_size, Channel::kEmail));
  ASSIGN_OR_RETURN(std::vector<SubscriptionRecord> records, store_->GetMany(page.ids));
  v1::ListContactsResponse out;
  for (SubscriptionRecord& r : records) {
    if (r.contact.has_value()) *out.add_contacts() = std::move(*r.contact);
  }
  const int64_t next = offset + static_cast<int64_t>(page.ids.size());
  if (next < page.total) out.set_next_page_token(EncodePageToken("contacts", binding, next));
  return out;
}

absl::StatusOr<v1::Contact> Contacts::Update(const Principal& who,
                                             const v1::UpdateContactRequest& req) {
  ASSIGN_OR_RETURN(SubscriptionRecord r,
                   LoadTarget(store_, who, req.contact().name(), "contact.name",
                              /*subscriptions=*/false, /*contacts=*/true));
  if (req.update_mask().paths_size() == 0) {
    return InvalidField("update_mask",
                        "変更する項目 (address, display_name, language, event_types, "
                        "daily_digest, state) を指定してください",
                        "name the fields to change: address, display_name, language, "
                        "event_types, daily_digest, state");
  }
  v1::Contact c = *r.contact;
  const v1::Contact& in = req.contact();
  bool config_changed = false;
  std::string state;
  for (int i = 0; i < req.update_mask().paths_size(); ++i) {
    const std::string& path = req.update_mask().paths(i);
    if (path == "address") {
      c.set_address(in.address());
    } else if (path == "display_name") {
      c.set_display_name(in.display_name());
    } else if (path == "language") {
      c.set_language(in.language().empty() ? "ja" : in.language());
    } else if (path == "event_types") {
      *c.mutable_event_types() = in.event_types();
    } else if (path == "daily_digest") {
      c.set_daily_digest(in.daily_digest());
    } else if (path == "state") {
      if (in.state() != v1::Contact::ACTIVE && in.state() != v1::Contact::DISABLED) {
        return InvalidField("contact.state", "ACTIVE か DISABLED を指定してください",
                            "give ACTIVE or DISABLED");
      }
      state = v1::Contact::State_Name(in.state());
      continue;
    } else {
      return InvalidField(absl::StrCat("update_mask.paths[", i, "]"),
                          "変更できるのは address, display_name, language, event_types, "
                          "daily_digest, state です",
                          "only address, display_name, language, event_types, daily_digest "
                          "and state can change");
    }
    config_changed = true;
  }
  std::optional<std::string> stored;
  if (config_changed) {
    RETURN_IF_ERROR(CheckFields(c));
    v1::Contact config = c;
    config.clear_state();
    config.clear_disabled_reason();
    config.clear_update_time();
    stored = config.SerializeAsString();
  }
  RETURN_IF_ERROR(store_->Update(r.id, stored, state, who.subject));
  Audit(who, "contact.update", c.name());
  ASSIGN_OR_RETURN(std::optional<SubscriptionRecord> now, store_->Get(r.id));
  if (!now.has_value() || !now->contact.has_value()) {
    return Bilingual(absl::StatusCode::kNotFound, "連絡先は削除されました",
                     "the contact was deleted meanwhile");
  }
  return std::move(*now->contact);
}

absl::StatusOr<v1::DeleteContactResponse> Contacts::Delete(const Principal& who,
                                                           const v1::DeleteContactRequest& req) {
  ASSIGN_OR_RETURN(const SubscriptionRecord r,
                   LoadTarget(store_, who, req.name(), "name", /*subscriptions=*/false,
                              /*contacts=*/true));
  RETURN_IF_ERROR(
      store_->Delete(r.id, Channel::kEmail, ContactScope(*r.contact), who.subject));
  Audit(who, "contact.delete", r.contact->name());
  return v1::DeleteContactResponse();
}

}  // namespace rfs::notification
