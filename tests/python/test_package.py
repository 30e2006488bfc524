"""The Python package end to end: cs.run and cs.load against the CLI's files (bit for bit),
goals against `clustersim goals`, zero-copy metrics, scenario sources and errors, Ctrl-C."""
import json
import math
import os
import pathlib
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time

import h5py
import numpy as np
import pytest
import xarray as xr
import yaml

from conftest import PACKAGE_BUILT, PYTHON_DIR, SMALL, SOURCE_DIR, clustersim, sealed_h5

if not PACKAGE_BUILT:
    pytest.skip(f"the Python package is not built in {PYTHON_DIR}", allow_module_level=True)

import clustersim as cs  # noqa: E402
from clustersim import _core  # noqa: E402

SHANDONG = SOURCE_DIR / "scenarios" / "shandong-2015.yaml"
PROVENANCE = {"created", "command_line", "wall_time_seconds", "threads"}


def cli_run(out, *args):
    done = clustersim("run", SMALL, "-o", out, "--quiet", "--force", *args)
    assert done.returncode == 0, done.stderr
    return out


def without(ds, attrs):
    ds = ds.copy()
    ds.attrs = {k: v for k, v in ds.attrs.items() if k not in attrs}
    return ds


@pytest.fixture(scope="module")
def cli_file(tmp_path_factory):
    return cli_run(tmp_path_factory.mktemp("cli") / "small.h5", "--seed", "11")


@pytest.fixture(scope="module")
def py_run():
    return cs.run(SMALL, seed=11, progress=False)


# --- the same numbers as the CLI ------------------------------------------------------------

def test_metrics_equal_the_cli_file_bit_for_bit(cli_file, py_run):
    with h5py.File(cli_file, "r") as f:
        names = set(f["metrics"])
        assert names == set(py_run.data_vars) and len(names) >= 9
        for name in names:
            expected = f["metrics"][name][...]
            got = py_run[name].values
            assert got.dtype == expected.dtype and got.shape == expected.shape, name
            assert got.tobytes() == expected.tobytes(), name
            assert np.array_equal(got, expected, equal_nan=True), name
        for name in f["goals"]:
            expected = f["goals"][name]
            got = py_run[f"goal_{name}"].values
            if expected.dtype.kind == "O":
                assert list(got) == list(expected.asstr()[...]), name
            else:
                assert got.tobytes() == expected[...].tobytes(), name


def test_metrics_match_the_models_list(py_run):
    assert list(py_run.data_vars) == list(cs.metrics().index)
    for name, var in py_run.data_vars.items():
        assert var.dims == ("replicate", "time", "cluster"), name
        assert var.attrs["units"] and var.attrs["description"], name


def test_goal_table_equals_clustersim_goals(cli_file, py_run):
    done = clustersim("goals", cli_file, "--json")
    assert done.returncode == 0, done.stderr
    expected = {g["id"]: g for g in json.loads(done.stdout)["goals"]}
    for table in (cs.goals(py_run), cs.goals(cs.load(cli_file)), cs.goals(cli_file)):
        assert list(table.index) == list(expected)
        for goal, row in expected.items():
            for column, value in row.items():
                if column == "id":
                    continue
                got = table.loc[goal, column]
                if value is None:
                    assert math.isnan(got), (goal, column)
                else:
                    assert got == value, (goal, column, got, value)
    text = clustersim("goals", cli_file)
    assert cs.goals_report(py_run) == text.stdout


def test_goal_table_columns(py_run):
    table = cs.goals(py_run)
    assert list(table.index) == list(py_run["goal"].values)
    for column in ("share_met", "first_met_median", "value_p05", "value_p95",
                   "deadline_quarter", "first_met_median_quarter"):
        assert column in table.columns
    for deadline, label in zip(table["deadline"], table["deadline_quarter"]):
        year, quarter = int(label[:4]), int(label[-1])
        assert deadline == year + quarter / 4, label
    # The labels are the engine's (sim::quarter_label_at), as its goal report prints them.
    for median, label in zip(table["first_met_median"], table["first_met_median_quarter"]):
        assert label == ("never" if math.isnan(median) else _core.quarter_label(median))
    assert _core.quarter_label(2016.0) == "2015Q4" and _core.quarter_label(2014.25) == "2014Q1"
    assert _core.quarter_label(math.nan) == "never"


