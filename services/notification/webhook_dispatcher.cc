#include "services/notification/webhook_dispatcher.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/base/japan_time.h"
#include "common/redis/leader_lease.h"
#include "services/notification/mail_templates.h"

namespace rfs::notification {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp TimestampOf(absl::Time t) {
  return TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(t));
}

// The JSON body of a delivery: the event in protobuf's JSON mapping.
std::string JsonOf(const common::v1::Event& event) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  if (!google::protobuf::util::MessageToJsonString(event, &json, options).ok()) {
    // A payload type this binary does not know: the envelope alone.
    common::v1::Event envelope = event;
    envelope.clear_payload();
    json.clear();
    (void)google::protobuf::util::MessageToJsonString(envelope, &json, options);
  }
  return json;
}

// How often a replica looks at each subscription's retries even when it knows of none due.
constexpr absl::Duration kRecheck = absl::Seconds(5);

const char* VerdictName(v1::DeliveryAttempt::Result result, bool gone) {
  switch (result) {
    case v1::DeliveryAttempt::DELIVERED:
      return "delivered";
    case v1::DeliveryAttempt::RETRYING:
      return "retry";
    default:
      return gone ? "gone" : "dead";
  }
}

}  // namespace

WebhookDispatcher::WebhookDispatcher(WebhookStore* store, EventLog* log,
                                     const ReferenceData* reference,
                                     prometheus::Registry& metrics, WebhookOptions options)
    : store_(store),
      log_(log),
      reference_(reference),
      options_(std::move(options)),
      consumer_(DefaultInstanceId()),
      deliveries_(prometheus::BuildCounter()
                      .Name("rfs_notification_deliveries_total")
                      .Help("Delivery attempts of notifications by channel (webhook, email) and "
                            "result: delivered, retrying (failed, retried on the schedule), "
                            "dead_lettered (failed after the retry window, or 410), failed (a "
                            "test delivery that failed).")
                      .Register(metrics)),
      delivered_(&deliveries_.Add({{"channel", "webhook"}, {"result", "delivered"}})),
      retrying_(&deliveries_.Add({{"channel", "webhook"}, {"result", "retrying"}})),
      dead_lettered_(&deliveries_.Add({{"channel", "webhook"}, {"result", "dead_lettered"}})),
      test_failed_(&deliveries_.Add({{"channel", "webhook"}, {"result", "failed"}})),
      mail_delivered_(&deliveries_.Add({{"channel", "email"}, {"result", "delivered"}})),
      mail_retrying_(&deliveries_.Add({{"channel", "email"}, {"result", "retrying"}})),
      mail_dead_lettered_(&deliveries_.Add({{"channel", "email"}, {"result", "dead_lettered"}})),
      latency_(prometheus::BuildHistogram()
                   .Name("rfs_webhook_delivery_seconds")
                   .Help("Time from the start of a webhook delivery attempt to the receiver's "
                         "response or the failure.")
                   .Register(metrics)
                   .Add({}, prometheus::Histogram::BucketBoundaries{
                                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15,
                                30})),
      workers_(options_.workers, static_cast<size_t>(options_.max_in_flight)) {
  options_.http.guard = &options_.guard;
}

WebhookDispatcher::~WebhookDispatcher() { Stop(); }

void WebhookDispatcher::Start() {
  if (!options_.run_loop) return;
  loop_ = std::thread([this] { Loop(); });
}

void WebhookDispatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_requested_ = true;
  }
  stopping_.store(true);
  if (loop_.joinable()) loop_.join();
  workers_.Stop();
}

void WebhookDispatcher::Loop() {
  absl::Status last = absl::OkStatus();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      const auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stop_requested_ || wake_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&woken), options_.poll);
      if (stop_requested_) return;
      wake_ = false;
    }
    absl::Status s = RunOnce();
    if (!s.ok() && s.ToString() != last.ToString()) {
      RFS_LOG(kWarning, "webhook dispatch round failed").Field("error", s.ToString());
    }
    last = s;
  }
}

