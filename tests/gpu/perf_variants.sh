#!/usr/bin/env bash
# Kernel variants for the cuda backend's performance work (docs/cuda.md,
# "Measurements"): the whole of tests/gpu/run_all.sh on the default build,
# then the same kernel source compiled with other -D flags (and, when
# .perf-base/ holds older a64_exec.h/a64_core.h/a64_kernel.cu, the older
# ones), each loaded by gpu_bench --brief through ARMGPU_CUDA_FATBIN, so no
# relinking.  At most 5 files go to $OUT.
#
# Usage: OUT=... VARIANTS="name:flags ..." bash tests/gpu/perf_variants.sh
set -x
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/gpu-out}
BUILD=${BUILD:-/tmp/armgpu-gpu-build}
RA=/tmp/run_all_out
mkdir -p "$OUT" "$RA"
VARIANTS=${VARIANTS:-"volfetch:-DA64_GPU_VOLATILE_FETCH=1 shr:-DA64_GPU_SHARED_REGS"}
RUN_ALL=${RUN_ALL:-1}

if [ "$RUN_ALL" = 1 ]; then
  OUT=$RA BUILD=$BUILD DIFFTEST_PROGRAMS=${DIFFTEST_PROGRAMS:-20000} bash "$ROOT/tests/gpu/run_all.sh" \
    >"$OUT/run_all.txt" 2>&1
  for f in info.txt build.log ctest_cuda.log compare.log difftest.log; do
    echo "=================== $f"; cat "$RA/$f"
  done >"$OUT/run_all_logs.txt" 2>&1
  cp "$RA/bench.txt" "$OUT/bench_default.txt"
  # The slice kernel's SASS only (the others are tiny).
  awk '/Function : agpu_run_slice$/{f=1} /Function : /&&!/agpu_run_slice$/{f=0} f' "$RA/sass.txt" \
    >"$OUT/sass_slice.txt" 2>/dev/null
fi

export PATH=/usr/local/cuda/bin:$PATH
FLAGS="-fatbin -O3 -std=c++17 -gencode=arch=compute_90,code=sm_90 -Xptxas -v"
INC="-I$ROOT/include -I$ROOT/shaders -I$BUILD/gen"
{
  pids=()
  for v in $VARIANTS; do
    name=${v%%:*} fl=${v#*:}; fl=${fl//,/ }
    ( nvcc $FLAGS $fl $INC "$ROOT/shaders/a64_kernel.cu" -o "/tmp/k_$name.fatbin" >"/tmp/k_$name.log" 2>&1 ) &
    pids+=($!)
  done
  if [ -e "$ROOT/.perf-base/a64_exec.h" ]; then
    ( nvcc $FLAGS $INC "$ROOT/.perf-base/a64_kernel.cu" -o /tmp/k_base.fatbin >/tmp/k_base.log 2>&1 ) &
    pids+=($!)
  fi
  wait "${pids[@]}"
  for l in /tmp/k_*.log; do echo "== $l"; grep -E "error|Function properties for agpu_run_slice$" -A2 "$l" | head -20; done
  names="default"
  for v in $VARIANTS; do names="$names ${v%%:*}"; done
  [ -e /tmp/k_base.fatbin ] && names="base $names"
  for name in $names; do
    echo "=================== variant $name"
    if [ "$name" = default ]; then unset ARMGPU_CUDA_FATBIN; else export ARMGPU_CUDA_FATBIN=/tmp/k_$name.fatbin; fi
    [ "$name" = default ] || [ -e "$ARMGPU_CUDA_FATBIN" ] || { echo "no fatbin"; continue; }
    timeout 60 "$BUILD/bench/gpu/gpu_bench" --brief 2>&1 | sed -n '/== lane scaling/,/^$/p;/== store/,/^$/p'
  done
  unset ARMGPU_CUDA_FATBIN
} >"$OUT/variants.txt" 2>&1
cat "$OUT/variants.txt"
grep -E "tests passed|failed out of" "$OUT/run_all_logs.txt" | head
grep -E "no differences|differ" "$OUT/run_all_logs.txt" | head
sed -n '/== summary/,$p' "$OUT/bench_default.txt"
