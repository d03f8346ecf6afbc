#!/usr/bin/env bash
# Parse benchmark (not a timed test): one year of a V003 logger at 10 min, tri master and
# 8 slaves (54 channels, 52,560 rows, ~2.8 million points, ~18 MB), parsed and encoded by
# `powerviewctl parse FILE --campaign bench > /dev/null`. Reports wall time and peak RSS of the
# best of several runs. Target on a 2-core machine: under 0.4 s and 64 MB.
#
# Usage: tests/bench/parse_bench.sh [BUILD_DIR] [RUNS]
#   BUILD_DIR  a Release/RelWithDebInfo build holding powerviewctl and powerview-gen
#              (default: build); they are built there if missing.
#   RUNS       timed runs (default 5).
# Set PARSE_BENCH_CHECK=1 to exit 3 when the target is missed.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$repo/build}"
runs="${2:-5}"
ctl="$build/client/powerviewctl/powerviewctl"
gen="$build/client/gen/powerview-gen"
if [[ ! -x "$ctl" || ! -x "$gen" ]]; then
  ninja -C "$build" powerviewctl powerview-gen
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
file="$work/T302_bench_UTC.tsv"
"$gen" file "$file" --format v003 --master tri --slaves 8 --start 2025-01-01T00:00:00 \
  --days 365 --interval 10m --serial 02000800 --seed 42

# Wall time, CPU time (user + system) and peak RSS of one run, from the kernel's rusage of the
# child. On a busy machine the CPU time shows what the wall time would be on an idle one.
measure() {
  python3 - "$ctl" "$file" <<'PY'
import os, resource, subprocess, sys, time
ctl, path = sys.argv[1], sys.argv[2]
with open(os.devnull, "wb") as null:
    start = time.monotonic()
    rc = subprocess.call([ctl, "parse", path, "--campaign", "bench"], stdout=null)
    wall = time.monotonic() - start
if rc != 0:
    sys.exit("powerviewctl parse failed with %d" % rc)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.3f %d" % (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss))
PY
}

lines=$("$ctl" parse "$file" --campaign bench | wc -l)
echo "lines written: $lines"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
best_wall=""
best_cpu=""
max_rss=0
for i in $(seq 1 "$runs"); do
  read -r wall cpu rss < <(measure)
  echo "run $i: wall ${wall} s, cpu ${cpu} s, peak RSS $((rss / 1024)) MiB"
  if [[ -z "$best_wall" ]] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; fi
  if [[ -z "$best_cpu" ]] || awk "BEGIN{exit !($cpu < $best_cpu)}"; then best_cpu=$cpu; fi
  if (( rss > max_rss )); then max_rss=$rss; fi
done
echo "best wall time: ${best_wall} s (target < 0.4 s); best cpu time: ${best_cpu} s; peak RSS: $((max_rss / 1024)) MiB (target < 64 MiB)"
if awk "BEGIN{exit !($best_wall < 0.4)}" && (( max_rss < 64 * 1024 )); then
  echo "target met"
else
  echo "target missed"
  if [[ "${PARSE_BENCH_CHECK:-0}" == 1 ]]; then exit 3; fi
fi
