#!/usr/bin/env python3
"""clustersim beside its yardsticks, in one run: `make bench-peers` (README.md, "Performance").

Usage: bench_peers.py [--clustersim PATH] [--baseline PATH] [--quick] [--json]
                      [--firms N] [--replicates R] [--run-repeats K] [--rounds M]
                      [--numpy-repeats R]

Measures, with the clustersim under test (--clustersim, else $CLUSTERSIM, else build/bin):
  no-policy       `clustersim bench scenarios/no-policy.yaml --threads 1 --json -q
                   --set run.replicates=R --set 'world.initial_firms={default: N}'`
                   (R 8, N 1000: 18 populated clusters of 1,000 firms), and the same on 2 threads;
  every-lever     the same with scenarios/shandong-2015.yaml (every lever of the plan on), 1 thread;
  scale           `clustersim bench scenarios/bench/scale.yaml` (1 replicate, ~1M firms) on every
                  core; skipped with --quick;
  one-run         `clustersim run scenarios/shandong-2015.yaml --replicates 1 -q -o TMP.h5 --force
                   --threads 1` K times (wall time, median), beside `bench` of the same one
                  replicate (its simulating time), so that the share of a run spent outside
                  simulating (starting, preparing, writing) = 1 - simulating / total;
  numpy           tests/bench/numpy_firm_core.py 20 N T (T the scenario's quarters), one thread.
It prints firm-steps per second for each, model / NumPy, the 2-thread / 1-thread speed-up,
resident bytes per firm at scale, runs per second, the date, `uname -m`, the CPU model (lscpu)
and the core count. --json prints the same as JSON.

--baseline PATH runs every clustersim measurement with another binary too (an older build),
interleaved with the new one: M rounds (default 3), old and new alternating which goes first;
each figure is the median of its rounds, and new/old ratios are printed. Ratios taken within one
run are what can be compared on a shared, noisy machine; absolute rates move with the load.

Every clustersim run's standard error is kept; a run that fails stops the script with its
command, exit code and error message, and a non-zero exit.
"""
import argparse
import datetime
import json
import math
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
NUMPY_CORE = pathlib.Path(__file__).resolve().parent / "numpy_firm_core.py"
NUMPY_CLUSTERS = 20
TIMEOUT = 3600


class BenchError(Exception):
    """A measurement that could not be made; its message says which and why."""


def command_text(command):
    return " ".join(f"'{c}'" if " " in str(c) else str(c) for c in command)


def execute(command, what):
    """Runs a command from the source folder; returns (stdout, wall seconds). Raises BenchError
    with the command, its exit code and its standard error if it fails."""
    start = time.perf_counter()
    try:
        done = subprocess.run([str(c) for c in command], cwd=SOURCE_DIR, capture_output=True,
                              text=True, timeout=TIMEOUT)
    except FileNotFoundError as error:
        raise BenchError(f"{what}: cannot run {command[0]}: {error.strerror}") from error
    except PermissionError as error:
        raise BenchError(f"{what}: cannot run {command[0]}: {error.strerror}") from error
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"{what}: {command_text(command)} took over {TIMEOUT} s") from error
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        message = done.stderr.strip() or "(nothing on standard error)"
        raise BenchError(f"{what} failed (exit code {done.returncode}):\n"
                         f"  {command_text(command)}\n{message}")
    return done.stdout, seconds


def parse_json(text, command, what):
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BenchError(f"{what}: {command_text(command)} did not print JSON ({error}):\n"
                         f"{text[:500]}") from error


def bench(binary, scenario, threads, sets, what):
    command = [binary, "bench", scenario, "--threads", threads, "--json", "-q"]
    for s in sets:
        command += ["--set", s]
    report = parse_json(execute(command, what)[0], command, what)
    for key in ("firm_steps_per_s", "simulate_seconds", "peak_firms", "steps"):
        if key not in report:
            raise BenchError(f"{what}: {command_text(command)} printed no {key}")
    return report, command


