#!/usr/bin/env bash
# Baseline for the InfluxDB sink: how fast the curl command-line tool alone can load a
# line-protocol file into InfluxDB 1.x, in 5000-line batches over one kept-alive connection,
# once with plain bodies and once with bodies gzipped beforehand (compression not timed).
#
#   curl_baseline.sh FILE URL DB
#     FILE  line protocol, one point per line, timestamps in seconds (see PRECISION)
#     URL   InfluxDB base URL, e.g. http://127.0.0.1:8086
#     DB    database; created if missing
#   Environment: BATCH_LINES (5000), PRECISION (s), GZIP_LEVEL (1), MODES ("plain gzip").
#
# Prints one line per mode, also meant for other scripts (key=value, space separated):
#   mode=plain points=100000 batches=20 bytes=5432100 seconds=1.234 points_per_second=81037
# Exits non-zero if any batch is not answered 204. Every mode writes the same points into DB:
# the first mode run against a new database also pays for creating the series, so run the
# script twice (or against a database that already holds them) to compare modes fairly.
set -euo pipefail

file=${1:?usage: curl_baseline.sh FILE URL DB}
url=${2:?usage: curl_baseline.sh FILE URL DB}
db=${3:?usage: curl_baseline.sh FILE URL DB}
batch_lines=${BATCH_LINES:-5000}
precision=${PRECISION:-s}
gzip_level=${GZIP_LEVEL:-1}
modes=${MODES:-plain gzip}
url=${url%/}

[ -r "$file" ] || { echo "curl_baseline: cannot read $file" >&2; exit 2; }
command -v curl >/dev/null || { echo "curl_baseline: curl not found" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Database names are InfluxQL identifiers: escape \ and ".
quoted=${db//\\/\\\\}
quoted=${quoted//\"/\\\"}
answer=$(curl -sS -XPOST "$url/query" --data-urlencode "q=CREATE DATABASE \"$quoted\"")
case "$answer" in
  *'"error"'*) echo "curl_baseline: CREATE DATABASE failed: $answer" >&2; exit 1 ;;
esac

split -l "$batch_lines" -a 6 -d "$file" "$work/batch_"
mapfile -t batches < <(ls "$work"/batch_* | sort)
points=$(wc -l < "$file")
urlencode() {
  local LC_ALL=C text=$1 out="" c i
  for ((i = 0; i < ${#text}; i++)); do
    c=${text:i:1}
    case "$c" in
      [a-zA-Z0-9.~_-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}
write_url="$url/write?db=$(urlencode "$db")&precision=$precision"

now() { date +%s.%N; }

# One curl process, one connection: a config file with a section per batch.
run() {
  local mode=$1 suffix="" header=""
  if [ "$mode" = gzip ]; then
    suffix=.gz
    header='header = "Content-Encoding: gzip"'
    for b in "${batches[@]}"; do gzip -"$gzip_level" -c "$b" > "$b.gz"; done
  fi
  local config="$work/$mode.curl" bytes=0 first=1
  : > "$config"
  for b in "${batches[@]}"; do
    [ $first = 1 ] || echo "next" >> "$config"
    first=0
    bytes=$((bytes + $(stat -c %s "$b$suffix")))
    {
      echo "url = \"$write_url\""
      echo "data-binary = \"@$b$suffix\""
      echo 'header = "Content-Type: text/plain; charset=utf-8"'
      [ -z "$header" ] || echo "$header"
      echo 'output = "/dev/null"'
      echo 'write-out = "%{http_code}\n"'
      echo 'silent'
      echo 'show-error'
    } >> "$config"
  done
  local start end codes
  start=$(now)
  codes=$(curl -K "$config")
  end=$(now)
  local bad
  bad=$(printf '%s\n' "$codes" | grep -cv '^204$' || true)
  if [ "$bad" != 0 ]; then
    echo "curl_baseline: $bad of ${#batches[@]} $mode batches were not answered 204" >&2
    return 1
  fi
  awk -v mode="$mode" -v points="$points" -v batches="${#batches[@]}" -v bytes="$bytes" \
      -v start="$start" -v end="$end" 'BEGIN {
    s = end - start
    printf "mode=%s points=%d batches=%d bytes=%d seconds=%.3f points_per_second=%.0f\n",
           mode, points, batches, bytes, s, (s > 0 ? points / s : 0)
  }'
}

for mode in $modes; do
  case "$mode" in
    plain|gzip) run "$mode" ;;
    *) echo "curl_baseline: unknown mode $mode (plain, gzip)" >&2; exit 2 ;;
  esac
done
