#!/usr/bin/env bash
# Builds libarmgpu with the cuda backend and runs the GPU benchmark
# (bench/gpu/gpu_bench.c); the kernel's ptxas report (registers, stack,
# spills) is printed first.  Extra arguments go to gpu_bench (--quick,
# --max-lanes N, --backend cpu).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build-cuda}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARMGPU_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target gpu_bench >/dev/null
grep -E "compile time|Function properties|Used|stack frame" "$BUILD/gen/a64_kernel_ptxas.txt"
exec "$BUILD/bench/gpu/gpu_bench" "$@"
