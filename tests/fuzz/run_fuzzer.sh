#!/usr/bin/env bash
# One bounded libFuzzer run: FUZZER for SECONDS from a working corpus in WORK_DIR/corpus (started afresh,
# or kept and grown when ZL_FUZZ_KEEP_CORPUS=1, as scripts/fuzz.sh runs it), seeded by each SEED_DIR
# that exists (a missing one, such as ../shared on a user's clone, is skipped, saying so). Every input of
# the seed directories runs first, so a regression input that fails again fails the run at once.
# Memory is capped (-rss_limit_mb, -malloc_limit_mb) and every input has a deadline (-timeout): a crash,
# a sanitizer report, a leak, a hang and runaway memory all end the run with a non-zero status and the
# input saved under WORK_DIR/artifacts. Prints the executions done and the corpus size.
# Inputs are at most --max_len bytes (default 65536). The mutations follow ZL_FUZZ_SEED (default 1, so
# that a test run that finds something finds it again; 0 = a random seed, as scripts/fuzz.sh runs).
#   run_fuzzer.sh FUZZER SECONDS WORK_DIR [--dict FILE] [--max_len N] SEED_DIR...
set -euo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: run_fuzzer.sh FUZZER SECONDS WORK_DIR [--dict FILE] [--max_len N] SEED_DIR..." >&2
  exit 2
fi
fuzzer=$1 seconds=$2 work=$3
shift 3
options=()
max_len=65536
while [[ "${1:-}" == --dict || "${1:-}" == --max_len ]]; do
  case "$1" in
    --dict) options+=("-dict=$2") ;;
    --max_len) max_len=$2 ;;
  esac
  shift 2
done
seeds=()
for dir in "$@"; do
  if [[ -d "$dir" ]]; then
    seeds+=("$dir")
  else
    echo "run_fuzzer: seed directory $dir is absent; going on without it"
  fi
done
if [[ "${ZL_FUZZ_KEEP_CORPUS:-0}" != 1 ]]; then
  rm -rf "$work"
fi
mkdir -p "$work/corpus" "$work/artifacts"
log="$work/fuzzer.log"
status=0
"$fuzzer" "${options[@]}" -seed="${ZL_FUZZ_SEED:-1}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
  -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" "${seeds[@]}" >"$log" 2>&1 || status=$?
executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
echo "run_fuzzer: $(basename "$fuzzer"): ${executions:-?} executions in ${seconds} s," \
  "corpus of $(find "$work/corpus" -type f | wc -l) inputs, exit status $status"
if [[ $status != 0 ]]; then
  echo "run_fuzzer: the fuzzer stopped on a finding; its log ends:"
  tail -60 "$log"
  echo "run_fuzzer: the input is in $work/artifacts:"
  ls -l "$work/artifacts"
fi
exit "$status"
