"""Calibration end to end on the small test world: parameters that made synthetic observations
are recovered (the posterior's 90% intervals hold them, and narrow where the data speaks); a
calibration killed with SIGKILL and started again ends with the same posterior, bit for bit, as
one never stopped, whatever the thread count; bad calibration files are refused with exit code
2, naming file, line, column and key, before any run."""
import json
import re
import os
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import EXECUTABLE, SOURCE_DIR, clustersim
from h5compare import assert_same_dataset, datasets

SMALL = SOURCE_DIR / "tests" / "data" / "small.yaml"

# The truth the synthetic observations come from: the small world's own settings.
TRUTH = {"firm.patent_scale": 0.12, "firm.rd_share.backbone": 0.02,
         "firm.max_investment_rate": 0.05}
# Identified by the targets: patents and R&D levels. The investment rate moves only output
# growth, which two years of a three-cluster world pin down loosely.
IDENTIFIED = ("firm.patent_scale", "firm.rd_share.backbone")

CALIBRATION = """\
description: Recover three parameters of the small test world from synthetic observations
base: {base}
seed: 11
parameters:
  firm.patent_scale: {{prior: log_uniform, min: 0.03, max: 0.5}}
  firm.rd_share.backbone: {{prior: uniform, min: 0.005, max: 0.05}}
  firm.max_investment_rate: {{prior: normal, mean: 0.06, sd: 0.03, min: 0.01, max: 0.15}}
observations:
  file: observed.csv
  map:
    patents: {{model: "sum(patents_granted, YEAR)", compare: level}}
    rd: {{model: "sum(rd_spend, YEAR)", compare: level}}
    output: {{model: "mean(output_value, YEAR)", compare: growth}}
  exclude:
    leverage: not a quantity of the model
method:
  population: {population}
  max_generations: {generations}
  max_runs: 20000
  max_moves: 3
"""


def yearly(ds, metric, year, how):
    labels = [label.decode() for label in ds["coords/time_label"][:]]
    steps = [i for i, label in enumerate(labels) if label.startswith(str(year))]
    values = ds[f"metrics/{metric}"][:, steps, :].sum(axis=2)  # [replicate, quarter]
    return values.sum(axis=1) if how == "sum" else values.mean(axis=1)


@pytest.fixture(scope="module")
def observed(tmp_path_factory):
    """Observations of the small world at TRUTH: means of 16 replicates under another seed than
    any calibration run uses, with confidence flags for their errors."""
    folder = tmp_path_factory.mktemp("truth")
    out = folder / "truth.h5"
    done = clustersim("run", SMALL, "--set", "run.replicates=16", "--set", "run.seed=99", "-q",
                      "-o", out)
    assert done.returncode == 0, done.stderr
    rows = ["series,scope,year,value,unit,kind,source,confidence,se,note"]
    with h5py.File(out, "r") as ds:
        for year in (2014, 2015, 2016):
            rows.append(f"patents,small,{year},{yearly(ds, 'patents_granted', year, 'sum').mean()!r},"
                        "patents/year,flow,synthetic,M,,")
            rows.append(f"rd,small,{year},{yearly(ds, 'rd_spend', year, 'sum').mean()!r},"
                        "yuan/year,flow,synthetic,H,,")
        for year in (2014, 2016):
            rows.append(f"output,small,{year},{yearly(ds, 'output_value', year, 'mean').mean()!r},"
                        "yuan/year,flow,synthetic,H,,")
    rows.append("output,small,2013,1e12,yuan/year,flow,before the run,H,,")
    rows.append("leverage,small,2010,5.7,1,level,elsewhere,M,,")
    csv = folder / "observed.csv"
    csv.write_text("\n".join(rows) + "\n")
    return csv


def write_calibration(folder, observed, population=100, generations=8, text=None):
    (folder / "observed.csv").write_text(observed.read_text())
    path = folder / "cal.yaml"
    path.write_text(text if text is not None else
                    CALIBRATION.format(base=SMALL, population=population, generations=generations))
    return path


