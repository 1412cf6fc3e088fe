#!/usr/bin/env bash
# `zlaunch run` against the real `accelerate launch` and `torchrun` (scripts/conformance/launcher_comparison.py):
# the same Accelerate program gets the same AcceleratorState under both for every Accelerate YAML of the
# shared corpus and tests/conformance/cases/accelerate_{plugin_zero2,plugin_defaults,file_without_mixed_precision,multi_cpu}.yaml,
# and a torch DDP program gets torchrun's variables with torchrun's values.
#   scripts/compare-launchers.sh [--python PY] [--zlaunch BIN] [--corpus DIR|none] [--only TEXT]
# PY: a python with torch and accelerate from PyPI; default $ZL_ACCELERATE_PYTHON, else
# .venv-anchors/bin/python (scripts/anchors-venv.sh makes it). Exit: 0 agree, 1 disagreement, 2 usage,
# 77 when PY is missing or cannot import them (the ctest test reports that as skipped).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${ZL_ACCELERATE_PYTHON:-}
zlaunch=""
corpus=${ZL_SHARED_DIR:-$root/../shared}/data/configs
only=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --python) python=${2:?--python needs a path}; shift 2 ;;
    --zlaunch) zlaunch=${2:?--zlaunch needs a path}; shift 2 ;;
    --corpus) corpus=${2:?--corpus needs a folder or none}; shift 2 ;;
    --only) only=(--only "${2:?--only needs a text}"); shift 2 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare-launchers.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
me=compare-launchers.sh
source "$root/scripts/lib/anchor-tools.sh"
python=$(anchor_python "$python" "run scripts/anchors-venv.sh and set ZL_ACCELERATE_PYTHON") || exit $?
zlaunch=$(zlaunch_binary "$zlaunch") || exit $?
if [[ "$corpus" == none ]]; then
  corpus=""
elif [[ ! -d "$corpus" ]]; then
  echo "note: no shared corpus at $corpus (a user's clone has none); comparing the hand-made cases only"
  corpus=""
fi
cases=$root/tests/conformance/cases
exec "$python" "$root/scripts/conformance/launcher_comparison.py" --python "$python" --zlaunch "$zlaunch" \
  --corpus "$corpus" "${only[@]}" --cases "$cases/accelerate_plugin_zero2.yaml" "$cases/accelerate_plugin_defaults.yaml" \
  "$cases/accelerate_file_without_mixed_precision.yaml" "$cases/accelerate_multi_cpu.yaml" \
  "$cases/accelerate_mixed_precision_next_to_file.yaml"
