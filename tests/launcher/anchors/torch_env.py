"""A torch DDP program's view of its launcher: joins the process group through env:// (gloo), checks one
all_reduce, and writes every variable its launcher added (those not in $ZL_BASE_ENVIRONMENT, a JSON list
of the names the launcher itself was started with) to $ZL_STATE_DIR/rank_<RANK>.json.

Run under `torchrun --nproc_per_node 2` and `zlaunch run --nproc_per_node 2` (scripts/compare-launchers.sh).
"""
import json
import os

import torch
import torch.distributed as dist

dist.init_process_group("gloo")
total = torch.tensor([dist.get_rank() + 1.0])
dist.all_reduce(total)
world = dist.get_world_size()
assert total.item() == world * (world + 1) / 2, f"all_reduce gave {total.item()}"
base = set(json.load(open(os.environ["ZL_BASE_ENVIRONMENT"])))
added = {name: value for name, value in os.environ.items() if name not in base}
with open(os.path.join(os.environ["ZL_STATE_DIR"], f"rank_{os.environ['RANK']}.json"), "w") as f:
    json.dump(added, f, sort_keys=True)
dist.destroy_process_group()
