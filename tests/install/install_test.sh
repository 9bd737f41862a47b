#!/bin/sh
# Installs libarmgpu from a build directory into a temporary prefix, then
# builds consumer/main.c against the installed copy twice -- through CMake's
# find_package(armgpu) and through pkg-config with the C compiler -- and
# checks that both run a guest program and print the value it computed.
#
# usage: install_test.sh BUILD_DIR SOURCE_DIR CMAKE AS OBJCOPY PKG_CONFIG CC
set -eu
build=$1 src=$2 cmake=$3 as=$4 objcopy=$5 pkgconfig=$6 cc=$7

work=$(mktemp -d "${TMPDIR:-/tmp}/armgpu-install-XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
prefix=$work/prefix
fail() { echo "install test: $*" >&2; exit 1; }

"$cmake" --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "cmake --install failed"; }
test -f "$prefix/include/armgpu.h" || fail "armgpu.h was not installed under $prefix/include"
pc=$(find "$prefix" -name armgpu.pc | head -n 1)
test -n "$pc" || fail "armgpu.pc was not installed"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")

# The guest program: x1 = sum of squares 1..x0; the consumers start it
# with x0 = 10 and print x1, which must be 385.
printf '%s\n' 'mov x1, #0' '1: madd x1, x0, x0, x1' 'subs x0, x0, #1' 'b.ne 1b' 'hlt #0' >"$work/prog.s"
"$as" -o "$work/prog.o" "$work/prog.s"
"$objcopy" -O binary -j .text "$work/prog.o" "$work/prog.bin"
expected="sum of squares 1..10 = 385"

# 1. A CMake project: find_package(armgpu) and the armgpu::armgpu target.
"$cmake" -S "$src/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" >"$work/cmake.log" 2>&1 ||
  { cat "$work/cmake.log"; fail "configuring the find_package consumer failed"; }
"$cmake" --build "$work/cmake-build" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; fail "building the find_package consumer failed"; }
out=$("$work/cmake-build/consumer" "$work/prog.bin") || fail "the find_package consumer failed: $out"
test "$out" = "$expected" || fail "find_package consumer printed '$out', expected '$expected'"
echo "find_package: $out"

# 2. pkg-config and the plain compiler.
cflags=$(PKG_CONFIG_PATH="$pcdir" "$pkgconfig" --cflags armgpu) || fail "pkg-config --cflags failed"
libs=$(PKG_CONFIG_PATH="$pcdir" "$pkgconfig" --libs armgpu) || fail "pkg-config --libs failed"
# shellcheck disable=SC2086 # flags are word lists
"$cc" $cflags -o "$work/pc-consumer" "$src/consumer/main.c" $libs ||
  fail "compiling with pkg-config flags ($cflags $libs) failed"
out=$(LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/pc-consumer" "$work/prog.bin") ||
  fail "the pkg-config consumer failed: $out"
test "$out" = "$expected" || fail "pkg-config consumer printed '$out', expected '$expected'"
echo "pkg-config: $out"

# 3. A static link: libarmgpu.a with the Libs.private that pkg-config --static adds.
slibs=$(PKG_CONFIG_PATH="$pcdir" "$pkgconfig" --static --libs armgpu) || fail "pkg-config --static failed"
slibs=$(printf '%s\n' "$slibs" | sed "s|-larmgpu|$libdir/libarmgpu.a|")
# shellcheck disable=SC2086
"$cc" $cflags -o "$work/static-consumer" "$src/consumer/main.c" $slibs ||
  fail "linking statically with pkg-config --static flags ($slibs) failed"
out=$("$work/static-consumer" "$work/prog.bin") || fail "the static consumer failed: $out"
test "$out" = "$expected" || fail "static consumer printed '$out', expected '$expected'"
echo "static: $out"
