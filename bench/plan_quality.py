#!/usr/bin/env python3
"""Issue 22, "plans that win when measured": for each model and batch size, a latency plan over
two 1-thread CPU devices (and the pooled `cpu0-1` device the profile adds) made without and
with `plan --measure`, each replayed with `run --compare` against every baseline, and the
issue's targets checked.

    python bench/plan_quality.py [--partplan build/cli/partplan] [--models resnet_small,mlp]
        [--batches 1,8] [--requests 150] [--measure-seconds 3] [--json results.json]

Models: every sample_models/*.onnx, then resnet50, mobilenet_v2, googlenet, gru_torch,
lstm_torch and transformer_torch from sample_models/cache/ (exported first where missing, with
`/usr/bin/python3 sample_models/export_torchvision.py`; a model that cannot be had is skipped).
Per case (model, batch): profile (--min-time-ms 10 --max-time-ms 100), fit, plan A (no
measuring), plan M (--measure S), replay each with --compare. Printed: the devices each plan
uses, plan p50 / best baseline p50 for A and M (the best baseline: the least p50 of all the
run's baselines, measured alternating with the plan), plan A's whole-model error
(measured / predicted - 1) and median per-node error, M's decision where the plan has one.
Then the targets, PASS/FAIL: M ratio <= 1.02 in every case, A ratio <= 1.05; whole-model
|error| <= 10% in >= 80% of cases and median <= 7%; median node error <= 10%; at least two
cases with M ratio <= 0.90; resnet_small batch 8 (the demo) M ratio <= 1.0. Cross-model: each
sample model planned at batch 1 with every other sample model's cost model must either refuse
with a message that says "fallback", or predict its "all on cpu0" baseline within 10x of the
measured one. Last, a markdown table for bench/README.md.
A failed partplan command fails its case (its stderr's last line is kept) and the run goes on.
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

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SAMPLES = os.path.join(ROOT, "sample_models")
CACHE = os.path.join(SAMPLES, "cache")
TORCH_MODELS = ["resnet50", "mobilenet_v2", "googlenet", "gru_torch", "lstm_torch", "transformer_torch"]
DEVICES = "cpu:threads=1,cpu:threads=1"
DEMO = ("resnet_small", 8)
REPLAY_SECONDS = 6.0


def call(binary, *args):
    """(ok, last line of stderr) of one partplan command."""
    proc = subprocess.run([binary, *args], capture_output=True, text=True)
    lines = [l for l in (proc.stderr or proc.stdout).strip().splitlines() if l.strip()]
    return proc.returncode == 0, lines[-1].strip() if lines else f"exit {proc.returncode}"


def load(path):
    with open(path) as f:
        return json.load(f)


def get(doc, dotted):
    """doc["a"]["b"]... or None where a key is missing."""
    for key in dotted.split("."):
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def fmt(x, spec=".3f", suffix=""):
    return f"{x:{spec}}{suffix}" if number(x) else "n/a"


def pct(x):
    return fmt(100 * x if number(x) else None, "+.1f", "%")


def find_models(names, torch_python):
    """[(name, path)] of the models to run; missing torch models are exported first."""
    paths = {}
    for name in names:
        local = os.path.join(SAMPLES, name + ".onnx")
        paths[name] = local if os.path.exists(local) else os.path.join(CACHE, name + ".onnx")
    missing = [n for n, p in paths.items() if not os.path.exists(p)]
    if missing:
        print(f"# exporting {', '.join(missing)} with {torch_python}", flush=True)
        proc = subprocess.run([torch_python, os.path.join(SAMPLES, "export_torchvision.py"), "--out", CACHE, *missing],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
            print(f"# export failed (exit {proc.returncode}): {tail}")
    found = []
    for name, path in paths.items():
        if os.path.exists(path):
            found.append((name, path))
        else:
            print(f"# {name}: skipped, no {os.path.relpath(path, ROOT)} and it could not be exported")
    return found


def binds_batch(plan, batch):
    """False when no input of the planned model has a leading dim equal to the batch (a fixed batch dim)."""
    shapes = get(plan, "model.input_shapes")
    dims = list(shapes.values()) if isinstance(shapes, dict) else shapes if isinstance(shapes, list) else None
    if not dims:
        return True  # cannot tell
    return any(isinstance(d, list) and d and d[0] == batch for d in dims)


def plan_and_replay(binary, model, batch, costmodel, extra, plan_path, run_path, requests):
    """Plan, replay with --compare, and what the two JSON files say (an "error" key on a failure)."""
    res = {}
    ok, err = call(binary, "plan", model, "--costmodel", costmodel, "--batch", str(batch), *extra, "-o", plan_path, "--quiet")
    if not ok:
        return {"error": f"plan: {err}"}
    plan = load(plan_path)
    res["devices"] = sorted({n.get("device", "?") for n in plan.get("nodes") or []})
    res["predicted_ms"] = get(plan, "predicted.latency_us") / 1000 if number(get(plan, "predicted.latency_us")) else None
    res["decision"] = get(plan, "decision.taken")
    res["binds_batch"] = binds_batch(plan, batch)
    # Replays of large models would take minutes at --requests: about REPLAY_SECONDS each, as
    # the prediction says, split over the plan and its baselines (at least 20 requests).
    configurations = 1 + len(plan.get("baselines") or [])
    if res["predicted_ms"]:
        requests = max(20, min(requests, int(REPLAY_SECONDS * 1000 / res["predicted_ms"] / configurations)))
    res["requests"] = requests
    ok, err = call(binary, "run", model, "--plan", plan_path, "--compare", "--requests", str(requests), "--json", run_path, "--quiet")
    if not ok:
        res["error"] = f"run: {err}"
        return res
    doc = load(run_path)
    p50, predicted = get(doc, "latency_ms.p50"), get(doc, "predicted.latency_ms")
    baselines = {b.get("name", "?"): get(b, "latency_ms.p50") for b in doc.get("baselines") or []}
    measured = {k: v for k, v in baselines.items() if number(v) and v > 0}
    best = min(measured, key=measured.get) if measured else None
    res.update(p50=p50, baselines=baselines, best_baseline=best, best_ms=measured.get(best),
               ratio=p50 / measured[best] if best and number(p50) else None,
               whole_error=p50 / predicted - 1 if number(p50) and number(predicted) and predicted > 0 else None,
               node_error=get(doc, "predicted.node_median_error"))
    return res


def run_case(binary, tmp, name, model, batch, args):
    case = {"model": name, "batch": batch, "status": "ok"}
    stem = os.path.join(tmp, f"{name}.b{batch}")
    ok, err = call(binary, "profile", model, "--devices", DEVICES, "--batch", str(batch), "--min-time-ms", "10",
                   "--max-time-ms", "100", "-o", stem + ".profile.json", "--quiet")
    if not ok:
        case["status"] = f"skipped: {err}" if "batch" in err.lower() else f"failed: profile: {err}"
        return case
    ok, err = call(binary, "fit", stem + ".profile.json", "-o", stem + ".costmodel.json", "--quiet")
    if not ok:
        case["status"] = f"failed: fit: {err}"
        return case
    case["costmodel"] = stem + ".costmodel.json"
    case["A"] = plan_and_replay(binary, model, batch, case["costmodel"], [], stem + ".A.plan.json", stem + ".A.run.json", args.requests)
    if case["A"].get("binds_batch") is False:
        case["status"] = f"skipped: no input has a leading dim that --batch {batch} binds (fixed batch dim)"
        return case
    case["M"] = plan_and_replay(binary, model, batch, case["costmodel"], ["--measure", str(args.measure_seconds)],
                                stem + ".M.plan.json", stem + ".M.run.json", args.requests)
    errors = [f"{k}: {case[k]['error']}" for k in ("A", "M") if "error" in case[k]]
    if errors:
        case["status"] = "failed: " + "; ".join(errors)
    return case


def check(label, ok, detail):
    print(f"{'PASS' if ok else 'FAIL'}  {label}: {detail}")
    return ok


def summary(cases):
    """The issue's targets over the cases that were not skipped."""
    counted = [c for c in cases if not c["status"].startswith("skipped")]
    n = len(counted)
    print(f"\ntargets over {n} case(s) ({len(cases) - n} skipped)")
    ratios_m = [get(c, "M.ratio") for c in counted]
    ratios_a = [get(c, "A.ratio") for c in counted]
    for label, ratios, limit in (("with --measure, plan/best baseline <= 1.02 in every case", ratios_m, 1.02),
                                 ("without --measure, plan/best baseline <= 1.05 in every case", ratios_a, 1.05)):
        bad = [f"{c['model']} b{c['batch']} {fmt(r)}" for c, r in zip(counted, ratios) if not (number(r) and r <= limit)]
        check(label, n > 0 and not bad, f"worst {fmt(max((r for r in ratios if number(r)), default=None))}"
              + (f"; over or without a figure: {', '.join(bad)}" if bad else ""))
    errors = [abs(e) for e in (get(c, "A.whole_error") for c in counted) if number(e)]
    within = sum(e <= 0.10 for e in errors)
    check("whole-model |measured/predicted - 1| <= 10% in >= 80% of cases", n > 0 and within >= 0.8 * n,
          f"{within} of {n} ({len(errors)} with a figure)")
    median_error = statistics.median(errors) if errors else None
    check("median whole-model |error| <= 7%", number(median_error) and median_error <= 0.07, pct(median_error).lstrip("+"))
    node = [e for e in (get(c, "A.node_error") for c in counted) if number(e)]
    median_node = statistics.median(node) if node else None
    check("median over cases of the node median error <= 10%", number(median_node) and median_node <= 0.10,
          f"{pct(median_node).lstrip('+')} ({len(node)} cases)")
    wins = [f"{c['model']} b{c['batch']} ({fmt(r)})" for c, r in zip(counted, ratios_m) if number(r) and r <= 0.90]
    check("at least two cases with the measured plan <= 0.90 of the best baseline", len(wins) >= 2, ", ".join(wins) or "none")
    demo = next((c for c in counted if (c["model"], c["batch"]) == DEMO), None)
    demo_ratio = get(demo, "M.ratio") if demo else None
    check(f"{DEMO[0]} batch {DEMO[1]} (the demo) plan/best baseline <= 1.0", number(demo_ratio) and demo_ratio <= 1.0,
          fmt(demo_ratio) if demo else "not run")


