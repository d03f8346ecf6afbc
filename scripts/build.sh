#!/usr/bin/env bash
# Configures and builds PowerView into build/ (or $POWERVIEW_BUILD_DIR). Extra arguments go to
# cmake (scripts/demo.sh passes -DPOWERVIEW_BUILD_TESTS=OFF).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${POWERVIEW_BUILD_DIR:-$here/build}
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${POWERVIEW_BUILD_TYPE:-RelWithDebInfo} \
  "$@" >/dev/null
ninja -C "$build" -j"$(nproc)"
