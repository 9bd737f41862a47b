#!/usr/bin/env bash
# compute-sanitizer over the C tests on the cuda backend (issue 9): memcheck
# (with leak checking) on every cmocka test, cuda_compare and the fuzz_api
# and fuzz_exec corpora, all at once on the one GPU, then racecheck on cuda_compare and
# test_isolation.  Run on a GPU machine after a build (tests/gpu/run_all.sh
# makes one); the tests assemble with the aarch64 cross binutils, as ctest
# does (build-gpudeps/ on a machine without them).
#
# Usage: BUILD=/tmp/armgpu-gpu-build OUT=... bash tests/gpu/sanitize.sh
# T (default 600) limits each test: memcheck slows the kernels many times.
#
# test_limits asks for allocations no GPU has, on purpose: memcheck reports
# those CUDA_ERROR_OUT_OF_MEMORY returns of cuMemAlloc as API errors (3 of
# them); they are the library's error path working, not memory errors.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-/tmp/armgpu-gpu-build}
OUT=${OUT:-$ROOT/gpu-out}
T=${T:-600}
mkdir -p "$OUT"
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
export ARMGPU_TEST_BACKEND=cuda
cd "$BUILD/tests"
memcheck() {
  local name=$1; shift
  timeout "$T" "$CS" --tool memcheck --leak-check full --error-exitcode 99 "$@" >"$OUT/cs_$name.log" 2>&1
  echo "memcheck $name rc=$? $(grep -E 'ERROR SUMMARY' "$OUT/cs_$name.log" | tail -1)"
}
{
  for t in test_alu test_api test_atomic test_branch test_fp test_isolation test_lanes test_limits \
           test_loadstore test_memory test_simd test_simd_ldst test_smoke test_system; do
    memcheck "$t" "./$t" &
  done
  memcheck cuda_compare ./gpu/cuda_compare 40 256 5 &
  memcheck fuzz_api ./fuzz/fuzz_api_replay "$ROOT/tests/fuzz/corpus/fuzz_api" &
  ARMGPU_FUZZ_BACKEND=cuda memcheck fuzz_exec ./fuzz/fuzz_exec_replay "$ROOT/tests/fuzz/corpus/fuzz_exec" &
  wait
  for t in "gpu/cuda_compare 20 256 9" test_isolation; do
    # shellcheck disable=SC2086
    timeout "$T" "$CS" --tool racecheck --error-exitcode 99 ./$t 2>&1 | tail -1
    echo "racecheck $t rc=${PIPESTATUS[0]}"
  done
} | tee "$OUT/sanitizer.txt"
# Clean logs carry nothing the summary does not: keep the others.
for f in "$OUT"/cs_*.log; do grep -q "ERROR SUMMARY: 0 errors" "$f" && rm -f "$f"; done