def cross_model(binary, tmp, cases, sample_names):
    """Each sample model planned at batch 1 with each other sample model's cost model."""
    at1 = {c["model"]: c for c in cases if c["batch"] == 1 and c["model"] in sample_names and "costmodel" in c}
    results, worst = [], None
    for a in sorted(at1):
        for b in sorted(at1):
            if a == b:
                continue
            out = os.path.join(tmp, f"cross.{b}.with.{a}.plan.json")
            ok, err = call(binary, "plan", os.path.join(SAMPLES, b + ".onnx"), "--costmodel", at1[a]["costmodel"], "--batch", "1", "-o", out, "--quiet")
            row = {"costmodel_of": a, "model": b}
            if not ok:
                row.update(outcome="falls back" if "fallback" in err.lower() else "error", message=err)
            else:
                base = next((x for x in load(out).get("baselines") or [] if x.get("name") == "all on cpu0"), {})
                predicted_us = get(base, "predicted.latency_us") or get(base, "metrics.latency_us")
                measured_ms = get(at1[b], "A.baselines") or get(at1[b], "M.baselines") or {}
                measured_ms = measured_ms.get("all on cpu0")
                ratio = predicted_us / 1000 / measured_ms if number(predicted_us) and number(measured_ms) and measured_ms > 0 else None
                row.update(outcome="predicted" if number(ratio) and 0.1 <= ratio <= 10 else "off", ratio=ratio,
                           predicted_ms=predicted_us / 1000 if number(predicted_us) else None, measured_ms=measured_ms)
                if number(ratio) and (worst is None or abs(math.log(ratio)) > abs(math.log(worst["ratio"]))):
                    worst = row
            results.append(row)
    if not results:
        print("\ncross-model: nothing to check (needs two or more sample models profiled at batch 1)")
        return results
    bad = [r for r in results if r["outcome"] in ("error", "off")]
    print(f"\ncross-model: {len(results)} pairs at batch 1: {sum(r['outcome'] == 'falls back' for r in results)} fall back and say so, "
          f"{sum(r['outcome'] == 'predicted' for r in results)} predict 'all on cpu0' within 10x, {len(bad)} neither")
    if worst:
        print(f"  worst prediction: {worst['model']} with {worst['costmodel_of']}'s cost model: predicted {fmt(worst['predicted_ms'])} ms, "
              f"measured {fmt(worst['measured_ms'])} ms (x{fmt(worst['ratio'], '.2f')})")
    for r in bad[:10]:
        print(f"  {r['model']} with {r['costmodel_of']}'s cost model: " + (r.get("message") or f"ratio {fmt(r.get('ratio'), '.3g')}"))
    check("cross-model: every pair falls back and says so, or predicts within [0.1, 10]x", not bad, f"{len(bad)} of {len(results)} pairs neither")
    return results


