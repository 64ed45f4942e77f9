// The webhook subscriptions and the e-mail contacts in Redis, under rfs:notification:wh:
// (docs/architecture.md "Webhooks" and "E-mail"). Both are delivered the same way (one
// consumer group each, the same retries, delivery log and dead letters); a contact is a
// subscription whose channel is e-mail:
//   wh:subs                   ZSET   every subscription id, by creation time (ms)
//   wh:owner:{len}:{subject}  ZSET   one owner's subscription ids (what bounds each owner)
//   wh:contacts               ZSET   every contact id, by creation time (ms)
//   wh:scope:{scope}          ZSET   the contact ids of one body ("body:160008"), block
//                                    ("block:HOKURIKU") or "national"
//   wh:version                STRING bumped by every change: replicas reload on a new value
//   wh:sub:{id}               HASH   channel ("webhook" | "email"), config (serialized
//                                    Subscription: url, filter, description, owner,
//                                    create_time; or Contact), state, reason, failing_since,
//                                    update_ms, secret (webhooks), previous_secret,
//                                    previous_expire_ms, role, body, block (the owner's read
//                                    rights)
//   wh:sub:{id}:attempts      STREAM the delivery log: a (serialized DeliveryAttempt)
//   wh:sub:{id}:due           ZSET   retries: log entry -> when due (ms), leased while in flight
//   wh:sub:{id}:tries         HASH   log entry -> "{failed attempts}|{first attempt ms}"
//   wh:sub:{id}:held          HASH   log entry -> DeadLetter being redelivered (its event)
//   wh:sub:{id}:dead          HASH   log entry -> serialized DeadLetter
//   wh:sub:{id}:dead_at       ZSET   log entry -> when it failed (ms)
//   wh:sub:{id}:digest        LIST   a digest contact's lines not yet mailed
//   wh:sub:{id}:digest_sending LIST  lines of the digest being mailed (or whose mail failed)
//   wh:sub:{id}:digest_day    STRING the day (JST, yyyymmdd) its last digest went out
//   wh:sub:{id}:digest_lock   STRING the replica sending its digest now (expires)
// and a consumer group "wh:{id}" on the event log per subscription: its pending entries are
// the first attempts in flight, each replica a consumer. Every write is one Lua script
// (lua/wh_*.lua) that checks and charges the caller's quota first. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/domain/principal.h"
#include "common/redis/redis_store.h"
#include "common/redis/write_quota.h"
#include "rfs/notification/v1/notification.pb.h"

namespace rfs::notification {

enum class Channel { kWebhook, kEmail };

// A subscription (or a contact) as stored: the public view (without secrets) and what
// delivers it.
struct SubscriptionRecord {
  std::string id;
  Channel channel = Channel::kWebhook;
  // Every field filled, the output-only ones too; for a contact its name and state only.
  v1::Subscription subscription;
  std::optional<v1::Contact> contact;  // a contact's, every field filled
  Principal owner;                // whose read rights decide what it receives
  std::string secret;             // the current signing secret
  std::string previous_secret;    // while a rotation overlaps, else empty
  absl::Time previous_expire = absl::InfinitePast();
  // Why the service disabled it: "gone" (410), "bounced", "failing", or empty.
  std::string disabled_code;
};

// Limits of what one owner, and everyone, may keep (--max_subscriptions_per_owner, ...).
struct WebhookStoreOptions {
  int64_t max_per_owner = 20;
  int64_t max_total = 1000;
  int64_t attempts_kept = 1000;      // delivery log entries a subscription keeps
  int64_t dead_letters_kept = 10000;  // dead letters a subscription keeps
  int64_t max_contacts_per_body = 50;
  int64_t max_contacts = 10000;
  int64_t digest_lines_kept = 500;    // lines a digest holds at most
  WriteQuota quota;                   // of each caller
};

// A retry (or redelivery) taken to deliver.
struct ClaimedRetry {
  std::string entry;             // the log entry
  int failed = 0;                // attempts failed so far
  absl::Time first;              // the first attempt
  std::optional<v1::DeadLetter> held;  // a redelivered dead letter (carries its event)
};

// What one attempt left behind (lua/wh_outcome.lua).
struct OutcomeCall {
  std::string id;        // the subscription
  std::string entry;     // the log entry
  std::string verdict;   // "delivered", "retry", "dead", "gone"
  v1::DeliveryAttempt attempt;
  absl::Time now;
  absl::Time next_attempt;  // retry
  int failed = 0;           // retry: attempts failed so far, this one included
  absl::Time first;         // retry: the first attempt
  std::optional<v1::DeadLetter> dead_letter;  // dead, gone
  absl::Duration disable_after;
  bool from_group = false;  // the entry came through the consumer group (acknowledge it)
  std::string gone_reason = "gone";  // why "gone" disables: "gone" (410) or "bounced"
};

class WebhookStore : public RedisStore {
 public:
  WebhookStore(RedisPool* pool, AsyncRedis* async, WebhookStoreOptions options);

