#include "services/kpi/kpi_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
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
  auto pairs = [](const redisReply* r, absl::string_view what) -> absl::Status {
    if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) return Corrupt(what);
    return absl::OkStatus();
  };
  const redisReply* m = replies[0].get();
  RETURN_IF_ERROR(pairs(m, "measurements"));
  state.measurements.reserve(m->elements / 2);
  for (size_t i = 0; i < m->elements; i += 2) {
    const absl::string_view field = ReplyString(m->element[i]);
    if (field == kGeneration) {
      ASSIGN_OR_RETURN(state.generation, IntegerOf(m->element[i + 1], "kpi generation"));
      continue;
    }
    if (field == kBytes) {
      ASSIGN_OR_RETURN(state.bytes, IntegerOf(m->element[i + 1], "kpi plan bytes"));
      continue;
    }
    RETURN_IF_ERROR(ParseOf(m->element[i + 1], &state.measurements.emplace_back(),
                            absl::StrCat("measurement ", field)));
  }
  const redisReply* o = replies[2].get();
  RETURN_IF_ERROR(pairs(o, "status overrides"));
  for (size_t i = 0; i < o->elements; i += 2) {
    v1::StatusOverride override;
    RETURN_IF_ERROR(ParseOf(o->element[i + 1], &override, "status override"));
    state.overrides.emplace(std::string(ReplyString(o->element[i])), std::move(override));
  }
  const redisReply* u = replies[3].get();
  RETURN_IF_ERROR(pairs(u, "unlocked periods"));
  for (size_t i = 0; i < u->elements; i += 2) {
    v1::PeriodLock lock;
    RETURN_IF_ERROR(ParseOf(u->element[i + 1], &lock, "unlocked period"));
    state.unlocks.emplace(std::string(ReplyString(u->element[i])), std::move(lock));
  }
  const redisReply* g = replies[4].get();
  RETURN_IF_ERROR(pairs(g, "removed indicators"));
  for (size_t i = 0; i < g->elements; i += 2) {
    RETURN_IF_ERROR(ParseOf(g->element[i + 1], &state.removed.emplace_back(),
                            "removed indicator"));
  }
  const redisReply* pdca = replies[5].get();
  RETURN_IF_ERROR(pairs(pdca, "PDCA cycles"));
  for (size_t i = 0; i < pdca->elements; i += 2) {
    v1::PdcaCycle cycle;
    RETURN_IF_ERROR(ParseOf(pdca->element[i + 1], &cycle, "PDCA cycle"));
    state.pdca.emplace(std::string(ReplyString(pdca->element[i])), std::move(cycle));
  }
  if (with_contributions) {
    const redisReply* c = replies[6].get();
    RETURN_IF_ERROR(pairs(c, "contributions"));
    for (size_t i = 0; i < c->elements; i += 2) {
      const absl::string_view field = ReplyString(c->element[i]);
      if (field == kSince) {
        ASSIGN_OR_RETURN(const int64_t since, IntegerOf(c->element[i + 1], "kpi public since"));
        state.public_since = absl::FromUnixSeconds(since);
        continue;
      }
      if (field == kAsOf) {
        state.as_of = std::string(ReplyString(c->element[i + 1]));
        continue;
      }
      ASSIGN_OR_RETURN(state.contributions[std::string(field)],
                       IntegerOf(c->element[i + 1], "contribution"));
    }
  }
  return state;
}

