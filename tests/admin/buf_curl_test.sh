#!/usr/bin/env bash
# The admin API as a stranger sees it: `buf curl` through server reflection against a running
# powerviewd that listens on TCP with a bearer token, with the real InfluxDB of the ctest
# fixture behind it. Lists services and methods, calls health, status, list and get, streams
# Watch events while a file is ingested, and gets UNAUTHENTICATED without the token.
# Usage: buf_curl_test.sh BUF POWERVIEWD POWERVIEWCTL POWERVIEW-GEN POWERVIEW-NOTIFY
set -euo pipefail
buf=$1
daemon=$2
ctl=$3
gen=$4
notify=$5
influx=${POWERVIEW_TEST_INFLUX_URL:-http://127.0.0.1:18086}
if [ ! -x "$buf" ]; then
  echo "buf is not installed at $buf: run scripts/setup.sh (npm ci in tools/node)" >&2
  exit 1
fi

work=$(mktemp -d /tmp/pv-bufcurl.XXXXXX)
token="bufcurl-$$-$RANDOM"
daemon_pid=""
watch_pid=""
ok=0
cleanup() {
  [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && kill -KILL "$daemon_pid" 2>/dev/null || true
  if [ "$ok" = 1 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- powerviewd log ($work/powerviewd.log)" >&2
  cat "$work/powerviewd.log" >&2 || true
  exit 1
}
step() { echo "== $*"; }

# Sample files under company names of this test's own.
"$gen" tree "$work/gen" >/dev/null
mkdir -p "$work/data"
for c in "$work"/gen/*; do
  name="bc_$(basename "$c")"
  mv "$c" "$work/data/$name"
  curl -s -XPOST "$influx/query" --data-urlencode "q=DROP DATABASE \"$name\"" >/dev/null
done

# No sweeper: files are ingested only when this script announces them.
"$daemon" --data-root "$work/data" --state-dir "$work/state" \
  --listen "unix://$work/notify.sock" --admin-listen 127.0.0.1:0 --admin-token "$token" \
  --influxdb-url "$influx" --meta-bucket bc_meta --sweep-interval 0 \
  >"$work/powerviewd.log" 2>&1 &
daemon_pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(grep -o 'admin API listening on 127.0.0.1:[0-9]*' "$work/powerviewd.log" 2>/dev/null |
    grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || fail "powerviewd did not report its admin port"
url="http://127.0.0.1:$port"
b() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }
auth=(-H "authorization: Bearer $token")
admin="$url/powerview.v1.AdminService"

step "services and methods through reflection"
services=$(b --list-services "$url")
for s in powerview.v1.AdminService grpc.health.v1.Health; do
  grep -qx "$s" <<<"$services" || fail "service $s not listed: $services"
done
grep -q Notifier <<<"$services" && fail "the notifier must never be on the admin listener"
methods=$(b --list-methods "$url")
for m in ListCompanies ListCampaigns ListIngestReports GetIngestReport Reprocess \
  GetReprocessProgress WatchReprocessProgress PlanProvisioning ApplyProvisioning Watch GetStatus; do
  grep -qx "powerview.v1.AdminService/$m" <<<"$methods" || fail "method $m not listed"
done

step "health through reflection"
b "$url/grpc.health.v1.Health/Check" | grep -q '"SERVING"' || fail "health of the server"
b -d '{"service":"powerview.v1.AdminService"}' "$url/grpc.health.v1.Health/Check" |
  grep -q '"SERVING"' || fail "health of powerview.v1.AdminService"

step "UNAUTHENTICATED without the token"
set +e
out=$(b "$admin/GetStatus" 2>&1)
rc=$?
wrong=$(b -H "authorization: Bearer not-$token" "$admin/ListCompanies" 2>&1)
wrong_rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q '"unauthenticated"' <<<"$out" || fail "no token: rc $rc: $out"
[ "$wrong_rc" -ne 0 ] && grep -q '"unauthenticated"' <<<"$wrong" || fail "wrong token: $wrong"

step "status"
status=$(b "${auth[@]}" "$admin/GetStatus")
grep -q '"reachable": true' <<<"$status" || fail "InfluxDB not reachable in status: $status"
grep -q '"grpcVersion"' <<<"$status" || fail "no versions in status: $status"

step "watch while a file is ingested"
b "${auth[@]}" -d '{"types":["PIPELINE_EVENT_TYPE_FILE_INGESTED"]}' "$admin/Watch" \
  >"$work/watch.out" 2>&1 &
watch_pid=$!
seen=0
# The stream may not be subscribed yet when the first file lands: announce files one by one
# until an ingest shows up on the stream.
for f in $(find "$work/data/bc_acme" -name '*.tsv' | sort); do
  SFTPGO_ACTION=upload SFTPGO_ACTION_PATH="$f" SFTPGO_ACTION_FILE_SIZE="$(stat -c %s "$f")" \
    SFTPGO_ACTION_STATUS=1 SFTPGO_ACTION_PROTOCOL=SFTP SFTPGO_ACTION_USERNAME=bufcurl \
    SFTPGO_ACTION_TIMESTAMP="$(date +%s%N)" \
    "$notify" --address "unix://$work/notify.sock" --spool-dir "$work/spool" --timeout 5s \
    >/dev/null || fail "powerview-notify failed for $f"
  for _ in $(seq 1 100); do
    if grep -q PIPELINE_EVENT_TYPE_FILE_INGESTED "$work/watch.out"; then
      seen=1
      break
    fi
    sleep 0.05
  done
  [ "$seen" = 1 ] && break
done
[ "$seen" = 1 ] || fail "no FILE_INGESTED event on the Watch stream: $(cat "$work/watch.out")"
grep -q '"company": "bc_acme"' "$work/watch.out" || fail "event without its company"
grep -q '"points"' "$work/watch.out" || fail "event without its point count"
grep -q '"eventTime"' "$work/watch.out" || fail "event without its eventTime"
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
watch_pid=""

step "list and get"
companies=$(b "${auth[@]}" "$admin/ListCompanies")
grep -q '"name": "bc_acme"' <<<"$companies" || fail "ListCompanies: $companies"
campaigns=$(b "${auth[@]}" -d '{"company":"bc_acme"}' "$admin/ListCampaigns")
grep -q '"fieldKey"' <<<"$campaigns" || fail "ListCampaigns without channels: $campaigns"
reports=$(b "${auth[@]}" -d '{"company":"bc_acme","pageSize":10}' "$admin/ListIngestReports")
id=$(grep -o '"reportId": "[0-9]*"' <<<"$reports" | head -1 | grep -o '[0-9]*')
[ -n "$id" ] || fail "ListIngestReports: $reports"
report=$(b "${auth[@]}" -d "{\"reportId\":$id}" "$admin/GetIngestReport")
grep -q '"status": "INGEST_STATUS_INGESTED"' <<<"$report" || fail "GetIngestReport: $report"
set +e
missing=$(b "${auth[@]}" -d '{"reportId":999999}' "$admin/GetIngestReport" 2>&1)
bad=$(b "${auth[@]}" -d '{"pageSize":-1}' "$admin/ListIngestReports" 2>&1)
set -e
grep -q '"not_found"' <<<"$missing" || fail "unknown report: $missing"
grep -q '"invalid_argument"' <<<"$bad" || fail "bad filter: $bad"

step "pages of companies and campaigns, opaque tokens, *_time fields"
# Every company and campaign folder announced (mkdir), so that the lists have several pages.
for dir in $(find "$work/data" -mindepth 1 -maxdepth 2 -type d | sort); do
  SFTPGO_ACTION=mkdir SFTPGO_ACTION_PATH="$dir" SFTPGO_ACTION_STATUS=1 \
    SFTPGO_ACTION_PROTOCOL=SFTP SFTPGO_ACTION_USERNAME=bufcurl \
    SFTPGO_ACTION_TIMESTAMP="$(date +%s%N)" \
    "$notify" --address "unix://$work/notify.sock" --spool-dir "$work/spool" --timeout 5s \
    >/dev/null || fail "powerview-notify mkdir $dir"
done
first=$(b "${auth[@]}" -d '{"pageSize":1}' "$admin/ListCompanies")
token1=$(grep -o '"nextPageToken": "[^"]*"' <<<"$first" | cut -d'"' -f4 || true)
[ -n "$token1" ] || fail "ListCompanies pageSize 1 has no nextPageToken: $first"
name1=$(grep -o '"name": "bc_[a-z0-9_]*"' <<<"$first" | head -1 || true)
second=$(b "${auth[@]}" -d "{\"pageSize\":1,\"pageToken\":\"$token1\"}" "$admin/ListCompanies")
name2=$(grep -o '"name": "bc_[a-z0-9_]*"' <<<"$second" | head -1 || true)
[ -n "$name2" ] && [ "$name1" != "$name2" ] || fail "second page: $second"
campaigns=$(b "${auth[@]}" -d '{"pageSize":1}' "$admin/ListCampaigns")
grep -q '"nextPageToken"' <<<"$campaigns" || fail "ListCampaigns pageSize 1: $campaigns"
set +e
bad=$(b "${auth[@]}" -d '{"pageToken":"2"}' "$admin/ListIngestReports" 2>&1)
bad_company=$(b "${auth[@]}" -d '{"company":"../x"}' "$admin/ListIngestReports" 2>&1)
unknown_device=$(b "${auth[@]}" -d '{"device":"nope"}' "$admin/ListIngestReports" 2>&1)
set -e
grep -q '"invalid_argument"' <<<"$bad" || fail "a made-up page token: $bad"
grep -q '"invalid_argument"' <<<"$bad_company" || fail "company ../x: $bad_company"
grep -q '"not_found"' <<<"$unknown_device" || fail "unknown device: $unknown_device"
recent=$(b "${auth[@]}" -d '{"sinceTime":"2000-01-01T00:00:00Z","pageSize":1}' \
  "$admin/ListIngestReports")
grep -q '"reportId"' <<<"$recent" || fail "sinceTime filter: $recent"

step "powerviewctl over TCP with the token"
"$ctl" companies --address "127.0.0.1:$port" --token "$token" | grep -q bc_acme ||
  fail "powerviewctl companies"
set +e
"$ctl" status --address "127.0.0.1:$port" >"$work/ctl.out" 2>&1
rc=$?
set -e
[ "$rc" = 1 ] && grep -q -- "--token" "$work/ctl.out" || fail "powerviewctl without token: $rc"

step "stop"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "powerviewd exit code $?"
daemon_pid=""
ok=1
echo "buf curl against powerviewd: all checks passed"
