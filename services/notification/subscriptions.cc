#include "services/notification/subscriptions.h"

#include <google/protobuf/util/time_util.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/kit/api.h"
#include "common/kit/http_client.h"
#include "services/notification/access_policy.h"
#include "services/notification/event_filter.h"

namespace rfs::notification {
namespace {

using google::protobuf::util::TimeUtil;

constexpr absl::string_view kCollection = "subscriptions/";
constexpr size_t kIdLength = 16;

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  return TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(t));
}

std::string NewId() {
  unsigned char bytes[kIdLength / 2];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes)));
}

absl::Status NotFound(absl::string_view name) {
  return Bilingual(absl::StatusCode::kNotFound,
                   absl::StrCat(Excerpt(name), " はありません"),
                   absl::StrCat("no ", Excerpt(name)));
}

}  // namespace

std::string NewDeliveryId() { return NewId(); }

absl::StatusOr<std::pair<Channel, std::string>> ParseTargetName(absl::string_view name,
                                                                absl::string_view field,
                                                                bool subscriptions,
                                                                bool contacts) {
  absl::string_view id = name;
  Channel channel = Channel::kWebhook;
  bool known = false;
  if (subscriptions && absl::ConsumePrefix(&id, kCollection)) {
    known = true;
  } else if (contacts && absl::ConsumePrefix(&id, "contacts/")) {
    channel = Channel::kEmail;
    known = true;
  }
  if (!known || id.size() != kIdLength ||
      !std::all_of(id.begin(), id.end(),
                   [](char c) { return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f'); })) {
    const char* forms_ja = subscriptions && contacts
                               ? "subscriptions/{16 桁の英数字} か contacts/{16 桁の英数字}"
                           : subscriptions ? "subscriptions/{16 桁の英数字}"
                                           : "contacts/{16 桁の英数字}";
    const char* forms_en = subscriptions && contacts
                               ? "subscriptions/{16 hex digits} or contacts/{16 hex digits}"
                           : subscriptions ? "subscriptions/{16 hex digits}"
                                           : "contacts/{16 hex digits}";
    return InvalidField(field, absl::StrCat("名前は ", forms_ja, " の形です"),
                        absl::StrCat("a name reads ", forms_en));
  }
  return std::make_pair(channel, std::string(id));
}

absl::StatusOr<SubscriptionRecord> LoadTarget(WebhookStore* store, const Principal& who,
                                              const std::string& name, absl::string_view field,
                                              bool subscriptions, bool contacts) {
  ASSIGN_OR_RETURN(const auto target, ParseTargetName(name, field, subscriptions, contacts));
  ASSIGN_OR_RETURN(std::optional<SubscriptionRecord> record, store->Get(target.second));
  if (!record.has_value() || record->channel != target.first) return NotFound(name);
  const bool may = record->channel == Channel::kEmail
                       ? CanKeepContact(who, record->contact->body_code(),
                                        record->contact->block())
                       : CanManageSubscription(who, record->owner.subject);
  if (!may) return NotFound(name);
  return *std::move(record);
}

namespace {

// The host of a URL, for audit lines (a URL's path or query may carry a receiver's token).
std::string HostOf(absl::string_view url) {
  absl::string_view rest = url;
  const size_t scheme = rest.find("://");
  if (scheme != absl::string_view::npos) rest.remove_prefix(scheme + 3);
  return std::string(rest.substr(0, rest.find_first_of("/?#")));
}

void Audit(const Principal& who, absl::string_view action, absl::string_view name,
           absl::string_view url = "") {
  RFS_LOG(kInfo, "audit")
      .Field("service", "rfs-notification")
      .Field("action", action)
      .Field("actor", who.subject)
      .Field("role", RoleName(who.role))
      .Field("subscription", name)
      .Field("host", HostOf(url));
}

}  // namespace

Subscriptions::Subscriptions(WebhookStore* store, WebhookDispatcher* dispatcher,
                             const ReferenceData* reference)
    : store_(store), dispatcher_(dispatcher), reference_(reference) {}

absl::Status Subscriptions::CheckConfig(const v1::Subscription& s,
                                        absl::string_view field) const {
  RETURN_IF_ERROR(CheckWebhookUrl(s.url(), dispatcher_->options().http.allow_http,
                                  absl::StrCat(field, ".url")));
  if (s.filter().has_start_time() || s.filter().has_end_time()) {
    return InvalidField(absl::StrCat(field, ".filter.start_time"),
                        "購読のフィルタに期間は指定できません (これから記録されるイベントが届きます)",
                        "a subscription's filter takes no time range: it receives the events "
                        "logged from now on");
  }
  absl::StatusOr<EventMatcher> matcher = EventMatcher::Of(s.filter(), *reference_);
  if (!matcher.ok()) return PrefixField(matcher.status(), absl::StrCat(field, "."));
  TextRule description;
  description.max_chars = 500;
  return ValidateText(s.description(), absl::StrCat(field, ".description"), description);
}

absl::StatusOr<SubscriptionRecord> Subscriptions::Owned(const Principal& who,
                                                        const std::string& name,
                                                        absl::string_view field,
                                                        bool contacts_too) {
  return LoadTarget(store_, who, name, field, /*subscriptions=*/true, contacts_too);
}

absl::StatusOr<v1::CreateSubscriptionResponse> Subscriptions::Create(
    const Principal& who, const v1::CreateSubscriptionRequest& req) {
  RETURN_IF_ERROR(Authorize(who, Action::kSubscribe));
  const v1::Subscription& in = req.subscription();
  RETURN_IF_ERROR(CheckConfig(in, "subscription"));
  if (in.state() != v1::Subscription::STATE_UNSPECIFIED &&
      in.state() != v1::Subscription::ACTIVE && in.state() != v1::Subscription::DISABLED) {
    return InvalidField("subscription.state", "ACTIVE か DISABLED を指定してください",
                        "give ACTIVE or DISABLED");
  }
  SubscriptionRecord r;
  r.id = NewId();
  r.owner = who;
  r.secret = NewWebhookSecret();
  v1::Subscription& s = r.subscription;
  s.set_name(absl::StrCat(kCollection, r.id));
  s.set_url(in.url());
  *s.mutable_filter() = in.filter();
  s.set_description(in.description());
  s.set_state(in.state() == v1::Subscription::DISABLED ? v1::Subscription::DISABLED
                                                       : v1::Subscription::ACTIVE);
  s.set_owner(who.subject);
  const absl::Time now = absl::Now();
  *s.mutable_create_time() = TimestampOf(now);
  *s.mutable_update_time() = TimestampOf(now);
  RETURN_IF_ERROR(store_->Create(r, who.subject));
  Audit(who, "subscription.create", s.name(), s.url());
  v1::CreateSubscriptionResponse out;
  *out.mutable_subscription() = s;
  out.set_secret(r.secret);
  return out;
}

absl::StatusOr<v1::Subscription> Subscriptions::Get(const Principal& who,
                                                    const v1::GetSubscriptionRequest& req) {
  ASSIGN_OR_RETURN(SubscriptionRecord r, Owned(who, req.name(), "name"));
  return std::move(r.subscription);
}

absl::StatusOr<v1::ListSubscriptionsResponse> Subscriptions::List(
    const Principal& who, const v1::ListSubscriptionsRequest& req) {
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 50, 200));
  const std::string owner = who.role == Role::kSecretariat ? "" : who.subject;
  const uint64_t binding = StableHash(absl::StrCat("subscriptions|", owner));
  ASSIGN_OR_RETURN(const int64_t offset,
                   DecodePageToken(req.page_token(), "subscriptions", binding));
  ASSIGN_OR_RETURN(const WebhookStore::IdPage page, store_->ListIds(owner, offset, page_size));
  ASSIGN_OR_RETURN(std::vector<SubscriptionRecord> records, store_->GetMany(page.ids));
  v1::ListSubscriptionsResponse out;
  for (SubscriptionRecord& r : records) *out.add_subscriptions() = std::move(r.subscription);
  const int64_t next = offset + static_cast<int64_t>(page.ids.size());
  if (next < page.total) {
    out.set_next_page_token(EncodePageToken("subscriptions", binding, next));
  }
  return out;
}