class Measurements:
    """The clustersim measurements of one binary in one round."""

    def __init__(self, args, cores):
        self.args = args
        self.cores = cores
        self.sets = [f"run.replicates={args.replicates}",
                     f"world.initial_firms={{default: {args.firms}}}"]

    def rows(self):
        """(key, label, threads, function of the binary) for each bench row."""
        a = self.args
        ensemble = f"{a.firms} firms/cluster, {a.replicates} replicates"
        rows = [
            ("no_policy_1", f"no-policy, {ensemble}", 1,
             lambda b: bench(b, "scenarios/no-policy.yaml", 1, self.sets, "no-policy, 1 thread")),
            ("no_policy_2", f"no-policy, {ensemble}", 2,
             lambda b: bench(b, "scenarios/no-policy.yaml", 2, self.sets, "no-policy, 2 threads")),
            ("every_lever_1", f"every lever (shandong-2015), {ensemble}", 1,
             lambda b: bench(b, "scenarios/shandong-2015.yaml", 1, self.sets, "every lever")),
        ]
        if not a.quick:
            rows.append(("scale", "scenarios/bench/scale.yaml, 1 replicate", self.cores,
                         lambda b: bench(b, "scenarios/bench/scale.yaml", self.cores, [],
                                         "scale")))
        rows.append(("one_run_bench", "shandong-2015 as it is, 1 replicate", 1,
                     lambda b: bench(b, "scenarios/shandong-2015.yaml", 1,
                                     ["run.replicates=1"], "one-replicate bench")))
        return rows

    def run_seconds(self, binary, folder):
        """Median wall seconds of K one-replicate baseline runs."""
        out = pathlib.Path(folder) / "one-run.h5"
        command = [binary, "run", "scenarios/shandong-2015.yaml", "--replicates", 1, "-q",
                   "-o", out, "--force", "--threads", 1]
        walls = [execute(command, "one-replicate run")[1] for _ in range(self.args.run_repeats)]
        return statistics.median(walls), walls, command

    def one_round(self, binary, folder):
        result = {}
        for key, label, threads, measure in self.rows():
            report, command = measure(binary)
            result[key] = {"report": report, "command": command_text(command)}
        seconds, walls, command = self.run_seconds(binary, folder)
        result["one_run"] = {"seconds": seconds, "walls": walls, "command": command_text(command)}
        return result


def numpy_reference(args, quarters):
    command = [sys.executable, NUMPY_CORE, NUMPY_CLUSTERS, args.firms, quarters,
               "--repeats", args.numpy_repeats, "--json"]
    report = parse_json(execute(command, "NumPy reference")[0], command, "NumPy reference")
    return report, command


def machine():
    cpu = "unknown"
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=30).stdout
        for line in text.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
                break
    except (OSError, subprocess.SubprocessError):
        pass
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "uname_m": platform.machine(), "cpu": cpu, "cores": os.cpu_count() or 1}


def version(binary):
    try:
        return execute([binary, "--version"], "clustersim --version")[0].strip()
    except BenchError:
        return "unknown"


def median_of(rounds, pick):
    return statistics.median(pick(r) for r in rounds)


