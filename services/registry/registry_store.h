// Redis persistence of the plan registry. Key layout (all under rfs:registry:, written only
// by rfs-registry; see docs/architecture.md):
//   seq                      STRING  plan number counter (plan ids), taken in the create script
//   order                    STRING  list position counter (commit order of creates)
//   plan:{id}                HASH    ver, seq (list position), stage, idx, stats, sum (BASIC
//                                    view), title, size (serialized bytes of the current
//                                    version), fa:{code} (former authors' last version)
//   plan:{id}:v:{n}          STRING  the full plan at version n without its name, zstd-compressed
//                                    (immutable; see PackVersion)
//   plan:{id}:hist           LIST    one AuditRecord per version, oldest first
//   idx:all, idx:block:{B}, idx:pref:{code}, idx:field:{F}, idx:stage:{S}
//                            ZSET    plan ids scored by list position (the type is the
//                                    plan id's first letter, so it needs no index)
//   req:{len}:{sub}:{request_id}  STRING  "{plan id} {request fingerprint}" of the plan that
//                                    request created (idempotency, TTL)
//   stats:plans              HASH    "type|stage|block" → number of plans
//   outbox                   STREAM  events for the notification service
// Every write is one Lua script: version compare, plan, version, indexes, counters, audit
// record and outbox entry together, or nothing.
//
// Full plan versions are immutable, so they are cached in process by (id, version); reading
// the current plan costs one round trip that returns only the version number when the cached
// copy is current. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/support/slice.h>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/redis/async_redis.h"
#include "common/redis/redis.h"
#include "common/redis/redis_store.h"
#include "common/redis/write_quota.h"
#include "rfs/common/v1/common.pb.h"
#include "rfs/registry/v1/registry.pb.h"

namespace rfs::registry {

class VersionCache;

// An immutable plan version with its wire forms, shared by readers without copying.
struct CachedPlan {
  v1::Plan plan;
  grpc::Slice full;   // the serialized plan
  grpc::Slice basic;  // its serialized BASIC view
};
using CachedPlanPtr = std::shared_ptr<const CachedPlan>;
using PlanCallback = absl::AnyInvocable<void(absl::StatusOr<CachedPlanPtr>)>;

// The BASIC view of a plan (what lists return).
v1::Plan BasicView(const v1::Plan& plan);

// How a plan version is stored: serialized without its name (the key holds it), then
// compressed with zstd unless that does not make it smaller. UnpackVersion reads both forms
// and the uncompressed versions written before (which start with their name).
std::string PackVersion(const v1::Plan& plan);
absl::StatusOr<std::string> UnpackVersion(absl::string_view stored);

// Everything one write puts into Redis.
struct PlanWrite {
  int64_t expected_version = 0;  // 0: create (the store names the plan)
  // The full plan at its new version; on create without a name (the store takes the next plan
  // number inside the write).
  const v1::Plan* plan = nullptr;
  const v1::Plan* summary = nullptr;  // its BASIC view
  v1::AuditRecord audit;
  common::v1::Event event;
  std::string principal;           // `sub` of the writer: whose write quota it uses
  std::string request_key;         // create: idempotency key (scoped by caller), or empty
  // create: fingerprint of the request (RequestFingerprint), kept with the key so that the same
  // id sent with another plan is told apart from a retry.
  std::string request_fingerprint;
  // Author codes this write removes from a plan: they keep read access up to the version
  // before it (hash field "fa:{code}").
  std::vector<std::string> removed_authors;
  int64_t request_ttl_seconds = 7 * 24 * 3600;
};

struct WriteResult {
  enum class Outcome {
    kWritten, kDuplicateRequest, kVersionConflict, kNotFound, kExists, kOverQuota,
    kRequestReused  // the request id was used before, with a different request
  };
  Outcome outcome;
  // kOverQuota: seconds until the quota allows the write again, and which limit it hit
  // ("writes" a minute or "bytes" an hour).
  int64_t retry_seconds = 0;
  std::string quota;
  // The plan written; kDuplicateRequest: the plan the first request created.
  std::string id;
  int64_t current_version = 0;  // kVersionConflict: the version found
};

// One page worth of index scan.
struct ListQuery {
  std::string primary_index;              // full key of the index to scan
  std::vector<std::string> other_indexes; // full keys the plan must also be in
  std::string title_folded;               // substring of the case-folded title, or empty
  std::string id_prefix;                  // plan ids must start with this ("A-"), or empty
  int64_t after_sequence = 0;             // exclusive
  int want = 50;
  int max_scan = 2000;
  bool with_sizes = false;                // also return each plan's full size in bytes
};

struct ListItem {
  int64_t sequence;
  v1::Plan summary;
  size_t full_bytes = 0;  // with_sizes: the serialized size of the current version
};

struct ListBatch {
  std::vector<ListItem> items;
  bool exhausted = false;       // nothing after last_scanned
  int64_t last_scanned = 0;
};

// What one principal may write, counted in Redis (the same on every replica). 0: no limit.
struct PlanCount {
  std::string plan_type, stage, block;
  int64_t count;
};

class RegistryStore : public RedisStore {
 public:
  // `pool` serves writes and most reads; `async` (may be null) serves GetPlan without
  // blocking a thread. Neither is owned.
  RegistryStore(RedisPool* pool, AsyncRedis* async, size_t cache_bytes, WriteQuota quota = {});
  ~RegistryStore() override;