absl::Status WebhookDispatcher::RunOnce() {
  RETURN_IF_ERROR(Reload());
  std::vector<std::shared_ptr<Sub>> subs;
  bool autoclaim = false;
  {
    absl::MutexLock lock(&mu_);
    subs = subs_;
    const absl::Time now = absl::Now();
    if (now >= next_autoclaim_) {
      autoclaim = true;
      next_autoclaim_ = now + options_.claim_idle / 3;
    }
  }
  // A different subscription goes first each round, so none waits behind the others.
  if (!subs.empty()) {
    static std::atomic<size_t> turn{0};
    std::rotate(subs.begin(), subs.begin() + (turn++ % subs.size()), subs.end());
  }
  // Disabled ones wait; so do contacts while no mail transport is configured (their events
  // stay in their consumer groups).
  const bool mail = options_.mail != nullptr;
  subs.erase(std::remove_if(subs.begin(), subs.end(),
                            [mail](const std::shared_ptr<Sub>& s) {
                              return s->record.subscription.state() !=
                                         v1::Subscription::ACTIVE ||
                                     (s->record.channel == Channel::kEmail && !mail);
                            }),
             subs.end());
  if (subs.empty()) return absl::OkStatus();
  RETURN_IF_ERROR(ReadNew(subs));
  RETURN_IF_ERROR(ClaimRetries(subs));
  if (autoclaim) RETURN_IF_ERROR(ClaimAbandoned(subs));
  return absl::OkStatus();
}

