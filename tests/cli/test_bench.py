"""clustersim bench: the report's figures exist, are consistent, and measuring does not change
what the model computes; tests/bench/bench_peers.py reports every row."""
import importlib.util
import json
import math
import subprocess
import sys

import pytest

from conftest import EXECUTABLE, SMALL, SOURCE_DIR, clustersim


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


# tests/bench/bench_peers.py (`make bench-peers`) with tiny settings: the report's structure,
# never its speed. One run, with this clustersim also standing in as the --baseline binary, so
# that the interleaved new/old path is exercised too.
BENCH_PEERS = SOURCE_DIR / "tests" / "bench" / "bench_peers.py"
TINY = ("--quick", "--firms", "20", "--replicates", "2", "--run-repeats", "2",
        "--numpy-repeats", "1")
MODEL_ROWS = ["no_policy_1", "no_policy_2", "every_lever_1", "one_run_bench"]


def bench_peers(*args, clustersim=EXECUTABLE):
    return subprocess.run([sys.executable, str(BENCH_PEERS), "--clustersim", str(clustersim),
                           *TINY, *map(str, args)],
                          capture_output=True, text=True, timeout=900)


def positive(x):
    return isinstance(x, (int, float)) and math.isfinite(x) and x > 0


@pytest.fixture(scope="module")
def peers():
    done = bench_peers("--json", "--baseline", EXECUTABLE, "--rounds", "1")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_bench_peers_has_every_row_with_positive_finite_ratios(peers):
    assert [row["key"] for row in peers["rows"]] == MODEL_ROWS + ["numpy"]
    for row in peers["rows"]:
        assert positive(row["firm_steps_per_s"]), row
        assert positive(row["model_to_numpy"]), row
        assert positive(row["firms"]) and row["threads"] in (1, 2), row
    for row in peers["rows"][:-1]:
        assert positive(row["old_firm_steps_per_s"]) and positive(row["new_to_old"]), row
        assert row["command"].split()[1] == "bench" and "--json" in row["command"], row
    assert peers["rows"][-1]["model_to_numpy"] == 1.0


def test_bench_peers_figures_and_machine(peers):
    figures = peers["figures"]
    for key in ("speedup_2_over_1", "runs_per_s", "run_seconds", "run_simulate_seconds"):
        assert positive(figures[key]), key
        assert positive(peers["old_figures"][key]) and positive(peers["new_to_old"][key]), key
    share = figures["run_outside_simulation_share"]
    assert math.isfinite(share) and share < 1
    assert figures["runs_per_s"] == pytest.approx(1 / figures["run_seconds"], rel=1e-9)
    assert "scale_bytes_per_firm" not in figures  # --quick skips the scale scenario
    assert peers["quick"] and peers["rounds"] == 1
    machine = peers["machine"]
    assert machine["date"] and machine["uname_m"] and machine["cpu"] and machine["cores"] >= 1
    numpy = peers["numpy"]
    assert (numpy["clusters"], numpy["firms"], numpy["threads"]) == (20, 20, 1)
    assert numpy["quarters"] == 28 and numpy["firm_steps"] == 20 * 20 * 28


def test_bench_peers_text_names_every_row(peers, capsys):
    spec = importlib.util.spec_from_file_location("bench_peers", BENCH_PEERS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.print_text(peers)
    text = capsys.readouterr().out
    for words in ("no-policy, 20 firms/cluster, 2 replicates", "every lever (shandong-2015)",
                  "shandong-2015 as it is, 1 replicate", "NumPy reference, 20 x 20 x 28",
                  "2 threads / 1 thread", "runs per second", "share outside simulating",
                  "model/NumPy", "new/old", peers["machine"]["cpu"], "cores"):
        assert words in text, words


def test_bench_peers_stops_on_a_failed_run_with_its_message(tmp_path):
    broken = tmp_path / "clustersim"
    broken.write_text("#!/bin/sh\necho 'broken build: no model here' >&2\nexit 3\n")
    broken.chmod(0o755)
    done = bench_peers(clustersim=broken)
    assert done.returncode != 0
    assert "exit code 3" in done.stderr and "broken build: no model here" in done.stderr
    assert "bench" in done.stderr, done.stderr


def test_the_readme_memory_table_is_what_this_build_holds():
    spec = importlib.util.spec_from_file_location(
        "memory_table", SOURCE_DIR / "tests" / "bench" / "memory_table.py")
    memory_table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(memory_table)
    items = memory_table.memory_items(str(EXECUTABLE))
    assert sum(i["bytes"] for i in items if not i["scratch"]) > 0
    block = memory_table.readme_block.read_block(SOURCE_DIR / "README.md", memory_table.BEGIN,
                                                 memory_table.END)
    assert block == memory_table.table(items), (
        "README.md's memory table is stale: /usr/bin/python3 tests/bench/memory_table.py "
        "--update README.md")
