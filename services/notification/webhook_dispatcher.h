// Delivers the event log to webhook subscriptions and e-mail contacts (docs/architecture.md
// "Webhooks", "E-mail"). One per replica; every replica takes part, each a consumer of every
// subscription's (and contact's) consumer group:
//   - a loop (every --webhook_poll_ms) reloads the subscriptions when their version moved,
//     reads each ACTIVE subscription's new entries through its group (XREADGROUP, pipelined),
//     acknowledges at once those its filter or its owner's read rule leave out, and queues the
//     rest; takes the retries that are due (leased, lua/wh_claim.lua); and now and then takes
//     over first attempts another replica left pending for longer than --webhook_claim_idle_s
//     (XAUTOCLAIM: a killed replica's deliveries are made by another);
//   - workers (--webhook_workers) make each attempt (common/kit/http_client.h: SSRF checked at
//     connect, no redirects, TLS verified, timeout) and record its outcome in one script
//     (lua/wh_outcome.lua): delivered, retried on the schedule (webhook_policy.h), or a dead
//     letter; a 410 or a subscription failing too long disables it and logs a
//     webhook.subscription_disabled event;
//   - a contact's attempt is a mail (common/kit/mail.h, mail_templates.h) through the SMTP
//     relay: a 5xx refusal disables the contact ("bounced"); a digest contact's events are
//     added to its digest instead, which SendDigests mails once a day.
// At least once: an entry leaves the group's pending list only in the script that records its
// outcome. Each subscription has at most --webhook_in_flight_per_subscription attempts in
// flight, so one slow receiver never holds the workers from the others. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/domain/reference_data.h"
#include "common/kit/egress_guard.h"
#include "common/kit/executor.h"
#include "common/kit/http_client.h"
#include "common/kit/mail.h"
#include "rfs/notification/v1/notification.pb.h"
#include "services/notification/event_filter.h"
#include "services/notification/event_log.h"
#include "services/notification/webhook_policy.h"
#include "services/notification/webhook_store.h"

namespace rfs::notification {

struct WebhookOptions {
  RetryPolicy retry;
  HttpOptions http;  // timeout, allow_http, ca_file; guard set from allow_cidrs
  EgressGuard guard;
  int workers = 8;
  int in_flight_per_subscription = 4;
  int max_in_flight = 256;
  absl::Duration poll = absl::Milliseconds(200);
  // A first attempt pending this long on one consumer is taken over by another.
  absl::Duration claim_idle = absl::Seconds(90);
  // How long the previous secret still signs after a rotation.
  absl::Duration secret_overlap = absl::Hours(24);
  // Starts the loop (tests that drive rounds themselves with RunOnce pass false).
  bool run_loop = true;
  // E-mail: how mail leaves (none: contacts wait, their events kept in the log), the sender,
  // and the hour (JST) digests go out.
  std::shared_ptr<MailTransport> mail;
  std::string mail_from = "rfs-notification@localhost.localdomain";
  std::string mail_from_name = "地域未来戦略 rfs";
  int digest_hour = 8;
  // How often the host's job looks for digests due (SendDigests).
  absl::Duration digest_every = absl::Minutes(1);
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(WebhookStore* store, EventLog* log, const ReferenceData* reference,
                    prometheus::Registry& metrics, WebhookOptions options);
  ~WebhookDispatcher();
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  void Start();
  // Ends the loop; queued attempts are left (their entries stay pending or leased, and are
  // delivered later by this or another replica); waits for the attempts in flight. Idempotent.
  void Stop();
  // One round of the loop now, in the caller's thread.
  absl::Status RunOnce();

  // One signed attempt of `event` to the subscription's URL, now, in the caller's thread.
  struct Attempted {
    v1::DeliveryAttempt attempt;  // result unset: the caller decides it
    HttpResponse response;
  };
  Attempted Attempt(const SubscriptionRecord& record, const common::v1::Event& event,
                    int attempt_number);
  // Counts a SendTestEvent attempt in rfs_notification_deliveries_total (delivered or failed).
  void CountTestAttempt(bool delivered) { (delivered ? delivered_ : test_failed_)->Increment(); }

