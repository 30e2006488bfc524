#!/usr/bin/env python3
"""The Shandong calibration's tables in models/README.md, produced from the committed posterior.

    /usr/bin/python3 tests/calibration/calibration_tables.py [--clustersim BIN] [--update]

Reads scenarios/calibration/shandong-posterior.h5 (`clustersim posterior --json`) and runs the
baseline with and without the posterior (scenarios/shandong-2015.yaml and
scenarios/shandong-2015-calibrated.yaml, 32 replicates each), and writes the generated blocks
of models/README.md:
- "calibration-run": generations, runs, tolerance, effective sample size and why it stopped;
- "calibration-posterior": each parameter's prior and posterior median and 90% interval, the
  shrinkage, and the weakly identified ones flagged;
- "calibration-fit": each target's observed value and error against the posterior's model
  band, with its z-score;
- "calibration-goals": each goal's probability and value at the deadline, uncalibrated against
  calibrated (parameter uncertainty included);
- "calibration-time-split": the calibration fitted up to 2015
  (scenarios/calibration/shandong-to-2015-posterior.h5) against the 2016-2017 figures it held
  out: each one's posterior-predictive 90% band and whether the observation is inside.

Without --update it prints them; tests/docs/test_generated_docs.py fails when a block is stale.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

SOURCE = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE / "tests" / "levers"))
import readme_block  # noqa: E402

POSTERIOR = SOURCE / "scenarios" / "calibration" / "shandong-posterior.h5"
TIME_SPLIT = SOURCE / "scenarios" / "calibration" / "shandong-to-2015-posterior.h5"
MODELS_README = SOURCE / "models" / "README.md"
NAMES = ("calibration-run", "calibration-posterior", "calibration-fit", "calibration-goals",
         "calibration-time-split")
BLOCKS = {name: (MODELS_README,
                 f"<!-- {name}: begin (tests/calibration/calibration_tables.py --update) -->",
                 f"<!-- {name}: end -->") for name in NAMES}


def number(x):
    return f"{x:.3g}"


def run_block(report):
    return "\n".join([
        "| generations | particles | model runs | final tolerance | effective sample size | "
        "stopped because |",
        "|---:|---:|---:|---:|---:|---|",
        f"| {report['generations']} | {report['particles']} | {report['runs']:,} | "
        f"{number(report['tolerance'])} | {report['ess']:.1f} | {report['stop_reason']} |"])


def posterior_block(report):
    rows = ["| parameter | prior | prior median (90%) | posterior median (90%) | shrinkage |",
            "|---|---|---|---|---:|"]
    for p in report["parameters"]:
        flag = " (weakly identified)" if p["weakly_identified"] else ""
        lo, hi = p["prior_interval_90"]
        plo, phi = p["interval_90"]
        rows.append(f"| `{p['name']}` | {p['prior']} | {number(p['prior_median'])} "
                    f"({number(lo)} to {number(hi)}) | {number(p['median'])} ({number(plo)} "
                    f"to {number(phi)}) | {p['shrinkage']:.2f}{flag} |")
    return "\n".join(rows)


def fit_block(report):
    rows = ["| target | observed (se) | model median (90% band) | z |", "|---|---|---|---:|"]
    for f in report["fit"]:
        lo, hi = f["model_interval_90"]
        rows.append(f"| {f['target']} | {number(f['observed'])} ({number(f['se'])}) | "
                    f"{number(f['model_median'])} ({number(lo)} to {number(hi)}) | "
                    f"{f['z']:+.2f} |")
    return "\n".join(rows)


def time_split_block(report):
    rows = ["| held-out target | observed (se) | predicted median (90% band) | inside the band |",
            "|---|---|---|---|"]
    held = [f for f in report["fit"] if f["held_out"]]
    for f in held:
        lo, hi = f["model_interval_90"]
        rows.append(f"| {f['target']} | {number(f['observed'])} ({number(f['se'])}) | "
                    f"{number(f['model_median'])} ({number(lo)} to {number(hi)}) | "
                    f"{'yes' if f['inside_90'] else 'no'} |")
    inside = sum(f["inside_90"] for f in held)
    rows.append(f"\n{inside} of {len(held)} held-out figures fall inside the 90% band; fitted "
                f"to {len(report['fit']) - len(held)} targets up to 2015 in {report['runs']:,} "
                f"runs ({report['generations']} generations; stopped: {report['stop_reason']}).")
    return "\n".join(rows)


def posterior_report(clustersim, path):
    return json.loads(subprocess.run([str(clustersim), "posterior", path, "--json"],
                                     capture_output=True, text=True, check=True).stdout)


def goals(clustersim, scenario, folder):
    out = folder / (scenario.stem + ".h5")
    done = subprocess.run([clustersim, "run", scenario, "-q", "-o", out, "--force"],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"calibration_tables.py: clustersim run {scenario} failed:\n{done.stderr}")
    report = subprocess.run([clustersim, "goals", out, "--json"], capture_output=True,
                            text=True, check=True)
    return json.loads(report.stdout)


def goals_block(clustersim):
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        plain = goals(clustersim, SOURCE / "scenarios" / "shandong-2015.yaml", folder)
        calibrated = goals(clustersim, SOURCE / "scenarios" / "shandong-2015-calibrated.yaml",
                           folder)
    rows = ["| goal | uncalibrated: met | median at the deadline (90%) | calibrated: met | "
            "median at the deadline (90%) |", "|---|---:|---|---:|---|"]
    for a, b in zip(plain["goals"], calibrated["goals"]):
        cells = []
        for g in (a, b):
            cells.append(f"{g['share_met']:.0%} | {number(g['value_median'])} "
                         f"({number(g['value_p05'])} to {number(g['value_p95'])})")
        rows.append(f"| {a['id']}, target {number(a['target'])} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def blocks(clustersim):
    report = posterior_report(clustersim, POSTERIOR)
    return {"calibration-time-split": time_split_block(posterior_report(clustersim, TIME_SPLIT)),
            "calibration-run": run_block(report),
            "calibration-posterior": posterior_block(report),
            "calibration-fit": fit_block(report),
            "calibration-goals": goals_block(str(clustersim))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clustersim", default=str(SOURCE / "build" / "bin" / "clustersim"))
    parser.add_argument("--update", action="store_true", help="write the blocks into the file")
    args = parser.parse_args()
    for name, text in blocks(args.clustersim).items():
        path, begin, end = BLOCKS[name]
        readme_block.publish(text, path if args.update else None, begin, end,
                             "calibration_tables.py")


if __name__ == "__main__":
    main()
