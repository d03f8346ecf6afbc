#!/usr/bin/env bash
# Installs everything PowerView needs to build, test and run on Debian 12 (run as root).
# Idempotent: a second run only checks.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl tzdata
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libcurl4-openssl-dev rapidjson-dev libgtest-dev libgmock-dev libsqlite3-dev
  libssl-dev zlib1g-dev sqlite3 libnghttp2-dev
  influxdb
  golang-go golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev
)
# Node.js and npm for the buf tool: Debian's packages unless a Node.js with npm is already there.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}"
fi
# buf (gRPC client and proto linter) from the npm registry, pinned by the lock file.
if [ -f "$here/tools/node/package.json" ] && [ ! -x "$here/tools/node/node_modules/.bin/buf" ]; then
  echo "setup: installing npm tools in tools/node"
  (cd "$here/tools/node" && npm ci --no-audit --no-fund --loglevel=error)
fi