def summarise(rounds, numpy_rate):
    """Medians over rounds of one binary's figures."""
    keys = [k for k in rounds[0] if k != "one_run"]
    rows = {}
    for key in keys:
        rate = median_of(rounds, lambda r: r[key]["report"]["firm_steps_per_s"])
        last = rounds[-1][key]["report"]
        rows[key] = {
            "firm_steps_per_s": rate,
            "firm_steps_per_s_each": [r[key]["report"]["firm_steps_per_s"] for r in rounds],
            "model_to_numpy": rate / numpy_rate,
            "peak_firms": last["peak_firms"],
            "steps": last["steps"],
            "simulate_seconds": median_of(rounds, lambda r: r[key]["report"]["simulate_seconds"]),
            "resident_bytes_per_firm": median_of(
                rounds, lambda r: r[key]["report"].get("resident_bytes_per_firm", float("nan"))),
            "command": rounds[0][key]["command"],
        }
    run_seconds = median_of(rounds, lambda r: r["one_run"]["seconds"])
    simulating = rows["one_run_bench"]["simulate_seconds"]
    figures = {
        "speedup_2_over_1": rows["no_policy_2"]["firm_steps_per_s"]
        / rows["no_policy_1"]["firm_steps_per_s"],
        "run_seconds": run_seconds,
        "runs_per_s": 1.0 / run_seconds,
        "run_simulate_seconds": simulating,
        "run_outside_simulation_share": 1.0 - simulating / run_seconds,
        "run_command": rounds[0]["one_run"]["command"],
    }
    if "scale" in rows:
        figures["scale_bytes_per_firm"] = rows["scale"]["resident_bytes_per_firm"]
    return rows, figures


