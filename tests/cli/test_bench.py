"""clustersim bench: the report's figures exist, are consistent, and measuring does not change
what the model computes."""
import json

import pytest

from conftest import SMALL, clustersim


@pytest.fixture(scope="module")
def report():
    done = clustersim("bench", SMALL, "--json", "--threads", "2")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_json_report_has_every_figure(report):
    for key in ("agent_steps_per_s", "firm_steps_per_s", "researcher_steps_per_s",
                "resident_bytes_per_agent", "hdf5_write_seconds", "hdf5_write_share",
                "triad_bytes_per_s", "trivial_agent_steps_per_s", "model_to_trivial", "phases"):
        assert key in report, key
    assert report["replicates"] == 4 and report["steps"] == 12 and report["threads"] == 2
    for key in ("agent_steps_per_s", "firm_steps_per_s", "triad_bytes_per_s",
                "trivial_agent_steps_per_s", "hdf5_write_seconds", "simulate_seconds"):
        assert report[key] > 0, key


def test_rates_add_up(report):
    assert report["agent_steps_per_s"] == pytest.approx(
        report["firm_steps_per_s"] + report["researcher_steps_per_s"], rel=1e-9)
    assert report["agent_steps"] == pytest.approx(
        report["agent_steps_per_s"] * report["simulate_seconds"], rel=1e-9)
    assert report["model_to_trivial"] == pytest.approx(
        report["agent_steps_per_s"] / report["trivial_agent_steps_per_s"], rel=1e-9)
    assert 0 < report["hdf5_write_share"] < 1


def test_phase_shares_name_the_quarter_and_sum_to_one(report):
    phases = report["phases"]
    assert list(phases)[:3] == ["demand", "rd_and_labour", "talent_market"]
    assert "innovation" in phases and "funds" in phases
    assert sum(p["share"] for p in phases.values()) == pytest.approx(1.0, rel=1e-9)
    assert all(p["seconds"] >= 0 for p in phases.values())


def test_the_text_report_names_the_reference_kernels():
    done = clustersim("bench", SMALL, "--threads", "1", "-q")
    assert done.returncode == 0, done.stderr
    for words in ("agent-steps per second", "memory bandwidth (triad)", "trivial update",
                  "model / trivial", "resident bytes per agent", "HDF5 writing", "innovation"):
        assert words in done.stdout, words


def test_a_bad_scenario_is_refused(tmp_path):
    done = clustersim("bench", tmp_path / "missing.yaml")
    assert done.returncode == 2 and "missing.yaml" in done.stderr, done.stderr
