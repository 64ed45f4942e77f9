#!/usr/bin/env bash
# make run: the whole suite on this machine. Starts redis-server (AOF on) and rfs-registry,
# loads the sample plans into an empty registry, prints the endpoints, a token and an rfsctl
# example, and stops everything cleanly on Ctrl-C.
#
# Environment: RFS_RUN_DIR (data directory, default .run/), RFS_REGISTRY_PORT (50051),
# RFS_REGISTRY_METRICS_PORT (9101), BUILD_DIR (build).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
BUILD=${BUILD_DIR:-build}
RUN_DIR=$(mkdir -p "${RFS_RUN_DIR:-.run}" && cd "${RFS_RUN_DIR:-.run}" && pwd)
REGISTRY_PORT=${RFS_REGISTRY_PORT:-50051}
REGISTRY_METRICS=${RFS_REGISTRY_METRICS_PORT:-9101}
RFSCTL="$root/$BUILD/tools/rfsctl/rfsctl"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$REGISTRY_PORT" "$REGISTRY_METRICS"; do
  port_free "$p" || { echo "make run: port $p is in use; stop what uses it or set RFS_REGISTRY_PORT / RFS_REGISTRY_METRICS_PORT" >&2; exit 1; }
done

mkdir -p "$RUN_DIR/redis" "$RUN_DIR/logs"
key="$RUN_DIR/auth.key"
if [[ ! -s $key ]]; then
  (umask 077 && head -c 48 /dev/urandom | base64 > "$key")
fi

if redis-cli -s "$RUN_DIR/redis.sock" ping >/dev/null 2>&1; then
  echo "make run: a Redis is already running on $RUN_DIR (pid $(cat "$RUN_DIR/redis.pid" 2>/dev/null || echo '?')); is another 'make run' using this directory? Stop it, or set RFS_RUN_DIR" >&2
  exit 1
fi

pids=()
started_redis=0
# Stops what this script started. Ctrl-C is a normal end (exit 0); any other end keeps the
# status of what failed.
stop() {
  local status=$1
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; wait "${pids[i]}" 2>/dev/null || true; done
  ((started_redis)) && { redis-cli -s "$RUN_DIR/redis.sock" shutdown >/dev/null 2>&1 || true; }
  echo "stopped; data kept in $RUN_DIR"
  exit "$status"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

# Redis: the system of record. AOF with fsync every second; unix socket only (no TCP port).
redis-server --port 0 --unixsocket "$RUN_DIR/redis.sock" --unixsocketperm 700 \
  --dir "$RUN_DIR/redis" --appendonly yes --appendfsync everysec --save '' \
  --logfile "$RUN_DIR/logs/redis.log" --daemonize yes --pidfile "$RUN_DIR/redis.pid"
started_redis=1
for _ in $(seq 200); do redis-cli -s "$RUN_DIR/redis.sock" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis-cli -s "$RUN_DIR/redis.sock" ping >/dev/null || { echo "make run: redis did not start; see $RUN_DIR/logs/redis.log" >&2; exit 1; }

export RFS_REDIS="unix://$RUN_DIR/redis.sock"
export RFS_AUTH_KEY_FILE="$key"
export RFS_DATA_DIR="$root/data"
"$root/$BUILD/services/registry/rfs-registry" --listen "0.0.0.0:$REGISTRY_PORT" \
  --metrics_listen "0.0.0.0:$REGISTRY_METRICS" 2>>"$RUN_DIR/logs/registry.log" &
pids+=($!)

export RFS_ADDR="localhost:$REGISTRY_PORT"
export RFS_TOKEN=$("$RFSCTL" token --key_file "$key" --role secretariat --sub local-admin)
for _ in $(seq 200); do "$RFSCTL" refdata >/dev/null 2>&1 && break; sleep 0.05; done
"$RFSCTL" refdata >/dev/null || { echo "make run: rfs-registry did not start; see $RUN_DIR/logs/registry.log" >&2; exit 1; }

# Samples go into an empty registry only, so running twice does not duplicate them.
if [[ $("$RFSCTL" list --json | grep -c '"name"' || true) == 0 ]]; then
  for f in data/samples/*.json; do
    printf '  %-45s ' "$(basename "$f")"
    "$RFSCTL" create -f "$f" --request_id "sample-$(basename "$f" .json)" ||
      { echo "make run: could not load $f" >&2; exit 1; }
  done
else
  echo "registry already holds plans: samples not loaded again"
fi

cat <<MSG

rfs is running. Data: $RUN_DIR (Redis AOF in redis/, logs in logs/)
  rfs-registry  gRPC localhost:$REGISTRY_PORT   metrics http://localhost:$REGISTRY_METRICS/metrics
  redis         unix://$RUN_DIR/redis.sock

A token (secretariat, 12 hours):
  export RFS_ADDR=localhost:$REGISTRY_PORT
  export RFS_TOKEN=$RFS_TOKEN

Try:
  $BUILD/tools/rfsctl/rfsctl list
  $BUILD/tools/rfsctl/rfsctl get A-00001
  $BUILD/tools/rfsctl/rfsctl token --key_file $key --role prefecture --body_code 160008 --sub toyama
Stop with Ctrl-C.
MSG
wait "${pids[@]}" || { echo "make run: rfs-registry stopped; see $RUN_DIR/logs/registry.log" >&2; exit 1; }
