#!/usr/bin/env bash
# Training throughput of zlaunch's ZeRO stages against PyTorch DDP and ZeroRedundancyOptimizer, in one
# run, with the same model (GPT-2 "small": 4 layers, 4 heads, width 128, context 128, bytes), the same
# per-rank batch (8 sequences), one thread per rank, on tinyshakespeare:
#   zlaunch run -n N train --model small --zero_stage S      for S in 0..3, N in 2 4
#   torchrun --nproc_per_node N torch_gpt.py --mode ddp|zero
# Reports tokens/s of the job (median step time of the slowest rank, after warm-up) and ratios.
#   bench/engine/run.sh [build_dir] [shared_dir] [ranks...]      (ranks: default 2 4)
# PYTHON names the interpreter that has torch (default: Debian's /usr/bin/python3).
set -euo pipefail
build=${1:-build}
shared=${2:-../shared}
shift $(($# < 2 ? $# : 2))
rank_counts=("${@:-2 4}")
python=${PYTHON:-/usr/bin/python3}
data=$shared/data/tinyshakespeare.txt
anchor=$shared/anchors/torch_gpt.py
steps=30
warmup=5
out=$(mktemp -d)
export OMP_NUM_THREADS=1

ours() {  # ranks stage -> tokens/s
  local n=$1 stage=$2
  local dir=$out/zl_${n}_${stage}
  "$build/bin/zlaunch" run --num_processes "$n" --zero_stage "$stage" --log_dir "$dir" --run_id run \
    "$build/bin/train" --model small --data "$data" --steps $((steps + warmup)) --eval_every 0 >/dev/null
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
    --steps $steps --warmup $warmup --threads 1 --batch 8 2>/dev/null |
    grep -o '"tokens_per_s": [0-9.]*' | tail -1 | awk '{printf "%.0f\n", $2}'
}

echo "| ranks | PyTorch DDP | PyTorch ZeRO-1 | zlaunch stage 0 | stage 1 | stage 2 | stage 3 | best zlaunch / DDP | stage 3 / stage 0 step time |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in ${rank_counts[@]}; do
  ddp=$(theirs "$n" ddp)
  zero=$(theirs "$n" zero)
  s0=$(ours "$n" 0); s1=$(ours "$n" 1); s2=$(ours "$n" 2); s3=$(ours "$n" 3)
  "$python" -c "
n,ddp,zero,s=$n,$ddp,$zero,[$s0,$s1,$s2,$s3]
print(f'| {n} | {ddp} | {zero} | {s[0]} | {s[1]} | {s[2]} | {s[3]} | {max(s)/ddp:.2f} | {s[0]/s[3]:.2f} |')"
done