def print_case(c):
    a, m = c.get("A") or {}, c.get("M") or {}
    if c["status"] != "ok" and not a.get("ratio"):
        print(f"{c['model']:<20} {c['batch']:>5}  {c['status']}", flush=True)
        return
    print(f"{c['model']:<20} {c['batch']:>5} {fmt(a.get('best_ms')):>9} {str(a.get('best_baseline')):<18} {fmt(a.get('p50')):>9} "
          f"{fmt(a.get('ratio')):>7} {fmt(m.get('p50')):>9} {fmt(m.get('ratio')):>7} {pct(a.get('whole_error')):>8} "
          f"{pct(a.get('node_error')).lstrip('+'):>7}  A {'+'.join(a.get('devices') or ['n/a'])}; M {'+'.join(m.get('devices') or ['n/a'])}"
          f"{'; decision ' + str(m['decision']) if m.get('decision') is not None else ''}"
          f"{'  (' + c['status'] + ')' if c['status'] != 'ok' else ''}", flush=True)


def markdown(cases):
    print("\n| model | batch | best baseline (ms) | plan A devices | A / best | plan M devices | M / best | M decision | "
          "A measured / predicted - 1 | A node median error |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for c in cases:
        a, m = c.get("A") or {}, c.get("M") or {}
        if c["status"].startswith("skipped") or not a:
            print(f"| {c['model']} | {c['batch']} | {c['status']} | | | | | | | |")
            continue
        print(f"| {c['model']} | {c['batch']} | {a.get('best_baseline') or 'n/a'} ({fmt(a.get('best_ms'))}) | "
              f"{', '.join(a.get('devices') or ['n/a'])} | {fmt(a.get('ratio'))} | {', '.join(m.get('devices') or ['n/a'])} | "
              f"{fmt(m.get('ratio'))} | {m.get('decision') or ('failed' if 'error' in m else 'n/a')} | {pct(a.get('whole_error'))} | {pct(a.get('node_error')).lstrip('+')} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--partplan", default=os.path.join(ROOT, "build", "cli", "partplan"))
    ap.add_argument("--models", help="comma-separated model names (default: every sample model, then " + ", ".join(TORCH_MODELS) + ")")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--requests", type=int, default=150)
    ap.add_argument("--measure-seconds", type=float, default=3.0, help="plan --measure S for plan M")
    ap.add_argument("--torch-python", default="/usr/bin/python3", help="a Python with torch + torchvision, to export missing models")
    ap.add_argument("--json", help="write every case's figures and the cross-model pairs here")
    args = ap.parse_args()
    sample_names = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(SAMPLES, "*.onnx")))
    names = args.models.split(",") if args.models else sample_names + TORCH_MODELS
    batches = [int(b) for b in args.batches.split(",")]
    if not os.access(args.partplan, os.X_OK):
        sys.exit(f"plan_quality: no partplan binary at {args.partplan} (build it, or pass --partplan)")
    models = find_models(names, args.torch_python)

    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        print(f"\nlatency plans on {DEVICES} (+ pooled cpu0-1); A: plan, M: plan --measure {args.measure_seconds:g}; "
              f"replays of {args.requests} requests with --compare (p50 ms; ratio = plan / best baseline)")
        print(f"{'model':<20} {'batch':>5} {'best ms':>9} {'best baseline':<18} {'A ms':>9} {'A ratio':>7} {'M ms':>9} {'M ratio':>7} "
              f"{'A error':>8} {'node':>7}  devices")
        for name, path in models:
            for batch in batches:
                started = time.time()
                case = run_case(args.partplan, tmp, name, path, batch, args)
                case["seconds"] = round(time.time() - started, 1)
                cases.append(case)
                print_case(case)
        summary(cases)
        cross = cross_model(args.partplan, tmp, cases, sample_names) if 1 in batches else []
        if 1 not in batches:
            print("\ncross-model: skipped (needs batch 1)")
    markdown(cases)
    if args.json:
        for c in cases:
            c.pop("costmodel", None)  # a path in the deleted temporary folder
        with open(args.json, "w") as f:
            json.dump({"devices": DEVICES, "requests": args.requests, "measure_seconds": args.measure_seconds,
                       "cases": cases, "cross_model": cross}, f, indent=1)
        print(f"\nraw results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
