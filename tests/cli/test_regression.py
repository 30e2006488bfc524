"""Regression: the small test world's results, summarised, against a stored reference.

A change to the model changes these numbers on purpose; regenerate the reference with
    CLUSTERSIM_UPDATE_REGRESSION=1 /usr/bin/python3 -m pytest tests/cli/test_regression.py
and say in the commit why the numbers moved.
"""
import json
import os

import h5py
import numpy as np


from conftest import SOURCE_DIR

REFERENCE = SOURCE_DIR / "tests" / "data" / "regression" / "small.json"


def summarise(path):
    """Per metric and replicate, the sum over time and clusters (NaN-free metrics only)."""
    with h5py.File(path, "r") as f:
        return {name: [float(x) for x in np.sum(f["metrics"][name][...], axis=(1, 2))]
                for name in f["metrics"]}


def test_small_world_matches_reference(small_result):
    summary = summarise(small_result)
    if os.environ.get("CLUSTERSIM_UPDATE_REGRESSION"):
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE.write_text(json.dumps(summary, indent=1, sort_keys=True) + "\n")
    reference = json.loads(REFERENCE.read_text())
    assert sorted(summary) == sorted(reference)
    for name, values in reference.items():
        # Same build inputs give bit-identical results; the tolerance only absorbs the
        # decimal round trip of the JSON file.
        np.testing.assert_allclose(summary[name], values, rtol=1e-12, err_msg=name)
