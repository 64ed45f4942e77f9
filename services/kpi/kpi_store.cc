#include "services/kpi/kpi_store.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/base/status.h"
#include "common/redis/outbox.h"
#include "common/redis/write_quota.h"
#include "services/kpi/lua_scripts.h"
#include "services/kpi/reporting.h"

namespace rfs::kpi {
namespace {

constexpr char kGeneration[] = "#gen";
constexpr char kAsOf[] = "#asof";
constexpr char kSince[] = "#since";
constexpr char kBytes[] = "#bytes";

// kApplyLua: lua/apply.lua (its keys, arguments and replies are described there).

// kPutFieldLua: lua/put_field.lua (its keys, arguments and replies are described there).

// kCheckQuotaLua: lua/check_quota.lua (its keys, arguments and replies are described there).

// The quota's five arguments, in QuotaArgs' order.
void AppendQuota(const QuotaArgs& quota, std::vector<absl::string_view>* argv) {
  argv->insert(argv->end(),
               {quota.prefix, quota.who, quota.per_minute, quota.per_hour, quota.bytes});
}

// lua/apply.lua, its keys and arguments by name: the order is the script's, in one place.
// Fill the fixed keys and arguments, then SetTail, then `quota` (charged ChargedBytes()).
struct ApplyCall {
  // KEYS 1..10.
  std::string m_key, c_key, plan_key, outbox_key, plans_key, buckets_key;
  std::string history_key;  // the measurement's history list, else an unused key
  std::string request_key;  // else an unused key
  std::string gone_key, versions_key;
  // ARGV 1..9, 14, 16 and 17 (10..13 and 15 count the tail: SetTail sets them).
  std::string expected_generation;
  std::string measurement_field;  // "" none
  std::string measurement;        // its bytes
  std::string change;             // the history entry's bytes, "" none
  std::string plan;               // the snapshot's bytes, "" unchanged
  std::string plan_id, as_of;
  std::string request_value;  // "" none
  std::string request_ttl;    // seconds
  std::string version;        // "{plan version} {as-of}" for the versions hash
  std::string bytes;          // what the write adds to "#bytes" (may be negative)
  std::string public_since;   // unix seconds, "" unchanged
  // ARGV 18..22: the writer's quota.
  QuotaArgs quota;

  // The tail, ARGV 23.. in this order, and KEYS 11.. (`more_keys`).
  struct EventArgs {
    std::string id, type, bytes;
  };
  struct CellArgs {
    std::string key_index;  // of its agg:{bucket} key in KEYS
    std::string bucket, field;
  };
  struct DifferenceArgs {
    std::string contribution, delta, cell_count;
    std::vector<CellArgs> cells;
  };
  struct RemovedArgs {
    std::string id, bytes;
  };
  struct FieldWriteArgs {
    std::string key_index;  // of its hash in KEYS
    std::string field;
    std::string value;  // "" deletes the field
  };
  std::vector<EventArgs> events;
  std::vector<DifferenceArgs> differences;
  std::vector<RemovedArgs> removed;
  std::vector<std::string> restored;
  std::vector<FieldWriteArgs> fields;
  // KEYS 11..: the agg:{bucket} keys, one per bucket, then the hashes of field writes, one per
  // key (numbered apart: a key both a bucket and a field write names is there twice).
  std::vector<std::string> more_keys;
  std::string event_count, difference_count, removed_count, restored_count, field_count;

  static constexpr size_t kFixedKeys = 10;
  static constexpr size_t kQuotaArg = 17;  // ARGV 18 (0-based 17), 5 of them

  // The tail of `w`, its counts and its keys (`store` makes them).
  void SetTail(const PlanWrite& w, const RedisStore& store) {
    for (const common::v1::Event& e : w.events) {
      events.push_back({e.id(), e.type(), e.SerializeAsString()});
    }
    AddCells(w.cells, store);
    for (const registry::v1::Indicator& indicator : w.removed) {
      removed.push_back({indicator.id(), indicator.SerializeAsString()});
    }
    restored = w.restored;
    absl::flat_hash_map<std::string, size_t> key_index;
    for (const FieldWrite& f : w.fields) {
      auto [it, added] = key_index.emplace(f.key, kFixedKeys + more_keys.size() + 1);
      if (added) more_keys.push_back(store.Key(f.key));
      fields.push_back({absl::StrCat(it->second), f.field, f.value});
    }
    event_count = absl::StrCat(events.size());
    difference_count = absl::StrCat(differences.size());
    removed_count = absl::StrCat(removed.size());
    restored_count = absl::StrCat(restored.size());
    field_count = absl::StrCat(fields.size());
  }

