#!/usr/bin/env bash
# powerviewd's Prometheus endpoint as Prometheus sees it: powerviewd ingests the sample tree
# into the real InfluxDB of the ctest fixture with --metrics-listen on a free port; the page
# passes Debian's `promtool check metrics`; a real Prometheus (Debian's package, started here on
# a free port with a temporary config and storage) scrapes it, and its query API shows the
# ingested and rejected file counts, the queue drained and InfluxDB up.
# Usage: prometheus_test.sh POWERVIEWD POWERVIEW-GEN POWERVIEW-NOTIFY
set -euo pipefail
daemon=$1
gen=$2
notify=$3
influx=${POWERVIEW_TEST_INFLUX_URL:-http://127.0.0.1:18086}
for tool in prometheus promtool curl; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed: run scripts/setup.sh" >&2; exit 1; }
done

work=$(mktemp -d /tmp/pv-prom.XXXXXX)
daemon_pid=""
prom_pid=""
ok=0
cleanup() {
  [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null || true
  if [ "$ok" = 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  echo "--- powerviewd log" >&2
  tail -50 "$work/powerviewd.log" >&2 || true
  echo "--- prometheus log" >&2
  tail -20 "$work/prometheus.log" >&2 || true
  exit 1
}
step() { echo "== $*"; }
# A port nobody listens on (the small race with other tests is retried by the callers' waits).
free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  fail "no free port"
}

"$gen" tree "$work/gen" >/dev/null
mkdir -p "$work/data"
for c in "$work"/gen/*; do
  name="pm_$(basename "$c")"
  mv "$c" "$work/data/$name"
  curl -s -XPOST "$influx/query" --data-urlencode "q=DROP DATABASE \"$name\"" >/dev/null
done
mapfile -t files < <(find "$work/data" -name '*.tsv' | sort)
total=${#files[@]}
[ "$total" -ge 4 ] || fail "the sample tree has $total files"

step "powerviewd with --metrics-listen 127.0.0.1:0"
"$daemon" --data-root "$work/data" --state-dir "$work/state" \
  --listen "unix://$work/notify.sock" --admin-listen "" --metrics-listen 127.0.0.1:0 \
  --influxdb-url "$influx" --meta-bucket pm_meta --sweep-interval 0 \
  >"$work/powerviewd.log" 2>&1 &
daemon_pid=$!
mport=""
for _ in $(seq 1 200); do
  mport=$(grep -o 'metrics listening on 127.0.0.1:[0-9]*' "$work/powerviewd.log" 2>/dev/null |
    grep -o '[0-9]*$' || true)
  [ -n "$mport" ] && break
  sleep 0.05
done
[ -n "$mport" ] || fail "powerviewd did not report its metrics port"
metrics="http://127.0.0.1:$mport/metrics"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/nothing")
[ "$code" = 404 ] || fail "GET /nothing answered $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$metrics")
[ "$code" = 405 ] || fail "POST /metrics answered $code"

step "announce $total uploads through powerview-notify"
for f in "${files[@]}"; do
  SFTPGO_ACTION=upload SFTPGO_ACTION_PATH="$f" SFTPGO_ACTION_FILE_SIZE="$(stat -c %s "$f")" \
    SFTPGO_ACTION_STATUS=1 SFTPGO_ACTION_PROTOCOL=SFTP SFTPGO_ACTION_USERNAME=prom \
    SFTPGO_ACTION_TIMESTAMP="$(date +%s%N)" \
    "$notify" --address "unix://$work/notify.sock" --spool-dir "$work/spool" --timeout 5s \
    >/dev/null || fail "powerview-notify failed for $f"
done
files_sum() {
  curl -s "$metrics" | awk '/^powerview_files_total\{/ { s += $2 } END { print s + 0 }'
}
for _ in $(seq 1 600); do
  [ "$(files_sum)" = "$total" ] && break
  sleep 0.1
done
[ "$(files_sum)" = "$total" ] || fail "powerview_files_total sums to $(files_sum), want $total"
parsed=$(find "$work/data" -path '*/parsed/*.tsv' | wc -l)
rejected=$(find "$work/data" -path '*/error/*.tsv' | wc -l)

step "promtool check metrics"
curl -s "$metrics" >"$work/metrics.txt"
promtool check metrics <"$work/metrics.txt" >"$work/promtool.out" 2>&1 ||
  fail "promtool check metrics: $(cat "$work/promtool.out")"
for name in powerview_events_received_total powerview_jobs powerview_queue_depth \
  powerview_oldest_pending_job_age_seconds powerview_points_written_total \
  powerview_influxdb_write_duration_seconds_bucket powerview_dependency_up; do
  grep -q "^$name" "$work/metrics.txt" || fail "no $name sample in the page"
done
grep -q '^powerview_events_received_total{action="upload",outcome="queued"} '"$total"'$' \
  "$work/metrics.txt" || fail "events received: $(grep events_received "$work/metrics.txt")"

step "a real Prometheus scrapes it"
pport=$(free_port)
cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: powerview
    static_configs:
      - targets: ["127.0.0.1:$mport"]
YML
promtool check config "$work/prometheus.yml" >/dev/null || fail "the test's Prometheus config"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
query() {
  curl -s --get "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" |
    grep -o '"value":\[[^]]*\]' | grep -o '"[0-9.e+-]*"\]$' | tr -d '"]'
}
value=""
for _ in $(seq 1 300); do
  value=$(query 'sum(powerview_files_total{job="powerview"})' || true)
  [ "$value" = "$total" ] && break
  sleep 0.2
done
[ "$value" = "$total" ] || fail "Prometheus sees sum(powerview_files_total) = '$value', want $total"
got=$(query 'sum(powerview_files_total{outcome="ingested"})')
[ "$got" = "$parsed" ] || fail "Prometheus: ingested $got, files in parsed/ $parsed"
got=$(query 'sum(powerview_files_total{outcome="rejected"})')
[ "$got" = "$rejected" ] || fail "Prometheus: rejected $got, files in error/ $rejected"
got=$(query 'powerview_queue_depth')
[ "$got" = 0 ] || fail "Prometheus: queue depth $got after the ingest"
got=$(query 'powerview_dependency_up{service="influxdb"}')
[ "$got" = 1 ] || fail "Prometheus: InfluxDB up = $got"
got=$(query 'up{job="powerview"}')
[ "$got" = 1 ] || fail "Prometheus: target up = $got"

step "stop"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "powerviewd exit code $?"
daemon_pid=""
ok=1
echo "Prometheus scraped powerviewd: $total files ($parsed ingested, $rejected rejected)"