absl::Status WebhookDispatcher::Reload() {
  ASSIGN_OR_RETURN(const int64_t version, store_->Version());
  {
    absl::MutexLock lock(&mu_);
    if (version == version_) return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(WebhookStore::IdPage page, store_->ListIds("", 0, 1'000'000));
  ASSIGN_OR_RETURN(const WebhookStore::IdPage contacts,
                   store_->ListIds("", 0, 1'000'000, Channel::kEmail));
  page.ids.insert(page.ids.end(), contacts.ids.begin(), contacts.ids.end());
  ASSIGN_OR_RETURN(std::vector<SubscriptionRecord> records, store_->GetMany(page.ids));
  absl::MutexLock lock(&mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<Sub>> old;
  for (auto& s : subs_) old[s->record.id] = s;
  std::vector<std::shared_ptr<Sub>> subs;
  subs.reserve(records.size());
  for (SubscriptionRecord& r : records) {
    absl::StatusOr<EventMatcher> matcher =
        EventMatcher::Of(r.subscription.filter(), *reference_);
    if (!matcher.ok()) {
      RFS_LOG(kWarning, "subscription filter no longer valid: not delivered")
          .Field("subscription", r.subscription.name())
          .Field("error", matcher.status().ToString());
      continue;
    }
    auto sub = std::make_shared<Sub>(Sub{std::move(r), *std::move(matcher)});
    auto it = old.find(sub->record.id);
    sub->state = it != old.end() ? it->second->state : std::make_shared<SubState>();
    subs.push_back(std::move(sub));
  }
  subs_ = std::move(subs);
  version_ = version;
  return absl::OkStatus();
}

void WebhookDispatcher::Nudge(const std::string& id) {
  absl::MutexLock lock(&mu_);
  for (const auto& sub : subs_) {
    if (sub->record.id == id) sub->state->next_due_ms.store(0);
  }
}

int WebhookDispatcher::Capacity(const Sub& sub) const {
  const int own = options_.in_flight_per_subscription - sub.state->in_flight.load();
  const int all = options_.max_in_flight - in_flight_.load();
  return std::max(0, std::min(own, all));
}

bool WebhookDispatcher::Offer(const std::shared_ptr<Sub>& sub, const LogEntry& entry,
                              bool from_group) {
  Task task;
  if (!task.event.mutable_event()->ParseFromString(entry.event)) {
    RFS_LOG(kWarning, "unreadable event log entry left out of a subscription")
        .Field("entry", entry.at.position.ToString());
    return false;
  }
  const common::v1::Event& event = task.event.event();
  if (sub->record.channel == Channel::kEmail) {
    if (!Mails(*sub->record.contact, event)) return false;
  } else if (!sub->matcher.Matches(event) || !Visible(sub->record.owner, event)) {
    return false;
  }
  task.sub = sub;
  task.entry = entry.at.position.ToString();
  task.event.set_cursor(CursorOf(entry.at));
  *task.event.mutable_log_time() = TimestampOf(entry.at.position.time());
  task.first = absl::Now();
  task.from_group = from_group;
  Queue(std::move(task));
  return true;
}

void WebhookDispatcher::Queue(Task task) {
  std::shared_ptr<SubState> state = task.sub->state;
  state->in_flight.fetch_add(1);
  in_flight_.fetch_add(1);
  auto shared = std::make_shared<Task>(std::move(task));
  const bool queued = workers_.Submit([this, shared, state] {
    Deliver(*shared);
    state->in_flight.fetch_sub(1);
    in_flight_.fetch_sub(1);
    absl::MutexLock lock(&mu_);
    wake_ = true;
  });
  if (!queued) {  // stopping: the entry stays pending (or leased) for a later round
    state->in_flight.fetch_sub(1);
    in_flight_.fetch_sub(1);
  }
}

absl::Status WebhookDispatcher::ReadNew(const std::vector<std::shared_ptr<Sub>>& subs) {
  const std::string log_key = store_->LogKey();
  std::vector<std::shared_ptr<Sub>> reading;
  std::vector<std::string> groups, counts;
  for (const auto& sub : subs) {
    const int capacity = Capacity(*sub);
    if (capacity <= 0) continue;
    reading.push_back(sub);
    groups.push_back(WebhookStore::GroupOf(sub->record.id));
    counts.push_back(absl::StrCat(std::min(capacity, 100)));
  }
  if (reading.empty()) return absl::OkStatus();
  std::vector<std::vector<absl::string_view>> commands;
  commands.reserve(reading.size());
  for (size_t i = 0; i < reading.size(); ++i) {
    commands.push_back({"XREADGROUP", "GROUP", groups[i], consumer_, "COUNT", counts[i],
                        "STREAMS", log_key, ">"});
  }
  ASSIGN_OR_RETURN(RedisLease lease, store_->pool()->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
  std::vector<std::vector<std::string>> left_out(reading.size());
  for (size_t i = 0; i < reading.size(); ++i) {
    const redisReply* reply = replies[i].get();
    if (reply->type == REDIS_REPLY_ERROR) {
      if (absl::StartsWith(ReplyString(reply), "NOGROUP")) {
        // The log was deleted under the group (a wipe, a restore): follow it from now on.
        RFS_LOG(kWarning, "subscription's consumer group was missing: made anew at the tip")
            .Field("subscription", reading[i]->record.subscription.name());
        (void)lease.Command({"XGROUP", "CREATE", log_key, groups[i], "$", "MKSTREAM"});
        continue;
      }
      return MapRedisError(ReplyString(reply));
    }
    if (reply->type == REDIS_REPLY_NIL) continue;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1 ||
        reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements != 2) {
      return RedisStore::Corrupt("consumer group read");
    }
    ASSIGN_OR_RETURN(std::vector<LogEntry> entries,
                     EventLog::EntriesOf(reply->element[0]->element[1]));
    for (const LogEntry& e : entries) {
      if (!Offer(reading[i], e, /*from_group=*/true)) {
        left_out[i].push_back(e.at.position.ToString());
      }
    }
  }
  // What the filter or the read rule left out is done with for this subscription.
  std::vector<std::vector<absl::string_view>> acks;
  for (size_t i = 0; i < reading.size(); ++i) {
    if (left_out[i].empty()) continue;
    std::vector<absl::string_view>& ack = acks.emplace_back();
    ack = {"XACK", log_key, groups[i]};
    for (const std::string& id : left_out[i]) ack.push_back(id);
  }
  if (!acks.empty()) {
    ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> acked, lease.Pipeline(acks));
  }
  return absl::OkStatus();
}

absl::Status WebhookDispatcher::ClaimRetries(const std::vector<std::shared_ptr<Sub>>& subs) {
  const absl::Time now = absl::Now();
  const absl::Duration lease = options_.http.timeout + absl::Seconds(60);
  for (const auto& sub : subs) {
    if (sub->state->next_due_ms.load() > absl::ToUnixMillis(now)) continue;
    const int capacity = Capacity(*sub);
    if (capacity <= 0) continue;
    ASSIGN_OR_RETURN(WebhookStore::Claimed claimed,
                     store_->ClaimDue(sub->record.id, now, lease, capacity));
    // Look again when the earliest is due, and at least every kRecheck: another replica may
    // have scheduled retries meanwhile (and then died).
    sub->state->next_due_ms.store(
        absl::ToUnixMillis(std::min(claimed.next_due, now + kRecheck)));
    for (ClaimedRetry& r : claimed.retries) {
      Task task;
      task.sub = sub;
      task.entry = r.entry;
      task.failed = r.failed;
      task.first = r.first;
      if (r.held.has_value()) {
        task.event = r.held->event();
      } else {
        std::optional<LogPosition> at = LogPosition::Parse(r.entry);
        if (!at.has_value()) return RedisStore::Corrupt("retry entry");
        ASSIGN_OR_RETURN(RedisReplyPtr reply, store_->pool()->Command(
                                                  {"XRANGE", store_->LogKey(), r.entry,
                                                   r.entry}));
        ASSIGN_OR_RETURN(std::vector<LogEntry> found, EventLog::EntriesOf(reply.get()));
        if (!found.empty() && task.event.mutable_event()->ParseFromString(found[0].event)) {
          task.event.set_cursor(CursorOf(found[0].at));
          *task.event.mutable_log_time() = TimestampOf(found[0].at.position.time());
        }  // else: the log no longer holds it; Deliver makes it a dead letter
      }
      Queue(std::move(task));
    }
  }
  return absl::OkStatus();
}

absl::Status WebhookDispatcher::ClaimAbandoned(const std::vector<std::shared_ptr<Sub>>& subs) {
  const std::string log_key = store_->LogKey();
  const std::string idle = absl::StrCat(absl::ToInt64Milliseconds(options_.claim_idle));
  for (const auto& sub : subs) {
    const int capacity = Capacity(*sub);
    if (capacity <= 0) continue;
    const std::string group = WebhookStore::GroupOf(sub->record.id);
    ASSIGN_OR_RETURN(RedisReplyPtr reply,
                     store_->pool()->Command({"XAUTOCLAIM", log_key, group, consumer_, idle,
                                              "0-0", "COUNT", absl::StrCat(capacity)}));
    // [next start, [entries], [ids no longer in the log]] (Redis 7: the deleted ids are
    // dropped from the pending list by XAUTOCLAIM itself; Redis 6.2 answered them as entries
    // without fields, which are acknowledged here).
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
        reply->element[1]->type != REDIS_REPLY_ARRAY) {
      return RedisStore::Corrupt("XAUTOCLAIM reply");
    }
    const redisReply* entries = reply->element[1];
    std::vector<std::string> gone;
    for (size_t i = 0; i < entries->elements; ++i) {
      const redisReply* e = entries->element[i];
      if (e->type == REDIS_REPLY_ARRAY && e->elements == 2 &&
          e->element[1]->type == REDIS_REPLY_NIL) {
        gone.emplace_back(ReplyString(e->element[0]));
        continue;
      }
      ASSIGN_OR_RETURN(LogEntry entry, EventLog::EntryOf(e));
      if (!Offer(sub, entry, /*from_group=*/true)) gone.push_back(entry.at.position.ToString());
    }
    if (reply->elements >= 3 && reply->element[2]->type == REDIS_REPLY_ARRAY) {
      for (size_t i = 0; i < reply->element[2]->elements; ++i) {
        RFS_LOG(kWarning, "a pending webhook delivery's event was trimmed from the log")
            .Field("subscription", sub->record.subscription.name())
            .Field("entry", ReplyString(reply->element[2]->element[i]));
      }
    }
    if (!gone.empty()) {
      std::vector<absl::string_view> ack = {"XACK", log_key, group};
      for (const std::string& id : gone) ack.push_back(id);
      ASSIGN_OR_RETURN(RedisReplyPtr acked, store_->pool()->Command(ack));
    }
    RETURN_IF_ERROR(ForgetIdleConsumers(group));
  }
  return absl::OkStatus();
}

