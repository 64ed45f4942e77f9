#!/usr/bin/env bash
# Backs up the Redis of rfs: a consistent snapshot (BGSAVE: everything Redis acknowledged before
# the snapshot began is in it), copied to OUT with its SHA-256 beside it. Run it against the
# primary, daily, and keep the copies off the node (recovery point: the last copy).
#
#   deploy/ops/redis-backup.sh OUT.rdb -s /path/redis.sock          # make run's Redis
#   REDISCLI_AUTH=… deploy/ops/redis-backup.sh OUT.rdb -h HOST -p 6379
# On Kubernetes: kubectl exec the primary's pod to run `redis-cli BGSAVE`, wait as below, then
# kubectl cp rfs/rfs-redis-0:/data/dump.rdb OUT.rdb (docs/operations.md "Backup and restore").
#
# The remaining arguments are redis-cli's connection arguments. Exits non-zero, saying why,
# when the snapshot fails; the copy is written only once the snapshot is complete.
set -euo pipefail
out=${1:?usage: redis-backup.sh OUT.rdb REDIS-CLI-ARGS...}
shift
cli() { redis-cli "$@" 2>&1; }
info() { cli "${conn[@]}" INFO persistence | tr -d '\r' | sed -n "s/^$1://p"; }
conn=("$@")
dir=$(cli "${conn[@]}" CONFIG GET dir | sed -n 2p)
file=$(cli "${conn[@]}" CONFIG GET dbfilename | sed -n 2p)
[[ -n $dir && -n $file ]] || { echo "redis-backup: cannot read dir/dbfilename (CONFIG GET)" >&2; exit 1; }
before=$(info rdb_last_save_time)
# A snapshot already running (an AOF rewrite or another BGSAVE) makes BGSAVE refuse: retry.
for _ in $(seq 600); do
  reply=$(cli "${conn[@]}" BGSAVE)
  [[ $reply == *"Background saving started"* ]] && break
  sleep 0.1
done
[[ $reply == *"Background saving started"* ]] || { echo "redis-backup: BGSAVE: $reply" >&2; exit 1; }
for _ in $(seq 36000); do
  [[ $(info rdb_bgsave_in_progress) == 0 && $(info rdb_last_save_time) != "$before" ]] && break
  sleep 0.1
done
status=$(info rdb_last_bgsave_status)
[[ $status == ok ]] || { echo "redis-backup: the snapshot failed ($status); see Redis' log" >&2; exit 1; }
cp "$dir/$file" "$out.partial"
mv "$out.partial" "$out"
(cd "$(dirname "$out")" && sha256sum "$(basename "$out")" > "$(basename "$out").sha256")
echo "redis-backup: $out ($(stat -c %s "$out") bytes, snapshot of $(date -d "@$(info rdb_last_save_time)" -u +%FT%TZ))"