def test_load_equals_the_run_that_wrote_it(tmp_path):
    out = tmp_path / "py.h5"
    ds = cs.run(SMALL, seed=11, progress=False, output=out)
    assert out.exists()
    xr.testing.assert_identical(cs.load(out), ds)
    lazy = cs.load(out, lazy=True)
    try:
        xr.testing.assert_identical(lazy, ds)
    finally:
        lazy.close()


def test_load_of_the_cli_file_equals_the_run(cli_file, py_run):
    loaded = cs.load(cli_file)
    assert set(loaded.attrs) == set(py_run.attrs)
    xr.testing.assert_identical(without(loaded, PROVENANCE), without(py_run, PROVENANCE))
    assert loaded.attrs["command_line"].endswith("--seed 11")
    assert py_run.attrs["command_line"].startswith("python: clustersim.run(")


def test_output_file_is_the_cli_layout(tmp_path, cli_file):
    out = tmp_path / "py.h5"
    cs.run(SMALL, seed=11, progress=False, output=out)
    with h5py.File(out, "r") as a, h5py.File(cli_file, "r") as b:
        assert sorted(a) == sorted(b) and sorted(a["metrics"]) == sorted(b["metrics"])
        assert set(a.attrs) == set(b.attrs)
        for name in a["metrics"]:
            assert a["metrics"][name][...].tobytes() == b["metrics"][name][...].tobytes()
    report = clustersim("goals", out)
    assert report.returncode == 0 and report.stdout == clustersim("goals", cli_file).stdout


def test_one_and_two_threads_are_identical():
    one = cs.run(SMALL, threads=1, progress=False)
    two = cs.run(SMALL, threads=2, progress=False)
    assert one.attrs["threads"] == 1
    xr.testing.assert_identical(without(one, PROVENANCE), without(two, PROVENANCE))


# --- no copies --------------------------------------------------------------------------------

def test_metrics_are_views_of_the_engines_memory(py_run):
    arrays = [py_run[name].values for name in py_run.data_vars]
    owner = arrays[0].base
    assert isinstance(owner, _core.Run)
    for a in arrays:
        assert not a.flags.owndata and a.base is owner and a.flags.c_contiguous
    # One [metric][replicate][time][cluster] block: each metric starts where the last ended.
    starts = [a.__array_interface__["data"][0] for a in arrays]
    assert all(b - a == arrays[0].nbytes for a, b in zip(starts, starts[1:]))
    # The Dataset hands out the same memory every time.
    assert np.shares_memory(py_run[list(py_run.data_vars)[0]].values, arrays[0])


# --- scenarios from paths, text and dicts -----------------------------------------------------

def assert_same_metrics(a, b):
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        assert a[name].values.tobytes() == b[name].values.tobytes(), name


def test_path_text_dict_and_scenario_give_the_same_run(monkeypatch):
    by_path = cs.run(SMALL, progress=False)
    assert_same_metrics(cs.run(pathlib.Path(SMALL), progress=False), by_path)
    monkeypatch.chdir(SMALL.parent)  # relative data paths of text and dicts: the current folder
    text = SMALL.read_text()
    assert_same_metrics(cs.run(text, progress=False), by_path)
    scenario = yaml.safe_load(text)  # the same scenario as a dict
    assert isinstance(scenario, dict) and "run" in scenario
    assert_same_metrics(cs.run(scenario, progress=False), by_path)
    assert_same_metrics(cs.run(cs.validate(SMALL), progress=False), by_path)


def test_dict_and_text_may_extend_a_file(monkeypatch, tmp_path):
    expected = cs.run(SMALL, set={"policy.rd_super_deduction": {2014: 0.5, 2015: 1.0}}, seed=3,
                      progress=False)
    monkeypatch.chdir(SMALL.parent)
    extended = {"extends": "small.yaml", "run": {"seed": 3},
                "policy": {"rd_super_deduction": {2014: 0.5, 2015: 1.0}}}
    assert_same_metrics(cs.run(extended, progress=False), expected)
    text = "extends: small.yaml\nrun: {seed: 3}\npolicy:\n  rd_super_deduction: {2014: 0.5, 2015: 1.0}\n"
    assert_same_metrics(cs.run(text, progress=False), expected)


