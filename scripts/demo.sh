#!/usr/bin/env bash
# The main job on the embedded defaults, end to end on this machine: a private InfluxDB 1.x on a
# free loopback port, the SQLite journal, sample MV2 files made by powerview-gen, each upload
# announced through powerview-notify exactly as SFTPGo's action hook would; then the result.
# Installs only what it runs (scripts/setup.sh demo) and builds without the tests into
# build-demo/. Every run starts from a fresh database and leaves any other InfluxDB alone.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bash "$here/scripts/setup.sh" demo
build=${POWERVIEW_BUILD_DIR:-$here/build-demo}
POWERVIEW_BUILD_DIR=$build bash "$here/scripts/build.sh" -DPOWERVIEW_BUILD_TESTS=OFF
demo=${POWERVIEW_DEMO_DIR:-$here/demo}

# A port nobody listens on (and the next one, influxd's RPC port): never 8086, where Debian's
# influxdb service or anything else may run.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${POWERVIEW_DEMO_INFLUX_PORT:-}
if [ -z "$port" ]; then
  for _ in $(seq 1 100); do
    candidate=$((20000 + RANDOM % 20000))
    if port_free "$candidate" && port_free $((candidate + 1)); then port=$candidate; break; fi
  done
  [ -n "$port" ] || { echo "demo: no free port found" >&2; exit 1; }
fi
influx="http://127.0.0.1:$port"

bash "$here/scripts/influxd.sh" stop "$demo/influxd"  # the previous run's server, if any
rm -rf "$demo/data" "$demo/state" "$demo/influxd" "$demo/powerviewd.log"; mkdir -p "$demo"
bash "$here/scripts/influxd.sh" start "$demo/influxd" "$port" >/dev/null
echo "== Programs in $build: server/daemon/powerviewd, client/notify/powerview-notify,"
echo "   client/powerviewctl/powerviewctl, client/gen/powerview-gen"
echo "== Demo state in $demo: data/ (the SFTPGo data root), state/ (journal and catalog),"
echo "   influxd/ (InfluxDB's files), powerviewd.log"
echo "== InfluxDB 1.x (Debian's influxd) started for this demo at $influx"
"$build/client/gen/powerview-gen" tree "$demo/data"

"$build/server/daemon/powerviewd" --data-root "$demo/data" --state-dir "$demo/state" \
  --listen "unix://$demo/notify.sock" --admin-listen "unix://$demo/admin.sock" \
  --influxdb-url "$influx" --sweep-interval 0 >"$demo/powerviewd.log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -S "$demo/notify.sock" ] && break; sleep 0.1; done

echo "== Announcing each upload through powerview-notify (as SFTPGo's action hook does)"
find "$demo/data" -name '*.tsv' -not -path '*/parsed/*' -not -path '*/error/*' | sort |
while read -r f; do
  env -i SFTPGO_ACTION=upload SFTPGO_ACTION_PATH="$f" SFTPGO_ACTION_STATUS=1 \
    SFTPGO_ACTION_FILE_SIZE="$(stat -c %s "$f")" SFTPGO_ACTION_PROTOCOL=SFTP \
    SFTPGO_ACTION_TIMESTAMP="$(date +%s%N)" SFTPGO_ACTION_USERNAME=demo \
    "$build/client/notify/powerview-notify" --address "unix://$demo/notify.sock" \
    --spool-dir "$demo/state/spool"
done

echo "== Waiting for the pipeline"
for _ in $(seq 1 300); do
  left=$(find "$demo/data" -name '*.tsv' -not -path '*/parsed/*' -not -path '*/error/*' | wc -l)
  [ "$left" -eq 0 ] && break
  sleep 0.1
done
sleep 0.3
ctl() { "$build/client/powerviewctl/powerviewctl" "$@" --address "unix://$demo/admin.sock"; }
echo; echo "== powerviewctl status"; ctl status
echo; echo "== powerviewctl reports (every file, newest first)"; ctl reports
echo; echo "== powerviewctl campaigns (devices and channels the catalog learnt)"; ctl campaigns
kill -TERM $daemon; wait $daemon 2>/dev/null || true; trap - EXIT

echo; echo "== What powerviewd logged"; cat "$demo/powerviewd.log"
echo; echo "== Files after ingest (parsed/ = ingested, error/ = rejected, each with its report)"
(cd "$demo/data" && find . -type f | sort)
echo; echo "== A rejected file's report"
r=$(find "$demo/data" -path '*/error/*.report.json' | head -1)
[ -n "$r" ] && grep -E '"(path|status|error)"' "$r"
echo; echo "== Points stored in InfluxDB (InfluxQL), per company database and campaign"
q() { curl -sG "$influx/query" --data-urlencode "db=$1" --data-urlencode "q=$2"; }
# Sum of the per-field counts of one answer: every electrical point holds exactly one field.
total() { grep -o '\["1970-01-01T00:00:00Z"[^]]*\]' | sed 's/^\["1970-01-01T00:00:00Z"//; s/\]$//' |
  tr ',' '\n' | awk '/^[0-9]+$/ {s += $1} END {print s + 0}' || true; }
for db in $(ls "$demo/data"); do
  for campaign in $(ls "$demo/data/$db"); do
    points=$(q "$db" "SELECT count(*) FROM electrical WHERE campaign = '$campaign'" | total)
    events=$(q "$db" "SELECT count(\"count\") FROM device_event WHERE campaign = '$campaign'" | total)
    printf '  %-8s %-12s %6s points, %s power-off events\n' "$db" "$campaign" "$points" "$events"
  done
done
echo "  powerview_meta: $(q powerview_meta 'SELECT count("nb_rows") FROM tsv_parser_file' | total) file summaries"
echo
echo "Demo state: $demo; programs: $build"
echo "InfluxDB keeps running at $influx for you to query; stop it with:"
echo "  bash scripts/influxd.sh stop $demo/influxd"
