#!/usr/bin/python3
"""What each lever does, measured: the one-at-a-time table of models/README.md ("Levers and their
channels").

Usage: lever_table.py [--clustersim BIN] [--replicates N] [--threads T] [--update FILE]

For every lever of the plan it runs the baseline, scenarios/shandong-2015.yaml, with that lever
at half and at twice its baseline value (the HNTE rate: half and twice the rate cut; the switch
`policy.supported_clusters`: off), all other settings as they are, with the baseline's seed, so
replicate r of a variant is paired with replicate r of the baseline (common random numbers). Per
replicate it takes, through tests/stats/equivalence.py's extraction:

    output_2020            sales of all clusters in 2020, yuan
    G2.value               newly cultivated clusters at G2's deadline (2020Q4)
    rd_spend_total         real R&D over 2014-2020, yuan
    patents_total          invention patents granted over 2014-2020
    public_money_to_2020Q4 public money spent 2014-2020, yuan

and prints, per variant, the mean paired difference from the baseline with its 95% interval (mean
+- t(0.975, N - 1) * sd / sqrt(N)); output, R&D and patents as a percentage of the baseline's
mean. A difference whose interval excludes 0 is measurable; a row with none is marked "none".
--update replaces the table between the lever-table markers of FILE (models/README.md).

About 35 runs of N replicates: at N = 32 about 2 minutes on 2 cores.
"""
import argparse
import math
import pathlib
import re
import subprocess
import sys
import tempfile

import numpy as np
import yaml
from scipy import stats as scipy_stats

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE_DIR / "tests" / "stats"))
import equivalence  # noqa: E402
from readme_block import publish  # noqa: E402

SCENARIO = "scenarios/shandong-2015.yaml"
BEGIN = "<!-- lever-table:begin (tests/levers/lever_table.py --update models/README.md) -->"
END = "<!-- lever-table:end -->"

# (lever number in the plan, setting keys varied together, what the lever acts through)
LEVERS = [
    (1, ["policy.supported_clusters"], "switches every provincial lever"),
    (2, ["policy.rd_super_deduction", "policy.rd_super_deduction_tech_sme"],
     "R&D user cost; taxable income"),
    (2, ["policy.rd_deduction_takeup"], "share of firms that claim the deduction"),
    (3, ["policy.hnte_tax_rate"], "HNTE rate cut; bunching at the intensity thresholds"),
    (4, ["policy.tech_transfer_exemption"], "tax relief on licence income"),
    (5, ["policy.post_subsidy.rate"], "R&D user cost (expected); payment after a breakthrough"),
    (6, ["policy.guide_fund.capital_per_year"], "equity for SMEs and startups"),
    (7, ["policy.angel_fund.capital_per_year"], "equity for startups"),
    (8, ["policy.finance.ip_pledge"], "credit limit against patents; interest subsidy"),
    (8, ["policy.finance.risk_compensation"], "SME and startup credit limit; loan losses"),
    (9, ["policy.incubators.capacity"], "tenants' hazard, innovation, procurement"),
    (10, ["policy.talent_programme.recruits_per_year"], "researchers, skill, founders"),
    (11, ["policy.platforms.investment_per_year"],
     "effective R&D labour; key labs' frontier and opportunity; spin-offs"),
    (12, ["policy.collaboration.intensity"], "effective R&D labour; co-funding"),
    (13, ["policy.ip_protection"], "R&D budgets; imitation of patent holders"),
    (14, ["policy.open_innovation.intensity"], "imitation toward the outside frontier"),
    (15, ["policy.phase_out.share"], "closes the least productive firms of traditional clusters"),
]

OUTCOMES = [  # (quantity, column title, relative to the baseline's mean?)
    ("output_2020", "2020 output, %", True),
    ("G2.value", "G2, clusters", False),
    ("rd_spend_total", "R&D 2014-20, %", True),
    ("patents_total", "patents 2014-20, %", True),
    ("public_money_to_2020Q4", "public money 2014-20, bn yuan", False),
]


def schema_ranges(clustersim):
    """Each setting's [lo, hi] from `clustersim schema`."""
    table = subprocess.run([clustersim, "schema"], capture_output=True, text=True, check=True,
                           cwd=SOURCE_DIR).stdout
    ranges = {}
    for row in table.splitlines():
        m = re.match(r"\| `([^`]+)` \| number \| [^|]* \| \[([^,]+), ([^\]]+)\] \| `([^`]*)`", row)
        if m:
            ranges[m.group(1)] = (float(m.group(2)), float(m.group(3)), m.group(4))
    return ranges


def baseline_value(scenario, key, ranges):
    """The setting as the baseline writes it (a number or a map), else the schema default."""
    node = scenario
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return yaml.safe_load(ranges[key][2])
        node = node[part]
    return node


