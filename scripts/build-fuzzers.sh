#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang into ./build-fuzz: coverage-instrumented, with
# AddressSanitizer and UndefinedBehaviorSanitizer, CUDA, the test suite and the benchmarks off; only
# what the fuzzers need is compiled. Installs what is missing first (scripts/install-deps.sh).
# Extra arguments go to CMake's configure step, e.g. -DZL_FUZZ_SECONDS=30.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DZL_FUZZ=ON \
  -DZL_BUILD_TESTS=OFF -DZL_BUILD_BENCH=OFF -DZL_CUDA=OFF "$@" >/dev/null
cmake --build build-fuzz --target zl_fuzzers
