#!/usr/bin/env bash
# End-to-end ingest throughput into a local InfluxDB 1.x, beside what curl reaches posting the
# same line protocol in 5000-line batches.
#
#   ingest_bench.sh [BUILD_DIR] [DAYS]
#
# Generates a V003 file (tri master + 8 slaves = 54 channels, 10-minute rows, DAYS days,
# default 365 = 2.8 million points), starts a private influxd, then:
#   1. powerviewd + powerview-notify: time from the upload event until the file is in parsed/
#      (every batch acknowledged by InfluxDB, report and catalog written);
#   2. curl_baseline.sh on the line protocol `powerviewctl parse` prints for the same file,
#      each into a fresh database.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
days=${2:-365}
port=${BENCH_INFLUX_PORT:-$((20000 + RANDOM % 9000))}
work=$(mktemp -d /tmp/pv-ingest-bench-XXXXXX)
influx="http://127.0.0.1:$port"
cleanup() {
  [ -n "${daemon:-}" ] && kill "$daemon" 2>/dev/null || true
  bash "$here/scripts/influxd.sh" stop "$work/influxd" || true
  rm -rf "$work"
}
trap cleanup EXIT

bash "$here/scripts/influxd.sh" start "$work/influxd" "$port" >/dev/null
mkdir -p "$work/data/bench/year/02000800"
file="$work/data/bench/year/02000800/T302_bench_UTC.tsv"
"$build/client/gen/powerview-gen" file "$file" --format v003 --master tri --slaves 8 \
  --start 2025-01-01T00:00:00 --days "$days" --interval 10m --serial 02000800 >/dev/null
"$build/client/powerviewctl/powerviewctl" parse "$file" --campaign year > "$work/lines.lp"
points=$(wc -l < "$work/lines.lp")
echo "file: $(stat -c %s "$file") bytes, $points points"

"$build/server/daemon/powerviewd" --data-root "$work/data" --state-dir "$work/state" \
  --listen "unix://$work/n.sock" --admin-listen "" --influxdb-url "$influx" \
  --sweep-interval 0 --log-level warn ${BENCH_DAEMON_FLAGS:-} 2>"$work/powerviewd.log" &
daemon=$!
for _ in $(seq 1 100); do [ -S "$work/n.sock" ] && break; sleep 0.05; done
start=$(date +%s.%N)
env -i SFTPGO_ACTION=upload SFTPGO_ACTION_PATH="$file" SFTPGO_ACTION_STATUS=1 \
  SFTPGO_ACTION_FILE_SIZE="$(stat -c %s "$file")" \
  "$build/client/notify/powerview-notify" --address "unix://$work/n.sock" --quiet
parsed="$work/data/bench/year/02000800/parsed/T302_bench_UTC.tsv"
until [ -f "$parsed" ]; do sleep 0.01; done
end=$(date +%s.%N)
kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=
pipeline=$(awk -v a="$start" -v b="$end" 'BEGIN{print b - a}')
pipeline_rate=$(awk -v p="$points" -v t="$pipeline" 'BEGIN{print p / t}')
stored=$(curl -sG "$influx/query" --data-urlencode db=bench \
  --data-urlencode 'q=SELECT count("M02000800_U1_V") FROM electrical' | grep -o '\[\[[^]]*\]\]')
printf 'pipeline: %.2f s, %.0f points/s (U1 count stored: %s)\n' "$pipeline" "$pipeline_rate" "$stored"

baseline=$(MODES="plain gzip" bash "$here/tests/bench/curl_baseline.sh" "$work/lines.lp" "$influx" curl_bench)
echo "$baseline"
best=$(echo "$baseline" | sed -n 's/.*points_per_second=\([0-9.]*\).*/\1/p' | sort -g | tail -1)
printf 'pipeline / best curl baseline: %.0f%%\n' "$(awk -v a="$pipeline_rate" -v b="$best" 'BEGIN{print 100 * a / b}')"
