#!/usr/bin/env bash
# `buf breaking`: PowerView's contracts (proto/powerview) must not break what clients of the
# previous main rely on (field numbers, names and JSON names, types, services and methods; buf's
# FILE rules). The previous main is read from the repository's own git history (.git), so this
# works in a clean clone with no network: by default the commit before HEAD (what CI checks after
# each landing), or BUF_BREAKING_AGAINST (any git ref, e.g. `main` before landing a branch).
# Usage: buf_breaking.sh BUF REPO
set -euo pipefail
buf=$1
repo=$2
against=${BUF_BREAKING_AGAINST:-HEAD~1}
if [ ! -x "$buf" ]; then
  echo "buf is not installed at $buf: run scripts/setup.sh (npm ci in tools/node)" >&2
  exit 1
fi
cd "$repo"
if [ ! -e .git ]; then
  echo "no .git in $repo: buf breaking needs the repository's history" >&2
  exit 1
fi
if ! git rev-parse --verify -q "$against^{commit}" >/dev/null; then
  if [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    echo "$against is not in this shallow clone: fetch more history (git fetch --unshallow)" >&2
  else
    echo "$against is not a commit of this repository" >&2
  fi
  exit 1
fi
commit=$(git rev-parse "$against^{commit}")
# A commit from before the contracts existed has nothing to break.
if ! git cat-file -e "$commit:proto/powerview" 2>/dev/null; then
  echo "buf breaking: $against has no proto/powerview; nothing to compare"
  exit 0
fi
"$buf" breaking --against ".git#ref=$commit"
echo "buf breaking: proto/powerview is compatible with $against ($commit)"
