#!/usr/bin/env python3
"""Writes a small random GPT-2 with transformers, as a Hugging Face directory (config.json +
model.safetensors) that `train --init_from DIR/model.safetensors` and reference_train.py both load.

Usage: make_gpt2.py DIR [--layers 2] [--heads 4] [--width 64] [--context 32] [--vocab 65] [--seed 1234]
                    [--require MODULE ...]
Dropout is 0 in the saved config, so both sides train the same deterministic function. Exits 3 naming the
module when torch, transformers or a --require'd module (e.g. deepspeed.runtime.lr_schedules, which
reference_train.py needs) cannot be imported, so a test can skip with the reason in one Python start-up.
"""
import argparse
import importlib
import os
import sys

os.environ.setdefault("DS_ACCELERATOR", "cpu")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--context", type=int, default=32)
    parser.add_argument("--vocab", type=int, default=65)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--require", action="append", default=[], metavar="MODULE")
    args = parser.parse_args()
    try:
        for module in ["torch", "transformers"] + args.require:
            importlib.import_module(module)
    except ImportError as e:
        print(f"make_gpt2.py: cannot import {module}: {e}", file=sys.stderr)
        sys.exit(3)
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(args.seed)
    config = GPT2Config(n_layer=args.layers, n_head=args.heads, n_embd=args.width, n_positions=args.context,
                        vocab_size=args.vocab, bos_token_id=0, eos_token_id=0, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = GPT2LMHeadModel(config)
    model.save_pretrained(args.dir)  # safetensors (transformers' only format for save_pretrained)
    print(f"{args.dir}: GPT-2 {args.layers},{args.heads},{args.width},{args.context},{args.vocab}, "
          f"{sum(p.numel() for p in model.parameters())} parameters")


if __name__ == "__main__":
    main()
