#!/usr/bin/env python3
"""What `partplan fit` must show (issue 6), side by side for each model: profile it at several
batch sizes on each device (or reuse --keep'd profiles), fit with the largest batch sizes held
out, and print per device and held-out batch
  - the share of nodes predicted within ±10% (goal >= 95%), through the whole fallback chain
    (a node's own line across batch sizes first) and by the op-kind formulas alone;
  - the whole model predicted vs measured (goal within 5%);
  - beside them, how noisy the measurements being predicted are: the share of held-out nodes
    whose own repetitions stayed within ±10% ((p90 - p10) / 2 <= 10% of the median). No model
    can be reliably closer than the measurement it is judged against.
Then, across models: a cost model fitted on the first model(s) predicting the last one
(`--test`), e.g. CNNs predicting an RNN, with its error.

Usage: bench/costmodel_check.py PARTPLAN_BINARY MODEL.onnx [MODEL.onnx ...]
         [--devices cpu:threads=2,cpu:threads=1] [--batches 1,2,4,8,16] [--holdout 8,16] [--keep DIR]
         [--min-time-ms 20 --max-time-ms 300]
"""
import argparse
import json
import os
import subprocess
import sys
import time


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"costmodel_check: {' '.join(cmd)}: {proc.stderr.strip()}")
    return proc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--devices", default="cpu:threads=2,cpu:threads=1")
    ap.add_argument("--batches", default="1,2,4,8,16")
    ap.add_argument("--holdout", default="8,16")
    ap.add_argument("--keep", default="build/costmodel_check")
    ap.add_argument("--min-time-ms", default="20")
    ap.add_argument("--max-time-ms", default="300")
    args = ap.parse_args()
    os.makedirs(args.keep, exist_ok=True)
    profiles = []
    for model in args.models:
        name = os.path.splitext(os.path.basename(model))[0]
        out = os.path.join(args.keep, f"{name}.profile.json")
        if os.path.exists(out) and json.load(open(out)).get("complete"):
            print(f"# {name}: reusing {out}")
        else:
            started = time.time()
            run([args.binary, "profile", model, "--devices", args.devices, "--batch", args.batches, "--min-time-ms", args.min_time_ms,
                 "--max-time-ms", args.max_time_ms, "--no-links", "-o", out, "--quiet"])
            print(f"# {name}: profiled in {time.time() - started:.0f} s")
        profiles.append((name, out))

    print(f"{'model':<22} {'device':<7} {'batch':>5} {'nodes':>5} {'±10% chain':>11} {'±10% formulas':>14} {'MAPE':>6} "
          f"{'whole pred ms':>13} {'measured ms':>11} {'error':>7} {'steady nodes':>12}")
    for name, out in profiles:
        model_out = os.path.join(args.keep, f"{name}.costmodel.json")
        run([args.binary, "fit", out, "--holdout-batch", args.holdout, "-o", model_out, "--report", os.path.join(args.keep, f"{name}.fit.html"), "--quiet"])
        doc = json.load(open(model_out))
        profile_doc = json.load(open(out))
        steady = {}  # (device, batch) -> share of nodes whose spread is within ±10%
        for b in profile_doc["batches"]:
            for device in [d["name"] for d in profile_doc["devices"]]:
                stats = [n["devices"][device] for n in b["nodes"] if "median_us" in n["devices"].get(device, {})]
                steady[(device, b["batch"])] = sum(s["spread"] / 2 <= 0.10 for s in stats) / max(len(stats), 1)
        for c in doc["validation"]["holdout"]:
            whole = (f"{c['whole_predicted_us'] / 1000:13.3f} {c['whole_measured_us'] / 1000:11.3f} "
                     f"{100 * (c['whole_predicted_us'] / c['whole_measured_us'] - 1):+6.1f}%") if c["whole_measured_us"] > 0 else f"{'-':>13} {'-':>11} {'-':>7}"
            print(f"{name:<22} {c['device']:<7} {c['batch']:>5} {c['nodes']['points']:>5} {100 * c['nodes']['within_10']:10.0f}% "
                  f"{100 * c['nodes_op_only']['within_10']:13.0f}% {100 * c['nodes']['mape']:5.1f}% {whole} "
                  f"{100 * steady.get((c['device'], c['batch']), 0):11.0f}%")
    if len(profiles) >= 2:
        train, test = profiles[:-1], profiles[-1]
        model_out = os.path.join(args.keep, "cross.costmodel.json")
        run([args.binary, "fit"] + [p for _, p in train] + ["--test", test[1], "-o", model_out, "--quiet"])
        doc = json.load(open(model_out))
        print(f"\ncross-model: fitted on {', '.join(n for n, _ in train)}; predicting {test[0]} (formulas only: no history of its nodes)")
        for c in doc["validation"]["test"]:
            whole = f"whole {100 * (c['whole_predicted_us'] / c['whole_measured_us'] - 1):+.1f}%" if c["whole_measured_us"] > 0 else ""
            print(f"  {c['device']:<7} batch {c['batch']:>3}: within ±10% {100 * c['nodes']['within_10']:.0f}%, "
                  f"±25% {100 * c['nodes']['within_25']:.0f}%, MAPE {100 * c['nodes']['mape']:.1f}% {whole}  sources {c['sources']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
