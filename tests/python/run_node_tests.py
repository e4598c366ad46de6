#!/usr/bin/env python3
"""Run ONNX's own node tests through `partplan run` on the CPU and compare the outputs.

Usage: run_node_tests.py PARTPLAN_BINARY [--filter SUBSTRING] [--verbose] [--device cpu:threads=N]

For every case of onnx.backend.test.case.node whose ops are all in partplan's op set
(converted to opset 21 as in check_node_tests.py; integer and parameter inputs become
initializers holding the test's values, as exported models have them), this writes the
model and its inputs in the ONNX test layout, runs `partplan run --inputs DIR
--save-outputs OUT --iterations 1 --warmup 0`, and compares every output with the expected
array from ONNX's reference implementation: float outputs with rtol 1e-3 / atol 1e-4 (NaN
must match NaN), others exactly. A case partplan refuses as unsupported (exit 6) is a skip
with the reason it printed; every other failure is a failure. Prints per-op counts and
`N passed, N failed, N skipped`; exits 1 on any failure.
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_node_tests import KNOWN_OUT_OF_SCOPE, Skip, collect_cases, op_set, prepare_case  # noqa: E402

RTOL, ATOL = 1e-3, 1e-4

# Ops of ir/ops.def that ONNX's node tests do not reach at opset 21 (no case, or no version
# adapter), with where their kernel is checked instead. Every other op must pass a node test.
COVERED_ELSEWHERE = {
    "Constant": "folded by the loader, never a kernel at run time; tests/onnx_loader",
    "GlobalMaxPool": "no opset-21 adapter for its node test; unit cases in tests/runtime/cpu/pool_test.cpp",
}


def compare(expected, got):
    if expected.shape != got.shape:
        return f"shape {list(got.shape)} != expected {list(expected.shape)}"
    if expected.dtype != got.dtype:
        return f"dtype {got.dtype} != expected {expected.dtype}"
    if expected.dtype.kind == "f" or expected.dtype.name == "bfloat16":  # ml_dtypes' bfloat16 is kind 'V'
        expected, got = expected.astype(np.float32), got.astype(np.float32)
        if not np.array_equal(np.isnan(expected), np.isnan(got)):
            return "NaN positions differ"
        e, g = np.nan_to_num(expected.astype(np.float64)), np.nan_to_num(got.astype(np.float64))
        bad = ~np.isclose(g, e, rtol=RTOL, atol=ATOL)
        if bad.any():
            i = np.unravel_index(np.argmax(np.abs(g - e) * bad), e.shape)
            return f"{bad.sum()} of {e.size} values differ, worst at {list(i)}: {g[i]} vs {e[i]}"
        return None
    if not np.array_equal(expected, got):
        return f"{(expected != got).sum()} of {expected.size} values differ"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--filter", default="")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    cases = collect_cases()
    ops = op_set()
    passed, failed, skipped = [], [], []
    per_op = collections.defaultdict(lambda: [0, 0, 0])
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            if args.filter not in case.name or case.name in KNOWN_OUT_OF_SCOPE:
                continue
            main_op = case.model.graph.node[-1].op_type if case.model.graph.node else "?"
            try:
                prepared = prepare_case(case, ops, 21)
            except Skip as why:
                skipped.append(f"{case.name}: {why}")
                per_op[main_op][2] += 1
                continue
            if prepared is None:
                continue
            model, inputs, outputs = prepared
            folder = os.path.join(tmp, case.name)
            data_dir = os.path.join(folder, "test_data_set_0")
            out_dir = os.path.join(folder, "out")
            os.makedirs(data_dir)
            onnx.save(model, os.path.join(folder, "model.onnx"))
            for k, (name, value) in enumerate(inputs.items()):
                with open(os.path.join(data_dir, f"input_{k}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(value, name).SerializeToString())
            cmd = [args.binary, "run", os.path.join(folder, "model.onnx"), "--device", args.device, "--inputs", data_dir,
                   "--save-outputs", out_dir, "--iterations", "1", "--warmup", "0", "--quiet"]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            if proc.returncode == 6:
                skipped.append(f"{case.name}: {proc.stderr.strip().removeprefix('partplan: error: ')}")
                per_op[main_op][2] += 1
                continue
            if proc.returncode != 0:
                failed.append(f"{case.name}: exit {proc.returncode}: {proc.stderr.strip()[:300]}")
                per_op[main_op][1] += 1
                continue
            problems = []
            for k, expected in enumerate(outputs):
                got = numpy_helper.to_array(onnx.load_tensor(os.path.join(out_dir, f"output_{k}.pb")))
                why = compare(np.asarray(expected), got)
                if why:
                    problems.append(f"output {k}: {why}")
            if problems:
                failed.append(f"{case.name}: " + "; ".join(problems))
                per_op[main_op][1] += 1
            else:
                passed.append(case.name)
                per_op[main_op][0] += 1
                if args.verbose:
                    print(f"ok   {case.name}")
    for line in skipped:
        print(f"SKIP {line}")
    for line in failed:
        print(f"FAIL {line}")
    print("per op (passed/failed/skipped): " + ", ".join(f"{op} {p}/{f}/{s}" for op, (p, f, s) in sorted(per_op.items())))
    if not args.filter:
        uncovered = sorted(op for op in ops if per_op[op][0] == 0 and op not in COVERED_ELSEWHERE)
        for op in uncovered:
            failed.append(f"{op}: no node test of this op passed (add a kernel or a reason to COVERED_ELSEWHERE)")
            print(f"FAIL {op}: no passing node test")
    print(f"{len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
