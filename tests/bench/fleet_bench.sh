#!/usr/bin/env bash
# Fleet burst: thousands of loggers upload their daily file within the same minutes.
#
#   fleet_bench.sh [BUILD_DIR]
#
# Environment (defaults in brackets): LOGGERS [2000] loggers, one daily file each (tri master +
# 1 slave = 12 channels, 144 rows = 1,728 points); COMPANIES [20] companies they belong to;
# CONCURRENCY [16] hook calls at once; PLUGIN [1] also measure the notifier RPC in plugin mode;
# BENCH_DAEMON_FLAGS extra powerviewd flags; BENCH_INFLUX_PORT [random] port of the private
# influxd (Debian's InfluxDB 1.x); KEEP=1 keeps the work folder (logs, state) for a look.
#
# In one run, against one private influxd and one powerviewd:
#   1. one large file holding as many points as the whole fleet (same channels, LOGGERS x 144
#      rows, one a minute from 2025): its points/s is the reference;
#   2. the fleet: every upload announced through powerview-notify, CONCURRENCY at a time, as
#      SFTPGo's action hook does; files/s and points/s from the first announcement until the
#      last file is in parsed/, and the hook latency percentiles (what SFTPGo waits for);
#   3. (PLUGIN=1) a second fleet announced over the notifier RPC, powerviewd started as a
#      plugin by a real go-plugin host (tests/plugin/host, auto mTLS as SFTPGo), CONCURRENCY
#      calls in flight: the RPC latency percentiles while the pipeline is busy.
# Every point of phases 1 and 2 is then counted in InfluxDB. The load average is printed beside
# each figure: other work on the machine skews them.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
loggers=${LOGGERS:-2000}
companies=${COMPANIES:-20}
concurrency=${CONCURRENCY:-16}
plugin=${PLUGIN:-1}
port=${BENCH_INFLUX_PORT:-$((20000 + RANDOM % 9000))}
rows=144
work=$(mktemp -d /tmp/pv-fleet-bench-XXXXXX)
influx="http://127.0.0.1:$port"
gen="$build/client/gen/powerview-gen"
driver="$build/tests/bench/fleet-driver"
notify="$build/client/notify/powerview-notify"
powerviewd="$build/server/daemon/powerviewd"
for b in "$gen" "$driver" "$notify" "$powerviewd"; do
  [ -x "$b" ] || { echo "fleet_bench: $b is missing: build first (ninja -C $build)" >&2; exit 2; }
