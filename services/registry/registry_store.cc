#include "services/registry/registry_store.h"

#include <zstd.h>

#include <array>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/base/logging.h"
#include "common/base/status.h"
#include "common/base/text.h"
#include "common/domain/plan_validation.h"
#include "common/redis/outbox.h"
#include "common/redis/write_quota.h"
#include "services/registry/lua_scripts.h"

namespace rfs::registry {

namespace {

constexpr absl::string_view kPrefix = "rfs:registry:";

// A key of the registry's key space (RedisStore::Key, for the static key functions).
std::string RegistryKey(absl::string_view suffix) { return absl::StrCat(kPrefix, suffix); }

std::string VersionKeyPrefix(absl::string_view id) {
  return absl::StrCat(kPrefix, "plan:", id, ":v:");
}

// kGetCurrentLua: lua/get_current.lua (its keys, arguments and replies are described there).

// lua/get_current.lua, its key and arguments by name: the order is the script's, in one place.
// Reply: nil (no plan) | {ver} (the cached version is current) | {ver, body}.
struct GetCurrentCall {
  std::string plan_key;
  std::string cached_version;      // the newest version cached in process ("0": none)
  std::string version_key_prefix;  // VersionKeyPrefix(id)

  std::vector<absl::string_view> Keys() const { return {plan_key}; }
  std::vector<absl::string_view> Argv() const { return {cached_version, version_key_prefix}; }
};

// kCreateLua: lua/create.lua (its keys, arguments and replies are described there).

// kWriteLua: lua/write.lua (its keys, arguments and replies are described there).

// kListLua: lua/list.lua (its keys, arguments and replies are described there).

// lua/list.lua, its key and arguments by name.
// Reply: {exhausted ('1'/'0'), last scanned, seq, summary[, size], ...}.
struct ListCall {
  std::string primary_index;    // full key of the index scanned
  std::string after_sequence;   // exclusive
  std::string want, max_scan;
  std::string title_folded;     // "" none
  std::string other_indexes;    // full keys, space separated
  std::string plan_key_prefix;  // "{prefix}plan:"
  std::string id_prefix;        // "" none
  bool with_sizes = false;

  std::vector<absl::string_view> Keys() const { return {primary_index}; }
  std::vector<absl::string_view> Argv() const {
    return {after_sequence,  want,      max_scan, title_folded, other_indexes,
            plan_key_prefix, id_prefix, with_sizes ? "1" : "0"};
  }
};

// Copies of a call's keys or arguments, for the async client (which sends them later).
std::vector<std::string> Owned(const std::vector<absl::string_view>& views) {
  std::vector<std::string> owned;
  owned.reserve(views.size());
  for (absl::string_view v : views) owned.emplace_back(v.data(), v.size());
  return owned;
}

// zstd frames start with these bytes; a serialized plan never does (its first byte is a field
// tag, 0x0A for the name of versions stored before compression).
constexpr char kZstdMagic[] = {'\x28', '\xB5', '\x2F', '\xFD'};

}  // namespace

std::string PackVersion(const v1::Plan& plan) {
  // The serialized plan without its name: field 1, written first by the serializer.
  std::string bytes = plan.SerializeAsString();
  if (!plan.name().empty()) {
    v1::Plan name_only;
    name_only.set_name(plan.name());
    bytes.erase(0, name_only.ByteSizeLong());
  }
  std::string packed(ZSTD_compressBound(bytes.size()), '\0');
  const size_t n = ZSTD_compress(packed.data(), packed.size(), bytes.data(), bytes.size(),
                                 /*compressionLevel=*/3);
  if (ZSTD_isError(n) || n >= bytes.size()) return bytes;  // stored as it is
  packed.resize(n);
  return packed;
}

absl::StatusOr<std::string> UnpackVersion(absl::string_view stored) {
  if (stored.size() < 4 || stored.substr(0, 4) != absl::string_view(kZstdMagic, 4)) {
    return std::string(stored);
  }
  const unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
  // A plan is at most --max_plan_kib; anything claiming far more is not ours.
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (256u << 20)) {
    return absl::DataLossError("compressed plan version has no valid size");
  }
  std::string bytes(size, '\0');
  const size_t n = ZSTD_decompress(bytes.data(), bytes.size(), stored.data(), stored.size());
  if (ZSTD_isError(n) || n != size) return absl::DataLossError("compressed plan version is damaged");
  return bytes;
}