  // RESOURCE_EXHAUSTED when the owner (or everyone) has as many subscriptions as allowed, or
  // the caller's quota is used up; nothing written then.
  absl::Status Create(const SubscriptionRecord& record, const std::string& caller);
  // nullopt when there is no such subscription.
  absl::StatusOr<std::optional<SubscriptionRecord>> Get(const std::string& id);
  absl::StatusOr<std::vector<SubscriptionRecord>> GetMany(const std::vector<std::string>& ids);
  // Ids in order of creation: every subscription (owner empty) or one owner's; and how many.
  struct IdPage {
    std::vector<std::string> ids;
    int64_t total = 0;
  };
  // Contacts: every one (scope empty) or one scope's (ContactScope).
  absl::StatusOr<IdPage> ListIds(const std::string& owner, int64_t offset, int64_t count,
                                 Channel channel = Channel::kWebhook);
  // Changes config (the serialized Subscription or Contact as Create stores it) and/or state
  // (empty: unchanged); NOT_FOUND when it was deleted meanwhile.
  absl::Status Update(const std::string& id, const std::optional<std::string>& config,
                      const std::string& state, const std::string& caller);
  absl::Status Rotate(const std::string& id, const std::string& secret,
                      absl::Time previous_expire, const std::string& caller);
  // `owner`: a subscription's owner subject, or a contact's scope.
  absl::Status Delete(const std::string& id, Channel channel, const std::string& owner,
                      const std::string& caller);
  // Disables a contact the service may no longer send to ("bounced"); no quota.
  absl::Status DisableContact(const std::string& id, const std::string& reason);
  // The version counter: changes with every subscription change.
  absl::StatusOr<int64_t> Version();

  // Counts one write against `caller`'s quota (SendTestEvent).
  absl::Status Charge(const std::string& caller);
  // Adds an attempt to the delivery log (SendTestEvent's, outside the schedule).
  absl::Status LogAttempt(const std::string& id, const v1::DeliveryAttempt& attempt);
  // Records an attempt's outcome; true when it disabled the subscription.
  absl::StatusOr<bool> RecordOutcome(const OutcomeCall& call);
  // Leases at most `max` due retries of a subscription; and when the next is due
  // (InfiniteFuture for none).
  struct Claimed {
    std::vector<ClaimedRetry> retries;
    absl::Time next_due = absl::InfiniteFuture();
  };
  absl::StatusOr<Claimed> ClaimDue(const std::string& id, absl::Time now, absl::Duration lease,
                                   int max);
  // Queues one dead letter (entry) or every one failed at or after `since` (entry empty) for
  // delivery again; how many. NOT_FOUND for an unknown subscription or dead letter.
  absl::StatusOr<int> Redeliver(const std::string& id, const std::string& entry,
                                absl::Time since, const std::string& caller);