def test_set_equals_the_cli_set(tmp_path):
    out = cli_run(tmp_path / "set.h5", "--set", "policy.rd_super_deduction={2014: 0.5, 2015: 1.0}",
                  "--set", "policy.rd_deduction_takeup=0.9", "--replicates", "3")
    ds = cs.run(SMALL, set={"policy.rd_super_deduction": {2014: 0.5, 2015: 1.0},
                            "policy.rd_deduction_takeup": 0.9}, replicates=3, progress=False)
    assert ds.sizes["replicate"] == 3
    xr.testing.assert_identical(without(cs.load(out), PROVENANCE), without(ds, PROVENANCE))
    as_text = cs.run(SMALL, set=["policy.rd_super_deduction={2014: 0.5, 2015: 1.0}",
                                 "policy.rd_deduction_takeup=0.9"], replicates=3, progress=False)
    assert_same_metrics(as_text, ds)


def test_validate_returns_the_resolved_scenario():
    scenario = cs.validate(SHANDONG, set={"run.replicates": 5})
    assert scenario.replicates == 5 and scenario.name == "shandong-2015"
    assert len(scenario.clusters) >= 10 and "policy:" in scenario.resolved_yaml
    assert "shandong-2015" in repr(scenario)


def test_dataset_coordinates_and_attributes(py_run):
    assert dict(py_run.sizes) == {"replicate": 4, "time": 12, "cluster": 3,
                                  "goal": len(cs.goals(py_run))}
    assert list(py_run["cluster"].values) == ["alpha", "beta", "gamma"]
    for name in ("cluster_name", "cluster_region", "cluster_kind", "time_label", "date",
                 "goal_target", "goal_met"):
        assert name in py_run.coords, name
    assert py_run["date"].dtype.kind == "M"
    assert str(py_run["date"].values[0])[:10] == "2014-03-31"
    assert py_run.attrs["seed"] == 11 and py_run.attrs["schema_version"] == [1, 1]
    assert "run:" in py_run.attrs["scenario"] and py_run.attrs["filetype"] == "clustersim-result"


def test_progress_callback_sees_every_quarter_on_the_calling_thread():
    seen, threads = [], set()

    def progress(*counts):
        seen.append(counts)
        threads.add(threading.get_ident())

    cs.run(SMALL, progress=progress)
    assert seen and seen[-1] == (48, 48, 4, 4)
    assert threads == {threading.get_ident()}


def test_other_python_threads_run_while_the_engine_runs():
    ticks, stop = [0], threading.Event()

    def count():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        time.sleep(0.05)
        before = ticks[0]
        started = time.monotonic()
        cs.run(SHANDONG, replicates=32, progress=False)
        seconds = time.monotonic() - started
        during = ticks[0] - before
    finally:
        stop.set()
        counter.join()
    # Holding the GIL for the whole run would leave the counter at (nearly) zero.
    assert during >= min(20, 100 * seconds), (during, seconds)


def test_a_failing_progress_callback_stops_the_run_and_writes_nothing(tmp_path):
    out = tmp_path / "never.h5"

    def fail(*counts):
        raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        cs.run(SHANDONG, replicates=400, progress=fail, output=out)
    assert not out.exists() and list(tmp_path.iterdir()) == []


# --- errors ---------------------------------------------------------------------------------

def test_unknown_key_in_text_names_line_column_and_key():
    with pytest.raises(cs.ScenarioError) as info:
        cs.run("name: t\nrun:\n  replicats: 3\n", progress=False)
    e = info.value
    assert isinstance(e, ValueError)
    assert (e.file, e.line, e.column, e.key) == ("<string>", 3, 3, "run.replicats")
    assert "did you mean 'run.replicates'" in e.detail and str(e).startswith("<string>:3:3:")


def test_time_selects_as_pandas_users_expect(py_run):
    # The trap: time was the decimal year at a quarter's end, so sel(time=2016) gave 2015Q4.
    labels = lambda ds: [str(x) for x in ds["time_label"].values]  # noqa: E731
    assert labels(py_run.sel(time="2015")) == ["2015Q1", "2015Q2", "2015Q3", "2015Q4"]
    assert labels(py_run.sel(time="2015Q4")) == ["2015Q4"]
    assert labels(py_run.sel(time=slice("2015", "2016"))) == [
        f"{y}Q{q}" for y in (2015, 2016) for q in (1, 2, 3, 4)]
    assert labels(py_run.sel(time=slice("2016Q3", None))) == ["2016Q3", "2016Q4"]
    # The decimal year stays, as `year` (the file's /time).
    assert py_run["year"].values[0] == 2014.25
    assert str(py_run["time"].values[0])[:10] == "2014-03-31"


