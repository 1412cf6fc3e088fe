#!/usr/bin/env bash
# Fuzzing for longer than the test suite does: builds the fuzzers (scripts/build-fuzzers.sh) and runs
# their tests (ctest -L fuzz, one at a time) for SECONDS each (default 600), each from a random seed,
# keeping each corpus in build-fuzz/tests/fuzz/runs/<target>/corpus so that runs add up. A finding
# fails that target's test; its input is in build-fuzz/tests/fuzz/runs/<target>/artifacts: reproduce
# with `build-fuzz/bin/<target> <input>`, fix, and add the input to tests/fuzz/regressions/<target>/
# (every run replays those first).
#   scripts/fuzz.sh [SECONDS] [TARGET_REGEX]   e.g. scripts/fuzz.sh 1800 config_yaml
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
scripts/build-fuzzers.sh -DZL_FUZZ_SECONDS="$seconds"
ZL_FUZZ_KEEP_CORPUS=1 ZL_FUZZ_SEED=0 ctest --test-dir build-fuzz -L fuzz -R "${2:-.}" -j1 --verbose
