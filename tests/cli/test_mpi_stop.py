"""Orderly shutdown of sweeps over MPI ranks (issue 15), each with 2 and 3 ranks: a signal to
every rank (as a batch system sends it), to one rank or to mpirun itself, a run that fails on
one rank, and bad input found by a run stop every rank at its next run boundary. Every rank ends
through MPI_Finalize with the same exit code (128 + signal, 1, 2), never through MPI_Abort; rank
0 says why, how many runs are finished and that the same command resumes; the finished runs are
kept, and the same command then finishes the sweep with the result of one never stopped.

No test asserts on time: timeouts only guard against a hang, and a test signals once a few runs
are on disk rather than after a sleep."""
import os
import pathlib
import shutil
import signal
import subprocess
import time

import pytest

from conftest import EXECUTABLE, SOURCE_DIR, clustersim
from h5compare import assert_same_sweep

DATA = SOURCE_DIR / "tests" / "data"
RUNS = 120  # 6 points x 20 replicates
HANG_GUARD = 120  # seconds: only a hang takes this long
NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT"}
MPI_ABORT_TEXT = "MPI_ABORT was invoked"

SWEEP_TEXT = """\
# 6 points of 68 quarters: long enough to be stopped part-way on a fast machine.
base: {base}
replicates: {replicates}
set:
  policy.supported_clusters: 1
  run.end: 2030Q4
vary:
  grid:
    policy.ip_protection: [0, 1]
    policy.rd_super_deduction: [0.5, 1.0, 1.5]
"""


def write_sweep(folder, base=DATA / "small.yaml", replicates=20):
    path = folder / "long.yaml"
    path.write_text(SWEEP_TEXT.format(base=base, replicates=replicates))
    return path


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """The sweep file and its result run on local cores, never stopped."""
    folder = tmp_path_factory.mktemp("mpi-stop")
    path = write_sweep(folder)
    whole = folder / "whole.h5"
    done = clustersim("sweep", path, "-o", whole, "-q")
    assert done.returncode == 0, done.stderr
    return path, whole


def mpi_environment():
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if "ASAN_OPTIONS" in env:  # as in test_sweep.py: OpenMPI leaks at exit by design
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    return env


def start_mpirun(ranks, *args, codes=None, mpirun_options=()):
    """clustersim under mpirun, started in the background. With `codes`, each rank runs under
    `sh`, which writes the rank's own exit code to codes/rank-K (mpirun reports only one of
    them). Once a rank has ended with an error, mpirun sends SIGTERM to the ranks still running
    and SIGKILL odls_base_sigkill_timeout seconds later: an `sh` was seen killed by that SIGTERM
    before it had written its rank's code (the rank itself, past MPI_Finalize, ends with its
    code all the same), so `sh` ignores SIGTERM and SIGINT (clustersim sets its own handlers),
    and the timeout is 2 s, not 1."""
    command = [str(EXECUTABLE), *map(str, args)]
    if codes is not None:
        codes.mkdir(exist_ok=True)
        record = ('trap "" TERM INT; "$@"; code=$?; '
                  'echo $code > "$0/rank-$OMPI_COMM_WORLD_RANK"; exit $code')
        command = ["sh", "-c", record, str(codes), *command]
        mpirun_options = ["--mca", "odls_base_sigkill_timeout", "2", *mpirun_options]
    return subprocess.Popen(["mpirun", *mpirun_options, "--oversubscribe", "-n", str(ranks),
                             *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=mpi_environment())


def rank_codes(codes):
    """{rank: exit code} as the ranks' `sh` recorded them."""
    return {int(p.name.split("-")[1]): int(p.read_text()) for p in codes.glob("rank-*")}


def run_files(folder):
    return sorted(folder.glob("*/run-*.h5"))


def wait_for_runs(process, folder, count):
    """Waits until `count` runs are on disk; fails if the job ends first."""
    deadline = time.monotonic() + HANG_GUARD
    while len(run_files(folder)) < count:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the sweep ended (exit {process.returncode}) before it was stopped:\n"
                        f"{out}{err}")
        assert time.monotonic() < deadline, "no runs were written"
        time.sleep(0.005)


