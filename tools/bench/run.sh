#!/usr/bin/env bash
# make bench: one run on this machine, figures as ratios to limits measured in the same run.
# Starts a private redis-server (AOF on, appendfsync always, as deployed), rfs-registry,
# rfs-requirements and rfs-kpi, loads the sample plans, measures the Redis limit with
# redis-benchmark, then runs rfs-bench: Health/Check (the bare gRPC limit), GetPlan, ListPlans
# and CreatePlan on the registry; Health/Check, CheckPlan of a cached report and CheckPlan of an
# inline plan (never cached) on rfs-requirements; Health/Check, RecordMeasurement (a correction
# of the current half year's value by an author of the Toyama sample plan), GetProgress and
# AggregateKgi on rfs-kpi; Health/Check and PublishEvents (1 and 10 events a call) on
# rfs-notification; same client, same concurrency; each ratio is to Health/Check on the same
# server. Then the WatchEvents fan-out: 1,000 streams follow the log while 200 events are
# published, publish-to-delivery p99 and memory per stream. Then rfs-kpi at scale: rfs-kpi-loader writes BENCH_KPI_PLANS (10,000) plans x 100
# measurements into Redis, and rfs-bench measures AggregateKgi and GetProgress again, with the
# Redis memory per measurement and rfs-kpi's resident memory. Prints tables and writes
# bench-results/bench.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD_DIR:-build}
SECONDS_PER=${BENCH_SECONDS:-3}
ROUNDS=${BENCH_ROUNDS:-3}
CONCURRENCY=${BENCH_CONCURRENCY:-32}
KPI_PLANS=${BENCH_KPI_PLANS:-10000}
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
kport=$((port + 2))
kmport=$((mport + 2))
nport=$((port + 3))
nmport=$((mport + 3))
"$BUILD/services/registry/rfs-registry" --redis "unix://$work/redis.sock" \
  --auth_key_file "$work/auth.key" --listen "127.0.0.1:$port" --metrics_listen "127.0.0.1:$mport" \
  --requirements_address "127.0.0.1:$rport" --log_level warning \
  --write_quota_per_minute 0 --write_quota_mib_per_hour 0 2>"$work/registry.log" &
pids+=($!)
"$BUILD/services/requirements/rfs-requirements" --redis "unix://$work/redis.sock" \
  --auth_key_file "$work/auth.key" --listen "127.0.0.1:$rport" --metrics_listen "127.0.0.1:$rmport" \
  --registry_address "127.0.0.1:$port" --notification_address "127.0.0.1:$nport" \
  --log_level warning --write_quota_per_minute 0 --write_quota_mib_per_hour 0 \
  2>"$work/requirements.log" &
pids+=($!)
# rfs-kpi's plan sync runs at its start and then hourly: the 20,000 plans the cache-miss
# scenario registers would otherwise be pulled in by the sync while the scenarios run.
"$BUILD/services/kpi/rfs-kpi" --redis "unix://$work/redis.sock" \
  --auth_key_file "$work/auth.key" --listen "127.0.0.1:$kport" --metrics_listen "127.0.0.1:$kmport" \
  --registry_address "127.0.0.1:$port" --log_level warning --plan_sync_interval_s 3600 \
  --lease_ttl_s 7200 --write_quota_per_minute 0 --write_quota_mib_per_hour 0 2>"$work/kpi.log" &
kpi_pid=$!
pids+=($kpi_pid)
# rfs-requirements follows rfs-notification's plan events (its BASIC-view cache: "CheckPlan
# cached" reads no plan from the registry) and relays its outbox there.
# rfs-notification (rfs-registry and rfs-kpi do not relay to it here: their scenarios measure
# them as before); PublishEvents and the WatchEvents fan-out load it directly.
"$BUILD/services/notification/rfs-notification" --redis "unix://$work/redis.sock" \
  --auth_key_file "$work/auth.key" --listen "127.0.0.1:$nport" --metrics_listen "127.0.0.1:$nmport" \
  --log_level warning --write_quota_per_minute 0 --write_quota_mib_per_hour 0 \
  --max_watch_streams 5000 --max_watch_streams_per_caller 5000 \
  --webhook_allow_http --webhook_allow_cidrs 127.0.0.0/8 2>"$work/notification.log" &
