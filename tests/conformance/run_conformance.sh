#!/usr/bin/env bash
# ctest's entry to scripts/conformance.sh: skips (exit 77), saying why, unless ZL_CONFORMANCE_PYTHON names
# a python that imports deepspeed and accelerate; judges the shared corpus when ZL_SHARED_DIR holds it and
# only the hand-made cases otherwise; fails on any disagreement not in deliberate_differences.tsv.
# Usage: tests/conformance/run_conformance.sh SOURCE_ROOT ZLAUNCH_BIN OUT_MARKDOWN
set -uo pipefail
root=${1:?usage: run_conformance.sh SOURCE_ROOT ZLAUNCH_BIN OUT_MARKDOWN}
zlaunch=${2:?zlaunch binary}
out=${3:?output markdown}
if [[ -z "${ZL_CONFORMANCE_PYTHON:-}" ]]; then
  echo "skipped: ZL_CONFORMANCE_PYTHON is not set; scripts/anchors-venv.sh makes a python with DeepSpeed and Accelerate and prints the export"
  exit 77
fi
if [[ ! -x "$zlaunch" ]]; then
  echo "conformance: $zlaunch is not built"
  exit 1
fi
corpus=none
if [[ -n "${ZL_SHARED_DIR:-}" && -f "$ZL_SHARED_DIR/data/configs/MANIFEST.tsv" ]]; then
  corpus=$ZL_SHARED_DIR/data/configs
fi
rm -f "$out"
exec "$root/scripts/conformance.sh" --python "$ZL_CONFORMANCE_PYTHON" --zlaunch "$zlaunch" --out "$out" --corpus "$corpus"