  // The differences and their cells, one KEYS entry per bucket.
  void AddCells(const std::vector<CellDelta>& cells, const RedisStore& store) {
    absl::flat_hash_map<std::string, size_t> bucket_index;
    for (const CellDelta& d : cells) {
      DifferenceArgs& difference = differences.emplace_back();
      difference.contribution = d.contribution;
      difference.delta = absl::StrCat(d.delta);
      difference.cell_count = absl::StrCat(d.cells.size());
      for (const AggregateCell& cell : d.cells) {
        auto [it, added] = bucket_index.emplace(cell.bucket, kFixedKeys + more_keys.size() + 1);
        if (added) more_keys.push_back(store.Key(absl::StrCat("agg:", cell.bucket)));
        difference.cells.push_back({absl::StrCat(it->second), cell.bucket, cell.field});
      }
    }
  }

  std::vector<absl::string_view> Keys() const {
    std::vector<absl::string_view> keys = {m_key,       c_key,       plan_key, outbox_key,
                                           plans_key,   buckets_key, history_key,
                                           request_key, gone_key,    versions_key};
    keys.insert(keys.end(), more_keys.begin(), more_keys.end());
    return keys;
  }

  std::vector<absl::string_view> Argv() const {
    std::vector<absl::string_view> argv = {
        expected_generation, measurement_field, measurement,    change,         plan,
        plan_id,             as_of,             request_value,  request_ttl,    event_count,
        difference_count,    removed_count,     restored_count, version,        field_count,
        bytes,               public_since};
    AppendQuota(quota, &argv);
    for (const EventArgs& e : events) argv.insert(argv.end(), {e.id, e.type, e.bytes});
    for (const DifferenceArgs& d : differences) {
      argv.insert(argv.end(), {d.contribution, d.delta, d.cell_count});
      for (const CellArgs& c : d.cells) argv.insert(argv.end(), {c.key_index, c.bucket, c.field});
    }
    for (const RemovedArgs& r : removed) argv.insert(argv.end(), {r.id, r.bytes});
    argv.insert(argv.end(), restored.begin(), restored.end());
    for (const FieldWriteArgs& f : fields) argv.insert(argv.end(), {f.key_index, f.field, f.value});
    return argv;
  }

  // What the writer is charged: the size of every argument but the quota's (what the script
  // stores, near enough).
  int64_t ChargedBytes() const {
    const std::vector<absl::string_view> argv = Argv();
    int64_t total = 0;
    for (size_t i = 0; i < argv.size(); ++i) {
      if (i < kQuotaArg || i >= kQuotaArg + 5) total += static_cast<int64_t>(argv[i].size());
    }
    return total;
  }
};

// lua/put_field.lua, its keys and arguments by name.
struct PutFieldCall {
  std::string hash_key, outbox_key;
  std::string generation_key;  // m:{id} when "#gen" moves, else an unused key
  std::string field;
  std::string value;  // "" deletes the field
  std::string event_id, event_type, event;
  bool move_generation = false;
  QuotaArgs quota;

  std::vector<absl::string_view> Keys() const { return {hash_key, outbox_key, generation_key}; }
  std::vector<absl::string_view> Argv() const {
    std::vector<absl::string_view> argv = {field, value, event_id, event_type, event,
                                           move_generation ? "1" : "0"};
    AppendQuota(quota, &argv);
    return argv;
  }
  // What the writer is charged.
  int64_t ChargedBytes() const {
    return static_cast<int64_t>(field.size() + value.size() + event.size());
  }
};

// lua/check_quota.lua: no keys, the quota's arguments.
struct CheckQuotaCall {
  QuotaArgs quota;

