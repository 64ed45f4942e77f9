#!/usr/bin/env bash
# common/ is one folder per layer (docs/architecture.md, "Shape of a service"), and a layer
# includes only itself and the layers it names:
#   base    errors, status, text, digests, logging, Japan time      includes: base
#   domain  the plan rules every service shares                      includes: base, domain
#   redis   the Redis clients, store base, outbox, write quota       includes: base, redis
#   kit     the service kit: host, server, RPC, auth, config, peers  includes: any layer
# and nothing in common/ includes a service. Fails naming each include that goes the wrong way.
# Usage: layers.sh SOURCE_DIR
set -euo pipefail
cd "$1"
declare -A allowed=(
  [base]="base"
  [domain]="base domain"
  [redis]="base redis"
  [kit]="base domain redis kit"
)
bad=""
stray=$(find common -maxdepth 1 -type f \( -name '*.h' -o -name '*.cc' \) | sort)
if [[ -n $stray ]]; then
  bad+="files outside a layer folder: ${stray//$'\n'/ }"$'\n'
fi
for layer in "${!allowed[@]}"; do
  [[ -d common/$layer ]] || { bad+="no folder common/$layer"$'\n'; continue; }
  while IFS= read -r hit; do
    [[ -z $hit ]] && continue
    target=$(sed -E 's|.*#include "(common/([a-z_]+)/[^"]+\|services/[^"]+)".*|\2|' <<<"$hit")
    if [[ $hit == *'#include "services/'* ]]; then
      bad+="$hit  (common/ includes no service)"$'\n'
    elif [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      bad+="$hit  ($layer may include: ${allowed[$layer]})"$'\n'
    fi
  done < <(grep -nE '#include "(common|services)/' -r "common/$layer" --include='*.h' --include='*.cc' || true)
done
for dir in tests/common/*/; do
  layer=$(basename "$dir")
  [[ $layer == protos ]] && continue
  [[ -n ${allowed[$layer]:-} ]] || bad+="tests/common/$layer mirrors no layer of common/"$'\n'
done
if [[ -n $bad ]]; then
  echo "common/ layers broken:"
  printf '%s' "$bad"
  exit 1
fi
echo "common/ layers: ok"
