#!/usr/bin/env bash
# make bench: one run on this machine, figures as ratios to limits measured in the same run.
# Starts a private redis-server (AOF on, appendfsync always, as deployed), rfs-registry and rfs-requirements, loads
# the sample plans, measures the Redis limit with redis-benchmark, then runs rfs-bench:
# Health/Check (the bare gRPC limit), GetPlan, ListPlans and CreatePlan on the registry, and
# Health/Check, CheckPlan of a cached report and CheckPlan of an inline plan (never cached) on
# rfs-requirements; same client, same concurrency; each ratio is to Health/Check on the same
# server. Prints a table and writes bench-results/bench.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD_DIR:-build}
SECONDS_PER=${BENCH_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-3}
CONCURRENCY=${BENCH_CONCURRENCY:-32}
OUT=bench-results
mkdir -p "$OUT"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

head -c 48 /dev/urandom | base64 > "$work/auth.key"
redis-server --port 0 --unixsocket "$work/redis.sock" --dir "$work" --appendonly yes \
  --appendfsync always --save '' --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 100); do redis-cli -s "$work/redis.sock" ping >/dev/null 2>&1 && break; sleep 0.05; done

port=$((52000 + RANDOM % 1000))
mport=$((port + 1000))
rport=$((port + 1))
rmport=$((mport + 1))
"$BUILD/services/registry/rfs-registry" --redis "unix://$work/redis.sock" \
  --auth_key_file "$work/auth.key" --listen "127.0.0.1:$port" --metrics_listen "127.0.0.1:$mport" \
  --requirements_address "127.0.0.1:$rport" --log_level warning \
  --write_quota_per_minute 0 --write_quota_mib_per_hour 0 2>"$work/registry.log" &
pids+=($!)
"$BUILD/services/requirements/rfs-requirements" --redis "unix://$work/redis.sock" \
  --auth_key_file "$work/auth.key" --listen "127.0.0.1:$rport" --metrics_listen "127.0.0.1:$rmport" \
  --registry_address "127.0.0.1:$port" --log_level warning 2>"$work/requirements.log" &
pids+=($!)
export RFS_ADDR="127.0.0.1:$port"
export RFS_TOKEN=$("$BUILD/tools/rfsctl/rfsctl" token --key_file "$work/auth.key" --role secretariat --sub bench)
for _ in $(seq 100); do "$BUILD/tools/rfsctl/rfsctl" refdata >/dev/null 2>&1 && break; sleep 0.05; done

# GetPlan and CreatePlan use the largest sample (the seed's Hokuriku AI/semiconductor plan);
# "CreatePlan small" the smallest, to show how the cost of a write grows with the plan.
sample=${BENCH_SAMPLE:-data/samples/hokuriku-a-ai-semiconductor.json}
small=${BENCH_SMALL_SAMPLE:-data/samples/ishikawa-c-illustrative.json}
[[ -f $sample ]] || sample=$(ls data/samples/*.json | head -1)
plan=$("$BUILD/tools/rfsctl/rfsctl" create -f "$sample" --json | sed -n 's/.*"name": "\(plans\/[^"]*\)".*/\1/p' | head -1)
for f in $(ls data/samples/*.json 2>/dev/null); do "$BUILD/tools/rfsctl/rfsctl" create -f "$f" >/dev/null; done
size=$("$BUILD/tools/rfsctl/rfsctl" get "$plan" --json | wc -c)
echo "bench: GetPlan reads $plan (${size} bytes as JSON); ${SECONDS_PER}s per scenario, $ROUNDS rounds"

# The Redis limit, same Redis, unpipelined, same concurrency.
rb() { redis-benchmark -s "$work/redis.sock" -c "$CONCURRENCY" -n 200000 -d 64 -t "$1" --csv 2>/dev/null |
       awk -F'"' -v t="${1^^}" '$2==t {print $4}'; }
get_ops=$(rb get); set_ops=$(rb set)
redis-cli -s "$work/redis.sock" del key:__rand_int__ >/dev/null

export RFS_REQUIREMENTS_ADDR="127.0.0.1:$rport"
for _ in $(seq 100); do "$BUILD/tools/rfsctl/rfsctl" ruleset >/dev/null 2>&1 && break; sleep 0.05; done
"$BUILD/tools/rfsctl/rfsctl" check "$plan" >/dev/null || true  # fills the report cache

"$BUILD/tools/bench/rfs-bench" --target "127.0.0.1:$port" --metrics_port "$mport" \
  --requirements_target "127.0.0.1:$rport" --requirements_metrics_port "$rmport" \
  --check_plan "$plan" --check_file "$sample" \
  --token "$RFS_TOKEN" --plan "$plan" --create_file "$sample" --create_small_file "$small" \
  --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER" --rounds "$ROUNDS" \
  --redis_get_ops "${get_ops:-0}" --redis_set_ops "${set_ops:-0}" --json "$OUT/bench.json"
echo "JSON: $OUT/bench.json"
