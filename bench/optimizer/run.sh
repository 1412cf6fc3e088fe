#!/usr/bin/env bash
# One AdamW step over a flat fp32 buffer of N parameters: zlaunch's cpu::adamw_step (adamw_bench)
# against torch.optim.AdamW (torch_adamw.py: foreach=True, foreach=False, and fused=True where the
# installed torch accepts it on CPU) on 1 and 2 threads, N = 10M and 100M, in the same run, alternating
# ours and theirs ROUNDS times. Each run takes STEPS timed steps after one warm-up; the table gives the
# median over rounds of each run's median step, and torch/zlaunch ratios. Usage:
#   bench/optimizer/run.sh [BUILD_DIR] [ROUNDS] [STEPS]   (defaults: build, 3, 5; quickest: BUILD_DIR 1 1)
# PYTHON names the interpreter that has torch (default: /usr/bin/python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../common.sh"
bench_setup "$@"
steps="${3:-5}"
bench="$build/bin/adamw_bench"
bench_require "$bench" "build it: cmake --build $build --target adamw_bench"
out="$tmp/runs.jsonl"

variants="foreach forloop"
if "$python" "$here/torch_adamw.py" 64 1 1 fused > /dev/null 2>&1; then
  variants="$variants fused"
else
  echo "torch $("$python" -c 'import torch; print(torch.__version__)'): AdamW(fused=True) is not available on CPU; skipped" >&2
fi

one_round() {
  for n in 10000000 100000000; do
    for t in 1 2; do
      OMP_NUM_THREADS=$t "$bench" "$n" "$t" "$steps" >> "$out"
      for variant in $variants; do
        OMP_NUM_THREADS=$t "$python" "$here/torch_adamw.py" "$n" "$t" "$steps" "$variant" >> "$out"
      done
    done
  done
}
bench_rounds one_round

"$python" - "$out" <<'PY'
import collections, json, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs[(r["n"], r["threads"], r["impl"])].append(r["median_ms"])
impls = sorted({k[2] for k in runs}, key=lambda s: (s != "zlaunch", s))
print("| params | threads | " + " | ".join(f"{i} ms" for i in impls) + " | "
      + " | ".join(f"{i} / zlaunch" for i in impls if i != "zlaunch") + " | zlaunch GB/s |")
print("|---" * (2 + 2 * len(impls)) + "|")
for n, t in sorted({(k[0], k[1]) for k in runs}):
    med = {i: statistics.median(runs[(n, t, i)]) for i in impls}
    gbs = 28 * n / (med["zlaunch"] * 1e-3) / 1e9  # reads p, g, m, v; writes p, m, v: 7 x 4 bytes
    print(f"| {n // 1000000}M | {t} | " + " | ".join(f"{med[i]:.1f}" for i in impls) + " | "
          + " | ".join(f"{med[i] / med['zlaunch']:.1f}x" for i in impls if i != "zlaunch") + f" | {gbs:.1f} |")
print("\nper-round medians (ms):")
for k in sorted(runs):
    print(f"  n={k[0]} threads={k[1]} {k[2]}: {runs[k]}")
PY