absl::Status WebhookDispatcher::ForgetIdleConsumers(const std::string& group) {
  // Every replica start adds a consumer to every group; one with nothing pending that has not
  // read for an hour is a replica gone (its pending entries were taken over): removed, so
  // groups do not collect consumers over rollouts.
  const std::string log_key = store_->LogKey();
  ASSIGN_OR_RETURN(RedisReplyPtr info,
                   store_->pool()->Command({"XINFO", "CONSUMERS", log_key, group}));
  if (info->type != REDIS_REPLY_ARRAY) return absl::OkStatus();
  for (size_t i = 0; i < info->elements; ++i) {
    const redisReply* c = info->element[i];
    if (c->type != REDIS_REPLY_ARRAY) continue;
    std::string name;
    int64_t pending = -1, idle = 0;
    for (size_t f = 0; f + 1 < c->elements; f += 2) {
      const absl::string_view key = ReplyString(c->element[f]);
      const redisReply* value = c->element[f + 1];
      if (key == "name") name = std::string(ReplyString(value));
      if (key == "pending" && value->type == REDIS_REPLY_INTEGER) pending = value->integer;
      if (key == "idle" && value->type == REDIS_REPLY_INTEGER) idle = value->integer;
    }
    if (name.empty() || name == consumer_ || pending != 0 || idle < 3'600'000) continue;
    ASSIGN_OR_RETURN(RedisReplyPtr removed,
                     store_->pool()->Command({"XGROUP", "DELCONSUMER", log_key, group, name}));
  }
  return absl::OkStatus();
}

