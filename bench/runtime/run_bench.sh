#!/usr/bin/env bash
# Tokens/s of one training process on one thread: zlaunch's `train` against the PyTorch anchor
# (../shared/anchors/torch_gpt.py --mode single --threads 1) with the same GPT config (4 layers, 4 heads,
# width 128, context 128, vocab 256), micro-batch 8, AdamW, in the same run, alternating ROUNDS times.
# Prints per-round numbers and the ratio of the medians. Usage:
#   bench/runtime/run_bench.sh [BUILD_DIR] [ROUNDS]       (defaults: build, 3; quickest: BUILD_DIR 1)
# PYTHON names the interpreter that has torch (default: /usr/bin/python3); ZL_SHARED_DIR the shared
# folder holding the anchor (default: ../shared next to the checkout).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
bench_setup "$@"
train="$build/bin/train"
anchor="${ZL_SHARED_DIR:-$bench_root/../shared}/anchors/torch_gpt.py"
bench_require "$train" "build it: ninja -C $build train"
[[ -f "$anchor" ]] || { echo "no anchor at $anchor (set ZL_SHARED_DIR)" >&2; exit 2; }
warmup=5
steps=30

one_round() {
  local round=$1
  OMP_NUM_THREADS=1 "$train" --model small --context 128 --steps $((warmup + steps)) --eval_batches 1 --threads 1 \
    --log_json "$tmp/zl_$round.jsonl" > "$tmp/zl_$round.out"
  OMP_NUM_THREADS=1 "$python" "$anchor" --mode single --threads 1 --batch 8 --warmup "$warmup" --steps "$steps" \
    --json "$tmp/torch.jsonl" > /dev/null
}
bench_rounds one_round

"$python" - "$tmp" "$rounds" "$warmup" <<'PY'
import json, statistics, sys
tmp, rounds, warmup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch_runs = [json.loads(l) for l in open(f"{tmp}/torch.jsonl")]
zl, th = [], []
for r in range(1, rounds + 1):
    all_lines = [json.loads(l) for l in open(f"{tmp}/zl_{r}.jsonl")]
    tokens = all_lines[0]["tokens"]  # per optimizer step: 8 x 128, as the anchor
    assert tokens == 8 * 128, tokens
    lines = all_lines[warmup:]
    step = statistics.median(l["seconds"] for l in lines)
    phases = {k: statistics.median(l[k] for l in lines) * 1e3
              for k in ("forward_seconds", "backward_seconds", "optimizer_seconds", "data_seconds")}
    zl.append(tokens / step)
    t = torch_runs[r - 1]
    th.append(t["tokens_per_s"])
    print(f"round {r}: zlaunch {tokens / step:8.0f} tok/s (step {step * 1e3:6.1f} ms: fwd {phases['forward_seconds']:.1f}"
          f" bwd {phases['backward_seconds']:.1f} opt {phases['optimizer_seconds']:.1f} data {phases['data_seconds']:.2f})"
          f" | torch {t['tokens_per_s']:8.0f} tok/s (step {t['step_ms_median_rank0']:6.1f} ms: fwd {t['fwd_ms_median']:.1f}"
          f" bwd {t['bwd_ms_median']:.1f} opt {t['opt_ms_median']:.1f})")
print(f"median: zlaunch {statistics.median(zl):.0f} tok/s, torch {statistics.median(th):.0f} tok/s, "
      f"ratio zlaunch/torch {statistics.median(zl) / statistics.median(th):.2f}")
PY
