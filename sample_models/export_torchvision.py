#!/usr/bin/env python3
"""Export torchvision models (random weights) to ONNX for partplan.

Run with a Python that has torch + torchvision (on Debian: /usr/bin/python3):

    python3 sample_models/export_torchvision.py --out sample_models/cache \
        resnet50 googlenet mobilenet_v2 densenet121

Each model: weights=None (googlenet: aux_logits=False, init_weights=True), eval
mode, torch.onnx.export at opset 13 with constant folding, input "input"
[batch,3,224,224] and output "output" [batch,1000] with dynamic axis 0 "batch".
A model whose file already exists is skipped. Prints each path.
"""
import argparse
import os
import sys
import time

import torch
import torchvision

EXTRA_KWARGS = {"googlenet": {"aux_logits": False, "init_weights": True}}


def export(name, path, opset):
    torch.manual_seed(0)
    ctor = getattr(torchvision.models, name)
    model = ctor(weights=None, **EXTRA_KWARGS.get(name, {})).eval()
    x = torch.randn(1, 3, 224, 224)
    tmp = path + ".tmp"
    with torch.no_grad():
        torch.onnx.export(model, x, tmp, opset_version=opset, do_constant_folding=True,
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "cache"))
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("models", nargs="+", help="torchvision model names, e.g. resnet50")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in args.models:
        if not hasattr(torchvision.models, name):
            print(f"error: torchvision.models has no '{name}'", file=sys.stderr)
            return 2
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