absl::StatusOr<v1::Subscription> Subscriptions::Update(
    const Principal& who, const v1::UpdateSubscriptionRequest& req) {
  ASSIGN_OR_RETURN(SubscriptionRecord r, Owned(who, req.subscription().name(),
                                               "subscription.name"));
  if (req.update_mask().paths_size() == 0) {
    return InvalidField("update_mask", "変更する項目 (url, filter, description, state) を指定してください",
                        "name the fields to change: url, filter, description, state");
  }
  v1::Subscription config = r.subscription;
  bool config_changed = false;
  std::string state;
  for (int i = 0; i < req.update_mask().paths_size(); ++i) {
    const std::string& path = req.update_mask().paths(i);
    const v1::Subscription& in = req.subscription();
    if (path == "url") {
      config.set_url(in.url());
    } else if (path == "filter") {
      *config.mutable_filter() = in.filter();
    } else if (path == "description") {
      config.set_description(in.description());
    } else if (path == "state") {
      if (in.state() != v1::Subscription::ACTIVE && in.state() != v1::Subscription::DISABLED) {
        return InvalidField("subscription.state", "ACTIVE か DISABLED を指定してください",
                            "give ACTIVE or DISABLED");
      }
      state = v1::Subscription::State_Name(in.state());
      continue;
    } else {
      return InvalidField(absl::StrCat("update_mask.paths[", i, "]"),
                          "変更できるのは url, filter, description, state です",
                          "only url, filter, description and state can change");
    }
    config_changed = true;
  }
  std::optional<std::string> stored;
  if (config_changed) {
    RETURN_IF_ERROR(CheckConfig(config, "subscription"));
    // Only what wh_create.lua keeps as config; the rest lives in fields of its own.
    v1::Subscription c;
    c.set_name(config.name());
    c.set_url(config.url());
    *c.mutable_filter() = config.filter();
    c.set_description(config.description());
    c.set_owner(config.owner());
    *c.mutable_create_time() = config.create_time();
    stored = c.SerializeAsString();
  }
  RETURN_IF_ERROR(store_->Update(r.id, stored, state, who.subject));
  Audit(who, "subscription.update", r.subscription.name(), config.url());
  ASSIGN_OR_RETURN(std::optional<SubscriptionRecord> now, store_->Get(r.id));
  if (!now.has_value()) return NotFound(r.subscription.name());
  return std::move(now->subscription);
}