  // Full Redis key names.
  static std::string PlanKey(absl::string_view id);
  static std::string IndexKey(absl::string_view kind, absl::string_view value);
  static std::string AllIndexKey();
  static std::string RequestKey(absl::string_view subject, absl::string_view request_id);
  // Index keys a plan belongs to (by block, prefectures, fields, stage).
  static std::vector<std::string> IndexKeysOf(const v1::Plan& plan);

  // The current version; NOT_FOUND when there is no such plan.
  absl::StatusOr<std::shared_ptr<const v1::Plan>> GetCurrent(const std::string& id);
  // A given version; NOT_FOUND when the plan or the version does not exist.
  absl::StatusOr<std::shared_ptr<const v1::Plan>> GetVersion(const std::string& id,
                                                             int64_t version);
  // The same reads without blocking: `done` runs on the async client's loop thread, or at once
  // on a cache hit of a given version (no round trip).
  // Given versions, in order, reading those not cached in one pipelined round trip (none when
  // all are cached).
  absl::StatusOr<std::vector<std::shared_ptr<const v1::Plan>>> GetVersions(
      const std::vector<std::pair<std::string, int64_t>>& versions);
  void GetCurrentAsync(const std::string& id, PlanCallback done);
  void GetVersionAsync(const std::string& id, int64_t version, PlanCallback done);

  // Writes a new plan (expected_version 0) or the next version of one, atomically.
  absl::StatusOr<WriteResult> Write(const PlanWrite& write);
  absl::StatusOr<ListBatch> List(const ListQuery& query);
  // Audit records [offset, offset+count) and the total number.
  absl::StatusOr<std::pair<std::vector<v1::AuditRecord>, int64_t>> History(const std::string& id,
                                                                          int64_t offset,
                                                                          int64_t count);
  // The last version `code` authored, for a former author of the plan; 0 when it never was one
  // (or still is).
  absl::StatusOr<int64_t> FormerAuthorUntil(const std::string& id, const std::string& code);
  // Drops the version cache when Redis is a different process than last time (its run id
  // changed: a restart, a failover, or a restore from backup, after which plan numbers may be
  // reused for other plans). Called with the readiness check.
  absl::Status CheckRedisIdentity();

  // Plans by (type, stage, block), one round trip. (The outbox and Redis memory gauges are the
  // service host's: common/kit/redis_gauges.h.)
  absl::StatusOr<std::vector<PlanCount>> Counts();

  // What a create and a next version write alike (registry_store.cc).
  struct VersionFields;

 private:
  // Parses a stored version and caches it with its wire forms.
  absl::StatusOr<CachedPlanPtr> Decode(const std::string& id, int64_t version,
                                       absl::string_view bytes);
  CachedPlanPtr Cache(const std::string& id, v1::Plan plan, std::string bytes);
  // The create script (lua/create.lua) with the fields Write serialized for it.
  absl::StatusOr<WriteResult> Create(const PlanWrite& write, const VersionFields& fields);
  // Reads the reply of the head script: the cached version, or `*fetch` set to a version
  // whose body must be read (evicted meanwhile).
  absl::StatusOr<CachedPlanPtr> OnHead(const std::string& id, const redisReply* reply,
                                       int64_t* fetch);

  const RedisScript& get_current_script_;
  const RedisScript& create_script_;
  const RedisScript& write_script_;
  const RedisScript& list_script_;
  const WriteQuota quota_;
  std::unique_ptr<VersionCache> cache_;
  absl::Mutex identity_mu_;
  std::string redis_run_id_ ABSL_GUARDED_BY(identity_mu_);
};

}  // namespace rfs::registry
