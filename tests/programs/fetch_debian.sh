#!/bin/sh
# fetch_debian.sh DIR - downloads Debian's statically linked arm64 packages
# that the `debian` suite of compare.py runs (busybox-static) and unpacks
# them under DIR (DIR/bin/busybox).  Needs apt and dpkg (root, for
# --add-architecture); no binary is ever committed.
set -eu
dir=${1:?usage: fetch_debian.sh DIR}
mkdir -p "$dir"
dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
apt-get update -qq
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q busybox-static:arm64)
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$dir"; done
ls -l "$dir/bin/busybox"
