#!/usr/bin/env bash
# `buf lint` (STANDARD rules, buf.yaml at the repository root) over PowerView's contracts.
# Usage: buf_lint.sh BUF REPO
set -euo pipefail
buf=$1
repo=$2
if [ ! -x "$buf" ]; then
  echo "buf is not installed at $buf: run scripts/setup.sh (npm ci in tools/node)" >&2
  exit 1
fi
cd "$repo"
"$buf" lint
echo "buf lint: clean"
