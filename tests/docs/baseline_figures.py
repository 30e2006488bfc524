#!/usr/bin/env python3
"""The baseline's figures that the documentation quotes, produced by running the model.

    /usr/bin/python3 tests/docs/baseline_figures.py [--clustersim BIN] [--update]

Runs what `make run` runs (shandong-2015 against no-policy, 32 paired replicates), with firm
snapshots for `clustersim stats`, and writes the generated blocks:
- README.md, "tour-output": the goals report of that run (`clustersim goals`);
- models/README.md, "baseline-figures": the table of what the baseline shows;
- models/README.md, "stylized-facts": the stylized facts of firm dynamics (`clustersim stats`);
- models/README.md, "public-money": public money by ledger line, 2014-2020;
- models/README.md, "productivity-growth": clusters' sales-weighted productivity growth;
- models/README.md, "starting-wages": researchers' wages in the first quarter;
- models/README.md, "warm-start": the exit share of the starting firms in the first year, and the
  yearly exit share over 2016-2020, with and without the warm start (stops unless the first is
  within a quarter of the second with it);
- models/README.md, "finance-shares": the share of firms short of funds by type and age;
- models/README.md, "goal-criteria": how often each criterion of G2 and G4 holds at the
  deadline, and how often it alone keeps a cluster from counting. The counts are recomputed
  here from the metrics with the goals' rules (models/goals.cpp) and must equal the goal values
  the binary wrote, or the script stops: an independent check of the goal arithmetic.

Without --update it prints them. tests/docs/test_generated_docs.py fails when a block in the
files is not what this build produces, so a change to the model cannot leave a stale number in
the documentation. Results are bit-identical for a scenario and seed, so the comparison is exact.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import yaml

SOURCE = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE / "tests" / "levers"))
import readme_block  # noqa: E402

def markers(name):
    """The comments that enclose a generated block in its Markdown file."""
    return (f"<!-- {name}: begin (tests/docs/baseline_figures.py --update) -->",
            f"<!-- {name}: end -->")


MODELS_README = SOURCE / "models" / "README.md"
BLOCKS = {name: (path, *markers(name)) for name, path in (
    ("tour-output", SOURCE / "README.md"),
    ("baseline-figures", MODELS_README),
    ("stylized-facts", MODELS_README),
    ("public-money", MODELS_README),
    ("productivity-growth", MODELS_README),
    ("starting-wages", MODELS_README),
    ("goal-criteria", MODELS_README),
    ("finance-shares", MODELS_README),
    ("warm-start", MODELS_README),
)}

# Clusters whose productivity growth models/README.md follows ("Calibration of growth").
GROWTH_CLUSTERS = ("high_end_petroleum_equipment", "lithium_battery")


def run(binary, *args):
    done = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True,
                          check=False, cwd=SOURCE)
    if done.returncode != 0:
        sys.exit(f"baseline_figures.py: clustersim {' '.join(map(str, args))} failed:\n"
                 f"{done.stderr}")
    return done.stdout


def number(x):
    """Whole numbers from 100 up with thousands separators, smaller ones to 3 digits."""
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def band(values, scale=1.0, share=False):
    """Median (90% interval) over replicates, the percentiles as the goals report takes them."""
    v = np.asarray(values, dtype=float) / scale
    points = np.median(v), np.percentile(v, 5), np.percentile(v, 95)
    text = [f"{100 * p:.3g}%" if share else number(p) for p in points]
    return f"{text[0]} ({text[1]} to {text[2]})"


def band_of(median, low, high):
    """A band the binary computed (goals and comparison JSON)."""
    return f"{number(median)} ({number(low)} to {number(high)})"


def year_rows(time, year):
    """Quarters whose end falls in the calendar year (time is the decimal year at the end)."""
    return (time > year) & (time <= year + 1)


def figures_table(path, goals, comparison):
    with h5py.File(path, "r") as f:
        time = f["coords/time_year"][...]
        m, cf = f["metrics"], f["counterfactual/metrics"]
        output = m["output_value"][...].sum(axis=2)  # replicate x quarter, yuan/year
        output_cf = cf["output_value"][...].sum(axis=2)
        firms = sum(m[k][...] for k in ("firms_backbone", "firms_sme", "firms_startup")).sum(axis=2)
        entries, exits = m["firm_entries"][...].sum(axis=2), m["firm_exits"][...].sum(axis=2)
        rd = m["rd_spend"][...].sum(axis=2)
        rd_reported = m["rd_reported"][...].sum(axis=2)
        sales_quarterly = output / 4
        patents = m["patents_granted"][...].sum(axis=2)
    starting = firms[:, 0] - entries[:, 0] + exits[:, 0]
    y2014 = year_rows(time, 2014)
    exits_2014 = exits[:, y2014].sum(axis=1)
    # The model's own exit rate once the start is far behind: exits in a year over the firms
    # at the start of that year (the end of the one before), averaged over 2016-2020.
    yearly = []
    for year in range(2016, 2021):
        before = np.nonzero(time <= year)[0][-1]
        yearly.append(exits[:, year_rows(time, year)].sum(axis=1) / firms[:, before])
    steady = np.mean(yearly, axis=0)
    rows = [
        ("firms at the start (2014Q1)", band(starting)),
        ("firms exiting in 2014, entrants that fail included", band(exits_2014)),
        ("  as a share of the starting firms", band(exits_2014 / starting, share=True)),
        ("yearly exit share 2016-2020 (exits over firms at the start of the year, mean)",
         band(steady, share=True)),
        ("total output of the clusters in 2014Q1, bn yuan/year (annualised)",
         band(output[:, 0], 1e9)),
        ("total output, 2020Q4 over 2014Q1", band(output[:, -1] / output[:, 0])),
        ("  the same without the provincial levers (no-policy)",
         band(output_cf[:, -1] / output_cf[:, 0])),
        ("real R&D in 2014, bn yuan", band(rd[:, y2014].sum(axis=1), 1e9)),
        ("reported R&D over sales in 2014",
         band(rd_reported[:, y2014].sum(axis=1) / sales_quarterly[:, y2014].sum(axis=1),
              share=True)),
        ("invention patents granted in 2014", band(patents[:, y2014].sum(axis=1))),
    ]
    for goal in goals["goals"]:
        rows.append((f"{goal['id']}: clusters counted at the deadline (target "
                     f"{goal['target']:g})",
                     band_of(goal["value_median"], goal["value_p05"], goal["value_p95"])))
    for name in ("output_gained", "public_money", "output_per_public_yuan", "rd_gained",
                 "patents_gained"):
        measure = next(c for c in comparison if c["name"] == name)
        # The JSON holds yuan; the text shows bn yuan, as the goals report prints them.
        scale, unit = (1e9, "bn yuan") if measure["unit"] == "yuan" else (1, measure["unit"])
        rows.append((f"against no-policy: {measure['description']}, {unit}",
                     band_of(measure["median"] / scale, measure["p05"] / scale,
                             measure["p95"] / scale)))
    lines = ["| figure | median (90% interval) over 32 replicates |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def stylized_table(stats):
    bunching = ", ".join(f"{t:.0%} {r:.2g} : 1"
                         for t, r in zip(stats["hnte_thresholds"], stats["bunching"]))
    below = sum(s for lo, s in zip(stats["rd_bins"], stats["rd_shares"]) if lo < 0.015)
    growth = stats["growth"]
    rows = [
        ("firm-size upper tail (Hill exponent, top 5%, last snapshot)", "near 1 (Zipf; Axtell 2001)",
         f"{stats['tail_exponent']:.3g}"),
        ("annual log growth of sales: kurtosis", "tent-shaped, fat tails (Laplace: 6; Stanley "
         "et al. 1996)", f"{growth['kurtosis']:.3g}; log-likelihood of a Laplace over a normal "
         f"{growth['loglik_laplace_minus_normal']:+.2g} per firm-year"),
        ("productivity 90/10 within clusters", "about 2 (US manufacturing), larger in China",
         f"{stats['productivity_90_10']:.3g}"),
        ("persistence of productivity gaps (year-on-year correlation)", "persistent",
         f"{stats['productivity_persistence']:.2g}"),
        ("R&D intensity: share of firms below 1.5%", "most firms 0-3%", f"{below:.0%}"),
        ("R&D intensity: share of firms at 10% or more", "few",
         f"{stats['rd_shares'][-1]:.0%}"),
        ("R&D intensity: firms just above / just below each HNTE threshold (0.25 points)",
         "bunching where the HNTE rate pays", bunching),
    ]
    lines = [f"Firm snapshots {stats['first']} to {stats['last']}, all replicates.", "",
             "| fact | target | baseline |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def yearly_exit_shares(path):
    """Per year: firms exiting in the year over the firms alive at its start, replicate means."""
    with h5py.File(path, "r") as f:
        m = f["metrics"]
        time = f["coords/time_year"][...]
        firms = (m["firms_backbone"][...] + m["firms_sme"][...] + m["firms_startup"][...]).sum(axis=2)
        exits = m["firm_exits"][...].sum(axis=2)
        entries = m["firm_entries"][...].sum(axis=2)
    years = np.floor(time - 1e-6).astype(int)
    shares = {}
    for year in sorted(set(years)):
        steps = np.nonzero(years == year)[0]
        first = steps[0]
        at_start = firms[:, first] + exits[:, first] - entries[:, first]
        shares[int(year)] = float((exits[:, steps].sum(axis=1) / at_start).mean())
    return shares


def warm_start_table(warm, cold):
    rows = []
    for label, path in (("cold start (`world.warm_up_quarters=0`)", cold),
                        ("warm start (12 quarters, the baseline)", warm)):
        shares = yearly_exit_shares(path)
        later = np.mean([shares[y] for y in range(2016, 2021)])
        rows.append((label, shares[2014], later))
    first, later = rows[1][1], rows[1][2]
    if abs(first / later - 1) > 0.25:
        sys.exit(f"baseline_figures.py: with the warm start, 2014's exit share ({first:.4f}) is "
                 f"not within a quarter of the 2016-2020 mean ({later:.4f})")
    lines = ["| start | exits in 2014 over the firms at its start | mean yearly exit share "
             "2016-2020 | ratio |", "|---|---:|---:|---:|"]
    lines += [f"| {a} | {b:.1%} | {c:.1%} | {b / c:.2f} |" for a, b, c in rows]
    return "\n".join(lines)


def finance_shares_table(stats):
    shares = stats["short_of_funds"]
    rows = [("backbone firms", "backbone"), ("SMEs", "sme"), ("startups", "startup"),
            ("firms younger than 3 years", "young"), ("firms 3 years or older", "older")]
    lines = ["| firms | share short of funds (Q4 of each year, 2014-2020) |", "|---|---:|"]
    lines += [f"| {label} | {shares[key]:.1%} |" for label, key in rows]
    return "\n".join(lines)


def texts(dataset):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in dataset[...]]


def public_money_table(path):
    """Each ledger line summed over 2014-2020 and the clusters, baseline and no-policy."""
    with h5py.File(path, "r") as f:
        time = f["coords/time_year"][...]
        within = (time > 2014) & (time <= 2021)
        lines = [n for n in f["metrics"] if n.startswith("fiscal_cost_")]
        rows = ["| ledger line | shandong-2015, bn yuan | no-policy, bn yuan |", "|---|---:|---:|"]
        for name in lines:
            run = f["metrics"][name][...][:, within, :].sum(axis=(1, 2))
            cf = f["counterfactual/metrics"][name][...][:, within, :].sum(axis=(1, 2))
            label = name.removeprefix("fiscal_cost_")
            label = f"**{label}**" if label == "total" else f"`{label}`"
            rows.append(f"| {label} | {band(run, 1e9)} | {band(cf, 1e9)} |")
    return "\n".join(rows)


def productivity_growth_table(path):
    """Yearly growth of sales-weighted log-productivity, 2014Q4 to 2020Q4."""
    with h5py.File(path, "r") as f:
        time = f["coords/time_year"][...]
        ids = texts(f["cluster"])
        first, last = np.nonzero(time == 2015.0)[0][0], np.nonzero(time == 2021.0)[0][0]
        years = time[last] - time[first]
        rows = ["| cluster | no-policy, per year | shandong-2015, per year |", "|---|---:|---:|"]
        for cluster in GROWTH_CLUSTERS:
            c = ids.index(cluster)
            growth = []
            for group in ("counterfactual/metrics", "metrics"):
                a = f[group]["mean_log_productivity"][...][:, :, c]
                growth.append(band((a[:, last] - a[:, first]) / years))
            rows.append(f"| `{cluster}` | {growth[0]} | {growth[1]} |")
    return "\n".join(rows)


def starting_wages_text(path):
    """The range over the clusters with firms of the first quarter's wage (medians)."""
    with h5py.File(path, "r") as f:
        m = f["metrics"]
        wage = np.median(m["researcher_wage"][...][:, 0, :], axis=0)
        firms = sum(m[k][...][:, 0, :] for k in ("firms_backbone", "firms_sme", "firms_startup"))
    with_firms = wage[np.median(firms, axis=0) > 0]
    return (f"In the baseline's first quarter researchers earn from {number(with_firms.min())} "
            f"to {number(with_firms.max())} yuan a quarter in the {with_firms.size} clusters with "
            "firms (medians of 32 replicates).")


