#!/usr/bin/env python3
"""How well a device spec's roofline predicts a measured GPU, and the `achievable` shares and
launch cost that predict it best.

Usage: calibrate_spec.py SPEC.json PROFILE.json [PROFILE.json ...] [--device cuda0]

A spec device (costmodel/hardware_spec.cpp) predicts a node as
    launch_overhead_us + max(flops / (peak_fp32_flops * achievable.compute),
                             bytes / (memory_bandwidth_bytes_per_s * achievable.memory))
This reads every node the profiles measured on DEVICE (what it costs a plan: the larger of its
kernels' median µs and the host's launch median, as costmodel::planning_us; FLOPs; bytes read +
written),
prints the spec's error on them (median |log ratio| as a factor, shares within ±25% and 2x,
by node size), then searches the three figures on a log grid for the lowest mean, over the
three node sizes, of the median |log(predicted / measured)| (robust to odd nodes; by size, so
the many tiny nodes, which only the launch cost decides, do not outvote the few long ones that
decide a model's latency), prints the same table for the calibrated figures, and the median of
the pinned host links the profiles measured.
"""
import argparse
import json
import math
import statistics

import numpy as np


def nodes_of(paths, device):
    points = []
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        for batch in doc["batches"]:
            for node in batch["nodes"]:
                stats = node["devices"].get(device)
                if not stats or "median_us" not in stats or stats["median_us"] <= 0:
                    continue
                # What the node costs a plan (costmodel::planning_us): its kernels, or the
                # host's time issuing them when that is longer.
                us = max(stats["median_us"], stats.get("gpu", {}).get("launch", {}).get("median_us", 0))
                points.append((node["flops"], node["bytes_read"] + node["bytes_written"], us))
    return points


def links_of(paths, device):
    links = []
    for path in paths:
        with open(path) as f:
            for link in json.load(f)["links"]:
                if link.get("host_memory") == "pinned" and device in (link["from"], link["to"]):
                    links.append(link)
    return links


def predict(point, flops_per_s, bytes_per_s, launch_us):
    flops, nbytes, _ = point
    return launch_us + max(flops / flops_per_s * 1e6, nbytes / bytes_per_s * 1e6)


def errors(points, flops_per_s, bytes_per_s, launch_us):
    return [abs(math.log(predict(p, flops_per_s, bytes_per_s, launch_us) / p[2])) for p in points]


def table(label, points, flops_per_s, bytes_per_s, launch_us):
    print(f"{label}: {flops_per_s / 1e12:.2f} TFLOP/s, {bytes_per_s / 1e9:.0f} GB/s, launch {launch_us:.2f} us")
    buckets = [("all", lambda p: True), ("< 10 us", lambda p: p[2] < 10), ("10-100 us", lambda p: 10 <= p[2] < 100), (">= 100 us", lambda p: p[2] >= 100)]
    print(f"  {'nodes':<10} {'count':>6} {'median error':>13} {'within 25%':>11} {'within 2x':>10}")
    for name, keep in buckets:
        chosen = [p for p in points if keep(p)]
        if not chosen:
            continue
        e = errors(chosen, flops_per_s, bytes_per_s, launch_us)
        within = lambda bound: 100.0 * sum(x <= math.log(bound) for x in e) / len(e)
        print(f"  {name:<10} {len(chosen):>6} {math.exp(statistics.median(e)):>12.2f}x {within(1.25):>10.0f}% {within(2.0):>9.0f}%")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec")
    ap.add_argument("profiles", nargs="+")
    ap.add_argument("--device", default="cuda0")
    args = ap.parse_args()
    with open(args.spec) as f:
        spec = json.load(f)
    points = nodes_of(args.profiles, args.device)
    if not points:
        raise SystemExit(f"calibrate_spec: no node measured on {args.device} in the profiles")
    peak_flops, peak_bytes = spec["peak_fp32_flops"], spec["memory_bandwidth_bytes_per_s"]
    share = spec["achievable"]
    table(f"spec {spec['name']} as written (compute {share['compute']}, memory {share['memory']})", points,
          peak_flops * share["compute"], peak_bytes * share["memory"], spec["launch_overhead_us"])

    measured = np.array([p[2] for p in points])
    flops = np.array([p[0] for p in points])
    nbytes = np.array([p[1] for p in points])
    sizes = [measured < 10, (measured >= 10) & (measured < 100), measured >= 100]
    sizes = [s for s in sizes if s.any()]
    best = None
    for c in (10 ** (k / 20) for k in range(-60, 1)):  # shares 0.001 .. 1, 20 steps a decade
        for m in (10 ** (k / 20) for k in range(-60, 1)):
            roof = np.maximum(flops / (peak_flops * c), nbytes / (peak_bytes * m)) * 1e6
            for launch in (0.5 * k for k in range(1, 61)):  # 0.5 .. 30 us
                e = np.abs(np.log((launch + roof) / measured))
                score = sum(float(np.median(e[s])) for s in sizes) / len(sizes)
                if best is None or score < best[0]:
                    best = (score, c, m, launch)
    _, c, m, launch = best
    table(f"calibrated (compute {c:.3f}, memory {m:.3f})", points, peak_flops * c, peak_bytes * m, launch)
    links = links_of(args.profiles, args.device)
    for direction in ("host", args.device):
        chosen = [l for l in links if l["from"] == direction]
        if chosen:
            print(f"link {direction} -> {chosen[0]['to']} pinned, median of {len(chosen)}: latency {statistics.median(l['latency_us'] for l in chosen):.1f} us, "
                  f"{statistics.median(l['bandwidth_gb_s'] for l in chosen):.1f} GB/s")


if __name__ == "__main__":
    main()
