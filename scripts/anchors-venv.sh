#!/usr/bin/env bash
# Creates the virtual environment of the real anchors from PyPI, the judges of zlaunch's compatibility:
# DeepSpeed, Accelerate, transformers and a current PyTorch (CPU is enough; DeepSpeed's C++/CUDA ops
# are not built). Tests that compare against them find it through ZL_CONFORMANCE_PYTHON (config
# verdicts), ZL_TORCH_PYTHON (training) and ZL_ACCELERATE_PYTHON (the launcher against accelerate launch
# and torchrun); without it they skip and say why.
#   scripts/anchors-venv.sh [DIR]     (default .venv-anchors); prints the exports to use.
# The versions are pinned: a verdict table is only meaningful against the release it was made with.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv-anchors}
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
DS_BUILD_OPS=0 "$venv/bin/pip" install --quiet \
  "deepspeed==0.19.8" "accelerate==1.15.0" "transformers" "torch" "hjson" "safetensors"
DS_ACCELERATOR=cpu "$venv/bin/python" - <<'PY'
import deepspeed, accelerate, transformers, torch
print(f"anchors: deepspeed {deepspeed.__version__}, accelerate {accelerate.__version__}, "
      f"transformers {transformers.__version__}, torch {torch.__version__}")
PY
python=$(cd "$venv" && pwd)/bin/python
echo "export ZL_CONFORMANCE_PYTHON=$python ZL_TORCH_PYTHON=$python ZL_ACCELERATE_PYTHON=$python"
