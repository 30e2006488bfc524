"""Faults: a full disk or file size limit, an output folder that cannot be written, damaged or
foreign result files, and a sweep stopped by SIGTERM. Each ends with a clear error, nothing
half-written under the final name, and the previous file untouched."""
import os
import shutil
import signal
import subprocess
import time

import h5py
import pytest

from conftest import EXECUTABLE, PACKAGE_BUILT, SMALL, SOURCE_DIR, clustersim
from h5compare import assert_same_sweep

PLAN = SOURCE_DIR / "scenarios" / "shandong-2015.yaml"
SWEEP_SMALL = SOURCE_DIR / "tests" / "data" / "sweep-small.yaml"


def test_a_file_size_limit_leaves_the_previous_result_untouched(small_result, tmp_path):
    out = tmp_path / "result.h5"
    shutil.copy(small_result, out)
    before = out.read_bytes()
    # 50 KiB: enough to start the baseline's file, far too little to finish it.
    done = subprocess.run(["bash", "-c", f'ulimit -f 50; exec "{EXECUTABLE}" run "{PLAN}" '
                           f'--replicates 2 -o "{out}" --force -q'],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert f"could not write {out}" in done.stderr and "disk may be full" in done.stderr
    assert "previous file is left as it was" in done.stderr
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.h5"], "a temporary file is left"


def test_an_output_folder_that_cannot_be_written_is_refused_before_running(tmp_path):
    done = clustersim("run", SMALL, "-o", "/proc/result.h5", "-q")
    assert done.returncode == 2 and "output folder '/proc' is not writable" in done.stderr
    done = clustersim("run", SMALL, "-o", tmp_path / "missing" / "result.h5", "-q")
    assert done.returncode == 2 and "does not exist" in done.stderr, done.stderr
    done = clustersim("sweep", SWEEP_SMALL, "-o", "/proc/sweep.h5", "-q")
    assert done.returncode == 2 and "not writable" in done.stderr, done.stderr


@pytest.fixture()
def damaged(small_result, tmp_path):
    """A truncated result file, a file that is not HDF5, and an HDF5 file of someone else."""
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(small_result.read_bytes()[:4000])
    text = tmp_path / "text.h5"
    text.write_text("not a result\n")
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = [1, 2, 3]
    return {"truncated": truncated, "text": text, "foreign": foreign}


@pytest.mark.parametrize("command", ["goals", "stats"])
@pytest.mark.parametrize("kind, words", [("truncated", "damaged or incomplete"),
                                         ("text", "not an HDF5 file"),
                                         ("foreign", "not a clustersim result file")])
def test_damaged_files_give_a_clear_error(damaged, command, kind, words):
    done = clustersim(command, damaged[kind])
    assert done.returncode == 2, done.stderr
    assert str(damaged[kind]) in done.stderr and words in done.stderr, done.stderr


@pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")
@pytest.mark.parametrize("kind", ["truncated", "text", "foreign"])
def test_load_names_a_damaged_file(damaged, kind):
    import clustersim as cs
    with pytest.raises(cs.ResultFileError) as error:
        cs.load(damaged[kind])
    assert str(damaged[kind]) in str(error.value) or damaged[kind].name in str(error.value)


def test_merge_refuses_a_damaged_run_file_or_manifest(tmp_path):
    out = tmp_path / "sweep.h5"
    for k in range(2):
        assert clustersim("sweep", SWEEP_SMALL, "--shard", f"{k}/2", "-o", out, "-q").returncode == 0
    folder = tmp_path / "sweep.h5.d"
    run = sorted((folder / "shard-1-of-2").glob("run-*.h5"))[0]
    run.write_bytes(run.read_bytes()[:3000])
    done = clustersim("merge", folder, "-o", out)
    assert done.returncode == 2 and run.name in done.stderr and "damaged" in done.stderr, \
        done.stderr
    assert not out.exists()
    (folder / "sweep.h5").write_text("garbage")
    done = clustersim("merge", folder, "-o", out)
    assert done.returncode == 2 and "sweep.h5" in done.stderr, done.stderr


def test_sigterm_stops_a_sweep_which_then_resumes_to_the_same_file(tmp_path):
    sweep = tmp_path / "long.yaml"
    sweep.write_text(SWEEP_SMALL.read_text()
                     .replace("base: small.yaml", f"base: {SOURCE_DIR / 'tests' / 'data' / 'small.yaml'}")
                     .replace("replicates: 2", "replicates: 40"))
    whole = tmp_path / "whole.h5"
    assert clustersim("sweep", sweep, "-o", whole, "-q").returncode == 0
    out, folder = tmp_path / "stopped.h5", tmp_path / "stopped.h5.d"
    process = subprocess.Popen([str(EXECUTABLE), "sweep", str(sweep), "-o", str(out), "-q"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(folder.glob("*/run-*.h5"))) < 20:
        time.sleep(0.002)
    sent = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert time.monotonic() - sent < 2.0
    assert process.returncode == 143, err
    assert "finished runs are kept" in err and not out.exists()
    assert not list(folder.glob("*/.*tmp*")), "a half-written run file is left"
    done = clustersim("sweep", sweep, "-o", out)
    assert done.returncode == 0 and "resuming:" in done.stderr, done.stderr
    assert_same_sweep(whole, out)