// In-process cache of immutable plan versions, with the newest version seen per plan. Bounded
// by an approximate byte budget per shard; a full shard is emptied (plans are re-read once).
class VersionCache {
 public:
  explicit VersionCache(size_t bytes) : budget_per_shard_(bytes / kShards) {}

  CachedPlanPtr Get(const std::string& id, int64_t version) {
    Shard& s = ShardOf(id);
    absl::MutexLock lock(&s.mu);
    auto it = s.plans.find(id);
    if (it == s.plans.end()) return nullptr;
    auto v = it->second.versions.find(version);
    return v == it->second.versions.end() ? nullptr : v->second;
  }

  // The newest version cached for `id`, 0 when none.
  int64_t Latest(const std::string& id) {
    Shard& s = ShardOf(id);
    absl::MutexLock lock(&s.mu);
    auto it = s.plans.find(id);
    return it == s.plans.end() ? 0 : it->second.latest;
  }

  void Clear() {
    for (Shard& s : shards_) {
      absl::MutexLock lock(&s.mu);
      s.plans.clear();
      s.bytes = 0;
    }
  }

  void Put(const std::string& id, CachedPlanPtr plan, size_t bytes) {
    if (budget_per_shard_ == 0) return;
    Shard& s = ShardOf(id);
    absl::MutexLock lock(&s.mu);
    if (s.bytes + bytes > budget_per_shard_) {
      s.plans.clear();
      s.bytes = 0;
    }
    Entry& e = s.plans[id];
    const int64_t version = plan->plan.version();
    if (e.versions.emplace(version, std::move(plan)).second) s.bytes += bytes;
    e.latest = std::max(e.latest, version);
  }

 private:
  static constexpr int kShards = 16;
  struct Entry {
    int64_t latest = 0;
    absl::flat_hash_map<int64_t, CachedPlanPtr> versions;
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> plans ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
  };
  Shard& ShardOf(const std::string& id) { return shards_[absl::Hash<std::string>()(id) % kShards]; }

  const size_t budget_per_shard_;
  std::array<Shard, kShards> shards_;
};

RegistryStore::RegistryStore(RedisPool* pool, AsyncRedis* async, size_t cache_bytes,
                             WriteQuota quota)
    : RedisStore(pool, async, std::string(kPrefix)),
      get_current_script_(Script({lua::kGetCurrentLua})),
      create_script_(Script({lua::kCreateLua})),
      write_script_(Script({lua::kWriteLua})),
      list_script_(Script({lua::kListLua})),
      quota_(quota),
      cache_(std::make_unique<VersionCache>(cache_bytes)) {}

namespace {

// A quota reply {'QUOTA', seconds, what} into `result`; false when it is not one.
bool OverQuota(const redisReply* reply, WriteResult* result) {
  std::optional<QuotaRefusal> refusal = QuotaRefusalOf(reply);
  if (!refusal.has_value()) return false;
  result->outcome = WriteResult::Outcome::kOverQuota;
  result->retry_seconds = refusal->retry_seconds;
  result->quota = std::move(refusal->what);
  return true;
}

}  // namespace

RegistryStore::~RegistryStore() = default;

v1::Plan BasicView(const v1::Plan& p) {
  v1::Plan b;
  b.set_name(p.name());
  b.set_type(p.type());
  b.set_title(p.title());
  *b.mutable_authors() = p.authors();
  b.set_lead_author_code(p.lead_author_code());
  b.mutable_area()->set_block(p.area().block());
  *b.mutable_area()->mutable_prefecture_codes() = p.area().prefecture_codes();
  *b.mutable_area()->mutable_municipality_codes() = p.area().municipality_codes();
  *b.mutable_strategic_fields() = p.strategic_fields();
  *b.mutable_period() = p.period();
  b.set_stage(p.stage());
  b.set_version(p.version());
  b.set_content_version(p.content_version());
  b.set_etag(p.etag());
  *b.mutable_create_time() = p.create_time();
  *b.mutable_update_time() = p.update_time();
  b.set_created_by(p.created_by());
  b.set_updated_by(p.updated_by());
  if (p.has_requirement_check()) *b.mutable_requirement_check() = p.requirement_check();
  return b;
}

