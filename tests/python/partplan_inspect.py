"""Shared helpers for the partplan Python checks: run `inspect --json`, parse specs."""
import json
import os
import subprocess
import sys
import tempfile

SCHEMA = "partplan.inspect/1"


def parse_shape_spec(spec):
    """'name:1x3x32x32' -> ('name', [1, 3, 32, 32])."""
    name, sep, dims = spec.rpartition(":")
    if not sep or not name or not dims:
        raise ValueError(f"bad --shape '{spec}' (want name:1x3x32x32)")
    return name, [int(d) for d in dims.lower().split("x")]


def run_inspect(binary, model_path, shapes=(), batch=None, timeout_s=600):
    """Runs `binary inspect model --json tmp [--shape ...] [--batch N]`; returns the parsed JSON."""
    with tempfile.TemporaryDirectory(prefix="partplan_check_") as tmp:
        out = os.path.join(tmp, "inspect.json")
        cmd = [binary, "inspect", model_path, "--json", out]
        for s in shapes:
            cmd += ["--shape", s]
        if batch is not None:
            cmd += ["--batch", str(batch)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout_s)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"FAIL: {' '.join(cmd)} exited {proc.returncode}")
        with open(out, encoding="utf-8") as f:
            doc = json.load(f)
    if doc.get("schema") != SCHEMA:
        raise SystemExit(f"FAIL: schema is {doc.get('schema')!r}, want {SCHEMA!r}")
    return doc
