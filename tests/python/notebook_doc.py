#!/usr/bin/env python3
"""docs/notebook.md stays true: its ```sh block is run with this build's partplan (short
profiling budgets), then its ```python blocks, as written, in that folder; the figures must be
written, and the numbers it prints must agree with the files (the per-node median error it
computes with the run file's own).

Usage: notebook_doc.py PARTPLAN SAMPLE_MODELS
"""
import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def main():
    binary, samples = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    text = open(os.path.join(ROOT, "docs", "notebook.md")).read()
    shell = re.findall(r"```sh\n(.*?)```", text, re.S)
    python = re.findall(r"```python\n(.*?)```", text, re.S)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for line in "".join(shell).strip().splitlines():
            args = shlex.split(line)
            assert args[0] == "partplan", line
            args = [binary] + [a.replace("sample_models", samples) for a in args[1:]] + ["--quiet"]
            if args[1] == "profile":
                args += ["--min-time-ms", "2", "--max-time-ms", "10"]
            if args[1] == "run":
                args += ["--requests", "12"]
            proc = subprocess.run(args, cwd=tmp, capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                print(f"FAIL {line}: {proc.stderr.strip()}")
                return 1
        scope, out = {}, io.StringIO()
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            with contextlib.redirect_stdout(out):
                for block in python:
                    exec(compile(block, "docs/notebook.md", "exec"), scope)  # noqa: S102 - the doc's own code
        except Exception as e:  # noqa: BLE001
            failures.append(f"the notebook's code failed: {type(e).__name__}: {e}")
        finally:
            os.chdir(cwd)
        printed = out.getvalue()
        print(printed)
        for figure in ("time_per_op.png", "predicted_vs_measured.png"):
            path = os.path.join(tmp, figure)
            if not (os.path.exists(path) and os.path.getsize(path) > 0):
                failures.append(f"{figure} not written")
        match = re.search(r"median \|error\| ([0-9.]+)% \(the run file says ([0-9.]+)%\)", printed)
        if not match:
            failures.append("the median error line is missing")
        elif abs(float(match.group(1)) - float(match.group(2))) > 0.15:
            failures.append(f"median error {match.group(1)}% computed, the run file says {match.group(2)}%")
        if "by_op" in scope:
            by_op, nodes = scope["by_op"], scope["nodes"]
            first = nodes[nodes.batch == nodes.batch.min()]
            for device in by_op.index:
                want = first[first.device == device].median_us.sum() / 1000
                if abs(by_op.loc[device].sum() - want) > 1e-6 * max(1.0, want):
                    failures.append(f"time per op on {device} adds to {by_op.loc[device].sum()}, the nodes to {want}")
    for f in failures:
        print("FAIL " + f)
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
