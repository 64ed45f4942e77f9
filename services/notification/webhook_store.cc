#include "services/notification/webhook_store.h"

#include <google/protobuf/util/time_util.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/base/errors.h"
#include "common/base/status.h"
#include "services/notification/lua_scripts.h"

namespace rfs::notification {
namespace {

using google::protobuf::util::TimeUtil;

std::string Ms(absl::Time t) { return absl::StrCat(absl::ToUnixMillis(t)); }

google::protobuf::Timestamp TimestampOfMs(int64_t ms) {
  return TimeUtil::MillisecondsToTimestamp(ms);
}

// lua/wh_create.lua, its keys and arguments by name, in the script's order.
struct CreateCall {
  std::string sub_key, subs_key, owner_key, version_key, log_key;
  std::string id, config, state, secret, now_ms, role, body, block, max_per_owner, max_total,
      group;
  QuotaArgs quota;
  std::string channel;

  std::vector<absl::string_view> Keys() const {
    return {sub_key, subs_key, owner_key, version_key, log_key};
  }
  std::vector<absl::string_view> Argv() const {
    return {id,    config,    state,         secret,    now_ms,       role,
            body,  block,     max_per_owner, max_total, group,        quota.prefix,
            quota.who, quota.per_minute, quota.per_hour, quota.bytes, channel};
  }
};

// lua/wh_update.lua.
struct UpdateCall {
  std::string sub_key, version_key;
  std::string config, state, secret, previous_expire_ms, now_ms;
  QuotaArgs quota;

  std::vector<absl::string_view> Keys() const { return {sub_key, version_key}; }
  std::vector<absl::string_view> Argv() const {
    return {config,       state,     secret,     previous_expire_ms, now_ms,
            quota.prefix, quota.who, quota.per_minute, quota.per_hour, quota.bytes};
  }
};

// lua/wh_delete.lua.
struct DeleteCall {
  std::string sub_key, subs_key, owner_key, version_key, log_key, attempts_key, dead_key,
      dead_at_key, due_key, tries_key, held_key, digest_key, sending_key, day_key, lock_key;
  std::string id, group;
  QuotaArgs quota;

  std::vector<absl::string_view> Keys() const {
    return {sub_key,  subs_key,    owner_key, version_key, log_key,  attempts_key,
            dead_key, dead_at_key, due_key,   tries_key,   held_key, digest_key,
            sending_key, day_key, lock_key};
  }
  std::vector<absl::string_view> Argv() const {
    return {id, group, quota.prefix, quota.who, quota.per_minute, quota.per_hour, quota.bytes};
  }
};

// lua/wh_outcome.lua.
struct OutcomeArgs {
  std::string sub_key, log_key, attempts_key, due_key, tries_key, held_key, dead_key,
      dead_at_key, version_key;
  std::string group, entry, verdict, attempt, now_ms, next_ms, tries, dead_letter,
      disable_after_ms, attempts_kept, dead_kept, from_group, gone_reason;

  std::vector<absl::string_view> Keys() const {
    return {sub_key,  log_key,  attempts_key, due_key,    tries_key,
            held_key, dead_key, dead_at_key,  version_key};
  }
  std::vector<absl::string_view> Argv() const {
    return {group,       entry,            verdict,       attempt,   now_ms,    next_ms,
            tries,       dead_letter,      disable_after_ms, attempts_kept, dead_kept,
            from_group,  gone_reason};
  }
};

// lua/wh_claim.lua.
struct ClaimCall {
  std::string due_key, tries_key, held_key;
  std::string now_ms, lease_ms, max;

  std::vector<absl::string_view> Keys() const { return {due_key, tries_key, held_key}; }
  std::vector<absl::string_view> Argv() const { return {now_ms, lease_ms, max}; }
};

// lua/wh_redeliver.lua.
struct RedeliverCall {
  std::string sub_key, dead_key, dead_at_key, due_key, tries_key, held_key;
  std::string entry, since_ms, now_ms, max;
  QuotaArgs quota;

  std::vector<absl::string_view> Keys() const {
    return {sub_key, dead_key, dead_at_key, due_key, tries_key, held_key};
  }
  std::vector<absl::string_view> Argv() const {
    return {entry,     since_ms,         now_ms,         max,        quota.prefix,
            quota.who, quota.per_minute, quota.per_hour, quota.bytes};
  }
};

// lua/wh_digest_add.lua.
struct DigestAddCall {
  std::string sub_key, log_key, digest_key;
  std::string group, entry, line, kept, from_group;