def fmt(x, digits=3):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    if abs(x) >= 1e5:
        return f"{x:.{digits}g}".replace("e+0", "e").replace("e+", "e")
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def print_text(result):
    m = result["machine"]
    old = result.get("baseline")
    print(f"bench-peers  {m['date']}  {m['uname_m']}  {m['cpu']}  {m['cores']} cores  "
          f"load average {result['load_before']:.2f} -> {result['load_after']:.2f}")
    print(f"new: {result['clustersim']} ({result['clustersim_version']})")
    if old:
        print(f"old: {old} ({result['baseline_version']}); {result['rounds']} rounds, old and new "
              "alternating; each figure the median of its rounds")
    n = result["numpy"]
    print(f"NumPy {n['numpy']} reference: {n['clusters']} clusters x {n['firms']} firms x "
          f"{n['quarters']} quarters, 1 thread, best of {n['repeats']} per round")
    print()
    header = (f"{'measurement':<60} {'threads':>7} {'firms':>9} {'firm-steps/s':>12} "
              f"{'model/NumPy':>11}")
    if old:
        header += f" {'old f-s/s':>10} {'new/old':>7}"
    print(header)
    for row in result["rows"]:
        line = (f"{row['label']:<60} {row['threads']:>7} {row['firms']:>9,.0f} "
                f"{fmt(row['firm_steps_per_s']):>12} {fmt(row['model_to_numpy']):>11}")
        if old:
            line += f" {fmt(row.get('old_firm_steps_per_s')):>10} {fmt(row.get('new_to_old')):>7}"
        print(line)
    print()
    f = result["figures"]
    header = f"{'figure':<60} {'new':>10}"
    if old:
        header += f" {'old':>10} {'new/old':>7}"
    print(header)
    labels = [("speedup_2_over_1", "2 threads / 1 thread (no-policy)"),
              ("scale_bytes_per_firm", "resident bytes per firm at scale"),
              ("runs_per_s", "one-replicate baseline runs per second"),
              ("run_seconds", "  seconds per run (wall, median of K)"),
              ("run_simulate_seconds", "  of which simulating (bench, 1 replicate)"),
              ("run_outside_simulation_share", "  share outside simulating (1 - sim/total)")]
    for key, label in labels:
        if key not in f:
            continue
        shown = f"{100 * f[key]:.0f}%" if key.endswith("_share") else fmt(f[key])
        line = f"{label:<60} {shown:>10}"
        if old:
            o = result["old_figures"].get(key)
            shown = f"{100 * o:.0f}%" if key.endswith("_share") and o is not None else fmt(o)
            line += f" {shown:>10} {fmt(f[key] / o if o else None):>7}"
        print(line)
    print()
    print("firms: at the peak, per replicate (model), or alive throughout (NumPy).")
    print("firm-steps/s: firms alive in each quarter, summed, over the simulating time.")
    print("model/NumPy: firm-steps per second over the one-thread NumPy reference's.")
    if old:
        print("new/old > 1: the new binary is faster (for bytes and seconds: larger).")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clustersim", default=os.environ.get(
        "CLUSTERSIM", str(SOURCE_DIR / "build" / "bin" / "clustersim")),
        help="the clustersim under test (default $CLUSTERSIM, else build/bin/clustersim)")
    parser.add_argument("--baseline", help="another clustersim to compare with (an older build)")
    parser.add_argument("--quick", action="store_true", help="skip scenarios/bench/scale.yaml")
    parser.add_argument("--firms", type=int, default=1000, help="firms per cluster (1000)")
    parser.add_argument("--replicates", type=int, default=8, help="ensemble replicates (8)")
    parser.add_argument("--run-repeats", type=int, default=5,
                        help="one-replicate runs timed per round (5)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3 with --baseline, else 1)")
    parser.add_argument("--numpy-repeats", type=int, default=5,
                        help="NumPy runs per round, best taken (5)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 3 if args.baseline else 1
    if min(args.replicates, args.run_repeats, args.rounds, args.numpy_repeats) < 1 \
            or args.firms < 2:
        parser.error("--replicates, --run-repeats, --rounds and --numpy-repeats must be >= 1, "
                     "--firms >= 2")

    info = machine()
    new = os.path.abspath(args.clustersim)
    old = os.path.abspath(args.baseline) if args.baseline else None
    load_before = os.getloadavg()[0]
    measurements = Measurements(args, info["cores"])
    rounds = {"new": [], "old": []}
    numpy_runs = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-peers-") as folder:
            for r in range(args.rounds):
                order = [("new", new)] if not old else (
                    [("new", new), ("old", old)] if r % 2 == 0 else [("old", old), ("new", new)])
                for name, binary in order:
                    if not args.json:
                        print(f"round {r + 1}/{args.rounds}: {name} ...", file=sys.stderr,
                              flush=True)
                    rounds[name].append(measurements.one_round(binary, folder))
                quarters = int(rounds["new"][-1]["no_policy_1"]["report"]["steps"])
                numpy_runs.append(numpy_reference(args, quarters))
    except BenchError as error:
        print(f"bench_peers: {error}", file=sys.stderr)
        return 1
    load_after = os.getloadavg()[0]

    numpy_rate = statistics.median(n[0]["firm_steps_per_s"] for n in numpy_runs)
    numpy_report = dict(numpy_runs[-1][0], firm_steps_per_s=numpy_rate,
                        firm_steps_per_s_each=[n[0]["firm_steps_per_s"] for n in numpy_runs],
                        command=command_text(numpy_runs[-1][1]))
    new_rows, new_figures = summarise(rounds["new"], numpy_rate)
    old_rows, old_figures = summarise(rounds["old"], numpy_rate) if old else ({}, {})

    rows = []
    for key, label, threads, _ in measurements.rows():
        row = dict(key=key, label=label, threads=threads, firms=new_rows[key]["peak_firms"],
                   **new_rows[key])
        if old:
            row["old_firm_steps_per_s"] = old_rows[key]["firm_steps_per_s"]
            row["new_to_old"] = row["firm_steps_per_s"] / row["old_firm_steps_per_s"]
        rows.append(row)
    rows.append(dict(key="numpy", label=f"NumPy reference, {NUMPY_CLUSTERS} x {args.firms} x "
                     f"{numpy_report['quarters']}", threads=1,
                     firms=NUMPY_CLUSTERS * args.firms, firm_steps_per_s=numpy_rate,
                     model_to_numpy=1.0, command=numpy_report["command"]))
    result = {"machine": info, "load_before": load_before, "load_after": load_after,
              "clustersim": new, "clustersim_version": version(new), "rounds": args.rounds,
              "quick": args.quick, "numpy": numpy_report, "rows": rows, "figures": new_figures}
    if old:
        result.update(baseline=old, baseline_version=version(old), old_figures=old_figures,
                      new_to_old={k: new_figures[k] / old_figures[k] for k in new_figures
                                  if isinstance(new_figures[k], float) and old_figures.get(k)})
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_text(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
