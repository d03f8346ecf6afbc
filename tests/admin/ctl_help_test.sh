#!/usr/bin/env bash
# Every admin subcommand of powerviewctl has --help with its exit codes, and the documented
# exit codes hold for usage mistakes and an unreachable daemon.
# Usage: ctl_help_test.sh POWERVIEWCTL
set -euo pipefail
ctl=$1
for cmd in companies campaigns reports report reprocess plan apply watch status; do
  help=$("$ctl" "$cmd" --help) || { echo "FAIL: $cmd --help exits $?" >&2; exit 1; }
  grep -q "Exit codes (the same for every command)" \
    <<<"$help" || { echo "FAIL: $cmd --help has no exit codes" >&2; exit 1; }
  grep -q -- "--address" <<<"$help" || { echo "FAIL: $cmd --help has no --address" >&2; exit 1; }
  "$ctl" help | grep -q "^  $cmd " || { echo "FAIL: $cmd missing from powerviewctl help" >&2; exit 1; }
done
expect() {
  local want=$1
  shift
  set +e
  "$@" >/dev/null 2>&1
  local rc=$?
  set -e
  [ "$rc" = "$want" ] || { echo "FAIL: exit $rc, want $want: $*" >&2; exit 1; }
}
nowhere="unix:///nonexistent-$$/admin.sock"
expect 2 "$ctl" reports --no-such-flag
expect 2 "$ctl" report
expect 2 "$ctl" reprocess --address "$nowhere"
expect 2 "$ctl" watch --type nonsense --address "$nowhere"
expect 1 "$ctl" status --address "$nowhere" --timeout 2s
echo "powerviewctl admin subcommands: help and exit codes ok"