  std::vector<absl::string_view> Keys() const { return {}; }
  std::vector<absl::string_view> Argv() const {
    std::vector<absl::string_view> argv;
    AppendQuota(quota, &argv);
    return argv;
  }
};

// `r` is an HGETALL reply (field, value pairs); Corrupt(what) otherwise.
absl::Status PairsOf(const redisReply* r, absl::string_view what) {
  if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) return RedisStore::Corrupt(what);
  return absl::OkStatus();
}

// Each value of the HGETALL reply `r` parsed as a `Message` and handed to add(field, message):
// Corrupt(hash_what) when `r` is no list of pairs, Corrupt(value_what) when a value is no
// `Message`.
template <typename Message, typename Add>
absl::Status ParseHashValues(const redisReply* r, absl::string_view hash_what,
                             absl::string_view value_what, Add add) {
  RETURN_IF_ERROR(PairsOf(r, hash_what));
  for (size_t i = 0; i < r->elements; i += 2) {
    Message message;
    RETURN_IF_ERROR(RedisStore::ParseOf(r->element[i + 1], &message, value_what));
    add(ReplyString(r->element[i]), std::move(message));
  }
  return absl::OkStatus();
}

// The same into a map field → message.
template <typename Message>
absl::Status ParseHashInto(const redisReply* r, absl::string_view hash_what,
                           absl::string_view value_what,
                           absl::flat_hash_map<std::string, Message>* out) {
  return ParseHashValues<Message>(r, hash_what, value_what,
                                  [out](absl::string_view field, Message message) {
                                    out->emplace(std::string(field), std::move(message));
                                  });
}

// m:{id}: the measurements, "#gen" and "#bytes".
absl::Status ParseMeasurements(const redisReply* m, PlanState* state) {
  RETURN_IF_ERROR(PairsOf(m, "measurements"));
  state->measurements.reserve(m->elements / 2);
  for (size_t i = 0; i < m->elements; i += 2) {
    const absl::string_view field = ReplyString(m->element[i]);
    if (field == kGeneration) {
      ASSIGN_OR_RETURN(state->generation,
                       RedisStore::IntegerOf(m->element[i + 1], "kpi generation"));
      continue;
    }
    if (field == kBytes) {
      ASSIGN_OR_RETURN(state->bytes, RedisStore::IntegerOf(m->element[i + 1], "kpi plan bytes"));
      continue;
    }
    RETURN_IF_ERROR(RedisStore::ParseOf(m->element[i + 1], &state->measurements.emplace_back(),
                                        absl::StrCat("measurement ", field)));
  }
  return absl::OkStatus();
}

// c:{id}: the contributions, "#since" and "#asof".
absl::Status ParseContributions(const redisReply* c, PlanState* state) {
  RETURN_IF_ERROR(PairsOf(c, "contributions"));
  for (size_t i = 0; i < c->elements; i += 2) {
    const absl::string_view field = ReplyString(c->element[i]);
    if (field == kSince) {
      ASSIGN_OR_RETURN(const int64_t since,
                       RedisStore::IntegerOf(c->element[i + 1], "kpi public since"));
      state->public_since = absl::FromUnixSeconds(since);
      continue;
    }
    if (field == kAsOf) {
      state->as_of = std::string(ReplyString(c->element[i + 1]));
      continue;
    }
    ASSIGN_OR_RETURN(state->contributions[std::string(field)],
                     RedisStore::IntegerOf(c->element[i + 1], "contribution"));
  }
  return absl::OkStatus();
}

}  // namespace

KpiStore::KpiStore(RedisPool* pool, AsyncRedis* async, WriteQuota quota)
    : RedisStore(pool, async, "rfs:kpi:"),
      quota_(quota),
      apply_script_(Script({lua::kApplyLua})),
      put_field_script_(Script({lua::kPutFieldLua})),
      check_quota_script_(Script({lua::kCheckQuotaLua})) {}

QuotaArgs KpiStore::QuotaOf(const std::string& subject, int64_t bytes) const {
  return subject.empty() ? NoQuota(prefix()) : QuotaArgsOf(quota_, prefix(), subject, bytes);
}

std::string KpiStore::MeasurementField(const std::string& indicator_id,
                                       const common::v1::FiscalPeriod& period) {
  return absl::StrCat(indicator_id, "|", PeriodKey(period));
}

std::string KpiStore::RequestKey(absl::string_view subject, absl::string_view request_id) const {
  // The subject's length first, so that no (subject, id) pair can collide with another.
  return Key(absl::StrCat("req:", subject.size(), ":", subject, ":", request_id));
}