def rank_processes(mpirun_pid):
    """{rank: pid} of the clustersim processes below mpirun (mpirun -> sh -> clustersim)."""
    parents = {}
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    below = {mpirun_pid}
    changed = True
    while changed:
        grown = below | {pid for pid, parent in parents.items() if parent in below}
        changed, below = grown != below, grown
    ranks = {}
    for pid in below - {mpirun_pid}:
        try:
            if pathlib.Path(f"/proc/{pid}/exe").resolve() != EXECUTABLE.resolve():
                continue
            environ = pathlib.Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for item in environ:
            if item.startswith(b"OMPI_COMM_WORLD_RANK="):
                ranks[int(item.split(b"=", 1)[1])] = pid
    return ranks


def find_ranks(process, ranks):
    deadline = time.monotonic() + HANG_GUARD
    while len(found := rank_processes(process.pid)) < ranks:
        assert time.monotonic() < deadline and process.poll() is None, "ranks not found"
        time.sleep(0.01)
    return found


def assert_stopped_in_order(err, folder, out):
    """What every stop leaves: one message with the resume hint, counting the runs on disk;
    no MPI_Abort, no half-written run file, no result file."""
    assert MPI_ABORT_TEXT not in err, err
    assert err.count("sweep stopped on all") == 1, err
    assert "run the same command to resume" in err, err
    kept = len(run_files(folder))
    assert f"{kept} of {RUNS} runs are finished and kept in {folder}" in err, err
    assert not list(folder.glob("*/.*tmp*")), "a half-written run file is left"
    assert not out.exists()
    return kept


