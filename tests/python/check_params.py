#!/usr/bin/env python3
"""Check partplan's parameter and FLOP totals.

Usage: check_params.py PARTPLAN_BINARY MODEL.onnx [--batch N]

totals.param_count must equal the element count of the model's floating-point
initializers (float32/float16/bfloat16/float64; integer initializers are shape
data such as Reshape targets and Slice starts, not parameters). For the
torchvision models (file name resnet50, googlenet, mobilenet_v2 or densenet121)
totals.flops at batch 1 must be within 8% of 2 x the published multiply-accumulate
count (scaled by the batch). Prints both numbers. Exits 1 on failure.
"""
import argparse
import os
import re
import sys

import numpy as np
import onnx
from onnx import TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from partplan_inspect import run_inspect  # noqa: E402

FLOAT_TYPES = {TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE}
PUBLISHED_GMAC = {"resnet50": 4.09, "googlenet": 1.50, "mobilenet_v2": 0.30, "densenet121": 2.87}
FLOPS_TOLERANCE = 0.08


def param_count(model):
    total = 0
    for t in model.graph.initializer:
        if t.data_type in FLOAT_TYPES:
            total += int(np.prod(t.dims, dtype=np.int64))  # same as numpy_helper.to_array(t).size
    return total


def published_model(path):
    stem = os.path.splitext(os.path.basename(path))[0].lower()
    for name in PUBLISHED_GMAC:
        if re.search(rf"(^|[^a-z0-9]){name}($|[^a-z0-9])", stem):
            return name
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("model")
    ap.add_argument("--batch", type=int, default=1)
    args = ap.parse_args()
    if not os.path.exists(args.model):
        print(f"SKIP: {args.model} is absent (scripts/test exports the torchvision models with Debian's torch)")
        sys.exit(77)

    doc = run_inspect(args.binary, args.model, batch=args.batch)
    totals = doc.get("totals", {})
    failures = []
    base = os.path.basename(args.model)

    model = onnx.load(args.model, load_external_data=False)
    want_params = param_count(model)
    got_params = totals.get("param_count")
    print(f"{base}: param_count tool {got_params}, onnx float initializers {want_params}")
    if got_params != want_params:
        failures.append(f"param_count {got_params} != {want_params}")

    flops = totals.get("flops")
    if not isinstance(flops, (int, float)) or isinstance(flops, bool) or flops < 0:
        failures.append(f"totals.flops is not a non-negative number: {flops!r}")
    else:
        name = published_model(args.model)
        if name is None:
            print(f"{base}: flops tool {flops:.4g} (no published reference)")
        else:
            want = 2 * PUBLISHED_GMAC[name] * 1e9 * args.batch
            rel = flops / want - 1
            print(f"{base}: flops tool {flops:.4g}, published 2 x {PUBLISHED_GMAC[name]} GMAC x batch "
                  f"{args.batch} = {want:.4g} ({rel:+.1%}, tolerance {FLOPS_TOLERANCE:.0%})")
            if abs(rel) > FLOPS_TOLERANCE:
                failures.append(f"flops {flops:.4g} not within {FLOPS_TOLERANCE:.0%} of {want:.4g}")

    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