done
daemon=
cleanup() {
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  bash "$here/scripts/influxd.sh" stop "$work/influxd" >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
load() { cut -d' ' -f1 /proc/loadavg; }
value() { sed -n "s/^$1=//p" "$2"; }

bash "$here/scripts/influxd.sh" start "$work/influxd" "$port" >/dev/null
data="$work/data"

echo "generating: $loggers loggers over $companies companies, one daily file each; one large file"
"$gen" fleet "$data" --loggers "$loggers" --companies "$companies" --campaign daily \
  --rows "$rows" --slaves 1 >"$work/fleet.list"
big_dir="$data/bigco/year/02000800"
mkdir -p "$big_dir"
big="$big_dir/T302_250101_000000_UTC.tsv"
"$gen" file "$big" --format v003 --master tri --slaves 1 --start 2025-01-01T00:00:00 \
  --rows $((loggers * rows)) --interval 1m --serial 02000800 --seed 7 >/dev/null
fleet_points=$(awk -F'\t' '{s += $3} END {print s}' "$work/fleet.list")
printf '%s\t%s\t%s\n' "$big" "$(stat -c %s "$big")" "$fleet_points" >"$work/big.list"
if [ "$plugin" = 1 ]; then
  "$gen" fleet "$data" --loggers "$loggers" --companies "$companies" --campaign plugin \
    --rows "$rows" --slaves 1 --first-serial 40000000 --start 2026-01-22T00:00:00 \
    >"$work/plugin.list"
fi

"$powerviewd" --data-root "$data" --state-dir "$work/state" --listen "unix://$work/n.sock" \
  --admin-listen "" --influxdb-url "$influx" --sweep-interval 0 --log-level warn \
  ${BENCH_DAEMON_FLAGS:-} 2>"$work/powerviewd.log" &
daemon=$!
for _ in $(seq 1 100); do [ -S "$work/n.sock" ] && break; sleep 0.05; done

run_phase() {  # name list concurrency
  local before after
  before=$(load)
  "$driver" --notify "$notify" --address "unix://$work/n.sock" --list "$2" \
    --spool-dir "$work/spool" --concurrency "$3" >"$work/$1.out" || {
    echo "fleet_bench: phase $1 failed:" >&2; cat "$work/$1.out" >&2; tail -20 "$work/powerviewd.log" >&2
    exit 1
  }
  after=$(load)
  echo "load_before=$before" >>"$work/$1.out"
  echo "load_after=$after" >>"$work/$1.out"
}

echo "phase 1: one file of $fleet_points points"
run_phase big "$work/big.list" 1
echo "phase 2: $loggers files announced through powerview-notify, $concurrency at a time"
run_phase burst "$work/fleet.list" "$concurrency"
kill -TERM "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=
if grep -q '\[ERROR\]' "$work/powerviewd.log"; then
  echo "fleet_bench: powerviewd logged errors:" >&2; grep '\[ERROR\]' "$work/powerviewd.log" | head >&2
fi

# Every point in InfluxDB: the sum of the per-field counts of every company database.
count_points() {  # database...
  local total=0 db n
  for db in "$@"; do
    n=$(curl -sG "$influx/query" --data-urlencode "db=$db" \
      --data-urlencode 'q=SELECT count(*) FROM /.*/' |
      python3 -c 'import json,sys
r=json.load(sys.stdin)["results"][0]
print(sum(v for s in r.get("series",[]) for row in s["values"] for v in row[1:] if v))')
    total=$((total + n))
  done
  echo "$total"
}
big_stored=$(count_points bigco)
burst_stored=$(count_points $(seq -f 'fleet%04g' 1 "$companies"))

rpc_p50=- rpc_p99=- rpc_max=- rpc_note="not measured (PLUGIN=0)" rpc_load=-
if [ "$plugin" = 1 ]; then
  host="$build/tests/plugin/go-plugin-host"
  if [ ! -x "$host" ] && command -v go >/dev/null; then
    echo "building the go-plugin host (tests/plugin/host)"
    mkdir -p "$build/tests/plugin/go"
    (cd "$here/tests/plugin/host" && env -i PATH="$PATH" HOME="$build/tests/plugin/go" GOENV=off \
      GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="/usr/share/gocode:$build/tests/plugin/go/gopath" \
      GOCACHE="$build/tests/plugin/go/gocache" GOTMPDIR="$build/tests/plugin/go" \
      go build -o "$host" .) >&2 || true
  fi
  if [ -x "$host" ]; then
    echo "phase 3: $loggers more files announced over the notifier RPC (plugin mode), $concurrency in flight"
    args=()
    while IFS=$'\t' read -r path _ _; do args+=(--upload "$path"); done <"$work/plugin.list"
    rpc_load=$(load)
    env -i "$host" --data-root "$data" --auto-mtls --concurrency "$concurrency" --hold 2s \
      --plugin-stderr "$work/plugin.log" "${args[@]}" -- "$powerviewd" --data-root "$data" \
      --state-dir "$work/state" --influxdb-url "$influx" --admin-listen "" --sweep-interval 0 \
      --log-level warn ${BENCH_DAEMON_FLAGS:-} >"$work/rpc.out" 2>"$work/host.log" || true
    rpc_load="$rpc_load -> $(load)"
    if [ "$(value events_acked "$work/rpc.out")" = "$loggers" ]; then
      rpc_p50=$(value latency_p50_ms "$work/rpc.out")
      rpc_p99=$(value latency_p99_ms "$work/rpc.out")
      rpc_max=$(value latency_max_ms "$work/rpc.out")
      rpc_note="$(value acks_per_second "$work/rpc.out") events/s acknowledged"
    else
      rpc_note="failed: $(tr '\n' ' ' <"$work/rpc.out" | head -c 400)"
    fi
  else
    rpc_note="not measured: no go toolchain to build tests/plugin/host (scripts/setup.sh installs it)"
  fi
fi

big_rate=$(value points_per_s "$work/big.out")
burst_rate=$(value points_per_s "$work/burst.out")
ratio=$(awk -v a="$burst_rate" -v b="$big_rate" 'BEGIN{printf "%.0f", 100 * a / b}')
cat <<EOF

== fleet burst: $loggers loggers, $companies companies, $((rows * 12)) points per file, $(nproc) cores ==
one file        $fleet_points points in $(value drain_s "$work/big.out") s: $big_rate points/s   (stored: $big_stored; load $(value load_before "$work/big.out") -> $(value load_after "$work/big.out"))
burst           $loggers files in $(value drain_s "$work/burst.out") s: $(value files_per_s "$work/burst.out") files/s, $burst_rate points/s   (stored: $burst_stored; rejected $(value rejected "$work/burst.out"); load $(value load_before "$work/burst.out") -> $(value load_after "$work/burst.out"))
burst / one     ${ratio}% of the one-file points rate   (target >= 60%)
hook            powerview-notify x$concurrency: p50 $(value hook_p50_ms "$work/burst.out") ms, p90 $(value hook_p90_ms "$work/burst.out") ms, p99 $(value hook_p99_ms "$work/burst.out") ms, max $(value hook_max_ms "$work/burst.out") ms; all $loggers announced in $(value announce_s "$work/burst.out") s   (target p99 <= 50 ms)
notifier RPC    plugin mode x$concurrency: p50 $rpc_p50 ms, p99 $rpc_p99 ms, max $rpc_max ms; $rpc_note   (load $rpc_load; target p99 <= 20 ms)
EOF
status=0
[ "$big_stored" = "$fleet_points" ] || { echo "MISMATCH: one file stored $big_stored of $fleet_points points"; status=1; }
[ "$burst_stored" = "$fleet_points" ] || { echo "MISMATCH: burst stored $burst_stored of $fleet_points points"; status=1; }
exit $status
