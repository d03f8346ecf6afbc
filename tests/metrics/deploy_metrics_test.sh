#!/usr/bin/env bash
# deploy/ stays in step with the metrics powerviewd exports: Debian's promtool accepts the scrape
# configuration, and every powerview_* series the Grafana dashboard queries is declared in the
# registry (server/common/metrics.cc).
# Usage: deploy_metrics_test.sh SOURCE_DIR
set -euo pipefail
src=$1
command -v promtool >/dev/null || { echo "promtool is not installed: run scripts/setup.sh" >&2; exit 1; }
promtool check config "$src/deploy/prometheus/prometheus.yml"
dashboard="$src/deploy/grafana/powerview-metrics-dashboard.json"
declared=$(grep -o '{"powerview_[a-z_]*"' "$src/server/common/metrics.cc" | tr -d '{"' | sort -u)
used=$(grep -o 'powerview_[a-z_]*' "$dashboard" | sed -E 's/_(bucket|sum|count)$//' | sort -u)
[ -n "$used" ] || { echo "FAIL: the dashboard queries no powerview_ series" >&2; exit 1; }
for name in $used; do
  grep -qx "$name" <<<"$declared" || { echo "FAIL: dashboard uses $name, not exported" >&2; exit 1; }
done
echo "deploy metrics: scrape config valid, $(wc -w <<<"$used") series all exported"