  std::vector<absl::string_view> Keys() const { return {sub_key, log_key, digest_key}; }
  std::vector<absl::string_view> Argv() const { return {group, entry, line, kept, from_group}; }
};

// The reason a disabled subscription or contact shows, for people.
std::string ReasonText(absl::string_view code) {
  if (code == "gone") {
    return "受信側が 410 Gone を返したため停止しました (the receiver answered 410 Gone)";
  }
  if (code == "bounced") {
    return "メールサーバがこのアドレスへの送信を恒久的に拒否したため停止しました (the mail "
           "relay refused this address for good)";
  }
  if (code == "failing") {
    return "配信の失敗が続いたため停止しました (every delivery failed for too long)";
  }
  return std::string(code);
}

}  // namespace

WebhookStore::WebhookStore(RedisPool* pool, AsyncRedis* async, WebhookStoreOptions options)
    : RedisStore(pool, async, "rfs:notification:"),
      options_(std::move(options)),
      create_script_(Script({lua::kWhCreateLua})),
      update_script_(Script({lua::kWhUpdateLua})),
      delete_script_(Script({lua::kWhDeleteLua})),
      outcome_script_(Script({lua::kWhOutcomeLua})),
      claim_script_(Script({lua::kWhClaimLua})),
      redeliver_script_(Script({lua::kWhRedeliverLua})),
      charge_script_(Script({lua::kWhChargeLua})),
      digest_add_script_(Script({lua::kWhDigestAddLua})),
      digest_take_script_(Script({lua::kWhDigestTakeLua})) {}

std::string ContactScope(const v1::Contact& contact) {
  if (!contact.body_code().empty()) return absl::StrCat("body:", contact.body_code());
  if (!contact.block().empty()) return absl::StrCat("block:", contact.block());
  return "national";
}

std::string WebhookStore::OwnerKey(const std::string& subject) const {
  return Key(absl::StrCat("wh:owner:", subject.size(), ":", subject));
}

QuotaArgs WebhookStore::QuotaOf(const std::string& caller, int64_t bytes) const {
  return QuotaArgsOf(options_.quota, prefix(), caller, bytes);
}

absl::Status WebhookStore::RefusalOf(const redisReply* reply, const std::string& caller,
                                     absl::string_view what) const {
  if (std::optional<QuotaRefusal> refusal = QuotaRefusalOf(reply)) {
    return OverQuota(caller, *refusal);
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
      reply->element[0]->type != REDIS_REPLY_STRING) {
    return Corrupt(what);
  }
  const absl::string_view head = ReplyString(reply->element[0]);
  if (head == "OK") return absl::OkStatus();
  if (head == "NOT_FOUND") {
    return Bilingual(absl::StatusCode::kNotFound, "指定されたものは存在しません",
                     absl::StrCat(what, ": not found"));
  }
  if (head == "LIMIT") {
    const bool owner = reply->elements > 1 && ReplyString(reply->element[1]) == "owner";
    return owner ? Bilingual(absl::StatusCode::kResourceExhausted,
                             absl::StrCat("作成できる購読は 1 人 ", options_.max_per_owner,
                                          " 件までです。不要な購読を削除してください"),
                             absl::StrCat("an owner may have at most ", options_.max_per_owner,
                                          " subscriptions: delete one you no longer need"))
                 : Bilingual(absl::StatusCode::kResourceExhausted,
                             absl::StrCat("購読の総数が上限 (", options_.max_total,
                                          " 件) に達しています。運用担当に連絡してください"),
                             absl::StrCat("the service holds its maximum of ",
                                          options_.max_total,
                                          " subscriptions: ask the operators"));
  }
  return Corrupt(what);
}

absl::Status WebhookStore::Create(const SubscriptionRecord& record, const std::string& caller) {
  const bool email = record.channel == Channel::kEmail;
  CreateCall call;
  call.sub_key = SubKey(record.id);
  call.subs_key = IndexKey(record.channel);
  call.owner_key = OwnerIndexKey(record.channel, email ? ContactScope(*record.contact)
                                                       : record.owner.subject);
  call.version_key = Key("wh:version");
  call.log_key = LogKey();
  call.id = record.id;
  google::protobuf::Timestamp created;
  if (email) {
    v1::Contact config = *record.contact;
    config.clear_state();
    config.clear_disabled_reason();
    config.clear_update_time();
    created = config.create_time();
    call.config = config.SerializeAsString();
    call.state = v1::Contact::State_Name(record.contact->state());
    call.channel = "email";
  } else {
    v1::Subscription config;
    config.set_name(record.subscription.name());
    config.set_url(record.subscription.url());
    *config.mutable_filter() = record.subscription.filter();
    config.set_description(record.subscription.description());
    config.set_owner(record.owner.subject);
    *config.mutable_create_time() = record.subscription.create_time();
    created = config.create_time();
    call.config = config.SerializeAsString();
    call.state = v1::Subscription::State_Name(record.subscription.state());
    call.channel = "webhook";
  }
  call.secret = record.secret;
  call.now_ms = absl::StrCat(TimeUtil::TimestampToMilliseconds(created));
  call.role = RoleName(record.owner.role);
  call.body = record.owner.body_code;
  call.block = record.owner.block;
  call.max_per_owner =
      absl::StrCat(email ? options_.max_contacts_per_body : options_.max_per_owner);
  call.max_total = absl::StrCat(email ? options_.max_contacts : options_.max_total);
  call.group = GroupOf(record.id);
  call.quota = QuotaOf(caller, static_cast<int64_t>(call.config.size()));
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(create_script_, call.Keys(), call.Argv()));
  return RefusalOf(reply.get(), caller, "subscription");
}

