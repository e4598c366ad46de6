#!/usr/bin/env python3
"""Hostile input against every command: outputs that cannot destroy inputs, bounded load, and
every bad file refused up front (issue 21).

Usage: python tests/cli/hostile_inputs.py PARTPLAN_BINARY SAMPLE_MODELS_DIR

Valid files are made first (a profile of mlp on two 1-thread CPU devices, its cost model, a plan,
a run file); then each case runs one command in a folder of its own and must:
- exit with its documented code (docs/cli.md): never 70 (a bug), never a signal;
- when it fails, print one line on stderr (`partplan: error: ...`) holding the case's words;
- leave every file it was given byte-identical (sha256 before and after) and, when it fails,
  nothing behind in its folder (no output, temporary or lock file).
The named cases are the issue's own (an output onto an input, /dev/null, /dev/full, symlinks,
modes, a folder as a JSON file, impossible profiles, plans naming unknown devices, unbounded
open loops, two writers of one file, oversubscribed threads); the generated ones mutate the valid
profile, cost model and plan (truncations, each key deleted, types swapped, signs flipped,
NaN/Infinity, entries duplicated) and feed each to the command that reads it.
Also: an open loop at the largest load it accepts stays under the stated memory bound (peak RSS
of the process, not measured under ASan), and `-o DEVICE` on a device node of the test's own
(root only) writes through it and leaves it a device.
Prints `ok NAME` / `FAIL NAME: why`; exits 1 on any failure.
"""
import copy
import hashlib
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
import time

from cli_checks import Tally, one_line

OK, USAGE, FILE = 0, 2, 3
TIMEOUT_S = 120


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def snapshot(folder):
    """Every plain file under `folder` with its sha256 (symlinks and devices by their kind)."""
    files = {}
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = os.path.join(root, name)
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode):
                files[os.path.relpath(path, folder)] = sha(path)
            elif not stat.S_ISDIR(st.st_mode):
                files[os.path.relpath(path, folder)] = f"mode {stat.S_IFMT(st.st_mode):o}"
    return files


class Runner:
    def __init__(self, binary, tally):
        self.binary, self.tally = binary, tally

    def run(self, args, cwd, timeout=TIMEOUT_S):
        return subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)

    def case(self, name, folder, args, codes, words=(), outputs=()):
        """Runs args in `folder`; `codes`: the exit codes allowed; `words`: what a failure's line
        must hold; `outputs`: files (relative) the command may create or change on success."""
        before = snapshot(folder)
        try:
            p = self.run(args, folder)
        except subprocess.TimeoutExpired:
            self.tally.check(name, False, f"no answer in {TIMEOUT_S} s")
            return None
        after = snapshot(folder)
        problems = []
        if p.returncode < 0:
            problems.append(f"killed by signal {-p.returncode}")
        elif p.returncode not in codes:
            problems.append(f"exit {p.returncode}, want {sorted(codes)}")
        if p.returncode != 0:
            if not one_line(p.stderr):
                problems.append("not one 'partplan: error:' line")
            missing = [w for w in words if w not in p.stderr]
            if missing:
                problems.append(f"the message lacks {missing}")
        changed = [f for f, h in before.items() if after.get(f) != h and (p.returncode != 0 or f not in outputs)]
        if changed:
            problems.append(f"inputs changed: {changed}")
        left = [f for f in after if f not in before and (p.returncode != 0 or f not in outputs)]
        if left:
            problems.append(f"left behind: {left}")
        self.tally.check(name, not problems, "; ".join(problems) + f" | stderr: {p.stderr.strip()[:300]}")
        return p


def make_valid_files(r, samples, base):
    """The valid profile, cost model, plan and run file of mlp that the cases start from."""
    shutil.copy(os.path.join(samples, "mlp.onnx"), os.path.join(base, "m.onnx"))
    steps = [
        ["profile", "m.onnx", "--batch", "1,2", "--devices", "cpu:threads=1,cpu:threads=1", "--min-time-ms", "1", "--max-time-ms", "5",
         "--no-links", "--quiet", "-o", "p.json"],
        ["profile", "m.onnx", "--batch", "1", "--devices", "cpu:threads=1", "--min-time-ms", "1", "--max-time-ms", "5", "--no-links", "--quiet",
         "-o", "t.json"],
        ["fit", "p.json", "--quiet", "-o", "c.json"],
        ["plan", "m.onnx", "--costmodel", "c.json", "--batch", "2", "--quiet", "-o", "plan.json"],
        ["run", "m.onnx", "--plan", "plan.json", "--requests", "4", "--warmup", "0", "--quiet", "--json", "run.json"],
    ]
    for args in steps:
        p = r.run(args, base)
        if p.returncode != 0:
            raise SystemExit(f"FAIL making the valid files: partplan {' '.join(args)}: {p.stderr.strip()}")