  // The delivery log, newest first: at most `count` attempts before the stream id `before`
  // (empty: from the newest); each with its stream id.
  struct AttemptPage {
    std::vector<v1::DeliveryAttempt> attempts;
    std::string last_id;  // of the last attempt returned; empty for none
  };
  absl::StatusOr<AttemptPage> Attempts(const std::string& id, const std::string& before,
                                       int count);
  // Dead letters, newest first, from `offset`; and how many there are.
  struct DeadLetterPage {
    std::vector<v1::DeadLetter> dead_letters;
    int64_t total = 0;
  };
  absl::StatusOr<DeadLetterPage> DeadLetters(const std::string& id, int64_t offset, int count);
  // Digests (lua/wh_digest_add.lua): a line added and the entry acknowledged.
  absl::Status AddDigestLine(const std::string& id, const std::string& entry,
                             const std::string& line, bool from_group);
  // The day (JST, yyyymmdd) the contact's last digest went out ("" for never).
  absl::StatusOr<std::string> DigestDay(const std::string& id);
  // The lines to mail now (lua/wh_digest_take.lua): those a failed send left, then the
  // digest's, moved aside so lines added meanwhile wait for the next digest.
  absl::StatusOr<std::vector<std::string>> TakeDigest(const std::string& id);
  // Takes the right to send the contact's digest for `ttl` as `holder` (this replica); false:
  // another replica has it.
  absl::StatusOr<bool> LockDigest(const std::string& id, const std::string& holder,
                                  absl::Duration ttl);
  // The lines taken went out on `day`: forgotten, the day noted, the lock released.
  absl::Status DigestSent(const std::string& id, const std::string& day);
  absl::Status UnlockDigest(const std::string& id);

  // Dead letters of every subscription in `ids` (the rfs_dead_letters gauge).
  absl::StatusOr<int64_t> CountDeadLetters(const std::vector<std::string>& ids);

  // The consumer group of a subscription and the keys the dispatcher reads.
  static std::string GroupOf(const std::string& id) { return "wh:" + id; }
  std::string SubKey(const std::string& id) const { return Key("wh:sub:" + id); }
  std::string SubKey(const std::string& id, absl::string_view part) const {
    return Key(absl::StrCat("wh:sub:", id, ":", part));
  }
  std::string LogKey() const { return Key("log"); }
  // The pool the dispatcher reads the consumer groups with.
  RedisPool* pool() const { return pool_; }

 private:
  std::string OwnerKey(const std::string& subject) const;
  std::string IndexKey(Channel channel) const {
    return Key(channel == Channel::kWebhook ? "wh:subs" : "wh:contacts");
  }
  // A subscription's owner's index, or a contact's scope's.
  std::string OwnerIndexKey(Channel channel, const std::string& owner) const {
    return channel == Channel::kWebhook ? OwnerKey(owner) : Key("wh:scope:" + owner);
  }
  // The caller's quota arguments for a write of `bytes`.
  QuotaArgs QuotaOf(const std::string& caller, int64_t bytes) const;
  // Maps a script's refusal ({'QUOTA', ...}, {'NOT_FOUND'}, {'LIMIT', ...}) to a status; OK
  // for {'OK', ...}.
  absl::Status RefusalOf(const redisReply* reply, const std::string& caller,
                         absl::string_view what) const;

  const WebhookStoreOptions options_;
  const RedisScript& create_script_;
  const RedisScript& update_script_;
  const RedisScript& delete_script_;
  const RedisScript& outcome_script_;
  const RedisScript& claim_script_;
  const RedisScript& redeliver_script_;
  const RedisScript& charge_script_;
  const RedisScript& digest_add_script_;
  const RedisScript& digest_take_script_;
};

// The scope of a contact: "body:{code}", "block:{id}" or "national".
std::string ContactScope(const v1::Contact& contact);

}  // namespace rfs::notification