namespace {

// A subscription's hash (HGETALL) as a record; nullopt for an empty hash (no subscription).
absl::StatusOr<std::optional<SubscriptionRecord>> RecordOf(const std::string& id,
                                                           const redisReply* reply) {
  if (reply->type != REDIS_REPLY_ARRAY) return RedisStore::Corrupt("subscription");
  if (reply->elements == 0) return std::optional<SubscriptionRecord>();
  SubscriptionRecord r;
  r.id = id;
  bool has_config = false;
  int64_t failing_since = 0, update_ms = 0, previous_expire_ms = 0;
  std::string state;
  absl::string_view config;
  for (size_t i = 0; i + 1 < reply->elements; i += 2) {
    const absl::string_view field = ReplyString(reply->element[i]);
    const absl::string_view value = ReplyString(reply->element[i + 1]);
    if (field == "config") {
      config = value;
      has_config = true;
    } else if (field == "channel") {
      r.channel = value == "email" ? Channel::kEmail : Channel::kWebhook;
    } else if (field == "state") {
      state = std::string(value);
    } else if (field == "reason") {
      r.disabled_code = std::string(value);
    } else if (field == "failing_since") {
      if (!absl::SimpleAtoi(value, &failing_since)) return RedisStore::Corrupt("subscription");
    } else if (field == "update_ms") {
      if (!absl::SimpleAtoi(value, &update_ms)) return RedisStore::Corrupt("subscription");
    } else if (field == "secret") {
      r.secret = std::string(value);
    } else if (field == "previous_secret") {
      r.previous_secret = std::string(value);
    } else if (field == "previous_expire_ms") {
      if (!absl::SimpleAtoi(value, &previous_expire_ms)) {
        return RedisStore::Corrupt("subscription");
      }
    } else if (field == "role") {
      if (!ParseRole(value, &r.owner.role)) return RedisStore::Corrupt("subscription owner");
    } else if (field == "body") {
      r.owner.body_code = std::string(value);
    } else if (field == "block") {
      r.owner.block = std::string(value);
    }
  }
  if (!has_config) return RedisStore::Corrupt("subscription");
  if (r.channel == Channel::kEmail) {
    v1::Contact& c = r.contact.emplace();
    v1::Contact::State contact_state;
    if (!c.ParseFromArray(config.data(), static_cast<int>(config.size())) ||
        !v1::Contact::State_Parse(state, &contact_state)) {
      return RedisStore::Corrupt("contact");
    }
    c.set_state(contact_state);
    if (contact_state == v1::Contact::DISABLED && !r.disabled_code.empty()) {
      c.set_disabled_reason(ReasonText(r.disabled_code));
    }
    if (update_ms > 0) *c.mutable_update_time() = TimestampOfMs(update_ms);
    // What the dispatcher reads of every record.
    r.subscription.set_name(c.name());
    r.subscription.set_state(contact_state == v1::Contact::ACTIVE ? v1::Subscription::ACTIVE
                                                                  : v1::Subscription::DISABLED);
    if (failing_since > 0) *r.subscription.mutable_failing_since() = TimestampOfMs(failing_since);
    r.owner.expires = absl::InfiniteFuture();
    return std::optional<SubscriptionRecord>(std::move(r));
  }
  v1::Subscription::State parsed_state;
  if (!r.subscription.ParseFromArray(config.data(), static_cast<int>(config.size())) ||
      !v1::Subscription::State_Parse(state, &parsed_state) || r.secret.empty()) {
    return RedisStore::Corrupt("subscription");
  }
  v1::Subscription& s = r.subscription;
  r.owner.subject = s.owner();
  r.owner.expires = absl::InfiniteFuture();
  s.set_state(parsed_state);
  if (parsed_state == v1::Subscription::DISABLED && !r.disabled_code.empty()) {
    s.set_disabled_reason(ReasonText(r.disabled_code));
  }
  if (failing_since > 0) *s.mutable_failing_since() = TimestampOfMs(failing_since);
  if (update_ms > 0) *s.mutable_update_time() = TimestampOfMs(update_ms);
  if (!r.previous_secret.empty()) {
    r.previous_expire = absl::FromUnixMillis(previous_expire_ms);
    if (r.previous_expire > absl::Now()) {
      *s.mutable_previous_secret_expire_time() = TimestampOfMs(previous_expire_ms);
    } else {
      r.previous_secret.clear();  // it no longer signs
    }
  }
  return std::optional<SubscriptionRecord>(std::move(r));
}

}  // namespace