def case_folder(base, root, name, files):
    folder = os.path.join(root, name)
    os.makedirs(folder)
    for f in files:
        shutil.copy(os.path.join(base, f), os.path.join(folder, f))
    return folder


def write_json(path, doc):
    with open(path, "w") as f:
        f.write(json.dumps(doc))


# ---------------------------------------------------------------- the mutations of a valid file

def key_paths(doc, prefix=(), depth=3):
    """Paths to the keys of objects (the first element of each list), down to `depth`."""
    out = []
    if depth == 0:
        return out
    if isinstance(doc, dict):
        for k, v in doc.items():
            out.append(prefix + (k,))
            out += key_paths(v, prefix + (k,), depth - 1)
    elif isinstance(doc, list) and doc:
        out += key_paths(doc[0], prefix + (0,), depth - 1)
    return out


def get(doc, path):
    for k in path:
        doc = doc[k]
    return doc


def mutations(doc, text):
    """(name, file text) pairs: broken files of every kind the issue names."""
    out = []
    for share in (0.0, 0.1, 0.5, 0.9, 0.999):
        out.append((f"truncated_{share}", text[: int(len(text) * share)]))
    paths = key_paths(doc)
    for path in paths:
        d = copy.deepcopy(doc)
        del get(d, path[:-1])[path[-1]]
        out.append(("deleted_" + "/".join(map(str, path)), json.dumps(d)))
    numeric = [p for p in paths if isinstance(get(doc, p), (int, float)) and not isinstance(get(doc, p), bool)]
    for path in numeric:
        value = get(doc, path)
        for label, new in (("negated", -abs(value) - 1), ("string", "12"), ("null", None)):
            d = copy.deepcopy(doc)
            get(d, path[:-1])[path[-1]] = new
            out.append((f"{label}_" + "/".join(map(str, path)), json.dumps(d)))
        for label, literal in (("nan", "NaN"), ("infinity", "Infinity"), ("huge", "1e400")):
            d = copy.deepcopy(doc)
            get(d, path[:-1])[path[-1]] = "@@MARK@@"
            out.append((f"{label}_" + "/".join(map(str, path)), json.dumps(d).replace('"@@MARK@@"', literal)))
    lists = [p for p in paths if isinstance(get(doc, p), list) and get(doc, p)]
    for path in lists:
        d = copy.deepcopy(doc)
        items = get(d, path)
        items.append(copy.deepcopy(items[0]))
        out.append(("duplicated_" + "/".join(map(str, path)), json.dumps(d)))
        d = copy.deepcopy(doc)
        get(d, path[:-1])[path[-1]] = {}
        out.append(("list_as_object_" + "/".join(map(str, path)), json.dumps(d)))
    return out


