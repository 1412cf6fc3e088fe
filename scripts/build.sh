#!/usr/bin/env bash
# Installs what is missing (scripts/install-deps.sh), configures and builds zlaunch into ./build.
# Extra arguments go to CMake's configure step, e.g. scripts/build.sh -DZL_CUDA=OFF.
# The CUDA kernels and the NCCL backend are built whenever nvcc is found (ZL_CUDA=AUTO).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build_dir=${ZL_BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja "$@" >/dev/null
cmake --build "$build_dir"