absl::StatusOr<std::optional<SubscriptionRecord>> WebhookStore::Get(const std::string& id) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command({"HGETALL", SubKey(id)}));
  return RecordOf(id, reply.get());
}

absl::StatusOr<std::vector<SubscriptionRecord>> WebhookStore::GetMany(
    const std::vector<std::string>& ids) {
  std::vector<SubscriptionRecord> out;
  if (ids.empty()) return out;
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const std::string& id : ids) keys.push_back(SubKey(id));
  std::vector<std::vector<absl::string_view>> commands;
  commands.reserve(keys.size());
  for (const std::string& key : keys) commands.push_back({"HGETALL", key});
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (replies[i]->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(replies[i].get()));
    ASSIGN_OR_RETURN(std::optional<SubscriptionRecord> r, RecordOf(ids[i], replies[i].get()));
    if (r.has_value()) out.push_back(std::move(*r));  // deleted meanwhile: left out
  }
  return out;
}

absl::StatusOr<WebhookStore::IdPage> WebhookStore::ListIds(const std::string& owner,
                                                            int64_t offset, int64_t count,
                                                            Channel channel) {
  const std::string key = owner.empty() ? IndexKey(channel) : OwnerIndexKey(channel, owner);
  const std::string from = absl::StrCat(offset);
  const std::string to = absl::StrCat(offset + count - 1);
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies,
                   lease.Pipeline({{"ZRANGE", key, from, to}, {"ZCARD", key}}));
  if (replies[0]->type != REDIS_REPLY_ARRAY) return Corrupt("subscription index");
  IdPage page;
  for (size_t i = 0; i < replies[0]->elements; ++i) {
    page.ids.emplace_back(ReplyString(replies[0]->element[i]));
  }
  ASSIGN_OR_RETURN(page.total, IntegerOf(replies[1].get(), "subscription index"));
  return page;
}

absl::Status WebhookStore::Update(const std::string& id, const std::optional<std::string>& config,
                                  const std::string& state, const std::string& caller) {
  UpdateCall call;
  call.sub_key = SubKey(id);
  call.version_key = Key("wh:version");
  if (config.has_value()) call.config = *config;
  call.state = state;
  call.now_ms = Ms(absl::Now());
  call.quota = QuotaOf(caller, static_cast<int64_t>(call.config.size()));
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(update_script_, call.Keys(), call.Argv()));
  return RefusalOf(reply.get(), caller, "subscription");
}

absl::Status WebhookStore::Rotate(const std::string& id, const std::string& secret,
                                  absl::Time previous_expire, const std::string& caller) {
  UpdateCall call;
  call.sub_key = SubKey(id);
  call.version_key = Key("wh:version");
  call.secret = secret;
  call.previous_expire_ms = Ms(previous_expire);
  call.now_ms = Ms(absl::Now());
  call.quota = QuotaOf(caller, 0);
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(update_script_, call.Keys(), call.Argv()));
  return RefusalOf(reply.get(), caller, "subscription");
}

