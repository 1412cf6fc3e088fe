#!/usr/bin/env bash
# The whole test suite, as CI runs it (after scripts/build.sh):
#   1. every test of ./build (ctest: unit, integration, slow; cuda ones skip without a GPU), which
#      includes the layering and formatting checks;
#   2. the unit tests again, built with AddressSanitizer and UndefinedBehaviorSanitizer
#      (./build-sanitize, CUDA and benchmarks off: the GPU code is not instrumented), where any report
#      fails the test. ZL_SANITIZE_TESTS=0 skips this stage (a quick local run);
#   3. each libFuzzer target for a minute (./build-fuzz, clang; tests/fuzz), from its seeds and the
#      inputs of earlier findings. ZL_FUZZ_TESTS=0 skips this stage; scripts/fuzz.sh fuzzes longer.
# ZL_BUILD_DIR names the first build directory (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir "${ZL_BUILD_DIR:-build}" --output-on-failure -j2
if [[ "${ZL_SANITIZE_TESTS:-1}" != 0 ]]; then
  ZL_BUILD_DIR=build-sanitize scripts/build.sh -DZL_SANITIZE="address;undefined" -DZL_CUDA=OFF -DZL_BUILD_BENCH=OFF
  (
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/sanitizer/lsan.supp:print_suppressions=0}
    ctest --test-dir build-sanitize -L unit --output-on-failure -j2
  )
fi
if [[ "${ZL_FUZZ_TESTS:-1}" != 0 ]]; then
  scripts/build-fuzzers.sh -DZL_FUZZ_SECONDS=60
  ctest --test-dir build-fuzz -L fuzz --output-on-failure -j2
fi
