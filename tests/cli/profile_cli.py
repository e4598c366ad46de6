#!/usr/bin/env python3
"""`partplan profile` from the command line: bad flags, a resume of another model's profile,
Ctrl-C and --resume.

Usage: python tests/cli/profile_cli.py PARTPLAN_BINARY SAMPLE_MODELS_DIR

- Bad values (--devices, --max-reps below --min-reps, --target-spread 0, --batch 0) exit 2 with
  one line naming the flag, and write no profile.
- --resume with a profile of another model, or made with other settings, exits 2 and leaves
  that file as it was.
- SIGINT during a profile exits 130 with one line, and the file holds what was measured with
  "complete": false; `--resume` then finishes it, keeping the measurements already there.
Prints `ok NAME` / `FAIL NAME: why`; exits 1 on any failure.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

from cli_checks import Tally, one_line


def run(binary, args, timeout=120):
    return subprocess.run([binary, "profile"] + args, capture_output=True, text=True, timeout=timeout)


def main():
    binary, samples = sys.argv[1], sys.argv[2]
    mlp, resnet = os.path.join(samples, "mlp.onnx"), os.path.join(samples, "resnet_small.onnx")
    tally = Tally()
    check = tally.check

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "p.json")
        for name, args, flag in [
            ("bad_devices", ["--devices", "gpu:7"], "--devices"),
            ("reps_inverted", ["--min-reps", "20", "--max-reps", "10"], "--max-reps"),
            ("spread_zero", ["--target-spread", "0"], "--target-spread"),
            ("batch_zero", ["--batch", "0"], "--batch"),
        ]:
            proc = run(binary, [mlp, "-o", out, "--batch", "1"] + args if name != "batch_zero" else [mlp, "-o", out] + args)
            check(name, proc.returncode == 2 and one_line(proc.stderr) and flag in proc.stderr and not os.path.exists(out),
                  f"exit {proc.returncode}: {proc.stderr.strip()!r}")

        # A profile of mlp, then --resume of it for resnet_small: refused, file untouched.
        proc = run(binary, [mlp, "--batch", "1", "-o", out, "--min-time-ms", "1", "--max-time-ms", "5", "--quiet"])
        check("mlp_profile", proc.returncode == 0, proc.stderr.strip())
        before = open(out).read()
        proc = run(binary, [resnet, "--batch", "1", "-o", out, "--resume", "--quiet"])
        check("resume_other_model", proc.returncode == 2 and one_line(proc.stderr) and "another model" in proc.stderr and open(out).read() == before,
              f"exit {proc.returncode}: {proc.stderr.strip()!r}")

        # Ctrl-C: long budgets so the run is still going when the signal comes.
        partial = os.path.join(tmp, "partial.json")
        child = subprocess.Popen([binary, "profile", resnet, "--batch", "2", "-o", partial, "--min-time-ms", "100", "--max-time-ms", "100", "--max-reps", "10000000",
                                  "--no-links", "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2.0)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
        doc = json.load(open(partial)) if os.path.exists(partial) else {}
        measured = [n for n in doc.get("batches", [{}])[0].get("nodes", []) if n.get("devices")] if doc else []
        check("interrupted", child.returncode == 130 and one_line(stderr) and "--resume" in stderr and doc.get("complete") is False and measured,
              f"exit {child.returncode}: {stderr.strip()!r}, complete={doc.get('complete')}, {len(measured)} nodes measured")
        if measured:
            kept = {n["name"]: n["devices"]["cpu0"]["median_us"] for n in measured if "median_us" in n["devices"].get("cpu0", {})}
            same_flags = ["--min-time-ms", "100", "--max-time-ms", "100", "--max-reps", "10000000", "--no-links"]
            proc = run(binary, [resnet, "--batch", "2", "-o", partial, "--min-time-ms", "1", "--no-links", "--resume", "--quiet"])
            check("resume_other_settings", proc.returncode == 2 and one_line(proc.stderr) and "settings" in proc.stderr,
                  f"exit {proc.returncode}: {proc.stderr.strip()!r}")
            proc = run(binary, [resnet, "--batch", "2", "-o", partial, "--resume", "--quiet"] + same_flags)
            doc = json.load(open(partial))
            nodes = {n["name"]: n for n in doc["batches"][0]["nodes"]}
            same = all(nodes[name]["devices"]["cpu0"]["median_us"] == value for name, value in kept.items())
            complete = all("cpu0" in n["devices"] for n in nodes.values())
            check("resumed", proc.returncode == 0 and doc["complete"] and same and complete,
                  f"exit {proc.returncode}: {proc.stderr.strip()!r}, kept same={same}, every node={complete}")
    return tally.exit_code()


if __name__ == "__main__":
    sys.exit(main())