absl::Status WebhookStore::Delete(const std::string& id, Channel channel,
                                  const std::string& owner, const std::string& caller) {
  DeleteCall call;
  call.sub_key = SubKey(id);
  call.subs_key = IndexKey(channel);
  call.owner_key = OwnerIndexKey(channel, owner);
  call.digest_key = SubKey(id, "digest");
  call.sending_key = SubKey(id, "digest_sending");
  call.day_key = SubKey(id, "digest_day");
  call.lock_key = SubKey(id, "digest_lock");
  call.version_key = Key("wh:version");
  call.log_key = LogKey();
  call.attempts_key = SubKey(id, "attempts");
  call.dead_key = SubKey(id, "dead");
  call.dead_at_key = SubKey(id, "dead_at");
  call.due_key = SubKey(id, "due");
  call.tries_key = SubKey(id, "tries");
  call.held_key = SubKey(id, "held");
  call.id = id;
  call.group = GroupOf(id);
  call.quota = QuotaOf(caller, 0);
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(delete_script_, call.Keys(), call.Argv()));
  return RefusalOf(reply.get(), caller, "subscription");
}

absl::StatusOr<int64_t> WebhookStore::Version() {
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command({"GET", Key("wh:version")}));
  if (reply->type == REDIS_REPLY_NIL) return 0;
  return IntegerOf(reply.get(), "subscription version");
}

absl::Status WebhookStore::Charge(const std::string& caller) {
  const QuotaArgs q = QuotaOf(caller, 0);
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Eval(charge_script_, {},
                               {q.prefix, q.who, q.per_minute, q.per_hour, q.bytes}));
  return RefusalOf(reply.get(), caller, "quota");
}

absl::Status WebhookStore::LogAttempt(const std::string& id,
                                      const v1::DeliveryAttempt& attempt) {
  const std::string bytes = attempt.SerializeAsString();
  const std::string kept = absl::StrCat(options_.attempts_kept);
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Command({"XADD", SubKey(id, "attempts"), "MAXLEN", "~", kept, "*",
                                   "a", bytes}));
  return absl::OkStatus();
}

absl::StatusOr<bool> WebhookStore::RecordOutcome(const OutcomeCall& call) {
  OutcomeArgs a;
  a.sub_key = SubKey(call.id);
  a.log_key = LogKey();
  a.attempts_key = SubKey(call.id, "attempts");
  a.due_key = SubKey(call.id, "due");
  a.tries_key = SubKey(call.id, "tries");
  a.held_key = SubKey(call.id, "held");
  a.dead_key = SubKey(call.id, "dead");
  a.dead_at_key = SubKey(call.id, "dead_at");
  a.version_key = Key("wh:version");
  a.group = GroupOf(call.id);
  a.entry = call.entry;
  a.verdict = call.verdict;
  a.attempt = call.attempt.SerializeAsString();
  a.now_ms = Ms(call.now);
  a.next_ms = Ms(call.next_attempt);
  a.tries = absl::StrCat(call.failed, "|", absl::ToUnixMillis(call.first));
  if (call.dead_letter.has_value()) a.dead_letter = call.dead_letter->SerializeAsString();
  a.disable_after_ms = absl::StrCat(absl::ToInt64Milliseconds(call.disable_after));
  a.attempts_kept = absl::StrCat(options_.attempts_kept);
  a.dead_kept = absl::StrCat(options_.dead_letters_kept);
  a.from_group = call.from_group ? "1" : "0";
  a.gone_reason = call.gone_reason;
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(outcome_script_, a.Keys(), a.Argv()));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) return Corrupt("outcome reply");
  if (ReplyString(reply->element[0]) == "DELETED") return false;
  if (reply->elements != 2) return Corrupt("outcome reply");
  return ReplyString(reply->element[1]) == "1";
}

