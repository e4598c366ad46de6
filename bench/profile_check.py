#!/usr/bin/env python3
"""What `partplan profile` must show (issue 5), side by side for each model: profile it twice
and print, per device,
  - the whole model measured end to end (unfused, as the nodes were timed) against the sum of
    its nodes' medians (goal: within 15%), and the fused run beside it;
  - repeatability: the share of nodes over 50 us whose medians the two profiles agree on within
    5% (goal: all of them);
  - the profiling overhead: wall time over time inside timed runs (goal <= 1.5).

Usage: bench/profile_check.py PARTPLAN_BINARY MODEL.onnx [MODEL.onnx ...]
                              [--devices cpu:threads=2,cpu:threads=1] [--batch 1] [--cold] [--keep DIR]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def profile(binary, model, devices, batch, cold, out):
    cmd = [binary, "profile", model, "--devices", devices, "--batch", str(batch), "-o", out, "--quiet"]
    if cold:
        cmd.append("--cold")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"profile_check: {model}: {proc.stderr.strip()}")
    with open(out) as f:
        return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--devices", default="cpu:threads=2,cpu:threads=1")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--cold", action="store_true")
    ap.add_argument("--keep", help="keep the profiles in this folder")
    args = ap.parse_args()
    folder = args.keep or tempfile.mkdtemp()
    os.makedirs(folder, exist_ok=True)
    print(f"{'model':<22} {'device':<7} {'sum of nodes ms':>15} {'whole ms':>9} {'gap':>7} {'fused ms':>9} {'repeatable':>11} {'overhead':>9}")
    for model in args.models:
        name = os.path.splitext(os.path.basename(model))[0]
        runs = [profile(args.binary, model, args.devices, args.batch, args.cold, os.path.join(folder, f"{name}.{k}.profile.json")) for k in (1, 2)]
        first, second = runs
        for device in [d["name"] for d in first["devices"]]:
            whole = first["batches"][0]["whole_model"].get(device)
            same, over = 0, 0
            for a, b in zip(first["batches"][0]["nodes"], second["batches"][0]["nodes"]):
                sa, sb = a["devices"].get(device, {}), b["devices"].get(device, {})
                if "median_us" not in sa or "median_us" not in sb or sa["median_us"] < 50:
                    continue
                over += 1
                same += abs(sb["median_us"] / sa["median_us"] - 1) <= 0.05
            rep = f"{same}/{over}" if over else "-"
            if whole is None:
                print(f"{name:<22} {device:<7} {'(no whole-model run: unsupported nodes)':>40}")
                continue
            fused = whole["fused"]["median_us"] / 1000 if whole["fused"] else float("nan")
            print(f"{name:<22} {device:<7} {whole['sum_of_node_medians_us'] / 1000:>15.3f} {whole['unfused']['median_us'] / 1000:>9.3f} "
                  f"{whole['gap'] * 100:>+6.1f}% {fused:>9.3f} {rep:>11} {first['overhead']['ratio']:>8.2f}x")
    if args.keep:
        print(f"profiles kept in {folder}")


if __name__ == "__main__":
    main()
