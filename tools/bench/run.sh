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
  --check_plan "$plan" --check_file "$sample" --miss_file "$small" \
  --token "$RFS_TOKEN" --plan "$plan" --create_file "$sample" --create_small_file "$small" \
  --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER" --rounds "$ROUNDS" \
  --redis_get_ops "${get_ops:-0}" --redis_set_ops "${set_ops:-0}" --json "$OUT/bench.json" \
  --quiet_baseline "$OUT/quiet-baseline.json"

# Cross-check with h2load (Debian's nghttp2-client), a load tool that is not ours, in the same
# run: Health/Check and GetPlan on the registry, 4 connections x 8 streams. When its GetPlan
# ratio and ours disagree by more than a third, the run is not trusted either.
if command -v h2load >/dev/null 2>&1; then
  # Request bodies: gRPC message frames (flag 0, 4-byte big-endian length, the message).
  /usr/bin/python3 - "$work" "$plan" <<'PY'
import struct, sys
work, plan = sys.argv[1], sys.argv[2].encode()
frame = lambda m: b"\x00" + struct.pack(">I", len(m)) + m
open(work + "/health.bin", "wb").write(frame(b""))
open(work + "/get.bin", "wb").write(frame(b"\x0a" + bytes([len(plan)]) + plan))  # GetPlanRequest.name
PY
  h2() {  # method body-file -> req/s
    h2load -n 1000000 -D "$SECONDS_PER" -c 4 -m 8 -t 1 -d "$2" \
      -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: Bearer $RFS_TOKEN" \
      "http://127.0.0.1:$port$1" 2>/dev/null | sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p'
  }
  h_health=$(h2 /grpc.health.v1.Health/Check "$work/health.bin")
  # gRPC errors arrive as HTTP 200, which h2load counts as success: count them on the server.
  failed() { curl -s "http://127.0.0.1:$mport/metrics" |
             awk '/^grpc_server_handled_total\{/ && /grpc_method="GetPlan"/ && !/grpc_code="OK"/ {s += $2}
                  END {print s + 0}'; }
  before=$(failed)
  h_get=$(h2 /rfs.registry.v1.PlanRegistry/GetPlan "$work/get.bin")
  h_get_errors=$(( $(failed) - before ))
  echo "h2load GetPlan: $h_get_errors calls failed on the server"
  ((h_get_errors == 0)) || h_get=0
  /usr/bin/python3 - "$OUT/bench.json" "${h_health:-0}" "${h_get:-0}" <<'PY'
import json, sys
path, health, get = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
out = json.load(open(path))
ours = next((r["ratio_to_health_check"] for r in out["results"] if r["rpc"] == "GetPlan"), 0)
theirs = get / health if health > 0 else 0
out["h2load"] = {"health_check_rps": health, "get_plan_rps": get, "get_plan_ratio": theirs}
print(f"h2load (4 x 8): Health/Check {health:.0f} req/s, GetPlan {get:.0f} req/s, "
      f"ratio {theirs:.3f} (rfs-bench: {ours:.3f})")
if theirs > 0 and ours > 0 and abs(theirs - ours) / max(theirs, ours) > 1 / 3:
    out["trusted"] = False
    out.setdefault("untrusted_reasons", []).append(
        f"GetPlan ratio {ours:.3f} disagrees with h2load's {theirs:.3f}")
    print("Run NOT TRUSTED: the GetPlan ratio disagrees with h2load's")
json.dump(out, open(path, "w"), indent=2)
PY
else
  echo "h2load not installed (apt-get install nghttp2-client): no cross-check in this run"
fi
echo "JSON: $OUT/bench.json"