CachedPlanPtr RegistryStore::Cache(const std::string& id, v1::Plan plan, std::string bytes) {
  auto cached = std::make_shared<CachedPlan>();
  const std::string basic = BasicView(plan).SerializeAsString();
  const size_t size = bytes.size() + basic.size();
  cached->full = grpc::Slice(bytes);
  cached->basic = grpc::Slice(basic);
  cached->plan = std::move(plan);
  cache_->Put(id, cached, size);
  return cached;
}

absl::StatusOr<CachedPlanPtr> RegistryStore::Decode(const std::string& id, int64_t version,
                                                    absl::string_view stored) {
  absl::StatusOr<std::string> bytes = UnpackVersion(stored);
  v1::Plan plan;
  if (!bytes.ok() || !plan.ParseFromArray(bytes->data(), static_cast<int>(bytes->size())) ||
      plan.version() != version) {
    return Corrupt(absl::StrCat("plans/", id, " version ", version));
  }
  // Versions are stored without their name (the key says it): add it to the plan and to the
  // bytes readers get (a repeated field 1 parses as the name).
  if (plan.name().empty()) {
    plan.set_name(absl::StrCat("plans/", id));
    v1::Plan name_only;
    name_only.set_name(plan.name());
    name_only.AppendToString(&*bytes);
  }
  return Cache(id, std::move(plan), *std::move(bytes));
}

std::string RegistryStore::PlanKey(absl::string_view id) { return RegistryKey(absl::StrCat("plan:", id)); }

std::string RegistryStore::IndexKey(absl::string_view kind, absl::string_view value) {
  return RegistryKey(absl::StrCat("idx:", kind, ":", value));
}

std::string RegistryStore::AllIndexKey() { return RegistryKey("idx:all"); }

std::string RegistryStore::RequestKey(absl::string_view subject, absl::string_view request_id) {
  // The subject's length first: subjects and request ids may both contain ':'.
  return RegistryKey(absl::StrCat("req:", subject.size(), ":", subject, ":", request_id));
}

std::vector<std::string> RegistryStore::IndexKeysOf(const v1::Plan& plan) {
  std::vector<std::string> keys;
  keys.push_back(IndexKey("block", plan.area().block()));
  for (const auto& p : plan.area().prefecture_codes()) keys.push_back(IndexKey("pref", p));
  for (const auto& f : plan.strategic_fields()) keys.push_back(IndexKey("field", f));
  keys.push_back(IndexKey("stage", StageName(plan.stage())));
  return keys;
}

absl::StatusOr<CachedPlanPtr> RegistryStore::OnHead(const std::string& id,
                                                    const redisReply* reply, int64_t* fetch) {
  *fetch = 0;
  if (reply->type == REDIS_REPLY_NIL) {
    return absl::NotFoundError(absl::StrCat("plan plans/", id, " not found"));
  }
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) return Corrupt("plan head");
  int64_t version = 0;
  if (!absl::SimpleAtoi(ReplyString(reply->element[0]), &version)) return Corrupt("plan version");
  if (reply->elements == 1) {
    if (auto cached = cache_->Get(id, version)) return cached;
    *fetch = version;  // evicted between the two looks
    return CachedPlanPtr();
  }
  const redisReply* body = reply->element[1];
  if (body->type != REDIS_REPLY_STRING) return Corrupt(absl::StrCat("plans/", id, " body"));
  return Decode(id, version, ReplyString(body));
}