absl::StatusOr<WebhookStore::Claimed> WebhookStore::ClaimDue(const std::string& id,
                                                             absl::Time now,
                                                             absl::Duration lease, int max) {
  ClaimCall call;
  call.due_key = SubKey(id, "due");
  call.tries_key = SubKey(id, "tries");
  call.held_key = SubKey(id, "held");
  call.now_ms = Ms(now);
  call.lease_ms = absl::StrCat(absl::ToInt64Milliseconds(lease));
  call.max = absl::StrCat(max);
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(claim_script_, call.Keys(), call.Argv()));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_ARRAY) {
    return Corrupt("claim reply");
  }
  Claimed out;
  const redisReply* items = reply->element[0];
  for (size_t i = 0; i < items->elements; ++i) {
    const redisReply* item = items->element[i];
    if (item->type != REDIS_REPLY_ARRAY || item->elements != 3) return Corrupt("claim reply");
    ClaimedRetry& r = out.retries.emplace_back();
    r.entry = std::string(ReplyString(item->element[0]));
    const std::vector<absl::string_view> tries =
        absl::StrSplit(ReplyString(item->element[1]), '|');
    int64_t first_ms = 0;
    if (tries.size() != 2 || !absl::SimpleAtoi(tries[0], &r.failed) ||
        !absl::SimpleAtoi(tries[1], &first_ms)) {
      return Corrupt("retry state");
    }
    r.first = absl::FromUnixMillis(first_ms);
    const absl::string_view held = ReplyString(item->element[2]);
    if (!held.empty()) {
      r.held.emplace();
      if (!r.held->ParseFromArray(held.data(), static_cast<int>(held.size()))) {
        return Corrupt("held dead letter");
      }
    }
  }
  const absl::string_view next = ReplyString(reply->element[1]);
  int64_t next_ms = 0;
  if (!next.empty() && absl::SimpleAtoi(next, &next_ms)) out.next_due = absl::FromUnixMillis(next_ms);
  return out;
}

absl::StatusOr<int> WebhookStore::Redeliver(const std::string& id, const std::string& entry,
                                            absl::Time since, const std::string& caller) {
  RedeliverCall call;
  call.sub_key = SubKey(id);
  call.dead_key = SubKey(id, "dead");
  call.dead_at_key = SubKey(id, "dead_at");
  call.due_key = SubKey(id, "due");
  call.tries_key = SubKey(id, "tries");
  call.held_key = SubKey(id, "held");
  call.entry = entry;
  call.since_ms = Ms(since);
  call.now_ms = Ms(absl::Now());
  call.max = "10000";
  call.quota = QuotaOf(caller, 0);
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Eval(redeliver_script_, call.Keys(), call.Argv()));
  RETURN_IF_ERROR(RefusalOf(reply.get(), caller, "dead letter"));
  if (reply->elements != 2) return Corrupt("redeliver reply");
  ASSIGN_OR_RETURN(const int64_t queued, IntegerOf(reply->element[1], "redeliver reply"));
  return static_cast<int>(queued);
}

absl::StatusOr<WebhookStore::AttemptPage> WebhookStore::Attempts(const std::string& id,
                                                                 const std::string& before,
                                                                 int count) {
  const std::string end = before.empty() ? "+" : absl::StrCat("(", before);
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Command({"XREVRANGE", SubKey(id, "attempts"), end, "-", "COUNT",
                                   absl::StrCat(count)}));
  if (reply->type != REDIS_REPLY_ARRAY) return Corrupt("delivery log");
  AttemptPage page;
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* entry = reply->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY || entry->element[1]->elements != 2) {
      return Corrupt("delivery log entry");
    }
    page.last_id = std::string(ReplyString(entry->element[0]));
    RETURN_IF_ERROR(ParseOf(entry->element[1]->element[1], &page.attempts.emplace_back(),
                            "delivery log entry"));
  }
  return page;
}

absl::StatusOr<WebhookStore::DeadLetterPage> WebhookStore::DeadLetters(const std::string& id,
                                                                       int64_t offset,
                                                                       int count) {
  const std::string dead_at = SubKey(id, "dead_at");
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies,
                   lease.Pipeline({{"ZREVRANGE", dead_at, absl::StrCat(offset),
                                    absl::StrCat(offset + count - 1)},
                                   {"ZCARD", dead_at}}));
  if (replies[0]->type != REDIS_REPLY_ARRAY) return Corrupt("dead letters");
  DeadLetterPage page;
  ASSIGN_OR_RETURN(page.total, IntegerOf(replies[1].get(), "dead letters"));
  if (replies[0]->elements == 0) return page;
  const std::string dead = SubKey(id, "dead");
  std::vector<absl::string_view> hmget = {"HMGET", dead};
  for (size_t i = 0; i < replies[0]->elements; ++i) {
    hmget.push_back(ReplyString(replies[0]->element[i]));
  }
  ASSIGN_OR_RETURN(RedisReplyPtr letters, lease.Command(hmget));
  if (letters->type != REDIS_REPLY_ARRAY) return Corrupt("dead letters");
  for (size_t i = 0; i < letters->elements; ++i) {
    if (letters->element[i]->type == REDIS_REPLY_NIL) continue;  // redelivered meanwhile
    RETURN_IF_ERROR(ParseOf(letters->element[i], &page.dead_letters.emplace_back(),
                            "dead letter"));
  }
  return page;
}

