#!/usr/bin/env python3
"""Run ONNX's own node tests through `partplan run` on the CPU and compare the outputs.

Usage: run_node_tests.py PARTPLAN_BINARY [--filter SUBSTRING] [--verbose] [--device cpu:threads=N|cuda]
       run_node_tests.py --export DIR                   write the cases (no binary run)
       run_node_tests.py PARTPLAN_BINARY --cases DIR [--device cuda] [--jobs N]   run exported
                                                          cases (numpy only: for the GPU machine)

For every case of onnx.backend.test.case.node whose ops are all in partplan's op set
(converted to opset 21 as in check_node_tests.py; integer and parameter inputs become
initializers holding the test's values, as exported models have them), this writes the
model and its inputs in the ONNX test layout, runs `partplan run --inputs DIR
--save-outputs OUT --iterations 1 --warmup 0`, and compares every output with the expected
array from ONNX's reference implementation: float outputs with rtol 1e-3 / atol 1e-4 (NaN
must match NaN), others exactly. A case partplan refuses as unsupported (exit 6) is a skip
with the reason it printed, as is (with --device cuda) a case whose node ran on the CPU
fallback; every other failure is a failure. Prints per-op counts and
`N passed, N failed, N skipped`; exits 1 on any failure.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tensor_proto import read_tensor  # noqa: E402

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


def write_cases(folder_root, name_filter):
    """Writes every case in scope as folder_root/NAME/{model.onnx, test_data_set_0/input_K.pb,
    expected_K.npy}; returns the manifest: cases (name, main op) and prepare-time skips."""
    import onnx
    from onnx import numpy_helper
    from check_node_tests import KNOWN_OUT_OF_SCOPE, Skip, collect_cases, op_set, prepare_case

    ops = op_set()
    manifest = {"ops": sorted(ops), "cases": [], "skipped": []}
    for case in collect_cases():
        if name_filter not in case.name or case.name in KNOWN_OUT_OF_SCOPE:
            continue
        main_op = case.model.graph.node[-1].op_type if case.model.graph.node else "?"
        try:
            prepared = prepare_case(case, ops, 21)
        except Skip as why:
            manifest["skipped"].append({"name": case.name, "op": main_op, "why": str(why)})
            continue
        if prepared is None:
            continue
        model, inputs, outputs = prepared
        folder = os.path.join(folder_root, case.name)
        data_dir = os.path.join(folder, "test_data_set_0")
        os.makedirs(data_dir)
        onnx.save(model, os.path.join(folder, "model.onnx"))
        for k, (name, value) in enumerate(inputs.items()):
            with open(os.path.join(data_dir, f"input_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(value, name).SerializeToString())
        for k, expected in enumerate(outputs):
            expected = np.asarray(expected)
            if expected.dtype.name == "bfloat16":  # ml_dtypes' type, which plain numpy cannot load
                expected = expected.astype(np.float32)
            np.save(os.path.join(folder, f"expected_{k}.npy"), expected, allow_pickle=False)
        manifest["cases"].append({"name": case.name, "op": main_op, "outputs": len(outputs)})
    with open(os.path.join(folder_root, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def run_case(binary, device, folder, output_count):
    """None when it passed, else ("skip" | "fail", why)."""
    out_dir = os.path.join(folder, "out")
    cmd = [binary, "run", os.path.join(folder, "model.onnx"), "--device", device, "--inputs", os.path.join(folder, "test_data_set_0"),
           "--save-outputs", out_dir, "--iterations", "1", "--warmup", "0", "--quiet", "--json", os.path.join(folder, "run.json")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode == 6:
        return "skip", proc.stderr.strip().removeprefix("partplan: error: ")
    if proc.returncode != 0:
        return "fail", f"exit {proc.returncode}: {proc.stderr.strip()[:300]}"
    # On a GPU, a node without a CUDA kernel runs on the CPU fallback: not a GPU result.
    with open(os.path.join(folder, "run.json")) as f:
        if json.load(f).get("fallback", {}).get("nodes", []):
            return "skip", f"no {device} kernel, ran on the CPU fallback"
    problems = []
    for k in range(output_count):
        expected = np.load(os.path.join(folder, f"expected_{k}.npy"), allow_pickle=False)
        why = compare(expected, read_tensor(os.path.join(out_dir, f"output_{k}.pb")))
        if why:
            problems.append(f"output {k}: {why}")
    return ("fail", "; ".join(problems)) if problems else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", nargs="?")
    parser.add_argument("--filter", default="")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--export", help="write the cases to this folder and stop")
    parser.add_argument("--cases", help="run the cases exported to this folder (needs numpy only)")
    parser.add_argument("--verbose", action="store_true")
    # Each case is its own process (on a GPU, a CUDA context start of ~0.3 s): run them side
    # by side. Results are reported in manifest order whatever the finishing order.
    parser.add_argument("--jobs", type=int, default=1, help="cases run at once")
    args = parser.parse_args()
    if args.export:
        manifest = write_cases(args.export, args.filter)
        print(f"{len(manifest['cases'])} cases written to {args.export}")
        return 0
    if not args.binary:
        parser.error("the partplan binary is required unless --export")

    with tempfile.TemporaryDirectory() as tmp:
        root = args.cases or tmp
        if args.cases:
            with open(os.path.join(root, "manifest.json")) as f:
                manifest = json.load(f)
        else:
            manifest = write_cases(root, args.filter)
        passed, failed, skipped = [], [], []
        per_op = collections.defaultdict(lambda: [0, 0, 0])
        for entry in manifest["skipped"]:
            skipped.append(f"{entry['name']}: {entry['why']}")
            per_op[entry["op"]][2] += 1
        cases = [case for case in manifest["cases"] if args.filter in case["name"]]
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = pool.map(lambda case: run_case(args.binary, args.device, os.path.join(root, case["name"]), case["outputs"]), cases)
            for case, result in zip(cases, results):
                if result is None:
                    passed.append(case["name"])
                    per_op[case["op"]][0] += 1
                    if args.verbose:
                        print(f"ok   {case['name']}")
                elif result[0] == "skip":
                    skipped.append(f"{case['name']}: {result[1]}")
                    per_op[case["op"]][2] += 1
                else:
                    failed.append(f"{case['name']}: {result[1]}")
                    per_op[case["op"]][1] += 1
    for line in skipped:
        print(f"SKIP {line}")
    for line in failed:
        print(f"FAIL {line}")
    print("per op (passed/failed/skipped): " + ", ".join(f"{op} {p}/{f}/{s}" for op, (p, f, s) in sorted(per_op.items())))
    if not args.filter and args.device.startswith("cpu"):
        uncovered = sorted(op for op in manifest["ops"] if per_op[op][0] == 0 and op not in COVERED_ELSEWHERE)
        for op in uncovered:
            failed.append(f"{op}: no node test of this op passed (add a kernel or a reason to COVERED_ELSEWHERE)")
            print(f"FAIL {op}: no passing node test")
    print(f"{len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