absl::StatusOr<std::shared_ptr<const v1::Plan>> RegistryStore::GetCurrent(const std::string& id) {
  GetCurrentCall call;
  call.plan_key = PlanKey(id);
  call.cached_version = absl::StrCat(cache_->Latest(id));
  call.version_key_prefix = VersionKeyPrefix(id);
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Eval(get_current_script_, call.Keys(), call.Argv()));
  int64_t fetch = 0;
  ASSIGN_OR_RETURN(CachedPlanPtr cached, OnHead(id, reply.get(), &fetch));
  if (fetch != 0) return GetVersion(id, fetch);
  return std::shared_ptr<const v1::Plan>(cached, &cached->plan);
}

absl::StatusOr<std::shared_ptr<const v1::Plan>> RegistryStore::GetVersion(const std::string& id,
                                                                          int64_t version) {
  if (auto cached = cache_->Get(id, version)) {
    return std::shared_ptr<const v1::Plan>(cached, &cached->plan);
  }
  ASSIGN_OR_RETURN(RedisReplyPtr reply,
                   pool_->Command({"GET", absl::StrCat(VersionKeyPrefix(id), version)}));
  if (reply->type == REDIS_REPLY_NIL) {
    return absl::NotFoundError(absl::StrCat("plans/", id, " has no version ", version));
  }
  if (reply->type != REDIS_REPLY_STRING) return Corrupt(absl::StrCat("plans/", id, " version"));
  ASSIGN_OR_RETURN(CachedPlanPtr cached, Decode(id, version, ReplyString(reply.get())));
  return std::shared_ptr<const v1::Plan>(cached, &cached->plan);
}

absl::StatusOr<std::vector<std::shared_ptr<const v1::Plan>>> RegistryStore::GetVersions(
    const std::vector<std::pair<std::string, int64_t>>& versions) {
  std::vector<std::shared_ptr<const v1::Plan>> out(versions.size());
  std::vector<size_t> missing;
  std::vector<std::string> keys;
  for (size_t i = 0; i < versions.size(); ++i) {
    const auto& [id, version] = versions[i];
    if (auto cached = cache_->Get(id, version)) {
      out[i] = std::shared_ptr<const v1::Plan>(cached, &cached->plan);
    } else {
      missing.push_back(i);
      keys.push_back(absl::StrCat(VersionKeyPrefix(id), version));
    }
  }
  if (missing.empty()) return out;
  std::vector<std::vector<absl::string_view>> commands;
  commands.reserve(keys.size());
  for (const std::string& key : keys) commands.push_back({"GET", key});
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(std::vector<RedisReplyPtr> replies, lease.Pipeline(commands));
  for (size_t j = 0; j < missing.size(); ++j) {
    const auto& [id, version] = versions[missing[j]];
    const redisReply* r = replies[j].get();
    if (r->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(r));
    if (r->type != REDIS_REPLY_STRING) return Corrupt(absl::StrCat("plans/", id, " version"));
    ASSIGN_OR_RETURN(CachedPlanPtr cached, Decode(id, version, ReplyString(r)));
    out[missing[j]] = std::shared_ptr<const v1::Plan>(cached, &cached->plan);
  }
  return out;
}

void RegistryStore::GetCurrentAsync(const std::string& id, PlanCallback done) {
  GetCurrentCall call;
  call.plan_key = PlanKey(id);
  call.cached_version = absl::StrCat(cache_->Latest(id));
  call.version_key_prefix = VersionKeyPrefix(id);
  async_->Eval(get_current_script_, Owned(call.Keys()), Owned(call.Argv()),
               [this, id, done = std::move(done)](
                   absl::StatusOr<const redisReply*> reply) mutable {
                 if (!reply.ok()) return done(reply.status());
                 int64_t fetch = 0;
                 absl::StatusOr<CachedPlanPtr> cached = OnHead(id, *reply, &fetch);
                 if (cached.ok() && fetch != 0) return GetVersionAsync(id, fetch, std::move(done));
                 done(std::move(cached));
               });
}