def scaled(value, factor, lo, hi):
    """Every number of a setting (not its dates or cluster names) times factor, kept in range."""
    if isinstance(value, dict):
        return {k: scaled(v, factor, lo, hi) for k, v in value.items()}
    if isinstance(value, str):
        value = float(value)
    return min(hi, max(lo, value * factor))


def flow(value):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in value.items()) + "}"
    # Twelve significant digits: 0.25 - 2 * 0.1 is written 0.05, not 0.04999999999999999.
    return repr(float(f"{float(value):.12g}"))


def variants(scenario, ranges):
    """(lever number, keys, label, --set arguments) for every variant."""
    out = []
    for number, keys, _ in LEVERS:
        if keys == ["policy.supported_clusters"]:
            out.append((number, keys, "off", [f"{keys[0]}=0"]))
            continue
        for label, factor in (("half", 0.5), ("double", 2.0)):
            sets = []
            for key in keys:
                lo, hi, _ = ranges[key]
                value = baseline_value(scenario, key, ranges)
                if key == "policy.hnte_tax_rate":
                    # The lever is the cut below the standard rate.
                    standard = float(baseline_value(scenario, "tax.standard_rate", ranges))
                    cut = standard - float(value)
                    sets.append(f"{key}={flow(max(lo, standard - factor * cut))}")
                else:
                    sets.append(f"{key}={flow(scaled(value, factor, lo, hi))}")
            out.append((number, keys, label, sets))
    return out


def run(clustersim, out, replicates, threads, sets):
    command = [clustersim, "run", SCENARIO, "-o", str(out), "--replicates", str(replicates),
               "--threads", str(threads), "--quiet", "--force"]
    for s in sets:
        command += ["--set", s]
    done = subprocess.run(command, cwd=SOURCE_DIR, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"lever_table: {' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return equivalence.read_result(out).quantities


def effect(base, variant, relative):
    d = np.asarray(variant, dtype=float) - np.asarray(base, dtype=float)
    n = len(d)
    mean = float(np.mean(d))
    half = float(scipy_stats.t.ppf(0.975, n - 1) * np.std(d, ddof=1) / math.sqrt(n))
    scale = 100.0 / float(np.mean(base)) if relative else 1.0
    return mean * scale, half * scale, abs(mean) > half


def cell(mean, half, unit_scale=1.0):
    mean, half = mean * unit_scale, half * unit_scale
    return f"{mean:+.3g} ± {half:.2g}"


def table(rows, replicates):
    lines = [
        f"One lever at a time on `{SCENARIO}`, {replicates} paired replicates per variant "
        f"(generated by `tests/levers/lever_table.py`). Each cell is the mean paired "
        "difference from the baseline with its 95% interval; output, R&D and patents in percent "
        "of the baseline's mean. \"measurable\" lists the outcomes whose interval excludes 0.",
        "",
        "| # | lever | variant | " + " | ".join(t for _, t, _ in OUTCOMES) +
        " | measurable | acts through |",
        "|---" * (len(OUTCOMES) + 5) + "|",
    ]
    for number, keys, label, sets, cells, moved, channel in rows:
        lines.append(f"| {number} | " + ", ".join(f"`{k}`" for k in keys) + f" | {label} | " +
                     " | ".join(cells) + f" | {', '.join(moved) if moved else 'none'} | "
                     f"{channel} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clustersim", default=str(SOURCE_DIR / "build" / "bin" / "clustersim"))
    parser.add_argument("--replicates", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--update", type=pathlib.Path)
    args = parser.parse_args(argv)
    ranges = schema_ranges(args.clustersim)
    scenario = yaml.safe_load((SOURCE_DIR / SCENARIO).read_text())
    channels = {tuple(keys): channel for _, keys, channel in LEVERS}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        print("baseline ...", file=sys.stderr)
        base = run(args.clustersim, pathlib.Path(tmp) / "base.h5", args.replicates, args.threads,
                   [])
        planned = variants(scenario, ranges)
        for k, (number, keys, label, sets) in enumerate(planned, 1):
            print(f"[{k}/{len(planned)}] {' '.join(sets)}", file=sys.stderr)
            q = run(args.clustersim, pathlib.Path(tmp) / "v.h5", args.replicates, args.threads,
                    sets)
            cells, moved = [], []
            for name, title, relative in OUTCOMES:
                mean, half, measurable = effect(base[name], q[name], relative)
                scale = 1e-9 if name.startswith("public_money") else 1.0
                cells.append(cell(mean, half, scale))
                if measurable:
                    moved.append(title.split(",")[0])
            rows.append((number, keys, label, sets, cells, moved, channels[tuple(keys)]))
    text = table(rows, args.replicates)
    publish(text, args.update, BEGIN, END, "lever_table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
