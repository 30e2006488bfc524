"""Sweeps end to end: the three placements (local cores, MPI ranks, shards + merge) give the same
file; a killed sweep resumes to the same file; bad sweep files, mismatched and missing shards are
refused with exit code 2 and nothing overwritten; the result loads in Python; sensitivity ranks
the settings of a saltelli sweep."""
import json
import os
import re
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import EXECUTABLE, PACKAGE_BUILT, SOURCE_DIR, clustersim
from h5compare import assert_same_dataset, assert_same_sweep, datasets

DATA = SOURCE_DIR / "tests" / "data"
SWEEP_SMALL = DATA / "sweep-small.yaml"
SWEEP_SALTELLI = DATA / "sweep-saltelli.yaml"
RUNS_SMALL = 12  # 6 points x 2 replicates


def mpirun(ranks, *args, cwd=None):
    """clustersim under OpenMPI's mpirun (as root in containers, more ranks than cores)."""
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if "ASAN_OPTIONS" in env:
        # Under `make asan`: OpenMPI leaks at exit by design (its plugins' allocations, in
        # modules it has unloaded, which no suppression can name), so MPI runs are checked for
        # memory errors but not for leaks.
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    return subprocess.run(["mpirun", "--oversubscribe", "-n", str(ranks), str(EXECUTABLE),
                           *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def write_sweep(folder, text, name="sweep.yaml"):
    """A sweep file in `folder` over tests/data/small.yaml."""
    path = folder / name
    path.write_text(text.replace("BASE", str(DATA / "small.yaml")))
    return path


@pytest.fixture(scope="module")
def local_small(tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "local.h5"
    done = clustersim("sweep", SWEEP_SMALL, "-o", out)
    assert done.returncode == 0, done.stderr
    assert f"runs {RUNS_SMALL}/{RUNS_SMALL}" in done.stderr, done.stderr
    assert not (out.parent / "local.h5.d").exists(), "the run folder outlived the assembly"
    return out


def test_mpi_with_two_ranks_matches_the_local_sweep(local_small, tmp_path):
    out = tmp_path / "mpi.h5"
    done = mpirun(2, "sweep", SWEEP_SMALL, "-o", out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "on 2 MPI ranks" in done.stderr, done.stderr
    ran = [int(n) for n in re.findall(r"rank \d+ ran (\d+)", done.stderr)]
    assert len(ran) == 2 and sum(ran) == RUNS_SMALL, done.stderr
    assert_same_sweep(local_small, out)


def test_mpi_with_more_ranks_than_runs(tmp_path):
    sweep = write_sweep(tmp_path, "base: BASE\nreplicates: 1\n"
                        "vary: {list: [{policy.ip_protection: 0}, {policy.ip_protection: 1}]}\n")
    local, out = tmp_path / "local.h5", tmp_path / "mpi.h5"
    assert clustersim("sweep", sweep, "-o", local, "-q").returncode == 0
    done = mpirun(4, "sweep", sweep, "-o", out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "on 4 MPI ranks" in done.stderr and "2 runs in" in done.stderr, done.stderr
    assert_same_sweep(local, out)


def test_mpi_with_one_rank_matches_the_local_sweep(local_small, tmp_path):
    out = tmp_path / "mpi1.h5"
    done = mpirun(1, "sweep", SWEEP_SMALL, "-o", out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"on 1 MPI ranks: rank 0 ran {RUNS_SMALL}" in done.stderr, done.stderr
    assert_same_sweep(local_small, out)


def run_shards(out, shards, sweep=SWEEP_SMALL):
    for k in range(shards):
        done = clustersim("sweep", sweep, "--shard", f"{k}/{shards}", "-o", out)
        assert done.returncode == 0, done.stderr
        assert f"shard {k}/{shards}" in done.stderr, done.stderr
    assert not out.exists(), "a shard wrote the result file"


def test_three_shards_and_merge_match_the_local_sweep(local_small, tmp_path):
    out = tmp_path / "sharded.h5"
    run_shards(out, 3)
    folder = tmp_path / "sharded.h5.d"
    assert sorted(p.name for p in folder.iterdir()) == \
        ["shard-0-of-3", "shard-1-of-3", "shard-2-of-3", "sweep.h5"]
    assert sum(len(list(p.glob("run-*.h5"))) for p in folder.iterdir() if p.is_dir()) == RUNS_SMALL
    done = clustersim("merge", folder, "-o", out)
    assert done.returncode == 0, done.stderr
    assert_same_sweep(local_small, out)
    assert folder.is_dir(), "merge removed the shards"


def test_a_missing_shard_is_refused_and_nothing_is_written(tmp_path):
    out = tmp_path / "partial.h5"
    for k in (0, 2):
        assert clustersim("sweep", SWEEP_SMALL, "--shard", f"{k}/3", "-o", out, "-q").returncode == 0
    done = clustersim("merge", tmp_path / "partial.h5.d", "-o", out)
    assert done.returncode == 2, done.stderr
    assert "4 of 12 runs are missing" in done.stderr and "run-0-1.h5" in done.stderr, done.stderr
    assert not out.exists() and not list(tmp_path.glob(".partial.h5.tmp*"))


def test_shards_of_another_sweep_are_refused(tmp_path):
    other = write_sweep(tmp_path, SWEEP_SMALL.read_text().replace("base: small.yaml", "base: BASE")
                        .replace("[0, 1]", "[0, 0.5]"), "other.yaml")
    out = tmp_path / "mixed.h5"
    assert clustersim("sweep", SWEEP_SMALL, "--shard", "0/2", "-o", out, "-q").returncode == 0
    # Another sweep into the same folder: refused by its manifest.
    done = clustersim("sweep", other, "--shard", "1/2", "-o", out, "-q")
    assert done.returncode == 2 and "holds runs of a different sweep" in done.stderr, done.stderr
    # Its shard folder copied in by hand: refused by the merge, naming the file.
    elsewhere = tmp_path / "elsewhere.h5"
    assert clustersim("sweep", other, "--shard", "1/2", "-o", elsewhere, "-q").returncode == 0
    shutil.copytree(tmp_path / "elsewhere.h5.d" / "shard-1-of-2",
                    tmp_path / "mixed.h5.d" / "shard-1-of-2")
    out.write_bytes(b"previous result")
    done = clustersim("merge", tmp_path / "mixed.h5.d", "-o", out, "--force")
    assert done.returncode == 2, done.stderr
    assert "shard-1-of-2" in done.stderr and "different sweep" in done.stderr, done.stderr
    assert out.read_bytes() == b"previous result"


def test_merge_refuses_a_folder_that_is_not_a_sweeps(tmp_path):
    done = clustersim("merge", tmp_path, "-o", tmp_path / "x.h5")
    assert done.returncode == 2 and "sweep.h5" in done.stderr, done.stderr
    done = clustersim("merge", tmp_path / "nowhere", "-o", tmp_path / "x.h5")
    assert done.returncode == 2 and "no such folder" in done.stderr, done.stderr


def test_an_existing_result_needs_force(local_small, tmp_path):
    out = tmp_path / "taken.h5"
    out.write_bytes(b"keep me")
    done = clustersim("sweep", SWEEP_SMALL, "-o", out)
    assert done.returncode == 2 and "--force" in done.stderr, done.stderr
    assert out.read_bytes() == b"keep me" and not (tmp_path / "taken.h5.d").exists()


@pytest.mark.parametrize("text, where, message", [
    ("base: BASE\nreplicates: 2\nvary: {grid: {policy.ip_protection: [0, 2]}}\n",
     ":3:", "policy.ip_protection"),
    ("base: BASE\nreplicates: 2\nvary: {grid: {run.seed: [1, 2]}}\n", ":3:", "run.seed"),
    ("base: BASE\nreplicate: 2\nvary: {grid: {policy.ip_protection: [0, 1]}}\n", ":2:1",
     "replicates"),
    ("base: BASE\nreplicates: 2\nvary: {grid: {policy.ip_protecton: [0, 1]}}\n", ":3:",
     "policy.ip_protection"),
    ("base: BASE\nreplicates: 2\nvary:\n  saltelli: {base_samples: 4, ranges: "
     "{policy.ip_protection: [1, 0]}}\n", ":4:", "policy.ip_protection"),
    ("base: nowhere.yaml\nreplicates: 2\nvary: {grid: {policy.ip_protection: [0, 1]}}\n",
     "nowhere.yaml", ""),
    ("base: BASE\nreplicates: 2\nvary: {grid: {policy.ip_protection: [0, 1]\n", ":", ""),
    # Found by reading: replicates were cast to int before their range was checked, so
    # 4294967297 (2^32 + 1) became 1 and ran.
    ("base: BASE\nreplicates: 4294967297\nvary: {grid: {policy.ip_protection: [0, 1]}}\n",
     ":2:", "'replicates': 4294967297 is outside the allowed range [1, 100000]"),
    ("base: BASE\nreplicates: 100001\nvary: {grid: {policy.ip_protection: [0, 1]}}\n",
     ":2:", "'replicates': 100001 is outside the allowed range [1, 100000]"),
])
def test_bad_sweep_files_are_refused_and_nothing_is_overwritten(tmp_path, text, where, message):
    sweep = write_sweep(tmp_path, text)
    out = tmp_path / "out.h5"
    out.write_bytes(b"previous result")
    done = clustersim("sweep", sweep, "-o", out, "--force")
    assert done.returncode == 2, done.stderr
    assert where in done.stderr and message in done.stderr, done.stderr
    assert "error" in done.stderr and "Traceback" not in done.stderr
    assert out.read_bytes() == b"previous result"
    assert not (tmp_path / "out.h5.d").exists()


def test_bad_shard_option(tmp_path):
    # Found by reading: sscanf's %d took 4294967296 (undefined; glibc wrapped it to 0), a sign
    # and spaces.
    for shard in ("3/3", "1", "-1/2", "a/b", "4294967296/4", "0/4294967297", "+1/4", " 1/4",
                  "1/4 ", "1/", "/4"):
        done = clustersim("sweep", SWEEP_SMALL, "--shard", shard, "-o", tmp_path / "x.h5")
        assert done.returncode == 2 and "--shard" in done.stderr, (shard, done.stderr)


def test_a_killed_sweep_resumes_to_the_same_file(tmp_path):
    # 240 runs of a few milliseconds each: long enough to be killed part-way.
    sweep = write_sweep(tmp_path, SWEEP_SMALL.read_text().replace("base: small.yaml", "base: BASE")
                        .replace("replicates: 2", "replicates: 40"))
    whole = tmp_path / "whole.h5"
    assert clustersim("sweep", sweep, "-o", whole, "-q", "--threads", "2").returncode == 0

    out, folder = tmp_path / "killed.h5", tmp_path / "killed.h5.d"
    process = subprocess.Popen([str(EXECUTABLE), "sweep", str(sweep), "-o", str(out), "-q",
                                "--threads", "2"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(folder.glob("*/run-*.h5"))) < 30:
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the sweep ended before it was killed"
    finished = len(list(folder.glob("*/run-*.h5")))
    assert 30 <= finished < 240 and not out.exists()

    done = clustersim("sweep", sweep, "-o", out, "--threads", "2")
    assert done.returncode == 0, done.stderr
    assert f"resuming: {finished} of 240 runs already finished" in done.stderr, done.stderr
    assert "runs 240/240" not in done.stderr, "the resumed sweep ran every run again"
    assert_same_sweep(whole, out)


def test_keep_runs_keeps_the_folder_and_a_rerun_only_assembles(tmp_path):
    out = tmp_path / "kept.h5"
    assert clustersim("sweep", SWEEP_SMALL, "-o", out, "-q", "--keep-runs").returncode == 0
    assert len(list((tmp_path / "kept.h5.d" / "local").glob("run-*.h5"))) == RUNS_SMALL
    done = clustersim("sweep", SWEEP_SMALL, "-o", out, "--force")
    assert done.returncode == 0 and f"resuming: {RUNS_SMALL} of {RUNS_SMALL}" in done.stderr


def test_a_damaged_finished_run_is_done_again_on_resume(tmp_path, local_small):
    out = tmp_path / "kept.h5"
    assert clustersim("sweep", SWEEP_SMALL, "-o", out, "-q", "--keep-runs").returncode == 0
    damaged = sorted((tmp_path / "kept.h5.d" / "local").glob("run-*.h5"))[3]
    data = damaged.read_bytes()
    damaged.write_bytes(data[:2000] + bytes([data[2000] ^ 0xFF]) + data[2001:])
    done = clustersim("sweep", SWEEP_SMALL, "-o", out, "--force")
    assert done.returncode == 0, done.stderr
    assert f"warning: {damaged}" in done.stderr and "its run will be done again" in done.stderr
    assert f"resuming: {RUNS_SMALL - 1} of {RUNS_SMALL}" in done.stderr, done.stderr
    assert_same_sweep(local_small, out)


def test_goals_on_a_sweep_file_reports_each_point(local_small):
    # It used to refuse a sweep file; now each point gets the report of its replicates.
    done = clustersim("goals", local_small)
    assert done.returncode == 0, done.stderr
    headers = [line for line in done.stdout.splitlines() if line.startswith("Point ")]
    assert headers[0] == "Point 0 of 6: policy.ip_protection=0, policy.rd_super_deduction=0.5"
    assert headers[5] == "Point 5 of 6: policy.ip_protection=1, policy.rd_super_deduction=1.5"
    assert len(headers) == 6
    report = json.loads(clustersim("goals", local_small, "--json").stdout)
    assert [p["point"] for p in report["points"]] == list(range(6))
    with h5py.File(local_small, "r") as f:
        met = f["goals/met"][()]  # [run, goal, replicate]
    for p, point in enumerate(report["points"]):
        for g, goal in enumerate(point["goals"]):
            decided = met[p, g][met[p, g] >= 0]
            assert goal["decided"] == decided.size
            if decided.size:
                assert goal["share_met"] == pytest.approx((decided == 1).mean())


@pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")
def test_load_reads_the_point_dimension_and_its_settings(local_small):
    import clustersim as cs
    ds = cs.load(local_small)
    assert dict(ds.sizes) == {"point": 6, "replicate": 2, "time": 12, "cluster": 3, "goal": 4}
    assert ds["output_value"].dims == ("point", "replicate", "time", "cluster")
    np.testing.assert_array_equal(ds["policy.ip_protection"].values, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(ds["policy.rd_super_deduction"].values, [0.5, 1, 1.5] * 2)
    assert ds["policy.ip_protection"].dims == ("point",)
    assert ds.attrs["sweep_method"] == "grid"
    with h5py.File(local_small, "r") as f:
        np.testing.assert_array_equal(ds["output_value"].values, f["metrics/output_value"][()])


@pytest.fixture(scope="module")
def saltelli_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("saltelli") / "saltelli.h5"
    done = clustersim("sweep", SWEEP_SALTELLI, "-o", out, "-q")
    assert done.returncode == 0, done.stderr
    return out


def test_sensitivity_ranks_the_settings_of_a_saltelli_sweep(saltelli_result):
    done = clustersim("sensitivity", saltelli_result, "--outcome", "sum(output_value, 2016)",
                      "--json", "--bootstrap", "200")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["points"] == 40 and report["base_samples"] == 8
    rows = report["settings"]
    assert {r["setting"] for r in rows} == {"policy.rd_super_deduction",
                                            "policy.post_subsidy.rate", "policy.ip_protection"}
    totals = [r["ST"] for r in rows]
    assert totals == sorted(totals, reverse=True), "not ranked by total index"
    for r in rows:
        assert np.isfinite([r["S1"], r["ST"], r["ST_low"], r["ST_high"]]).all(), r
        assert r["ST_low"] <= r["ST"] <= r["ST_high"], r
    text_report = clustersim("sensitivity", saltelli_result, "--outcome",
                             "sum(output_value, 2016)")
    assert text_report.returncode == 0, text_report.stderr
    assert "S1" in text_report.stdout and "ST" in text_report.stdout


def test_sensitivity_refuses_a_grid_and_a_bad_outcome(local_small, saltelli_result):
    done = clustersim("sensitivity", local_small, "--outcome", "G1")
    assert done.returncode == 2 and "saltelli" in done.stderr, done.stderr
    done = clustersim("sensitivity", saltelli_result, "--outcome", "sum(no_such_metric)")
    assert done.returncode == 2 and "no_such_metric" in done.stderr, done.stderr


@pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")
def test_python_sensitivity_matches_the_command(saltelli_result):
    import clustersim as cs
    frame = cs.sensitivity(cs.load(saltelli_result), "sum(output_value, 2016)", bootstrap=200)
    done = clustersim("sensitivity", saltelli_result, "--outcome", "sum(output_value, 2016)",
                      "--json", "--bootstrap", "200")
    rows = {r["setting"]: r for r in json.loads(done.stdout)["settings"]}
    assert set(frame.index) == set(rows)
    for setting, row in frame.iterrows():
        # The same estimator on the same numbers: equal but for the last bits of summation.
        assert row["S1"] == pytest.approx(rows[setting]["S1"], rel=1e-9)
        assert row["ST"] == pytest.approx(rows[setting]["ST"], rel=1e-9)


def test_validate_checks_a_sweep_file_and_run_points_to_sweep(tmp_path):
    done = clustersim("validate", SWEEP_SMALL)
    assert done.returncode == 0 and "valid sweep (grid design" in done.stdout, done.stderr
    assert "6 points x 2 replicates = 12 runs" in done.stdout
    done = clustersim("run", SWEEP_SMALL, "-o", tmp_path / "x.h5")
    assert done.returncode == 2 and "clustersim sweep" in done.stderr, done.stderr


def test_shard_under_mpirun_is_refused(tmp_path):
    done = mpirun(2, "sweep", SWEEP_SMALL, "--shard", "0/2", "-o", tmp_path / "x.h5")
    assert done.returncode == 2 and "--shard" in done.stderr, done.stdout + done.stderr
    assert not (tmp_path / "x.h5").exists()


def test_a_sweep_in_a_folder_whose_name_is_not_utf8(tmp_path, local_small):
    """A folder's name may hold any bytes but / and NUL. The sweep's base scenario, resolved to
    YAML and read back for each point, used to come back with U+FFFD in place of such bytes, so
    every point failed on a catalogue that did not exist; its paths now keep their bytes."""
    folder = tmp_path / os.fsdecode(b"sweeps-\xff\xfe")
    folder.mkdir()
    for name in ("small.yaml", "clusters.csv", "initial-state.csv", "sweep-small.yaml"):
        shutil.copy(DATA / name, folder / name)
    sweep, out = folder / "sweep-small.yaml", tmp_path / "out.h5"

    def run(*args):  # bytes out: the messages may name the folder
        done = subprocess.run([str(EXECUTABLE), *map(str, args)], capture_output=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr.decode(errors="backslashreplace")
        return done

    assert b"valid sweep" in run("validate", sweep).stdout
    run("sweep", sweep, "-o", out, "-q")
    with h5py.File(out, "r") as f:
        assert os.fsencode(f.attrs["scenario_source"]) == os.fsencode(folder / "small.yaml")
        assert "\ufffd".encode() not in f["scenario"][()]
        with h5py.File(local_small, "r") as expected:
            left, right = datasets(expected["metrics"]), datasets(f["metrics"])
            assert left.keys() == right.keys() and left
            for name in left:
                assert_same_dataset(name, left[name], right[name])


def test_goals_refuses_a_sweep_file_whose_points_hold_no_replicates(local_small, tmp_path):
    # A million points of no replicates are no values at all: without the check the reader
    # made a million empty reports (found by reading the new per-point reader).
    from conftest import sealed_h5
    damaged = tmp_path / "damaged.h5"
    shutil.copy(local_small, damaged)
    with sealed_h5(damaged) as f:
        for name in ("value_at_deadline", "first_met", "met", "cost_to_deadline"):
            if f"goals/{name}" in f:
                dtype = f[f"goals/{name}"].dtype
                del f[f"goals/{name}"]
                f.create_dataset(f"goals/{name}", shape=(1_000_000, 4, 0), dtype=dtype)
        del f["coords/point"]  # nothing else bounds the points
    done = clustersim("goals", damaged)
    assert done.returncode == 2, done.stderr
    assert "/goals/value_at_deadline has the wrong shape" in done.stderr