def assert_resumes_to(sweep_file, out, kept, whole, ranks):
    done = subprocess.run(["mpirun", "--oversubscribe", "-n", str(ranks), str(EXECUTABLE),
                           "sweep", str(sweep_file), "-o", str(out)], capture_output=True,
                          text=True, env=mpi_environment(), timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"resuming: {kept} of {RUNS} runs already finished" in done.stderr, done.stderr
    assert_same_sweep(whole, out)


@pytest.mark.parametrize("ranks", [2, 3], ids=["2-ranks", "3-ranks"])
@pytest.mark.parametrize("sent, target", [
    # Every rank, as a batch system signals every process of a job.
    pytest.param(signal.SIGTERM, "every rank", id="SIGTERM-to-every-rank"),
    pytest.param(signal.SIGINT, "every rank", id="SIGINT-to-every-rank"),
    # One worker, which tells rank 0, which stops the others.
    pytest.param(signal.SIGTERM, "the last rank", id="SIGTERM-to-the-last-rank"),
    # Rank 0 alone, which stops the workers.
    pytest.param(signal.SIGINT, "rank 0", id="SIGINT-to-rank-0"),
])
def test_a_signal_stops_every_rank_and_the_sweep_resumes(sweep, tmp_path, ranks, sent, target):
    sweep_file, whole = sweep
    out, folder, codes = tmp_path / "stopped.h5", tmp_path / "stopped.h5.d", tmp_path / "codes"
    process = start_mpirun(ranks, "sweep", sweep_file, "-o", out, "-q", "--threads", "1",
                           codes=codes)
    pids = find_ranks(process, ranks)
    wait_for_runs(process, folder, 3)
    chosen = {"every rank": list(pids), "the last rank": [ranks - 1], "rank 0": [0]}[target]
    for rank in chosen:
        os.kill(pids[rank], sent)
    out_text, err = process.communicate(timeout=HANG_GUARD)
    expected = 128 + sent
    assert process.returncode == expected, out_text + err
    assert rank_codes(codes) == {r: expected for r in range(ranks)}, out_text + err
    assert f"sweep stopped on all {ranks} MPI ranks: {NAMES[sent]} on rank" in err, err
    if len(chosen) == 1:
        assert f"{NAMES[sent]} on rank {chosen[0]};" in err, err
    assert "the runs in progress were dropped" in err, err
    kept = assert_stopped_in_order(err, folder, out)
    if target == "every rank":  # the folder is the same whichever rank was signalled
        assert_resumes_to(sweep_file, out, kept, whole, ranks)


@pytest.mark.parametrize("ranks", [2, 3], ids=["2-ranks", "3-ranks"])
@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_mpirun_ends_the_job_in_order(tmp_path, ranks, sent):
    """OpenMPI's mpirun (4.1) does not forward SIGINT or SIGTERM: it ends the job itself,
    sending every rank SIGTERM odls_base_sigkill_timeout seconds later and SIGKILL as long after
    that, and exits 1 whatever the ranks return. The ranks stop as on their own SIGTERM within
    that time (3 s here, not the default 1 s, so that a loaded machine makes it too)."""
    # 1200 runs: still running when the ranks get SIGTERM, 3 s after mpirun got the signal.
    sweep_file = write_sweep(tmp_path, replicates=200)
    runs = 6 * 200
    out, folder = tmp_path / "stopped.h5", tmp_path / "stopped.h5.d"
    process = start_mpirun(ranks, "sweep", sweep_file, "-o", out, "-q", "--threads", "1",
                           mpirun_options=["--mca", "odls_base_sigkill_timeout", "3"])
    find_ranks(process, ranks)
    wait_for_runs(process, folder, 3)
    process.send_signal(sent)
    out_text, err = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 1, out_text + err  # mpirun's own code when signalled
    assert MPI_ABORT_TEXT not in err, err
    assert f"sweep stopped on all {ranks} MPI ranks: SIGTERM on rank" in err, err
    assert "run the same command to resume" in err, err
    kept = len(run_files(folder))
    assert f"{kept} of {runs} runs are finished and kept in {folder}" in err, err
    assert not list(folder.glob("*/.*tmp*")), "a half-written run file is left"
    assert not out.exists()


@pytest.mark.parametrize("ranks", [2, 3], ids=["2-ranks", "3-ranks"])
@pytest.mark.parametrize("failing", ["rank 0", "the last rank"])
def test_a_run_failing_on_one_rank_stops_every_rank_with_exit_1(sweep, tmp_path, ranks, failing):
    """The failing rank's subfolder of the run folder is a file, so its first run cannot be
    written: an error on that rank alone, found at run time."""
    sweep_file, whole = sweep
    rank = 0 if failing == "rank 0" else ranks - 1
    out, folder, codes = tmp_path / "failed.h5", tmp_path / "failed.h5.d", tmp_path / "codes"
    folder.mkdir()
    (folder / f"rank-{rank}").write_text(f"in the way of rank {rank}'s runs\n")
    process = start_mpirun(ranks, "sweep", sweep_file, "-o", out, "-q", "--threads", "1",
                           codes=codes)
    out_text, err = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 1, out_text + err
    assert rank_codes(codes) == {r: 1 for r in range(ranks)}, out_text + err
    assert f"rank {rank}: error: " in err and f"rank-{rank}" in err, err
    assert f"sweep stopped on all {ranks} MPI ranks: a failure on rank {rank} (above)" in err, err
    assert "fix the cause, then run the same command to resume" in err, err
    kept = assert_stopped_in_order(err, folder, out)
    assert kept < RUNS
    (folder / f"rank-{rank}").unlink()
    assert_resumes_to(sweep_file, out, kept, whole, ranks)


@pytest.mark.parametrize("ranks", [2, 3], ids=["2-ranks", "3-ranks"])
def test_bad_input_found_by_a_run_stops_every_rank_with_exit_2(tmp_path, ranks):
    """The starting state is read by every run: once it is gone, the next run on any rank
    fails with bad input, after every point was checked and runs were written."""
    for name in ("small.yaml", "clusters.csv", "initial-state.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    sweep_file = write_sweep(tmp_path, base=tmp_path / "small.yaml")
    state = tmp_path / "initial-state.csv"
    out, folder, codes = tmp_path / "bad.h5", tmp_path / "bad.h5.d", tmp_path / "codes"
    process = start_mpirun(ranks, "sweep", sweep_file, "-o", out, "-q", "--threads", "1",
                           codes=codes)
    wait_for_runs(process, folder, 3)
    state.rename(tmp_path / "moved.csv")
    out_text, err = process.communicate(timeout=HANG_GUARD)
    assert process.returncode == 2, out_text + err
    assert rank_codes(codes) == {r: 2 for r in range(ranks)}, out_text + err
    assert "world.initial_state_file" in err and str(state) in err, err
    assert f"sweep stopped on all {ranks} MPI ranks: bad input found by a run on rank" in err, err
    assert "fix the cause, then run the same command to resume" in err, err
    kept = assert_stopped_in_order(err, folder, out)
    (tmp_path / "moved.csv").rename(state)
    done = subprocess.run(["mpirun", "--oversubscribe", "-n", str(ranks), str(EXECUTABLE),
                           "sweep", str(sweep_file), "-o", str(out)], capture_output=True,
                          text=True, env=mpi_environment(), timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"resuming: {kept} of {RUNS} runs already finished" in done.stderr, done.stderr
