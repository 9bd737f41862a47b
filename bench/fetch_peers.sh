#!/usr/bin/env bash
# Gathers the benchmark's peers into one folder, to carry them to a machine
# without a package manager (the GPU machine):
#   bash bench/fetch_peers.sh [DIR]        (default: bench-peers/)
#   ... copy DIR along, then there:  armgpu bench --peer-dir DIR
# qemu-aarch64-static is a static binary and is copied as it is;
# libunicorn.so.2 comes out of Debian's libunicorn2 package with dpkg -x.
# Run on a Debian machine of the same architecture as the target (x86-64).
set -euo pipefail
DIR=${1:-bench-peers}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)

qemu=$(command -v qemu-aarch64-static || true)
if [ -z "$qemu" ]; then
  echo "qemu-aarch64-static not installed here: apt-get install qemu-user-static" >&2
  exit 1
fi
cp -L "$qemu" "$DIR/qemu-aarch64-static"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download libunicorn2 >/dev/null)
deb=$(ls "$work"/libunicorn2_*.deb)
dpkg -x "$deb" "$work/x"
lib=$(find "$work/x" -name 'libunicorn.so.2*' -type f | head -1)
if [ -z "$lib" ]; then
  echo "no libunicorn.so.2 in $deb" >&2
  exit 1
fi
cp "$lib" "$DIR/libunicorn.so.2"
# libunicorn2 needs only libc, libm and libpthread, which every glibc system has.
echo "peers in $DIR:"
ls -la "$DIR"
echo "use: armgpu bench --peer-dir $DIR"
