#!/usr/bin/env bash
# Starts or stops a private InfluxDB 1.x (Debian's influxd) on loopback, with all its state in
# one folder. Used by the tests (ctest fixture `influxd`) and by the demo.
#   influxd.sh start DIR PORT [auth] -> waits until this server (not another one on PORT)
#                                       answers; prints the URL. PORT+1 is its RPC port. With
#                                       `auth`, authentication is on (auth-enabled = true).
#   influxd.sh stop DIR
set -euo pipefail
cmd=${1:?usage: influxd.sh start DIR PORT [auth] | stop DIR}
dir=${2:?state folder}
case "$cmd" in
  start)
    port=${3:?port}
    auth=false
    case "${4:-}" in
      "") ;;
      auth) auth=true ;;
      *) echo "unknown option '$4' (expected: auth)" >&2; exit 2 ;;
    esac
    command -v influxd >/dev/null || { echo "influxd not found: apt-get install influxdb" >&2; exit 1; }
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      echo "http://127.0.0.1:$port"; exit 0
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    cat > "$dir/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$((port + 1))"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$port"
  log-enabled = false
  auth-enabled = $auth
[logging]
  level = "warn"
CONF
    nohup influxd -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 &
    echo $! > "$dir/pid"
    # Ours, not whatever else answers on that port: /debug/vars names the config file it runs.
    for _ in $(seq 1 200); do
      kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
      if curl -fsS "http://127.0.0.1:$port/debug/vars" 2>/dev/null |
          grep -qF "\"$dir/influxdb.conf\""; then
        echo "http://127.0.0.1:$port"; exit 0
      fi
      sleep 0.1
    done
    echo "influxd did not start; its log:" >&2; cat "$dir/influxd.log" >&2; exit 1
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      pid=$(cat "$dir/pid"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/pid"
    fi
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
