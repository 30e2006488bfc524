"""Faults: a full disk or file size limit, an output folder that cannot be written, damaged or
foreign result files, and a sweep stopped by SIGTERM. Each ends with a clear error, nothing
half-written under the final name, and the previous file untouched."""
import shutil
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import EXECUTABLE, PACKAGE_BUILT, SMALL, SOURCE_DIR, clustersim, sealed_h5
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


def test_names_too_long_for_the_file_system_are_refused_before_running(tmp_path):
    """A file name over the file system's 255 bytes made std::filesystem throw: the catalogue's
    (found by set_fuzz) ended in std::terminate, and an output name after the whole run."""
    long = "x" * 300
    done = clustersim("validate", SMALL, "--set", f"world.clusters_file={long}")
    assert done.returncode == 2, done.stderr
    assert "key 'world.clusters_file'" in done.stderr and "is not a readable file" in done.stderr
    done = clustersim("run", SMALL, "-o", tmp_path / f"{long}.h5")
    assert done.returncode == 2, done.stderr
    assert "name is too long for the file system" in done.stderr
    assert "progress" not in done.stderr, "the run started before the output name was checked"
    done = clustersim("sweep", SWEEP_SMALL, "-o", tmp_path / f"{long}.h5", "-q")
    assert done.returncode == 2, done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.fixture()
def damaged(small_result, tmp_path):
    """Result files that must be refused before HDF5 reads them: truncated, one byte flipped in
    the middle, bytes appended, edited with h5py after clustersim wrote it, and without a seal
    (as clustersim wrote them before the seal); a file that is not HDF5, and an HDF5 file of
    someone else."""
    good = small_result.read_bytes()
    files = {name: tmp_path / f"{name}.h5" for name in
             ("truncated", "flipped", "appended", "edited", "unsealed", "text", "foreign")}
    files["truncated"].write_bytes(good[:4000])
    middle = len(good) // 2
    files["flipped"].write_bytes(good[:middle] + bytes([good[middle] ^ 0x10]) + good[middle + 1:])
    files["appended"].write_bytes(good + b"\0" * 100)
    files["edited"].write_bytes(good)
    with h5py.File(files["edited"], "r+") as f:
        f.attrs["note"] = "added by hand"
    files["unsealed"].write_bytes(b"\0" * 512 + good[512:])
    files["text"].write_text("not a result\n")
    with h5py.File(files["foreign"], "w") as f:
        f["x"] = [1, 2, 3]
    return files


DAMAGE_MESSAGES = [("truncated", "damaged or incomplete: truncated to 4000 of the"),
                   ("flipped", "damaged or changed since clustersim wrote it: the CRC-32"),
                   ("appended", "damaged or changed:"),
                   ("edited", "damaged or changed"),
                   ("unsealed", "an HDF5 file without clustersim's seal"),
                   ("text", "not an HDF5 file"),
                   ("foreign", "not a clustersim result file")]


@pytest.mark.parametrize("command", ["goals", "stats"])
@pytest.mark.parametrize("kind, words", DAMAGE_MESSAGES)
def test_damaged_files_give_a_clear_error(damaged, command, kind, words):
    done = clustersim(command, damaged[kind])
    assert done.returncode == 2, done.stderr
    assert str(damaged[kind]) in done.stderr and words in done.stderr, done.stderr


@pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")
@pytest.mark.parametrize("kind, words", DAMAGE_MESSAGES)
def test_load_names_a_damaged_file(damaged, kind, words):
    import clustersim as cs
    with pytest.raises(cs.ResultFileError) as error:
        cs.load(damaged[kind])
    assert str(damaged[kind]) in str(error.value) and words in str(error.value)


def test_a_sealed_file_is_what_hdf5_tools_read(small_result):
    """The seal sits in HDF5's user block: h5py (and so xarray and netCDF) read the file as
    usual, and the seal's text gives the file's length."""
    head = small_result.read_bytes()[:512]
    assert head.startswith(b"clustersim seal 1\nbytes ")
    assert f"bytes {small_result.stat().st_size}\n".encode() in head
    with h5py.File(small_result, "r") as f:
        assert f.userblock_size == 512 and f.attrs["filetype"] == "clustersim-result"


