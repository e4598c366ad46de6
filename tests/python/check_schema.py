#!/usr/bin/env python3
"""Validate what `partplan inspect --json` writes against docs/schemas/partplan.inspect-1.schema.json.

Usage: check_schema.py PARTPLAN_BINARY MODEL.onnx [MODEL.onnx ...]
"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schemas", "partplan.inspect-1.schema.json")


def main():
    binary, models = sys.argv[1], sys.argv[2:]
    with open(SCHEMA) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            out = os.path.join(tmp, "out.json")
            proc = subprocess.run([binary, "inspect", model, "--batch", "2", "--json", out, "--quiet"], capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"FAIL {model}: exit {proc.returncode}: {proc.stderr.strip()}")
                failures += 1
                continue
            with open(out) as f:
                doc = json.load(f)
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
            for e in errors[:5]:
                print(f"FAIL {os.path.basename(model)}: {'/'.join(map(str, e.path))}: {e.message}")
            failures += bool(errors)
            if not errors:
                print(f"ok   {os.path.basename(model)}")
    print(f"{len(models) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