notification_pid=$!
pids+=($notification_pid)
export RFS_ADDR="127.0.0.1:$port"
export RFS_TOKEN=$("$BUILD/tools/rfsctl/rfsctl" token --key_file "$work/auth.key" --role secretariat --sub bench)
publisher_token=$("$BUILD/tools/rfsctl/rfsctl" token --key_file "$work/auth.key" --role service --sub rfs-bench-publisher)
for _ in $(seq 100); do "$BUILD/tools/rfsctl/rfsctl" refdata >/dev/null 2>&1 && break; sleep 0.05; done

# GetPlan and CreatePlan use the largest sample (the seed's Hokuriku AI/semiconductor plan);
# "CreatePlan small" the smallest, to show how the cost of a write grows with the plan.
sample=${BENCH_SAMPLE:-data/samples/hokuriku-a-ai-semiconductor.json}
small=${BENCH_SMALL_SAMPLE:-data/samples/ishikawa-c-illustrative.json}
[[ -f $sample ]] || sample=$(ls data/samples/*.json | head -1)
plan_name() { sed -n 's/.*"name": "\(plans\/[^"]*\)".*/\1/p' | head -1; }
plan=$("$BUILD/tools/rfsctl/rfsctl" create -f "$sample" --json | plan_name)
# rfs-kpi's writes go to the Toyama sample, published by its governor as make run does (so that
# every write also moves the national aggregates, as in production), by a token of its lead
# author, Toyama (160008); the indicator is one of the plan's.
kpi_sample=${BENCH_KPI_SAMPLE:-data/samples/toyama-b-illustrative.json}
kpi_body=${BENCH_KPI_BODY:-160008}
kpi_indicator=${BENCH_KPI_INDICATOR:-kgi-capex}
kpi_plan=""
for f in $(ls data/samples/*.json 2>/dev/null); do
  if [[ $f == "$kpi_sample" ]]; then
    kpi_plan=$("$BUILD/tools/rfsctl/rfsctl" create -f "$f" --json | plan_name)
  else
    "$BUILD/tools/rfsctl/rfsctl" create -f "$f" >/dev/null
  fi
done
[[ -n $kpi_plan ]] || echo "bench: $kpi_sample not registered: no RecordMeasurement or GetProgress scenario"
kpi_token=$("$BUILD/tools/rfsctl/rfsctl" token --key_file "$work/auth.key" --role prefecture \
  --body_code "$kpi_body" --sub bench-toyama)
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
# RecordMeasurement goes round BENCH_KPI_WRITE_PLANS (8) published copies of the sample:
# authors of different plans write side by side, while writes of one plan take turns.
kpi_plans=""
if [[ -n $kpi_plan ]]; then
  kpi_plans=$kpi_plan
  for _ in $(seq 2 "${BENCH_KPI_WRITE_PLANS:-8}"); do
    kpi_plans+=",$("$BUILD/tools/rfsctl/rfsctl" create -f "$kpi_sample" --json | plan_name)"
  done
  for p in ${kpi_plans//,/ }; do
    deploy/local/publish-sample.sh "$BUILD/tools/rfsctl/rfsctl" "$work/auth.key" "$p" "$kpi_sample"
  done
fi

# The fiscal year now (JST: UTC+9, April to March), to ask rfs-kpi whether it answers.
jst_month=$(TZ=JST-9 date +%-m); jst_year=$(TZ=JST-9 date +%Y)
fiscal_year=$(( jst_month >= 4 ? jst_year : jst_year - 1 ))
kpi_up=0
for _ in $(seq 100); do
  "$BUILD/tools/rfsctl/rfsctl" kpi national "$fiscal_year" --kpi_addr "127.0.0.1:$kport" \
    >/dev/null 2>&1 && { kpi_up=1; break; }
  sleep 0.05
done
((kpi_up)) || { echo "bench: rfs-kpi does not answer; its log:" >&2; cat "$work/kpi.log" >&2; exit 1; }

"$BUILD/tools/bench/rfs-bench" --target "127.0.0.1:$port" --metrics_port "$mport" \
  --requirements_target "127.0.0.1:$rport" --requirements_metrics_port "$rmport" \
  --check_plan "$plan" --check_file "$sample" --miss_file "$small" \
  --token "$RFS_TOKEN" --plan "$plan" --create_file "$sample" --create_small_file "$small" \
  --kpi_target "127.0.0.1:$kport" --kpi_metrics_port "$kmport" --kpi_token "$kpi_token" \
  --kpi_plan "$kpi_plans" --kpi_indicator "$kpi_indicator" --kpi_pid "$kpi_pid" \
  --notification_target "127.0.0.1:$nport" --notification_metrics_port "$nmport" \
  --notification_token "$publisher_token" --notification_pid "$notification_pid" \
  --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER" --rounds "$ROUNDS" \
  --redis_get_ops "${get_ops:-0}" --redis_set_ops "${set_ops:-0}" --json "$OUT/bench.json" \
  --quiet_baseline "$OUT/quiet-baseline.json"

# Cross-check with h2load (Debian's nghttp2-client), a load tool that is not ours, in the same
# run: Health/Check and GetPlan on the registry, 4 connections x 8 streams. The run is not
# trusted when the cross-check did not measure (h2load missing or giving no figure), when more
# than 0.1 % of its GetPlan calls failed on the server, or when its GetPlan ratio and ours
# disagree by more than a third. Each reason is said; the verdict comes last.
h_health="0 0"
h_get="0 0"
h_get_errors=0
h2load_state=missing
if command -v h2load >/dev/null 2>&1; then
  h2load_state=ran
  # Request bodies: gRPC message frames (flag 0, 4-byte big-endian length, the message).
  /usr/bin/python3 - "$work" "$plan" <<'PY'
import struct, sys
work, plan = sys.argv[1], sys.argv[2].encode()
frame = lambda m: b"\x00" + struct.pack(">I", len(m)) + m
open(work + "/health.bin", "wb").write(frame(b""))
open(work + "/get.bin", "wb").write(frame(b"\x0a" + bytes([len(plan)]) + plan))  # GetPlanRequest.name
PY
  h2() {  # method body-file -> "req/s calls-done" ("0 0" when h2load gives no figure)
    h2load -n 1000000 -D "$SECONDS_PER" -c 4 -m 8 -t 1 -d "$2" \
      -H 'content-type: application/grpc' -H 'te: trailers' -H "authorization: Bearer $RFS_TOKEN" \
      "http://127.0.0.1:$port$1" 2>/dev/null |
      awk '/^finished in/ {rps = $4 + 0} /^requests:/ {done = $6 + 0}
           END {print rps + 0, done + 0}'
  }
  h_health=$(h2 /grpc.health.v1.Health/Check "$work/health.bin")
  # gRPC errors arrive as HTTP 200, which h2load counts as success: count them on the server.
  # CANCELLED is not one: h2load cuts the calls in flight when its duration ends.
  failed() { curl -s "http://127.0.0.1:$mport/metrics" |
             awk '/^grpc_server_handled_total\{/ && /grpc_method="GetPlan"/ &&
                  !/grpc_code="(OK|CANCELLED)"/ {s += $2} END {print s + 0}'; }
  before=$(failed)
  h_get=$(h2 /rfs.registry.v1.PlanRegistry/GetPlan "$work/get.bin")
  h_get_errors=$(( $(failed) - before ))
fi
/usr/bin/python3 - "$OUT/bench.json" "$h2load_state" $h_health $h_get "$h_get_errors" <<'PY'
import json, sys
path, state = sys.argv[1], sys.argv[2]
health, _, get, get_done, errors = (float(x) for x in sys.argv[3:8])
out = json.load(open(path))
reasons = out.setdefault("untrusted_reasons", [])
ours = next((r["ratio_to_health_check"] for r in out["results"] if r["rpc"] == "GetPlan"), 0)
theirs = get / health if health > 0 else 0
out["h2load"] = {"health_check_rps": health, "get_plan_rps": get, "get_plan_ratio": theirs,
                 "get_plan_calls": get_done, "get_plan_failed_on_server": errors}
if state == "missing":
    reasons.append("no cross-check: h2load is not installed (apt-get install nghttp2-client)")
elif health <= 0 or get <= 0 or get_done <= 0:
    reasons.append("the h2load cross-check did not measure (no req/s from h2load for "
                   + ("Health/Check" if health <= 0 else "GetPlan") + ")")
else:
    print(f"h2load (4 x 8): Health/Check {health:.0f} req/s, GetPlan {get:.0f} req/s, "
          f"ratio {theirs:.3f} (rfs-bench: {ours:.3f}); GetPlan calls failed on the server: "
          f"{errors:.0f} of {get_done:.0f}")
    if errors / get_done > 0.001:
        reasons.append(f"h2load GetPlan: {errors:.0f} of {get_done:.0f} calls failed on the server")
    if ours > 0 and abs(theirs - ours) / max(theirs, ours) > 1 / 3:
        reasons.append(f"GetPlan ratio {ours:.3f} disagrees with h2load's {theirs:.3f}")
out["trusted"] = not reasons
json.dump(out, open(path, "w"), indent=2)
PY

# rfs-kpi at scale: KPI_PLANS synthetic published plans x 100 measurements written into Redis
# through rfs-kpi's own store code (tools/bench/kpi_loader.cc), then AggregateKgi (p99 <= 5 ms)
# and GetProgress of a loaded plan measured again, with Health/Check on rfs-kpi as the
# denominator. The Redis memory per measurement is the growth of used_memory while the loader
# wrote, over the measurements written (their histories, the plan snapshots, contributions,
# aggregates and indexes included).
used_memory() { redis-cli -s "$work/redis.sock" info memory | awk -F: '/^used_memory:/ {print $2 + 0}'; }
kpi_measurements=$((KPI_PLANS * 100))
echo "bench: loading $KPI_PLANS plans, $kpi_measurements measurements into rfs-kpi's Redis"
memory_before=$(used_memory)
"$BUILD/tools/bench/rfs-kpi-loader" --redis "unix://$work/redis.sock" --plans "$KPI_PLANS" \
  --per_plan 100 --data_dir data
memory_after=$(used_memory)
"$BUILD/tools/bench/rfs-bench" --target= --kpi_target "127.0.0.1:$kport" \
  --kpi_metrics_port "$kmport" --token "$RFS_TOKEN" --kpi_plan "plans/A-90001" \
  --scenarios kpi_health,kpi_progress,kpi_aggregate --phase "$KPI_PLANS plans" \
  --kpi_pid "$kpi_pid" --kpi_loaded_plans "$KPI_PLANS" --kpi_loaded_measurements "$kpi_measurements" \
  --kpi_redis_bytes "$((memory_after - memory_before))" \
  --concurrency "$CONCURRENCY" --seconds "$SECONDS_PER" --rounds "$ROUNDS" \
  --json "$OUT/bench-kpi-scale.json"
/usr/bin/python3 - "$OUT/bench.json" "$OUT/bench-kpi-scale.json" <<'PY'
import json, sys
path, scale_path = sys.argv[1], sys.argv[2]
out, scale = json.load(open(path)), json.load(open(scale_path))
out.setdefault("results", []).extend(scale.get("results", []))
out["kpi_scale"] = scale.get("kpi_scale", {})
out["all_targets_met"] = bool(out.get("all_targets_met")) and bool(scale.get("all_targets_met"))
out.setdefault("untrusted_reasons", []).extend(
    "at scale: " + why for why in scale.get("untrusted_reasons", []))
out["trusted"] = not out["untrusted_reasons"]
json.dump(out, open(path, "w"), indent=2)
# The verdict of the whole run, once every check has had its say.
if out["trusted"]:
    print("\nRun TRUSTED: rounds agree, the bare gRPC limit is where a quiet run puts it, and "
          "h2load's cross-check agrees.")
else:
    print("\nRun NOT TRUSTED (do not quote these figures):")
    for why in out.get("untrusted_reasons", []):
        print("  - " + why)
PY
echo "JSON: $OUT/bench.json (the run at scale alone: $OUT/bench-kpi-scale.json)"
