#!/usr/bin/env python3
"""Export real architectures (random weights) to ONNX for partplan.

Run with a Python that has torch + torchvision (on Debian: /usr/bin/python3):

    python3 sample_models/export_torchvision.py --out sample_models/cache \
        resnet50 googlenet mobilenet_v2 densenet121 mobilenet_v3_large efficientnet_b0 \
        shufflenet_v2_x1_0 lstm_torch gru_torch transformer_torch gpt_decoder

torchvision models: weights=None (googlenet: aux_logits=False, init_weights=True), eval mode,
torch.onnx.export at opset 14 (HardSwish needs it) with constant folding, input "input"
[batch,3,224,224], output "output" [batch,1000], dynamic axis 0 "batch".
Sequence models defined here: lstm_torch / gru_torch (2-layer, the second bidirectional,
batch_first, input [batch,32,64]), transformer_torch (torch.nn.TransformerEncoder: 2 post-norm
layers, d_model 128, 4 heads, feed-forward 256, ReLU, dropout 0, batch_first, input
[batch,32,128] -> output [batch,32,128]; traced with autograd on so that torch's fused
encoder-layer kernel, which ONNX cannot express, is not taken) and gpt_decoder (a GPT-style
decoder: token + position embeddings, 2 pre-norm blocks of causal self-attention with an
additive mask and a GELU MLP, tokens [batch,32] int64 -> logits [batch,32,512]).
A model whose file already exists is skipped. Prints each path.
"""
import argparse
import math
import os
import sys
import time

import torch
import torchvision
from torch import nn

EXTRA_KWARGS = {"googlenet": {"aux_logits": False, "init_weights": True}}


class RecurrentModel(nn.Module):
    def __init__(self, cell):
        super().__init__()
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.first = rnn(64, 96, batch_first=True)
        self.second = rnn(96, 48, batch_first=True, bidirectional=True)
        self.head = nn.Linear(96, 10)

    def forward(self, x):
        y, _ = self.first(x)
        y, _ = self.second(y)
        return self.head(y)


class TransformerModel(nn.Module):
    def __init__(self, width=128, heads=4, feedforward=256, layers=2):
        super().__init__()
        def layer():
            return nn.TransformerEncoderLayer(width, heads, dim_feedforward=feedforward, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer(), layers, enable_nested_tensor=False)
        # TransformerEncoder deep-copies its layer: every layer would start with the same
        # weights, which the exporter shares (Identity nodes). Each gets its own instead.
        self.encoder.layers = nn.ModuleList(layer() for _ in range(layers))

    def forward(self, x):
        # In eval mode without autograd, TransformerEncoderLayer takes its fast path, one
        # aten::_transformer_encoder_layer_fwd call that has no ONNX export; with autograd on
        # (the weights require grad) it runs, and is traced as, the plain ops.
        with torch.enable_grad():
            return self.encoder(x)


class CausalSelfAttention(nn.Module):
    def __init__(self, width, heads, seq):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        # Additive causal mask as a constant: -1e4 above the diagonal (a large finite value,
        # as many exporters use, keeps Softmax free of inf - inf).
        self.register_buffer("mask", torch.triu(torch.full((seq, seq), -1e4), diagonal=1))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        att = q @ k.transpose(-2, -1) / math.sqrt(c // self.heads) + self.mask[:t, :t]
        y = torch.softmax(att, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))


class GptDecoder(nn.Module):
    def __init__(self, vocab=512, width=128, heads=4, layers=2, seq=32):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Parameter(torch.randn(1, seq, width) * 0.02)
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(nn.ModuleDict({
                "ln1": nn.LayerNorm(width), "attn": CausalSelfAttention(width, heads, seq),
                "ln2": nn.LayerNorm(width), "fc": nn.Linear(width, 4 * width), "out": nn.Linear(4 * width, width)}))
        self.ln = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab, bias=False)

    def forward(self, tokens):
        x = self.tokens(tokens) + self.positions[:, : tokens.shape[1]]
        for block in self.blocks:
            x = x + block["attn"](block["ln1"](x))
            x = x + block["out"](nn.functional.gelu(block["fc"](block["ln2"](x))))
        return self.head(self.ln(x))


def build(name):
    """(model, example input, input name)."""
    if name in ("lstm_torch", "gru_torch"):
        return RecurrentModel(name.split("_")[0]), torch.randn(1, 32, 64), "input"
    if name == "transformer_torch":
        return TransformerModel(), torch.randn(1, 32, 128), "input"
    if name == "gpt_decoder":
        return GptDecoder(), torch.randint(0, 512, (1, 32)), "tokens"
    ctor = getattr(torchvision.models, name, None)
    if ctor is None:
        raise SystemExit(f"error: torchvision.models has no '{name}'")
    return ctor(weights=None, **EXTRA_KWARGS.get(name, {})), torch.randn(1, 3, 224, 224), "input"


def export(name, path, opset):
    torch.manual_seed(0)
    model, x, input_name = build(name)
    model.eval()
    tmp = path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, x, tmp, opset_version=opset, do_constant_folding=True,
                          input_names=[input_name], output_names=["output"],
                          dynamic_axes={input_name: {0: "batch"}, "output": {0: "batch"}})
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "cache"))
    ap.add_argument("--opset", type=int, default=14)
    ap.add_argument("models", nargs="+", help="torchvision model names (resnet50...) or lstm_torch, gru_torch, transformer_torch, gpt_decoder")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.models:
        path = os.path.join(args.out, name + ".onnx")
        if os.path.exists(path):
            print(f"{path} (exists, skipped)")
            continue
        t0 = time.perf_counter()
        export(name, path, args.opset)
        dt = time.perf_counter() - t0
        print(f"{path} ({os.path.getsize(path) / 1e6:.1f} MB, {dt:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
