#!/usr/bin/env python3
"""`partplan run` outputs against onnxruntime's CPU execution provider.

Usage: check_outputs.py PARTPLAN_BINARY MODEL.onnx [--test-data DIR] [--batch N] [--device cpu:threads=N]

With --test-data (the ONNX test layout, e.g. sample_models/mlp/test_data_set_0) the inputs and
the reference outputs come from there (they were computed by onnxruntime when the samples were
generated). Otherwise inputs are random (seeded; floats normal, integers in [0, 4)) at batch
--batch and onnxruntime computes the reference now. Every output must match within rtol 1e-3,
atol 1e-4. Exits 77 (skip) when the model file is absent, 1 on a mismatch.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

RTOL, ATOL = 1e-3, 1e-4
NUMPY_OF = {onnx.TensorProto.FLOAT: np.float32, onnx.TensorProto.INT64: np.int64, onnx.TensorProto.INT32: np.int32,
            onnx.TensorProto.BOOL: np.bool_, onnx.TensorProto.DOUBLE: np.float64}


def random_inputs(model, batch, rng):
    inits = {t.name for t in model.graph.initializer}
    feeds = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        t = vi.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else batch for d in t.shape.dim]
        dtype = NUMPY_OF[t.elem_type]
        if dtype == np.float32 or dtype == np.float64:
            feeds[vi.name] = rng.standard_normal(dims).astype(dtype)
        else:
            feeds[vi.name] = rng.integers(0, 4, dims).astype(dtype)
    return feeds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("model")
    ap.add_argument("--test-data")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    if not os.path.exists(args.model):
        print(f"SKIP: {args.model} is absent (scripts/test exports it with Debian's torch)")
        return 77
    model = onnx.load(args.model, load_external_data=False)
    with tempfile.TemporaryDirectory() as tmp:
        if args.test_data:
            data_dir = args.test_data
            expected = [numpy_helper.to_array(onnx.load_tensor(f)) for f in sorted(glob.glob(os.path.join(data_dir, "output_*.pb")))]
        else:
            import onnxruntime as ort
            feeds = random_inputs(model, args.batch, np.random.default_rng(0))
            session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
            expected = session.run(None, feeds)
            data_dir = os.path.join(tmp, "inputs")
            os.makedirs(data_dir)
            for k, (name, value) in enumerate(feeds.items()):
                with open(os.path.join(data_dir, f"input_{k}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(value, name).SerializeToString())
        out_dir = os.path.join(tmp, "out")
        cmd = [args.binary, "run", args.model, "--device", args.device, "--inputs", data_dir, "--save-outputs", out_dir,
               "--iterations", "1", "--warmup", "0", "--quiet"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"FAIL: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
            return 1
        failures = 0
        for k, want in enumerate(expected):
            got = numpy_helper.to_array(onnx.load_tensor(os.path.join(out_dir, f"output_{k}.pb")))
            if got.shape != want.shape:
                print(f"FAIL output {k}: shape {got.shape} != {want.shape}")
                failures += 1
                continue
            diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
            bad = diff > ATOL + RTOL * np.abs(want.astype(np.float64))
            worst = float(diff.max()) if diff.size else 0.0
            print(f"output {k} {list(got.shape)}: max abs diff {worst:.3g}, {int(bad.sum())} of {want.size} outside rtol {RTOL} / atol {ATOL}")
            failures += int(bad.any())
    print(f"{os.path.basename(args.model)}: {'FAIL' if failures else 'ok'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
