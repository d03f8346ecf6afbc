#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, real InfluxDB 1.6.7, go-plugin host, buf curl, the
# Debian package in a fresh Debian 12 root). ctest starts and stops the services the tests need
# itself (fixture `influxd`).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/setup.sh" test
# The package test's Debian 12 root: made once by debootstrap (minutes, downloads from Debian)
# while the build runs, then reused from its cache.
start=$(date +%s)
bash "$here/scripts/debian-root.sh" >"${TMPDIR:-/tmp}/powerview-debian-root.log" 2>&1 &
root_job=$!
bash "$here/scripts/build.sh"
if ! wait "$root_job"; then
  cat "${TMPDIR:-/tmp}/powerview-debian-root.log" >&2
  echo "test: the Debian 12 root for the package test could not be made" >&2
  exit 1
fi
echo "test: build and Debian 12 root ready after $(( $(date +%s) - start )) s" \
  "($(tail -1 "${TMPDIR:-/tmp}/powerview-debian-root.log"))"
build=${POWERVIEW_BUILD_DIR:-$here/build}
ctest --test-dir "$build" --output-on-failure --timeout 600 -j2
