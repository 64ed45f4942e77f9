#!/usr/bin/env bash
# End to end: the Python client of docs/examples/client.py, generated from the protos alone,
# against real rfs-registry and redis-server processes (docs/api.md promises it works).
# Usage: python_client_test.sh SOURCE_DIR BUILD_DIR. Runs Debian's /usr/bin/python3, whose python3-grpcio
# and python3-protobuf scripts/install-deps.sh installs (another python3 on the PATH may lack them).
set -euo pipefail
src=$1
build=$2
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/gen"
protoc -I "$src/protos" --python_out="$work/gen" --grpc_out="$work/gen" \
  --plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin $(cd "$src" && find protos -name '*.proto' | sed 's|^protos/||')

head -c 48 /dev/urandom | base64 > "$work/auth.key"
redis-server --port 0 --unixsocket "$work/redis.sock" --dir "$work" --appendonly yes \
  --appendfsync always --save '' --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 100); do [[ $(redis-cli -s "$work/redis.sock" ping 2>/dev/null) == PONG ]] && break; sleep 0.05; done
"$build/services/registry/rfs-registry" --redis "unix://$work/redis.sock" \
  --auth_key_file "$work/auth.key" --listen "unix://$work/registry.sock" --metrics_listen off \
  --requirements_address "" --data_dir "$src/data" --log_level warning 2>"$work/registry.log" &
pids+=($!)
export RFS_ADDR="unix://$work/registry.sock"
export RFS_TOKEN=$("$build/tools/rfsctl/rfsctl" token --key_file "$work/auth.key" --role viewer --sub agency-system)
for _ in $(seq 100); do "$build/tools/rfsctl/rfsctl" health >/dev/null 2>&1 && break; sleep 0.05; done
admin=$("$build/tools/rfsctl/rfsctl" token --key_file "$work/auth.key" --role secretariat --sub loader)
RFS_TOKEN=$admin "$build/tools/rfsctl/rfsctl" create -f "$src/data/samples/toyama-b-illustrative.json" >/dev/null

out=$(PYTHONPATH="$work/gen" /usr/bin/python3 "$src/docs/examples/client.py" 2>&1) || { echo "$out"; exit 1; }
echo "$out"
expect() { grep -qF -- "$1" <<<"$out" || { echo "FAIL: missing: $1"; exit 1; }; }
expect "health: SERVING"
expect "plan: plans/B-00001 PLAN_STAGE_DRAFTING"
expect "indicators of plans/B-00001:"
expect "error: INVALID_ARGUMENT name: 'A-1' is not a plan name"
expect "  field: name -"
expect "  ja: name: "
echo "python client: ok"
