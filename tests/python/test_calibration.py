"""Calibration files in Python: cs.load_calibration gives the generations, the posterior and the
targets as the file holds them, and the three figures (pair plot, tolerance schedule, fit)."""
import matplotlib

matplotlib.use("Agg")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import PACKAGE_BUILT, PYTHON_DIR, SMALL, clustersim  # noqa: E402

if not PACKAGE_BUILT:
    pytest.skip(f"the Python package is not built in {PYTHON_DIR}", allow_module_level=True)

import clustersim as cs  # noqa: E402

CALIBRATION = f"""\
base: {SMALL}
seed: 3
parameters:
  firm.patent_scale: {{prior: log_uniform, min: 0.03, max: 0.5}}
  firm.rd_share.backbone: {{prior: uniform, min: 0.005, max: 0.05}}
targets:
  - {{name: patents 2015, model: "sum(patents_granted, 2015)", value: 250, se: 25, source: test}}
  - {{name: R&D 2015, model: "sum(rd_spend, 2015)", value: 6.7e9, se: 3e8, source: test}}
method: {{population: 30, max_generations: 3, pilot_runs: 4}}
"""


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    (folder / "cal.yaml").write_text(CALIBRATION)
    out = folder / "out.h5"
    done = clustersim("calibrate", folder / "cal.yaml", "-o", out, "-q")
    assert done.returncode == 0, done.stderr
    return out


def test_load_calibration_holds_every_generation(calibration):
    cal = cs.load_calibration(calibration)
    assert dict(cal.sizes) == {"generation": 3, "particle": 30, "parameter": 2, "target": 2}
    assert list(cal["parameter"].values) == ["firm.patent_scale", "firm.rd_share.backbone"]
    assert list(cal["target"].values) == ["patents 2015", "R&D 2015"]
    assert np.isinf(cal["tolerance"][0]) and (np.diff(cal["tolerance"][1:]) < 0).all()
    np.testing.assert_allclose(cal["weights"].sum("particle"), 1.0)
    post = cal.isel(generation=-1)
    assert (post["distances"] <= post["tolerance"]).all()
    particles = post["particles"].values
    assert (particles >= cal["prior_min"].values).all()
    assert (particles <= cal["prior_max"].values).all()
    assert cal.attrs["stop_reason"] == "3 generations done"
    assert cal.attrs["definition"] == CALIBRATION


def test_the_three_figures(calibration, tmp_path):
    cal = cs.load_calibration(calibration)
    fig = cs.plot.posterior(cal)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 3  # two histograms and one pair
    assert [visible[0].get_title(), visible[2].get_title()] == list(cal["parameter"].values)
    fig.savefig(tmp_path / "posterior.png")
    fig = cs.plot.tolerance(cal)
    assert len(fig.axes[0].get_lines()[0].get_xdata()) == 2  # generation 0 has no tolerance
    fig = cs.plot.fit(cal)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["patents 2015", "R&D 2015"]
    fig.savefig(tmp_path / "fit.png")


def test_a_result_file_is_not_a_calibration(tmp_path):
    out = tmp_path / "run.h5"
    assert clustersim("run", SMALL, "-o", out, "-q").returncode == 0
    with pytest.raises(cs.ResultFileError, match="not a calibration"):
        cs.load_calibration(out)


def test_cs_run_draws_like_the_command_line(calibration, tmp_path):
    scenario = tmp_path / "calibrated.yaml"
    scenario.write_text(f"extends: {SMALL}\ncalibration:\n  file: {calibration}\n")
    out = tmp_path / "cli.h5"
    assert clustersim("run", scenario, "-o", out, "-q", "--compare", SMALL).returncode == 0
    ds = cs.run(scenario, compare=SMALL, progress=False, output=tmp_path / "py.h5")
    cli = cs.load(out)
    for name in ("patents_granted", "rd_spend", "output_value"):
        assert ds[name].values.tobytes() == cli[name].values.tobytes(), name
    # The counterfactual drew the same particles: with the same settings otherwise, it equals
    # the run, so every paired difference is zero.
    assert (ds["comparison_output_gained"].values == 0).all()

    with h5py.File(tmp_path / "py.h5", "r") as a, h5py.File(out, "r") as b:
        assert list(a["replicate_settings"][()]) == list(b["replicate_settings"][()])
