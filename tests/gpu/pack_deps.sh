#!/usr/bin/env bash
# Copies the test tools this machine has and the GPU machine lacks (the
# aarch64 cross assembler and objcopy with their libraries, cmocka, unicorn)
# into build-gpudeps/ (ignored by git as build*), for run_all.sh to use there:
# pass build-gpudeps in the device tool's carry list.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
D=$ROOT/build-gpudeps
rm -rf "$D"
mkdir -p "$D/bin" "$D/lib" "$D/include"
for t in aarch64-linux-gnu-as aarch64-linux-gnu-ld aarch64-linux-gnu-objcopy aarch64-linux-gnu-objdump; do
  command -v $t >/dev/null || continue
  cp -L "$(command -v $t)" "$D/bin/"
  # Their own libraries; the C library and zlib are the GPU machine's.
  for l in $(ldd "$(command -v $t)" | awk '/=>/ {print $3}' | grep -vE '/lib(c|m|z|dl|pthread)\.so'); do
    cp -L "$l" "$D/lib/"
  done
done
cp -L /usr/lib/x86_64-linux-gnu/libcmocka.so.0 "$D/lib/"
ln -sf libcmocka.so.0 "$D/lib/libcmocka.so"
cp /usr/include/cmocka.h "$D/include/"
if [ -e /usr/lib/x86_64-linux-gnu/libunicorn.so.2 ]; then
  cp -L /usr/lib/x86_64-linux-gnu/libunicorn.so.2 "$D/lib/"
  ln -sf libunicorn.so.2 "$D/lib/libunicorn.so"
  cp -r /usr/include/unicorn "$D/include/"
fi
du -sh "$D"
