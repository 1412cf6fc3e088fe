#!/usr/bin/env python3
"""Replays batches dumped by `train --dump_batches` in PyTorch, as DeepSpeed would train them.

Given a Hugging Face GPT-2 directory (config.json + model.safetensors), a DeepSpeed JSON config and the
dump (JSON lines, one global batch per optimizer step; docs/runtime.md), trains transformers'
GPT2LMHeadModel on the CPU in fp32 with what DeepSpeed's engine builds for that config and prints the
loss of every step:

- optimizer (deepspeed/runtime/engine.py, _configure_basic_optimizer): the Adam family is decoupled
  (torch.optim.AdamW) for `type: AdamW`, and for `type: Adam` unless `adam_w_mode` is false, which is
  torch.optim.Adam with L2 decay. Defaults are FusedAdam's (the optimizer DeepSpeed builds on a GPU):
  lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0 (torch's AdamW default of 0.01 is not used).
- scheduler: DeepSpeed's own class from deepspeed.runtime.lr_schedules, constructed before the first
  step (which sets the first rate) and stepped after every optimizer step, as the engine does.
- gradient accumulation: each rank's micro-batch loss (mean over its tokens) / gradient_accumulation_steps,
  gradients averaged over the ranks of the dump's world; the ranks' micro-batches are computed one after
  another in this one process (rows as the dump orders them).
- gradient_clipping: DeepSpeed's rule (deepspeed/runtime/utils.py clip_grad_norm_): the global L2 norm,
  gradients multiplied by min(1, clip / (norm + 1e-6)).
- the loss: cross-entropy of the logits against the dump's targets (no `labels`: GPT2LMHeadModel would
  shift them itself). Dropout is 0.

Usage: reference_train.py MODEL_DIR --run CONFIG.json BATCHES.jsonl [--run ...] [--json OUT]
Each --run starts from the model in MODEL_DIR. Prints `run K step N loss L lr R grad_norm G` lines; with
--json, writes [{"config": ..., "batches": ..., "steps": [{"step", "loss", "lr", "grad_norm"}]}].
"""
import argparse
import json
import math
import os
import sys

os.environ.setdefault("DS_ACCELERATOR", "cpu")

import torch  # noqa: E402
from transformers import GPT2LMHeadModel  # noqa: E402


def deepspeed_optimizer(parameters, block):
    """The optimizer DeepSpeed's _configure_basic_optimizer builds for the `optimizer` block."""
    name = block.get("type", "AdamW").lower()
    params = dict(block.get("params", {}))
    if name in ("adam", "adamw"):
        adam_w_mode = params.pop("adam_w_mode", True)
        params.pop("torch_adam", None)
        if not params.pop("bias_correction", True):
            sys.exit("reference_train.py: bias_correction false has no torch optimizer")
        decoupled = name == "adamw" or adam_w_mode
        kwargs = {
            "lr": params.pop("lr", 1e-3),
            "betas": tuple(params.pop("betas", (0.9, 0.999))),
            "eps": params.pop("eps", 1e-8),
            "weight_decay": params.pop("weight_decay", 0.0),
        }
        if params:
            sys.exit(f"reference_train.py: optimizer params not replayed: {sorted(params)}")
        return (torch.optim.AdamW if decoupled else torch.optim.Adam)(parameters, **kwargs)
    if name == "sgd":
        return torch.optim.SGD(parameters, **params)
    sys.exit(f"reference_train.py: optimizer {block.get('type')} is not replayed")


def deepspeed_scheduler(optimizer, block):
    if not block:
        return None
    from deepspeed.runtime import lr_schedules

    return getattr(lr_schedules, block["type"])(optimizer, **block.get("params", {}))


def clip_as_deepspeed(parameters, clip):
    """The global gradient norm, and the gradients scaled by min(1, clip / (norm + 1e-6)) when clip > 0."""
    grads = [p.grad for p in parameters if p.grad is not None]
    norm = torch.stack([g.detach().float().norm(2) for g in grads]).pow(2).sum().sqrt()
    if clip > 0:
        coef = torch.clamp(torch.tensor(float(clip)) / (norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef)
    return float(norm)


def replay(model_dir, config_path, batches_path):
    with open(config_path) as f:
        config = json.load(f)
    torch.manual_seed(0)
    model = GPT2LMHeadModel.from_pretrained(
        model_dir, torch_dtype=torch.float32, attn_implementation="eager",
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model.train()
    parameters = list(model.parameters())  # tied wte/lm_head appear once, as DeepSpeed sees them
    optimizer = deepspeed_optimizer(parameters, config.get("optimizer", {}))
    scheduler = deepspeed_scheduler(optimizer, config.get("scheduler"))
    clip = float(config.get("gradient_clipping", 0.0))
    steps = []
    with open(batches_path) as f:
        for line in f:
            batch = json.loads(line)
            W, B, A = batch["world_size"], batch["micro_batch"], batch["accumulation"]
            tokens = torch.tensor(batch["tokens"], dtype=torch.long)
            targets = torch.tensor(batch["targets"], dtype=torch.long)
            assert tokens.shape == (A * W * B, batch["context"]), tokens.shape
            lr = optimizer.param_groups[0]["lr"]
            loss_sum = 0.0
            for m in range(A):
                for r in range(W):
                    rows = slice((m * W + r) * B, (m * W + r + 1) * B)
                    logits = model(input_ids=tokens[rows]).logits
                    loss = torch.nn.functional.cross_entropy(
                        logits.reshape(-1, logits.shape[-1]), targets[rows].reshape(-1))
                    loss_sum += loss.item()
                    # DeepSpeed: loss / gradient_accumulation_steps per rank, gradients averaged over ranks.
                    (loss / (A * W)).backward()
            grad_norm = clip_as_deepspeed(parameters, clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            if scheduler is not None:
                scheduler.step()
            steps.append({"step": batch["step"], "loss": loss_sum / (A * W), "lr": lr, "grad_norm": grad_norm})
    return steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir")
    parser.add_argument("--run", nargs=2, action="append", required=True, metavar=("CONFIG", "BATCHES"))
    parser.add_argument("--json", help="write every run's steps to this file")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    results = []
    for k, (config_path, batches_path) in enumerate(args.run):
        steps = replay(args.model_dir, config_path, batches_path)
        for s in steps:
            print(f"run {k} step {s['step']} loss {s['loss']:.9g} lr {s['lr']:.9g} grad_norm {s['grad_norm']:.9g}")
        if not all(math.isfinite(s["loss"]) for s in steps):
            sys.exit(f"reference_train.py: a non-finite loss in run {k}")
        results.append({"config": config_path, "batches": batches_path, "steps": steps})
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump(results, f)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
