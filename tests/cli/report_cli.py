#!/usr/bin/env python3
"""`partplan report` end to end, on files the tool writes here:

- inception profiled on two 1-thread CPU devices, fitted, planned, replayed with --compare;
- the tables name every file's parts (slowest nodes, plan beside baselines, measured beside
  predicted), colour only when asked (never when NO_COLOR is set or stdout is a pipe);
- the Chrome trace: a process for the plan and one for the replay, a slice for every node of
  the plan with its op type and shapes, the measured request inside its latency;
- the DOT: every plan node, edges crossing devices marked; Graphviz's `dot` lays it out;
- the HTML report: every section, nothing external, the DAG from Graphviz; headless Chromium
  renders it with no console errors (and does report a planted one);
- plan --sweep: a plan per batch size, the table, and the report's sweep chart;
- refusals: files about another model (exit 2, naming the file), a file that is no partplan
  document (exit 3), --trace with nothing to draw (exit 2) leaving no file behind.

Usage: report_cli.py PARTPLAN SAMPLE_MODELS
"""
import glob
import json
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_checks import Tally  # noqa: E402

USAGE, FILE = 2, 3


def main():
    binary, samples = sys.argv[1], sys.argv[2]
    tally = Tally()

    def run(*args, env=None):
        return subprocess.run([binary, *args], capture_output=True, text=True, timeout=300, env=env)

    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(samples, "inception.onnx")
        paths = {k: os.path.join(tmp, f"inception.{k}.json") for k in ("profile", "costmodel", "plan", "run")}
        steps = [
            ("profile", ["profile", model, "--batch", "1", "--devices", "cpu:threads=1,cpu:threads=1", "--min-time-ms", "2", "--max-time-ms", "10", "-o", paths["profile"]]),
            ("fit", ["fit", paths["profile"], "-o", paths["costmodel"]]),
            ("plan", ["plan", model, "--batch", "1", "--costmodel", paths["costmodel"], "--devices", "cpu0,cpu1", "--keep-uncertain-split", "-o", paths["plan"]]),
            ("run --plan", ["run", model, "--plan", paths["plan"], "--compare", "--requests", "9", "--warmup", "1", "--json", paths["run"]]),
        ]
        for name, args in steps:
            proc = run(*args, "--quiet")
            tally.check(f"{name} for the report", proc.returncode == 0, proc.stderr.strip())
            if proc.returncode != 0:
                return tally.exit_code()
        plan = json.load(open(paths["plan"]))
        files = [paths[k] for k in ("profile", "costmodel", "plan", "run")]

        proc = run("report", *files, "--top", "3")
        tally.check("report of all four files", proc.returncode == 0, proc.stderr.strip())
        out = proc.stdout
        for what in ("profile  " + paths["profile"], "cost model  " + paths["costmodel"], "plan  " + paths["plan"], "run  " + paths["run"],
                     "slowest on cpu0", "all on cpu0", "all on cpu0-1", "furthest from the prediction", "predicted"):
            tally.check(f"the tables show '{what}'", what in out, out[:400])
        tally.check("no colour through a pipe", "\033[" not in out)
        env = dict(os.environ, NO_COLOR="1")

        def on_a_terminal(env):  # stdout a pseudo-terminal, as in an interactive shell
            leader, follower = pty.openpty()
            proc = subprocess.run([binary, "report", paths["plan"]], stdout=follower, stderr=subprocess.PIPE, env=env, timeout=60)
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            os.close(leader)
            return proc.returncode, b"".join(chunks).decode(errors="replace")

        code, text = on_a_terminal(dict(os.environ, NO_COLOR=""))
        tally.check("colour on a terminal", code == 0 and "\033[1m" in text, text[:200])
        code, text = on_a_terminal(env)
        tally.check("no colour on a terminal with NO_COLOR set", code == 0 and "\033[" not in text and "plan" in text, text[:200])
        coloured = run("report", paths["plan"], "--color", "always").stdout
        tally.check("--color always colours", "\033[1m" in coloured)
        tally.check("NO_COLOR does not override --color always", "\033[1m" in run("report", paths["plan"], "--color", "always", env=env).stdout)

        trace_path, dot_path = os.path.join(tmp, "t.trace.json"), os.path.join(tmp, "p.dot")
        proc = run("report", paths["plan"], paths["run"], "--trace", trace_path, "--dot", dot_path, "--quiet")
        tally.check("--trace and --dot written", proc.returncode == 0 and os.path.exists(trace_path) and os.path.exists(dot_path), proc.stderr.strip())
        if proc.returncode == 0:
            trace = json.load(open(trace_path))
            events = trace["traceEvents"]
            processes = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
            tally.check("a process for the plan and one for the replay", len(processes) == 2 and any(p.startswith("predicted") for p in processes)
                        and any(p.startswith("measured") for p in processes), str(processes))
            predicted = {e["name"]: e for e in events if e["ph"] == "X" and e["pid"] == 1}
            tally.check("a slice per plan node, named as in ONNX, with op type and shapes",
                        all(n["name"] in predicted and predicted[n["name"]]["args"]["op_type"] == n["op_type"]
                            and predicted[n["name"]]["args"]["input_shapes"] == n["input_shapes"] for n in plan["nodes"]))
            measured = [e for e in events if e["ph"] == "X" and e["pid"] == 2]
            latency_us = json.load(open(paths["run"]))["timeline"]["latency_ms"] * 1000
            tally.check("the measured request's nodes lie inside its latency", measured and all(0 <= e["ts"] and e["ts"] + e["dur"] <= latency_us + 1 for e in measured))
            dot = open(dot_path).read()
            tally.check("the DOT names every plan node", dot.startswith("digraph") and all(f'"{n["name"]}"' in dot for n in plan["nodes"]))
            crossing = sum(1 for n in plan["nodes"] for t in n["inputs"] for m in plan["nodes"] if t in m["outputs"] and m["device"] != n["device"])
            tally.check("edges between devices drawn heavy", dot.count("penwidth=2.5") == crossing, f"{dot.count('penwidth=2.5')} vs {crossing}")
            if shutil.which("dot"):
                svg = subprocess.run(["dot", "-Tsvg", dot_path], capture_output=True, text=True)
                tally.check("Graphviz lays the DOT out", svg.returncode == 0 and "<svg" in svg.stdout, svg.stderr.strip()[:200])
            else:  # scripts/test runs scripts/setup, which installs it: its absence is a setup bug
                tally.check("Graphviz's dot is installed (scripts/setup installs graphviz)", False, "dot not on PATH")

        # The HTML report: self-contained, every section there, rendered by headless Chromium
        # without console errors (a page with a planted error shows that the check can fail).
        html_path = os.path.join(tmp, "report.html")
        proc = run("report", *files, "--html", html_path, "--quiet")
        tally.check("--html written", proc.returncode == 0 and os.path.exists(html_path), proc.stderr.strip())
        if proc.returncode == 0:
            html = open(html_path).read()
            for section in ("Time per op kind per device", "Timeline: predicted and measured", "Predicted against measured", "Memory over time (predicted)",
                            "The plan's graph", "Nodes"):
                tally.check(f"the HTML has '{section}'", f"<h2>{section}</h2>" in html)
            external = re.findall(r'(?:src|href)\s*=\s*"(?:https?:)?//[^"]*"', html)
            tally.check("nothing fetched from the network (no external src/href)", not external, str(external[:3]))
            tally.check("the DAG drawn by Graphviz, a node per plan node",
                        all(f"<title>{n['name']}</title>" in html for n in plan["nodes"]), "missing nodes in the DAG")
            chromium = shutil.which("chromium") or shutil.which("chromium-browser")
            if chromium:
                def render(page, png):
                    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                             "--disable-default-apps", "--disable-sync", "--proxy-server=127.0.0.1:9", "--window-size=1200,3000",
                             f"--user-data-dir={os.path.join(tmp, 'chromium-profile')}", f"--screenshot={png}", "--enable-logging=stderr", "--v=0"]
                    p = subprocess.run([chromium, *flags, "file://" + page], capture_output=True, text=True, timeout=120)
                    return [line for line in p.stderr.splitlines() if ":CONSOLE" in line]
                png = os.path.join(tmp, "report.png")
                console = render(html_path, png)
                tally.check("Chromium renders the report (a screenshot)", os.path.exists(png) and os.path.getsize(png) > 20000)
                tally.check("no console errors", not console, "; ".join(console[:3]))
                broken = os.path.join(tmp, "broken.html")
                open(broken, "w").write(html.replace("<script>", "<script>undefinedFunction();", 1))
                tally.check("a planted script error is caught", render(broken, os.path.join(tmp, "broken.png")) != [])
            else:  # as for dot: scripts/setup installs it
                tally.check("Chromium is installed (scripts/setup installs chromium)", False, "the HTML was not rendered")

        # A sweep: a plan per batch size, and the report's chart of them.
        sweep = os.path.join(tmp, "sweep.plan.json")
        proc = run("plan", model, "--costmodel", paths["costmodel"], "--sweep", "batch=1,2,4", "-o", sweep)
        made = [os.path.join(tmp, f"sweep.b{b}.plan.json") for b in (1, 2, 4)]
        tally.check("plan --sweep writes a plan per batch size", proc.returncode == 0 and all(os.path.exists(m) for m in made), proc.stderr.strip())
        if proc.returncode == 0:
            shapes = [json.load(open(m))["model"]["input_shapes"] for m in made]
            tally.check("each at its batch size", [next(iter(s.values()))[0] for s in shapes] == [1, 2, 4], str(shapes))
            tally.check("the sweep table printed", all(f"\n{b:>6} " in proc.stdout for b in (1, 2, 4)), proc.stdout[:300])
            sweep_html = os.path.join(tmp, "sweep.html")
            proc = run("report", *made, "--html", sweep_html, "--quiet")
            tally.check("the report charts the sweep", proc.returncode == 0 and "<h2>Sweep over batch sizes</h2>" in open(sweep_html).read(), proc.stderr.strip())
        proc = run("plan", model, "--costmodel", paths["costmodel"], "--sweep", "batch=1,x", "-o", os.path.join(tmp, "bad.plan.json"))
        tally.check("a bad --sweep refused, nothing written", proc.returncode == USAGE and "--sweep" in proc.stderr and not glob.glob(os.path.join(tmp, "bad*")),
                    proc.stderr.strip())

        other = os.path.join(tmp, "other.plan.json")
        doc = dict(plan)
        doc["model"] = dict(plan["model"], sha256="f" * 64, path="other.onnx")
        json.dump(doc, open(other, "w"))
        proc = run("report", paths["run"], other)
        tally.check("another model's file refused, naming it", proc.returncode == USAGE and other in proc.stderr, proc.stderr.strip())
        junk = os.path.join(tmp, "junk.json")
        json.dump({"hello": 1}, open(junk, "w"))
        proc = run("report", junk)
        tally.check("a file that is no partplan document refused", proc.returncode == FILE and junk in proc.stderr, proc.stderr.strip())
        nothing = os.path.join(tmp, "nothing.trace.json")
        proc = run("report", paths["profile"], "--trace", nothing)
        tally.check("--trace with nothing to draw refused, no file left", proc.returncode == USAGE and not os.path.exists(nothing), proc.stderr.strip())
    return tally.exit_code()


if __name__ == "__main__":
    sys.exit(main())
