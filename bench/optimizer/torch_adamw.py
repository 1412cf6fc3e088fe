"""Seconds per torch.optim.AdamW step over one flat fp32 parameter of N elements on T threads: the
anchor of bench/optimizer/run.sh. Prints one JSON line like adamw_bench.
Usage: torch_adamw.py N THREADS STEPS VARIANT   (VARIANT: foreach | forloop | fused)"""
import json
import sys
import time

import torch

n, threads, steps, variant = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
torch.set_num_threads(threads)
i = torch.arange(n, dtype=torch.int64) % 2001
p = torch.nn.Parameter(((i - 1000).to(torch.float32) / 1000.0))
p.grad = p.detach() * 0.01
del i
kwargs = {"foreach": variant == "foreach"}
if variant == "fused":
    kwargs = {"fused": True}  # torch >= 2.x on CPU; 1.13's AdamW has no such argument
opt = torch.optim.AdamW([p], lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, **kwargs)
ms = []
with torch.no_grad():
    for s in range(steps + 1):
        t0 = time.perf_counter()
        opt.step()
        t1 = time.perf_counter()
        if s > 0:
            ms.append((t1 - t0) * 1e3)
srt = sorted(ms)
print(json.dumps({"impl": f"torch-{variant}", "n": n, "threads": threads, "step_ms": [round(x, 3) for x in ms],
                  "median_ms": round(srt[len(srt) // 2], 3), "torch": torch.__version__}))
