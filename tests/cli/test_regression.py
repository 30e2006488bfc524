"""Regression: the small test world's results, summarised, against stored references.

Two worlds: tests/data/small.yaml (no provincial lever, three years) and
tests/data/small-levers.yaml (every lever on in every cluster, eight years, past the five-year
loss carry-forward), so that a change to a lever's rule, cost or timing moves a stored number.

A change to the model changes these numbers on purpose; regenerate the references with
    CLUSTERSIM_UPDATE_REGRESSION=1 /usr/bin/python3 -m pytest tests/cli/test_regression.py
and say in the commit why the numbers moved.
"""
import json
import os

import h5py
import numpy as np


from conftest import SOURCE_DIR, clustersim

REFERENCES = SOURCE_DIR / "tests" / "data" / "regression"


def summarise(path):
    """Per metric and replicate, the sum over time and clusters (NaN-free metrics only)."""
    with h5py.File(path, "r") as f:
        return {name: [float(x) for x in np.sum(f["metrics"][name][...], axis=(1, 2))]
                for name in f["metrics"]}


def check_against_reference(result, reference_path):
    summary = summarise(result)
    if os.environ.get("CLUSTERSIM_UPDATE_REGRESSION"):
        reference_path.parent.mkdir(parents=True, exist_ok=True)
        reference_path.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    reference = json.loads(reference_path.read_text())
    assert sorted(summary) == sorted(reference)
    for name, values in reference.items():
        # Same build inputs give bit-identical results; the tolerance only absorbs the
        # decimal round trip of the JSON file.
        np.testing.assert_allclose(summary[name], values, rtol=1e-12, err_msg=name)


def test_small_world_matches_reference(small_result):
    check_against_reference(small_result, REFERENCES / "small.json")


def test_small_world_with_every_lever_matches_reference(tmp_path):
    out = tmp_path / "levers.h5"
    done = clustersim("run", SOURCE_DIR / "tests" / "data" / "small-levers.yaml", "-o", out,
                      "--quiet")
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        # Every lever that pays money out does so in this world.
        for line in ("guide_fund", "angel_fund", "ip_pledge", "incubators", "talent_programme",
                     "platforms", "collaboration", "post_subsidy", "phase_out", "ip_protection",
                     "open_innovation", "rd_super_deduction", "hnte_tax_rate",
                     "tech_transfer_exemption"):
            assert np.sum(f["metrics"][f"fiscal_cost_{line}"][...]) > 0, line
    check_against_reference(out, REFERENCES / "small-levers.json")
