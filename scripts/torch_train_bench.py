#!/usr/bin/env python3
"""PyTorch reference of one MarketGPT training step, timed like `marketgpt bench --only model`.

The same architecture as Sources/MarketModel (hierarchical embeddings + pre-LN causal transformer with
tanh-GELU MLP + Gaussian head), the same reference config (T=64, F=7, C=128, 4 layers, 4 heads, MLP 4x,
H=5, 615 assets, 6 categories, dropout 0.1, asset-embedding dropout per sequence), batch 32, weighted
Gaussian NLL, global-norm clipping at 1, AdamW (lr 1e-4, wd 0.1): 2 warm-up steps, then `--steps` timed.
Prints one JSON object: {"samples_per_s", "parameters", "threads", "torch"}.
`marketgpt bench` runs it right after the Swift figure so both see the same machine load.
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c, heads, ratio, p):
        super().__init__()
        self.heads, self.p = heads, p
        self.norm1 = nn.LayerNorm(c)
        self.qkv = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.norm2 = nn.LayerNorm(c)
        self.fc = nn.Linear(c, ratio * c)
        self.mlp_proj = nn.Linear(ratio * c, c)

    def attention(self, h):
        b, t, c = h.shape
        q, k, v = self.qkv(h).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        s = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        mask = torch.ones(t, t, dtype=torch.bool, device=h.device).triu(1)
        y = s.masked_fill(mask, float("-inf")).softmax(dim=-1) @ v
        y = y.transpose(1, 2).reshape(b, t, c)
        return F.dropout(self.proj(y), self.p, self.training)

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        y = self.mlp_proj(F.gelu(self.fc(self.norm2(x)), approximate="tanh"))
        return x + F.dropout(y, self.p, self.training)


class MarketGPT(nn.Module):
    def __init__(self, t=64, f=7, c=128, layers=4, heads=4, ratio=4, h=5, assets=615, categories=6, p=0.1):
        super().__init__()
        self.p = p
        self.input = nn.Linear(f, c)
        self.position = nn.Parameter(torch.randn(t, c) * 0.02)
        self.category = nn.Embedding(categories, c)
        self.asset = nn.Embedding(assets, c)
        self.blocks = nn.ModuleList(Block(c, heads, ratio, p) for _ in range(layers))
        self.final_norm = nn.LayerNorm(c)
        self.mean = nn.Linear(c, h)
        self.logvar = nn.Linear(c, h)

    def forward(self, features, asset_ids, category_ids):
        b, t, _ = features.shape
        asset = self.asset(asset_ids)[:, None, :]                       # (B, 1, C): one draw per sequence
        if self.training:
            keep = (torch.rand(b, 1, 1) >= self.p).float() / (1 - self.p)
            asset = asset * keep
        x = self.input(features) + self.position[:t] + self.category(category_ids)[:, None, :] + asset
        x = F.dropout(x, self.p, self.training)
        for block in self.blocks:
            x = block(x)
        x = self.final_norm(x)
        return self.mean(x), self.logvar(x)


def gaussian_nll(mean, logvar, target, weight):
    lv = logvar.clamp(-10, 10)
    term = 0.5 * (lv + (target - mean) ** 2 * torch.exp(-lv) + math.log(2 * math.pi))
    return (weight * term).sum() / weight.sum()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = MarketGPT()
    model.train()
    b, t, f, h = args.batch, 64, 7, 5
    features = torch.randn(b, t, f)
    assets = torch.arange(b) % 615
    categories = torch.arange(b) % 6
    target = torch.randn(b, t, h) * 0.02
    weight = torch.ones(b, t, h)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.1)

    def step():
        optimizer.zero_grad(set_to_none=True)
        mean, logvar = model(features, assets, categories)
        gaussian_nll(mean, logvar, target, weight).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    step()
    step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = time.perf_counter() - start
    print(json.dumps({
        "samples_per_s": b * args.steps / seconds,
        "parameters": sum(p.numel() for p in model.parameters()),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