def trailing_year(quarterly):
    """Sum over the four quarters ending at each step (replicate x step x cluster), the first
    three steps annualised from the quarters available, as models/goals.cpp does."""
    out = np.empty_like(quarterly)
    for t in range(quarterly.shape[1]):
        first = max(0, t - 3)
        out[:, t, :] = quarterly[:, first:t + 1, :].sum(axis=1) * 4.0 / (t - first + 1)
    return out


def quarter_end(label):
    """The decimal year at the end of a quarter written as 2020Q4."""
    year, quarter = label.split("Q")
    return int(year) + int(quarter) / 4


def criteria_rows(tests):
    """One row per criterion: pairs passing it, and pairs failing it alone."""
    passing = np.array([ok for _, _, ok in tests])  # criterion x replicate x cluster
    all_pass = passing.all(axis=0)
    pairs = passing[0].size
    rows = []
    for k, (name, threshold, ok) in enumerate(tests):
        others = np.delete(passing, k, axis=0).all(axis=0)
        rows.append(f"| {name} | {threshold} | {ok.sum():,} ({100 * ok.sum() / pairs:.3g}%) | "
                    f"{(others & ~ok).sum():,} |")
    return rows, all_pass


def price_level(schedule, decimal_time):
    """G2's producer price level (a schedule by quarter, "YYYYQn": value, as the resolved
    scenario writes it) in the quarter ending at decimal_time."""
    if not isinstance(schedule, dict):
        return float(schedule)
    quarter = round(decimal_time * 4) - 1
    points = sorted((int(k[:4]) * 4 + int(k[5]) - 1, v) for k, v in schedule.items())
    level = points[0][1]
    for start, value in points:
        if start <= quarter:
            level = value
    return float(level)


