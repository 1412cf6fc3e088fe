#!/usr/bin/env python3
"""Logits of a consolidated checkpoint through Hugging Face transformers (used by consolidate_test).

Usage: hf_transformers_logits.py DIR TOKENS  (DIR holds model.safetensors and config.json as
`zlaunch checkpoint consolidate` writes them; TOKENS is a comma-separated list). Loads the directory
with transformers' own GPT2LMHeadModel.from_pretrained (local files only, nothing from a hub), runs
one forward in eval mode and prints the [T, V] logits as one flat JSON list on stdout, the versions
used on stderr. Exits 3 when transformers cannot be imported, so the caller can skip with the reason.
"""
import json
import sys

try:
    import torch
    import transformers
    from transformers import GPT2LMHeadModel
except ImportError as error:
    print(f"transformers is not importable: {error}", file=sys.stderr)
    sys.exit(3)


def main():
    directory, token_text = sys.argv[1], sys.argv[2]
    print(f"transformers {transformers.__version__}, torch {torch.__version__}", file=sys.stderr)
    model = GPT2LMHeadModel.from_pretrained(directory, local_files_only=True, torch_dtype=torch.float32)
    model.eval()
    tokens = torch.tensor([[int(t) for t in token_text.split(",")]])
    with torch.no_grad():
        logits = model(tokens).logits[0]
    print(json.dumps(logits.reshape(-1).tolist()))


if __name__ == "__main__":
    main()
