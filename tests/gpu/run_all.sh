#!/usr/bin/env bash
# Everything the cuda backend needs proven on a GPU, in one go (issue 5):
#   1. nvidia-smi, then a fresh build with the machine's own nvcc and cmake
#      (-DARMGPU_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90);
#   2. the whole ctest suite with ARMGPU_TEST_BACKEND=cuda (and with cpu, to
#      tell cuda failures from failures everywhere);
#   3. the cpu-vs-cuda comparison on random programs (tests/gpu/cuda_compare);
#   4. the Unicorn tester's backend comparison, when tests/difftest built;
#   5. the GPU benchmark (bench/gpu/gpu_bench).
# Logs go to $OUT (default ./gpu-out), at most 8 files; a summary table is
# printed last.  Tools the GPU machine lacks (aarch64 binutils, cmocka,
# unicorn) are taken from build-gpudeps/ when present (tests/gpu/pack_deps.sh
# makes it; carry it along).
#
# Usage: bash tests/gpu/run_all.sh            (env: OUT, BUILD, COMPARE_PROGRAMS,
#                                               DIFFTEST_PROGRAMS, BENCH_ARGS)
set -x
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/gpu-out}
BUILD=${BUILD:-/tmp/armgpu-gpu-build}
COMPARE_PROGRAMS=${COMPARE_PROGRAMS:-1000}
DIFFTEST_PROGRAMS=${DIFFTEST_PROGRAMS:-100000}
# Time limits (s) per step; the defaults fit one 10-minute device call.
T_CTEST=${T_CTEST:-170} T_COMPARE=${T_COMPARE:-70} T_DIFFTEST=${T_DIFFTEST:-90} T_BENCH=${T_BENCH:-170}
RUN_CPU_CTEST=${RUN_CPU_CTEST:-0}
JOBS=$(nproc)
mkdir -p "$OUT"
declare -A status

# ---------------------------------------------------------------- 0. the GPU
{ nvidia-smi; nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw --format=csv; } \
  >"$OUT/info.txt" 2>&1
cat "$OUT/info.txt"

# ---------------------------------------------------------------- 1. build
DEPS=$ROOT/build-gpudeps
EXTRA=()
if [ -d "$DEPS" ]; then
  export PATH=$DEPS/bin:$PATH
  export LD_LIBRARY_PATH=$DEPS/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  # PATH finds the tools; CMAKE_PREFIX_PATH the libraries and headers.
  EXTRA+=(-DCMAKE_PREFIX_PATH="$DEPS"
          -DCMOCKA_LIBRARY="$DEPS/lib/libcmocka.so.0" -DCMOCKA_INCLUDE_DIR="$DEPS/include")
  [ -e "$DEPS/lib/libunicorn.so.2" ] &&
    EXTRA+=(-DUNICORN_LIBRARY="$DEPS/lib/libunicorn.so.2" -DUNICORN_INCLUDE_DIR="$DEPS/include")
fi
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
export PATH=/usr/local/cuda/bin:$PATH
SRC=$ROOT
configure() {
  rm -rf "$BUILD"
  cmake -S "$SRC" -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARMGPU_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc "${EXTRA[@]}"
}
{
  nvcc --version; cmake --version
  t0=$(date +%s)
  if ! configure; then
    # Another part of the tree may be half-written: retry with only the
    # library, its tests and the GPU tools.
    echo "run_all: full configure failed; retrying without the optional subdirectories"
    SRC=/tmp/armgpu-src
    rm -rf "$SRC"; mkdir -p "$SRC"
    (cd "$ROOT" && tar --exclude=./build-gpudeps --exclude='./build*' --exclude=./.git -cf - .) | tar -C "$SRC" -xf -
    rm -rf "$SRC/src/cli" "$SRC/python/CMakeLists.txt" "$SRC/bench/CMakeLists.txt" "$SRC/tests/python" \
           "$SRC/tests/install" "$SRC/tests/fuzz"
    configure || echo "run_all: configure failed"
  fi
  t1=$(date +%s)
  # Keep going past a target that fails to build: the rest still gets tested.
  if [ "${GEN[*]}" = "-G Ninja" ]; then cmake --build "$BUILD" -j"$JOBS" -- -k 0; else cmake --build "$BUILD" -j"$JOBS" -- -k; fi
  echo "build rc=$?"
  t2=$(date +%s)
  echo "configure $((t1 - t0)) s, build $((t2 - t1)) s"
  # The kernel's compile time alone, as CI pays it.
  cat "$BUILD/gen/a64_kernel_ptxas.txt"
} >"$OUT/build.log" 2>&1
grep -q "build rc=0" "$OUT/build.log" && status[build]=ok || status[build]=FAILED
[ -e "$BUILD/gen/a64_kernel_fatbin.c" ] || status[build]="FAILED (no kernel)"
tail -30 "$OUT/build.log"

