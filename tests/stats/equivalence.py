#!/usr/bin/python3
"""Is a changed model the same model statistically? (issue 16, "If results change")

A change that only swaps random samplers changes every result bit for bit, so the exact
regression references cannot judge it. This compares two ensembles of one scenario instead:
per replicate it extracts a few quantities (below) from each ensemble, tests per quantity
whether the two samples come from the same distribution (two-sample Kolmogorov-Smirnov), and
corrects for testing many quantities at once with Holm's method at a family-wise alpha of 0.01.

An ensemble is either a result file of `clustersim run SCENARIO -o FILE --replicates N --seed S`
or a CSV of its quantities written by `extract` (the stored reference is one).

    equivalence.py compare A B            table of the tests; exit 0 same, 1 differs, 2 bad input
    equivalence.py extract FILE.h5 -o OUT.csv
    equivalence.py reference [--clustersim BIN]   regenerates the stored reference

Quantities, one value per replicate:

    G<k>.value             goal k's value at its deadline (/goals/value_at_deadline), in the
                           goal's unit (clusters for the plan's goals)
    G<k>.met               1 if goal k is met by its deadline, 0 if not (/goals/met)
    public_money_to_<Q>    public money spent from the run's start to quarter Q, yuan
                           (/goals/cost_to_deadline; one per distinct goal deadline)
    output_2020            sales of all clusters in 2020, yuan: output_value (annualised, yuan
                           a year) summed over clusters and 2020's four quarters, divided by 4
    rd_spend_total         real R&D of all clusters over the whole run, yuan
    patents_total          invention patents granted to all clusters over the whole run

Left out: a goal's first_met (the shandong-2015 baseline never reaches a target, so it is NaN in
every replicate; met covers reaching it), and every stylized fact of `clustersim stats`: that
command reports them for the ensemble as a whole (the tail exponent is a median over replicates;
growth, productivity and R&D-intensity figures pool the firms of all replicates), so there is no
per-replicate sample of them to test.
"""
import argparse
import datetime
import os
import pathlib
import subprocess
import sys
import tempfile
import zlib

import numpy as np
from scipy import stats

FAMILY_ALPHA = 0.01
# Fewer replicates than this cannot tell models apart well enough for "not rejected" to mean
# much; such an input is refused rather than passed (--min-replicates lowers it).
MIN_REPLICATES = 32

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
REFERENCE_CSV = SOURCE_DIR / "tests" / "data" / "equivalence" / "shandong-2015.csv"
REFERENCE_SCENARIO = "scenarios/shandong-2015.yaml"
REFERENCE_REPLICATES = 256
REFERENCE_SEED = 20150123  # shandong-2015.yaml's own run.seed

UNITS = {"output_2020": "yuan", "rd_spend_total": "yuan", "patents_total": "patents"}


class BadInput(Exception):
    """An input that cannot be compared; the message names the file."""

    def __init__(self, path, message):
        super().__init__(f"{path}: {message}")


class Ensemble:
    """Per-replicate quantities of one ensemble: {name: 1-D float array}, in a fixed order,
    with the scenario's name and where the numbers came from."""

    def __init__(self, path, scenario, quantities, units):
        self.path = str(path)
        self.scenario = scenario
        self.quantities = quantities
        self.units = units

    @property
    def replicates(self):
        return len(next(iter(self.quantities.values()))) if self.quantities else 0


# ---------------------------------------------------------------------------------------------
# Reading result files


def check_seal(path):
    """Refuses a file whose clustersim seal (results/README.md, "The seal": its length and the
    CRC-32 of everything after its first 512 bytes) is missing or broken, before HDF5 parses a
    byte of it: HDF5 1.10 can crash on a damaged file."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        block = f.read(512)
        if not block.startswith(b"clustersim seal 1\n"):
            raise BadInput(path, "not a clustersim result file (no clustersim seal)")
        fields = dict(line.split(" ", 1) for line in
                      block.rstrip(b"\0").decode("ascii", "replace").splitlines()[1:]
                      if " " in line)
        crc = 0
        for chunk in iter(lambda: f.read(1 << 22), b""):
            crc = zlib.crc32(chunk, crc)
    if fields.get("bytes") != str(size):
        raise BadInput(path, f"damaged or changed: {size} bytes where its seal says "
                             f"{fields.get('bytes')}")
    if fields.get("crc32") != f"{crc:08x}":
        raise BadInput(path, "damaged or changed since clustersim wrote it (CRC-32 mismatch)")


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def _complete_or_none(path, name, values, missing):
    """The quantity's values, None when every replicate lacks it (a goal whose deadline is
    after the run's end), refused when only some do."""
    if missing.all():
        return None
    if missing.any():
        raise BadInput(path, f"{name} is missing in {int(missing.sum())} of {len(values)} "
                             "replicates")
    return values.astype(float)