WebhookDispatcher::Attempted WebhookDispatcher::Attempt(const SubscriptionRecord& record,
                                                        const common::v1::Event& event,
                                                        int attempt_number) {
  Attempted out;
  const absl::Time start = absl::Now();
  const std::string body = JsonOf(event);
  const int64_t timestamp = absl::ToUnixSeconds(start);
  std::vector<std::string> keys;
  if (absl::StatusOr<std::string> key = WebhookSecretKey(record.secret); key.ok()) {
    keys.push_back(*std::move(key));
  }
  if (!record.previous_secret.empty() && record.previous_expire > start) {
    if (absl::StatusOr<std::string> key = WebhookSecretKey(record.previous_secret); key.ok()) {
      keys.push_back(*std::move(key));
    }
  }
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"},
      {"webhook-id", event.id()},
      {"webhook-timestamp", absl::StrCat(timestamp)},
      {"webhook-signature", WebhookSignatureHeader(keys, event.id(), timestamp, body)},
  };
  out.response = HttpPost(record.subscription.url(), headers, body, options_.http);
  latency_.Observe(absl::ToDoubleSeconds(out.response.latency));
  v1::DeliveryAttempt& a = out.attempt;
  a.set_event_id(event.id());
  a.set_event_type(event.type());
  a.set_attempt(attempt_number);
  *a.mutable_time() = TimestampOf(start);
  a.set_http_status(out.response.status);
  *a.mutable_latency() =
      TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(out.response.latency));
  if (out.response.failure != HttpResponse::Failure::kNone) {
    a.set_error(out.response.error);
  } else if (VerdictOf(out.response.status) != AttemptVerdict::kDelivered) {
    a.set_error(absl::StrCat("HTTP ", out.response.status));
    if (out.response.retry_after.has_value()) {
      absl::StrAppend(a.mutable_error(), " (Retry-After ",
                      absl::ToInt64Seconds(*out.response.retry_after), " s)");
    }
  }
  return out;
}

void WebhookDispatcher::AttemptWebhook(const Task& task, OutcomeCall* call, bool* failed,
                                       bool* gone) {
  Attempted a = Attempt(task.sub->record, task.event.event(), task.failed + 1);
  call->attempt = std::move(a.attempt);
  const HttpResponse& r = a.response;
  if (r.failure == HttpResponse::Failure::kNone) {
    const AttemptVerdict verdict = VerdictOf(r.status);
    *failed = verdict != AttemptVerdict::kDelivered;
    *gone = verdict == AttemptVerdict::kGone;
  }
  call->now = absl::Now();
  if (*failed && !*gone && !GivesUp(options_.retry, task.first, call->now)) {
    thread_local absl::BitGen random;
    call->attempt.set_result(v1::DeliveryAttempt::RETRYING);
    call->next_attempt =
        call->now + NextAttemptDelay(options_.retry, task.failed + 1, r.status, r.retry_after,
                                     absl::Uniform(random, 0.0, 1.0));
    *call->attempt.mutable_next_attempt_time() = TimestampOf(call->next_attempt);
  }
}