# ---------------------------------------------------------------- 2. ctest
( cd "$BUILD" && ARMGPU_TEST_BACKEND=cuda timeout "$T_CTEST" ctest --output-on-failure -j8 --timeout "$T_CTEST" ) \
  >"$OUT/ctest_cuda.log" 2>&1
status[ctest_cuda]=$(grep -E "tests passed|No tests" "$OUT/ctest_cuda.log" | tail -1)
if [ "$RUN_CPU_CTEST" = 1 ]; then
  ( cd "$BUILD" && ARMGPU_TEST_BACKEND=cpu timeout 300 ctest --output-on-failure -j"$JOBS" -E cuda_compare ) \
    >"$OUT/ctest_cpu.log" 2>&1
  status[ctest_cpu]=$(grep -E "tests passed|No tests" "$OUT/ctest_cpu.log" | tail -1)
else
  status[ctest_cpu]="not run (RUN_CPU_CTEST=1 runs it)"
fi
grep -E "Test +#|tests passed|FAILED|Failed" "$OUT/ctest_cuda.log" | tail -40

# ---------------------------------------------------------------- 3. cpu vs cuda
{
  timeout "$T_COMPARE" "$BUILD/tests/gpu/cuda_compare" "$COMPARE_PROGRAMS" 1024 1; echo "rc=$?"
  timeout "$T_COMPARE" "$BUILD/tests/gpu/cuda_compare" 20 8192 2; echo "rc=$?"
} >"$OUT/compare.log" 2>&1
status[cuda_compare]=$(grep -c "no differences" "$OUT/compare.log")/2
tail -8 "$OUT/compare.log"

# ---------------------------------------------------------------- 4. difftest
if [ -x "$BUILD/tests/difftest/difftest" ]; then
  { "$BUILD/tests/difftest/difftest" --help
    timeout "$T_DIFFTEST" "$BUILD/tests/difftest/difftest" --compare-backends cpu,cuda --lanes 1024 \
      --programs "$DIFFTEST_PROGRAMS" --seed 1; echo "rc=$?"; } >"$OUT/difftest.log" 2>&1
  status[difftest]=$(grep "^rc=" "$OUT/difftest.log" | tail -1)
  tail -15 "$OUT/difftest.log"
else
  echo "difftest not built" >"$OUT/difftest.log"
  status[difftest]="not built"
fi

# ---------------------------------------------------------------- 5. bench
{ timeout "$T_BENCH" "$BUILD/bench/gpu/gpu_bench" ${BENCH_ARGS:---quick}; echo "rc=$?"; } 2>&1 | tee "$OUT/bench.txt"
status[bench]=$(grep "^rc=" "$OUT/bench.txt" | tail -1)
command -v cuobjdump >/dev/null &&
  { cuobjdump -res-usage "$BUILD/gen/a64_kernel.fatbin"; cuobjdump -sass "$BUILD/gen/a64_kernel.fatbin"; } \
    >"$OUT/sass.txt" 2>&1

# ---------------------------------------------------------------- summary
set +x
echo
echo "================ run_all summary ================"
for k in build ctest_cuda ctest_cpu cuda_compare difftest bench; do
  printf "%-14s %s\n" "$k" "${status[$k]}"
done
grep -E "failed out of|\(Failed\)|\(Timeout\)|\*\*\*" "$OUT/ctest_cuda.log" | head -20
sed -n '/== summary/,$p' "$OUT/bench.txt"
grep -A8 "compile time" "$OUT/build.log" | grep -E "compile time|Used|stack" | head -12
