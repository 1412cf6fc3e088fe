"""What Accelerate decided for this process, written as JSON to $ZL_STATE_DIR/rank_<process_index>.json.

Run under `accelerate launch` and under `zlaunch run` with the same config (scripts/compare-launchers.sh):
the two must give every rank the same state. The fields are what trains differently when they differ:
the distributed type and world, mixed precision, the DeepSpeed plugin's stage and accumulation, and the
DeepSpeed config's batch triple, ZeRO block and precision blocks.
"""
import json
import os

import torch.distributed as dist
from accelerate import Accelerator
from accelerate.state import AcceleratorState

accelerator = Accelerator()
state = AcceleratorState()
out = {
    "distributed_type": str(state.distributed_type),
    "num_processes": state.num_processes,
    "process_index": state.process_index,
    "local_process_index": state.local_process_index,
    "mixed_precision": str(state.mixed_precision),
    "device": str(state.device),
    "gradient_accumulation_steps": accelerator.gradient_accumulation_steps,
    "torch_distributed_world_size": dist.get_world_size() if dist.is_available() and dist.is_initialized() else None,
}
plugin = state.deepspeed_plugin
if plugin is not None:
    config = plugin.deepspeed_config
    out["deepspeed"] = {
        "zero_stage": plugin.zero_stage,
        "gradient_accumulation_steps": plugin.gradient_accumulation_steps,
        "zero3_init_flag": plugin.zero3_init_flag,
        "batch": [config.get("train_batch_size"), config.get("train_micro_batch_size_per_gpu"),
                  config.get("gradient_accumulation_steps")],
        "zero_optimization": config.get("zero_optimization"),
        "fp16": config.get("fp16"),
        "bf16": config.get("bf16"),
        "gradient_clipping": config.get("gradient_clipping"),
    }
# The global rank from the environment too: under DeepSpeed on a CPU the state may not know it.
rank = os.environ.get("RANK", os.environ.get("OMPI_COMM_WORLD_RANK", str(state.process_index)))
with open(os.path.join(os.environ["ZL_STATE_DIR"], f"rank_{rank}.json"), "w") as f:
    json.dump(out, f, sort_keys=True)