absl::StatusOr<bool> KpiStore::Apply(const std::string& plan_id, const PlanWrite& w) {
  std::vector<std::string> keys = {Key(absl::StrCat("m:", plan_id)),
                                   Key(absl::StrCat("c:", plan_id)),
                                   Key(absl::StrCat("plan:", plan_id)),
                                   OutboxKey(),
                                   Key("plans"),
                                   Key("buckets"),
                                   w.measurement.has_value()
                                       ? Key(absl::StrCat(
                                             "h:", plan_id, ":",
                                             MeasurementField(w.measurement->indicator_id(),
                                                              w.measurement->period())))
                                       : Key("unused"),
                                   w.request_key.empty() ? Key("unused") : w.request_key,
                                   Key(absl::StrCat("gone:", plan_id)),
                                   Key("versions")};
  std::vector<std::string> args = {
      absl::StrCat(w.expected_generation),
      w.measurement.has_value()
          ? MeasurementField(w.measurement->indicator_id(), w.measurement->period())
          : std::string(),
      w.measurement.has_value() ? w.measurement->SerializeAsString() : std::string(),
      w.change.has_value() ? w.change->SerializeAsString() : std::string(),
      w.plan.has_value() ? w.plan->SerializeAsString() : std::string(),
      plan_id,
      w.as_of,
      w.request_value,
      absl::StrCat(std::max<int64_t>(1, w.request_ttl_seconds)),
      absl::StrCat(w.events.size()),
      absl::StrCat(w.cells.size()),
      absl::StrCat(w.removed.size()),
      absl::StrCat(w.restored.size()),
      absl::StrCat(w.plan_version, " ", w.as_of),
      absl::StrCat(w.fields.size()),
      absl::StrCat(w.bytes),
      w.public_since.has_value() ? absl::StrCat(absl::ToUnixSeconds(*w.public_since))
                                 : std::string()};
  for (const common::v1::Event& e : w.events) {
    args.push_back(e.id());
    args.push_back(e.type());
    args.push_back(e.SerializeAsString());
  }
  // One KEYS entry per bucket.
  absl::flat_hash_map<std::string, size_t> bucket_index;
  for (const CellDelta& d : w.cells) {
    args.push_back(d.contribution);
    args.push_back(absl::StrCat(d.delta));
    args.push_back(absl::StrCat(d.cells.size()));
    for (const AggregateCell& cell : d.cells) {
      auto [it, added] = bucket_index.emplace(cell.bucket, keys.size() + 1);
      if (added) keys.push_back(Key(absl::StrCat("agg:", cell.bucket)));
      args.push_back(absl::StrCat(it->second));
      args.push_back(cell.bucket);
      args.push_back(cell.field);
    }
  }
  for (const registry::v1::Indicator& indicator : w.removed) {
    args.push_back(indicator.id());
    args.push_back(indicator.SerializeAsString());
  }
  for (const std::string& id : w.restored) args.push_back(id);
  absl::flat_hash_map<std::string, size_t> field_key_index;
  for (const FieldWrite& f : w.fields) {
    auto [it, added] = field_key_index.emplace(f.key, keys.size() + 1);
    if (added) keys.push_back(Key(f.key));
    args.push_back(absl::StrCat(it->second));
    args.push_back(f.field);
    args.push_back(f.value);
  }
  // The writer is charged what the script is handed (what it stores, near enough).
  int64_t bytes = 0;
  for (const std::string& a : args) bytes += static_cast<int64_t>(a.size());
  QuotaArgs quota = QuotaOf(w.subject, bytes);
  // ARGV 18..22, after the 17 fixed arguments.
  args.insert(args.begin() + 17, {std::move(quota.prefix), std::move(quota.who),
                                  std::move(quota.per_minute), std::move(quota.per_hour),
                                  std::move(quota.bytes)});
  std::vector<absl::string_view> key_views(keys.begin(), keys.end());
  std::vector<absl::string_view> arg_views(args.begin(), args.end());
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(apply_script_, key_views, arg_views));
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
  const QuotaArgs quota = QuotaOf(subject, bytes);
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Eval(check_quota_script_, {},
                               {quota.prefix, quota.who, quota.per_minute, quota.per_hour,
                                quota.bytes}));
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
  const std::string outbox = OutboxKey();
  const std::string event_bytes = event.SerializeAsString();
  const QuotaArgs quota = QuotaOf(
      subject, static_cast<int64_t>(field.size() + bytes.size() + event_bytes.size()));
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Eval(put_field_script_, {key, outbox, generation_key},
                               {field, bytes, event.id(), event.type(), event_bytes,
                                move_generation ? "1" : "0", quota.prefix, quota.who,
                                quota.per_minute, quota.per_hour, quota.bytes}));
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