void WebhookDispatcher::AttemptMail(const Task& task, OutcomeCall* call, bool* failed,
                                    bool* gone) {
  const v1::Contact& contact = *task.sub->record.contact;
  const common::v1::Event& event = task.event.event();
  const absl::Time start = absl::Now();
  v1::DeliveryAttempt& a = call->attempt;
  a.set_event_id(event.id());
  a.set_event_type(event.type());
  a.set_attempt(task.failed + 1);
  *a.mutable_time() = TimestampOf(start);
  std::optional<MailText> text = RenderEventMail(event, contact.language(), *reference_);
  if (!text.has_value()) {  // nothing to say (it was offered, so its type changed meaning)
    *failed = false;
    call->now = absl::Now();
    return;
  }
  MailMessage m;
  m.from = options_.mail_from;
  m.from_name = options_.mail_from_name;
  m.to = contact.address();
  m.to_name = contact.display_name();
  m.subject = std::move(text->subject);
  m.body = std::move(text->body);
  // The same for every attempt of one event: a mail delivered twice (at least once) is
  // recognisable as one.
  m.message_id = absl::StrCat("rfs.", task.sub->record.id, ".", task.entry);
  m.date = start;
  const MailResult r = options_.mail->Send(m);
  a.set_http_status(r.code);
  *a.mutable_latency() = TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(r.latency));
  a.set_error(r.error);
  *failed = r.failure != MailResult::Failure::kNone;
  *gone = r.failure == MailResult::Failure::kPermanent;
  call->gone_reason = "bounced";
  call->now = absl::Now();
  if (*failed && !*gone && !GivesUp(options_.retry, task.first, call->now)) {
    thread_local absl::BitGen random;
    a.set_result(v1::DeliveryAttempt::RETRYING);
    call->next_attempt = call->now + RetryDelay(options_.retry, task.failed + 1,
                                                absl::Uniform(random, 0.0, 1.0));
    *a.mutable_next_attempt_time() = TimestampOf(call->next_attempt);
  }
}

void WebhookDispatcher::Deliver(Task& task) {
  if (stopping_.load()) return;  // left pending (or leased): delivered later
  const SubscriptionRecord& record = task.sub->record;
  const bool email = record.channel == Channel::kEmail;
  if (email && record.contact->daily_digest() && !task.event.event().id().empty()) {
    // A digest contact: the event's line waits for the day's digest.
    std::optional<std::string> line =
        DigestLine(task.event.event(), record.contact->language(), *reference_);
    absl::Status added = store_->AddDigestLine(record.id, task.entry, line.value_or(""),
                                               task.from_group);
    if (!added.ok()) {
      RFS_LOG(kWarning, "digest line not added")
          .Field("contact", record.subscription.name())
          .Field("error", added.ToString());
    }
    return;
  }
  OutcomeCall call;
  call.id = record.id;
  call.entry = task.entry;
  call.from_group = task.from_group;
  call.disable_after = options_.retry.disable_after;
  call.first = task.first;
  call.failed = task.failed + 1;
  bool gone = false;
  bool failed = true;
  if (task.event.event().id().empty()) {
    call.attempt.set_attempt(task.failed + 1);
    *call.attempt.mutable_time() = TimestampOf(absl::Now());
    call.attempt.set_error("the event log no longer holds this event");
  } else if (email) {
    AttemptMail(task, &call, &failed, &gone);
  } else {
    AttemptWebhook(task, &call, &failed, &gone);
  }
  call.now = absl::Now();
  if (!failed) {
    call.attempt.set_result(v1::DeliveryAttempt::DELIVERED);
  } else if (call.attempt.result() != v1::DeliveryAttempt::RETRYING) {
    call.attempt.set_result(v1::DeliveryAttempt::DEAD_LETTERED);
    v1::DeadLetter& d = call.dead_letter.emplace();
    d.set_name(absl::StrCat(record.subscription.name(), "/deadLetters/", task.entry));
    *d.mutable_event() = task.event;
    d.set_attempts(task.failed + 1);
    *d.mutable_first_attempt_time() = TimestampOf(task.first);
    *d.mutable_failed_time() = TimestampOf(call.now);
    d.set_http_status(call.attempt.http_status());
    d.set_error(call.attempt.error());
  }
  call.verdict = VerdictName(call.attempt.result(), gone);
  absl::StatusOr<bool> disabled = store_->RecordOutcome(call);
  if (!disabled.ok()) {
    // Not recorded: the entry stays pending (or leased) and is attempted again later.
    RFS_LOG(kWarning, "delivery outcome not recorded")
        .Field("subscription", record.subscription.name())
        .Field("error", disabled.status().ToString());
    return;
  }
  switch (call.attempt.result()) {
    case v1::DeliveryAttempt::DELIVERED:
      (email ? mail_delivered_ : delivered_)->Increment();
      delivered_count_.fetch_add(1);
      break;
    case v1::DeliveryAttempt::RETRYING:
      (email ? mail_retrying_ : retrying_)->Increment();
      break;
    default:
      (email ? mail_dead_lettered_ : dead_lettered_)->Increment();
      break;
  }
  if (call.attempt.result() == v1::DeliveryAttempt::RETRYING) {
    // Look for it when it is due (the loop may believe nothing is due before later).
    const int64_t due = absl::ToUnixMillis(call.next_attempt);
    int64_t known = task.sub->state->next_due_ms.load();
    while (due < known && !task.sub->state->next_due_ms.compare_exchange_weak(known, due)) {
    }
  }
  if (*disabled) Disabled(record, gone ? call.gone_reason : "failing");
}

