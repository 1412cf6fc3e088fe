#!/usr/bin/env bash
# Training throughput of zlaunch's ZeRO stages against PyTorch DDP and ZeroRedundancyOptimizer, in one
# run, with the same model, the same per-rank batch, one thread per rank, on tinyshakespeare's bytes:
#   zlaunch run -n N train --model M --zero_stage S        for S in 0..3, N in RANKS
#   torchrun --nproc_per_node N torch_gpt.py --mode ddp|zero (the same architecture)
# under both OpenBLAS settings: as the development environment sets it for every process
# (OPENBLAS_CORETYPE=Haswell, perhaps OPENBLAS_L2_SIZE) and unset (OpenBLAS picks this machine's own
# core; zlaunch run corrects it for the ranks when it misjudges the CPU). `zlaunch env` names the core.
# Reports tokens/s of the job (median step time of the slowest rank, after warm-up) and ratios.
#   bench/engine/run.sh [build_dir] [shared_dir] [ranks...]      (ranks: default 2 4)
# Environment: PYTHON (an interpreter with a current torch, e.g. .venv-anchors/bin/python from
# scripts/anchors-venv.sh), MODEL (layers,heads,width,context,256, or small; default small), CONTEXT
# (the training window, default the model's: train --context, the anchor's --block), STEPS (timed,
# default 30), WARMUP (default 5), BLAS (both|env|own). Both sides train 8 sequences per rank per step
# (the trainer's default micro-batch), AdamW.
set -euo pipefail
build=${1:-build}
shared=${2:-../shared}
shift $(($# < 2 ? $# : 2))
rank_counts=("${@:-2 4}")
python=${PYTHON:-/usr/bin/python3}
model=${MODEL:-small}
batch=8
steps=${STEPS:-30}
warmup=${WARMUP:-5}
blas=${BLAS:-both}
data=$shared/data/tinyshakespeare.txt
anchor=$shared/anchors/torch_gpt.py
out=$(mktemp -d)
export OMP_NUM_THREADS=1

# The anchor's flags for the same architecture; its vocabulary is bytes, so ours must be 256.
spec=$model
[[ $spec == small ]] && spec=4,4,128,128,256
IFS=, read -r layers heads width model_context vocab <<<"$spec"
context=${CONTEXT:-$model_context}
if [[ $vocab != 256 ]]; then
  echo "MODEL $model: the PyTorch anchor trains on bytes; use a vocabulary of 256" >&2
  exit 2
fi
anchor_model=(--n_layer "$layers" --n_head "$heads" --n_embd "$width" --block "$context" --batch "$batch")

ours() {  # ranks stage -> tokens/s
  local n=$1 stage=$2
  local dir=$out/zl_${n}_${stage}_$RANDOM
  "$build/bin/zlaunch" run --num_processes "$n" --zero_stage "$stage" --log_dir "$dir" --run_id run \
    "$build/bin/train" --model "$spec" --context "$context" --data "$data" --steps $((steps + warmup)) \
    --eval_every 0 >/dev/null
  "$python" - "$dir/run/steps" "$n" "$warmup" <<'PY'
import json, statistics, sys, glob
d, n, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
worst = []
for f in sorted(glob.glob(d + "/rank_*.jsonl")):
    steps = [json.loads(l) for l in open(f)][warmup:]
    worst.append(statistics.median(s["seconds"] for s in steps))
tokens = json.loads(open(d + "/rank_0.jsonl").readline())["tokens"]  # the step's global batch
print(f"{tokens / max(worst):.0f}")
PY
}

theirs() {  # ranks mode -> tokens/s
  local n=$1 mode=$2
  GLOO_SOCKET_IFNAME=lo "$python" -m torch.distributed.run --nproc_per_node "$n" --master_addr 127.0.0.1 \
    --master_port $((29600 + RANDOM % 200)) --redirects 9:0 --tee 9:0 "$anchor" --mode "$mode" --data "$data" \
    --steps "$steps" --warmup "$warmup" --threads 1 "${anchor_model[@]}" 2>/dev/null |
    grep -o '"tokens_per_s": [0-9.]*' | tail -1 | awk '{printf "%.0f\n", $2}'
}

table() {  # label
  echo
  echo "-- OpenBLAS $1: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}, OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-<unset>};" \
    "$("$build/bin/zlaunch" env 2>/dev/null | grep -i -m1 'openblas' | sed 's/^ *//')"
  echo "model $spec, context $context, $batch sequences per rank, $steps steps after $warmup warm-up, torch $("$python" -c 'import torch; print(torch.__version__)')"
  echo "| ranks | PyTorch DDP | PyTorch ZeRO-1 | zlaunch stage 0 | stage 1 | stage 2 | stage 3 | zlaunch / DDP per stage | zlaunch / ZeRO-1 per stage | stage 3 / stage 0 step time |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for n in ${rank_counts[@]}; do
    ddp=$(theirs "$n" ddp)
    zero=$(theirs "$n" zero)
    s0=$(ours "$n" 0); s1=$(ours "$n" 1); s2=$(ours "$n" 2); s3=$(ours "$n" 3)
    "$python" -c "
n,ddp,zero,s=$n,$ddp,$zero,[$s0,$s1,$s2,$s3]
print(f'| {n} | {ddp} | {zero} | {s[0]} | {s[1]} | {s[2]} | {s[3]} | ' + ' / '.join(f'{x/ddp:.2f}' for x in s)
      + ' | ' + ' / '.join(f'{x/zero:.2f}' for x in s) + f' | {s[0]/s[3]:.2f} |')"
  done
}

echo "machine: $(nproc --all) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ $blas == both || $blas == env ]]; then
  (
    export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
    table "as the development environment sets it"
  )
fi
if [[ $blas == both || $blas == own ]]; then
  (
    unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
    table "unset (this machine's own core)"
  )
fi