def test_merge_refuses_a_damaged_run_file_or_manifest(tmp_path):
    out = tmp_path / "sweep.h5"
    for k in range(2):
        assert clustersim("sweep", SWEEP_SMALL, "--shard", f"{k}/2", "-o", out, "-q").returncode == 0
    folder = tmp_path / "sweep.h5.d"
    run, flipped = sorted((folder / "shard-1-of-2").glob("run-*.h5"))[:2]
    data = flipped.read_bytes()
    flipped.write_bytes(data[:-100] + bytes([data[-100] ^ 1]) + data[-99:])
    done = clustersim("merge", folder, "-o", out)
    assert done.returncode == 2 and flipped.name in done.stderr, done.stderr
    assert "damaged or changed since clustersim wrote it" in done.stderr, done.stderr
    flipped.write_bytes(data)
    run.write_bytes(run.read_bytes()[:3000])
    done = clustersim("merge", folder, "-o", out)
    assert done.returncode == 2 and run.name in done.stderr and "damaged" in done.stderr, \
        done.stderr
    assert not out.exists()
    (folder / "sweep.h5").write_text("garbage")
    done = clustersim("merge", folder, "-o", out)
    assert done.returncode == 2 and "sweep.h5" in done.stderr, done.stderr


def test_merge_refuses_runs_with_other_goals_than_the_first(tmp_path):
    """Fuzzing finding (tests/fuzz/corpus/result/regression-first-run-without-goals): a first
    run file without goals sized the goal arrays to nothing, and the next run's goals were
    written past their end."""
    out = tmp_path / "sweep.h5"
    assert clustersim("sweep", SWEEP_SMALL, "-o", out, "-q", "--keep-runs").returncode == 0
    first = tmp_path / "sweep.h5.d" / "local" / "run-0-0.h5"
    with sealed_h5(first) as f:
        del f["goal_id"]
    done = clustersim("merge", tmp_path / "sweep.h5.d", "-o", tmp_path / "merged.h5")
    assert done.returncode == 2, done.stderr
    assert "holds other goals than the sweep's first run" in done.stderr, done.stderr


def test_merge_refuses_a_manifest_edited_against_its_fingerprint(tmp_path):
    """Fuzzing finding: a manifest whose design or replicates were changed (and resealed) was
    believed; a changed design point was merged silently under the wrong settings."""
    out = tmp_path / "sweep.h5"
    assert clustersim("sweep", SWEEP_SMALL, "-o", out, "-q", "--keep-runs").returncode == 0
    with sealed_h5(tmp_path / "sweep.h5.d" / "sweep.h5") as f:
        f["design"][0, 0] = 0.25
    done = clustersim("merge", tmp_path / "sweep.h5.d", "-o", tmp_path / "merged.h5")
    assert done.returncode == 2, done.stderr
    assert "does not match its fingerprint" in done.stderr, done.stderr


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
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 143, err
    assert "finished runs are kept" in err and not out.exists()
    assert not list(folder.glob("*/.*tmp*")), "a half-written run file is left"
    done = clustersim("sweep", sweep, "-o", out)
    assert done.returncode == 0 and "resuming:" in done.stderr, done.stderr
    assert_same_sweep(whole, out)


# --- Found by reading: contents that are well-formed HDF5 but wrong (tests/fuzz/README.md) ---

SWEEP_SALTELLI = SOURCE_DIR / "tests" / "data" / "sweep-saltelli.yaml"


@pytest.fixture(scope="module")
def saltelli_runs(tmp_path_factory):
    """A saltelli sweep's result file and its kept folder of runs (manifest and run files)."""
    out = tmp_path_factory.mktemp("saltelli") / "sweep.h5"
    done = clustersim("sweep", SWEEP_SALTELLI, "-o", out, "-q", "--keep-runs")
    assert done.returncode == 0, done.stderr
    return out


def runs_copy(saltelli_runs, tmp_path):
    """A copy of the kept folder of runs, for a test to edit."""
    folder = tmp_path / "sweep.h5.d"
    shutil.copytree(saltelli_runs.parent / "sweep.h5.d", folder)
    return folder