  // Looks for the subscription's due retries in the next round (a dead letter was queued
  // again on this replica; the others look within kRecheck).
  void Nudge(const std::string& id);

  // Mails every digest contact's digest that is due (at or after digest_hour, JST, once a
  // day); a host job calls it every minute.
  absl::Status SendDigests(absl::Time now);

  const WebhookOptions& options() const { return options_; }
  // This replica's consumer name in every group.
  const std::string& consumer() const { return consumer_; }
  int64_t delivered() const { return delivered_count_.load(); }

 private:
  // What this replica tracks of a subscription, kept across reloads of its configuration.
  struct SubState {
    std::atomic<int> in_flight{0};     // its attempts queued or running
    std::atomic<int64_t> next_due_ms{0};  // when to look for due retries next
  };
  struct Sub {
    SubscriptionRecord record;
    EventMatcher matcher;
    std::shared_ptr<SubState> state;
  };
  struct Task {
    std::shared_ptr<Sub> sub;
    std::string entry;  // log entry id
    v1::LoggedEvent event;
    int failed = 0;     // attempts failed before this one
    absl::Time first;   // the first attempt (now for a new event)
    bool from_group = false;
  };

  void Loop();
  absl::Status Reload();
  absl::Status ReadNew(const std::vector<std::shared_ptr<Sub>>& subs);
  absl::Status ClaimRetries(const std::vector<std::shared_ptr<Sub>>& subs);
  absl::Status ClaimAbandoned(const std::vector<std::shared_ptr<Sub>>& subs);
  absl::Status ForgetIdleConsumers(const std::string& group);
  // Queues the entry of `sub` when its filter and its owner's read rule take it; false when
  // they leave it out (the caller acknowledges it).
  bool Offer(const std::shared_ptr<Sub>& sub, const LogEntry& entry, bool from_group);
  void Queue(Task task);
  void Deliver(Task& task);
  void Disabled(const SubscriptionRecord& record, absl::string_view verdict);
  // Whether a contact is mailed about the event (its scope, its types, a text for it).
  bool Mails(const v1::Contact& contact, const common::v1::Event& event) const;
  // One attempt of a webhook (Attempt) or a mail; sets call->attempt, and *failed / *gone.
  void AttemptWebhook(const Task& task, OutcomeCall* call, bool* failed, bool* gone);
  void AttemptMail(const Task& task, OutcomeCall* call, bool* failed, bool* gone);
  absl::Status SendDigest(const SubscriptionRecord& record, absl::Time now,
                          const std::string& day);
  int Capacity(const Sub& sub) const;

  WebhookStore* const store_;
  EventLog* const log_;
  const ReferenceData* const reference_;
  WebhookOptions options_;
  const std::string consumer_;
  prometheus::Family<prometheus::Counter>& deliveries_;
  prometheus::Counter* delivered_;
  prometheus::Counter* retrying_;
  prometheus::Counter* dead_lettered_;
  prometheus::Counter* test_failed_;
  prometheus::Counter* mail_delivered_;
  prometheus::Counter* mail_retrying_;
  prometheus::Counter* mail_dead_lettered_;
  prometheus::Histogram& latency_;
  Executor workers_;
  std::atomic<int> in_flight_{0};
  std::atomic<int64_t> delivered_count_{0};
  std::atomic<bool> stopping_{false};

  absl::Mutex mu_;
  int64_t version_ ABSL_GUARDED_BY(mu_) = -1;
  std::vector<std::shared_ptr<Sub>> subs_ ABSL_GUARDED_BY(mu_);
  absl::Time next_autoclaim_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  // Set when an attempt ends: the loop runs its next round at once (a subscription with a
  // backlog has room again) instead of at the next poll.
  bool wake_ ABSL_GUARDED_BY(mu_) = false;
  std::thread loop_;
};

}  // namespace rfs::notification
