#!/usr/bin/env bash
# Installs what PowerView needs on Debian 12 (run as root). Idempotent: a second run only checks.
#   setup.sh demo   compiler, libraries and InfluxDB: what scripts/demo.sh builds and runs
#   setup.sh test   (default) the demo's packages plus the test tools: GoogleTest, Go and
#                   go-plugin (the real plugin host), Node.js/npm for buf, debootstrap
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-test}
# The demo: build the programs and run them against a local InfluxDB 1.x.
demo_packages=(
  build-essential cmake ninja-build ccache pkg-config ca-certificates curl tzdata
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libcurl4-openssl-dev rapidjson-dev libsqlite3-dev libssl-dev zlib1g-dev
  libnghttp2-dev
  influxdb
)
# The tests, on top of the demo's packages (add test tools here).
packages=(
  git libgtest-dev libgmock-dev sqlite3
  golang-go golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev
  debootstrap python3
)
case "$mode" in
  demo) packages=("${demo_packages[@]}") ;;
  test)
    packages=("${demo_packages[@]}" "${packages[@]}")
    # Node.js and npm for the buf tool: Debian's packages unless a Node.js with npm is there.
    command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
    ;;
  *) echo "usage: setup.sh [demo|test]" >&2; exit 2 ;;
esac
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
# Debian's influxdb package starts its own server on port 8086 where systemd runs: PowerView's
# demo and tests never use it (they start private servers on other ports).
[ "$mode" = demo ] && exit 0
# buf (gRPC client and proto linter) from the npm registry, pinned by the lock file.
if [ -f "$here/tools/node/package.json" ] && [ ! -x "$here/tools/node/node_modules/.bin/buf" ]; then
  echo "setup: installing npm tools in tools/node"
  (cd "$here/tools/node" && npm ci --no-audit --no-fund --loglevel=error)
fi