void RegistryStore::GetVersionAsync(const std::string& id, int64_t version, PlanCallback done) {
  if (auto cached = cache_->Get(id, version)) return done(std::move(cached));
  async_->Command({"GET", absl::StrCat(VersionKeyPrefix(id), version)},
                  [this, id, version, done = std::move(done)](
                      absl::StatusOr<const redisReply*> reply) mutable {
                    if (!reply.ok()) return done(reply.status());
                    if ((*reply)->type == REDIS_REPLY_NIL) {
                      return done(absl::NotFoundError(
                          absl::StrCat("plans/", id, " has no version ", version)));
                    }
                    if ((*reply)->type != REDIS_REPLY_STRING) {
                      return done(Corrupt(absl::StrCat("plans/", id, " version")));
                    }
                    done(Decode(id, version, ReplyString(*reply)));
                  });
}

// What a plan's create and its next versions write alike, serialized once per write.
struct RegistryStore::VersionFields {
  std::string body;         // the version as stored (PackVersion)
  std::string full_size;    // the plan's serialized size
  std::string summary;      // its BASIC view
  std::string title;        // case-folded, for ListPlans' title filter
  std::string stage;
  std::string stats_field;  // "{type}|{stage}|{block}" of the counters
  std::string index_keys;   // space separated
  std::string audit;
  std::string event;
  QuotaArgs quota;          // the writer's
};

namespace {

// lua/create.lua, its keys and arguments by name: the order is the script's, in one place.
struct CreateCall {
  std::string seq_key, order_key, all_index_key, stats_key, outbox_key;
  std::string request_key;  // empty: none (the script then gets seq_key in its place)
  std::string type_letter, event_type, ttl, fingerprint;
  const RegistryStore::VersionFields* v = nullptr;

  std::vector<absl::string_view> Keys() const {
    return {seq_key, order_key, all_index_key, stats_key, outbox_key,
            request_key.empty() ? seq_key : request_key};
  }
  std::vector<absl::string_view> Argv() const {
    return {type_letter,    v->body,        v->summary,         v->title,        v->stage,
            v->stats_field, v->index_keys,  v->audit,           v->event,        event_type,
            ttl,            request_key.empty() ? "0" : "1",    v->quota.prefix, v->quota.who,
            v->quota.per_minute, v->quota.per_hour, v->quota.bytes, v->full_size, fingerprint};
  }
};

// lua/write.lua, its keys and arguments by name.
struct WriteCall {
  std::string plan_key, version_key, history_key, stats_key, outbox_key;
  std::string expected, version, id, event_id, event_type, removed_authors;
  const RegistryStore::VersionFields* v = nullptr;

  std::vector<absl::string_view> Keys() const {
    return {plan_key, version_key, history_key, stats_key, outbox_key};
  }
  std::vector<absl::string_view> Argv() const {
    return {expected,      version,         v->body,        v->summary,      v->title,
            v->stage,      v->stats_field,  v->index_keys,  v->audit,        id,
            event_id,      event_type,      v->event,       removed_authors, v->quota.prefix,
            v->quota.who,  v->quota.per_minute, v->quota.per_hour, v->quota.bytes, v->full_size};
  }
};

}  // namespace

