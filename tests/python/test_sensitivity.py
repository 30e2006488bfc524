"""Sensitivity analysis from Python: the engine's Saltelli design and Sobol estimators through
cs.sensitivity (Ishigami), outcome expressions evaluated by the engine on a Dataset in memory
against hand-computed values and against its evaluation of the same file, the plot, and the
errors."""
import math
import shutil

import matplotlib

matplotlib.use("Agg")

import h5py  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import PACKAGE_BUILT, PYTHON_DIR, sealed_h5  # noqa: E402

if not PACKAGE_BUILT:
    pytest.skip(f"the Python package is not built in {PYTHON_DIR}", allow_module_level=True)

import xarray as xr  # noqa: E402

import clustersim as cs  # noqa: E402
from clustersim import _core  # noqa: E402
from clustersim._sensitivity import evaluate_outcome  # noqa: E402

SETTINGS = ["x1", "x2", "x3"]


def ishigami_truth(a=7.0, b=0.1):
    """Analytic indices (Ishigami & Homma 1990): V1, V2 and V13 are the only partial variances."""
    v1 = 0.5 * (1 + b * math.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * math.pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def saltelli_dataset(settings, base_samples, lo=0.0, hi=1.0, method="saltelli"):
    """A sweep Dataset as cs.load gives it, without metrics: the design's settings along
    point."""
    design = lo + (hi - lo) * _core.saltelli_design(len(settings), base_samples)
    coords = {"point": np.arange(design.shape[0])}
    coords.update({name: ("point", design[:, i]) for i, name in enumerate(settings)})
    attrs = {"sweep_method": method, "sweep_settings": list(settings),
             "sweep_base_samples": base_samples}
    return xr.Dataset(coords=coords, attrs=attrs)


def test_the_core_design_has_one_block_per_base_sample():
    design = _core.saltelli_design(3, 16)
    assert design.shape == (16 * 5, 3)
    assert ((design >= 0) & (design < 1)).all()
    blocks = design.reshape(16, 5, 3)
    a, b = blocks[:, 0], blocks[:, 4]
    for i in range(3):
        expected = a.copy()
        expected[:, i] = b[:, i]
        np.testing.assert_array_equal(blocks[:, 1 + i], expected)
    with pytest.raises(ValueError, match="at least one factor"):
        _core.saltelli_design(0, 16)


def test_ishigami_through_the_python_path():
    n = 4096
    ds = saltelli_dataset(SETTINGS, n, -math.pi, math.pi)
    x1, x2, x3 = (ds[name] for name in SETTINGS)
    y = np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3 ** 4 * np.sin(x1)
    df = cs.sensitivity(ds, y.rename("ishigami"), bootstrap=500, seed=1)
    assert list(df.columns) == ["S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]
    assert list(df.index) == ["x1", "x2", "x3"]  # ranked by ST: 0.558, 0.442, 0.244
    assert df.index.name == "setting"
    first, total = ishigami_truth()
    # The same bound as tests/unit/sobol_test.cpp (measured errors are below 0.001).
    np.testing.assert_allclose(df.loc[SETTINGS, "S1"], first, atol=0.01)
    np.testing.assert_allclose(df.loc[SETTINGS, "ST"], total, atol=0.01)
    assert (df["S1_low"] <= df["S1"]).all() and (df["S1"] <= df["S1_high"]).all()
    assert (df.loc[SETTINGS, "ST_low"] <= total).all()
    assert (total <= df.loc[SETTINGS, "ST_high"]).all()
    assert df.attrs["outcome"] == "ishigami"
    assert df.attrs["variance"] == pytest.approx(13.8446, rel=0.01)
    assert df.attrs["base_samples"] == n and df.attrs["bootstrap"] == 500

    # One implementation: the DataFrame holds exactly what the engine's estimator returns.
    r = _core.sobol_indices(y.values, 3, n, bootstrap=500, confidence=0.95, seed=1)
    np.testing.assert_array_equal(df.loc[SETTINGS, "ST_low"], r["total_low"])
    np.testing.assert_array_equal(df.loc[SETTINGS, "S1"], r["first"])
    # Per replicate: averaged over replicates first.
    twice = xr.concat([y, y], dim="replicate").transpose("point", "replicate")
    np.testing.assert_array_equal(cs.sensitivity(ds, twice, bootstrap=500, seed=1), df)


# --- outcome expressions on a small sweep file ----------------------------------------------

RUNS, REPLICATES, STEPS, CLUSTERS = 2, 2, 8, 2
LABELS = [f"{2019 + t // 4}Q{t % 4 + 1}" for t in range(STEPS)]


def output_values():
    """1000 run + 100 replicate + 10 step + cluster, as in tests/unit/outcome_test.cpp."""
    run, rep, step, cluster = np.meshgrid(np.arange(RUNS), np.arange(REPLICATES),
                                          np.arange(STEPS), np.arange(CLUSTERS), indexing="ij")
    return (1000.0 * run + 100.0 * rep + 10.0 * step + cluster).astype(np.float64)


def write_sweep(path, method="grid", settings=("policy.a",), base_samples=None, output=None,
                met=None, point="point"):
    """A sweep result file in the layout `clustersim sweep` writes (netCDF-style dimension
    scales at the root). By default it holds the values of tests/unit/outcome_test.cpp; else
    ``output`` [point, replicate, time, cluster] sets the points, and every goal is met.
    ``point="run"`` writes the layout of sweep schema 1.2 and older."""
    if output is None:
        output = output_values()
        met = [[[1, 0], [0, 0]], [[1, 1], [-1, 1]]]  # G2 undecided at point 1, replicate 0
        value = [[[3, 5], [1, 2]], [[6, 8], [np.nan, 4]]]
        cost = [[[1e9, 3e9], [1e9, 1e9]], [[2e9, 2e9], [np.nan, 1e9]]]
    else:
        met = np.ones((output.shape[0], 2, REPLICATES))
        value = cost = np.zeros_like(met)
    runs = output.shape[0]
    with sealed_h5(path, "w") as f:
        f.attrs["filetype"] = "clustersim-result"
        f.attrs["schema_version"] = np.array([1, 1], dtype=np.int64)
        f.attrs["sweep_method"] = method
        f.attrs.create("sweep_settings", list(settings), dtype=h5py.string_dtype())
        if base_samples is not None:
            f.attrs["sweep_base_samples"] = np.int64(base_samples)
        f.attrs["replicates"] = np.int64(REPLICATES)
        text = h5py.string_dtype()
        scales = {
            point: f.create_dataset(point, data=np.arange(runs, dtype=np.int64)),
            "replicate": f.create_dataset("replicate", data=np.arange(REPLICATES, dtype=np.int64)),
            "time": f.create_dataset("time", data=2019.25 + 0.25 * np.arange(STEPS)),
            "cluster": f.create_dataset("cluster", data=["alpha", "beta"], dtype=text),
            "goal": f.create_dataset("goal", data=["G1", "G2"], dtype=text),
        }
        for name, scale in scales.items():
            scale.make_scale(name)

        def attach(dataset, dims):
            for axis, dim in enumerate(dims):
                dataset.dims[axis].attach_scale(scales[dim])
            return dataset

        attach(f.create_dataset("coords/time_label", data=LABELS, dtype=text), ["time"])
        for i, name in enumerate(settings):
            attach(f.create_dataset(f"coords/{point}/{name}", data=np.arange(runs) + i), [point])
        metric_dims = [point, "replicate", "time", "cluster"]
        for name, values in (("output", output), ("patents", np.zeros_like(output))):
            metric = f.create_dataset(f"metrics/{name}", data=values)
            attach(metric, metric_dims)
            metric.attrs["kind"] = "flow"  # how sum() adds it up (an amount per quarter)
        goal_dims = [point, "goal", "replicate"]
        attach(f.create_dataset("goals/met", data=np.array(met, dtype=np.int8)), goal_dims)
        attach(f.create_dataset("goals/value_at_deadline", data=np.array(value)), goal_dims)
        attach(f.create_dataset("goals/first_met", data=np.array(value)), goal_dims)
        attach(f.create_dataset("goals/cost_to_deadline", data=np.array(cost)), goal_dims)
        f.create_dataset("goals/target", data=[5.0, 15.0])
        f.create_dataset("goals/deadline", data=[2021.0, 2021.0])
    return path


@pytest.fixture()
def sweep_file(tmp_path):
    return write_sweep(tmp_path / "sweep.h5")


EXPECTED = {
    "G1": [0.5, 1.0],
    "G1.value": [4.0, 7.0],
    "G1.cost": [2e9, 2e9],
    "sum(output)": [1368.0, 17368.0],
    "sum(output, 2020Q4)": [241.0, 2241.0],
    "sum(output, 2020)": [844.0, 8844.0],
    "sum(output, 2019Q3:2020Q2)": [684.0, 8684.0],
    " sum ( output , 2019q3 : 2020Q2 ) ": [684.0, 8684.0],
    "sum(output, 2019:2020)": [1368.0, 17368.0],
    "mean(output, 2020)": [211.0, 2211.0],
    "mean(output)": [171.0, 2171.0],
    "clusters(output >= 71, 2020Q4)": [1.5, 2.0],
    "clusters(output>=1.71e2,2020Q4)": [0.5, 2.0],
    "clusters(output >= 285)": [1.5, 2.0],
    "sum(patents)": [0.0, 0.0],
}


@pytest.mark.parametrize("expression", list(EXPECTED))
def test_expressions_match_hand_values_and_the_engine(sweep_file, expression):
    ds = cs.load(sweep_file)
    assert ds["output"].dims == ("point", "replicate", "time", "cluster")
    assert ds["goal_met"].dims == ("point", "goal", "replicate")
    ours = evaluate_outcome(ds, expression)
    np.testing.assert_allclose(ours, EXPECTED[expression], rtol=1e-12)
    np.testing.assert_allclose(ours, _core.evaluate_outcome(str(sweep_file), expression),
                               rtol=1e-12)


def test_an_older_sweep_files_run_dimension_is_read_as_point(tmp_path):
    """Sweep schema 1.2 and older called the design-point dimension `run` (/run, /coords/run):
    cs.load names it `point`, and the engine reads it, with the same numbers."""
    old = write_sweep(tmp_path / "old.h5", point="run")
    ds = cs.load(old)
    assert ds["output"].dims == ("point", "replicate", "time", "cluster")
    assert ds["policy.a"].dims == ("point",)
    for expression, expected in EXPECTED.items():
        np.testing.assert_allclose(evaluate_outcome(ds, expression), expected, rtol=1e-12)
        np.testing.assert_allclose(_core.evaluate_outcome(str(old), expression), expected,
                                   rtol=1e-12)


@pytest.mark.parametrize("expression, column, detail", [
    ("G2", 1, "goal G2 is undecided at point 1 (replicate 0): the run ends before the goal's "
              "deadline"),
    ("  G2.value", 3, "goal G2 is undecided at point 1 (replicate 0)"),
    ("G9", 1, "no goal 'G9'; goals are G1, G2"),
    ("G1.price", 4, "no goal field 'price'; fields are value and cost"),
    ("sum(revenue)", 5, "no metric 'revenue'; metrics are output, patents"),
    ("median(output)", 1, "no function 'median'; functions are sum, mean, end, clusters and fact"),
    ("output", 1, "'output' is a metric: use sum(output)"),
    ("sum(output, 2021Q1)", 13, "no quarter 2021Q1: the sweep runs from 2019Q1 to 2020Q4"),
    ("sum(output, 2018)", 13, "the year 2018 is not wholly in the sweep"),
    ("sum(output, 2020Q4:2019Q1)", 13, "the period 2020Q4:2019Q1 ends before it starts"),
    ("sum(output, 2020Q5)", 13, "expected a year (2020) or a quarter (2020Q4), found '2020Q5'"),
    ("sum(output", 11, "expected ')' to close sum(, found the end"),
    ("sum(output) x", 13, "unexpected 'x' after the outcome"),
    ("clusters(output > 5)", 17, "expected '>=' after the metric"),
    ("clusters(output >= inf)", 20, "expected a finite number such as 100e9, found 'i'"),
    ("", 1, "the outcome is empty"),
])
def test_expression_errors_match_the_engine(sweep_file, expression, column, detail):
    ds = cs.load(sweep_file)
    with pytest.raises(cs.ScenarioError) as python_error:
        evaluate_outcome(ds, expression)
    message = f"--outcome:1:{column}: error: key '--outcome': {detail}"
    assert message in str(python_error.value)
    assert (python_error.value.column, python_error.value.key) == (column, "--outcome")
    with pytest.raises(cs.ScenarioError) as engine_error:
        _core.evaluate_outcome(str(sweep_file), expression)
    assert message in str(engine_error.value)


def test_a_sweep_without_metrics_names_the_missing_metric(sweep_file, tmp_path):
    """Found by result_fuzz: with no metrics a name is not checked as it is parsed, and asking
    for its kind failed outside the error path (C++: std::out_of_range, exit 1)."""
    ds = cs.load(sweep_file).drop_vars(["output", "patents"])
    with pytest.raises(ValueError, match="no metric 'output'; the dataset holds no metrics"):
        evaluate_outcome(ds, "sum(output)")
    bare = tmp_path / "bare.h5"
    shutil.copy(sweep_file, bare)
    with sealed_h5(bare) as f:
        del f["metrics"]
    with pytest.raises(cs.ScenarioError, match="no metric 'output'; the file holds no metrics"):
        _core.evaluate_outcome(str(bare), "sum(output)")



def test_outcomes_in_memory_follow_dimension_names_and_name_what_is_missing(sweep_file):
    ds = cs.load(sweep_file)
    shuffled = ds.transpose("cluster", "time", "goal", "replicate", "point")
    for expression in ("sum(output, 2020)", "G1.value", "clusters(output >= 71, 2020Q4)"):
        np.testing.assert_array_equal(evaluate_outcome(shuffled, expression),
                                      EXPECTED[expression])
    # A Dataset cut to some replicates has the outcome of those.
    np.testing.assert_array_equal(evaluate_outcome(ds.isel(replicate=[1]), "G1"), [0.0, 1.0])
    with pytest.raises(cs.ScenarioError, match="the dataset has no goal_cost_to_deadline"):
        evaluate_outcome(ds.drop_vars("goal_cost_to_deadline"), "G1.cost")
    with pytest.raises(ValueError, match="no replicate dimension"):
        evaluate_outcome(ds.isel(replicate=0), "G1")
    table = _core.SweepTable(points=2, replicates=2, steps=8, clusters=3, time_labels=LABELS,
                             goal_ids=[], metric_names=["output"],
                             metric=lambda name: ds[name].values, goal_field=lambda f: None,
                             metric_kind=lambda name: ("flow", ""))
    with pytest.raises(ValueError, match="metric output has 64 values; the sweep's shape "
                                         "needs 96"):
        _core.evaluate_outcome(table, "sum(output)")
    with pytest.raises(ValueError, match="7 time labels for 8 steps"):
        _core.SweepTable(points=2, replicates=2, steps=8, clusters=2, time_labels=LABELS[1:],
                         goal_ids=[], metric_names=[], metric=print, goal_field=print,
                         metric_kind=print)

def test_sensitivity_refuses_what_is_not_a_saltelli_sweep(sweep_file):
    with pytest.raises(ValueError, match="not a saltelli sweep \\(its method is 'grid'\\)"):
        cs.sensitivity(cs.load(sweep_file), "G1")
    with pytest.raises(ValueError, match="not a sweep"):
        cs.sensitivity(xr.Dataset(), "G1")
    short = saltelli_dataset(SETTINGS, 8).isel(point=slice(0, 39))
    with pytest.raises(ValueError, match="8 base samples and 3 settings has 40 points, the "
                                         "dataset has 39"):
        cs.sensitivity(short, short["x1"])


def test_sensitivity_refuses_bad_outcomes():
    ds = saltelli_dataset(SETTINGS, 8)
    with pytest.raises(ValueError, match=r"dims \(point,\) or \(point, replicate\)"):
        cs.sensitivity(ds, ds["x1"].expand_dims(cluster=2))
    with pytest.raises(TypeError, match="expression"):
        cs.sensitivity(ds, 3.0)
    missing = ds["x1"].where(ds["x1"] < 0.8)
    with pytest.raises(ValueError, match="not finite at .* point"):
        cs.sensitivity(ds, missing)
    with pytest.raises(ValueError, match="does not vary"):
        cs.sensitivity(ds, xr.zeros_like(ds["x1"]))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        cs.sensitivity(ds, ds["x1"], confidence=1.5)
    with pytest.raises(ValueError, match="time_label"):
        cs.sensitivity(ds, "G1")


def test_indices_of_an_expression_match_the_engines_path(tmp_path):
    # A saltelli sweep of 2 settings and 128 base samples (512 points) whose output in every
    # quarter and cluster is x1 + 2 x2, plus 0.01 per replicate.
    n, settings = 128, ["policy.a", "policy.b"]
    design = _core.saltelli_design(2, n)
    per_run = design[:, 0] + 2 * design[:, 1]
    output = (per_run[:, None, None, None] + 0.01 * np.arange(REPLICATES)[None, :, None, None]
              + np.zeros((1, 1, STEPS, CLUSTERS)))
    path = write_sweep(tmp_path / "saltelli.h5", method="saltelli", settings=settings,
                       base_samples=n, output=output)
    df = cs.sensitivity(cs.load(path), "sum(output, 2020)", bootstrap=200, seed=5)
    assert list(df.index) == ["policy.b", "policy.a"]
    assert df.attrs["outcome"] == "sum(output, 2020)"
    # What `clustersim sensitivity` does: the engine's outcome, then the engine's estimator.
    engine = _core.sobol_indices(_core.evaluate_outcome(str(path), "sum(output, 2020)"), 2, n,
                                 bootstrap=200, confidence=0.95, seed=5)
    np.testing.assert_allclose(df.loc[settings, "S1"], engine["first"], rtol=1e-12)
    np.testing.assert_allclose(df.loc[settings, "ST_high"], engine["total_high"], rtol=1e-12)
    # Additive: S_i = S_Ti = a_i^2 / (1 + 4); measured errors at 128 base samples are below
    # 0.025 (0.199 and 0.822 for S1, 0.206 and 0.820 for ST).
    np.testing.assert_allclose(df.loc[settings, "S1"], [0.2, 0.8], atol=0.05)
    np.testing.assert_allclose(df.loc[settings, "ST"], [0.2, 0.8], atol=0.05)


# --- the plot --------------------------------------------------------------------------------

def test_plot_ranks_bars_with_intervals():
    ds = saltelli_dataset(SETTINGS, 256, -math.pi, math.pi)
    x1, x2, x3 = (ds[name] for name in SETTINGS)
    df = cs.sensitivity(ds, (np.sin(x1) + 7 * np.sin(x2) ** 2 + 0.1 * x3 ** 4 * np.sin(x1))
                        .rename("ishigami"), bootstrap=100)
    fig = cs.plot.sensitivity(df)
    ax = fig.axes[0]
    # barh draws bottom-up: the top label is the largest total index.
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x3", "x2", "x1"]
    assert [c.get_label() for c in ax.containers if hasattr(c, "patches")] == \
        ["total (ST)", "first order (S1)"]
    assert len(ax.patches) == 6
    assert "Sobol indices of ishigami (95% bootstrap intervals)" == ax.get_title()
    plt.close(fig)

    fig, ax = plt.subplots()
    assert cs.plot.sensitivity(df, ax=ax, title="mine") is fig
    assert ax.get_title() == "mine"
    plt.close(fig)
    no_bootstrap = cs.sensitivity(ds, ds["x1"] + ds["x2"], bootstrap=0)
    assert no_bootstrap["S1_low"].isna().all()
    plt.close(cs.plot.sensitivity(no_bootstrap))
    with pytest.raises(ValueError, match="not a table of Sobol indices"):
        cs.plot.sensitivity(df[["S1"]])
