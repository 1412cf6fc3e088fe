"""DeepSpeed's own judgement of a filled-in config dict at a given world size.

`deepspeed_verdict(config, world)` constructs `deepspeed.runtime.config.DeepSpeedConfig(config)` with
`deepspeed.comm.get_world_size/get_rank` patched to (world, 0) -- the batch checks, the pydantic models of
zero_optimization/fp16/bf16 (unknown keys there are errors) and the sanity checks are DeepSpeed's code --
and then applies the optimizer checks that `deepspeed.initialize` makes before the first step
(DeepSpeedEngine._configure_basic_optimizer and _do_optimizer_sanity_check), since those are where a
config with a misspelt optimizer parameter, `max_grad_norm` or an untested ZeRO optimizer is refused.
"""
import contextlib
import inspect
import logging
import os
import warnings

os.environ.setdefault("DS_ACCELERATOR", "cpu")
os.environ.setdefault("DS_BUILD_OPS", "0")

import deepspeed  # noqa: E402
import deepspeed.comm as ds_comm  # noqa: E402
import torch  # noqa: E402
from deepspeed.runtime import config as ds_config_module  # noqa: E402
from deepspeed.runtime.config import DeepSpeedConfig  # noqa: E402

import trainer_values  # noqa: E402
from verdict import Verdict, precision_of  # noqa: E402

VERSION = deepspeed.__version__


