#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, real InfluxDB 1.6.7, go-plugin host, buf curl).
# ctest starts and stops the services the tests need itself (fixture `influxd`).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/setup.sh"
bash "$here/scripts/build.sh"
build=${POWERVIEW_BUILD_DIR:-$here/build}
ctest --test-dir "$build" --output-on-failure --timeout 600 -j2