def goal_criteria_table(path):
    """G2's and G4's criteria at the deadline over every cluster and replicate."""
    with h5py.File(path, "r") as f:
        goals = yaml.safe_load(f["scenario"][()])["goals"]
        time = f["coords/time_year"][...]
        m = f["metrics"]
        output = trailing_year(m["output_value"][...] / 4)
        rd = trailing_year(m["rd_reported"][...])
        patents = trailing_year(m["patents_granted"][...])
        researchers = m["researchers_employed"][...]
        written = {g.decode(): v for g, v in zip(f["goal"][...], f["goals/value_at_deadline"][...])}
    g2, g4, mark = goals["g2"], goals["g4"], goals["output_mark"]
    t = int(np.nonzero(time == quarter_end(g2["deadline"]))[0][0])
    s = int(np.nonzero(time == quarter_end(g2["window_start"]) - 0.25)[0][0])
    y, start = output[:, t, :], output[:, s, :]
    # G2's growth is real: nominal output deflated by the producer price level.
    price_change = price_level(g2["price_level"], time[t]) / price_level(g2["price_level"], time[s])
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = (y / start / price_change) ** (4 / (t - s)) - 1
        intensity = np.where(y > 0, rd[:, t, :] / y, 0.0)
    g2_tests = [
        ("below the mark before the window (new)", f"0 < output < {mark / 1e9:g} bn yuan",
         (start > 0) & (start < mark)),
        ("real growth since the window's start", f">= {g2['min_growth']:g} a year",
         np.nan_to_num(growth, nan=-np.inf) >= g2["min_growth"]),
        ("R&D intensity", f">= {g2['min_rd_intensity']:g}", intensity >= g2["min_rd_intensity"]),
        ("output", f">= {g2['min_output'] / 1e9:g} bn yuan", y >= g2["min_output"]),
    ]
    t4 = int(np.nonzero(time == quarter_end(g4["deadline"]))[0][0])
    y4 = output[:, t4, :]
    # G4's intensities are per bn yuan of value added, a fixed share of gross output.
    bn = np.where(y4 > 0, g4["value_added_share"] * y4 / 1e9, np.inf)
    g4_tests = [
        ("output", f">= {g4['min_output'] / 1e9:g} bn yuan", (y4 > 0) & (y4 >= g4["min_output"])),
        ("R&D per yuan of value added", f">= {g4['min_rd_intensity']:g}",
         rd[:, t4, :] / bn / 1e9 >= g4["min_rd_intensity"]),
        ("invention patents per bn yuan of value added", f">= {g4['min_patents_per_bn']:g}",
         patents[:, t4, :] / bn >= g4["min_patents_per_bn"]),
        ("employed researchers per bn yuan of value added",
         f">= {g4['min_researchers_per_bn']:g}",
         researchers[:, t4, :] / bn >= g4["min_researchers_per_bn"]),
    ]
    lines = ["| goal | criterion | threshold | cluster-replicate pairs passing | pairs failing "
             "this criterion alone |", "|---|---|---|---:|---:|"]
    for goal, tests in (("G2", g2_tests), ("G4", g4_tests)):
        rows, counted = criteria_rows(tests)
        recomputed = counted.sum(axis=1)
        if not np.array_equal(recomputed, written[goal]):
            sys.exit(f"baseline_figures.py: {goal} recomputed from the metrics ({recomputed}) is "
                     f"not what clustersim wrote ({written[goal]})")
        lines += [f"| {goal} | {row[2:]}" for row in rows]
        lines.append(f"| {goal} | **all criteria** | | {counted.sum():,} "
                     f"({100 * counted.sum() / counted.size:.3g}%) | |")
    return "\n".join(lines)