def _goal_quantities(path, f, quarter_of):
    """Value and met per goal, and the public money up to each distinct deadline."""
    goals = f["goals"]
    ids = [_text(g) for g in f["goal"][...]]
    units = [_text(u) for u in goals["unit"][...]]
    value, met = goals["value_at_deadline"][...], goals["met"][...]
    out, unit_of = {}, {}
    for k, goal in enumerate(ids):
        for name, column, missing, unit in (
                (f"{goal}.value", value[k], np.isnan(value[k]), units[k]),
                (f"{goal}.met", met[k], met[k] == -1, "1 met, 0 not")):
            column = _complete_or_none(path, name, column, missing)
            if column is not None:
                out[name], unit_of[name] = column, unit
    if "cost_to_deadline" in goals:
        cost = goals["cost_to_deadline"][...]
        # Public money up to a deadline does not depend on the goal: goals sharing a deadline
        # share the number, so it is one quantity per deadline, not one per goal.
        for k, deadline in enumerate(goals["deadline"][...]):
            name = f"public_money_to_{quarter_of(deadline)}"
            column = _complete_or_none(path, name, cost[k], np.isnan(cost[k]))
            if column is not None and name not in out:
                out[name], unit_of[name] = column, "yuan"
    return out, unit_of


def _metric_quantities(f):
    """Output in 2020, R&D and patents over the run, all clusters summed."""
    labels = [_text(t) for t in f["coords"]["time_label"][...]]
    metrics = f["metrics"]
    out = {}
    in_2020 = [i for i, label in enumerate(labels) if label.startswith("2020Q")]
    if len(in_2020) == 4:  # a run that does not cover all of 2020 has no 2020 output
        annualised = metrics["output_value"][:, in_2020, :]
        out["output_2020"] = annualised.sum(axis=(1, 2)) / 4.0
    out["rd_spend_total"] = metrics["rd_spend"][...].sum(axis=(1, 2))
    out["patents_total"] = metrics["patents_granted"][...].sum(axis=(1, 2))
    return out


def read_result(path):
    """The per-replicate quantities of a `clustersim run` result file."""
    import h5py  # only needed for result files, not for the stored CSV
    check_seal(path)
    try:
        with h5py.File(path, "r") as f:
            if _text(f.attrs.get("filetype", "")) != "clustersim-result":
                raise BadInput(path, "not a clustersim result file (filetype attribute)")
            if int(f.attrs["schema_version"][0]) != 1:
                raise BadInput(path, f"result schema version {f.attrs['schema_version']} is "
                                     "not readable here (expects 1.x)")
            if "point" in f or "run" in f:  # a sweep's design points (named run before 1.3)
                raise BadInput(path, "a sweep file; compare the result files of two runs")
            # Schema 1.1 keeps the decimal year in /coords/time_year (/time is CF days).
            times = f["coords/time_year"][...] if "coords/time_year" in f else f["time"][...]
            labels = [_text(t) for t in f["coords"]["time_label"][...]]

            def quarter_of(decimal_year):
                # A deadline is the end of a quarter; one after the run's end has no label.
                match = np.flatnonzero(np.isclose(times, decimal_year))
                return labels[match[0]] if match.size else f"{decimal_year:g}"

            goals, units = _goal_quantities(path, f, quarter_of)
            metrics = _metric_quantities(f)
            scenario = _text(f.attrs["scenario_name"])
    except BadInput:
        raise
    except (KeyError, ValueError, TypeError, IndexError, OSError) as e:
        raise BadInput(path, f"damaged or incomplete result file ({type(e).__name__}: {e})")
    quantities = {**goals, **metrics}
    for name, values in quantities.items():
        if not np.isfinite(values).all():  # a NaN metric: the test would compare nothing
            raise BadInput(path, f"{name} is not a finite number in every replicate")
    units.update({name: UNITS[name] for name in metrics})
    return Ensemble(path, scenario, quantities, units)


# ---------------------------------------------------------------------------------------------
# The CSV of quantities (the stored reference)


def write_csv(ensemble, out, header_lines=()):
    """One row per replicate, one column per quantity, every number written so that it reads
    back bit for bit; `# key: value` comment lines first (provenance, units)."""
    names = list(ensemble.quantities)
    lines = [f"# {line}" for line in header_lines]
    lines.append(f"# scenario: {ensemble.scenario}")
    lines.append("# units: " + "; ".join(f"{n} {ensemble.units[n]}" for n in names))
    lines.append(",".join(["replicate", *names]))
    for r in range(ensemble.replicates):
        lines.append(",".join([str(r), *(repr(float(ensemble.quantities[n][r]))
                                         for n in names)]))
    pathlib.Path(out).write_text("\n".join(lines) + "\n")


