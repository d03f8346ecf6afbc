#!/usr/bin/env bash
# The Debian package on a fresh Debian 12 root (debootstrap, cached by scripts/debian-root.sh):
# builds powerview_*.deb with cpack from BUILD_DIR, installs it into the root with dpkg (its
# dependencies must already be satisfied by Debian 12's packages of those names), then checks
#  - the files where Debian expects them, the conffiles, the unit enabled and not started;
#  - the powerview system user and the folders tmpfiles makes, with the ACLs that let SFTPGo's
#    user and powerview share the data root, the socket and the spool (tried as both users);
#  - `powerviewd --version`, every library resolved;
#  - systemd-analyze verify of powerviewd.service and of an SFTPGo unit with the plugin drop-in;
#  - the SFTPGo examples name only commands the package installs;
#  - a real start: powerviewd as user powerview in a private network namespace, powerview-notify
#    run as sftpgo with SFTPGo's cleared environment reaches it over /run/powerview/notify.sock;
#  - an edited conffile survives a reinstall and a remove; purge leaves no file behind.
# Needs root (chroot, unshare). Usage: package_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "${1:?build folder}" && pwd)
source=$(cd "${2:?source folder}" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "-- $*"; }
[ "$(id -u)" = 0 ] || fail "needs root (chroot)"

work=$(mktemp -d /var/tmp/pv-package-test.XXXXXX)
root="$work/root"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
# A chroot with its own /proc (dpkg's scripts and systemd-tmpfiles need one), in its own mount
# and pid namespaces so that nothing outlives a call.
in_root() { unshare --mount --pid --fork --mount-proc="$root/proc" chroot "$root" "$@"; }

step "Debian 12 root"
tarball=$(bash "$source/scripts/debian-root.sh")
mkdir -p "$root"
tar -C "$root" -xf "$tarball"

step "cpack"
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/pkg/powerview_*.deb)
dpkg-deb -I "$deb" >"$work/info"
for dep in libgrpc++1.51 libprotobuf32 libabsl20220623 libcurl4 libsqlite3-0 adduser; do
  grep -q "Depends:.*$dep" "$work/info" || fail "Depends lacks $dep"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$work/conffiles"
diff <(sort "$work/conffiles") <(printf '%s\n' /etc/powerview/plugin.conf /etc/powerview/powerview.env) ||
  fail "conffiles"

step "SFTPGo's side, as its package makes it: user, group, /srv/sftpgo"
in_root groupadd --system sftpgo
in_root useradd --system --gid sftpgo --no-create-home --home-dir /var/lib/sftpgo \
  --shell /usr/sbin/nologin sftpgo
install -d -m 0750 "$root/srv/sftpgo" && in_root chown sftpgo:sftpgo /srv/sftpgo
(cd "$root" && find . -xdev \( -path ./proc -o -path ./tmp \) -prune -o -print | sort) \
  >"$work/before"

step "dpkg -i"
cp "$deb" "$root/tmp/powerview.deb"
in_root dpkg -i /tmp/powerview.deb >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }

step "files"
for f in /usr/bin/powerviewd /usr/bin/powerview-notify /usr/bin/powerviewctl \
         /usr/libexec/powerview/powerviewd-plugin; do
  [ -x "$root$f" ] && [ ! -L "$root$f" ] || fail "$f missing or a symlink"
done
cmp -s "$root/usr/bin/powerviewd" "$root/usr/libexec/powerview/powerviewd-plugin" ||
  fail "the plugin is not a copy of powerviewd"
for f in /usr/lib/systemd/system/powerviewd.service /usr/lib/tmpfiles.d/powerview.conf \
         /usr/lib/tmpfiles.d/powerview-sftpgo.conf /usr/share/doc/powerview/README.md \
         /usr/share/doc/powerview/copyright /usr/share/doc/powerview/deploy/README.md \
         /usr/share/doc/powerview/docs/ingest-rules.md \
         /usr/share/doc/powerview/deploy/sftpgo/eventmanager.json \
         /usr/share/doc/powerview/deploy/systemd/sftpgo.service.d/powerview-plugin.conf; do
  [ -f "$root$f" ] || fail "$f missing"
done
[ "$(in_root stat -c '%a %U:%G' "/etc/powerview/powerview.env")" = "640 root:powerview" ] ||
  fail "powerview.env: $(in_root stat -c '%a %U:%G' "/etc/powerview/powerview.env")"
[ "$(in_root stat -c '%a %U:%G' "/etc/powerview/plugin.conf")" = "640 root:powerview" ] ||
  fail "plugin.conf: $(in_root stat -c '%a %U:%G' "/etc/powerview/plugin.conf")"
# Every Documentation= of the unit is a file the package installed.
grep '^Documentation=' "$root/usr/lib/systemd/system/powerviewd.service" | sed 's|^Documentation=file://||' |
while read -r doc; do [ -f "$root$doc" ] || fail "Documentation=$doc is not installed"; done
grep -q '^ExecStart=/usr/bin/powerviewd$' "$root/usr/lib/systemd/system/powerviewd.service" ||
  fail "ExecStart"

