#!/usr/bin/env bash
# Builds libarmgpu from this checkout and runs every test (C, Python,
# install, the Unicorn differential sample).  The README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/deps.sh
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE=/usr/bin/python3
cmake --build "$BUILD" -j"$(nproc)"
ctest --test-dir "$BUILD" --output-on-failure -j"$(nproc)" "$@"