def main():
    binary, samples = os.path.abspath(sys.argv[1]), sys.argv[2]
    tally = Tally()
    r = Runner(binary, tally)
    sanitized = "build-asan" in binary
    with tempfile.TemporaryDirectory(prefix="partplan_hostile_") as root:
        base = os.path.join(root, "base")
        os.makedirs(base)
        make_valid_files(r, samples, base)
        n = 0

        def folder(*files):
            nonlocal n
            n += 1
            return case_folder(base, root, f"case{n}", files)

        # 1. An output onto an input: refused (exit 2), the input untouched, for every command.
        quick = ["--min-time-ms", "1", "--max-time-ms", "2", "--no-links", "--batch", "1"]
        onto_input = [
            ("profile_output_is_model", ["profile", "m.onnx", *quick, "-o", "m.onnx"], ["m.onnx"]),
            ("fit_output_is_profile", ["fit", "p.json", "-o", "p.json"], ["p.json"]),
            ("fit_output_is_test", ["fit", "p.json", "--test", "t.json", "-o", "t.json"], ["p.json", "t.json"]),
            ("plan_output_is_costmodel", ["plan", "m.onnx", "--costmodel", "c.json", "--batch", "2", "-o", "c.json"], ["m.onnx", "c.json"]),
            ("plan_output_is_profile", ["plan", "m.onnx", "--profile", "p.json", "--batch", "2", "-o", "p.json"], ["m.onnx", "p.json"]),
            ("plan_output_is_model", ["plan", "m.onnx", "--costmodel", "c.json", "--batch", "2", "-o", "m.onnx"], ["m.onnx", "c.json"]),
            ("run_json_is_plan", ["run", "m.onnx", "--plan", "plan.json", "--requests", "2", "--json", "plan.json"], ["m.onnx", "plan.json"]),
            ("run_json_is_model", ["run", "m.onnx", "--batch", "1", "--json", "m.onnx"], ["m.onnx"]),
            ("inspect_json_is_model", ["inspect", "m.onnx", "--batch", "1", "--json", "m.onnx"], ["m.onnx"]),
            ("report_html_is_input", ["report", "p.json", "plan.json", "--html", "plan.json"], ["p.json", "plan.json"]),
            ("report_trace_is_input", ["report", "p.json", "--trace", "p.json"], ["p.json"]),
            ("report_dot_is_input", ["report", "plan.json", "--dot", "plan.json"], ["plan.json"]),
            ("report_two_outputs_one_file", ["report", "plan.json", "--html", "r.out", "--trace", "r.out"], ["plan.json"]),
        ]
        for name, args, files in onto_input:
            r.case(name, folder(*files), args, {USAGE})
        f = folder("p.json")
        shutil.copy(os.path.join(f, "p.json"), os.path.join(f, "p.html"))
        r.case("fit_report_is_profile", f, ["fit", "p.html", "--report", "p.html", "-o", "x.json"], {USAGE}, ["--report", "p.html"])
        # The same through a symlink to the input, and through another spelling of its path.
        f = folder("p.json")
        os.symlink("p.json", os.path.join(f, "alias.json"))
        r.case("fit_output_is_profile_through_symlink", f, ["fit", "p.json", "-o", "alias.json"], {USAGE}, ["p.json"])
        f = folder("p.json")
        os.makedirs(os.path.join(f, "sub"))
        r.case("fit_output_is_profile_other_spelling", f, ["fit", "p.json", "-o", "sub/../p.json"], {USAGE}, ["p.json"])

        # 2. What the output path is: a symlink is written through, a mode kept, a device kept.
        f = folder("p.json")
        os.symlink("target.json", os.path.join(f, "link.json"))
        open(os.path.join(f, "target.json"), "w").close()
        os.chmod(os.path.join(f, "target.json"), 0o600)
        p = r.case("fit_output_through_symlink", f, ["fit", "p.json", "--quiet", "-o", "link.json"], {OK}, outputs=["target.json"])
        if p is not None and p.returncode == 0:
            tally.check("symlink still a symlink", os.path.islink(os.path.join(f, "link.json")))
            tally.check("written to the link's target", os.path.getsize(os.path.join(f, "target.json")) > 0)
            tally.check("target's mode 600 kept", stat.S_IMODE(os.stat(os.path.join(f, "target.json")).st_mode) == 0o600,
                        oct(stat.S_IMODE(os.stat(os.path.join(f, "target.json")).st_mode)))
        if os.path.exists("/dev/full"):
            r.case("fit_output_dev_full", folder("p.json"), ["fit", "p.json", "--quiet", "-o", "/dev/full"], {FILE}, ["No space left"])
        f = folder("p.json")
        node = os.path.join(f, "null")
        try:
            os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            print("skip -o on a device node: not root (mknod refused)")
        else:
            r.case("fit_output_own_dev_null", f, ["fit", "p.json", "--quiet", "-o", "null"], {OK})
            tally.check("the device node stays a character device", stat.S_ISCHR(os.lstat(node).st_mode))
        f = folder("p.json")
        os.makedirs(os.path.join(f, "out_dir"))
        r.case("fit_output_is_folder", f, ["fit", "p.json", "-o", "out_dir"], {FILE}, ["out_dir", "folder"])
        r.case("fit_output_folder_missing", folder("p.json"), ["fit", "p.json", "-o", "no/such/x.json"], {FILE}, ["does not exist"])

        # 3. Inputs that are not what they should be (exit 3, never 70).
        f = folder()
        os.makedirs(os.path.join(f, "d"))
        r.case("fit_profile_is_folder", f, ["fit", "d", "-o", "x.json"], {FILE}, ["folder"])
        r.case("plan_costmodel_is_folder", folder("m.onnx"), ["plan", "m.onnx", "--costmodel", ".", "-o", "x.json"], {FILE}, ["folder"])
        r.case("run_plan_is_folder", folder("m.onnx"), ["run", "m.onnx", "--plan", ".", "--json", "x.json"], {FILE}, ["folder"])
        plan = json.load(open(os.path.join(base, "plan.json")))
        f = folder("m.onnx")
        bad = copy.deepcopy(plan)
        bad["nodes"][0]["device"] = "tpu7"
        write_json(os.path.join(f, "bad.plan.json"), bad)
        r.case("plan_node_on_unknown_device", f, ["run", "m.onnx", "--plan", "bad.plan.json", "--requests", "2"], {FILE}, ["tpu7", "devices"])
        f = folder("m.onnx")
        bad = copy.deepcopy(plan)
        bad["stages"] = [{"device": plan["devices"][0]["name"], "first_node": "NoSuchNode", "nodes": 1, "compute_us": 1, "transfer_us": 0,
                          "transfer_bytes": 0}]
        write_json(os.path.join(f, "bad.plan.json"), bad)
        r.case("plan_stage_names_unknown_node", f, ["run", "m.onnx", "--plan", "bad.plan.json", "--requests", "2"], {FILE}, ["NoSuchNode"])
        cost = json.load(open(os.path.join(base, "c.json")))
        f = folder("m.onnx")
        bad = copy.deepcopy(cost)
        bad["devices"][0]["roofline"]["flops_per_s"] = -1e9
        write_json(os.path.join(f, "bad.costmodel.json"), bad)
        r.case("costmodel_negative_rate", f, ["plan", "m.onnx", "--costmodel", "bad.costmodel.json", "--batch", "2", "-o", "x.json"], {FILE},
               ["flops_per_s", "negative"])
        f = folder("m.onnx")
        bad = copy.deepcopy(cost)
        bad["devices"] = []
        write_json(os.path.join(f, "empty.costmodel.json"), bad)
        r.case("costmodel_without_devices", f, ["plan", "m.onnx", "--costmodel", "empty.costmodel.json", "--batch", "2", "-o", "x.json"], {FILE},
               ["devices", "empty"])

        # 4. Profiles fit cannot learn from (exit 3), and a hold-out of every batch (exit 2).
        profile = json.load(open(os.path.join(base, "p.json")))

        def profile_case(name, change, code, words):
            d = copy.deepcopy(profile)
            change(d)
            f = folder()
            write_json(os.path.join(f, "bad.profile.json"), d)
            r.case(name, f, ["fit", "bad.profile.json", "-o", "x.json"], {code}, words)

        dev = profile["devices"][0]["name"]
        profile_case("fit_negative_time", lambda d: d["batches"][0]["nodes"][0]["devices"][dev].update(median_us=-5), FILE, ["median_us", "negative"])
        profile_case("fit_zero_times", lambda d: [n["devices"][k].update(median_us=0) for b in d["batches"] for n in b["nodes"] for k in n["devices"]
                                                   if "median_us" in n["devices"][k]], FILE, ["above 0"])
        profile_case("fit_no_nodes", lambda d: [b.update(nodes=[], whole_model={}) for b in d["batches"]], FILE, ["above 0"])
        profile_case("fit_no_batches", lambda d: d.update(batches=[]), FILE, ["no batches"])
        profile_case("fit_batch_zero", lambda d: d["batches"][0].update(batch=0), FILE, ["batch", "at least 1"])
        profile_case("fit_duplicate_node", lambda d: d["batches"][0]["nodes"].append(copy.deepcopy(d["batches"][0]["nodes"][0])), FILE, ["twice"])
        profile_case("fit_duplicate_device", lambda d: d["devices"].append(copy.deepcopy(d["devices"][0])), FILE, ["twice"])
        profile_case("fit_duplicate_batch", lambda d: d["batches"].append(copy.deepcopy(d["batches"][0])), FILE, ["twice"])
        profile_case("fit_unknown_device_in_node", lambda d: d["batches"][0]["nodes"][0]["devices"].update(tpu0={"unsupported": "x"}), FILE, ["tpu0"])
        f = folder("p.json")
        r.case("fit_holdout_every_batch", f, ["fit", "p.json", "--holdout-batch", "1", "--holdout-batch", "2", "-o", "x.json"], {USAGE},
               ["every batch"])

        # 5. Flags out of range: an open loop without bound, oversubscribed threads (exit 2, at once).
        for name, load in (("rate_inf", ["--rate", "inf", "--duration", "1"]), ("duration_inf", ["--rate", "100", "--duration", "inf"]),
                           ("rate_huge", ["--rate", "1e12", "--duration", "0.01"]), ("too_many_requests", ["--rate", "1000000", "--duration", "86400"]),
                           ("requests_huge", ["--requests", "2000000000"])):
            started = time.monotonic()
            r.case(f"open_loop_{name}", folder("m.onnx", "plan.json"), ["run", "m.onnx", "--plan", "plan.json", *load], {USAGE})
            tally.check(f"open_loop_{name} refused at once", time.monotonic() - started < 30)
        r.case("threads_oversubscribed", folder("m.onnx"), ["run", "m.onnx", "--batch", "1", "--device", "cpu:threads=10000"], {USAGE},
               ["10000 threads", "--allow-oversubscribe"])

        # 5b. Values that were silently replaced or flags silently ignored: refused, naming the flag.
        plan_run = ["run", "m.onnx", "--plan", "plan.json"]
        for name, extra, words in (("requests_zero", ["--requests", "0"], ["--requests"]), ("concurrency_zero", ["--concurrency", "0"], ["--concurrency"]),
                                   ("slo_zero", ["--slo-ms", "0"], ["--slo-ms"]), ("slo_nan", ["--slo-ms", "nan"], ["--slo-ms"]),
                                   ("batch_with_plan", ["--batch", "4"], ["--batch", "--plan"]), ("device_with_plan", ["--device", "cpu:threads=2"], ["--device", "--plan"]),
                                   ("save_outputs_with_plan", ["--save-outputs", "out"], ["--save-outputs", "--plan"])):
            r.case(f"run_plan_{name}", folder("m.onnx", "plan.json"), plan_run + extra, {USAGE}, words)
        plan_cmd = ["plan", "m.onnx", "--costmodel", "c.json", "--batch", "2", "-o", "x.json"]
        r.case("plan_slo_with_latency_objective", folder("m.onnx", "c.json"), plan_cmd + ["--slo-ms", "5"], {USAGE}, ["--slo-ms", "latency"])
        r.case("plan_gpu_mem_limit_with_throughput", folder("m.onnx", "c.json"), plan_cmd + ["--objective", "throughput", "--gpu-mem-limit", "1G"], {USAGE},
               ["--gpu-mem-limit", "throughput"])
        f = folder("m.onnx")
        bad = copy.deepcopy(plan)
        bad["nodes"][0]["name"] = "NoSuchNode"
        write_json(os.path.join(f, "renamed.plan.json"), bad)
        r.case("plan_node_not_in_model_named", f, ["run", "m.onnx", "--plan", "renamed.plan.json", "--requests", "2"], {USAGE}, ["NoSuchNode"])
        f = folder("m.onnx")
        bad = copy.deepcopy(plan)
        bad["devices"][0]["description"] = "tpu (made up)"
        write_json(os.path.join(f, "tpu.plan.json"), bad)
        r.case("plan_device_not_a_device", f, ["export", "tpu.plan.json", "--onnx-subgraphs", "parts"], {FILE}, ["tpu", "description"])
        f = folder("m.onnx")
        os.makedirs(os.path.join(f, "in"))
        open(os.path.join(f, "in", "input_0.pb"), "wb").close()
        r.case("run_inputs_empty_file", f, ["run", "m.onnx", "--inputs", "in"], {FILE}, ["input_0.pb", "element type"])
        f = folder("m.onnx")
        os.makedirs(os.path.join(f, "in"))
        import numpy as np  # the test oracles' (.venv): a TensorProto file of the wrong shape
        from onnx import numpy_helper
        with open(os.path.join(f, "in", "input_0.pb"), "wb") as tensor_file:
            tensor_file.write(numpy_helper.from_array(np.zeros((2, 10), np.float32), "input").SerializeToString())
        r.case("run_inputs_wrong_shape_blames_file", f, ["run", "m.onnx", "--inputs", "in"], {USAGE}, ["input_0.pb", "fixed to 128"])
        r.case("run_save_outputs_into_inputs", folder("m.onnx"), ["run", "m.onnx", "--batch", "1", "--inputs", ".", "--save-outputs", "."], {USAGE},
               ["--save-outputs", "--inputs"])

        # 6. Two writers of one file: the second is refused while the first holds it.
        f = folder("m.onnx", "plan.json")
        slow = ["run", "m.onnx", "--plan", "plan.json", "--rate", "200", "--duration", "4", "--quiet", "--json", "same.json"]  # 4 s at least
        first = subprocess.Popen([binary, *slow], cwd=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        second = r.run(slow, f)
        out, err = first.communicate(timeout=TIMEOUT_S)
        tally.check("second writer of one file refused", second.returncode == FILE and one_line(second.stderr) and "another partplan" in second.stderr,
                    f"exit {second.returncode}: {second.stderr.strip()}")
        tally.check("first writer finishes its file", first.returncode == 0 and json.load(open(os.path.join(f, "same.json")))["schema"] == "partplan.run/1",
                    f"exit {first.returncode}: {err.strip()}")
        tally.check("no lock or temporary file left", sorted(os.listdir(f)) == ["m.onnx", "plan.json", "same.json"], str(os.listdir(f)))

        # 7. Generated: every mutation of the valid files, fed to the command that reads it.
        readers = {
            "profile": ("p.json", lambda path: ["fit", path, "--quiet", "-o", "x.json"]),
            "costmodel": ("c.json", lambda path: ["plan", "m.onnx", "--costmodel", path, "--batch", "2", "--quiet", "-o", "x.json"]),
            "plan": ("plan.json", lambda path: ["run", "m.onnx", "--plan", path, "--requests", "2", "--warmup", "0", "--quiet", "--json", "x.json"]),
            "run": ("run.json", lambda path: ["report", path, "--table", "--quiet"]),
        }
        generated = 0
        for kind, (source, command) in readers.items():
            text = open(os.path.join(base, source)).read()
            doc = json.loads(text)
            for label, mutated in mutations(doc, text):
                f = folder("m.onnx")
                with open(os.path.join(f, "in.json"), "w") as out_file:
                    out_file.write(mutated)
                # A mutation may leave a valid file (an optional key deleted, a coefficient's sign
                # flipped): exit 0 is then right. Anything else must be a file error, or for a
                # plan what its fields mean for the run (a what-if plan: 2; its shapes: 5).
                codes = {OK, FILE} | ({USAGE, 5} if kind == "plan" else set())
                r.case(f"generated_{kind}_{label}", f, command("in.json"), codes, outputs=["x.json"])
                generated += 1
        tally.check(f"at least 100 generated cases ({generated})", generated >= 100)

        # 8. A heavy open loop (100,000 requests, far more than the devices serve in time, so most
        # wait) stays under the bound: per-request records are bounded (512 MiB at most), the rest
        # is the model and the runtime.
        if sanitized:
            print("skip open-loop peak RSS under ASan (its shadow memory is not partplan's)")
        else:
            f = folder("m.onnx", "plan.json")
            proc = subprocess.Popen([binary, "run", "m.onnx", "--plan", "plan.json", "--rate", "50000", "--duration", "2", "--quiet"], cwd=f,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(proc.pid, 0)
            peak_mib = usage.ru_maxrss / 1024
            code = os.waitstatus_to_exitcode(status)
            tally.check(f"open loop of 100,000 requests: exit 0, peak RSS {peak_mib:.0f} MiB under 1024 MiB", code == 0 and peak_mib < 1024,
                        proc.stderr.read().decode()[:300])
    return tally.exit_code()


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