absl::StatusOr<PlanState> KpiStore::Load(const std::string& plan_id, bool with_contributions) {
  const std::string plan_key = Key(absl::StrCat("plan:", plan_id));
  const std::string m_key = Key(absl::StrCat("m:", plan_id));
  const std::string c_key = Key(absl::StrCat("c:", plan_id));
  const std::string o_key = Key(absl::StrCat("o:", plan_id));
  const std::string u_key = Key(absl::StrCat("unlock:", plan_id));
  const std::string g_key = Key(absl::StrCat("gone:", plan_id));
  const std::string p_key = Key(absl::StrCat("pdca:", plan_id));
  // m:{id} first: it holds "#gen", and everything read after it is at least as new as that
  // generation (a progress cached under it is then never older than it says).
  std::vector<std::vector<absl::string_view>> commands = {
      {"HGETALL", m_key}, {"GET", plan_key}, {"HGETALL", o_key}, {"HGETALL", u_key},
      {"HGETALL", g_key}, {"HGETALL", p_key}};
  if (with_contributions) commands.push_back({"HGETALL", c_key});
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
  for (const RedisReplyPtr& r : replies) {
    if (r->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(r.get()));
  }
  PlanState state;
  if (replies[1]->type != REDIS_REPLY_NIL) {
    state.plan.emplace();
    RETURN_IF_ERROR(ParseOf(replies[1].get(), &*state.plan, "kpi plan snapshot"));
  }
  RETURN_IF_ERROR(ParseMeasurements(replies[0].get(), &state));
  RETURN_IF_ERROR(ParseHashInto(replies[2].get(), "status overrides", "status override",
                                &state.overrides));
  RETURN_IF_ERROR(ParseHashInto(replies[3].get(), "unlocked periods", "unlocked period",
                                &state.unlocks));
  RETURN_IF_ERROR(ParseHashValues<registry::v1::Indicator>(
      replies[4].get(), "removed indicators", "removed indicator",
      [&state](absl::string_view, registry::v1::Indicator indicator) {
        state.removed.push_back(std::move(indicator));
      }));
  RETURN_IF_ERROR(ParseHashInto(replies[5].get(), "PDCA cycles", "PDCA cycle", &state.pdca));
  if (with_contributions) RETURN_IF_ERROR(ParseContributions(replies[6].get(), &state));
  return state;
}

absl::StatusOr<bool> KpiStore::Apply(const std::string& plan_id, const PlanWrite& w) {
  ApplyCall call;
  call.m_key = Key(absl::StrCat("m:", plan_id));
  call.c_key = Key(absl::StrCat("c:", plan_id));
  call.plan_key = Key(absl::StrCat("plan:", plan_id));
  call.outbox_key = OutboxKey();
  call.plans_key = Key("plans");
  call.buckets_key = Key("buckets");
  call.gone_key = Key(absl::StrCat("gone:", plan_id));
  call.versions_key = Key("versions");
  call.history_key = Key("unused");
  if (w.measurement.has_value()) {
    call.measurement_field =
        MeasurementField(w.measurement->indicator_id(), w.measurement->period());
    call.measurement = w.measurement->SerializeAsString();
    call.history_key = Key(absl::StrCat("h:", plan_id, ":", call.measurement_field));
  }
  call.request_key = w.request_key.empty() ? Key("unused") : w.request_key;
  call.expected_generation = absl::StrCat(w.expected_generation);
  if (w.change.has_value()) call.change = w.change->SerializeAsString();
  if (w.plan.has_value()) call.plan = w.plan->SerializeAsString();
  call.plan_id = plan_id;
  call.as_of = w.as_of;
  call.request_value = w.request_value;
  call.request_ttl = absl::StrCat(std::max<int64_t>(1, w.request_ttl_seconds));
  call.version = absl::StrCat(w.plan_version, " ", w.as_of);
  call.bytes = absl::StrCat(w.bytes);
  if (w.public_since.has_value()) {
    call.public_since = absl::StrCat(absl::ToUnixSeconds(*w.public_since));
  }
  call.SetTail(w, *this);
  call.quota = QuotaOf(w.subject, call.ChargedBytes());
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(apply_script_, call.Keys(), call.Argv()));
  if (std::optional<QuotaRefusal> refusal = QuotaRefusalOf(reply.get())) {
    return OverQuota(w.subject, *refusal);
  }
  ASSIGN_OR_RETURN(const int64_t generation, IntegerOf(reply.get(), "kpi write reply"));
  return generation >= 0;
}

absl::StatusOr<int64_t> KpiStore::Generation(const std::string& plan_id) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Command({"HGET", Key(absl::StrCat("m:", plan_id)), kGeneration}));
  if (reply->type == REDIS_REPLY_NIL) return 0;
  return IntegerOf(reply.get(), "kpi generation");
}

absl::StatusOr<std::optional<std::string>> KpiStore::GetRequest(const std::string& key) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command({"GET", key}));
  if (reply->type == REDIS_REPLY_NIL) return std::optional<std::string>();
  ASSIGN_OR_RETURN(absl::string_view value, StringOf(reply.get(), "request id"));
  return std::optional<std::string>(std::string(value));
}

