#!/usr/bin/env bash
# Builds libarmgpu and runs the benchmark suite on the best backend here
# (the GPU when one is present, else the host CPU).  The README's main job.
# Extra arguments go to `armgpu bench` (for example --full).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/deps.sh
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null
exec "$BUILD/src/cli/armgpu" bench "$@"
