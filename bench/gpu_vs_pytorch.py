#!/usr/bin/env python3
"""partplan all-GPU vs PyTorch eager (cuDNN, benchmark mode), side by side in one run.

Usage: bench/gpu_vs_pytorch.py PARTPLAN_BINARY [--models resnet50,mobilenet_v2,...] [--batches 1,32]
                               [--rounds 3] [--iterations 20] [--device cuda] [--json FILE]

For each model: the architecture is built in PyTorch (torchvision's, or the same ResNet written
out here when torchvision is missing) with seeded random weights, exported to ONNX from that
very module (so both run the same weights), and then, per batch size, rounds alternate between
`partplan run --device cuda` and PyTorch eager under torch.inference_mode(), so machine noise
hits both alike; the figure is the median of the rounds' medians. Both run strict FP32: TF32 is
off in PyTorch (torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False)
as it is in partplan, and cudnn.benchmark is on. Prints latencies, the partplan/PyTorch ratio
(< 1: partplan faster; goal <= 1.0), the geometric mean, each side's peak GPU memory (PyTorch:
max_memory_allocated; partplan: peak activations + what its kernels hold) and how many nodes
partplan ran on its CPU fallback. `--device cpu` runs the same comparison on the CPU (a dry run
for machines without a GPU).
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
from torch import nn


# ---- models -------------------------------------------------------------------------------

class Bottleneck(nn.Module):
    """torchvision's ResNet bottleneck (v1.5: stride on the 3x3)."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + identity)


class ResNet50(nn.Module):
    """torchvision.models.resnet50's architecture, for machines without torchvision."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, inplanes = [], 64
        for planes, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))
            stage = [Bottleneck(inplanes, planes, stride, downsample)]
            inplanes = planes * 4
            stage += [Bottleneck(inplanes, planes) for _ in range(blocks - 1)]
            layers.append(nn.Sequential(*stage))
        self.layers = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2048, 1000)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.avgpool(self.layers(x))
        return self.fc(torch.flatten(x, 1))


def build(name):
    torch.manual_seed(0)
    try:
        import torchvision
        kwargs = {"aux_logits": False, "init_weights": True} if name == "googlenet" else {}
        model = getattr(torchvision.models, name)(weights=None, **kwargs)
    except ImportError:
        if name != "resnet50":
            return None
        model = ResNet50()
    model.eval()
    # BatchNorm statistics other than 0/1, so folding them is exercised.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model


def export(model, path):
    x = torch.randn(1, 3, 224, 224)
    kwargs = dict(opset_version=17, input_names=["input"], output_names=["output"],
                  dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, do_constant_folding=True)
    try:
        torch.onnx.export(model, x, path, dynamo=False, **kwargs)
    except TypeError:  # torch < 2.5 has no dynamo argument (and only the TorchScript exporter)
        torch.onnx.export(model, x, path, **kwargs)


# ---- timing -------------------------------------------------------------------------------

def partplan_round(binary, path, device, batch, iterations, json_path):
    cmd = [binary, "run", path, "--device", device, "--batch", str(batch), "--iterations", str(iterations), "--warmup", "3",
           "--json", json_path, "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip())
    with open(json_path) as f:
        return json.load(f)


def torch_round(model, x, iterations, device):
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    with torch.inference_mode():
        for _ in range(3):
            model(x)
        sync()
        times = []
        for _ in range(iterations):
            start = time.perf_counter()
            model(x)
            sync()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--models", default="resnet50,mobilenet_v2,efficientnet_b0,densenet121,googlenet")
    ap.add_argument("--batches", default="1,32")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=20)
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--export-only", metavar="DIR", help="write the models as DIR/NAME.onnx and stop (for partplan profile)")
    args = ap.parse_args()
    if args.export_only:
        os.makedirs(args.export_only, exist_ok=True)
        for name in args.models.split(","):
            model = build(name)
            if model is not None:
                export(model, os.path.join(args.export_only, name + ".onnx"))
                print(f"exported {name}")
        return
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("gpu_vs_pytorch: PyTorch sees no GPU (use --device cpu for a dry run)")
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    partplan_device = "cuda" if args.device == "cuda" else "cpu:threads=%d" % torch.get_num_threads()

    rows, ratios = [], []
    print(f"{'model':<18} {'batch':>5} {'partplan ms':>12} {'pytorch ms':>11} {'ratio':>7} {'pp MiB':>8} {'pt MiB':>8} fallback")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            model = build(name)
            if model is None:
                print(f"{name:<18} skipped: torchvision is not installed")
                continue
            path = os.path.join(tmp, name + ".onnx")
            export(model, path)
            model = model.to(args.device)
            for batch in (int(b) for b in args.batches.split(",")):
                x = torch.randn(batch, 3, 224, 224, device=args.device)
                pp, pt, doc = [], [], None
                if args.device == "cuda":
                    torch.cuda.reset_peak_memory_stats()
                for _ in range(args.rounds):
                    doc = partplan_round(args.binary, path, partplan_device, batch, args.iterations, os.path.join(tmp, "run.json"))
                    pp.append(doc["latency_ms"]["p50"])
                    pt.append(torch_round(model, x, args.iterations, args.device))
                pp_ms, pt_ms = statistics.median(pp), statistics.median(pt)
                ratio = pp_ms / pt_ms
                ratios.append(ratio)
                pp_mib = (doc["peak_memory_bytes"] + doc["kernel_memory_bytes"]) / (1 << 20)
                pt_mib = torch.cuda.max_memory_allocated() / (1 << 20) if args.device == "cuda" else float("nan")
                fallback = len(doc.get("fallback", {}).get("nodes", []))
                print(f"{name:<18} {batch:>5} {pp_ms:>12.3f} {pt_ms:>11.3f} {ratio:>7.2f} {pp_mib:>8.1f} {pt_mib:>8.1f} {fallback}")
                rows.append({"model": name, "batch": batch, "partplan_ms": pp_ms, "pytorch_ms": pt_ms, "ratio": ratio,
                             "partplan_gpu_mib": pp_mib, "pytorch_gpu_mib": pt_mib, "fallback_nodes": fallback,
                             "device": doc["device"]["description"]})
    if ratios:
        geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"geometric mean partplan/PyTorch: {geomean:.2f} ({len(ratios)} model x batch pairs; torch {torch.__version__})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"torch": torch.__version__, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