absl::StatusOr<std::vector<KpiStore::HistoryPart>> KpiStore::HistoryRanges(
    const std::string& plan_id, const std::vector<std::pair<std::string, int64_t>>& fields,
    int64_t count) {
  std::vector<std::pair<std::string, int64_t>> lists;
  lists.reserve(fields.size());
  for (const auto& [field, offset] : fields) {
    lists.emplace_back(Key(absl::StrCat("h:", plan_id, ":", field)), offset);
  }
  return ListRanges<v1::MeasurementChange>(lists, count, "measurement history");
}

absl::Status KpiStore::CheckQuota(const std::string& subject, int64_t bytes) {
  CheckQuotaCall call;
  call.quota = QuotaOf(subject, bytes);
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(check_quota_script_, call.Keys(), call.Argv()));
  if (std::optional<QuotaRefusal> refusal = QuotaRefusalOf(reply.get())) {
    return OverQuota(subject, *refusal);
  }
  return IntegerOf(reply.get(), "quota check reply").status();
}

absl::Status KpiStore::PutOverride(const std::string& plan_id,
                                   const v1::StatusOverride& override,
                                   const common::v1::Event& event, const std::string& subject) {
  const std::string bytes = override.status() == v1::PROGRESS_STATUS_UNSPECIFIED
                                ? std::string()
                                : override.SerializeAsString();
  return PutField(Key(absl::StrCat("o:", plan_id)), Key(absl::StrCat("m:", plan_id)),
                  override.indicator_id(), bytes, event, /*move_generation=*/true, subject);
}

absl::Status KpiStore::PutUnlock(const std::string& plan_id, const std::string& period_key,
                                 const v1::PeriodLock& lock, const common::v1::Event& event,
                                 const std::string& subject) {
  return PutField(Key(absl::StrCat("unlock:", plan_id)), Key("unused"), period_key,
                  lock.SerializeAsString(), event, /*move_generation=*/false, subject);
}

absl::Status KpiStore::PutField(const std::string& key, const std::string& generation_key,
                                const std::string& field, const std::string& bytes,
                                const common::v1::Event& event, bool move_generation,
                                const std::string& subject) {
  PutFieldCall call;
  call.hash_key = key;
  call.outbox_key = OutboxKey();
  call.generation_key = generation_key;
  call.field = field;
  call.value = bytes;
  call.event_id = event.id();
  call.event_type = event.type();
  call.event = event.SerializeAsString();
  call.move_generation = move_generation;
  call.quota = QuotaOf(subject, call.ChargedBytes());
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(put_field_script_, call.Keys(), call.Argv()));
  if (std::optional<QuotaRefusal> refusal = QuotaRefusalOf(reply.get())) {
    return OverQuota(subject, *refusal);
  }
  return IntegerOf(reply.get(), "field write reply").status();
}

absl::StatusOr<absl::flat_hash_map<std::string, int64_t>> KpiStore::Aggregate(
    const std::string& bucket) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Command({"HGETALL", Key(absl::StrCat("agg:", bucket))}));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 0) return Corrupt("aggregate");
  absl::flat_hash_map<std::string, int64_t> out;
  out.reserve(reply->elements / 2);
  for (size_t i = 0; i < reply->elements; i += 2) {
    ASSIGN_OR_RETURN(out[std::string(ReplyString(reply->element[i]))],
                     IntegerOf(reply->element[i + 1], "aggregate value"));
  }
  return out;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> KpiStore::ReportIndex(
    const std::string& period_key) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Command({"HGETALL", Key(absl::StrCat("rep:", period_key))}));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 0) return Corrupt("report index");
  absl::flat_hash_map<std::string, std::string> out;
  for (size_t i = 0; i < reply->elements; i += 2) {
    out.emplace(ReplyString(reply->element[i]), ReplyString(reply->element[i + 1]));
  }
  return out;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> KpiStore::Titles(
    const std::vector<std::string>& plan_ids) {
  absl::flat_hash_map<std::string, std::string> out;
  if (plan_ids.empty()) return out;
  const std::string key = Key("titles");
  std::vector<absl::string_view> command = {"HMGET", key};
  command.insert(command.end(), plan_ids.begin(), plan_ids.end());
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command(command));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != plan_ids.size()) {
    return Corrupt("plan titles");
  }
  for (size_t i = 0; i < reply->elements; ++i) {
    if (reply->element[i]->type == REDIS_REPLY_STRING) {
      out.emplace(plan_ids[i], ReplyString(reply->element[i]));
    }
  }
  return out;
}

