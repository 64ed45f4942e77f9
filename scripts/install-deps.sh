#!/usr/bin/env bash
# Installs the Debian bookworm packages rfs needs to build, test and run, and does nothing when
# they are all there (so `make` needs no root on a prepared machine).
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev libhiredis-dev libevent-dev prometheus-cpp-dev libjwt-dev libssl-dev
  libcurl4-openssl-dev
  nlohmann-json3-dev libgoogle-perftools-dev libgtest-dev libgmock-dev libzstd-dev
  redis-server redis-tools openssl
  python3 python3-grpcio python3-protobuf python3-yaml nghttp2-client curl
  prometheus chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
((${#missing[@]} == 0)) && exit 0

echo "install-deps: installing ${missing[*]}" >&2
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: missing packages and not root: run as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
