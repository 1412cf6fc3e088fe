#!/usr/bin/env bash
# Judges zlaunch's config verdicts against the real DeepSpeed and Accelerate: every file of the shared
# corpus (../shared/data/configs) and of tests/conformance/cases at world sizes 1, 2, 4 and 8, DeepSpeed's
# and Accelerate's own code on one side and `zlaunch config validate/show` on the other. Writes the
# side-by-side table into docs/compatibility.md (between its markers) and fails on any disagreement that
# tests/conformance/deliberate_differences.tsv does not list.
#   scripts/conformance.sh [--python PY] [--zlaunch BIN] [--out FILE] [--corpus DIR|none] [--only TEXT]
# PY: a python with deepspeed and accelerate (scripts/anchors-venv.sh makes one); default
# $ZL_CONFORMANCE_PYTHON, else .venv-anchors/bin/python. BIN: default build-dev/bin/zlaunch, else
# build/bin/zlaunch, else zlaunch on PATH. Exit: 0 all agree or deliberate, 1 open disagreements,
# 2 usage, 77 when PY cannot import the anchors (the ctest test reports that as skipped).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${ZL_CONFORMANCE_PYTHON:-}
zlaunch=""
passthrough=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --python) python=${2:?--python needs a path}; shift 2 ;;
    --zlaunch) zlaunch=${2:?--zlaunch needs a path}; shift 2 ;;
    --out|--corpus|--only|--cases|--deliberate) passthrough+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "conformance.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
me=conformance.sh
source "$root/scripts/lib/anchor-tools.sh"
python=$(anchor_python "$python" "run scripts/anchors-venv.sh and pass --python or set ZL_CONFORMANCE_PYTHON") || exit $?
zlaunch=$(zlaunch_binary "$zlaunch") || exit $?
export DS_ACCELERATOR=cpu DS_BUILD_OPS=0 PYTHONDONTWRITEBYTECODE=1 TOKENIZERS_PARALLELISM=false
if ! "$python" -c "import deepspeed, accelerate, transformers, hjson" >/dev/null 2>&1; then
  echo "skipped: $python cannot import deepspeed, accelerate, transformers and hjson (scripts/anchors-venv.sh makes such a python)"
  exit 77
fi
exec "$python" "$root/scripts/conformance/judge.py" --zlaunch "$zlaunch" "${passthrough[@]}"