absl::StatusOr<WriteResult> RegistryStore::Write(const PlanWrite& w) {
  const v1::Plan& plan = *w.plan;
  VersionFields v;
  v.body = PackVersion(plan);
  v.full_size = absl::StrCat(plan.ByteSizeLong());
  v.summary = w.summary->SerializeAsString();
  v.title = FoldAsciiCase(plan.title());
  v.stage = StageName(plan.stage());
  v.stats_field = absl::StrCat(PlanTypeLetter(plan.type()), "|", v.stage, "|", plan.area().block());
  v.index_keys = absl::StrJoin(IndexKeysOf(plan), " ");
  v.audit = w.audit.SerializeAsString();
  v.event = w.event.SerializeAsString();
  // The writer's quota: the same script arguments for creates and updates.
  v.quota = QuotaArgsOf(quota_, kPrefix, w.principal,
                        static_cast<int64_t>(v.body.size() + v.summary.size()));
  if (w.expected_version == 0) return Create(w, v);

  WriteCall call;
  call.id = std::string(absl::StripPrefix(plan.name(), "plans/"));
  call.plan_key = PlanKey(call.id);
  call.version_key = absl::StrCat(VersionKeyPrefix(call.id), plan.version());
  call.history_key = absl::StrCat(call.plan_key, ":hist");
  call.stats_key = Key("stats:plans");
  call.outbox_key = OutboxKey();
  call.expected = absl::StrCat(w.expected_version);
  call.version = absl::StrCat(plan.version());
  call.event_id = w.event.id();
  call.event_type = w.event.type();
  call.removed_authors = absl::StrJoin(w.removed_authors, " ");
  call.v = &v;
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(write_script_, call.Keys(), call.Argv()));
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1) return Corrupt("write reply");
  const absl::string_view outcome = ReplyString(reply->element[0]);
  WriteResult result;
  result.id = call.id;
  if (OverQuota(reply.get(), &result)) return result;
  if (outcome == "OK") {
    // Not cached here: copying the plan costs every write, while only some versions are read
    // again; the first read of a new version takes the body in its one round trip.
    result.outcome = WriteResult::Outcome::kWritten;
  } else if (outcome == "CONFLICT" && reply->elements == 2) {
    result.outcome = WriteResult::Outcome::kVersionConflict;
    (void)absl::SimpleAtoi(ReplyString(reply->element[1]), &result.current_version);
  } else if (outcome == "NOT_FOUND") {
    result.outcome = WriteResult::Outcome::kNotFound;
  } else {
    return Corrupt("write reply");
  }
  return result;
}

absl::StatusOr<WriteResult> RegistryStore::Create(const PlanWrite& w, const VersionFields& v) {
  CreateCall call;
  call.seq_key = Key("seq");
  call.order_key = Key("order");
  call.all_index_key = AllIndexKey();
  call.stats_key = Key("stats:plans");
  call.outbox_key = OutboxKey();
  call.request_key = w.request_key;
  call.type_letter = PlanTypeLetter(w.plan->type());
  call.event_type = w.event.type();
  call.ttl = absl::StrCat(std::max<int64_t>(1, w.request_ttl_seconds));
  call.fingerprint = w.request_fingerprint;
  call.v = &v;
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(create_script_, call.Keys(), call.Argv()));
  WriteResult result;
  if (reply->type == REDIS_REPLY_ARRAY && OverQuota(reply.get(), &result)) return result;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) return Corrupt("create reply");
  const absl::string_view outcome = ReplyString(reply->element[0]);
  result.id = std::string(ReplyString(reply->element[1]));
  if (outcome == "OK") {
    result.outcome = WriteResult::Outcome::kWritten;
  } else if (outcome == "DUPLICATE") {
    // "id fingerprint"; keys written before fingerprints hold the id alone.
    const size_t space = result.id.find(' ');
    const std::string fingerprint =
        space == std::string::npos ? std::string() : result.id.substr(space + 1);
    result.id = result.id.substr(0, space);
    result.outcome = !fingerprint.empty() && fingerprint != w.request_fingerprint
                         ? WriteResult::Outcome::kRequestReused
                         : WriteResult::Outcome::kDuplicateRequest;
  } else if (outcome == "EXISTS") {
    result.outcome = WriteResult::Outcome::kExists;
  } else {
    return Corrupt("create reply");
  }
  return result;
}

