#!/usr/bin/env python3
"""`partplan fit` from the command line: a fit with a held-out batch, a test profile, a device
spec and a report; and bad input.

Usage: python tests/cli/fit_cli.py PARTPLAN_BINARY SAMPLE_MODELS_DIR SPECS_DIR

- A profile of mlp at batches 1,2,4 (short budgets) is fitted with --holdout-batch 4, tested on
  a profile of resnet_small, given the H100 spec; the cost model names every device, the
  spec's as estimated, and the HTML report holds a plot per device.
- Bad input exits with the documented code (2 usage, 3 file), one line naming the file or
  flag, and writes neither the cost model nor the report.
Prints `ok NAME` / `FAIL NAME: why`; exits 1 on any failure.
"""
import json
import os
import subprocess
import sys
import tempfile

from cli_checks import Tally, one_line

USAGE, FILE = 2, 3


def main():
    binary, samples, specs = sys.argv[1], sys.argv[2], sys.argv[3]
    h100 = os.path.join(specs, "h100-sxm.json")
    tally = Tally()
    check = tally.check

    def profile(model, out, batches, devices="cpu:threads=1"):
        proc = subprocess.run([binary, "profile", os.path.join(samples, model), "--batch", batches, "--devices", devices, "-o", out,
                               "--min-time-ms", "1", "--max-time-ms", "5", "--no-links", "--quiet"], capture_output=True, text=True, timeout=300)
        check(f"profile_{model}", proc.returncode == 0, proc.stderr.strip())

    with tempfile.TemporaryDirectory() as tmp:
        mlp, other = os.path.join(tmp, "mlp.profile.json"), os.path.join(tmp, "resnet.profile.json")
        profile("mlp.onnx", mlp, "1,2,4")
        profile("resnet_small.onnx", other, "1")
        model, report = os.path.join(tmp, "m.costmodel.json"), os.path.join(tmp, "fit.html")
        proc = subprocess.run([binary, "fit", mlp, "--holdout-batch", "4", "--test", other, "--device-spec", h100, "--report", report, "-o", model],
                              capture_output=True, text=True, timeout=120)
        ok = proc.returncode == 0 and os.path.exists(model) and os.path.exists(report)
        check("fit", ok, f"exit {proc.returncode}: {proc.stderr.strip()!r}")
        if ok:
            doc = json.load(open(model))
            devices = {d["name"]: d for d in doc["devices"]}
            check("fit_devices", set(devices) == {"cpu0", "cuda0"} and devices["cuda0"]["estimated"] and not devices["cpu0"]["estimated"], str(list(devices)))
            check("fit_holdout", [c["batch"] for c in doc["validation"]["holdout"]] == [4] and doc["validation"]["holdout"][0]["nodes"]["points"] > 0,
                  json.dumps(doc["validation"]["holdout"])[:300])
            check("fit_test", len(doc["validation"]["test"]) == 1 and doc["validation"]["test"][0]["nodes"]["points"] > 0, "")
            html = open(report).read()
            check("fit_report", html.count("<svg") == 2 and "cpu0" in html and "estimated" in html.lower(), "")
            check("fit_summary", "held out batch 4" in proc.stdout and "costmodel" in proc.stdout, proc.stdout[-300:])

        # Two profiles naming one device differently.
        two_threads = os.path.join(tmp, "mlp2.profile.json")
        profile("mlp.onnx", two_threads, "1", devices="cpu:threads=2")
        not_json = os.path.join(tmp, "bad.json")
        open(not_json, "w").write("{ not json")
        out = os.path.join(tmp, "out.json")
        for name, args, code, words in [
            ("missing_profile", [os.path.join(tmp, "none.json")], FILE, ["none.json"]),
            ("not_json", [not_json], FILE, ["bad.json", "not JSON"]),
            ("not_a_profile", [model], FILE, ["m.costmodel.json", "partplan.profile/1"]),
            ("holdout_absent", [mlp, "--holdout-batch", "32"], USAGE, ["--holdout-batch", "32"]),
            ("report_extension", [mlp, "--report", os.path.join(tmp, "x.png")], USAGE, ["--report"]),
            ("spec_missing", [mlp, "--device-spec", os.path.join(tmp, "h900.json")], FILE, ["h900.json"]),
            ("spec_not_a_spec", [mlp, "--device-spec", mlp], FILE, ["mlp.profile.json", "partplan.device-spec/1"]),
            ("spec_measured_name", [mlp, "--device-spec", "cpu0=" + h100], USAGE, ["--device-spec", "cpu0"]),
            ("folds", [mlp, "--folds", "1"], USAGE, ["--folds"]),
            ("devices_differ", [mlp, two_threads], USAGE, ["mlp.profile.json", "mlp2.profile.json", "cpu0"]),
        ]:
            report_path = os.path.join(tmp, "r.html")
            proc = subprocess.run([binary, "fit"] + args + ["-o", out] + ([] if name == "report_extension" else ["--report", report_path]),
                                  capture_output=True, text=True, timeout=60)
            good = proc.returncode == code and one_line(proc.stderr) and all(w in proc.stderr for w in words)
            good = good and not os.path.exists(out) and not os.path.exists(report_path)
            check(name, good, f"exit {proc.returncode}: {proc.stderr.strip()!r}")
    return tally.exit_code()


if __name__ == "__main__":
    sys.exit(main())