def _csv_header(path, comments):
    """The `# key: value` comments as a dict; scenario and units are required."""
    fields = {}
    for line in comments:
        key, sep, value = line[1:].strip().partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    for key in ("scenario", "units"):
        if key not in fields:
            raise BadInput(path, "neither a clustersim result file nor a quantities CSV "
                                 f"(no '# {key}:' line)")
    units = dict(item.strip().split(" ", 1) for item in fields["units"].split(";")
                 if " " in item.strip())
    return fields, units


def read_csv(path):
    """The quantities of a CSV written by write_csv."""
    try:
        lines = pathlib.Path(path).read_text().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(path, f"cannot read it ({e})")
    comments = [line for line in lines if line.startswith("#")]
    rows = [line for line in lines if line.strip() and not line.startswith("#")]
    fields, units = _csv_header(path, comments)
    if not rows or not rows[0].startswith("replicate,"):
        raise BadInput(path, "no header row starting with 'replicate,'")
    names = rows[0].split(",")[1:]
    table = []
    for number, row in enumerate(rows[1:], start=2):
        cells = row.split(",")
        if len(cells) != len(names) + 1:
            raise BadInput(path, f"data row {number} has {len(cells)} cells, the header "
                                 f"{len(names) + 1}")
        try:
            table.append([float(c) for c in cells[1:]])
        except ValueError as e:
            raise BadInput(path, f"data row {number}: {e}")
    values = np.array(table, dtype=float).reshape(len(table), len(names))
    if not np.isfinite(values).all():
        raise BadInput(path, "a value that is not a finite number")
    quantities = {name: values[:, j] for j, name in enumerate(names)}
    return Ensemble(path, fields["scenario"], quantities,
                    {n: units.get(n, "") for n in names})


def load(path):
    """An ensemble from a result file or a CSV of quantities, told apart by their first bytes."""
    if not os.path.isfile(path):
        raise BadInput(path, "no such file")
    with open(path, "rb") as f:
        start = f.read(18)
    if start.startswith(b"\x89HDF"):
        raise BadInput(path, "an HDF5 file without clustersim's seal, not a clustersim result")
    return read_result(path) if start == b"clustersim seal 1\n" else read_csv(path)


# ---------------------------------------------------------------------------------------------
# The statistics