absl::StatusOr<v1::DeleteSubscriptionResponse> Subscriptions::Delete(
    const Principal& who, const v1::DeleteSubscriptionRequest& req) {
  ASSIGN_OR_RETURN(const SubscriptionRecord r, Owned(who, req.name(), "name"));
  RETURN_IF_ERROR(store_->Delete(r.id, Channel::kWebhook, r.owner.subject, who.subject));
  Audit(who, "subscription.delete", r.subscription.name(), r.subscription.url());
  return v1::DeleteSubscriptionResponse();
}

absl::StatusOr<v1::RotateSecretResponse> Subscriptions::RotateSecret(
    const Principal& who, const v1::RotateSecretRequest& req) {
  ASSIGN_OR_RETURN(const SubscriptionRecord r, Owned(who, req.name(), "name"));
  const std::string secret = NewWebhookSecret();
  const absl::Time until = absl::Now() + dispatcher_->options().secret_overlap;
  RETURN_IF_ERROR(store_->Rotate(r.id, secret, until, who.subject));
  Audit(who, "subscription.rotate_secret", r.subscription.name());
  v1::RotateSecretResponse out;
  out.set_secret(secret);
  *out.mutable_previous_secret_expire_time() = TimestampOf(until);
  return out;
}

absl::StatusOr<v1::SendTestEventResponse> Subscriptions::SendTestEvent(
    const Principal& who, const v1::SendTestEventRequest& req) {
  ASSIGN_OR_RETURN(const SubscriptionRecord r, Owned(who, req.name(), "name"));
  // Counted first: the quota bounds how often anyone makes rfs call a URL.
  RETURN_IF_ERROR(store_->Charge(who.subject));
  const absl::Time now = absl::Now();
  common::v1::Event event;
  event.set_id(absl::StrCat("test/", NewId()));
  event.set_type("webhook.test");
  *event.mutable_time() = TimestampOf(now);
  event.set_source("rfs-notification");
  event.set_actor(who.subject);
  (*event.mutable_attributes())["subscription"] = r.subscription.name();
  WebhookDispatcher::Attempted a = dispatcher_->Attempt(r, event, 1);
  const bool delivered = a.response.failure == HttpResponse::Failure::kNone &&
                         VerdictOf(a.response.status) == AttemptVerdict::kDelivered;
  a.attempt.set_result(delivered ? v1::DeliveryAttempt::DELIVERED
                                 : v1::DeliveryAttempt::FAILED);
  dispatcher_->CountTestAttempt(delivered);
  absl::Status logged = store_->LogAttempt(r.id, a.attempt);
  if (!logged.ok()) {
    RFS_LOG(kWarning, "test delivery not logged").Field("error", logged.ToString());
  }
  Audit(who, "subscription.send_test_event", r.subscription.name(), r.subscription.url());
  v1::SendTestEventResponse out;
  *out.mutable_attempt() = std::move(a.attempt);
  return out;
}