def quiet():
    """DeepSpeed, Accelerate and transformers log every config they see; the judge keeps stdout for itself."""
    for name in ("DeepSpeed", "deepspeed", "accelerate", "transformers", "torch"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        deepspeed.utils.logger.setLevel(logging.ERROR)
    except AttributeError:
        pass
    warnings.filterwarnings("ignore")


@contextlib.contextmanager
def world_of(size):
    """deepspeed.comm answers as rank 0 of a group of `size`, as a real gloo group does for this code."""
    saved = ds_comm.get_world_size, ds_comm.get_rank
    ds_comm.get_world_size = lambda group=None: size
    ds_comm.get_rank = lambda group=None: 0
    try:
        yield
    finally:
        ds_comm.get_world_size, ds_comm.get_rank = saved


class SequenceParallelMpu:
    """What deepspeed.runtime.sequence_parallel.parallel_state_sp gives DeepSpeedConfig as `mpu` under
    Ulysses/ALST (Accelerate passes it when parallelism_config has sp_size > 1). It has no
    get_data_parallel_world_size, so DeepSpeedConfig divides the world by the sequence-parallel size; the
    divisibility checks are initialize_sequence_parallel's."""

    def __init__(self, world, sp_size):
        if world < sp_size:
            raise RuntimeError(f"world_size ({world}) is less than sequence_parallel_size {sp_size}")
        if world % sp_size != 0:
            raise RuntimeError(f"world_size ({world}) is not divisible by sequence_parallel_size {sp_size})")
        self.sp_size = sp_size

    def get_sequence_parallel_world_size(self):
        return self.sp_size


def deepspeed_verdict(config, world, mpu_sp_size=1, client_optimizer=trainer_values.CLIENT_OPTIMIZER):
    """Accept/reject of `config` (a dict without "auto" left where the trainer fills one) at `world`."""
    try:
        with world_of(world):
            mpu = SequenceParallelMpu(world, mpu_sp_size) if mpu_sp_size > 1 else None
            ds = DeepSpeedConfig(config, mpu=mpu)
            optimizer = engine_optimizer(ds, client_optimizer)
    except Exception as e:  # every refusal of DeepSpeed's is some exception; its text is the reason
        return Verdict.reject(f"{type(e).__name__}: {e}")
    name, decoupled, weight_decay = optimizer
    return Verdict(
        True,
        train_batch_size=ds.train_batch_size,
        micro=ds.train_micro_batch_size_per_gpu,
        accumulation=ds.gradient_accumulation_steps,
        stage=int(ds.zero_optimization_stage),
        optimizer=name,
        decoupled=decoupled,
        weight_decay=weight_decay,
        precision=precision_of(ds.float16_config.enabled, ds.bfloat16_config.enabled),
        note=f"data-parallel size {fmt(ds.world_size)} of {world}" if ds.world_size != world else "",
    )


def fmt(value):
    return str(int(value)) if float(value).is_integer() else str(value)


def engine_optimizer(ds, client_optimizer):
    """(name, decoupled, weight_decay) of the optimizer deepspeed.initialize would build, or raise as it
    would. Mirrors DeepSpeedEngine._configure_basic_optimizer / get_optimizer_configuration /
    _do_optimizer_sanity_check; the optimizer classes' own signatures decide which parameters they take."""
    if ds.optimizer_name is None:
        return client_optimizer, True, trainer_values.WEIGHT_DECAY
    params = dict(ds.optimizer_params or {})
    if "max_grad_norm" in params:
        raise ValueError("'max_grad_norm' is not supported as an optimizer parameter, please switch to using "
                         "the deepspeed parameter 'gradient_clipping'")
    name = ds.optimizer_name
    offload = ds.zero_config.offload_optimizer is not None and str(
        getattr(ds.zero_config.offload_optimizer.device, "value", ds.zero_config.offload_optimizer.device)) in (
            "cpu", "nvme")
    if name in (ds_config_module.ADAM_OPTIMIZER, ds_config_module.ADAMW_OPTIMIZER):
        adam_w_mode = params.pop(ds_config_module.ADAM_W_MODE, ds_config_module.ADAM_W_MODE_DEFAULT)
        decoupled = bool(name == ds_config_module.ADAMW_OPTIMIZER or adam_w_mode)
        torch_adam = params.pop(ds_config_module.TORCH_ADAM_PARAM, False)
        params.pop("fp32_optimizer_states", None)
        if torch_adam:
            params.pop("foreach", None)
            cls = torch.optim.AdamW if decoupled else torch.optim.Adam
        elif offload:
            from deepspeed.ops.adam import DeepSpeedCPUAdam as cls
        else:
            from deepspeed.ops.adam import FusedAdam as cls
        check_parameters(cls, params)
        zero_supported = True
        label = "AdamW" if decoupled else "Adam"
    elif name in ds_config_module.DEEPSPEED_OPTIMIZERS:
        # Lamb, Lion, Adagrad, Muon, MuAdam...: DeepSpeed's own, all ZeRO-supported or not used with it here.
        return name, None, params.get("weight_decay", 0.0)
    else:
        cls = getattr(torch.optim, name, None)
        if cls is None:
            raise AttributeError(f"module 'torch.optim' has no attribute '{name}' (optimizer.type)")
        check_parameters(cls, params)
        zero_supported = cls in (torch.optim.Adam, torch.optim.AdamW, torch.optim.Adagrad)
        decoupled = cls is torch.optim.AdamW
        label = name
    if ds.zero_enabled and not zero_supported and not ds.zero_allow_untested_optimizer:
        raise AssertionError('You are using an untested ZeRO Optimizer. Please add <"zero_allow_untested_optimizer":'
                             ' true> in the configuration file to use it.')
    weight_decay = params.get("weight_decay", default_weight_decay(cls))
    return label, decoupled, float(weight_decay)


def check_parameters(cls, params):
    signature = inspect.signature(cls.__init__)
    if any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values()):
        return
    unknown = sorted(set(params) - set(signature.parameters))
    if unknown:
        raise TypeError(f"{cls.__name__}.__init__() got an unexpected keyword argument '{unknown[0]}'")


def default_weight_decay(cls):
    parameter = inspect.signature(cls.__init__).parameters.get("weight_decay")
    return 0.0 if parameter is None or parameter.default is inspect.Parameter.empty else parameter.default
