"""The anchors' verdict on an Accelerate launch YAML, through Accelerate's own code.

`accelerate launch --config_file YAML --num_processes W script.py` is followed as far as the config goes:
launch_command_parser → _validate_launch_command (load_config_from_file inside: unknown keys, enums) →
for DEEPSPEED: launch_command's ACCELERATE_CONFIG_DS_FIELDS, prepare_deepspeed_cmd_env → under that
environment, what a rank does: DeepSpeedPlugin() (reads the JSON with strict json.load, checks the YAML's
plugin keys against deepspeed_config_file), AcceleratorState's set_mixed_precision, ParallelismConfig from
the environment, then Accelerator._prepare_deepspeed's "auto" fill (dataloader batch 8, accumulation from
the Accelerator, DummyOptim/DummyScheduler defaults) and deepspeed.initialize's DeepSpeedConfig with the
Ulysses mpu when sp_size > 1 (anchors.py).
MULTI_GPU / MULTI_CPU are plain DDP (the verdict is ZeRO stage 0 with the trainer's batch), NO is one process.
The working directory is where the user runs `accelerate launch` (relative deepspeed_config_file paths are
resolved from it).
"""
import contextlib
import math
import os

from accelerate.commands.launch import _validate_launch_command, launch_command_parser
from accelerate.parallelism_config import ParallelismConfig
from accelerate.utils import DeepSpeedPlugin, DistributedType
from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

import anchors
import trainer_values as tv
from verdict import Verdict, precision_of

OWN_PREFIXES = ("ACCELERATE_", "PARALLELISM_CONFIG_", "FSDP_", "MASTER_", "WORLD_SIZE", "RANK", "LOCAL_RANK")


