#!/usr/bin/env bash
# Prints the path of a tarball holding a minimal Debian 12 root (debootstrap from Debian's own
# packages) with systemd and PowerView's runtime libraries already installed, so that the package
# test installs powerview_*.deb without downloading anything. Built once (2-4 minutes, from
# deb.debian.org), then reused from the cache folder until the package list below changes.
#   debian-root.sh [CACHE_DIR]      (default $POWERVIEW_CACHE_DIR or /var/cache/powerview-test)
set -euo pipefail
cache=${1:-${POWERVIEW_CACHE_DIR:-/var/cache/powerview-test}}
mirror=${POWERVIEW_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# systemd for systemd-analyze and systemd-tmpfiles; acl to read back the ACLs tmpfiles sets;
# the rest is what the package depends on (kept in step with CPACK_DEBIAN_PACKAGE_DEPENDS).
include=systemd,adduser,acl,ca-certificates,tzdata,libgrpc++1.51,libgrpc29,libprotobuf32,libabsl20220623,libcurl4,libnghttp2-14,libsqlite3-0,libssl3,zlib1g
key=$(printf '%s %s' "$include" "$mirror" | sha256sum | cut -c1-12)
tarball="$cache/bookworm-$key.tar"
if [ -s "$tarball" ]; then echo "$tarball"; exit 0; fi
command -v debootstrap >/dev/null || {
  echo "debian-root.sh: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
mkdir -p "$cache"
work=$(mktemp -d "$cache/root.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "debian-root.sh: building a Debian 12 root in $work (once; cached in $tarball)" >&2
debootstrap --variant=minbase --include="$include" bookworm "$work/root" "$mirror" \
  >"$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; exit 1; }
rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*_Packages
tar -C "$work/root" -cf "$tarball.part" .
mv "$tarball.part" "$tarball"
echo "debian-root.sh: built in $(( $(date +%s) - start )) s" >&2
echo "$tarball"