bool WebhookDispatcher::Mails(const v1::Contact& contact, const common::v1::Event& event) const {
  const std::vector<std::string>& defaults = DefaultMailEventTypes();
  const bool wanted =
      contact.event_types().empty()
          ? std::find(defaults.begin(), defaults.end(), event.type()) != defaults.end()
          : std::find(contact.event_types().begin(), contact.event_types().end(),
                      event.type()) != contact.event_types().end();
  if (!wanted) return false;
  const auto attribute = [&event](const char* key) -> std::string {
    auto it = event.attributes().find(key);
    return it == event.attributes().end() ? std::string() : it->second;
  };
  bool ours = false;
  if (!contact.body_code().empty()) {
    ours = std::find(event.author_codes().begin(), event.author_codes().end(),
                     contact.body_code()) != event.author_codes().end() ||
           attribute("owner_body_code") == contact.body_code();
  } else if (!contact.block().empty()) {
    ours = event.block() == contact.block() || attribute("owner_block") == contact.block();
  } else {
    ours = true;  // national: the secretariat's
  }
  if (!ours) return false;
  return contact.daily_digest()
             ? DigestLine(event, contact.language(), *reference_).has_value()
             : RenderEventMail(event, contact.language(), *reference_).has_value();
}

absl::Status WebhookDispatcher::SendDigests(absl::Time now) {
  if (options_.mail == nullptr) return absl::OkStatus();
  const absl::TimeZone jst = JapanTimeZone();
  if (absl::ToCivilHour(now, jst).hour() < options_.digest_hour) return absl::OkStatus();
  const std::string day = absl::FormatTime("%Y%m%d", now, jst);
  std::vector<std::shared_ptr<Sub>> subs;
  {
    absl::MutexLock lock(&mu_);
    subs = subs_;
  }
  absl::Status first = absl::OkStatus();
  for (const auto& sub : subs) {
    const SubscriptionRecord& r = sub->record;
    if (r.channel != Channel::kEmail || !r.contact->daily_digest() ||
        r.contact->state() != v1::Contact::ACTIVE) {
      continue;
    }
    absl::Status s = SendDigest(r, now, day);
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

absl::Status WebhookDispatcher::SendDigest(const SubscriptionRecord& r, absl::Time now,
                                           const std::string& day) {
  ASSIGN_OR_RETURN(const std::string last_day, store_->DigestDay(r.id));
  if (last_day == day) return absl::OkStatus();
  // One replica sends it; a failed send is tried again when the lock runs out.
  ASSIGN_OR_RETURN(const bool mine, store_->LockDigest(r.id, consumer_, absl::Minutes(5)));
  if (!mine) return absl::OkStatus();
  ASSIGN_OR_RETURN(const std::string day_now, store_->DigestDay(r.id));
  if (day_now == day) return store_->UnlockDigest(r.id);
  ASSIGN_OR_RETURN(const std::vector<std::string> lines, store_->TakeDigest(r.id));
  // Nothing yet today: looked at again next time (a line coming later today still goes today).
  if (lines.empty()) return store_->UnlockDigest(r.id);
  const v1::Contact& contact = *r.contact;
  const MailText text = RenderDigestMail(lines, now, contact.language());
  MailMessage m;
  m.from = options_.mail_from;
  m.from_name = options_.mail_from_name;
  m.to = contact.address();
  m.to_name = contact.display_name();
  m.subject = text.subject;
  m.body = text.body;
  m.message_id = absl::StrCat("rfs.", r.id, ".digest.", day);
  m.date = now;
  const MailResult sent = options_.mail->Send(m);
  v1::DeliveryAttempt a;
  a.set_event_id(absl::StrCat("digest/", day));
  a.set_event_type("mail.digest");
  a.set_attempt(1);
  *a.mutable_time() = TimestampOf(now);
  a.set_http_status(sent.code);
  *a.mutable_latency() =
      TimeUtil::MillisecondsToDuration(absl::ToInt64Milliseconds(sent.latency));
  a.set_error(sent.error);
  switch (sent.failure) {
    case MailResult::Failure::kNone:
      a.set_result(v1::DeliveryAttempt::DELIVERED);
      mail_delivered_->Increment();
      RETURN_IF_ERROR(store_->DigestSent(r.id, day));
      break;
    case MailResult::Failure::kPermanent:
      a.set_result(v1::DeliveryAttempt::DEAD_LETTERED);
      mail_dead_lettered_->Increment();
      RETURN_IF_ERROR(store_->DisableContact(r.id, "bounced"));
      RETURN_IF_ERROR(store_->UnlockDigest(r.id));
      Disabled(r, "bounced");
      break;
    case MailResult::Failure::kTransient:
      a.set_result(v1::DeliveryAttempt::RETRYING);  // when the lock runs out
      mail_retrying_->Increment();
      break;
  }
  return store_->LogAttempt(r.id, a);
}

void WebhookDispatcher::Disabled(const SubscriptionRecord& record, absl::string_view reason) {
  if (record.channel == Channel::kEmail) {
    // The keepers see it on the contact (state, reason); the address is not logged.
    RFS_LOG(kWarning, "contact disabled")
        .Field("contact", record.subscription.name())
        .Field("reason", reason);
    return;
  }
  RFS_LOG(kWarning, "webhook subscription disabled")
      .Field("subscription", record.subscription.name())
      .Field("owner", record.owner.subject)
      .Field("reason", reason);
  const absl::Time now = absl::Now();
  common::v1::Event event;
  event.set_id(absl::StrCat("notification/", record.subscription.name(), "/disabled/",
                            absl::ToUnixMillis(now)));
  event.set_type("webhook.subscription_disabled");
  *event.mutable_time() = TimestampOf(now);
  event.set_source("rfs-notification");
  event.set_actor("rfs-notification");
  (*event.mutable_attributes())["subscription"] = record.subscription.name();
  (*event.mutable_attributes())["owner"] = record.owner.subject;
  (*event.mutable_attributes())["reason"] = std::string(reason);
  // Whose contacts are mailed about it (the owner's body or block; the secretariat's always).
  if (!record.owner.body_code.empty()) {
    (*event.mutable_attributes())["owner_body_code"] = record.owner.body_code;
  }
  if (!record.owner.block.empty()) {
    (*event.mutable_attributes())["owner_block"] = record.owner.block;
  }
  absl::StatusOr<EventLog::Published> published =
      log_->Publish({event}, "rfs-notification", /*counted=*/false);
  if (!published.ok()) {
    RFS_LOG(kWarning, "could not log webhook.subscription_disabled")
        .Field("error", published.status().ToString());
  }
}

}  // namespace rfs::notification