@contextlib.contextmanager
def environment(values, cwd):
    """os.environ replaced by `values` and the working directory by `cwd` for the duration."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(values)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)


def clean_environment():
    return {k: v for k, v in os.environ.items() if not k.startswith(OWN_PREFIXES)}


class AcceleratorStub:
    """The attributes ParallelismConfig._validate_accelerator reads."""

    def __init__(self, world):
        self.num_processes = world
        self.multi_device = world > 1
        self.is_fsdp2 = False
        self.distributed_type = DistributedType.DEEPSPEED
        self.is_main_process = True


def judge_accelerate_yaml(path, world, cwd):
    with environment(clean_environment(), cwd):
        try:
            parser = launch_command_parser()
            args = parser.parse_args(["--config_file", str(path), "--num_processes", str(world), "script.py"])
            args, defaults, mp_from_config_flag = _validate_launch_command(args)
            machines = max(int(args.num_machines or 1), 1)
            if machines > 1 and world // machines == 0:
                return Verdict.reject(f"num_processes {world} // num_machines {machines} = 0 processes per machine")
            launched = (world // machines) * machines
            if args.use_deepspeed and not args.cpu:
                return deepspeed_path(args, defaults, mp_from_config_flag, launched)
            return other_path(args, defaults, launched)
        except (Exception, SystemExit) as e:  # argparse and launch helpers may sys.exit
            return Verdict.reject(f"{type(e).__name__}: {e}")


def other_path(args, defaults, launched):
    kind = defaults.distributed_type
    if args.multi_gpu and not args.cpu:
        prepare_multi_gpu_env(args)
    elif kind not in (DistributedType.MULTI_CPU, DistributedType.NO):
        # FSDP, XLA, Megatron-LM: Accelerate runs them; they are not ZeRO, so there is nothing to compare.
        return Verdict(True, note=f"distributed_type {kind.value}")
    if kind == DistributedType.NO:
        launched = 1  # the simple launcher starts one process whatever --num_processes says
    mp = (args.mixed_precision or "no").lower()
    return Verdict(True, train_batch_size=tv.MICRO_BATCH * tv.ACCUMULATION * launched, micro=tv.MICRO_BATCH,
                   accumulation=tv.ACCUMULATION, stage=0, optimizer=tv.CLIENT_OPTIMIZER, decoupled=True,
                   weight_decay=tv.WEIGHT_DECAY, precision=precision_of(mp == "fp16", mp == "bf16"),
                   note=f"DDP ({kind.value})" + (f", {launched} process" if launched == 1 else ""))


def deepspeed_path(args, defaults, mp_from_config_flag, world):
    # launch_command: which YAML keys sat in deepspeed_config (DeepSpeedPlugin refuses some next to a file)
    fields = list(defaults.deepspeed_config.keys()) if defaults else []
    if mp_from_config_flag:
        fields.append("mixed_precision")
    args.deepspeed_fields_from_accelerate_config = ",".join(fields)
    _, rank_env = prepare_deepspeed_cmd_env(args)
    with environment(rank_env, os.getcwd()):
        plugin = DeepSpeedPlugin()
        mixed_precision = os.environ.get("ACCELERATE_MIXED_PRECISION", "no")
        plugin.set_mixed_precision(mixed_precision)
        pc = None
        if os.environ.get("ACCELERATE_USE_PARALLELISM_CONFIG", "false").lower() == "true":
            pc = ParallelismConfig()
            pc._validate_accelerator(AcceleratorStub(world))
        accumulation = int(os.environ.get("ACCELERATE_GRADIENT_ACCUMULATION_STEPS", tv.ACCUMULATION))
        config = prepare_deepspeed_fill(plugin, pc, world, accumulation)
    sp_size = pc.sp_size if pc is not None and pc.sp_backend == "deepspeed" else 1
    return anchors.deepspeed_verdict(config, world, mpu_sp_size=sp_size)


def prepare_deepspeed_fill(plugin, pc, world, accumulation):
    """Accelerator._prepare_deepspeed's filling of the plugin's config, for a program that passes a
    DataLoader of batch size tv.MICRO_BATCH, a model with hidden size tv.HIDDEN_SIZE, and DummyOptim /
    DummyScheduler when the config has an optimizer / scheduler block (a torch optimizer otherwise)."""
    sp_size = pc.sp_size if pc is not None else 1
    if plugin.is_auto("train_micro_batch_size_per_gpu"):
        micro = tv.MICRO_BATCH
    else:
        micro = plugin.get_value("train_micro_batch_size_per_gpu")
    plugin.fill_match("gradient_accumulation_steps", must_match=False, gradient_accumulation_steps=accumulation)
    kwargs = {"gradient_clipping": 1.0, "zero_optimization.stage3_gather_16bit_weights_on_model_save": False}
    if micro is not None:
        kwargs["train_micro_batch_size_per_gpu"] = micro
        kwargs["train_batch_size"] = micro * plugin.get_value("gradient_accumulation_steps") * world // sp_size
    config = plugin.deepspeed_config
    if "optimizer" not in config:
        config["zero_allow_untested_optimizer"] = True  # a torch.optim optimizer from the program
    h = tv.HIDDEN_SIZE
    if any(plugin.is_auto(k) for k in ("zero_optimization.reduce_bucket_size",
                                       "zero_optimization.stage3_prefetch_bucket_size",
                                       "zero_optimization.stage3_param_persistence_threshold")):
        kwargs.update({"zero_optimization.reduce_bucket_size": h * h,
                       "zero_optimization.stage3_prefetch_bucket_size": int(0.9 * h * h),
                       "zero_optimization.stage3_param_persistence_threshold": 10 * h})
    if "optimizer" in config:
        kwargs.update({"optimizer.params.lr": tv.LEARNING_RATE, "optimizer.params.weight_decay": tv.WEIGHT_DECAY})
    if "scheduler" in config:
        kwargs.update({"scheduler.params.warmup_min_lr": 0, "scheduler.params.warmup_max_lr": tv.LEARNING_RATE,
                       "scheduler.params.warmup_num_steps": max(1, 0),
                       "scheduler.params.total_num_steps": math.ceil(tv.TRAINING_STEPS / world)})
    plugin.deepspeed_config_process(must_match=False, **kwargs)
    config = plugin.deepspeed_config
    if pc is not None and pc.sp_backend == "deepspeed" and pc.sp_size > 1:
        config["train_batch_size"] = (config["train_micro_batch_size_per_gpu"] *
                                      config["gradient_accumulation_steps"] * pc.data_parallel_size)
    return config