@pytest.fixture(scope="module")
def recovered(tmp_path_factory, observed):
    folder = tmp_path_factory.mktemp("recovery")
    cal = write_calibration(folder, observed)
    out = folder / "posterior.h5"
    done = clustersim("calibrate", cal, "-o", out, "--threads", "1")
    assert done.returncode == 0, done.stderr
    report = clustersim("posterior", out, "--json")
    assert report.returncode == 0, report.stderr
    return cal, out, json.loads(report.stdout), done.stderr


def test_the_truth_is_inside_every_90_percent_interval(recovered):
    _, _, report, _ = recovered
    found = {p["name"]: p for p in report["parameters"]}
    assert set(found) == set(TRUTH)
    for name, truth in TRUTH.items():
        low, high = found[name]["interval_90"]
        assert low <= truth <= high, f"{name}: {truth} outside {low} to {high}"


def test_identified_parameters_shrink(recovered):
    _, _, report, _ = recovered
    for p in report["parameters"]:
        if p["name"] in IDENTIFIED:
            assert p["shrinkage"] < 0.5, p
            assert not p["weakly_identified"], p


def test_the_fit_and_the_schedule_are_recorded(recovered):
    _, out, report, stderr = recovered
    # Level targets per year, growth 2016 over 2014; 2013 and the excluded series are reported.
    assert [f["target"] for f in report["fit"]] == [
        "output 2016/2014", "patents 2014", "patents 2015", "patents 2016", "rd 2014", "rd 2015",
        "rd 2016"]
    assert "output 2013: outside the run's years" in stderr
    assert "leverage 2010: excluded: not a quantity of the model" in stderr
    for f in report["fit"]:
        assert abs(f["z"]) < 2, f
    with h5py.File(out, "r") as f:
        assert f.attrs["filetype"] == "clustersim-calibration"
        tolerances = [f[f"generations/{g}/tolerance"][0] for g in sorted(f["generations"])]
        assert np.isinf(tolerances[0]) and all(np.diff(tolerances[1:]) < 0), tolerances
        assert np.isclose(f["posterior/weights"][:].sum(), 1.0)
        assert (f["posterior/distances"][:] <= tolerances[-1]).all()