absl::StatusOr<v1::ListDeliveriesResponse> Subscriptions::ListDeliveries(
    const Principal& who, const v1::ListDeliveriesRequest& req) {
  ASSIGN_OR_RETURN(const SubscriptionRecord r,
                   Owned(who, req.subscription(), "subscription", /*contacts_too=*/true));
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 50, 500));
  const uint64_t binding = StableHash(absl::StrCat("deliveries|", r.id));
  ASSIGN_OR_RETURN(const KeyPosition position,
                   DecodeKeyPageToken(req.page_token(), "deliveries", binding));
  ASSIGN_OR_RETURN(WebhookStore::AttemptPage page,
                   store_->Attempts(r.id, position.key, page_size));
  v1::ListDeliveriesResponse out;
  for (v1::DeliveryAttempt& a : page.attempts) *out.add_attempts() = std::move(a);
  if (out.attempts_size() == page_size) {
    out.set_next_page_token(EncodeKeyPageToken("deliveries", binding, page.last_id, 0));
  }
  return out;
}

absl::StatusOr<v1::ListDeadLettersResponse> Subscriptions::ListDeadLetters(
    const Principal& who, const v1::ListDeadLettersRequest& req) {
  ASSIGN_OR_RETURN(const SubscriptionRecord r,
                   Owned(who, req.subscription(), "subscription", /*contacts_too=*/true));
  ASSIGN_OR_RETURN(const int page_size, PageSize(req.page_size(), 50, 500));
  const uint64_t binding = StableHash(absl::StrCat("deadletters|", r.id));
  ASSIGN_OR_RETURN(const int64_t offset,
                   DecodePageToken(req.page_token(), "deadletters", binding));
  ASSIGN_OR_RETURN(WebhookStore::DeadLetterPage page,
                   store_->DeadLetters(r.id, offset, page_size));
  v1::ListDeadLettersResponse out;
  for (v1::DeadLetter& d : page.dead_letters) *out.add_dead_letters() = std::move(d);
  if (offset + page_size < page.total) {
    out.set_next_page_token(EncodePageToken("deadletters", binding, offset + page_size));
  }
  return out;
}

absl::StatusOr<v1::RedeliverDeadLetterResponse> Subscriptions::RedeliverDeadLetter(
    const Principal& who, const v1::RedeliverDeadLetterRequest& req) {
  const std::vector<absl::string_view> parts = absl::StrSplit(req.name(), '/');
  if (parts.size() != 4 || parts[2] != "deadLetters" || !LogPosition::Parse(parts[3])) {
    return InvalidField("name",
                        "subscriptions/{id}/deadLetters/{n} か contacts/{id}/deadLetters/{n} "
                        "の形で指定してください",
                        "a dead letter's name reads subscriptions/{id}/deadLetters/{n} or "
                        "contacts/{id}/deadLetters/{n}");
  }
  const std::string subscription = absl::StrCat(parts[0], "/", parts[1]);
  ASSIGN_OR_RETURN(const SubscriptionRecord r,
                   Owned(who, subscription, "name", /*contacts_too=*/true));
  absl::StatusOr<int> queued =
      store_->Redeliver(r.id, std::string(parts[3]), absl::InfinitePast(), who.subject);
  if (absl::IsNotFound(queued.status())) {
    return Bilingual(absl::StatusCode::kNotFound,
                     absl::StrCat("配信不能イベント ", Excerpt(req.name(), 80), " はありません"),
                     absl::StrCat("no dead letter ", Excerpt(req.name(), 80)));
  }
  RETURN_IF_ERROR(queued.status());
  dispatcher_->Nudge(r.id);
  Audit(who, "subscription.redeliver", req.name());
  return v1::RedeliverDeadLetterResponse();
}

absl::StatusOr<v1::RecoverDeliveriesResponse> Subscriptions::RecoverDeliveries(
    const Principal& who, const v1::RecoverDeliveriesRequest& req) {
  ASSIGN_OR_RETURN(const SubscriptionRecord r,
                   Owned(who, req.subscription(), "subscription", /*contacts_too=*/true));
  if (!req.has_since()) {
    return InvalidField("since", "いつ以降に配信不能となったものを再配信するか指定してください",
                        "give the time from which dead letters are delivered again");
  }
  const absl::Time since = absl::FromUnixMillis(TimeUtil::TimestampToMilliseconds(req.since()));
  ASSIGN_OR_RETURN(const int queued, store_->Redeliver(r.id, "", since, who.subject));
  dispatcher_->Nudge(r.id);
  Audit(who, "subscription.recover", r.subscription.name());
  v1::RecoverDeliveriesResponse out;
  out.set_requeued(queued);
  return out;
}

}  // namespace rfs::notification