absl::Status WebhookStore::DisableContact(const std::string& id, const std::string& reason) {
  const std::string key = SubKey(id);
  const std::string now = Ms(absl::Now());
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies,
                   lease.Pipeline({{"MULTI"},
                                   {"HSET", key, "state", "DISABLED", "reason", reason,
                                    "update_ms", now},
                                   {"INCR", Key("wh:version")},
                                   {"EXEC"}}));
  const redisReply* exec = replies.back().get();
  if (exec->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(exec));
  return absl::OkStatus();
}

absl::Status WebhookStore::AddDigestLine(const std::string& id, const std::string& entry,
                                         const std::string& line, bool from_group) {
  DigestAddCall call;
  call.sub_key = SubKey(id);
  call.log_key = LogKey();
  call.digest_key = SubKey(id, "digest");
  call.group = GroupOf(id);
  call.entry = entry;
  call.line = line;
  call.kept = absl::StrCat(options_.digest_lines_kept);
  call.from_group = from_group ? "1" : "0";
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Eval(digest_add_script_, call.Keys(), call.Argv()));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1) return Corrupt("digest reply");
  return absl::OkStatus();
}

absl::StatusOr<std::string> WebhookStore::DigestDay(const std::string& id) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command({"GET", SubKey(id, "digest_day")}));
  if (reply->type == REDIS_REPLY_STRING) return std::string(ReplyString(reply.get()));
  return std::string();
}

absl::StatusOr<std::vector<std::string>> WebhookStore::TakeDigest(const std::string& id) {
  const std::string kept = absl::StrCat(options_.digest_lines_kept);
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Eval(digest_take_script_,
                               {SubKey(id, "digest"), SubKey(id, "digest_sending")}, {kept}));
  if (reply->type != REDIS_REPLY_ARRAY) return Corrupt("digest");
  std::vector<std::string> lines;
  lines.reserve(reply->elements);
  for (size_t i = 0; i < reply->elements; ++i) lines.emplace_back(ReplyString(reply->element[i]));
  return lines;
}

absl::StatusOr<bool> WebhookStore::LockDigest(const std::string& id, const std::string& holder,
                                              absl::Duration ttl) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Command({"SET", SubKey(id, "digest_lock"), holder, "NX", "PX",
                                   absl::StrCat(absl::ToInt64Milliseconds(ttl))}));
  return reply->type == REDIS_REPLY_STATUS;
}

absl::Status WebhookStore::DigestSent(const std::string& id, const std::string& day) {
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies,
                   lease.Pipeline({{"MULTI"},
                                   {"DEL", SubKey(id, "digest_sending")},
                                   {"SET", SubKey(id, "digest_day"), day},
                                   {"DEL", SubKey(id, "digest_lock")},
                                   {"EXEC"}}));
  const redisReply* exec = replies.back().get();
  if (exec->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(exec));
  return absl::OkStatus();
}

absl::Status WebhookStore::UnlockDigest(const std::string& id) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command({"DEL", SubKey(id, "digest_lock")}));
  return absl::OkStatus();
}

absl::StatusOr<int64_t> WebhookStore::CountDeadLetters(const std::vector<std::string>& ids) {
  if (ids.empty()) return 0;
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const std::string& id : ids) keys.push_back(SubKey(id, "dead_at"));
  std::vector<std::vector<absl::string_view>> commands;
  for (const std::string& key : keys) commands.push_back({"ZCARD", key});
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
  int64_t total = 0;
  for (const RedisReplyPtr& r : replies) {
    ASSIGN_OR_RETURN(const int64_t n, IntegerOf(r.get(), "dead letters"));
    total += n;
  }
  return total;
}

}  // namespace rfs::notification
