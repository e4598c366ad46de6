#!/usr/bin/env python3
"""Compare partplan's inferred tensor shapes with ONNX's own shape inference.

Usage: check_shapes.py PARTPLAN_BINARY MODEL.onnx [--shape name:1x3x32x32 ...] [--batch N]

Runs `PARTPLAN_BINARY inspect MODEL --json OUT.json` with the same bindings, then
binds the model's symbolic input dims the same way (--shape: that input's dims,
and any dim_param of the same name elsewhere; --batch N: the leading dim of every
input whose leading dim is symbolic) and runs
onnx.shape_inference.infer_shapes(strict_mode=False, data_prop=True).
For every graph input, value_info and output (initializers excluded) where ONNX
gives a fully concrete shape, the tool's shape and dtype must match. Every
tensor the tool reports must have a concrete (all-int) shape. With neither
--shape nor --batch, --batch 1 is used. Exits 1 on any mismatch.
"""
import argparse
import os
import sys

import onnx
from onnx import TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from partplan_inspect import parse_shape_spec, run_inspect  # noqa: E402

DTYPE_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "f32": "float32",
                 "f16": "float16", "f64": "float64", "bf16": "bfloat16", "i64": "int64",
                 "i32": "int32", "i8": "int8", "u8": "uint8"}


def onnx_dtype_name(elem_type):
    if elem_type == TensorProto.UNDEFINED:
        return None
    name = TensorProto.DataType.Name(elem_type).lower()
    return {"float": "float32", "double": "float64"}.get(name, name)


def norm_dtype(s):
    s = str(s).lower()
    return DTYPE_ALIASES.get(s, s)


def bind_inputs(model, shapes, batch):
    """Rewrites the graph inputs' dims in place; returns {dim_param: value} used."""
    init_names = {t.name for t in model.graph.initializer}
    by_name = dict(shapes)
    params = {}
    inputs = [vi for vi in model.graph.input if vi.name not in init_names]
    known = {vi.name for vi in inputs}
    for name in by_name:
        if name not in known:
            raise SystemExit(f"FAIL: --shape names '{name}', not a graph input ({sorted(known)})")
    # Collect dim_param values from --shape, so a shared name binds everywhere.
    for vi in inputs:
        if vi.name in by_name:
            dims = vi.type.tensor_type.shape.dim
            want = by_name[vi.name]
            if len(dims) != len(want):
                raise SystemExit(f"FAIL: --shape {vi.name} has rank {len(want)}, model says {len(dims)}")
            for d, v in zip(dims, want):
                if d.HasField("dim_param") and d.dim_param:
                    params[d.dim_param] = v
    for vi in inputs:
        dims = vi.type.tensor_type.shape.dim
        for i, d in enumerate(dims):
            if vi.name in by_name:
                v = by_name[vi.name][i]
            elif d.HasField("dim_value"):
                continue
            elif d.HasField("dim_param") and d.dim_param in params:
                v = params[d.dim_param]
            elif i == 0 and batch is not None:
                v = batch
                if d.HasField("dim_param") and d.dim_param:
                    params[d.dim_param] = v
            else:
                continue
            d.Clear()
            d.dim_value = v
    return params


def concrete(shape):
    return isinstance(shape, list) and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                           for v in shape)


def onnx_shapes(model):
    """{name: (dtype, [dims] or None)} for inputs, value_info, outputs (not initializers)."""
    init_names = {t.name for t in model.graph.initializer}
    out = {}
    g = model.graph
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        if not vi.name or vi.name in init_names or not vi.type.HasField("tensor_type"):
            continue
        tt = vi.type.tensor_type
        dims = None
        if tt.HasField("shape") and all(d.HasField("dim_value") for d in tt.shape.dim):
            dims = [d.dim_value for d in tt.shape.dim]
        prev = out.get(vi.name)
        if prev is None or (prev[1] is None and dims is not None):
            out[vi.name] = (onnx_dtype_name(tt.elem_type), dims)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("model")
    ap.add_argument("--shape", action="append", default=[], help="name:1x3x32x32 (repeatable)")
    ap.add_argument("--batch", type=int)
    args = ap.parse_args()
    if not os.path.exists(args.model):
        print(f"SKIP: {args.model} is absent (scripts/test exports the torchvision models with Debian's torch)")
        sys.exit(77)
    if not args.shape and args.batch is None:
        args.batch = 1
    shapes = [parse_shape_spec(s) for s in args.shape]

    doc = run_inspect(args.binary, args.model, args.shape, args.batch)
    tool = {}
    problems = []
    for t in doc.get("tensors", []):
        tool[t["name"]] = t
        if not concrete(t.get("shape")):
            problems.append(f"{t['name']}: tool shape not concrete: {t.get('shape')!r}")

    model = onnx.load(args.model, load_external_data=False)
    bind_inputs(model, shapes, args.batch)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=False, data_prop=True)
    ref = onnx_shapes(inferred)

    compared = 0
    for name, (dtype, dims) in sorted(ref.items()):
        if dims is None:
            continue
        compared += 1
        t = tool.get(name)
        if t is None:
            problems.append(f"{name}: missing from tool output (onnx: {dtype} {dims})")
            continue
        if t.get("kind") == "initializer":
            problems.append(f"{name}: tool says initializer, onnx says it is computed")
        if t.get("shape") != dims:
            problems.append(f"{name}: shape tool {t.get('shape')} != onnx {dims}")
        if dtype is not None and "dtype" in t and norm_dtype(t["dtype"]) != dtype:
            problems.append(f"{name}: dtype tool {t['dtype']} != onnx {dtype}")
    no_ref = sum(1 for n, (_, d) in ref.items() if d is None)

    for p in problems:
        print("MISMATCH " + p)
    print(f"{os.path.basename(args.model)}: {compared} tensors compared, {len(problems)} mismatches"
          + (f" ({no_ref} tensors without a concrete ONNX shape skipped)" if no_ref else ""))
    if compared == 0:
        print("FAIL: nothing compared")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
