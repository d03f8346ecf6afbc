#!/usr/bin/env bash
# `cmake --install` into a scratch folder, as the package lays it out (prefix /usr): the
# programs, the unit, tmpfiles, /etc/powerview and the docs are where Debian expects them; every
# path the unit names (ExecStart, EnvironmentFile, Documentation) is installed; the SFTPGo
# examples parse and name only installed commands. Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=${1:?build folder}
source=${2:?source folder}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
DESTDIR=$dest cmake --install "$build" --prefix /usr >"$dest.log" 2>&1 || { cat "$dest.log"; fail "cmake --install"; }
rm -f "$dest.log"
(cd "$dest" && find . -type f -o -type l | sort)
for f in usr/bin/powerviewd usr/bin/powerview-notify usr/bin/powerviewctl \
         usr/libexec/powerview/powerviewd-plugin usr/lib/systemd/system/powerviewd.service \
         usr/lib/tmpfiles.d/powerview.conf usr/lib/tmpfiles.d/powerview-sftpgo.conf \
         etc/powerview/powerview.env etc/powerview/plugin.conf usr/share/doc/powerview/README.md; do
  [ -e "$dest/$f" ] || fail "/$f not installed"
done
unit=$dest/usr/lib/systemd/system/powerviewd.service
grep -E '^(ExecStart|EnvironmentFile|Documentation)=' "$unit" |
  sed -E 's/^[A-Za-z]+=-?(file:\/\/)?//; s/ .*//' | while read -r path; do
  [ -e "$dest$path" ] || fail "powerviewd.service names $path, which is not installed"
done
grep -qE '@[A-Z_]+@' "$unit" "$dest"/usr/lib/tmpfiles.d/*.conf && fail "unexpanded template variable"
# The drop-in example names the plugin binary the install provides.
grep -o '/usr/libexec/powerview/powerviewd-plugin' \
  "$dest/usr/share/doc/powerview/deploy/systemd/sftpgo.service.d/powerview-plugin.conf" >/dev/null ||
  fail "drop-in does not name the plugin"
[ "$("$dest/usr/bin/powerviewd" --version)" = "powerviewd $(sed -n 's/^project(powerview VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")" ] ||
  fail "powerviewd --version: $("$dest/usr/bin/powerviewd" --version)"
python3 "$source/tests/package/sftpgo_config_test.py" "$dest/usr/share/doc/powerview/deploy/sftpgo" "$dest"
echo "install test passed"
