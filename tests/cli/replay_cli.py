#!/usr/bin/env python3
"""`partplan run --plan` from the command line: plans made here from a fresh profile (two
1-thread CPU devices) are replayed on those devices at once.

Usage: python tests/cli/replay_cli.py PARTPLAN_BINARY SAMPLE_MODELS_DIR

- inception (multi-branch), latency plan, --compare: exit 0, a partplan.run/1 file (schema
  checked) with outputs matching the one-device reference, a device busy exactly when it has nodes, the baselines
  (each device alone, one 2-thread device) with ratios, every run node placed as the plan says.
- resnet_small with the pre/post-processing graphs, throughput plan: requests in flight =
  twice the stage count, outputs matching, all 40 requests measured (throughput against its
  bound is bench/replay_compare.py's: CI shares the cores with other tests).
- an open loop (--rate, --duration): as many requests as arrivals, the loop recorded.
- Bad input: a plan for another model, a plan with a what-if device, replay flags without
  --plan, --rate without --duration, --compare with an open loop, a malformed plan file: the documented exit code and one
  line naming the flag or file.
Prints `ok NAME` / `FAIL NAME: why`; exits 1 on any failure.
"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from cli_checks import Tally, one_line  # noqa: E402

USAGE, FILE = 2, 3
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    binary, samples = sys.argv[1], sys.argv[2]
    tally = Tally()
    with open(os.path.join(ROOT, "docs", "schemas", "partplan.run-1.schema.json")) as f:
        schema = jsonschema.Draft202012Validator(json.load(f))

    def run(*args):
        return subprocess.run([binary, *args], capture_output=True, text=True, timeout=300)

    def profile_and_plan(tmp, name, model_args, plan_args):
        profile, plan = os.path.join(tmp, name + ".profile.json"), os.path.join(tmp, name + ".plan.json")
        proc = run("profile", *model_args, "--devices", "cpu:threads=1,cpu:threads=1", "--min-time-ms", "2", "--max-time-ms", "10", "-o", profile, "--quiet")
        if proc.returncode != 0:
            return None, proc.stderr.strip()
        proc = run("plan", *model_args, "--profile", profile, *plan_args, "-o", plan, "--quiet")
        return (plan if proc.returncode == 0 else None), proc.stderr.strip()

    with tempfile.TemporaryDirectory() as tmp:
        inception = os.path.join(samples, "inception.onnx")
        # The split itself is what this replays (the default might take a single device).
        plan, why = profile_and_plan(tmp, "inception", [inception, "--batch", "1"], ["--devices", "cpu0,cpu1", "--keep-uncertain-split"])
        tally.check("profile and plan inception on two CPU devices", plan is not None, why)
        if plan:
            out = os.path.join(tmp, "inception.run.json")
            proc = run("run", inception, "--plan", plan, "--compare", "--requests", "12", "--warmup", "1", "--json", out, "--quiet")
            tally.check("run --plan --compare", proc.returncode == 0, proc.stderr.strip())
            if proc.returncode == 0:
                doc, planned = json.load(open(out)), json.load(open(plan))
                errors = [e.message for e in schema.iter_errors(doc)]
                tally.check("the run file is a partplan.run/1", not errors, "; ".join(errors[:3]))
                tally.check("outputs match the one-device reference", doc["outputs_check"]["ok"], json.dumps(doc["outputs_check"]))
                used = {n["device"] for n in planned["nodes"]}
                tally.check("a device is busy exactly when the plan gives it nodes",
                            len(doc["devices"]) == len(planned["devices"]) and all((d["busy_us_per_request"] > 0) == (d["name"] in used) for d in doc["devices"]),
                            json.dumps(doc["devices"]))
                names = sorted(b["name"] for b in doc["baselines"])
                tally.check("the baselines: each device alone, and the pooled device though --devices left it out",
                            names == ["all on cpu0", "all on cpu0-1", "all on cpu1"] and all(b["plan_latency_ratio"] > 0 for b in doc["baselines"]), str(names))
                where = {n["name"]: n["device"] for n in planned["nodes"]}
                tally.check("every node ran where the plan put it", all(where.get(n["name"]) == n["device"] for n in doc["nodes"]))
                timeline = doc.get("timeline", {})
                spans = timeline.get("nodes", [])
                tally.check("a request's timeline: every node that ran, inside its latency, where the plan put it",
                            len(spans) == sum(1 for n in doc["nodes"] if n["mean_us"] > 0) and all(0 <= s["start_us"] <= s["end_us"] <= timeline["latency_ms"] * 1000 + 1 for s in spans)
                            and all(where.get(s["name"]) == s["device"] for s in spans), json.dumps(timeline)[:300])
                tally.check("12 requests, closed loop", doc["load"]["loop"] == "closed" and doc["load"]["requests"] == 12, json.dumps(doc["load"]))

            out = os.path.join(tmp, "open.run.json")
            proc = run("run", inception, "--plan", plan, "--rate", "100", "--duration", "0.3", "--concurrency", "2", "--json", out, "--quiet")
            tally.check("run --plan, open loop", proc.returncode == 0, proc.stderr.strip())
            if proc.returncode == 0:
                doc = json.load(open(out))
                tally.check("open loop recorded", doc["load"]["loop"] == "open" and doc["load"]["rate_per_s"] == 100 and doc["load"]["requests"] >= 1,
                            json.dumps(doc["load"]))

        model = os.path.join(samples, "resnet_small.onnx")
        processing = os.path.join(samples, "processing")
        composed = [model, "--pre", os.path.join(processing, "preprocess.onnx"), "--post", os.path.join(processing, "postprocess.onnx")]
        plan, why = profile_and_plan(tmp, "e2e", composed + ["--batch", "2"], ["--objective", "throughput"])
        tally.check("profile and plan resnet_small with pre/post, throughput", plan is not None, why)
        if plan:
            out = os.path.join(tmp, "e2e.run.json")
            proc = run("run", *composed, "--plan", plan, "--requests", "40", "--json", out, "--quiet")
            tally.check("run --plan, pipelined", proc.returncode == 0, proc.stderr.strip())
            if proc.returncode == 0:
                doc, planned = json.load(open(out)), json.load(open(plan))
                stages = len(planned["stages"])
                tally.check("requests in flight = twice the stages", doc["load"]["concurrency"] == max(1, 2 * stages), f"{doc['load']} vs {stages} stages")
                tally.check("pipelined outputs match", doc["outputs_check"]["ok"], json.dumps(doc["outputs_check"]))
                # (How close throughput comes to its bound is bench/replay_compare.py's to measure:
                # CI runs other tests beside this one on the same two cores.)
                work = sum(d["busy_us_per_request"] for d in doc["devices"])
                tally.check("every request's work recorded", work > 0 and doc["load"]["requests"] == 40, json.dumps(doc["devices"]))

        # Bad input.
        inception_plan = os.path.join(tmp, "inception.plan.json")
        whatif = os.path.join(samples, "plans", "resnet_small.cpu_h100.plan.json")
        broken = os.path.join(tmp, "broken.plan.json")
        with open(broken, "w") as f:
            f.write('{"schema": "partplan.plan/1", "model": 3}')
        bad = [
            ("a plan for another model", ["run", os.path.join(samples, "mlp.onnx"), "--plan", inception_plan], USAGE, "sha256"),
            ("a what-if device", ["run", model, "--plan", whatif], USAGE, "what-if"),
            ("replay flags without --plan", ["run", model, "--batch", "1", "--requests", "5"], USAGE, "--plan"),
            ("--rate without --duration", ["run", inception, "--plan", inception_plan, "--rate", "10"], USAGE, "--duration"),
            ("--compare with an open loop", ["run", inception, "--plan", inception_plan, "--rate", "10", "--duration", "1", "--compare"], USAGE, "--compare"),
            ("a malformed plan", ["run", inception, "--plan", broken], FILE, "broken.plan.json"),
        ]
        for name, args, code, text in bad:
            if name == "a what-if device" and json.load(open(whatif))["devices"][-1]["present"]:
                continue  # planned on this very machine
            proc = run(*args)
            tally.check(f"refused: {name}", proc.returncode == code and one_line(proc.stderr) and text in proc.stderr,
                        f"exit {proc.returncode}: {proc.stderr.strip()}")
    return tally.exit_code()


if __name__ == "__main__":
    sys.exit(main())