def two_sample_test(a, b):
    """(statistic, p, note) of a two-sided two-sample Kolmogorov-Smirnov test.

    Why KS and not Anderson-Darling: scipy 1.10's anderson_ksamp clips its p-value to
    [0.001, 0.25], and Holm over 13 quantities needs p < 0.01/13 = 0.00077 to reject anything,
    so it could never reject. ks_2samp gives exact p-values (method 'auto' is exact at these
    sizes). Ties: the counts and 0/1 outcomes are discrete, where KS's p-value (computed as if
    the data were continuous) is conservative: too large, never too small, so ties cost power
    but never raise the false-rejection rate above alpha.

    Constant samples are decided here rather than left to the test: two samples of one and the
    same constant are equal (p = 1); two different constants differ (p = 0), however few the
    replicates, since a constant means the model leaves the quantity to no chance.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    a_constant, b_constant = a.min() == a.max(), b.min() == b.max()
    if a_constant and b_constant:
        if a[0] == b[0]:
            return 0.0, 1.0, f"both constant {a[0]:g}"
        return 1.0, 0.0, f"constants {a[0]:g} and {b[0]:g}"
    result = stats.ks_2samp(a, b, alternative="two-sided", method="auto")
    return float(result.statistic), float(result.pvalue), ""


def holm(pvalues):
    """Holm's step-down adjusted p-values, in the input's order: the i-th smallest of m is
    multiplied by m - i (i from 0), then made non-decreasing and capped at 1. A quantity is
    rejected at family-wise level alpha when its adjusted p is <= alpha. Written here because
    scipy 1.10 has no Holm correction and statsmodels is not a dependency."""
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = p[order] * (m - np.arange(m))
    adjusted = np.minimum(np.maximum.accumulate(scaled), 1.0)
    out = np.empty(m)
    out[order] = adjusted
    return out


def check_comparable(a, b, min_replicates=MIN_REPLICATES):
    """Refuses two ensembles that are not of one scenario or do not hold the same quantities."""
    if a.scenario != b.scenario:
        raise BadInput(b.path, f"scenario '{b.scenario}', but {a.path} is of '{a.scenario}'")
    for one, other in ((a, b), (b, a)):
        extra = [n for n in one.quantities if n not in other.quantities]
        if extra:
            raise BadInput(one.path, f"has {', '.join(extra)}, which {other.path} has not")
        if one.replicates < min_replicates:
            raise BadInput(one.path, f"{one.replicates} replicates; at least {min_replicates} "
                                     "are needed for a meaningful comparison")


def compare(a, b, alpha=FAMILY_ALPHA):
    """One row per quantity (in a's order): name, n per sample, statistic, p, Holm-adjusted p,
    whether it is rejected, and a note."""
    names = list(a.quantities)
    tests = [two_sample_test(a.quantities[n], b.quantities[n]) for n in names]
    adjusted = holm([p for _, p, _ in tests])
    return [{"quantity": name, "n_a": a.replicates, "n_b": b.replicates, "statistic": d,
             "p": p, "p_holm": q, "rejected": bool(q <= alpha), "note": note}
            for name, (d, p, note), q in zip(names, tests, adjusted)]


def format_table(rows, alpha=FAMILY_ALPHA):
    header = (f"{'quantity':<26}{'n_a':>5}{'n_b':>5}{'KS D':>8}{'p':>11}{'Holm p':>11}"
              "  verdict")
    lines = [header]
    for r in rows:
        verdict = f"DIFFERS (Holm p <= {alpha:g})" if r["rejected"] else "same"
        note = f"  [{r['note']}]" if r["note"] else ""
        lines.append(f"{r['quantity']:<26}{r['n_a']:>5}{r['n_b']:>5}{r['statistic']:>8.4f}"
                     f"{r['p']:>11.3g}{r['p_holm']:>11.3g}  {verdict}{note}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# The stored reference


def make_reference(clustersim, out=REFERENCE_CSV, seed=REFERENCE_SEED,
                   replicates=REFERENCE_REPLICATES, threads=2):
    """Runs `clustersim` (the model whose distribution the reference is to hold, i.e. the OLD
    binary when samplers change) on shandong-2015 and writes the quantities' CSV with the
    commit, command and date in its header."""
    with tempfile.TemporaryDirectory() as folder:
        result = pathlib.Path(folder) / "reference.h5"
        command = [os.path.abspath(clustersim), "run", REFERENCE_SCENARIO, "-o", str(result),
                   "--replicates", str(replicates), "--seed", str(seed),
                   "--threads", str(threads), "--quiet"]
        subprocess.run(command, cwd=SOURCE_DIR, check=True, stdout=subprocess.DEVNULL)
        ensemble = read_result(result)
        import h5py
        with h5py.File(result, "r") as f:
            built_from = _text(f.attrs["git_commit"])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=SOURCE_DIR,
                            capture_output=True, text=True).stdout.strip() or "unknown"
    # The command as given, but for the output: a temporary file, removed once read.
    shown = " ".join([str(clustersim), *command[1:4], "OUT.h5", *command[5:]])
    write_csv(ensemble, out, [
        "clustersim statistical-equivalence reference (tests/stats/equivalence.py)",
        f"commit: {commit} (git rev-parse --short HEAD); the binary was built from "
        f"{built_from}",
        f"command: {shown}",
        f"date: {datetime.date.today().isoformat()}",
        "regenerate: /usr/bin/python3 tests/stats/equivalence.py reference --clustersim BIN",
    ])
    return out


# ---------------------------------------------------------------------------------------------
# Command line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("compare", help="test whether two ensembles are the same model")
    p.add_argument("a", help="result file (.h5) or quantities CSV, e.g. the stored reference")
    p.add_argument("b", help="result file (.h5) or quantities CSV")
    p.add_argument("--alpha", type=float, default=FAMILY_ALPHA, help="family-wise alpha")
    p.add_argument("--min-replicates", type=int, default=MIN_REPLICATES)
    p = sub.add_parser("extract", help="write a result file's quantities as CSV")
    p.add_argument("result")
    p.add_argument("-o", "--output", required=True)
    p = sub.add_parser("reference", help="regenerate the stored reference")
    p.add_argument("--clustersim", default=str(SOURCE_DIR / "build" / "bin" / "clustersim"))
    p.add_argument("-o", "--output", default=str(REFERENCE_CSV))
    args = parser.parse_args(argv)
    try:
        if args.command == "compare":
            a, b = load(args.a), load(args.b)
            check_comparable(a, b, args.min_replicates)
            rows = compare(a, b, args.alpha)
            print(f"A: {a.path}\nB: {b.path}\nscenario {a.scenario}; two-sample KS per "
                  f"quantity, Holm over {len(rows)} at family-wise alpha {args.alpha:g}\n")
            print(format_table(rows, args.alpha))
            rejected = [r["quantity"] for r in rows if r["rejected"]]
            print("\n" + (f"DIFFERENT: {', '.join(rejected)}" if rejected
                          else "no quantity differs"))
            return 1 if rejected else 0
        if args.command == "extract":
            write_csv(read_result(args.result), args.output)
        else:
            print(make_reference(args.clustersim, args.output))
        return 0
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
