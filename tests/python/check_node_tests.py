#!/usr/bin/env python3
"""Check partplan's shape functions against ONNX's own node tests.

Usage: check_node_tests.py PARTPLAN_BINARY [--opset N] [--filter SUBSTRING] [--verbose]

ONNX ships a test case per op variant (onnx.backend.test.case.node: the same cases as its
backend test data, with expected outputs from its reference implementation). For every case
whose nodes are all in partplan's op set and whose opset partplan reads (11-21), this writes
the model, turns integer and scalar graph inputs (shape, axes, K, repeats...) into
initializers holding the test's own values -- as they are in exported models -- runs
`partplan inspect --json`, and compares every graph output's shape and dtype with the
expected output array. Prints `N passed, M failed` and exits 1 on any mismatch.

Cases carry the opset they were written for (mostly the newest); each is converted with ONNX's
version converter to --opset (default 21). Run with --opset 11 as well: the older attribute
forms (Squeeze/Unsqueeze/Reduce axes, Split sizes as attributes) are then what gets checked.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import onnx
from onnx import numpy_helper, version_converter

HERE = os.path.dirname(os.path.abspath(__file__))
OPS_DEF = os.path.join(HERE, "..", "..", "ir", "ops.def")

# Cases whose expected output is outside what partplan models, with the reason.
KNOWN_OUT_OF_SCOPE = {
    # Training-mode Dropout / BatchNormalization compute a random mask or batch statistics.
    "test_dropout_random_old", "test_training_dropout", "test_training_dropout_default",
    "test_training_dropout_default_mask", "test_training_dropout_mask",
    "test_training_dropout_zero_ratio", "test_training_dropout_zero_ratio_mask",
    # String tensors: partplan models numeric inference graphs only (refused with exit 4).
    "test_equal_string_broadcast", "test_equal_string",
}


def op_set():
    with open(OPS_DEF) as f:
        return set(re.findall(r"^PARTPLAN_OP\((\w+),", f.read(), re.M))


def default_opset(model):
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return imp.version
    return None


def dtype_name(arr):
    name = str(arr.dtype)
    return "bool" if name == "bool" else name


# Input slots that hold parameters rather than data (float ones the integer rule misses).
PARAMETER_SLOTS = {"Resize": {1, 2, 3}, "Pad": {1, 2, 3}, "Clip": {1, 2}}


def as_arrays(values):
    """Node-test data as numpy arrays: numpy scalars (Clip's min/max, Range's arguments) and
    TensorProtos (Cast's float8/bfloat16 cases) become arrays; sequences stay as they are."""
    out = []
    for v in values:
        if isinstance(v, onnx.TensorProto):
            v = numpy_helper.to_array(v)
        elif isinstance(v, np.generic):
            v = np.asarray(v)
        out.append(v)
    return out


def constantize(model, inputs):
    """Graph inputs that are integer-typed, hold one element, or feed a parameter slot become initializers."""
    parameter_inputs = {name for n in model.graph.node for i, name in enumerate(n.input)
                        if i in PARAMETER_SLOTS.get(n.op_type, ())}
    keep = []
    for vi, value in zip(list(model.graph.input), inputs):
        if not isinstance(value, np.ndarray):
            return False
        if (value.dtype.kind in "iu" or value.size == 1 and value.ndim <= 1 and value.dtype != np.bool_
                or vi.name in parameter_inputs):
            model.graph.initializer.append(numpy_helper.from_array(value, vi.name))
        else:
            keep.append(vi)
    del model.graph.input[:]
    model.graph.input.extend(keep)
    return True


def collect_cases():
    """ONNX's node test cases (model + data sets), built by its reference implementation."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case import node
        return node.collect_testcases(None)


class Skip(Exception):
    """A case partplan cannot take, with the reason."""


def prepare_case(case, ops, opset):
    """The case as partplan takes it: (model converted to `opset`, inputs left as graph inputs by
    name, expected outputs). None when its ops are outside partplan's set; Skip with a reason
    when it cannot be converted or its data are not tensors."""
    if any(n.domain not in ("", "ai.onnx") for n in case.model.graph.node) or not case.data_sets:
        return None
    in_set = {n.op_type for n in case.model.graph.node} <= ops
    model = onnx.ModelProto()
    model.CopyFrom(case.model)
    current = default_opset(model)
    if current is not None and current != opset:
        try:
            # (this also turns deprecated ops into current ones: Upsample becomes Resize)
            model = version_converter.convert_version(model, opset)
        except Exception:  # no adapter for one of its ops
            if in_set:
                raise Skip(f"no ONNX version adapter to opset {opset}")
            return None
    if not {n.op_type for n in model.graph.node} <= ops:
        return None
    inputs, outputs = (as_arrays(values) for values in case.data_sets[0])
    if not all(isinstance(o, np.ndarray) for o in outputs) or not constantize(model, inputs):
        raise Skip("non-tensor inputs or outputs (sequences, optionals)")
    # The structure is forward compatible; newer onnx stamps newer IR versions on old opsets.
    model.ir_version = min(model.ir_version, 10)
    values = {vi.name: v for vi, v in zip(case.model.graph.input, inputs)}
    remaining = {vi.name: values[vi.name] for vi in model.graph.input}
    return model, remaining, outputs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--opset", type=int, default=21, choices=range(11, 22))
    parser.add_argument("--filter", default="")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    cases = collect_cases()
    ops = op_set()
    passed, failed, skipped = 0, [], 0
    tested_ops = set()
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            if args.filter not in case.name or case.name in KNOWN_OUT_OF_SCOPE:
                continue
            try:
                prepared = prepare_case(case, ops, args.opset)
            except Skip:
                skipped += 1
                continue
            if prepared is None:
                skipped += 1
                continue
            model, inputs, outputs = prepared
            op_types = {n.op_type for n in model.graph.node}
            path = os.path.join(tmp, case.name + ".onnx")
            out_json = os.path.join(tmp, case.name + ".json")
            onnx.save(model, path)
            cmd = [args.binary, "inspect", path, "--json", out_json, "--quiet"]
            for name, value in inputs.items():
                cmd += ["--shape", f"{name}:{'x'.join(str(d) for d in value.shape)}"]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            if proc.returncode == 6:  # a dtype partplan refuses by design (float8, int4, strings)
                skipped += 1
                continue
            if proc.returncode != 0:
                failed.append(f"{case.name}: exit {proc.returncode}: {proc.stderr.strip()}")
                continue
            with open(out_json) as f:
                doc = json.load(f)
            shapes = {t["name"]: t for t in doc["tensors"]}
            problems = []
            for vi, expected in zip(model.graph.output, outputs):
                got = shapes.get(vi.name)
                if got is None:
                    problems.append(f"{vi.name}: missing")
                elif got["shape"] != list(expected.shape):
                    problems.append(f"{vi.name}: shape {got['shape']} != expected {list(expected.shape)}")
                elif got["dtype"] != dtype_name(expected):
                    problems.append(f"{vi.name}: dtype {got['dtype']} != expected {dtype_name(expected)}")
            if problems:
                failed.append(f"{case.name}: " + "; ".join(problems))
            else:
                passed += 1
                tested_ops |= op_types
                if args.verbose:
                    print(f"ok   {case.name}")
    for line in failed:
        print(f"FAIL {line}")
    untested = sorted(ops - tested_ops)
    print(f"{len(tested_ops)} ops covered by ONNX node tests; without a passing node test: {', '.join(untested) or 'none'}")
    print(f"{skipped} cases skipped (ops outside partplan's set, no adapter to the opset, non-tensor data, or dtypes refused as unsupported)")
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
