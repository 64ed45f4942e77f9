#!/usr/bin/env bash
# make run: the whole suite on this machine. Starts redis-server (AOF on), rfs-notification
# (first: the others' outbox relays publish their events to it), rfs-registry,
# rfs-requirements and rfs-kpi, loads the sample plans into an empty registry (the two
# illustrative ones published by their governors, with half years of illustrative KPI
# measurements; before them, a sample e-mail contact of Toyama prefecture) and shows their
# requirement check verdicts and KPI progress, prints the endpoints, a token and rfsctl
# examples, and stops everything cleanly on Ctrl-C.
#
# rfs-notification writes the mails it would send to $RFS_RUN_DIR/mail/*.eml (--mail_dir; with
# RFS_SMTP_URL set it sends them through that relay instead), and may call webhook receivers
# on this machine over plain HTTP (--webhook_allow_http, --webhook_allow_cidrs 127.0.0.0/8: for
# docs/examples/webhook_receiver.py; never in a deployment).
#
# Environment: RFS_RUN_DIR (data directory, default .run/), RFS_REGISTRY_PORT (50051),
# RFS_REGISTRY_METRICS_PORT (9101), RFS_REQUIREMENTS_PORT (50052),
# RFS_REQUIREMENTS_METRICS_PORT (9102), RFS_KPI_PORT (50053), RFS_KPI_METRICS_PORT (9103),
# RFS_NOTIFICATION_PORT (50054), RFS_NOTIFICATION_METRICS_PORT (9104), BUILD_DIR (build; relative
# to the project, or absolute).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
BUILD=${BUILD_DIR:-build}
BIN=$BUILD  # the build directory, absolute
[[ $BUILD == /* ]] || BIN="$root/$BUILD"
RUN_DIR=$(mkdir -p "${RFS_RUN_DIR:-.run}" && cd "${RFS_RUN_DIR:-.run}" && pwd)
REGISTRY_PORT=${RFS_REGISTRY_PORT:-50051}
REGISTRY_METRICS=${RFS_REGISTRY_METRICS_PORT:-9101}
REQUIREMENTS_PORT=${RFS_REQUIREMENTS_PORT:-50052}
REQUIREMENTS_METRICS=${RFS_REQUIREMENTS_METRICS_PORT:-9102}
KPI_PORT=${RFS_KPI_PORT:-50053}
KPI_METRICS=${RFS_KPI_METRICS_PORT:-9103}
NOTIFICATION_PORT=${RFS_NOTIFICATION_PORT:-50054}
NOTIFICATION_METRICS=${RFS_NOTIFICATION_METRICS_PORT:-9104}
RFSCTL="$BIN/tools/rfsctl/rfsctl"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$REGISTRY_PORT" "$REGISTRY_METRICS" "$REQUIREMENTS_PORT" "$REQUIREMENTS_METRICS" "$KPI_PORT" "$KPI_METRICS" "$NOTIFICATION_PORT" "$NOTIFICATION_METRICS"; do
  port_free "$p" || { echo "make run: port $p is in use; stop what uses it or set RFS_REGISTRY_PORT / RFS_REGISTRY_METRICS_PORT / RFS_REQUIREMENTS_PORT / RFS_REQUIREMENTS_METRICS_PORT / RFS_KPI_PORT / RFS_KPI_METRICS_PORT / RFS_NOTIFICATION_PORT / RFS_NOTIFICATION_METRICS_PORT" >&2; exit 1; }
done

mkdir -p "$RUN_DIR/redis" "$RUN_DIR/logs" "$RUN_DIR/mail"
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

# Redis: the system of record. AOF written and fsynced before every reply (appendfsync always:
# nothing acknowledged is lost when Redis or the machine dies); unix socket only (no TCP port).
redis-server --port 0 --unixsocket "$RUN_DIR/redis.sock" --unixsocketperm 700 \
  --dir "$RUN_DIR/redis" --appendonly yes --appendfsync always --save '' \
  --logfile "$RUN_DIR/logs/redis.log" --daemonize yes --pidfile "$RUN_DIR/redis.pid"
started_redis=1
# Wait until Redis answers PING with PONG: it answers LOADING while it reads a large AOF back,
# which can take minutes; say so instead of giving up.
said=0
for ((i = 0; ; i++)); do
  reply=$(redis-cli -s "$RUN_DIR/redis.sock" ping 2>&1 || true)
  [[ $reply == PONG ]] && break
  if [[ $reply == LOADING* ]]; then
    ((said)) || echo "make run: Redis is loading its data from $RUN_DIR/redis; waiting..."
    said=1
  elif ((i > 200)); then
    echo "make run: redis did not start ($reply); see $RUN_DIR/logs/redis.log" >&2; exit 1
  fi
  sleep 0.1
done
((said)) && echo "make run: Redis has loaded its data"

export RFS_REDIS="unix://$RUN_DIR/redis.sock"
export RFS_AUTH_KEY_FILE="$key"
export RFS_DATA_DIR="$root/data"
# Ready means SERVING on the health service: each service answers NOT_SERVING until it
# reaches Redis.
wait_serving() {  # name address log
  for _ in $(seq 600); do RFS_ADDR=$2 "$RFSCTL" health >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "make run: $1 is not serving; see $3" >&2
  exit 1
}
# rfs-notification first: the outbox relays of the other three publish their events to it
# (they would retry until it came up; their events wait in their outboxes meanwhile). Stopped
# last (pids are stopped in reverse order). Mails go to files in mail/ (the service refuses
# --mail_dir beside --smtp_url, so not when RFS_SMTP_URL names a relay); webhooks may reach
# receivers on this machine over http://.
mail_flags=(--mail_dir "$RUN_DIR/mail")
[[ -n ${RFS_SMTP_URL:-} ]] && mail_flags=()
"$BIN/services/notification/rfs-notification" --listen "0.0.0.0:$NOTIFICATION_PORT" \
  --metrics_listen "0.0.0.0:$NOTIFICATION_METRICS" "${mail_flags[@]}" \
  --webhook_allow_http --webhook_allow_cidrs 127.0.0.0/8 \
  2>>"$RUN_DIR/logs/notification.log" &
pids+=($!)
wait_serving rfs-notification "localhost:$NOTIFICATION_PORT" "$RUN_DIR/logs/notification.log"
if ((${#mail_flags[@]})); then
  echo "make run: mails rfs-notification would send are written to $RUN_DIR/mail/*.eml"
else
  echo "make run: rfs-notification sends mails through RFS_SMTP_URL ($RFS_SMTP_URL)"
fi
# Each service mints its own token for calls to the other from the shared HS256 key.
"$BIN/services/registry/rfs-registry" --listen "0.0.0.0:$REGISTRY_PORT" \
  --metrics_listen "0.0.0.0:$REGISTRY_METRICS" \
  --requirements_address "localhost:$REQUIREMENTS_PORT" \
  --notification_address "localhost:$NOTIFICATION_PORT" 2>>"$RUN_DIR/logs/registry.log" &
pids+=($!)
"$BIN/services/requirements/rfs-requirements" --listen "0.0.0.0:$REQUIREMENTS_PORT" \
  --metrics_listen "0.0.0.0:$REQUIREMENTS_METRICS" \
  --registry_address "localhost:$REGISTRY_PORT" \
  --notification_address "localhost:$NOTIFICATION_PORT" 2>>"$RUN_DIR/logs/requirements.log" &
pids+=($!)
"$BIN/services/kpi/rfs-kpi" --listen "0.0.0.0:$KPI_PORT" \
  --metrics_listen "0.0.0.0:$KPI_METRICS" \
  --registry_address "localhost:$REGISTRY_PORT" \
  --notification_address "localhost:$NOTIFICATION_PORT" 2>>"$RUN_DIR/logs/kpi.log" &
pids+=($!)

export RFS_ADDR="localhost:$REGISTRY_PORT"
export RFS_REQUIREMENTS_ADDR="localhost:$REQUIREMENTS_PORT"
export RFS_KPI_ADDR="localhost:$KPI_PORT"
export RFS_NOTIFICATION_ADDR="localhost:$NOTIFICATION_PORT"
export RFS_TOKEN=$("$RFSCTL" token --key_file "$key" --role secretariat --sub local-admin)
wait_serving rfs-registry "localhost:$REGISTRY_PORT" "$RUN_DIR/logs/registry.log"
wait_serving rfs-requirements "localhost:$REQUIREMENTS_PORT" "$RUN_DIR/logs/requirements.log"
wait_serving rfs-kpi "localhost:$KPI_PORT" "$RUN_DIR/logs/kpi.log"

illustrative_plans=()
author_token() {  # 6-digit code: a token of that prefecture's or municipality's staff
  local role=municipality
  [[ $1 == ??000? ]] && role=prefecture
  "$RFSCTL" token --key_file "$key" --role "$role" --body_code "$1" --sub "author-$1"
}

# The illustrative KPI measurements (data/samples/kpi-measurements.csv, fictitious, FY2026):
# half years past their deadline are closed, so the bureau reopens both halves of FY2026 for a
# day, and each plan's lead author imports its lines.
load_kpi_samples() {
  local entry tag name lead csv half
  for entry in "${illustrative_plans[@]}"; do
    tag=${entry%%=*} name=${entry#*=}
    lead=$(sed -n 's/.*"lead_author_code": "\([0-9]*\)".*/\1/p' "data/samples/$tag-illustrative.json")
    for half in 2026-H1 2026-H2; do
      RFS_TOKEN=$bureau "$RFSCTL" kpi unlock "$name" "$half" --until "$(date -d tomorrow +%F)" \
        --reason "make run: 架空サンプルの実績値の登録" >/dev/null ||
        { echo "make run: could not reopen $half of $name" >&2; exit 1; }
    done
    csv="$RUN_DIR/kpi-$tag.csv"
    { head -1 data/samples/kpi-measurements.csv
      grep -F "{$tag}," data/samples/kpi-measurements.csv | sed "s|{$tag}|$name|"; } > "$csv"
    printf '  %-45s ' "kpi-measurements.csv ($name)"
    RFS_TOKEN=$(author_token "$lead") "$RFSCTL" kpi import "$csv" ||
      { echo "make run: could not import the KPI samples of $name" >&2; exit 1; }
  done
}

# Samples go into an empty registry only, so running twice does not duplicate them. A failed
# listing is an error, never "no plans".
listing=$("$RFSCTL" list --json) || { echo "make run: cannot list the registry's plans (see above); stopping" >&2; exit 1; }
if [[ $(grep -c '"name"' <<<"$listing" || true) == 0 ]]; then
  bureau=$("$RFSCTL" token --key_file "$key" --role bureau --block HOKURIKU --sub hokuriku-bureau)
  # A sample e-mail contact of Toyama prefecture (160008), kept by the prefecture, created
  # before the samples so that it is mailed (one mail per event, into mail/) about the events
  # of the default types on the plans Toyama authors: the stage changes of the illustrative
  # Toyama plan make the first mails. A fictitious address (.example is a reserved name).
  printf '  %-45s ' "e-mail contact (Toyama prefecture)"
  contact=$(RFS_TOKEN=$(author_token 160008) "$RFSCTL" contacts create \
    --address sample@pref.toyama.example --body 160008 --display_name "富山県 地域振興課（サンプル）") ||
    { echo "make run: could not create the sample contact" >&2; exit 1; }
  echo "${contact%%$'\n'*}"
  for f in data/samples/*.json; do
    printf '  %-45s ' "$(basename "$f")"
    created=$("$RFSCTL" create -f "$f" --request_id "sample-$(basename "$f" .json)") ||
      { echo "make run: could not load $f" >&2; exit 1; }
    echo "$created"
    # The illustrative (fictitious) samples go through pre-consultation (the Hokuriku
    # bureau accepts every attested requirement) and are published by their governors, so
    # that they show plans that pass and count in the national KPI picture. The seed's drafts
    # are left as the seed has them.
    if [[ $f == *illustrative* ]]; then
      name=$(sed -n 's/.*created \(plans\/[A-C]-[0-9]*\).*/\1/p' <<<"$created")
      deploy/local/publish-sample.sh "$RFSCTL" "$key" "$name" "$f" ||
        { echo "make run: could not publish $name" >&2; exit 1; }
      illustrative_plans+=("$(basename "$f" -illustrative.json)=$name")
    fi
  done
  load_kpi_samples
else
  echo "registry already holds plans: samples not loaded again"
fi

# Each sample's requirement check (the full report: rfsctl check NAME).
echo
echo "requirement checks ($("$RFSCTL" ruleset --json | sed -n 's/.*"version": "\(.*\)".*/ruleset \1/p')):"
for name in $("$RFSCTL" list --json | sed -n 's/.*"name": "\(plans\/[^"]*\)".*/\1/p'); do
  # rfsctl check exits 1 when a plan does not pass: that is an answer, not a failure.
  report=$("$RFSCTL" check "$name" --json | tr -d '\n' || true)
  summary=$(sed -n 's/.*"summary": {[^}]*"verdict": "CHECK_VERDICT_\([A-Z_]*\)".*/\1/p' <<<"$report")
  unmet=$(sed -n 's/.*"unmet_requirement_ids": \[\([^]]*\)\].*/\1/p' <<<"$report" | tr -d ' "')
  printf '  %-15s %-15s %s\n' "$name" "${summary:-?}" "${unmet:+unmet: $unmet}"
done

# The national picture of the mandatory KGIs (rfsctl kpi progress NAME for one plan).
echo
"$RFSCTL" kpi national 2026 || true

cat <<MSG

rfs is running. Data: $RUN_DIR (Redis AOF in redis/, logs in logs/, mails in mail/)
  rfs-registry      gRPC localhost:$REGISTRY_PORT   metrics http://localhost:$REGISTRY_METRICS/metrics
  rfs-requirements  gRPC localhost:$REQUIREMENTS_PORT   metrics http://localhost:$REQUIREMENTS_METRICS/metrics
  rfs-kpi           gRPC localhost:$KPI_PORT   metrics http://localhost:$KPI_METRICS/metrics
  rfs-notification  gRPC localhost:$NOTIFICATION_PORT   metrics http://localhost:$NOTIFICATION_METRICS/metrics
  redis         unix://$RUN_DIR/redis.sock

A token (secretariat, 12 hours):
  export RFS_ADDR=localhost:$REGISTRY_PORT RFS_REQUIREMENTS_ADDR=localhost:$REQUIREMENTS_PORT RFS_KPI_ADDR=localhost:$KPI_PORT RFS_NOTIFICATION_ADDR=localhost:$NOTIFICATION_PORT
  export RFS_TOKEN=$RFS_TOKEN

Try:
  $BUILD/tools/rfsctl/rfsctl list
  $BUILD/tools/rfsctl/rfsctl get A-00001
  $BUILD/tools/rfsctl/rfsctl check A-00001            (--lang en for English)
  $BUILD/tools/rfsctl/rfsctl score B-00004
  $BUILD/tools/rfsctl/rfsctl kpi progress B-00004     (the illustrative Toyama plan)
  $BUILD/tools/rfsctl/rfsctl kpi national 2026 --csv --bom > kgi.csv
  $BUILD/tools/rfsctl/rfsctl token --key_file $key --role prefecture --body_code 160008 --sub toyama
  $BUILD/tools/rfsctl/rfsctl contacts list            (e-mail; the mails: ls $RUN_DIR/mail)
  python3 docs/examples/webhook_receiver.py --port 8080 --secret whsec_…   (webhooks: docs/api.md)
Stop with Ctrl-C.
MSG
# Whichever service stops first ends the run (and the trap stops the rest).
wait -n "${pids[@]}" || true
echo "make run: a service stopped; see $RUN_DIR/logs/registry.log, requirements.log, kpi.log and notification.log" >&2
exit 1
