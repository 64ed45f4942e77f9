#!/usr/bin/env bash
# Checks deploy/k8s without a cluster: renders the bases and every overlay with
# `kubectl kustomize`, then validates each render with validate.mjs (Kubernetes schemas from the
# npm package kubernetes-models, strict field names, rfs conventions, references).
#
#   deploy/k8s/check.sh
#   KUBECTL="kubectl /opt/k120/usr/bin/kubectl" deploy/k8s/check.sh   # several renderers
#
# KUBECTL: the kubectl binaries to render with (default: kubectl). The layout is kept to what
# kustomize v2.0.3 (Debian bookworm's kubernetes-client, kubectl 1.20) understands; newer
# kustomize renders it too, with deprecation warnings.
# Exits 0 with "skipped" when kubectl is not installed; non-zero on any render or validation
# error. Needs node and npm for validation (dependencies: ./.validate, installed with npm ci).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
read -r -a kubectls <<<"${KUBECTL:-kubectl}"

# The base's ruleset ConfigMap is a copy of the default ruleset the services ship with.
if ! cmp -s "$here/base/ruleset.json" "$here/../../data/ruleset.json"; then
  echo "check.sh: FAIL: deploy/k8s/base/ruleset.json differs from data/ruleset.json; copy it over" >&2
  exit 1
fi

available=()
for k in "${kubectls[@]}"; do
  if command -v "$k" >/dev/null 2>&1; then
    available+=("$k")
  else
    echo "check.sh: $k not found"
  fi
done
if ((${#available[@]} == 0)); then
  echo "check.sh: skipped: kubectl is not installed (Debian: apt-get install kubernetes-client)"
  exit 0
fi

validate=1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "check.sh: node/npm not installed: rendering only, schema validation skipped"
  validate=0
elif [[ ! -d "$here/.validate/node_modules/kubernetes-models" ||
        "$here/.validate/package-lock.json" -nt "$here/.validate/node_modules/.package-lock.json" ]]; then
  echo "check.sh: installing the validator's dependencies (npm ci in deploy/k8s/.validate)"
  if ! npm ci --prefix "$here/.validate" --no-audit --no-fund --loglevel=error >/dev/null; then
    echo "check.sh: FAIL: npm ci in $here/.validate failed" >&2
    exit 1
  fi
fi

# Every directory with a kustomization: the bases too, so each renders on its own.
targets=()
while IFS= read -r f; do
  targets+=("$(dirname "${f#"$here"/}")")
done < <(find "$here/base" "$here/overlays" -name kustomization.yaml -not -path '*/node_modules/*' | sort)

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

failed=0
for k in "${available[@]}"; do
  # kubectl >= 1.21 prints "Client Version: vX" and "Kustomize Version: vY"; 1.20 a Go struct.
  version=$("$k" version --client 2>/dev/null | head -n 2 |
    sed -E 's/.*GitVersion:"([^"]+)".*/\1/; s/^Client Version: //; s/^Kustomize Version: /kustomize /' |
    paste -sd ' ' - || true)
  echo "== $k (${version:-version unknown})"
  for t in "${targets[@]}"; do
    rendered="$out/$(echo "$k-$t" | tr '/ ' '__').yaml"
    if ! "$k" kustomize "$here/$t" >"$rendered" 2>"$rendered.err"; then
      echo "  FAIL $t: kubectl kustomize failed:" >&2
      grep -v '^# Warning: .* is deprecated' "$rendered.err" | sed 's/^/    /' >&2
      failed=1
      continue
    fi
    if ((validate)); then
      node "$here/validate.mjs" "$rendered" "$t" | sed 's/^/  /' || failed=1
    else
      echo "  rendered $t: $(grep -c '^kind:' "$rendered") objects"
    fi
  done
done

if ((failed)); then
  echo "check.sh: FAIL" >&2
  exit 1
fi
echo "check.sh: all renders valid"