def run_until(args, folder, marker, timeout=120):
    """Starts clustersim and kills it with SIGKILL once `marker` appears in `folder`."""
    proc = subprocess.Popen([str(EXECUTABLE), *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    start = time.monotonic()
    while not (folder / marker).exists():
        if proc.poll() is not None:
            pytest.fail(f"clustersim ended (exit {proc.returncode}) before {marker} appeared")
        if time.monotonic() - start > timeout:
            proc.kill()
            pytest.fail(f"{marker} did not appear in {timeout} s")
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def assert_same_calibration(left, right):
    with h5py.File(left, "r") as a, h5py.File(right, "r") as b:
        for group in ("generations", "posterior", "pilot", "targets", "parameters"):
            x, y = datasets(a[group], f"/{group}/"), datasets(b[group], f"/{group}/")
            assert x.keys() == y.keys() and x, group
            for name in x:
                assert_same_dataset(name, x[name], y[name])


def test_a_killed_calibration_resumes_to_the_same_posterior_on_more_threads(
        recovered, tmp_path, observed):
    _, reference, _, _ = recovered
    cal = write_calibration(tmp_path, observed)
    out = tmp_path / "resumed.h5"
    folder = tmp_path / "resumed.h5.d"
    # Killed once inside generation 1 (a batch done, the generation not), then again later.
    run_until(["calibrate", cal, "-o", out, "--threads", "2", "-q"], folder,
              "gen-001-batch-000.h5")
    assert not out.exists()
    run_until(["calibrate", cal, "-o", out, "--threads", "2", "-q"], folder, "gen-003.h5")
    done = clustersim("calibrate", cal, "-o", out, "--threads", "2")
    assert done.returncode == 0, done.stderr
    assert not folder.exists(), "the work folder outlived the result"
    assert_same_calibration(reference, out)


def test_resuming_with_a_changed_file_is_refused(tmp_path, observed):
    cal = write_calibration(tmp_path, observed, population=20, generations=3)
    out = tmp_path / "out.h5"
    run_until(["calibrate", cal, "-o", out, "-q"], tmp_path / "out.h5.d", "pilot.h5")
    cal.write_text(cal.read_text().replace("seed: 11", "seed: 12"))
    done = clustersim("calibrate", cal, "-o", out)
    assert done.returncode == 2, done.stderr
    assert "holds a calibration of another file or data" in done.stderr
    assert not out.exists()


BAD = [
    ("unknown parameter",
     ("  firm.patent_scale: {prior: log_uniform, min: 0.03, max: 0.5}",
      "  firm.patent_scales: {prior: log_uniform, min: 0.03, max: 0.5}"),
     r"cal\.yaml:5:3: error: key 'parameters\.firm\.patent_scales': unknown setting "
     r"'firm\.patent_scales'; did you mean 'firm\.patent_scale'\?"),
    ("prior outside the schema's range",
     ("min: 0.005, max: 0.05", "min: 0.005, max: 1.5"),
     r"cal\.yaml:6:61: error: key 'parameters\.firm\.rd_share\.backbone\.max': 1\.5 is outside "
     r"the range of 'firm\.rd_share\.backbone', \[0, 1\]"),
    ("a parameter that is not a number setting",
     ("  firm.max_investment_rate: {prior: normal",
      "  firm.exit_loss_quarters: {prior: uniform, min: 1, max: 5}\n"
      "  firm.max_investment_rate: {prior: normal"),
     r"cal\.yaml:7:3: error: key 'parameters\.firm\.exit_loss_quarters': "
     r"'firm\.exit_loss_quarters' is a integer setting; only number settings can be calibrated"),
    ("an observation with no mapping",
     ("  exclude:\n    leverage: not a quantity of the model\n", ""),
     r"observed\.csv:\d+:1: error: key 'series': series 'leverage' has no mapping"),
    ("a mapping naming an unknown metric",
     ('sum(rd_spend, YEAR)', 'sum(rd_spending, YEAR)'),
     r"cal\.yaml:12:17: error: key 'model': target 'rd 2014', expression "
     r"'sum\(rd_spending, 2014\)', column 5: no metric 'rd_spending'"),
    ("a base scenario that fails validation",
     ("seed: 11\n", "seed: 11\nset: {firm.innovation_support: -1}\n"),
     r"cal\.yaml:4:\d+: error: key 'firm\.innovation_support'"),
    ("a population too large for memory",
     ("population: 100\n", "population: 100000\n"),
     ("seed: 11\n", "seed: 11\nreplicates: 1000\n"),
     r"key 'method\.population': a generation of 100000 particles x 1000 replicates"),
    ("a budget smaller than the first generation",
     ("max_runs: 20000", "max_runs: 115"),
     r"cal\.yaml:19:13: error: key 'method\.max_runs': 115 runs cannot complete the pilot \(16\) "
     r"and the first generation \(100\)"),
]


@pytest.mark.parametrize("bad", BAD, ids=[b[0] for b in BAD])
def test_bad_calibration_files_are_refused_before_any_run(tmp_path, observed, bad):
    name, *changes, message = bad
    text = CALIBRATION.format(base=SMALL, population=100, generations=6)
    for old, new in changes:
        assert old in text, name
        text = text.replace(old, new)
    cal = write_calibration(tmp_path, observed, text=text)
    out = tmp_path / "out.h5"
    done = clustersim("calibrate", cal, "-o", out)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr

    assert re.search(message, done.stderr), done.stderr
    assert not out.exists() and not (tmp_path / "out.h5.d").exists()
    checked = clustersim("validate", cal)
    assert checked.returncode == 2 and re.search(message, checked.stderr), checked.stderr


def test_validate_checks_a_calibration_file_and_run_refuses_it(tmp_path, observed):
    cal = write_calibration(tmp_path, observed)
    done = clustersim("validate", cal)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r".*cal\.yaml: valid calibration \(3 parameters, \d+ targets fitted, "
                        r"0 held out, population 100\)\n", done.stdout), done.stdout
    refused = clustersim("run", cal, "-o", tmp_path / "out.h5")
    assert refused.returncode == 2
    assert "is a calibration file (it has parameters:); run it with clustersim calibrate" \
        in refused.stderr
    assert not (tmp_path / "out.h5").exists()


@pytest.mark.parametrize("cell,message", [
    ("-3", r"observed\.csv:\d+:9: error: key 'se': a standard error cannot be negative"),
    ("nan", r"observed\.csv:\d+:9: error: key 'se': 'nan' is not a number"),
])
def test_bad_uncertainties_are_refused(tmp_path, observed, cell, message):
    cal = write_calibration(tmp_path, observed)
    lines = (tmp_path / "observed.csv").read_text().splitlines()
    lines[1] = lines[1].replace(",M,,", f",M,{cell},")
    (tmp_path / "observed.csv").write_text("\n".join(lines) + "\n")
    done = clustersim("calibrate", cal, "-o", tmp_path / "out.h5")
    assert done.returncode == 2, done.stderr

    assert re.search(message, done.stderr), done.stderr


def test_a_calibrated_scenario_draws_each_replicate_from_the_posterior(recovered, tmp_path):
    _, posterior, _, _ = recovered
    scenario = tmp_path / "calibrated.yaml"
    scenario.write_text(f"extends: {SMALL}\ncalibration:\n  file: {posterior}\n")
    one, two, plain = tmp_path / "one.h5", tmp_path / "two.h5", tmp_path / "plain.h5"
    done = clustersim("run", scenario, "-o", one, "--threads", "1", "--compare", SMALL)
    assert done.returncode == 0, done.stderr
    assert "parameter uncertainty: each replicate, and its counterfactual, runs with one " \
           f"particle drawn from the posterior of {posterior} (3 settings: firm.patent_scale, " \
           "firm.rd_share.backbone, firm.max_investment_rate;" in done.stdout
    assert clustersim("run", scenario, "-o", two, "--threads", "2", "-q").returncode == 0
    assert clustersim("run", SMALL, "-o", plain, "-q").returncode == 0
    with h5py.File(one, "r") as a, h5py.File(two, "r") as b, h5py.File(plain, "r") as c:
        # The same draws whatever the threads; other settings than the plain scenario's; and
        # the counterfactual (the plain scenario) drew the same particles, so it equals the run.
        for name in ("patents_granted", "rd_spend", "output_value"):
            x = a[f"metrics/{name}"][()]
            assert x.tobytes() == b[f"metrics/{name}"][()].tobytes(), name
            assert x.tobytes() == a[f"counterfactual/metrics/{name}"][()].tobytes(), name
            assert not np.array_equal(x, c[f"metrics/{name}"][()]), name
        # Each replicate's draw is recorded, and the draws come from the posterior's particles.
        drawn = [s.decode() if isinstance(s, bytes) else s for s in a["replicate_settings"][()]]
        with h5py.File(posterior, "r") as p:
            names = [n.decode() for n in p["parameters/name"][()]]
            particles = p["posterior/parameters"][()]
        assert len(drawn) == a["metrics/rd_spend"].shape[0]
        for lines in drawn:
            values = dict(line.split("=") for line in lines.split("\n"))
            assert list(values) == names
            row = np.array([float(values[n]) for n in names])
            assert (particles == row).all(axis=1).any(), row
        assert len(set(drawn)) > 1, "every replicate drew the same particle"


def test_a_base_that_draws_from_a_calibration_cannot_be_calibrated(recovered, tmp_path,
                                                                   observed):
    _, posterior, _, _ = recovered
    base = tmp_path / "calibrated.yaml"
    base.write_text(f"extends: {SMALL}\ncalibration:\n  file: {posterior}\n")
    text = CALIBRATION.format(base=base, population=20, generations=2)
    cal = write_calibration(tmp_path, observed, text=text)
    done = clustersim("calibrate", cal, "-o", tmp_path / "out.h5")
    assert done.returncode == 2, done.stderr
    assert "key 'base': the base scenario draws its settings from a calibration" in done.stderr


SMALL_CALIBRATION = {"population": 30, "generations": 3}


@pytest.fixture(scope="module")
def small_local(tmp_path_factory, observed):
    folder = tmp_path_factory.mktemp("placements")
    cal = write_calibration(folder, observed, **SMALL_CALIBRATION)
    out = folder / "local.h5"
    done = clustersim("calibrate", cal, "-o", out, "-q")
    assert done.returncode == 0, done.stderr
    return cal, out


@pytest.mark.parametrize("ranks", [2, 3])
def test_mpi_ranks_give_the_local_posterior(small_local, tmp_path, ranks):
    from test_sweep import mpirun
    cal, local = small_local
    out = tmp_path / "mpi.h5"
    done = mpirun(ranks, "calibrate", cal, "-o", out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.count("wrote ") == 1, "only rank 0 writes and reports"
    assert_same_calibration(local, out)


def test_shards_and_steps_give_the_local_posterior(small_local, tmp_path):
    cal, local = small_local
    out = tmp_path / "array.h5"
    for _ in range(20):  # pilot, then two batches a generation at most here
        for k in range(3):
            done = clustersim("calibrate", cal, "-o", out, "--shard", f"{k}/3")
            assert done.returncode == 0, done.stderr
            if out.exists():
                break
        done = clustersim("calibrate", cal, "-o", out, "--step")
        assert done.returncode == 0, done.stderr
        if out.exists():
            break
        assert "needs its runs next" in done.stderr
    assert out.exists()
    assert not (tmp_path / "array.h5.d").exists()
    assert_same_calibration(local, out)


def test_a_step_runs_what_a_shard_left_undone(small_local, tmp_path):
    cal, local = small_local
    out = tmp_path / "gaps.h5"
    while not out.exists():
        # Only shard 0 of 2 ever runs: every step runs the other half itself.
        assert clustersim("calibrate", cal, "-o", out, "--shard", "0/2", "-q").returncode == 0
        assert clustersim("calibrate", cal, "-o", out, "--step", "-q").returncode == 0
    assert_same_calibration(local, out)


FACTS_CALIBRATION = """\
description: Fit the small world's productivity spread, a stylized fact of its firms
base: {base}
seed: 5
parameters:
  firm.max_investment_rate: {{prior: uniform, min: 0.01, max: 0.15}}
targets:
  - {{name: dispersion, model: "fact({fact})", value: 1.6, se: 0.1, source: synthetic}}
  - {{name: patents, model: "sum(patents_granted, 2015)", value: 100, se: 30, source: synthetic}}
method:
  population: 20
  max_generations: 2
"""


def test_a_target_can_be_a_stylized_fact_of_the_firms(tmp_path, observed):
    cal = write_calibration(tmp_path, observed, text=FACTS_CALIBRATION.format(
        base=SMALL, fact="productivity_90_10"))
    out = tmp_path / "out.h5"
    done = clustersim("calibrate", cal, "-o", out, "-q")
    assert done.returncode == 0, done.stderr
    report = json.loads(clustersim("posterior", out, "--json").stdout)
    fit = {f["target"]: f for f in report["fit"]}
    # The 90:10 productivity ratio of a few hundred firms is a number above 1 in every run.
    assert fit["dispersion"]["observed"] == 1.6
    low, high = fit["dispersion"]["model_interval_90"]
    assert 1 < low <= high < 10, fit


def test_an_unknown_stylized_fact_is_refused_with_the_valid_ones(tmp_path, observed):
    cal = write_calibration(tmp_path, observed, text=FACTS_CALIBRATION.format(
        base=SMALL, fact="size_tail"))
    for command in ("validate", "calibrate"):
        done = clustersim(command, cal, "-o", tmp_path / "out.h5") if command == "calibrate" \
            else clustersim(command, cal)
        assert done.returncode == 2, done.stderr
        assert re.search(r"cal\.yaml:7:\d+: error: key 'model': target 'dispersion', .*"
                         r"no fact 'size_tail'; facts are size_tail_exponent, growth_sd, ", done.stderr), done.stderr
    assert not (tmp_path / "out.h5").exists()