step "user and folders"
IFS=: read -r _ _ uid _ _ home shell < <(in_root getent passwd powerview) || fail "no powerview user"
[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/powerview ] && [ "$shell" = /usr/sbin/nologin ] ||
  fail "powerview user: uid $uid, home $home, shell $shell"
check_dir() {  # path mode owner
  [ "$(in_root stat -c '%a %U:%G' "$1")" = "$2 $3" ] || fail "$1: $(in_root stat -c '%a %U:%G' "$1"), want $2 $3"
}
# With ACL entries, the group bits of the mode show the ACL mask (rwx); the group itself has r-x.
check_dir /var/lib/powerview 770 powerview:powerview
check_dir /var/lib/powerview/spool 770 powerview:powerview
check_dir /run/powerview 770 powerview:powerview
check_dir /srv/sftpgo/data 770 sftpgo:sftpgo
acl() { in_root getfacl -p "$1" 2>/dev/null; }
for entry in user:powerview:rwx default:user:powerview:rwx default:user:sftpgo:rwx group::r-x other::---; do
  acl /srv/sftpgo/data | grep -qx "$entry" || fail "data root ACL lacks $entry: $(acl /srv/sftpgo/data)"
done
acl /srv/sftpgo | grep -qx 'user:powerview:--x' || fail "powerview cannot reach the data root"
acl /run/powerview | grep -qx 'user:sftpgo:rwx' || fail "/run/powerview ACL: $(acl /run/powerview)"
acl /var/lib/powerview/spool | grep -qx 'user:sftpgo:rwx' || fail "spool ACL"
# SFTPGo's user reads the plugin's settings, not the standalone daemon's.
in_root setpriv --reuid=sftpgo --regid=sftpgo --init-groups cat /etc/powerview/plugin.conf >/dev/null ||
  fail "sftpgo cannot read plugin.conf"
! in_root setpriv --reuid=sftpgo --regid=sftpgo --init-groups cat /etc/powerview/powerview.env \
  >/dev/null 2>&1 || fail "sftpgo can read powerview.env"
in_root setpriv --reuid=powerview --regid=powerview --init-groups cat /etc/powerview/powerview.env \
  >/dev/null || fail "powerview cannot read powerview.env"

step "unit enabled, not started"
[ -L "$root/etc/systemd/system/multi-user.target.wants/powerviewd.service" ] || fail "not enabled"

