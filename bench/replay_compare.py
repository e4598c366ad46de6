#!/usr/bin/env python3
"""Issue 8's CPU figures, measured side by side in one run: plans replayed by `partplan run
--plan` against their prediction and their baselines.

    python bench/replay_compare.py [--partplan build/cli/partplan] [--requests 90] [--open-seconds 2]

1. Latency plans over two 1-thread CPU devices (profiled here, then planned) for inception
   (multi-branch) and cnn_lstm (a CNN branch beside an LSTM branch): `--compare` runs each
   device alone and one 2-thread device, alternating with the plan. Printed: p50 of each, the
   plan/baseline ratios, measured/predicted latency, the median per-node error, outputs.
1b. The same models profiled on the two 1-thread devices and one 2-thread device at once and
   planned with `--devices 'cpu0,cpu1|cpu2'`: the split's and the pooled device's predicted
   latency, the set chosen, its measured p50 beside one 2-thread device's.
2. A throughput plan of resnet_small with the pre/post-processing graphs (batch 2): measured
   throughput against the plan's bottleneck bound and against the bound the measured busiest
   device sets, each device's busy share.
3. That plan under open-loop Poisson load at 50%, 80% and 95% of the capacity measured in 2:
   p50/p99 latency, the most requests ever waiting, requests served.
Peak RSS of each replay beside it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SAMPLES = os.path.join(ROOT, "sample_models")
DEVICES = "cpu:threads=1,cpu:threads=1"


def call(binary, *args):
    proc = subprocess.run([binary, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"partplan {' '.join(args[:2])}: exit {proc.returncode}: {proc.stderr.strip()}")
    return proc


def profile_and_plan(binary, tmp, name, model_args, plan_args):
    profile, plan = os.path.join(tmp, name + ".profile.json"), os.path.join(tmp, name + ".plan.json")
    call(binary, "profile", *model_args, "--devices", DEVICES, "-o", profile, "--quiet")
    call(binary, "plan", *model_args, "--profile", profile, *plan_args, "-o", plan, "--quiet")
    return plan


def replay(binary, tmp, model_args, plan, *args):
    out = os.path.join(tmp, "run.json")
    # The plan binds the shapes: run --plan refuses --batch.
    model_only = [a for i, a in enumerate(model_args) if a != "--batch" and (i == 0 or model_args[i - 1] != "--batch")]
    call(binary, "run", *model_only, "--plan", plan, "--json", out, "--quiet", *args)
    with open(out) as f:
        return json.load(f)


def mib(b):
    return b / (1 << 20)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--partplan", default=os.path.join(ROOT, "build", "cli", "partplan"))
    ap.add_argument("--requests", type=int, default=90)
    ap.add_argument("--open-seconds", type=float, default=2.0)
    args = ap.parse_args()
    binary = args.partplan
    with tempfile.TemporaryDirectory() as tmp:
        print("1. latency plans on two 1-thread CPU devices, --compare (p50 ms; ratio = plan / baseline)")
        print(f"{'model':<12} {'plan':>7} {'cpu0':>7} {'cpu1':>7} {'2-thread':>9} {'vs cpu0':>8} {'vs 2-thr':>9} "
              f"{'meas/pred':>10} {'node err':>9} {'nodes c0/c1':>12} {'outputs':>8} {'RSS MiB':>8}")
        for name in ("inception", "cnn_lstm"):
            model = [os.path.join(SAMPLES, name + ".onnx"), "--batch", "1"]
            plan = profile_and_plan(binary, tmp, name, model, [])
            with open(plan) as f:
                planned = json.load(f)
            doc = replay(binary, tmp, model, plan, "--compare", "--requests", str(args.requests))
            base = {b["name"]: b for b in doc["baselines"]}
            p50 = doc["latency_ms"]["p50"]
            counts = [sum(1 for n in planned["nodes"] if n["device"] == d) for d in ("cpu0", "cpu1")]
            print(f"{name:<12} {p50:7.3f} {base['all on cpu0']['latency_ms']['p50']:7.3f} {base['all on cpu1']['latency_ms']['p50']:7.3f} "
                  f"{base['one cpu:threads=2']['latency_ms']['p50']:9.3f} {base['all on cpu0']['plan_latency_ratio']:8.3f} "
                  f"{base['one cpu:threads=2']['plan_latency_ratio']:9.3f} {p50 / doc['predicted']['latency_ms']:10.3f} "
                  f"{100 * doc['predicted']['node_median_error']:8.0f}% {counts[0]:>5}/{counts[1]:<6} "
                  f"{'match' if doc['outputs_check']['ok'] else 'DIFFER':>8} {mib(doc['peak_rss_bytes']):8.0f}")

        print("\n1b. the planner choosing between the split and one pooled device (plan --devices 'cpu0,cpu1|cpu2' from one profile of all three)")
        print(f"{'model':<12} {'split pred':>11} {'pooled pred':>12} {'chosen':>10} {'chosen meas':>12} {'one 2-thread meas':>18}")
        for name in ("inception", "cnn_lstm"):
            model = [os.path.join(SAMPLES, name + ".onnx"), "--batch", "1"]
            profile, plan = os.path.join(tmp, name + ".three.profile.json"), os.path.join(tmp, name + ".sets.plan.json")
            call(binary, "profile", *model, "--devices", DEVICES + ",cpu:threads=2", "-o", profile, "--quiet")
            call(binary, "plan", *model, "--profile", profile, "--devices", "cpu0,cpu1|cpu2", "-o", plan, "--quiet")
            with open(plan) as f:
                planned = json.load(f)
            sets = {",".join(a["devices"]): a for a in planned["alternatives"]}
            chosen = next(k for k, a in sets.items() if a["chosen"])
            doc = replay(binary, tmp, model, plan, "--compare", "--requests", str(args.requests))
            pooled = next((b for b in doc["baselines"] if b["name"].startswith("one cpu:threads=")), None)
            measured_pooled = pooled["latency_ms"]["p50"] if pooled else doc["latency_ms"]["p50"]  # the plan is the pooled device itself
            print(f"{name:<12} {sets['cpu0,cpu1']['predicted']['latency_us'] / 1000:11.3f} {sets['cpu2']['predicted']['latency_us'] / 1000:12.3f} "
                  f"{chosen:>10} {doc['latency_ms']['p50']:12.3f} {measured_pooled:18.3f}")

        print("\n2. throughput plan: resnet_small with pre/post-processing, batch 2")
        processing = os.path.join(SAMPLES, "processing")
        model = [os.path.join(SAMPLES, "resnet_small.onnx"), "--pre", os.path.join(processing, "preprocess.onnx"),
                 "--post", os.path.join(processing, "postprocess.onnx"), "--batch", "2"]
        plan = profile_and_plan(binary, tmp, "e2e", model, ["--objective", "throughput"])
        with open(plan) as f:
            planned = json.load(f)
        stages = " | ".join(f"{s['device']} {s['nodes']} nodes {s['compute_us']:.0f} us" for s in planned["stages"])
        print(f"stages: {stages}")
        doc = replay(binary, tmp, model, plan, "--requests", str(4 * args.requests))
        measured = doc["throughput_per_s"]
        busiest = max(d["busy_us_per_request"] for d in doc["devices"])
        predicted = doc["predicted"]["throughput_per_s"]
        print(f"measured {measured:.1f} req/s ({doc['load']['concurrency']} in flight); predicted bound {predicted:.1f} "
              f"({100 * measured / predicted:.0f}%); bound of the measured busiest device {1e6 / busiest:.1f} ({100 * measured * busiest / 1e6:.0f}%)")
        print("busy: " + ", ".join(f"{d['name']} {100 * d['busy_share']:.0f}% ({d['busy_us_per_request']:.0f} us per request, predicted "
                                   f"{d['predicted_busy_us']:.0f})" for d in doc["devices"]) +
              f"; outputs {'match' if doc['outputs_check']['ok'] else 'DIFFER'}; peak RSS {mib(doc['peak_rss_bytes']):.0f} MiB")

        print(f"\n3. open loop on that plan, Poisson arrivals for {args.open_seconds} s (capacity {measured:.1f} req/s measured above)")
        print(f"{'load':>6} {'rate/s':>8} {'served':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'most waiting':>13} {'req/s':>8}")
        for share in (0.5, 0.8, 0.95):
            rate = share * measured
            doc = replay(binary, tmp, model, plan, "--rate", f"{rate:.3f}", "--duration", str(args.open_seconds))
            lat = doc["latency_ms"]
            print(f"{100 * share:5.0f}% {rate:8.1f} {doc['load']['requests']:7d} {lat['p50']:8.3f} {lat['p99']:8.3f} {lat['max']:8.3f} "
                  f"{doc['most_waiting']:13d} {doc['throughput_per_s']:8.1f}")


if __name__ == "__main__":
    main()
