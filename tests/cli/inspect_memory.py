#!/usr/bin/env python3
"""Peak RSS of `partplan inspect` stays under 3x the model file (weights held once).

Usage: inspect_memory.py PARTPLAN_BINARY MODEL.onnx   (exit 77 = skipped: model absent)
Measures the child's peak resident set (getrusage RUSAGE_CHILDREN, the largest child) and
prints it beside the file size and the ratio.
"""
import os
import resource
import subprocess
import sys


def main():
    binary, model = sys.argv[1], sys.argv[2]
    if not os.path.exists(model):
        print(f"SKIP: {model} is absent (scripts/test exports it)")
        return 77
    size = os.path.getsize(model)
    proc = subprocess.run([binary, "inspect", model, "--batch", "1", "--quiet"], capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"FAIL: inspect exited {proc.returncode}: {proc.stderr.strip()}")
        return 1
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    ratio = peak / size
    print(f"{os.path.basename(model)}: file {size / 2**20:.1f} MiB, inspect peak RSS {peak / 2**20:.1f} MiB, ratio {ratio:.2f} (limit 3.00)")
    return 0 if ratio < 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