step "powerviewd --version, libraries"
version=$(in_root /usr/bin/powerviewd --version)
echo "   $version"
[[ "$version" =~ ^powerviewd\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version printed '$version'"
for p in /usr/bin/powerviewd /usr/bin/powerview-notify /usr/bin/powerviewctl; do
  ! in_root ldd "$p" | grep -q 'not found' || fail "$p: $(in_root ldd "$p" | grep 'not found')"
done

step "systemd-analyze verify"
# A stand-in for SFTPGo's unit (the package is not here): its user and sandbox settings.
cat >"$root/etc/systemd/system/sftpgo.service" <<'UNIT'
[Unit]
Description=SFTPGo stand-in for the drop-in check
[Service]
User=sftpgo
Group=sftpgo
ExecStart=/bin/true
ProtectSystem=true
[Install]
WantedBy=multi-user.target
UNIT
install -D -m 0644 "$root/usr/share/doc/powerview/deploy/systemd/sftpgo.service.d/powerview-plugin.conf" \
  "$root/etc/systemd/system/sftpgo.service.d/powerview-plugin.conf"
in_root systemd-analyze verify /usr/lib/systemd/system/powerviewd.service \
  /etc/systemd/system/sftpgo.service >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "verify"; }
if [ -s "$work/verify.log" ]; then cat "$work/verify.log"; fail "systemd-analyze verify complained"; fi
in_root systemd-analyze cat-config tmpfiles.d/powerview-sftpgo.conf >/dev/null
rm -rf "$root/etc/systemd/system/sftpgo.service" "$root/etc/systemd/system/sftpgo.service.d" \
  "$root/run/systemd/systemd-units-load"  # the check's own leftovers

step "SFTPGo examples name only installed commands"
python3 "$source/tests/package/sftpgo_config_test.py" "$root/usr/share/doc/powerview/deploy/sftpgo" "$root" ||
  fail "SFTPGo examples"

step "permissions: SFTPGo's user and powerview share the data root, socket and spool"
as() { local u=$1; shift; in_root setpriv --reuid="$u" --regid="$u" --init-groups /bin/sh -c "umask 022; $*"; }
as sftpgo 'mkdir -p /srv/sftpgo/data/acme/site/dev1 && echo x >/srv/sftpgo/data/acme/site/dev1/a.tsv'
as powerview 'cd /srv/sftpgo/data/acme/site/dev1 && mkdir parsed && mv a.tsv parsed/ &&
  echo "{}" >parsed/a.tsv.report.json' || fail "powerview cannot move an upload to parsed/"
as sftpgo 'cat /srv/sftpgo/data/acme/site/dev1/parsed/a.tsv.report.json >/dev/null &&
  ls /srv/sftpgo/data/acme/site/dev1/parsed >/dev/null' || fail "SFTPGo cannot read parsed/"
as sftpgo 'echo "{}" >/var/lib/powerview/spool/e.json && chmod 0640 /var/lib/powerview/spool/e.json' ||
  fail "SFTPGo cannot spool"
as powerview 'cat /var/lib/powerview/spool/e.json >/dev/null && rm /var/lib/powerview/spool/e.json' ||
  fail "powerview cannot take the spool in"
rm -rf "$root/srv/sftpgo/data/acme"

step "a real start: powerviewd as powerview, powerview-notify as sftpgo (private network)"
mkdir -p "$root/srv/sftpgo/data/acme/site/dev1"
in_root chown -R sftpgo:sftpgo /srv/sftpgo/data/acme
upload=srv/sftpgo/data/acme/site/dev1/v003_tri_slave.tsv
cp "$source/tests/fixtures/mv2/v003_tri_slave.tsv" "$root/$upload"
in_root chown sftpgo:sftpgo "/$upload"
unshare --net --mount --pid --fork --mount-proc="$root/proc" chroot "$root" /bin/sh -c "
  umask \$(sed -n 's/^UMask=//p' /usr/lib/systemd/system/powerviewd.service)
  setpriv --reuid=powerview --regid=powerview --init-groups /usr/bin/powerviewd \
    --sweep-interval 0 --shutdown-grace 1s >/var/tmp/powerviewd.log 2>&1 &
  daemon=\$!
  for i in \$(seq 1 100); do [ -S /run/powerview/notify.sock ] && break; sleep 0.1; done
  setpriv --reuid=sftpgo --regid=sftpgo --init-groups env -i SFTPGO_ACTION=upload \
    SFTPGO_ACTION_PATH=/$upload SFTPGO_ACTION_STATUS=1 SFTPGO_ACTION_FILE_SIZE=\$(stat -c %s /$upload) \
    SFTPGO_ACTION_TIMESTAMP=\$(date +%s%N) /usr/bin/powerview-notify >/var/tmp/notify.log 2>&1
  echo \$? >/var/tmp/notify.rc
  sleep 1
  kill \$daemon; wait \$daemon
" || true
cat "$root/var/tmp/powerviewd.log"
[ "$(cat "$root/var/tmp/notify.rc")" = 0 ] || fail "powerview-notify: $(cat "$root/var/tmp/notify.log")"
grep -q "upload /$upload: queued job" "$root/var/tmp/powerviewd.log" ||
  fail "the event did not reach the journal: $(cat "$root/var/tmp/notify.log"; ls -la "$root/run/powerview")"
ls "$root/var/lib/powerview/spool" | grep -q . && fail "the event was spooled, not delivered"
[ -f "$root/var/lib/powerview/powerview.db" ] || fail "no journal in /var/lib/powerview"
rm -rf "$root/srv/sftpgo/data/acme" "$root"/var/tmp/*.log "$root/var/tmp/notify.rc"

step "conffiles kept: reinstall and remove keep an edited powerview.env"
echo "INFLUXDB_URL=http://127.0.0.1:9999" >>"$root/etc/powerview/powerview.env"
in_root dpkg -i --force-confold /tmp/powerview.deb >"$work/dpkg2.log" 2>&1 || { cat "$work/dpkg2.log"; fail "reinstall"; }
grep -q 9999 "$root/etc/powerview/powerview.env" || fail "reinstall replaced the edited conffile"
in_root dpkg --remove powerview >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "remove"; }
grep -q 9999 "$root/etc/powerview/powerview.env" || fail "remove dropped the edited conffile"
[ ! -e "$root/usr/bin/powerviewd" ] || fail "remove left /usr/bin/powerviewd"

step "purge leaves nothing"
in_root dpkg --purge powerview >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge"; }
rm -f "$root/tmp/powerview.deb"
(cd "$root" && find . -xdev \( -path ./proc -o -path ./tmp \) -prune -o -print | sort) >"$work/after"
# What may differ: dpkg's and apt's own records, the user database (the powerview system user
# stays, Debian practice), logs, adduser's lock file, and SFTPGo's data root (SFTPGo's).
left=$(comm -13 "$work/before" "$work/after" |
  grep -v -E '^\./(var/lib/dpkg/|var/log/|var/cache/debconf/|etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$|srv/sftpgo/data$|var/lib/systemd/deb-systemd-helper-|var/tmp$|run/adduser$)' || true)
[ -z "$left" ] || fail "purge left: $left"
echo "package test passed: $(basename "$deb")"