def test_dir_lists_the_public_api_only():
    names = dir(cs)
    assert names == sorted(cs.__all__)
    assert not {"importlib", "sys", "h5py", "numpy", "_core", "_run"} & set(names)
    for name in names:
        getattr(cs, name)  # every listed name exists (plot is imported on first use)


def test_a_shipped_scenario_by_name_from_another_folder(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert cs.validate("shandong-2015").source == str(SHANDONG)


def test_bad_value_in_a_file(tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(f"extends: {SMALL}\npolicy:\n  hnte_tax_rate: 2.5\n")
    for call in (cs.validate, lambda s: cs.run(s, progress=False)):
        with pytest.raises(cs.ScenarioError) as info:
            call(scenario)
        e = info.value
        assert (e.file, e.line, e.column, e.key) == (str(scenario), 3, 18, "policy.hnte_tax_rate")


def test_bad_set_value_names_the_override():
    with pytest.raises(cs.ScenarioError) as info:
        cs.validate(SMALL, set={"policy.rd_super_deduction": 9})
    e = info.value
    assert e.key == "policy.rd_super_deduction" and e.file.startswith("--set ")
    assert e.line == 1 and e.column > 0


def test_bad_dict_names_the_key():
    with pytest.raises(cs.ScenarioError) as info:
        cs.validate({"extends": str(SMALL), "run": {"replicates": 0}})
    assert info.value.key == "run.replicates"
    with pytest.raises(cs.ScenarioError) as info:
        cs.validate({"name": "x", "world": {"clusters_file": "/no/such/file.csv"}})
    assert info.value.key == "world.clusters_file" and info.value.file == "<dict>"


def test_missing_scenario_file():
    with pytest.raises(cs.ScenarioError) as info:
        cs.run("no/such/scenario.yaml", progress=False)
    assert info.value.file == "no/such/scenario.yaml" and info.value.line == 0


def test_scenario_error_pickles():
    with pytest.raises(cs.ScenarioError) as info:
        cs.validate("name: t\nrun:\n  replicats: 3\n")
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.file, again.line, again.column, again.key) == ("<string>", 3, 3,
                                                                 "run.replicats")


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "x.h5"
    out.write_text("keep me")
    with pytest.raises(FileExistsError):
        cs.run(SMALL, progress=False, output=out)
    assert out.read_text() == "keep me"
    cs.run(SMALL, progress=False, output=out, force=True)
    assert h5py.is_hdf5(out)
    with pytest.raises(FileNotFoundError):
        cs.run(SMALL, progress=False, output=tmp_path / "no" / "x.h5")


def test_load_refuses_other_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        cs.load(tmp_path / "missing.h5")
    text = tmp_path / "text.h5"
    text.write_text("not hdf5")
    with pytest.raises(cs.ResultFileError):
        cs.load(text)
    other = tmp_path / "other.h5"
    with sealed_h5(other, "w") as f:
        f.attrs["filetype"] = "something-else"
    with pytest.raises(cs.ResultFileError, match="filetype"):
        cs.load(other)


# --- sweep files (a leading point dimension) ------------------------------------------------------

def test_load_names_an_older_sweeps_run_dimension_point(tmp_path, cli_file):
    """A sweep-like file made from a run file in the layout of sweep schema 1.2 and older:
    every metric and goal result gets a leading `run` dimension of 2 (dimension scale /run),
    and /coords/run lists each point's setting. It loads with that dimension named `point`,
    as sweep schema 1.3 names it."""
    sweep = tmp_path / "sweep.h5"
    with h5py.File(cli_file, "r") as src, sealed_h5(sweep, "w") as f:
        for key, value in src.attrs.items():
            f.attrs[key] = value
        run = f.create_dataset("run", data=np.arange(2, dtype=np.int64))
        run.make_scale("run")
        dims = {}
        for name in ("replicate", "time", "cluster", "goal"):
            src.copy(src[name], f, name=name)
            f[name].make_scale(name)
            dims[name] = f[name]
        coords = f.create_group("coords")
        for name in src["coords"]:
            data = src["coords"][name]
            coords.create_dataset(name, data=data[...], dtype=data.dtype)
            coords[name].dims[0].attach_scale(dims[name.split("_", 1)[0]])
        per_run = coords.create_group("run")
        per_run.create_dataset("policy.rd_super_deduction", data=[0.5, 1.0])
        per_run["policy.rd_super_deduction"].dims[0].attach_scale(run)
        for group, trailing in (("metrics", ("replicate", "time", "cluster")),
                                ("goals", ("goal", "replicate"))):
            g = f.create_group(group)
            for name in src[group]:
                data = src[group][name]
                if data.ndim == len(trailing):
                    ds = g.create_dataset(name, data=np.stack([data[...]] * 2),
                                          dtype=data.dtype)
                    for axis, dim in enumerate(("run",) + trailing):
                        ds.dims[axis].attach_scale(run if dim == "run" else dims[dim])
                else:
                    g.create_dataset(name, data=data[...], dtype=data.dtype)
                    g[name].dims[0].attach_scale(dims["goal"])
                for key, value in data.attrs.items():
                    if key not in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME"):
                        g[name].attrs[key] = value
    loaded = cs.load(sweep)
    single = cs.load(cli_file)
    assert loaded["output_value"].dims == ("point", "replicate", "time", "cluster")
    assert list(loaded["policy.rd_super_deduction"].values) == [0.5, 1.0]
    assert loaded["goal_met"].dims == ("point", "goal", "replicate")
    for i in range(2):
        part = loaded.isel(point=i)
        assert part["output_value"].values.tobytes() == single["output_value"].values.tobytes()
    table = cs.goals(loaded)
    assert list(table.index.names) == ["point", "id"] and len(table) == 2 * loaded.sizes["goal"]
    assert table.loc[1].equals(cs.goals(single))
    lazy = cs.load(sweep, lazy=True)
    try:
        xr.testing.assert_identical(lazy, loaded)
    finally:
        lazy.close()


def test_load_reads_a_comparison_with_a_counterfactual(tmp_path, cli_file):
    """Files of `clustersim run --compare` hold /comparison: per-replicate measures against a
    counterfactual run, and its name."""
    compared = tmp_path / "compared.h5"
    compared.write_bytes(cli_file.read_bytes())
    with sealed_h5(compared) as f:
        group = f.create_group("comparison")
        group.attrs["counterfactual"] = "no-policy"
        ds = group.create_dataset("output_gain", data=np.arange(4.0))
        ds.dims[0].attach_scale(f["replicate"])
        ds.attrs["units"] = "yuan"
        ds.attrs["description"] = "output gained"
    loaded = cs.load(compared)
    assert loaded.attrs["counterfactual"] == "no-policy"
    assert loaded["comparison_output_gain"].dims == ("replicate",)
    assert list(loaded["comparison_output_gain"].values) == [0.0, 1.0, 2.0, 3.0]
    assert loaded["comparison_output_gain"].attrs["units"] == "yuan"
    results = cs._goals.goal_results(loaded)
    assert results["counterfactual"] == "no-policy"
    assert results["comparison"][0]["name"] == "output_gain"
    assert cs.goals(loaded).equals(cs.goals(cli_file))


# --- Ctrl-C -------------------------------------------------------------------------------------

def test_ctrl_c_stops_a_long_run_promptly_and_writes_nothing(tmp_path):
    out = tmp_path / "long.h5"
    script = textwrap.dedent(f"""
        import signal, sys, time
        import clustersim as cs
        # As in a terminal or Jupyter, even when this test runs where SIGINT is ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        started = []
        def progress(steps, total, reps, total_reps):
            if steps > 0 and not started:
                started.append(time.monotonic())
                print("started", total, flush=True)
        try:
            cs.run({str(SHANDONG)!r}, replicates=2000, progress=progress, output={str(out)!r})
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            raise
        print("finished", flush=True)
    """)
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = child.stdout.readline()
        assert line.startswith("started"), line + child.stderr.read()
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert "interrupted" in stdout and "finished" not in stdout, stdout + stderr
    assert "KeyboardInterrupt" in stderr
    assert child.returncode != 0
    assert list(tmp_path.iterdir()) == [], "nothing may be written"
