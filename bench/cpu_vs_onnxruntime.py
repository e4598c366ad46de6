#!/usr/bin/env python3
"""partplan vs onnxruntime (CPU EP) latency, side by side in one run.

Usage: bench/cpu_vs_onnxruntime.py PARTPLAN_BINARY [--threads 1,2] [--rounds 5] [--iterations 10] [MODEL.onnx ...]

For each model and thread count, alternates rounds of partplan (`partplan run --json`,
`--device cpu:threads=T`, same inputs) and onnxruntime (intra_op_num_threads=T, sequential
execution, all graph optimisations on) so machine noise hits both alike. Each round runs
--iterations timed runs after a warm-up (more for fast models, so a round lasts at least
--min-round-ms); the figure is the median of the rounds' medians. Prints per-model latencies,
the partplan/onnxruntime ratio (< 1: partplan faster), the geometric mean per thread count, and
partplan's peak RSS (from its own report) beside the model file's size. Default models: the
samples and whatever real architectures are in sample_models/cache.
"""
import argparse
import glob
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "python"))
from check_outputs import random_inputs  # noqa: E402


def partplan_round(binary, model, inputs_dir, threads, iterations, json_path):
    cmd = [binary, "run", model, "--device", f"cpu:threads={threads}", "--inputs", inputs_dir,
           "--iterations", str(iterations), "--warmup", "2", "--json", json_path, "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip())
    with open(json_path) as f:
        doc = json.load(f)
    return doc["latency_ms"]["p50"], doc["peak_rss_bytes"] / (1 << 20)


def ort_round(session, feeds, iterations):
    for _ in range(2):
        session.run(None, feeds)
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("models", nargs="*")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--min-round-ms", type=float, default=50.0,
                    help="more iterations for fast models, so each round runs at least this long (sub-millisecond "
                         "models are otherwise dominated by noise)")
    ap.add_argument("--batch", type=int, default=1)
    args = ap.parse_args()
    models = args.models or sorted(glob.glob(os.path.join(ROOT, "sample_models", "*.onnx"))) + sorted(
        glob.glob(os.path.join(ROOT, "sample_models", "cache", "*.onnx")))
    thread_counts = [int(t) for t in args.threads.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model_path in models:
            name = os.path.basename(model_path)[:-5]
            model = onnx.load(model_path, load_external_data=False)
            feeds = random_inputs(model, args.batch, np.random.default_rng(0))
            inputs_dir = os.path.join(tmp, name)
            os.makedirs(inputs_dir)
            for k, (input_name, value) in enumerate(feeds.items()):
                with open(os.path.join(inputs_dir, f"input_{k}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(value, input_name).SerializeToString())
            for threads in thread_counts:
                options = ort.SessionOptions()
                options.intra_op_num_threads = threads
                options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
                estimate_ms = ort_round(session, feeds, 3)
                iterations = max(args.iterations, min(5000, math.ceil(args.min_round_ms / max(estimate_ms, 1e-3))))
                ours, theirs, rss = [], [], []
                try:
                    for _ in range(args.rounds):
                        # onnxruntime's workers spin for a while after a run; on a machine with
                        # as many cores as threads they would take partplan's cores (a recurrent
                        # layer's many small parallel regions then wait out scheduler ticks).
                        time.sleep(0.2)
                        latency, peak = partplan_round(args.binary, model_path, inputs_dir, threads, iterations, os.path.join(tmp, "run.json"))
                        ours.append(latency)
                        rss.append(peak)
                        theirs.append(ort_round(session, feeds, iterations))
                except RuntimeError as e:
                    print(f"{name:24} threads={threads}: partplan failed: {e}")
                    continue
                row = (name, threads, statistics.median(ours), statistics.median(theirs), max(rss), os.path.getsize(model_path) / (1 << 20))
                rows.append(row)
                print(f"{name:24} threads={threads}  partplan {row[2]:9.3f} ms  onnxruntime {row[3]:9.3f} ms  ratio {row[2] / row[3]:6.2f}"
                      f"  partplan peak RSS {row[4]:7.1f} MiB", flush=True)
    print()
    print("| model | threads | partplan ms | onnxruntime ms | ratio | partplan peak RSS MiB (model file) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, threads, a, b, peak, size in rows:
        print(f"| {name} | {threads} | {a:.3f} | {b:.3f} | {a / b:.2f} | {peak:.0f} ({size:.1f}) |")
    for threads in thread_counts:
        ratios = [r[2] / r[3] for r in rows if r[1] == threads]
        if ratios:
            print(f"geometric mean ratio, {threads} thread(s): {math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f} over {len(ratios)} models")
    return 0


if __name__ == "__main__":
    sys.exit(main())