absl::StatusOr<ListBatch> RegistryStore::List(const ListQuery& q) {
  ListCall call;
  call.primary_index = q.primary_index;
  call.after_sequence = absl::StrCat(q.after_sequence);
  call.want = absl::StrCat(q.want);
  call.max_scan = absl::StrCat(q.max_scan);
  call.title_folded = q.title_folded;
  call.other_indexes = absl::StrJoin(q.other_indexes, " ");
  call.plan_key_prefix = Key("plan:");
  call.id_prefix = q.id_prefix;
  call.with_sizes = q.with_sizes;
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Eval(list_script_, call.Keys(), call.Argv()));
  const size_t stride = q.with_sizes ? 3 : 2;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
      (reply->elements - 2) % stride != 0) {
    return Corrupt("list reply");
  }
  ListBatch batch;
  batch.exhausted = ReplyString(reply->element[0]) == "1";
  if (!absl::SimpleAtoi(ReplyString(reply->element[1]), &batch.last_scanned)) {
    return Corrupt("list cursor");
  }
  for (size_t i = 2; i < reply->elements; i += stride) {
    ListItem item;
    const redisReply* sum = reply->element[i + 1];
    if (!absl::SimpleAtoi(ReplyString(reply->element[i]), &item.sequence) ||
        sum->type != REDIS_REPLY_STRING ||
        !item.summary.ParseFromArray(sum->str, static_cast<int>(sum->len))) {
      return Corrupt("plan summary");
    }
    if (q.with_sizes) {
      if (reply->element[i + 2]->type != REDIS_REPLY_INTEGER) return Corrupt("plan size");
      item.full_bytes = static_cast<size_t>(reply->element[i + 2]->integer);
    }
    batch.items.push_back(std::move(item));
  }
  return batch;
}

absl::StatusOr<std::pair<std::vector<v1::AuditRecord>, int64_t>> RegistryStore::History(
    const std::string& id, int64_t offset, int64_t count) {
  const std::string key = absl::StrCat(PlanKey(id), ":hist");
  const std::string start = absl::StrCat(offset);
  const std::string stop = absl::StrCat(offset + count - 1);
  ASSIGN_OR_RETURN(RedisLease lease, pool_->Acquire());
  ASSIGN_OR_RETURN(auto replies,
                   lease.Pipeline({{"LRANGE", key, start, stop}, {"LLEN", key}}));
  for (const auto& r : replies) {
    if (r->type == REDIS_REPLY_ERROR) return MapRedisError(ReplyString(r.get()));
  }
  std::vector<v1::AuditRecord> records;
  const redisReply* list = replies[0].get();
  for (size_t i = 0; i < list->elements; ++i) {
    if (!records.emplace_back().ParseFromArray(list->element[i]->str,
                                               static_cast<int>(list->element[i]->len))) {
      return Corrupt(absl::StrCat("plans/", id, " history"));
    }
  }
  return std::make_pair(std::move(records), static_cast<int64_t>(replies[1]->integer));
}

absl::StatusOr<int64_t> RegistryStore::FormerAuthorUntil(const std::string& id,
                                                         const std::string& code) {
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command({"HGET", PlanKey(id), absl::StrCat("fa:", code)}));
  if (reply->type == REDIS_REPLY_NIL) return 0;
  return IntegerOf(reply.get(), absl::StrCat("plans/", id, " former author"));
}

absl::Status RegistryStore::CheckRedisIdentity() {
  ASSIGN_OR_RETURN(RedisReplyPtr reply, pool_->Command({"INFO", "server"}));
  const std::string run_id(InfoField(ReplyString(reply.get()), "run_id"));
  if (run_id.empty()) return absl::OkStatus();
  absl::MutexLock lock(&identity_mu_);
  if (!redis_run_id_.empty() && run_id != redis_run_id_) {
    cache_->Clear();
    RFS_LOG(kInfo, "redis restarted or replaced: plan cache dropped");
  }
  redis_run_id_ = run_id;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<PlanCount>> RegistryStore::Counts() {
  ASSIGN_OR_RETURN(RedisReplyPtr hash, pool_->Command({"HGETALL", Key("stats:plans")}));
  if (hash->type != REDIS_REPLY_ARRAY) return Corrupt("plan counts");
  std::vector<PlanCount> plans;
  for (size_t i = 0; i + 1 < hash->elements; i += 2) {
    std::vector<std::string> parts = absl::StrSplit(ReplyString(hash->element[i]), '|');
    int64_t n = 0;
    if (parts.size() != 3 || !absl::SimpleAtoi(ReplyString(hash->element[i + 1]), &n)) continue;
    plans.push_back({parts[0], parts[1], parts[2], n});
  }
  return plans;
}

}  // namespace rfs::registry