def wrapping_length(factor):
    """A length whose product with `factor` passes 2^64 by less than `factor`: a product of
    the two in 64 bits wraps around to a small number."""
    return -(-2**64 // factor)


def replace_with_empty_shape(f, name, shape, dtype):
    """Replaces dataset `name` by a chunked one of `shape` with nothing written (HDF5 stores
    no chunk, so any shape fits in a small file)."""
    del f[name]
    f.create_dataset(name, shape=shape, dtype=dtype, chunks=(1,) * len(shape))


def test_goals_refuses_a_goal_shape_whose_element_count_overflows(small_result, tmp_path):
    """Found by reading: the element count of /goals/value_at_deadline wrapped around 2^64, so
    it read a few values while the report looped over 2^62 replicates (past the arrays' end)."""
    path = tmp_path / "result.h5"
    shutil.copy(small_result, path)
    with sealed_h5(path) as f:
        goals = f["goal"].shape[0]
        wrapped = goals * wrapping_length(goals) - 2**64
        replace_with_empty_shape(f, "goals/value_at_deadline", (goals, wrapping_length(goals)),
                                 "f8")
        for name in ("goals/met", "goals/first_met", "goals/cost_to_deadline"):
            dtype = f[name].dtype
            del f[name]
            f[name] = np.zeros(wrapped, dtype=dtype)
    done = clustersim("goals", path)
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and "/goals/value_at_deadline has shape" in done.stderr, \
        done.stderr


def test_merge_refuses_a_design_shape_whose_element_count_overflows(saltelli_runs, tmp_path):
    """Found by reading: the manifest's design of 6e18 points of 3 settings wrapped to 2 values,
    and the points were cut from them past their end."""
    folder = runs_copy(saltelli_runs, tmp_path)
    with sealed_h5(folder / "sweep.h5") as f:
        replace_with_empty_shape(f, "design", (wrapping_length(3), 3), "f8")
    done = clustersim("merge", folder, "-o", tmp_path / "merged.h5")
    assert done.returncode == 2, done.stderr
    assert "sweep.h5" in done.stderr and "dataset /design has shape" in done.stderr, done.stderr


@pytest.mark.parametrize("dataset, index, value", [("goals/deadline", 0, float("inf")),
                                                   ("goals/deadline", 1, 5e8),
                                                   ("goals/first_met", (0, 0), -float("inf")),
                                                   ("goals/first_met", (1, 0), 5e8)])
def test_goals_refuses_a_decimal_year_outside_the_calendar(small_result, tmp_path, dataset,
                                                           index, value):
    """Found by reading: a deadline or first_met of infinity or 5e8 was cast to a quarter number
    (int) unchecked, which is undefined behaviour; only NaN or the calendar's years are read."""
    path = tmp_path / "result.h5"
    shutil.copy(small_result, path)
    with sealed_h5(path) as f:
        f["goals/met"][...] = 1  # every replicate decided, so that its first_met is reported
        f["goals/first_met"][...] = 2016.0
        f[dataset][index] = value
    done = clustersim("goals", path)
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and f"/{dataset} holds " in done.stderr, done.stderr
    assert "neither NaN nor the decimal year of a quarter's end" in done.stderr, done.stderr


def test_sensitivity_refuses_base_samples_whose_run_count_overflows(saltelli_runs, tmp_path):
    """Found by reading: 2^62 + 10 base samples of 2 settings (4 rows each) wrap around 2^64 to
    the file's 40 runs; the check passed and sobol_indices failed with length_error (exit 1)."""
    path = tmp_path / "sweep.h5"
    shutil.copy(saltelli_runs, path)
    with sealed_h5(path) as f:
        f.attrs["sweep_settings"] = list(f.attrs["sweep_settings"][:2])
        f.attrs["sweep_base_samples"] = np.int64(2**62 + 10)
    done = clustersim("sensitivity", path, "--outcome", "sum(output_value)")
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and "wrong shape" in done.stderr, done.stderr
    assert "has more than 2^64 points, the file has 40" in done.stderr, done.stderr


@pytest.mark.parametrize("base_samples", [-1, 100001])
def test_merge_refuses_a_manifest_with_base_samples_out_of_range(saltelli_runs, tmp_path,
                                                                 base_samples):
    """Found by reading: the manifest's base_samples (which its fingerprint does not cover) was
    cast to std::size_t unchecked: -1 was merged into a sweep file as sweep_base_samples -1."""
    folder = runs_copy(saltelli_runs, tmp_path)
    with sealed_h5(folder / "sweep.h5") as f:
        f.attrs["base_samples"] = np.int64(base_samples)
    done = clustersim("merge", folder, "-o", tmp_path / "merged.h5")
    assert done.returncode == 2, done.stderr
    assert "sweep.h5" in done.stderr and f"its base_samples attribute is {base_samples}; a " \
        "sweep has 0 to 100000" in done.stderr, done.stderr
    assert not (tmp_path / "merged.h5").exists()


def test_merge_refuses_a_manifest_whose_replicates_do_not_fit_an_int(saltelli_runs, tmp_path):
    """Found by reading: the manifest's replicates were cast to int before their range check,
    so 2^32 + 1 became 1, matched the fingerprint of a one-replicate sweep, and merged."""
    folder = runs_copy(saltelli_runs, tmp_path)
    with sealed_h5(folder / "sweep.h5") as f:
        f.attrs["replicates"] = np.int64(2**32 + 1)
    done = clustersim("merge", folder, "-o", tmp_path / "merged.h5")
    assert done.returncode == 2, done.stderr
    assert "sweep.h5" in done.stderr and "its replicates attribute is 4294967297; a sweep has 1 " \
        "to 100000" in done.stderr, done.stderr


@pytest.mark.parametrize("value, dtype", [(2, "i1"), (257, "i8"), (-2, "i1")])
def test_goals_and_merge_refuse_met_values_other_than_minus_one_zero_one(
        small_result, saltelli_runs, tmp_path, value, dtype):
    """Found by reading: /goals/met was narrowed to int8 unchecked (257 became 1, met), and 2
    or -2 passed as a goal neither met nor undecided."""
    path = tmp_path / "result.h5"
    shutil.copy(small_result, path)
    with sealed_h5(path) as f:
        met = f["goals/met"][...].astype(dtype)
        met[0, 0] = value
        del f["goals/met"]
        f["goals/met"] = met
    done = clustersim("goals", path)
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and f"/goals/met holds {value}; a goal is met (1)" \
        in done.stderr, done.stderr

    folder = runs_copy(saltelli_runs, tmp_path)
    run = sorted((folder / "local").glob("run-*.h5"))[3]
    with sealed_h5(run) as f:
        met = f["met"][...].astype(dtype)
        met[0] = value
        del f["met"]
        f["met"] = met
    done = clustersim("merge", folder, "-o", tmp_path / "merged.h5")
    assert done.returncode == 2, done.stderr
    assert run.name in done.stderr and f"/met holds {value}" in done.stderr, done.stderr


def test_goals_refuses_a_decided_replicate_without_a_value(small_result, tmp_path):
    """Found by reading: a NaN value_at_deadline of a replicate that /goals/met says is decided
    went into std::sort through the report's quantiles (undefined behaviour)."""
    path = tmp_path / "result.h5"
    shutil.copy(small_result, path)
    with sealed_h5(path) as f:
        f["goals/met"][0, 0] = 1
        f["goals/value_at_deadline"][0, 0] = np.nan
        goal = f["goal"][0].decode()
    done = clustersim("goals", path)
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and f"/goals/value_at_deadline is NaN for goal {goal}, " \
        "replicate 0, which /goals/met says is decided" in done.stderr, done.stderr


@pytest.mark.parametrize("edit, words", [
    ("schema_version", "attribute schema_version of / does not hold integers"),
    ("goals/met", "dataset /goals/met does not hold integers"),
])
def test_goals_refuses_floats_where_integers_belong(small_result, tmp_path, edit, words):
    """Found by reading: integers were read from float datasets and attributes through HDF5's
    own conversion, which is undefined for NaN or out-of-range numbers; 1.0 was accepted."""
    path = tmp_path / "result.h5"
    shutil.copy(small_result, path)
    with sealed_h5(path) as f:
        if edit == "schema_version":
            f.attrs["schema_version"] = f.attrs["schema_version"].astype(np.float64)
        else:
            met = f["goals/met"][...].astype(np.float64)
            del f["goals/met"]
            f["goals/met"] = met
    done = clustersim("goals", path)
    assert done.returncode == 2, done.stderr
    assert str(path) in done.stderr and words in done.stderr, done.stderr


def test_merge_refuses_a_run_file_whose_point_is_a_float(saltelli_runs, tmp_path):
    """Found by reading: a run file's point attribute, NaN as a float, was converted to int64
    inside HDF5 (undefined behaviour)."""
    folder = runs_copy(saltelli_runs, tmp_path)
    run = sorted((folder / "local").glob("run-*.h5"))[0]
    with sealed_h5(run) as f:
        f.attrs["point"] = np.nan
    done = clustersim("merge", folder, "-o", tmp_path / "merged.h5")
    assert done.returncode == 2, done.stderr
    assert run.name in done.stderr and "attribute point of / does not hold integers" \
        in done.stderr, done.stderr


def test_merge_reads_run_file_names_and_the_fingerprint_whole(saltelli_runs, tmp_path):
    """Found by reading: run file names were parsed with sscanf, so run-+0-0.h5 was taken for
    run 0-0. The manifest's fingerprint was parsed with std::stoull, which takes a prefix of it
    (a later exact comparison refused it as another sweep's; now it is refused as what it is)."""
    folder = runs_copy(saltelli_runs, tmp_path)
    (folder / "local" / "run-0-0.h5").rename(folder / "local" / "run-+0-0.h5")
    done = clustersim("merge", folder, "-o", tmp_path / "merged.h5")
    assert done.returncode == 2, done.stderr
    assert "1 of 40 runs are missing (run-0-0.h5)" in done.stderr, done.stderr

    (folder / "local" / "run-+0-0.h5").rename(folder / "local" / "run-0-0.h5")
    with sealed_h5(folder / "sweep.h5") as f:
        fingerprint = f.attrs["fingerprint"]
        f.attrs["fingerprint"] = fingerprint + "x"
    done = clustersim("merge", folder, "-o", tmp_path / "merged.h5")
    assert done.returncode == 2, done.stderr
    assert f"its fingerprint attribute '{fingerprint}x' is not 16 hexadecimal digits" \
        in done.stderr, done.stderr
