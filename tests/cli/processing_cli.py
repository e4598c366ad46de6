#!/usr/bin/env python3
"""`--pre` / `--post` from the command line: a model composed with the sample pre- and
post-processing graphs (sample_models/processing/) is one graph to inspect, run, profile and
plan, and runs to onnxruntime's result for the same three graphs merged by onnx.compose.

Usage: python tests/cli/processing_cli.py PARTPLAN_BINARY SAMPLE_MODELS_DIR

- inspect --json: the pre graph's input and the post graph's outputs are the composition's;
  pre and post nodes are named pre/... and post/...; its sha256 is not the model's.
- run --inputs (a uint8 image batch): scores within 1e-4 of the reference, classes equal.
- profile + plan --objective throughput: every pre, model and post node placed, the stages
  covering them in order.
- Bad input: a pre graph whose outputs feed no model input, a post graph whose inputs no model
  output gives, an opset that differs, a missing file: the documented exit code and one line
  naming the file and tensor.
Prints `ok NAME` / `FAIL NAME: why`; exits 1 on any failure.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from cli_checks import Tally, one_line  # noqa: E402
from tensor_proto import read_tensor  # noqa: E402

FILE, MODEL = 3, 4


def main():
    binary, samples = sys.argv[1], sys.argv[2]
    model = os.path.join(samples, "resnet_small.onnx")
    processing = os.path.join(samples, "processing")
    pre, post = os.path.join(processing, "preprocess.onnx"), os.path.join(processing, "postprocess.onnx")
    composed = [model, "--pre", pre, "--post", post]
    tally = Tally()

    def run(*args):
        return subprocess.run([binary, *args], capture_output=True, text=True)

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "inspect.json")
        proc = run("inspect", *composed, "--batch", "2", "--json", out, "--quiet")
        tally.check("inspect composed", proc.returncode == 0, proc.stderr.strip())
        alone = os.path.join(tmp, "alone.json")
        run("inspect", model, "--batch", "2", "--json", alone, "--quiet")
        if proc.returncode == 0:
            doc, base = json.load(open(out)), json.load(open(alone))
            tally.check("inspect: the pre graph's input and the post graph's outputs",
                        [i["name"] for i in doc["inputs"]] == ["image"] and [o["name"] for o in doc["outputs"]] == ["scores", "classes"],
                        f"{doc['inputs']} {doc['outputs']}")
            names = [n["name"] for n in doc["nodes"]]
            tally.check("inspect: pre/ and post/ nodes around the model's",
                        names[0] == "pre/Cast_0" and names[-1] == "post/TopK_0" and len(names) == len(base["nodes"]) + 7, str(names[:3] + names[-2:]))
            tally.check("inspect: the composition has its own sha256", doc["model"]["sha256"] != base["model"]["sha256"])

        saved = os.path.join(tmp, "outputs")
        reference = os.path.join(processing, "resnet_small_e2e", "test_data_set_0")
        proc = run("run", *composed, "--inputs", reference, "--save-outputs", saved, "--iterations", "2", "--warmup", "0", "--quiet")
        tally.check("run composed with a uint8 image batch", proc.returncode == 0, proc.stderr.strip())
        if proc.returncode == 0:
            scores, classes = (read_tensor(os.path.join(saved, f"output_{k}.pb")) for k in range(2))
            want_scores, want_classes = (read_tensor(os.path.join(reference, f"output_{k}.pb")) for k in range(2))
            tally.check("run: scores match onnxruntime", np.allclose(scores, want_scores, atol=1e-4), f"{scores} vs {want_scores}")
            tally.check("run: classes match onnxruntime", classes.dtype == np.int64 and np.array_equal(classes, want_classes), f"{classes} vs {want_classes}")

        profile, plan = os.path.join(tmp, "p.profile.json"), os.path.join(tmp, "p.plan.json")
        proc = run("profile", *composed, "--devices", "cpu:threads=1,cpu:threads=1", "--batch", "2", "--min-time-ms", "1", "--max-time-ms", "5",
                   "-o", profile, "--quiet")
        tally.check("profile composed (random uint8 images)", proc.returncode == 0, proc.stderr.strip())
        if proc.returncode == 0:
            proc = run("plan", *composed, "--profile", profile, "--batch", "2", "--objective", "throughput", "-o", plan, "--quiet")
            tally.check("plan composed, throughput", proc.returncode == 0, proc.stderr.strip())
            if proc.returncode == 0:
                doc = json.load(open(plan))
                names = [n["name"] for n in doc["nodes"]]
                tally.check("plan: pre, model and post nodes all placed",
                            "pre/Resize_0" in names and "post/Softmax_0" in names and "Conv_0" in names and all(n["device"] for n in doc["nodes"]))
                covered = sum(s["nodes"] for s in doc["stages"])
                tally.check("plan: the stages cover every node", covered == len(names), f"{covered} of {len(names)}")

        bad = [
            ("a pre graph feeding no model input", ["inspect", model, "--pre", post], MODEL, "output 'scores' matches no input"),
            ("a post graph reading no model output", ["inspect", model, "--post", pre], MODEL, "input 'image' matches no output"),
            ("an opset that differs", ["inspect", os.path.join(samples, "mobile_cnn.onnx"), "--pre", pre], MODEL, "opset"),
            ("a missing pre file", ["inspect", model, "--pre", os.path.join(tmp, "none.onnx")], FILE, "none.onnx"),
        ]
        for name, args, code, text in bad:
            proc = run(*args, "--batch", "2")
            tally.check(f"refused: {name}", proc.returncode == code and one_line(proc.stderr) and text in proc.stderr,
                        f"exit {proc.returncode}: {proc.stderr.strip()}")
    return tally.exit_code()


if __name__ == "__main__":
    sys.exit(main())
