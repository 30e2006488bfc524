#!/usr/bin/env python3
"""Simulation-based calibration check of `clustersim calibrate` (not part of `make test`).

For each of T synthetic truths (default 100):
1. draw the three parameters of the small test world from the calibration's priors;
2. make observations from one model run at that truth, under a seed no calibration run uses,
   each plus a Gaussian error of its stated standard error (10% of the value), so the data
   come from the model the distance assumes: stochastic spread plus observation error;
3. calibrate with the same priors and read the posterior's central 50% and 90% intervals
   (weighted quantiles of the last generation).

Coverage is the share of (truth, parameter) pairs whose truth lies inside the interval; a
calibrated method gives 50% and 90%. ABC with a tolerance above zero widens the posterior, so
it errs towards more coverage than nominal.

It then times one calibration of eight parameters of the small world (--eight), and writes a
JSON summary. Every calibration runs single-threaded, `--jobs` at a time.

    python3 tests/calibration/coverage.py --truths 100 --population 100 --jobs 2 --out /tmp/cov
    python3 tests/calibration/coverage.py --summary /tmp/cov/coverage.json --update

--update copies the summary to tests/calibration/coverage.json and writes its table into
models/README.md (block "calibration-coverage"); tests/docs/test_generated_docs.py checks the
block against that file, and tests/calibration/test_coverage.py recalibrates one of its truths
and checks the same intervals come out.
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import subprocess
import sys
import time

import h5py
import numpy as np

SOURCE = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE / "tests" / "levers"))
import readme_block  # noqa: E402

COMMITTED = SOURCE / "tests" / "calibration" / "coverage.json"
BLOCK = (SOURCE / "models" / "README.md",
         "<!-- calibration-coverage: begin (tests/calibration/coverage.py --update) -->",
         "<!-- calibration-coverage: end -->")
SMALL = SOURCE / "tests" / "data" / "small.yaml"
RELATIVE_SE = 0.10  # the observations' standard error, as a share of their value

# The priors, as in tests/cli/test_calibrate.py's recovery test.
PRIORS = {
    "firm.patent_scale": ("log_uniform", 0.03, 0.5),
    "firm.rd_share.backbone": ("uniform", 0.005, 0.05),
    "firm.max_investment_rate": ("normal", 0.01, 0.15, 0.06, 0.03),
}

# Eight parameters for the timing run: the Shandong calibration's, less demand elasticity,
# with priors from half to twice each default.
EIGHT = {
    "firm.max_investment_rate": ("uniform", 0.025, 0.1),
    "firm.entry.productivity_spread": ("uniform", 0.15, 0.6),
    "firm.depreciation": ("uniform", 0.015, 0.06),
    "firm.startup_max_investment_rate": ("uniform", 0.125, 0.5),
    "firm.frontier_pull": ("uniform", 0.0, 0.05),
    "firm.entry.rate": ("uniform", 0.0125, 0.05),
    "firm.rd_share.backbone": ("log_uniform", 0.01, 0.04),
    "firm.patent_scale": ("log_uniform", 0.06, 0.24),
}

MAPPING = """\
observations:
  file: observed.csv
  map:
    patents: {model: "sum(patents_granted, YEAR)", compare: level}
    rd: {model: "sum(rd_spend, YEAR)", compare: level}
    output: {model: "mean(output_value, YEAR)", compare: growth}
    entry: {model: "sum(firm_entries, YEAR)", compare: level}
