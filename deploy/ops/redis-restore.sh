#!/usr/bin/env bash
# Prepares a Redis data directory from a backup made by redis-backup.sh: DATA_DIR (empty or
# absent) gets the snapshot and an AOF written from it, so a Redis started there with rfs's
# settings (appendonly yes, appendfsync always) loads exactly the backup. Checks the backup's
# SHA-256 first when OUT.rdb.sha256 is beside it.
#
#   deploy/ops/redis-restore.sh BACKUP.rdb DATA_DIR
#
# Stop every rfs service and the Redis first; start Redis on DATA_DIR, then the services
# (docs/operations.md "Backup and restore"). On Kubernetes run it in a pod that mounts the
# primary's volume (the StatefulSet scaled to 0), then start Redis and the replicas resync.
set -euo pipefail
backup=${1:?usage: redis-restore.sh BACKUP.rdb DATA_DIR}
data=${2:?usage: redis-restore.sh BACKUP.rdb DATA_DIR}
[[ -f $backup ]] || { echo "redis-restore: no file $backup" >&2; exit 1; }
if [[ -f $backup.sha256 ]]; then
  (cd "$(dirname "$backup")" && sha256sum --check --quiet "$(basename "$backup").sha256") ||
    { echo "redis-restore: $backup does not match its SHA-256" >&2; exit 1; }
fi
mkdir -p "$data"
if [[ -n $(ls -A "$data") ]]; then
  echo "redis-restore: $data is not empty; restore into an empty directory" >&2
  exit 1
fi
cp "$backup" "$data/dump.rdb"
# Load the snapshot without AOF, then turn AOF on: Redis writes the AOF from memory.
sock="$data/restore.sock"
redis-server --port 0 --unixsocket "$sock" --unixsocketperm 700 --dir "$data" \
  --dbfilename dump.rdb --appendonly no --save '' --daemonize yes \
  --pidfile "$data/restore.pid" --logfile "$data/restore.log"
for _ in $(seq 600); do [[ $(redis-cli -s "$sock" ping 2>/dev/null) == PONG ]] && break; sleep 0.1; done
[[ $(redis-cli -s "$sock" ping 2>/dev/null) == PONG ]] || { echo "redis-restore: Redis did not load the backup; see $data/restore.log" >&2; exit 1; }
keys=$(redis-cli -s "$sock" DBSIZE)
redis-cli -s "$sock" CONFIG SET appendonly yes >/dev/null
for _ in $(seq 36000); do
  state=$(redis-cli -s "$sock" INFO persistence | tr -d '\r')
  grep -q '^aof_rewrite_in_progress:0' <<<"$state" && grep -q '^aof_rewrite_scheduled:0' <<<"$state" &&
    grep -q '^aof_enabled:1' <<<"$state" && break
  sleep 0.1
done
grep -q '^aof_last_bgrewrite_status:ok' <<<"$state" || { echo "redis-restore: writing the AOF failed; see $data/restore.log" >&2; exit 1; }
redis-cli -s "$sock" SHUTDOWN >/dev/null 2>&1 || true
for _ in $(seq 100); do [[ -e $data/restore.pid ]] || break; sleep 0.1; done
rm -f "$data/restore.log" "$sock"
echo "redis-restore: $data holds the backup ($keys keys) as an AOF; start Redis there"