def blocks(binary):
    """Each block's text for this build."""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "baseline.h5"
        run(binary, "run", "scenarios/shandong-2015.yaml", "--compare", "scenarios/no-policy.yaml",
            "-o", path, "-q", "--set", "output.firm_snapshots=true")
        goals_text = run(binary, "goals", path)
        goals = json.loads(run(binary, "goals", path, "--json"))
        stats = json.loads(run(binary, "stats", path, "--json"))
        cold = pathlib.Path(folder) / "cold.h5"
        run(binary, "run", "scenarios/shandong-2015.yaml", "-o", cold, "-q", "--set",
            "world.warm_up_quarters=0")
        return {
            "tour-output": "```\n" + goals_text.rstrip("\n") + "\n```",
            "baseline-figures": figures_table(path, goals, goals.get("comparison", [])),
            "stylized-facts": stylized_table(stats),
            "public-money": public_money_table(path),
            "productivity-growth": productivity_growth_table(path),
            "starting-wages": starting_wages_text(path),
            "goal-criteria": goal_criteria_table(path),
            "finance-shares": finance_shares_table(stats),
            "warm-start": warm_start_table(path, cold),
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clustersim", default=str(SOURCE / "build" / "bin" / "clustersim"))
    parser.add_argument("--update", action="store_true", help="write the blocks into the files")
    args = parser.parse_args()
    for name, text in blocks(args.clustersim).items():
        path, begin, end = BLOCKS[name]
        readme_block.publish(text, path if args.update else None, begin, end,
                             "baseline_figures.py")


if __name__ == "__main__":
    main()
