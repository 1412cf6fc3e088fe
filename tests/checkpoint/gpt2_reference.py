#!/usr/bin/env python3
"""An independent GPT-2 forward over a consolidated checkpoint (used by consolidate_test).

Usage: gpt2_reference.py DIR TOKENS  (DIR holds model.safetensors and config.json; TOKENS is a
comma-separated list). Prints the backend used on stderr and the [T, V] logits as one flat JSON list
on stdout. Reads the safetensors file by hand (8-byte header length, JSON header, raw data). The model
is Hugging Face's GPT-2: Conv1D weights [in, out] (y = x @ W + b), tanh GELU, LayerNorm eps 1e-5,
causal attention, head tied to wte. With PyTorch installed the forward runs in torch; without it, the
same formulas in plain Python (double precision, slow but fine for the test's tiny model).
"""
import json
import math
import struct
import sys

try:
    import torch
except ImportError:
    torch = None


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e["dtype"]
        b, end = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:end]), dtype=torch.float32).reshape(e["shape"])
    return out


def read_raw(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", e["dtype"]
        b, end = e["data_offsets"]
        flat = struct.unpack("<%df" % ((end - b) // 4), data[b:end])
        shape = e["shape"]
        out[name] = [list(flat[r * shape[1]:(r + 1) * shape[1]]) for r in range(shape[0])] if len(shape) == 2 else list(flat)
    return out


def python_forward(cfg, w, tokens):
    T, C, H = len(tokens), cfg["n_embd"], cfg["n_head"]
    D = C // H
    eps = cfg["layer_norm_epsilon"]
    p = lambda name: w["transformer." + name]

    def ln(rows, n):
        g, b = p(n + ".weight"), p(n + ".bias")
        out = []
        for x in rows:
            mean = sum(x) / C
            var = sum((v - mean) ** 2 for v in x) / C
            r = 1.0 / math.sqrt(var + eps)
            out.append([(v - mean) * r * g[i] + b[i] for i, v in enumerate(x)])
        return out

    def linear(rows, n):  # Conv1D: y = x @ W[in, out] + b
        W, b = p(n + ".weight"), p(n + ".bias")
        cols = list(zip(*W))
        return [[sum(a * c for a, c in zip(x, col)) + b[j] for j, col in enumerate(cols)] for x in rows]

    gelu = lambda v: 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v ** 3)))
    wte, wpe = p("wte.weight"), p("wpe.weight")
    x = [[a + b for a, b in zip(wte[t], wpe[i])] for i, t in enumerate(tokens)]
    for layer in range(cfg["n_layer"]):
        h = "h.%d." % layer
        qkv = linear(ln(x, h + "ln_1"), h + "attn.c_attn")
        y = [[0.0] * C for _ in range(T)]
        for head in range(H):
            q = [row[head * D:(head + 1) * D] for row in qkv]
            k = [row[C + head * D:C + (head + 1) * D] for row in qkv]
            v = [row[2 * C + head * D:2 * C + (head + 1) * D] for row in qkv]
            for i in range(T):
                scores = [sum(a * b for a, b in zip(q[i], k[j])) / math.sqrt(D) for j in range(i + 1)]
                m = max(scores)
                e = [math.exp(s - m) for s in scores]
                z = sum(e)
                for d in range(D):
                    y[i][head * D + d] = sum(e[j] * v[j][d] for j in range(i + 1)) / z
        proj = linear(y, h + "attn.c_proj")
        x = [[a + b for a, b in zip(r, s)] for r, s in zip(x, proj)]
        fc = [[gelu(v) for v in row] for row in linear(ln(x, h + "ln_2"), h + "mlp.c_fc")]
        proj = linear(fc, h + "mlp.c_proj")
        x = [[a + b for a, b in zip(r, s)] for r, s in zip(x, proj)]
    x = ln(x, "ln_f")
    return [sum(a * b for a, b in zip(row, emb)) for row in x for emb in wte]


def main():
    directory, token_text = sys.argv[1], sys.argv[2]
    if torch is None:
        print("backend: plain Python (torch is not installed)", file=sys.stderr)
        cfg = json.load(open(directory + "/config.json"))
        tokens = [int(t) for t in token_text.split(",")]
        print(json.dumps(python_forward(cfg, read_raw(directory + "/model.safetensors"), tokens)))
        return
    print("backend: torch " + torch.__version__, file=sys.stderr)
    cfg = json.load(open(directory + "/config.json"))
    w = read_safetensors(directory + "/model.safetensors")
    tokens = torch.tensor([int(t) for t in token_text.split(",")])
    T, C, H = len(tokens), cfg["n_embd"], cfg["n_head"]
    p = lambda name: w["transformer." + name]
    x = p("wte.weight")[tokens] + p("wpe.weight")[:T]
    ln = lambda x, n: torch.nn.functional.layer_norm(x, (C,), p(n + ".weight"), p(n + ".bias"), eps=cfg["layer_norm_epsilon"])
    gelu = lambda x: 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        h = f"h.{i}."
        qkv = ln(x, h + "ln_1") @ p(h + "attn.c_attn.weight") + p(h + "attn.c_attn.bias")
        q, k, v = (t.reshape(T, H, C // H).transpose(0, 1) for t in qkv.split(C, dim=1))
        att = (q @ k.transpose(1, 2)) / math.sqrt(C // H)
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(0, 1).reshape(T, C)
        x = x + y @ p(h + "attn.c_proj.weight") + p(h + "attn.c_proj.bias")
        m = gelu(ln(x, h + "ln_2") @ p(h + "mlp.c_fc.weight") + p(h + "mlp.c_fc.bias"))
        x = x + m @ p(h + "mlp.c_proj.weight") + p(h + "mlp.c_proj.bias")
    logits = ln(x, "ln_f") @ p("wte.weight").T
    print(json.dumps(logits.reshape(-1).tolist()))


if __name__ == "__main__":
    main()
