"""cs.run(..., compare=...) against `clustersim run --compare`: the same comparison, the same
counterfactual metrics, the same report, bit for bit."""
import h5py
import numpy as np
import pytest

from conftest import PACKAGE_BUILT, PYTHON_DIR, SMALL, SOURCE_DIR, clustersim

if not PACKAGE_BUILT:
    pytest.skip(f"the Python package is not built in {PYTHON_DIR}", allow_module_level=True)

import clustersim as cs  # noqa: E402


@pytest.fixture()
def pair(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"extends: {SMALL}\nname: small-policy\n"
                      "policy:\n  supported_clusters: 1\n"
                      "  platforms: {investment_per_year: 1e9}\n"
                      "  talent_programme: {recruits_per_year: 200}\n")
    none = tmp_path / "none.yaml"
    none.write_text(f"extends: {policy}\nname: small-none\npolicy:\n  supported_clusters: 0\n")
    return policy, none


def test_compare_equals_the_cli(pair, tmp_path):
    policy, none = pair
    cli_file = tmp_path / "cli.h5"
    done = clustersim("run", policy, "--compare", none, "-o", cli_file, "--quiet")
    assert done.returncode == 0, done.stderr
    py_file = tmp_path / "py.h5"
    ds = cs.run(policy, compare=none, progress=False, output=py_file)
    assert ds.attrs["counterfactual"] == "small-none"
    with h5py.File(cli_file, "r") as a, h5py.File(py_file, "r") as b:
        for name in a["comparison"]:
            assert np.array_equal(a["comparison"][name][...], b["comparison"][name][...]), name
            assert np.array_equal(a["comparison"][name][...], ds[f"comparison_{name}"].values)
        for name in a["counterfactual/metrics"]:
            assert np.array_equal(a["counterfactual/metrics"][name][...],
                                  b["counterfactual/metrics"][name][...], equal_nan=True), name
    # The report, from the run and from the file, is what `clustersim goals` prints.
    assert cs.goals_report(ds) == clustersim("goals", cli_file).stdout
    assert cs.goals_report(cs.load(py_file)) == cs.goals_report(ds)


def test_compare_with_other_clusters_is_a_scenario_error(pair):
    policy, _ = pair
    other = SOURCE_DIR / "scenarios" / "no-policy.yaml"
    with pytest.raises(cs.ScenarioError) as caught:
        cs.run(policy, compare=other, progress=False)
    assert caught.value.file == str(other)
    assert caught.value.key == "world.clusters_file"


def test_load_reads_the_counterfactual_run_of_a_compared_file(pair, tmp_path):
    policy, none = pair
    out = tmp_path / "compared.h5"
    cs.run(policy, compare=none, progress=False, output=out)
    alone = cs.run(none, progress=False)
    for lazy in (False, True):
        cf = cs.load(out, counterfactual=True, lazy=lazy)
        assert cf.attrs["scenario_name"] == "small-none"
        assert cf.attrs["counterfactual_of"] == "small-policy"
        assert "goal" not in cf.coords and not any(c.startswith("comparison_") for c in cf.coords)
        # The counterfactual alone, on the same seed, is the same run, bit for bit.
        for name in alone.data_vars:
            assert np.array_equal(cf[name].values, alone[name].values, equal_nan=True), name
        cf.close()
    with pytest.raises(cs.ResultFileError, match="no counterfactual"):
        cs.load(_plain(tmp_path), counterfactual=True)


def _plain(tmp_path):
    out = tmp_path / "plain.h5"
    cs.run(SMALL, progress=False, output=out)
    return out


def test_compare_runs_scenarios_on_the_same_seeds_with_paired_differences():
    plan = cs.run(SMALL, progress=False)
    what_if = {"extends": str(SMALL), "policy": {"rd_super_deduction": 1.0}}
    ds = cs.compare({"plan": SMALL, "deduction": what_if, "again": SMALL}, progress=False)
    assert list(ds["scenario"].values) == ["plan", "deduction", "again"]
    assert ds.attrs["baseline"] == "plan" and ds.attrs["seed"] == plan.attrs["seed"]
    assert ds["output_value"].dims == ("scenario", "replicate", "time", "cluster")
    # The baseline run equals cs.run's, bit for bit; the same scenario again differs by 0.
    np.testing.assert_array_equal(ds["output_value"].sel(scenario="plan").values,
                                  plan["output_value"].values)
    assert (ds["output_value_difference"].sel(scenario="again") == 0).all()
    # The difference is replicate by replicate against the what-if run on the same seeds.
    alone = cs.run(what_if, progress=False)
    np.testing.assert_array_equal(
        ds["output_value_difference"].sel(scenario="deduction").values,
        alone["output_value"].values - plan["output_value"].values)
    assert ds["goal_met"].dims == ("scenario", "goal", "replicate")
    # A baseline outside the mapping is run too, labelled "baseline".
    other = cs.compare({"deduction": what_if}, baseline=SMALL, replicates=2, progress=False)
    assert list(other["scenario"].values) == ["baseline", "deduction"]
    assert other.sizes["replicate"] == 2


def test_compare_refuses_scenarios_on_another_calendar():
    with pytest.raises(ValueError, match="same calendar and clusters"):
        cs.compare({"plan": SMALL, "short": {"extends": str(SMALL), "run": {"end": "2015Q4"}}},
                   progress=False)
