#!/usr/bin/env bash
# compute-sanitizer over the C tests on the cuda backend (issue 9): memcheck
# (with leak checking) on every cmocka test, cuda_compare and the fuzz_api
# and fuzz_exec corpora, all at once on the one GPU, then racecheck on
# cuda_compare and test_isolation.  Run on a GPU machine after a build
# (tests/gpu/run_all.sh makes one); the tests assemble with the aarch64 cross
# binutils, as ctest does (build-gpudeps/ on a machine without them).
#
# Usage: BUILD=/tmp/armgpu-gpu-build OUT=... bash tests/gpu/sanitize.sh
#   T        limit for each process (default 600): memcheck slows the kernels
#            many times
#   TESTS    which memcheck runs (default: all of them), by name: test_api,
#            cuda_compare, fuzz_api, ...
#   RACECHECK=0 skips racecheck
# The tests in SPLIT (default test_api test_atomic, whose loops run long under
# memcheck) run one process per test case (ARMGPU_TEST_FILTER), in parallel;
# cuda_compare runs as 4 processes of 10 programs, each its own seed.
#
# test_limits asks for allocations no GPU has, on purpose: memcheck reports
# those CUDA_ERROR_OUT_OF_MEMORY returns of cuMemAlloc as API errors (2 or 3,
# as the driver fails them); they are the library's error path working, not
# memory errors.  Its interrupt cases want a return within 5 s, which one
# sanitized launch time-sliced with many others can outlast: run it alone
# (TESTS=test_limits) when the crowd fails it.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-/tmp/armgpu-gpu-build}
OUT=${OUT:-$ROOT/gpu-out}
T=${T:-600}
ALL="test_alu test_api test_atomic test_branch test_fp test_isolation test_lanes test_limits test_loadstore
     test_memory test_simd test_simd_ldst test_smoke test_system cuda_compare fuzz_api fuzz_exec"
TESTS=${TESTS:-$ALL}
SPLIT=${SPLIT:-test_api test_atomic}
RACECHECK=${RACECHECK:-1}
mkdir -p "$OUT"
CS=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
export ARMGPU_TEST_BACKEND=cuda
cd "$BUILD/tests"
memcheck() {
  local name=$1; shift
  local t0=$SECONDS
  timeout "$T" "$CS" --tool memcheck --leak-check full --error-exitcode 99 "$@" >"$OUT/cs_$name.log" 2>&1
  echo "memcheck $name rc=$? $((SECONDS - t0)) s $(grep -E 'ERROR SUMMARY' "$OUT/cs_$name.log" | tail -1)"
}
{
  for t in $TESTS; do
    case $t in
      cuda_compare)
        for seed in 5 6 7 8; do memcheck "cuda_compare.$seed" ./gpu/cuda_compare 10 256 "$seed" & done ;;
      fuzz_api) memcheck fuzz_api ./fuzz/fuzz_api_replay "$ROOT/tests/fuzz/corpus/fuzz_api" & ;;
      fuzz_exec)
        ARMGPU_FUZZ_BACKEND=cuda memcheck fuzz_exec ./fuzz/fuzz_exec_replay "$ROOT/tests/fuzz/corpus/fuzz_exec" & ;;
      *)
        if [[ " $SPLIT " == *" $t "* ]]; then
          for c in $(sed -nE 's/.*cmocka_unit_test\(([a-z0-9_]+)\).*/\1/p' "$ROOT/tests/$t.c"); do
            ARMGPU_TEST_FILTER=$c memcheck "$t.$c" "./$t" &
          done
        else
          memcheck "$t" "./$t" &
        fi ;;
    esac
  done
  wait
  if [ "$RACECHECK" = 1 ]; then
    for t in "gpu/cuda_compare 20 256 9" test_isolation; do
      # shellcheck disable=SC2086
      timeout "$T" "$CS" --tool racecheck --error-exitcode 99 ./$t 2>&1 | tail -1
      echo "racecheck $t rc=${PIPESTATUS[0]}"
    done
  fi
} | tee "$OUT/sanitizer.txt"
# Clean logs carry nothing the summary does not: keep the others.
for f in "$OUT"/cs_*.log; do grep -q "ERROR SUMMARY: 0 errors" "$f" && rm -f "$f"; done
