#!/usr/bin/env python3
"""`partplan plan` from the command line: a plan from a profile of two CPU devices, its
determinism, and bad input.

Usage: python tests/cli/plan_cli.py PARTPLAN_BINARY SAMPLE_MODELS_DIR SPECS_DIR

- inception (branches) profiled on cpu:threads=1 twice, fitted with the H100 spec; the plan is
  never predicted slower than the best baseline, lists every node once with a device that can
  run it, and the same inputs give the same bytes.
- Devices are marked: the spec's GPU estimated and not present, the profiled CPUs present.
- What-if: a plan here from the cost model of profiles measured on the H100 machine
  (sample_models/profiles/h100/) names that machine and says it is not this one.
- --pin keeps a node where it is pinned.
- --objective throughput: contiguous stages covering every node, a device in at most two stages
  and never two in a row, throughput
  bounded by the slowest stage or transfer.
- --gpu-mem-limit 1K keeps the GPU's predicted peak under 1 KiB (everything moves off it).
- --objective memory with an SLO twice the latency plan's: no more GPU memory than the latency
  plan, latency within the SLO; an SLO no plan meets exits 2 naming the fastest latency.
- Bad input exits with the documented code (2 usage, 3 file, 6 unsupported) and one line
  naming the flag or file, and writes no plan.
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
    model = os.path.join(samples, "inception.onnx")
    tally = Tally()
    check = tally.check

    with tempfile.TemporaryDirectory() as tmp:
        profile, costmodel = os.path.join(tmp, "p.json"), os.path.join(tmp, "c.json")
        proc = subprocess.run([binary, "profile", model, "--devices", "cpu:threads=1,cpu:threads=1", "--batch", "1", "-o", profile, "--min-time-ms", "2",
                               "--max-time-ms", "10", "--quiet"], capture_output=True, text=True, timeout=300)
        check("profile", proc.returncode == 0, proc.stderr.strip())
        if proc.returncode == 0:
            devices = [(d["name"], d["description"]) for d in json.load(open(profile))["devices"]]
            check("the profile adds the two cores pooled as one device", [n for n, _ in devices] == ["cpu0", "cpu1", "cpu0-1"]
                  and devices[2][1].startswith("cpu:threads=2"), str(devices))
            doc = json.load(open(profile))
            batch = doc["batches"][0]
            check("what devices cost each other: co-run factors of the two cores (not the pooled one), their alternating split, cut links both ways",
                  sorted(batch["co_run"]) == ["cpu0", "cpu1"] and all(v > 0 for v in batch["co_run"].values())
                  and [(a["first"], a["second"]) for a in batch["alternating"]] == [("cpu0", "cpu1")]
                  and sorted((l["from"], l["to"]) for l in doc["links"] if l["kind"] == "cut") == [("cpu0", "cpu1"), ("cpu1", "cpu0")]
                  and all(w["replayed"]["median_us"] > 0 for w in batch["whole_model"].values()), json.dumps(batch.get("co_run")))
        proc = subprocess.run([binary, "fit", profile, "--device-spec", os.path.join(specs, "h100-sxm.json"), "-o", costmodel, "--quiet"],
                              capture_output=True, text=True, timeout=60)
        check("fit", proc.returncode == 0, proc.stderr.strip())

        first, second = os.path.join(tmp, "a.plan.json"), os.path.join(tmp, "b.plan.json")
        for out in (first, second):
            proc = subprocess.run([binary, "plan", model, "--costmodel", costmodel, "--batch", "1", "-o", out], capture_output=True, text=True, timeout=120)
        check("plan", proc.returncode == 0 and "all on cpu0" in proc.stdout and "cuda0 with cpu0 fallback" in proc.stdout, proc.stderr.strip())
        if proc.returncode == 0:
            check("deterministic", open(first, "rb").read() == open(second, "rb").read())
            plan = json.load(open(first))
            best_baseline = min(b["predicted"]["latency_us"] for b in plan["baselines"] if "predicted" in b)
            check("not_worse_than_baselines", plan["predicted"]["latency_us"] <= best_baseline * (1 + 1e-9),
                  f"plan {plan['predicted']['latency_us']} vs best baseline {best_baseline}")
            names = [n["name"] for n in plan["nodes"]]
            check("every_node_once", len(names) == len(set(names)) and all(n["device"] in ("cpu0", "cpu1", "cpu0-1", "cuda0") for n in plan["nodes"]))
            # Every grouping of the cores is weighed, and every single device stands beside the plan.
            check("both groupings of the cores planned", sorted(a["devices"] for a in plan["alternatives"]) == [["cpu0", "cpu1", "cuda0"], ["cpu0-1", "cuda0"]],
                  str([a["devices"] for a in plan["alternatives"]]))
            baseline_names = {b["name"] for b in plan["baselines"]}
            check("the pooled device is a baseline", {"all on cpu0", "all on cpu1", "all on cpu0-1", "all on cuda0"} <= baseline_names, str(baseline_names))
            check("coverage sums to one", abs(sum(plan["coverage"].values()) - 1) < 1e-6, str(plan["coverage"]))
            # A plan that leaves the what-if GPU idle is written over the devices it uses.
            used = {n["device"] for n in plan["nodes"]}
            check("only used devices listed", used == {d["name"] for d in plan["devices"]}, str(plan["devices"]))
            check("estimated_marked", all(d["estimated"] == (d["name"] == "cuda0") for d in plan["devices"]) and all(n["estimated"] == (n["device"] == "cuda0") for n in plan["nodes"]))
            devices = {d["name"]: d for d in plan["devices"]}
            cpus = [d for name, d in devices.items() if name.startswith("cpu")]
            check("present_marked", all(d["present"] and d["machine"] for d in cpus) and ("cuda0" not in devices or not devices["cuda0"]["present"]), str(plan["devices"]))

            # Device sets that exclude each other (devices sharing cores): a plan over each, the
            # best kept, the others beside it; a set that cannot serve the objective is noted.
            sets = os.path.join(tmp, "sets.plan.json")
            proc = subprocess.run([binary, "plan", model, "--costmodel", costmodel, "--batch", "1", "--devices", "cpu0,cpu1|cpu0|cuda0,cpu0", "--keep-uncertain-split", "-o", sets],
                                  capture_output=True, text=True, timeout=120)
            check("device sets planned", proc.returncode == 0 and "device sets" in proc.stdout and "<- chosen" in proc.stdout, proc.stderr.strip())
            if proc.returncode == 0:
                doc = json.load(open(sets))
                alternatives = doc["alternatives"]
                chosen = [a for a in alternatives if a["chosen"]]
                fastest = min(alternatives, key=lambda a: a["predicted"]["latency_us"])
                check("the fastest set chosen, its plan written", len(alternatives) == 3 and len(chosen) == 1 and chosen[0] is fastest
                      and sorted(d["name"] for d in doc["devices"]) == sorted(fastest["devices"])
                      and doc["predicted"]["latency_us"] == fastest["predicted"]["latency_us"], json.dumps(alternatives)[:300])
            proc = subprocess.run([binary, "plan", model, "--costmodel", costmodel, "--batch", "1", "--devices", "cpu0,cpu1|cuda0,cpu0", "--objective", "memory",
                                   "--slo-ms", "100", "-o", sets], capture_output=True, text=True, timeout=120)
            ok = proc.returncode == 0 and [a["chosen"] for a in json.load(open(sets))["alternatives"]] == [False, True] and \
                "GPU" in json.load(open(sets))["alternatives"][0]["not_possible"]
            check("a set without a GPU is noted, not chosen, for the memory objective", ok, proc.stderr.strip())

            # What-if from a profile made elsewhere: the H100 machine's cost model, planned here.
            h100 = os.path.join(samples, "profiles", "h100", "h100.costmodel.json")
            whatif = os.path.join(tmp, "whatif.plan.json")
            proc = subprocess.run([binary, "plan", model, "--costmodel", h100, "--batch", "1", "--devices", "cpu0,cuda0", "-o", whatif],
                                  capture_output=True, text=True, timeout=120)
            ok = proc.returncode == 0
            if ok:
                w = {d["name"]: d for d in json.load(open(whatif))["devices"]}
                ok = (w["cuda0"]["machine"] == "Intel(R) Xeon(R) Processor, 16 logical cores" and not w["cuda0"]["estimated"]
                      and (w["cuda0"]["present"] or "what-if  cuda0: not here: profiled on Intel(R) Xeon(R) Processor" in proc.stdout))
            check("what_if_from_a_profile_made_elsewhere", ok, proc.stderr.strip() or proc.stdout[:300])
            node = plan["nodes"][len(plan["nodes"]) // 2]["name"]
            pinned = os.path.join(tmp, "pinned.json")
            proc = subprocess.run([binary, "plan", model, "--costmodel", costmodel, "--batch", "1", "--devices", "cpu0,cpu1", "--pin", f"{node}=cpu1",
                                   "-o", pinned, "--quiet"], capture_output=True, text=True, timeout=120)
            ok = proc.returncode == 0 and {n["name"]: n["device"] for n in json.load(open(pinned))["nodes"]}[node] == "cpu1"
            check("pin", ok, proc.stderr.strip())

            # The memory objective: less GPU memory than the latency plan, within the SLO.
            memory = os.path.join(tmp, "memory.plan.json")
            slo_ms = 2 * plan["predicted"]["latency_us"] / 1000
            proc = subprocess.run([binary, "plan", model, "--costmodel", costmodel, "--batch", "1", "--objective", "memory", "--slo-ms", str(slo_ms),
                                   "-o", memory, "--quiet"], capture_output=True, text=True, timeout=120)
            ok = proc.returncode == 0
            if ok:
                m = json.load(open(memory))
                ok = (m["objective"] == "memory" and m["slo_ms"] == slo_ms and m["predicted"]["latency_us"] <= slo_ms * 1000 * (1 + 1e-9)
                      and m["predicted"]["peak_bytes"]["cuda0"] <= plan["predicted"]["peak_bytes"]["cuda0"])
            check("memory_objective", ok, proc.stderr.strip())
            proc = subprocess.run([binary, "plan", model, "--costmodel", costmodel, "--batch", "1", "--objective", "memory", "--slo-ms", "0.000001",
                                   "-o", memory + ".x"], capture_output=True, text=True, timeout=120)
            check("memory_infeasible", proc.returncode == USAGE and one_line(proc.stderr) and "fastest" in proc.stderr and not os.path.exists(memory + ".x"),
                  f"exit {proc.returncode}: {proc.stderr.strip()!r}")

            # The throughput objective: stages in order covering every node, a device in at most
            # two stages and never two in a row, throughput no more than the busiest device (all
            # its stages) or copy direction allows.
            pipe = os.path.join(tmp, "pipe.plan.json")
            proc = subprocess.run([binary, "plan", model, "--costmodel", costmodel, "--batch", "1", "--objective", "throughput", "-o", pipe],
                                  capture_output=True, text=True, timeout=120)
            ok = proc.returncode == 0 and "stage 1" in proc.stdout
            if ok:
                t = json.load(open(pipe))
                devices = [s["device"] for s in t["stages"]]
                load = {}
                previous = "host"
                for s in t["stages"]:
                    load[s["device"]] = load.get(s["device"], 0.0) + s["compute_us"]
                    load[(previous, s["device"])] = load.get((previous, s["device"]), 0.0) + s["transfer_us"]
                    previous = s["device"]
                ok = (t["predicted"]["pipelined"] and all(devices.count(d) <= 2 for d in devices) and all(a != b for a, b in zip(devices, devices[1:]))
                      and sum(s["nodes"] for s in t["stages"]) == len(t["nodes"])
                      and t["predicted"]["throughput_per_s"] <= 1e6 / max(load.values()) * (1 + 1e-9))
            check("throughput_objective", ok, proc.stderr.strip())

            # --gpu-mem-limit: the latency plan kept under a GPU memory limit.
            limited = os.path.join(tmp, "limited.plan.json")
            proc = subprocess.run([binary, "plan", model, "--costmodel", costmodel, "--batch", "1", "--gpu-mem-limit", "1K", "-o", limited, "--quiet"],
                                  capture_output=True, text=True, timeout=120)
            ok = proc.returncode == 0 and json.load(open(limited))["predicted"]["peak_bytes"].get("cuda0", 0) <= 1024
            check("gpu_mem_limit", ok, proc.stderr.strip())

        out = os.path.join(tmp, "bad.plan.json")
        for name, args, code, words in [
            ("no_costmodel", [model], USAGE, ["--costmodel"]),
            ("both_sources", [model, "--costmodel", costmodel, "--profile", profile], USAGE, ["--costmodel"]),
            ("costmodel_missing", [model, "--costmodel", os.path.join(tmp, "none.json")], FILE, ["none.json"]),
            ("costmodel_is_profile", [model, "--costmodel", profile], FILE, ["p.json", "partplan.costmodel/1"]),
            ("unknown_device", [model, "--costmodel", costmodel, "--devices", "cpu0,cuda7"], USAGE, ["--devices", "cuda7"]),
            ("unknown_device_in_a_set", [model, "--costmodel", costmodel, "--devices", "cpu0|cuda7"], USAGE, ["--devices", "cuda7"]),
            ("pin_unknown_node", [model, "--costmodel", costmodel, "--pin", "nope=cpu0"], USAGE, ["--pin", "nope"]),
            ("pin_bad_form", [model, "--costmodel", costmodel, "--pin", "cpu0"], USAGE, ["--pin"]),
            ("memory_without_slo", [model, "--costmodel", costmodel, "--objective", "memory"], USAGE, ["--slo-ms"]),
            ("memory_without_gpu", [model, "--costmodel", costmodel, "--devices", "cpu0,cpu1", "--objective", "memory", "--slo-ms", "100"], USAGE,
             ["--objective memory", "GPU"]),
            ("objective_unknown", [model, "--costmodel", costmodel, "--objective", "cost"], USAGE, ["--objective"]),
            ("throughput_pin", [model, "--costmodel", costmodel, "--objective", "throughput", "--pin", "x=cpu0"], USAGE, ["--pin"]),
            ("time_limit", [model, "--costmodel", costmodel, "--time-limit", "0"], USAGE, ["--time-limit"]),
            ("gpu_mem_limit_bad", [model, "--costmodel", costmodel, "--gpu-mem-limit", "8X"], USAGE, ["--gpu-mem-limit", "8X"]),
        ]:
            proc = subprocess.run([binary, "plan"] + args + ["--batch", "1", "-o", out], capture_output=True, text=True, timeout=60)
            good = proc.returncode == code and one_line(proc.stderr) and all(w in proc.stderr for w in words) and not os.path.exists(out)
            check(name, good, f"exit {proc.returncode}: {proc.stderr.strip()!r}")
    return tally.exit_code()


if __name__ == "__main__":
    sys.exit(main())
