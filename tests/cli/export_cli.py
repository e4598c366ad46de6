#!/usr/bin/env python3
"""`partplan export` end to end, against independent references.

Plans are made here from the committed H100 cost model (CPU + a what-if GPU, so parts land on
both; no profiling), at the reference's batch, for multi-branch, recurrent, attention and composed models.

- `--onnx-subgraphs DIR`: the manifest is a partplan.export/1 (its JSON Schema); each part passes
  ONNX's checker with full shape inference; running the parts in the manifest's order with
  onnxruntime, each fed the tensors it names, reproduces the model's reference outputs (the
  committed test_data_set_0, computed by onnxruntime on the whole model); every model node is in
  exactly one part, on the device the plan gave it.
- `--triton DIR`: every config.pbtxt parses as Triton's ModelConfig (tritonclient's protobuf);
  a part per model folder with 1/model.onnx, KIND_CPU / KIND_GPU by its device; the ensemble's
  steps read only the ensemble's inputs or earlier steps' outputs and produce its outputs.
- Refusals: a plan for another model, a folder that is not an earlier export, neither or both
  of the folder flags: exit 2 naming the flag or file, nothing written.

Usage: export_cli.py PARTPLAN SAMPLE_MODELS
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import jsonschema
import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_checks import Tally  # noqa: E402

USAGE = 2
COSTMODEL = os.path.join("profiles", "h100", "h100.costmodel.json")


def reference(folder):
    """The committed inputs and outputs (ONNX test layout), by tensor name."""
    def load(pattern):
        out = {}
        for path in sorted(glob.glob(os.path.join(folder, "test_data_set_0", pattern))):
            t = onnx.TensorProto()
            with open(path, "rb") as f:
                t.ParseFromString(f.read())
            out[t.name] = numpy_helper.to_array(t)
        return out
    return load("input_*.pb"), load("output_*.pb")


def run_parts(folder, manifest, inputs):
    values = dict(inputs)
    for part in manifest["parts"]:
        session = ort.InferenceSession(os.path.join(folder, part["file"]), providers=["CPUExecutionProvider"])
        feeds = {i["name"]: values[i["name"]] for i in part["inputs"]}
        for name, value in zip([o["name"] for o in part["outputs"]], session.run(None, feeds)):
            values[name] = value
    return values


def main():
    binary, samples = os.path.abspath(sys.argv[1]), sys.argv[2]
    tally = Tally()
    from google.protobuf import text_format
    from tritonclient.grpc import model_config_pb2

    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schemas", "partplan.export-1.schema.json")) as f:
        schema = jsonschema.Draft202012Validator(json.load(f))

    def run(*args):
        return subprocess.run([binary, *args], capture_output=True, text=True, timeout=300)

    cases = [  # (name, model args, reference folder)
        ("inception", [os.path.join(samples, "inception.onnx")], os.path.join(samples, "inception")),
        ("cnn_lstm", [os.path.join(samples, "cnn_lstm.onnx")], os.path.join(samples, "cnn_lstm")),
        ("transformer_encoder", [os.path.join(samples, "transformer_encoder.onnx")], os.path.join(samples, "transformer_encoder")),
        ("resnet_small with pre/post", [os.path.join(samples, "resnet_small.onnx"), "--pre", os.path.join(samples, "processing", "preprocess.onnx"),
                                        "--post", os.path.join(samples, "processing", "postprocess.onnx")],
         os.path.join(samples, "processing", "resnet_small_e2e")),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, model_args, ref_folder in cases:
            tag = name.split()[0]
            plan = os.path.join(tmp, tag + ".plan.json")
            inputs, outputs = reference(ref_folder)
            batch = str(next(iter(inputs.values())).shape[0])  # the reference's (2 for the composed model)
            proc = run("plan", *model_args, "--batch", batch, "--costmodel", os.path.join(samples, COSTMODEL), "-o", plan, "--quiet")
            tally.check(f"{name}: plan over cpu0 + what-if cuda0", proc.returncode == 0, proc.stderr.strip())
            if proc.returncode != 0:
                continue
            planned = json.load(open(plan))
            extra = model_args[1:]  # --pre/--post
            parts_dir = os.path.join(tmp, tag + "_parts")
            proc = run("export", plan, "--model", model_args[0], *extra, "--onnx-subgraphs", parts_dir, "--quiet")
            tally.check(f"{name}: export --onnx-subgraphs", proc.returncode == 0, proc.stderr.strip())
            if proc.returncode != 0:
                continue
            manifest = json.load(open(os.path.join(parts_dir, "manifest.json")))
            problems = [e.message for e in schema.iter_errors(manifest)]
            tally.check(f"{name}: the manifest is a partplan.export/1 (schema)", not problems, "; ".join(problems[:3]))
            errors = []
            for part in manifest["parts"]:
                try:
                    onnx.checker.check_model(onnx.load(os.path.join(parts_dir, part["file"])), full_check=True)
                except Exception as e:  # noqa: BLE001 - the checker's message is the point
                    errors.append(f"{part['file']}: {str(e).splitlines()[0]}")
            tally.check(f"{name}: every part passes ONNX's checker (full)", not errors, "; ".join(errors[:2]))
            where = {n["name"]: n["device"] for n in planned["nodes"]}
            seen = [(n, p["device"]) for p in manifest["parts"] for n in p["nodes"]]
            tally.check(f"{name}: every planned node in one part, on its planned device",
                        sorted(n for n, _ in seen) == sorted(where) and all(where[n] == d for n, d in seen), f"{len(seen)} vs {len(where)}")
            try:
                values = run_parts(parts_dir, manifest, inputs)
                worst = max(float(np.max(np.abs(values[k].astype(np.float64) - v.astype(np.float64)))) if v.size else 0.0 for k, v in outputs.items())
                ok = all(k in values and values[k].shape == v.shape and np.allclose(values[k], v, rtol=1e-4, atol=1e-5) for k, v in outputs.items())
                tally.check(f"{name}: the parts in order reproduce onnxruntime's outputs ({len(manifest['parts'])} parts)", ok, f"max abs error {worst}")
            except Exception as e:  # noqa: BLE001
                tally.check(f"{name}: the parts in order reproduce onnxruntime's outputs", False, str(e).splitlines()[0])

            triton_dir = os.path.join(tmp, tag + "_triton")
            proc = run("export", plan, "--model", model_args[0], *extra, "--triton", triton_dir, "--quiet")
            tally.check(f"{name}: export --triton", proc.returncode == 0, proc.stderr.strip())
            if proc.returncode != 0:
                continue
            configs, problems = {}, []
            for path in sorted(glob.glob(os.path.join(triton_dir, "*", "config.pbtxt"))):
                try:
                    configs[os.path.basename(os.path.dirname(path))] = text_format.Parse(open(path).read(), model_config_pb2.ModelConfig())
                except text_format.ParseError as e:
                    problems.append(f"{path}: {e}")
            tally.check(f"{name}: every config.pbtxt parses as Triton's ModelConfig", not problems and configs, "; ".join(problems[:2]))
            ensembles = [c for c in configs.values() if c.platform == "ensemble"]
            parts = {c.name: c for c in configs.values() if c.backend == "onnxruntime"}
            device_of = {p["name"]: p["device"] for p in manifest["parts"]}
            tally.check(f"{name}: a model per part, KIND_CPU or KIND_GPU by device, with 1/model.onnx",
                        set(parts) == set(device_of) and all(
                            c.instance_group[0].kind == (model_config_pb2.ModelInstanceGroup.KIND_GPU if device_of[n].startswith("cuda") else model_config_pb2.ModelInstanceGroup.KIND_CPU)
                            and os.path.exists(os.path.join(triton_dir, n, "1", "model.onnx")) for n, c in parts.items()), str(sorted(parts)))
            if len(ensembles) == 1:
                e = ensembles[0]
                available = {i.name for i in e.input}
                wired = True
                for step in e.ensemble_scheduling.step:
                    wired = wired and step.model_name in parts and all(v in available for v in step.input_map.values())
                    available |= set(step.output_map.values())
                    wired = wired and set(step.input_map) == {i.name for i in parts[step.model_name].input}
                tally.check(f"{name}: the ensemble's steps are wired in order and produce its outputs",
                            wired and all(o.name in available for o in e.output) and os.path.isdir(os.path.join(triton_dir, e.name, "1")))
            else:
                tally.check(f"{name}: one ensemble", False, str(len(ensembles)))

        # Refusals.
        plan = os.path.join(tmp, "inception.plan.json")
        proc = run("export", plan, "--model", os.path.join(samples, "mlp.onnx"), "--onnx-subgraphs", os.path.join(tmp, "x"))
        tally.check("a plan for another model refused", proc.returncode == USAGE and plan in proc.stderr and not os.path.exists(os.path.join(tmp, "x")), proc.stderr.strip())
        occupied = os.path.join(tmp, "occupied")
        os.makedirs(occupied)
        open(os.path.join(occupied, "notes.txt"), "w").write("mine")
        proc = run("export", plan, "--onnx-subgraphs", occupied)
        tally.check("a folder that is not an earlier export refused, left as it was", proc.returncode == USAGE and occupied in proc.stderr
                    and os.listdir(occupied) == ["notes.txt"], proc.stderr.strip())
        proc = run("export", plan)
        tally.check("neither folder flag refused", proc.returncode == USAGE, proc.stderr.strip())
        proc = run("export", plan, "--onnx-subgraphs", os.path.join(tmp, "a"), "--triton", os.path.join(tmp, "b"))
        tally.check("both folder flags refused", proc.returncode == USAGE, proc.stderr.strip())
        again = run("export", plan, "--onnx-subgraphs", os.path.join(tmp, "inception_parts"), "--quiet")
        tally.check("an earlier export is replaced", again.returncode == 0 and not glob.glob(os.path.join(tmp, "*.partial-*"))
                    and not glob.glob(os.path.join(tmp, "*.old-*")), again.stderr.strip())
        # An earlier export with something else added is not deleted.
        open(os.path.join(tmp, "inception_parts", "notes.txt"), "w").write("mine")
        proc = run("export", plan, "--onnx-subgraphs", os.path.join(tmp, "inception_parts"))
        tally.check("an earlier export holding a file of the user's is refused, kept", proc.returncode == USAGE and "notes.txt" in proc.stderr
                    and os.path.exists(os.path.join(tmp, "inception_parts", "notes.txt")), proc.stderr.strip())
        # A folder with a manifest.json of something else is not an export.
        other = os.path.join(tmp, "webapp")
        os.makedirs(other)
        json.dump({"name": "my app"}, open(os.path.join(other, "manifest.json"), "w"))
        proc = run("export", plan, "--onnx-subgraphs", other)
        tally.check("a folder with another kind of manifest.json is refused", proc.returncode == USAGE and os.listdir(other) == ["manifest.json"], proc.stderr.strip())
        inception = os.path.abspath(os.path.join(samples, "inception.onnx"))
        for bad, where, what in ((".", tmp, "the current folder"), (tmp, None, "the folder holding the plan")):
            proc = subprocess.run([binary, "export", plan, "--model", inception, "--onnx-subgraphs", bad], capture_output=True, text=True, timeout=60, cwd=where)
            tally.check(f"{what} refused as the export folder", proc.returncode == USAGE and os.path.exists(plan), proc.stderr.strip())
        proc = run("export", plan, "--triton", os.path.join(tmp, "t"), "--ensemble-name", "../up")
        tally.check("an ensemble name that is a path refused", proc.returncode == USAGE and "--ensemble-name" in proc.stderr
                    and not os.path.exists(os.path.join(tmp, "up")), proc.stderr.strip())
    return tally.exit_code()


if __name__ == "__main__":
    sys.exit(main())