absl::StatusOr<absl::flat_hash_map<std::string, registry::v1::Plan>> KpiStore::Snapshots(
    const std::vector<std::string>& plan_ids) {
  absl::flat_hash_map<std::string, registry::v1::Plan> out;
  if (plan_ids.empty()) return out;
  std::vector<std::string> keys;
  keys.reserve(plan_ids.size());
  for (const std::string& id : plan_ids) keys.push_back(Key(absl::StrCat("plan:", id)));
  std::vector<std::vector<absl::string_view>> commands;
  for (const std::string& k : keys) commands.push_back({"GET", k});
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
  for (size_t i = 0; i < replies.size(); ++i) {
    const redisReply* r = replies[i].get();
    if (r->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(r));
    if (r->type == REDIS_REPLY_NIL) continue;
    RETURN_IF_ERROR(ParseOf(r, &out[plan_ids[i]], "kpi plan snapshot"));
  }
  return out;
}

absl::StatusOr<std::vector<std::vector<int64_t>>> KpiStore::AggregateFields(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& reads) {
  std::vector<std::string> keys;
  keys.reserve(reads.size());
  for (const auto& [bucket, fields] : reads) keys.push_back(Key(absl::StrCat("agg:", bucket)));
  std::vector<std::vector<absl::string_view>> commands;
  for (size_t i = 0; i < reads.size(); ++i) {
    std::vector<absl::string_view> command = {"HMGET", keys[i]};
    for (const std::string& f : reads[i].second) command.push_back(f);
    commands.push_back(std::move(command));
  }
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
  std::vector<std::vector<int64_t>> out(reads.size());
  for (size_t i = 0; i < replies.size(); ++i) {
    const redisReply* r = replies[i].get();
    if (r->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(r));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != reads[i].second.size()) {
      return Corrupt("aggregate fields");
    }
    out[i].reserve(r->elements);
    for (size_t j = 0; j < r->elements; ++j) {
      if (r->element[j]->type == REDIS_REPLY_NIL) {
        out[i].push_back(0);
        continue;
      }
      ASSIGN_OR_RETURN(const int64_t v, IntegerOf(r->element[j], "aggregate value"));
      out[i].push_back(v);
    }
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> KpiStore::Buckets() {
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command({"SMEMBERS", Key("buckets")}));
  if (reply->type != REDIS_REPLY_ARRAY) return Corrupt("aggregate buckets");
  std::vector<std::string> out;
  for (size_t i = 0; i < reply->elements; ++i) out.emplace_back(ReplyString(reply->element[i]));
  return out;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> KpiStore::Versions() {
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command({"HGETALL", Key("versions")}));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 0) return Corrupt("versions");
  absl::flat_hash_map<std::string, std::string> out;
  out.reserve(reply->elements / 2);
  for (size_t i = 0; i < reply->elements; i += 2) {
    out.emplace(ReplyString(reply->element[i]), ReplyString(reply->element[i + 1]));
  }
  return out;
}

void SlimIndicator(registry::v1::Indicator* indicator) {
  indicator->clear_description();
  indicator->mutable_baseline()->clear_note();
  indicator->mutable_target()->clear_note();
  for (registry::v1::PeriodValue& milestone : *indicator->mutable_milestones()) {
    milestone.clear_note();
  }
}

registry::v1::Plan SnapshotOf(const registry::v1::Plan& plan) {
  registry::v1::Plan s;
  s.set_name(plan.name());
  s.set_type(plan.type());
  s.set_title(plan.title());
  *s.mutable_authors() = plan.authors();
  s.set_lead_author_code(plan.lead_author_code());
  *s.mutable_area() = plan.area();
  // What an enclave is for is the registry's to tell; its code is what a breakdown needs.
  for (registry::v1::Enclave& enclave : *s.mutable_area()->mutable_enclaves()) {
    enclave.clear_reason();
  }
  *s.mutable_strategic_fields() = plan.strategic_fields();
  *s.mutable_period() = plan.period();
  *s.mutable_indicators() = plan.indicators();
  for (registry::v1::Indicator& indicator : *s.mutable_indicators()) SlimIndicator(&indicator);
  s.set_stage(plan.stage());
  s.set_version(plan.version());
  s.set_content_version(plan.content_version());
  *s.mutable_update_time() = plan.update_time();
  return s;
}

}  // namespace rfs::kpi
