#!/usr/bin/env python3
"""Validate what `partplan inspect --json`, `run --json`, `profile`, `fit` and `plan` write
against their JSON Schemas in docs/schemas/ (partplan.inspect-1, partplan.run-1,
partplan.profile-1, partplan.costmodel-1, partplan.plan-1; profile on the first model only, at
two batch sizes, with short budgets; fit on that profile with a held-out batch and a device spec;
a plan from that cost model over both CPU devices and the spec's GPU; and the profiles and
cost model measured on an H100 under sample_models/profiles/h100/).

Usage: check_schema.py PARTPLAN_BINARY MODEL.onnx [MODEL.onnx ...]
(run is checked on the models that inspect reports as fully supported.)
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCHEMAS = os.path.join(ROOT, "docs", "schemas")


def validator_for(kind):
    with open(os.path.join(SCHEMAS, f"partplan.{kind}-1.schema.json")) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def with_gpu_forms(doc):
    """The CPU profile with the forms only a GPU produces, as profiler/profile.cpp writes them
    (tests/profiler/profile_test.cpp round-trips the same forms): a device traced with CUPTI,
    one timed with events and why, a node's and a whole model's kernels, launch and span,
    pinned and pageable copy links."""
    doc = json.loads(json.dumps(doc))
    stats = next(iter(doc["batches"][0]["nodes"][0]["devices"].values()))
    gpu = {"launch": stats, "span": stats, "kernels": [{"name": "sgemm_128x64", "calls": 1, "us": 12.5}, {"name": "[memset]", "calls": 0.5, "us": 1.0}]}
    doc["devices"].append({"name": "cuda0", "spec": "cuda", "description": "cuda:0 H100", "timer": "cupti",
                           "cupti": {"dropped_records": 0, "overhead": [{"node": "fc1", "without_us": 10.0, "with_us": 10.5}], "overhead_ratio": 1.05}})
    doc["devices"].append({"name": "cuda1", "spec": "cuda:1", "description": "cuda:1 H100", "timer": "cuda_events", "timer_note": "CUPTI not used: --no-cupti"})
    doc["batches"][0]["nodes"][0]["devices"]["cuda0"] = dict(stats, gpu=gpu)
    doc["batches"][0]["whole_model"]["cuda0"] = {"unfused": dict(stats, gpu=gpu), "fused": None, "sum_of_node_medians_us": 30.0, "gap": 0.1}
    for memory in ("pageable", "pinned"):
        doc["links"].append({"from": "host", "to": "cuda0", "kind": "copy", "host_memory": memory, "latency_us": 9.4, "bandwidth_gb_s": 25.0,
                             "points": [{"bytes": 4, "time_us": 9.5}]})
    return doc


def main():
    binary, models = sys.argv[1], sys.argv[2:]
    validators = {kind: validator_for(kind) for kind in ("inspect", "run", "profile", "costmodel", "plan")}
    checked, failures = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            for kind in ("inspect", "run"):
                out = os.path.join(tmp, "out.json")
                extra = ["--iterations", "2", "--warmup", "0"] if kind == "run" else []
                proc = subprocess.run([binary, kind, model, "--batch", "2", "--json", out, "--quiet"] + extra, capture_output=True, text=True)
                if kind == "run" and proc.returncode == 6:
                    continue  # unsupported nodes: inspect covered it
                checked += 1
                if proc.returncode != 0:
                    print(f"FAIL {kind} {model}: exit {proc.returncode}: {proc.stderr.strip()}")
                    failures += 1
                    continue
                with open(out) as f:
                    doc = json.load(f)
                errors = sorted(validators[kind].iter_errors(doc), key=lambda e: list(e.path))
                for e in errors[:5]:
                    print(f"FAIL {kind} {os.path.basename(model)}: {'/'.join(map(str, e.path))}: {e.message}")
                failures += bool(errors)
                if not errors:
                    print(f"ok   {kind} {os.path.basename(model)}")
        out = os.path.join(tmp, "profile.json")
        proc = subprocess.run([binary, "profile", models[0], "--batch", "1,2", "--devices", "cpu:threads=1,cpu:threads=1", "-o", out,
                               "--min-time-ms", "1", "--max-time-ms", "5", "--quiet"], capture_output=True, text=True)
        checked += 1
        if proc.returncode != 0:
            print(f"FAIL profile {models[0]}: exit {proc.returncode}: {proc.stderr.strip()}")
            failures += 1
        else:
            with open(out) as f:
                cpu_profile = json.load(f)
            for label, doc in (("profile", cpu_profile), ("profile with GPU forms", with_gpu_forms(cpu_profile))):
                errors = sorted(validators["profile"].iter_errors(doc), key=lambda e: list(e.path))
                for e in errors[:5]:
                    print(f"FAIL {label} {os.path.basename(models[0])}: {'/'.join(map(str, e.path))}: {e.message}")
                failures += bool(errors)
                if not errors:
                    print(f"ok   {label} {os.path.basename(models[0])}")
            # The files later stages write from this profile: a cost model, then a plan from it.
            name = os.path.basename(models[0])
            costmodel, plan = os.path.join(tmp, "costmodel.json"), os.path.join(tmp, "plan.json")
            spec = os.path.join(ROOT, "costmodel", "specs", "h100-sxm.json")
            for kind, args, path in [("costmodel", ["fit", out, "--holdout-batch", "2", "--device-spec", spec, "-o", costmodel], costmodel),
                                     ("plan", ["plan", models[0], "--costmodel", costmodel, "--batch", "2", "-o", plan], plan)]:
                checked += 1
                proc = subprocess.run([binary] + args + ["--quiet"], capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"FAIL {kind} {name}: exit {proc.returncode}: {proc.stderr.strip()}")
                    failures += 1
                    break
                errors = sorted(validators[kind].iter_errors(json.load(open(path))), key=lambda e: list(e.path))
                for e in errors[:5]:
                    print(f"FAIL {kind} {name}: {'/'.join(map(str, e.path))}: {e.message}")
                failures += bool(errors)
                if not errors:
                    print(f"ok   {kind} {name}")
    # Files measured on a real GPU (sample_models/profiles/h100/, from scripts/gpu-check): the
    # GPU forms as the profiler wrote them there, not only as synthesised above.
    measured = os.path.join(ROOT, "sample_models", "profiles", "h100")
    for path in sorted(glob.glob(os.path.join(measured, "*.json"))):
        kind = "costmodel" if path.endswith(".costmodel.json") else "profile"
        checked += 1
        with open(path) as f:
            errors = sorted(validators[kind].iter_errors(json.load(f)), key=lambda e: list(e.path))
        for e in errors[:5]:
            print(f"FAIL {kind} {os.path.relpath(path, ROOT)}: {'/'.join(map(str, e.path))}: {e.message}")
        failures += bool(errors)
        if not errors:
            print(f"ok   {kind} {os.path.relpath(path, ROOT)}")
    print(f"{checked - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
