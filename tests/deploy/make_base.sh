#!/bin/sh
# A Debian base image for the lxkns service image, made from Debian's packages (no registry
# can be reached from the test machines, so no base image can be pulled): debootstrap a
# minimal bookworm with Debian's Python, venv and setcap into a directory, and keep it as a
# tar in a cache directory. Idempotent: an existing tar is kept.
#
#   make_base.sh [CACHE_DIR]     prints the path of the tar (default /var/cache/lxkns-test)
set -eu
CACHE=${1:-${LXKNS_IMAGE_CACHE:-/var/cache/lxkns-test}}
SUITE=bookworm
PACKAGES=python3,python3-venv,libcap2-bin
TAR=$CACHE/debian-$SUITE-lxkns-base-v1.tar
MIRROR=${LXKNS_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [ -s "$TAR" ]; then echo "$TAR"; exit 0; fi
command -v debootstrap >/dev/null 2>&1 || {
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq debootstrap >/dev/null
}
mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/rootfs.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$WORK/root" "$MIRROR" >"$WORK/log" 2>&1 || {
    tail -20 "$WORK/log" >&2; exit 1; }
# a smaller image: no package lists, caches, docs
rm -rf "$WORK/root/var/cache/apt/archives/"*.deb "$WORK/root/var/lib/apt/lists/"* \
    "$WORK/root/usr/share/doc" "$WORK/root/usr/share/man" "$WORK/root/usr/share/locale"
tar --numeric-owner --xattrs --xattrs-include='*' -C "$WORK/root" -cf "$WORK/base.tar" .
mv "$WORK/base.tar" "$TAR"
echo "$TAR"
