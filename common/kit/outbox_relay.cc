#include "common/kit/outbox_relay.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/base/backoff.h"
#include "common/base/errors.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/domain/plan_event.h"
#include "common/kit/client.h"

namespace rfs {
namespace {

// One outbox entry: its stream id and the event bytes (empty when the entry has none).
struct OutboxEntry {
  std::string stream_id;
  std::string event;
};

absl::StatusOr<std::vector<OutboxEntry>> ReadOutbox(RedisPool* pool, const std::string& key,
                                                    int count) {
  const std::string n = absl::StrCat(count);
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool->Command({"XRANGE", key, "-", "+", "COUNT", n}));
  if (reply->type != REDIS_REPLY_ARRAY) {
    return absl::DataLossError("stored data is unreadable: outbox entries");
  }
  std::vector<OutboxEntry> out;
  out.reserve(reply->elements);
  for (size_t i = 0; i < reply->elements; ++i) {
    const redisReply* entry = reply->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY) {
      return absl::DataLossError("stored data is unreadable: outbox entry");
    }
    OutboxEntry& e = out.emplace_back();
    e.stream_id = std::string(ReplyString(entry->element[0]));
    const redisReply* fields = entry->element[1];
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
      if (ReplyString(fields->element[f]) == "event") {
        e.event = std::string(ReplyString(fields->element[f + 1]));
      }
    }
  }
  return out;
}

}  // namespace

OutboxRelay::OutboxRelay(RedisPool* pool, std::string outbox_key, std::string lease_key,
                         const Peer& notification, OutboxRelayOptions options)
    : pool_(pool),
      outbox_key_(std::move(outbox_key)),
      options_(options),
      lease_(pool, std::move(lease_key), DefaultInstanceId(), options.lease_ttl),
      stub_(notification::v1::Notification::NewStub(notification.channel)),
      token_(notification.token),
      timeout_(notification.timeout) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void OutboxRelay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  (void)lease_.Release();
}

int64_t OutboxRelay::relayed() const {
  absl::MutexLock lock(&mu_);
  return relayed_;
}

absl::StatusOr<bool> OutboxRelay::RelayBatch(int64_t* relayed) {
  ASSIGN_OR_RETURN(const std::vector<OutboxEntry> entries,
                   ReadOutbox(pool_, outbox_key_, options_.batch));
  if (entries.empty()) return false;
  notification::v1::PublishEventsRequest request;
  std::vector<absl::string_view> published = {"XDEL", outbox_key_};
  std::vector<const OutboxEntry*> unreadable;
  for (const OutboxEntry& e : entries) {
    common::v1::Event* event = request.add_events();
    if (e.event.empty() || !event->ParseFromString(e.event) ||
        !ValidateEnvelope(*event, "event").ok()) {
      request.mutable_events()->RemoveLast();
      unreadable.push_back(&e);
      continue;
    }
    published.push_back(e.stream_id);
  }
  for (const OutboxEntry* e : unreadable) {
    // Kept aside whole, and said: the relay goes on.
    const std::string aside = absl::StrCat(outbox_key_, ":unreadable");
    ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
    ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies,
                     lease.Pipeline({{"MULTI"},
                                     {"XADD", aside, "*", "outbox_id", e->stream_id, "event",
                                      e->event},
                                     {"XDEL", outbox_key_, e->stream_id},
                                     {"EXEC"}}));
    if (replies.back()->type == REDIS_REPLY_ERROR) {
      return MapRedisError(ReplyString(replies.back().get()));
    }
    RFS_LOG(kError, "outbox entry whose event the log cannot take moved aside")
        .Field("outbox", outbox_key_)
        .Field("entry", e->stream_id);
  }
  if (request.events_size() == 0) return true;

  grpc::ClientContext context;
  PreparePeerAttempt(&context, token_->Get(), timeout_, 0);
  notification::v1::PublishEventsResponse response;
  const grpc::Status status = stub_->PublishEvents(&context, request, &response);
  if (!status.ok()) return FromGrpcStatus(status);
  // Acknowledged: only now do the events leave the outbox. Should this fail, the batch is sent
  // again and rfs-notification counts it as duplicates.
  RETURN_IF_ERROR(pool_->Command(published).status());
  *relayed += request.events_size();
  return true;
}

absl::StatusOr<int64_t> OutboxRelay::RelayOnce() {
  ASSIGN_OR_RETURN(const bool holder, lease_.TryHold());
  int64_t relayed = 0;
  absl::Status failed;
  if (holder) {
    for (;;) {
      absl::StatusOr<bool> more = RelayBatch(&relayed);
      if (!more.ok()) {
        failed = more.status();
        break;
      }
      if (!*more) break;
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    relayed_ += relayed;
  }
  if (!failed.ok()) return failed;
  return relayed;
}

void OutboxRelay::Run() {
  Backoff backoff(options_.retry_initial, options_.retry_max, /*jitter=*/0.5);
  absl::Time next_warning = absl::InfinitePast();
  for (;;) {
    absl::Duration wait = options_.poll;
    absl::StatusOr<int64_t> pass = RelayOnce();
    if (pass.ok()) {
      backoff.Reset();
    } else {
      wait = backoff.Next();
      // rfs-notification's own word on when to come back (its quota), when it gave one.
      if (std::optional<absl::Duration> delay = RetryDelayOf(pass.status())) wait = *delay;
      if (absl::Now() >= next_warning) {
        RFS_LOG(kWarning, "outbox relay: events wait in the outbox")
            .Field("outbox", outbox_key_)
            .Field("error", pass.status().ToString())
            .Field("retry_ms", absl::ToInt64Milliseconds(wait));
        next_warning = absl::Now() + absl::Minutes(1);
      }
    }
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), wait)) return;
  }
}

}  // namespace rfs