"""


def prior_yaml(priors):
    lines = ["parameters:"]
    for key, (kind, low, high, *normal) in priors.items():
        extra = f", mean: {normal[0]}, sd: {normal[1]}" if normal else ""
        lines.append(f"  {key}: {{prior: {kind}, min: {low}, max: {high}{extra}}}")
    return "\n".join(lines) + "\n"


def draw_truth(priors, rng):
    truth = {}
    for key, (kind, low, high, *normal) in priors.items():
        if kind == "uniform":
            truth[key] = rng.uniform(low, high)
        elif kind == "log_uniform":
            truth[key] = float(np.exp(rng.uniform(np.log(low), np.log(high))))
        else:  # a normal truncated to [low, high], by rejection
            while not low <= (value := rng.normal(*normal)) <= high:
                pass
            truth[key] = value
    return truth


def yearly(ds, metric, year, how):
    labels = [label.decode() for label in ds["coords/time_label"][:]]
    steps = [i for i, label in enumerate(labels) if label.startswith(str(year))]
    values = ds[f"metrics/{metric}"][0, steps, :].sum(axis=1)  # replicate 0, per quarter
    return float(values.sum() if how == "sum" else values.mean())


def observe(clustersim, truth, seed, folder, rng):
    """Observations of one run at `truth`, each with a 10% Gaussian error added."""
    out = folder / "truth.h5"
    sets = [arg for key, value in truth.items() for arg in ("--set", f"{key}={value!r}")]
    subprocess.run([clustersim, "run", SMALL, *sets, "--set", "run.replicates=1",
                    "--set", f"run.seed={seed}", "-q", "-o", out, "--force"],
                   check=True, capture_output=True)
    rows = ["series,scope,year,value,unit,kind,source,confidence,se,note"]
    with h5py.File(out, "r") as ds:
        series = [("patents", "patents_granted", "sum", (2014, 2015, 2016)),
                  ("rd", "rd_spend", "sum", (2014, 2015, 2016)),
                  ("output", "output_value", "mean", (2014, 2016)),
                  ("entry", "firm_entries", "sum", (2015, 2016))]
        for name, metric, how, years in series:
            for year in years:
                value = yearly(ds, metric, year, how)
                se = RELATIVE_SE * abs(value)
                noisy = value + se * rng.standard_normal()
                rows.append(f"{name},small,{year},{noisy!r},1,flow,synthetic,,{se!r},")
    out.unlink()
    (folder / "observed.csv").write_text("\n".join(rows) + "\n")


def calibration_text(priors, seed, population):
    return (f"description: synthetic truth, seed {seed}\nbase: {SMALL}\nseed: {seed}\n"
            + prior_yaml(priors) + MAPPING
            + f"method:\n  population: {population}\n  max_generations: 8\n"
              "  max_runs: 20000\n  max_moves: 3\n")


def weighted_quantiles(values, weights, probabilities):
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return [float(values[order][np.searchsorted(cumulative, p)]) for p in probabilities]


def calibrate(clustersim, priors, seed, population, folder):
    (folder / "cal.yaml").write_text(calibration_text(priors, seed, population))
    out = folder / "posterior.h5"
    start = time.monotonic()
    subprocess.run([clustersim, "calibrate", folder / "cal.yaml", "-o", out, "--threads", "1",
                    "-q", "--force"], check=True, capture_output=True)
    seconds = time.monotonic() - start
    with h5py.File(out, "r") as ds:
        names = [name.decode() for name in ds["parameters/name"][:]]
        particles, weights = ds["posterior/parameters"][:], ds["posterior/weights"][:]
        result = {"runs": int(ds.attrs["runs"]), "seconds": seconds,
                  "stop_reason": str(ds.attrs["stop_reason"]), "intervals": {}}
    for d, name in enumerate(names):
        q = weighted_quantiles(particles[:, d], weights, (0.05, 0.25, 0.75, 0.95))
        result["intervals"][name] = {"50": q[1:3], "90": [q[0], q[3]]}
    return result


def one_truth(clustersim, index, population, root):
    rng = np.random.default_rng([2015, index])
    truth = draw_truth(PRIORS, rng)
    folder = root / f"truth-{index:03d}"
    folder.mkdir(parents=True, exist_ok=True)
    observe(clustersim, truth, 500_000 + index, folder, rng)
    result = calibrate(clustersim, PRIORS, 1000 + index, population, folder)
    result["truth"] = truth
    result["inside"] = {
        name: {level: bool(lo <= truth[name] <= hi) for level, (lo, hi) in bands.items()}
        for name, bands in result["intervals"].items()}
    return result


def coverage(results):
    table = {}
    for name in PRIORS:
        table[name] = {level: float(np.mean([r["inside"][name][level] for r in results]))
                       for level in ("50", "90")}
    table["all"] = {level: float(np.mean([r["inside"][name][level] for r in results
                                          for name in PRIORS])) for level in ("50", "90")}
    return table


def eight_parameters(clustersim, root):
    folder = root / "eight"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([2015, 8])
    truth = {key: (low * high) ** 0.5 if kind == "log_uniform" else (low + high) / 2
             for key, (kind, low, high) in EIGHT.items()}
    observe(clustersim, truth, 800_000, folder, rng)
    result = calibrate(clustersim, EIGHT, 88, 200, folder)
    result["truth"] = truth
    return result


def print_summary(summary):
    print(f"{summary['truths']} truths, population {summary['population']}, "
          f"{summary['jobs']} calibrations at a time, single-threaded each")
    print(f"{'parameter':<28} {'50% interval':>13} {'90% interval':>13}")
    for name, row in summary["coverage"].items():
        print(f"{name:<28} {row['50']:>13.0%} {row['90']:>13.0%}")
    runs = [r["runs"] for r in summary["results"]]
    seconds = [r["seconds"] for r in summary["results"]]
    print(f"runs per calibration: median {np.median(runs):.0f} (from {min(runs)} to "
          f"{max(runs)}); seconds: median {np.median(seconds):.1f}")
    if "eight" in summary:
        e = summary["eight"]
        print(f"eight parameters, population 200: {e['runs']} runs in {e['seconds']:.0f} s "
              f"on one thread ({e['stop_reason']})")


def markdown(summary):
    """The models/README.md block: coverage per parameter and the cost of a calibration."""
    rows = ["| parameter (prior) | truths inside the 50% interval | inside the 90% interval |",
            "|---|---:|---:|"]
    for name, row in summary["coverage"].items():
        label = "all three" if name == "all" else f"`{name}` ({PRIORS[name][0]})"
        rows.append(f"| {label} | {row['50']:.0%} | {row['90']:.0%} |")
    runs = [r["runs"] for r in summary["results"]]
    seconds = [r["seconds"] for r in summary["results"]]
    rows.append("")
    rows.append(f"{summary['truths']} synthetic truths, population {summary['population']}; "
                f"model runs per calibration: median {np.median(runs):,.0f} "
                f"(from {min(runs):,} to {max(runs):,}), median {np.median(seconds):.0f} s on "
                f"one thread ({summary['jobs']} calibrations at a time on a 2-core machine).")
    if "eight" in summary:
        e = summary["eight"]
        rows.append(f"Eight parameters, population 200: {e['runs']:,} runs in "
                    f"{e['seconds']:.0f} s on one thread (stopped: {e['stop_reason']}).")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clustersim", default=os.environ.get(
        "CLUSTERSIM", str(SOURCE / "build" / "bin" / "clustersim")))
    parser.add_argument("--truths", type=int, default=100)
    parser.add_argument("--population", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("coverage"))
    parser.add_argument("--no-eight", action="store_true", help="skip the 8-parameter timing")
    parser.add_argument("--summary", type=pathlib.Path, help="print a written summary and stop")
    parser.add_argument("--update", action="store_true",
                        help="with --summary: commit it and write its table into models/README.md")
    args = parser.parse_args()
    if args.summary:
        summary = json.loads(args.summary.read_text())
        print_summary(summary)
        if args.update:
            COMMITTED.write_text(json.dumps(summary, indent=1) + "\n")
            readme_block.publish(markdown(summary), BLOCK[0], BLOCK[1], BLOCK[2], "coverage.py")
        return 0
    if args.truths < 1 or args.jobs < 1 or args.population < 10:
        parser.error("--truths and --jobs must be 1 or more, --population 10 or more")
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    results = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = [pool.submit(one_truth, args.clustersim, i, args.population, args.out)
                   for i in range(args.truths)]
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            results.append(future.result())
            print(f"\r{done}/{args.truths} truths calibrated, "
                  f"{time.monotonic() - start:.0f} s", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    results.sort(key=lambda r: sorted(r["truth"].items()))
    summary = {"truths": args.truths, "population": args.population, "jobs": args.jobs,
               "coverage": coverage(results), "results": results,
               "seconds": time.monotonic() - start}
    if not args.no_eight:
        summary["eight"] = eight_parameters(args.clustersim, args.out)
    (args.out / "coverage.json").write_text(json.dumps(summary, indent=1))
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
