"""cs.sweep: a sweep from a notebook, in this process, under mpirun or as Slurm jobs, gives the
file `clustersim sweep` gives, bit for bit; its points are selected by a varied setting's value."""
import os

import numpy as np
import pytest
import yaml

from conftest import EXECUTABLE, PACKAGE_BUILT, PYTHON_DIR, SOURCE_DIR, clustersim
from h5compare import assert_same_sweep

if not PACKAGE_BUILT:
    pytest.skip(f"the Python package is not built in {PYTHON_DIR}", allow_module_level=True)

import clustersim as cs  # noqa: E402

SWEEP_SMALL = SOURCE_DIR / "tests" / "data" / "sweep-small.yaml"


@pytest.fixture(scope="module")
def cli_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "cli.h5"
    done = clustersim("sweep", SWEEP_SMALL, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    return out


def test_a_sweep_file_runs_in_process_to_the_clis_file(cli_sweep, tmp_path):
    out = tmp_path / "py.h5"
    ds = cs.sweep(SWEEP_SMALL, out, threads=2, progress=False)
    assert_same_sweep(cli_sweep, out)
    assert ds.sizes["point"] == 6 and ds.attrs["sweep_method"] == "grid"
    with pytest.raises(FileExistsError):
        cs.sweep(SWEEP_SMALL, out, progress=False)


def test_a_dict_runs_the_same_sweep_and_is_kept_beside_the_result(cli_sweep, tmp_path):
    definition = yaml.safe_load(SWEEP_SMALL.read_text())
    definition["base"] = str(SOURCE_DIR / "tests" / "data" / definition["base"])
    out = tmp_path / "dict.h5"
    cs.sweep(definition, out, progress=False)
    assert_same_sweep(cli_sweep, out)
    assert yaml.safe_load((tmp_path / "dict.h5.sweep.yaml").read_text())["vary"] == \
        definition["vary"]


def test_a_bad_sweep_is_a_scenario_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"base: {SOURCE_DIR / 'tests' / 'data' / 'small.yaml'}\nreplicates: 1\n"
                   "vary: {grid: {policy.no_such_lever: [0, 1]}}\n")
    with pytest.raises(cs.ScenarioError, match="no_such_lever"):
        cs.sweep(bad, tmp_path / "bad.h5", progress=False)
    assert not (tmp_path / "bad.h5").exists()


def test_points_are_selected_by_a_varied_settings_value(cli_sweep):
    ds = cs.load(cli_sweep)
    # Each varied setting indexes the points by its full name; sel calls chain.
    chosen = ds.sel({"policy.rd_super_deduction": 1.0})
    assert chosen.sizes["point"] == 2
    assert sorted(chosen["policy.ip_protection"].values.tolist()) == [0.0, 1.0]
    one = chosen.sel({"policy.ip_protection": 1.0})
    i = int(one["point"])
    assert float(ds["policy.rd_super_deduction"][i]) == 1.0
    np.testing.assert_array_equal(one["output_value"].values,
                                  ds.isel(point=i)["output_value"].values)
    # The goals of a selected point read as an ensemble's.
    assert len(cs.goals(one)) == ds.sizes["goal"]


def test_one_varied_setting_indexes_the_points_beside_their_number(tmp_path):
    sweep = tmp_path / "one.yaml"
    sweep.write_text(f"base: {SOURCE_DIR / 'tests' / 'data' / 'small.yaml'}\nreplicates: 1\n"
                     "vary: {grid: {policy.talent_programme.recruits_per_year: [0, 20]}}\n")
    ds = cs.sweep(sweep, tmp_path / "one.h5", progress=False)
    picked = ds.sel({"policy.talent_programme.recruits_per_year": 20})
    assert int(picked["point"]) == 1
    assert ds.sel(point=0)["policy.talent_programme.recruits_per_year"] == 0


def test_mpirun_placement_gives_the_same_file(cli_sweep, tmp_path):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    out = tmp_path / "mpi.h5"
    cs.sweep(SWEEP_SMALL, out, launcher="mpirun", ranks=2, launcher_args=["--oversubscribe"],
             executable=EXECUTABLE, env=env, progress=False)
    assert_same_sweep(cli_sweep, out)


def test_a_launcher_needs_its_count():
    with pytest.raises(ValueError, match="ranks"):
        cs.sweep(SWEEP_SMALL, "/tmp/never.h5", launcher="mpirun")
    with pytest.raises(ValueError, match="launcher must be one of"):
        cs.sweep(SWEEP_SMALL, "/tmp/never.h5", launcher="qsub")


def test_a_sweeps_goal_report_is_the_clis_point_by_point(cli_sweep):
    ds = cs.load(cli_sweep)
    printed = clustersim("goals", cli_sweep)
    assert printed.returncode == 0, printed.stderr
    assert cs.goals_report(ds) == printed.stdout
    assert printed.stdout.startswith("Point 0 of 6: policy.ip_protection=0, "
                                     "policy.rd_super_deduction=0.5\n")
    table = cs.goals(ds)
    assert list(table.index.names) == ["point", "id"]
    assert len(table) == ds.sizes["point"] * ds.sizes["goal"]
