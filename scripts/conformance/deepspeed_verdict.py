"""The anchors' verdict on a DeepSpeed JSON used directly (deepspeed launcher, HF Trainer's --deepspeed).

1. Read it as DeepSpeedConfig reads a path: hjson with DeepSpeed's duplicate-key hook (comments, trailing
   commas and newline-for-comma pass; a repeated key is an error).
2. Fill "auto" as HF Trainer's HfTrainerDeepSpeedConfig does (trainer_config_process, then
   trainer_config_finalize's hidden-size and scheduler rules), through its own fill_only, with the fixed
   trainer of trainer_values.py. The trainer's arguments are taken to agree with the file wherever the file
   is explicit (a user passes --per_device_train_batch_size 4 with a file that says 4), so
   train_batch_size "auto" becomes the file's micro x accumulation x world, as Accelerate computes it.
   A file without any "auto" goes to DeepSpeed as it is (no trainer needs to touch it).
3. DeepSpeed's own checks at the world size (anchors.deepspeed_verdict).
"""
import hjson
from deepspeed.runtime.config_utils import dict_raise_error_on_duplicate_keys
from transformers.integrations.deepspeed import HfTrainerDeepSpeedConfig

import anchors
import trainer_values as tv
from verdict import Verdict


def load_like_deepspeed(path):
    """The dict DeepSpeedConfig(path) would work on, or raise its error."""
    with open(path, "r") as f:
        return hjson.load(f, object_pairs_hook=dict_raise_error_on_duplicate_keys)


def explicit(value, default):
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def fill_like_hf_trainer(document, world, mixed_precision="no"):
    """A copy of `document` with HF Trainer's "auto" rules applied for the fixed trainer at `world`."""
    hf = HfTrainerDeepSpeedConfig(document)  # deep-copies
    micro = explicit(hf.get_value("train_micro_batch_size_per_gpu"), tv.MICRO_BATCH)
    accumulation = explicit(hf.get_value("gradient_accumulation_steps"), tv.ACCUMULATION)
    hf.fill_only("train_micro_batch_size_per_gpu", micro)
    hf.fill_only("gradient_accumulation_steps", accumulation)
    hf.fill_only("train_batch_size", world * micro * accumulation)
    hf.fill_only("gradient_clipping", tv.GRADIENT_CLIPPING)
    lr = explicit(hf.get_value("optimizer.params.lr"), tv.LEARNING_RATE)
    hf.fill_only("optimizer.params.lr", lr)
    hf.fill_only("optimizer.params.betas", list(tv.BETAS))
    hf.fill_only("optimizer.params.eps", tv.EPS)
    hf.fill_only("optimizer.params.weight_decay", tv.WEIGHT_DECAY)
    hf.fill_only("scheduler.params.warmup_min_lr", 0)
    hf.fill_only("scheduler.params.warmup_max_lr", lr)
    hf.fill_only("fp16.enabled", mixed_precision == "fp16")
    hf.fill_only("bf16.enabled", mixed_precision == "bf16")
    h = tv.HIDDEN_SIZE
    hf.fill_only("zero_optimization.reduce_bucket_size", h * h)
    if hf.is_zero3():  # trainer_config_finalize fills the stage-3 sizes only at stage 3
        hf.fill_only("zero_optimization.stage3_prefetch_bucket_size", int(0.9 * h * h))
        hf.fill_only("zero_optimization.stage3_param_persistence_threshold", 10 * h)
    hf.fill_only("scheduler.params.total_num_steps", tv.TRAINING_STEPS)
    hf.fill_only("scheduler.params.warmup_num_steps", tv.WARMUP_STEPS)
    return hf.config


def has_auto(value):
    if isinstance(value, dict):
        return any(has_auto(v) for v in value.values())
    if isinstance(value, list):
        return any(has_auto(v) for v in value)
    return value == "auto"


def judge_deepspeed_json(path, world):
    try:
        document = load_like_deepspeed(path)
    except Exception as e:
        return Verdict.reject(f"{type(e).__name__}: {e}")
    if not isinstance(document, dict):
        return Verdict.reject(f"not a JSON object: {type(document).__name__}")
    if not has_auto(document):  # nothing for a trainer to fill: DeepSpeed's verdict alone
        return anchors.deepspeed_verdict(document, world)
    try:
        config = fill_like_hf_trainer(document, world)
    except Exception as e:
        return Verdict.reject(f"HF Trainer: {type(e).__name__}: {e}")
    return anchors.deepspeed_verdict(config, world)
