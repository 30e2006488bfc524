"""Sweeps and calibrations on a real Slurm (single node on localhost): the job array of shards
and the dependent merge give the same result as the sweep run in one process, and rounds of
shards and steps the same posterior as the calibration run in one process."""
import re
import subprocess
import time

import pytest

from conftest import EXECUTABLE, SOURCE_DIR, clustersim
from h5compare import assert_same_sweep
from local_slurm import local_slurm  # noqa: F401  (the fixture)
from test_calibrate import assert_same_calibration, observed, small_local  # noqa: F401

SLURM_DIR = SOURCE_DIR / "scenarios" / "sweeps" / "slurm"
CALIBRATION_SLURM_DIR = SOURCE_DIR / "scenarios" / "calibration" / "slurm"
SWEEP_SMALL = SOURCE_DIR / "tests" / "data" / "sweep-small.yaml"


def assert_all_completed(states, context=""):
    for job, tasks in states.items():
        assert tasks, f"job {job}: no record\n{context}"
        for task, state, reason, exit_code in tasks:
            assert (state, exit_code) == ("COMPLETED", "0:0"), \
                f"job {job} task {task}: {state} ({reason}), exit code {exit_code}\n{context}"


def test_local_slurm_runs_an_array_and_a_dependent_job(local_slurm, tmp_path):
    array = local_slurm.run(
        "sbatch", "--parsable", "--array=0-2", f"--output={tmp_path}/array-%A_%a.out",
        "--wrap", "echo task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_TASK_COUNT on $(hostname -s)",
        cwd=tmp_path).stdout.strip().split(";")[0]
    after = local_slurm.run(
        "sbatch", "--parsable", f"--dependency=afterok:{array}", f"--output={tmp_path}/after-%j.out",
        "--wrap", "echo after $SLURM_JOB_DEPENDENCY", cwd=tmp_path).stdout.strip().split(";")[0]
    states = local_slurm.wait_for_jobs([array, after], timeout=40)
    assert_all_completed(states)
    assert sorted(task for task, *_ in states[array]) == ["0", "1", "2"]
    for task in range(3):
        text = (tmp_path / f"array-{array}_{task}.out").read_text()
        assert text.startswith(f"task {task} of 3 on {local_slurm.node}"), text
    text = (tmp_path / f"after-{after}.out").read_text()
    assert text.startswith(f"after afterok:{array}"), text


def local_sweep_and_folders(tmp_path):
    """The small sweep run on local cores (the reference), and the result path and log folder a
    Slurm submission of it writes to: (local.h5, slurm/sweep.h5, logs/)."""
    local = tmp_path / "local.h5"
    done = clustersim("sweep", SWEEP_SMALL, "-o", local, "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out, logs = tmp_path / "slurm" / "sweep.h5", tmp_path / "logs"
    out.parent.mkdir()
    logs.mkdir()
    return local, out, logs


def test_slurm_array_and_merge_match_the_local_sweep(local_slurm, tmp_path):
    help_text = clustersim("sweep", "--help")
    # (an unknown subcommand's --help prints the main help and exits 0)
    assert help_text.returncode == 0 and "--shard" in help_text.stdout, \
        f"{EXECUTABLE} has no sweep command with --shard:\n{help_text.stdout}{help_text.stderr}"

    local, out, logs = local_sweep_and_folders(tmp_path)
    submitted = subprocess.run(
        [str(SLURM_DIR / "submit.sh"), "--clustersim", str(EXECUTABLE), "--logs", str(logs),
         str(SWEEP_SMALL), str(out), "3"],
        env=local_slurm.env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    array = re.search(r"^array job (\d+)", submitted.stdout, re.M)
    merge = re.search(r"^merge job (\d+)", submitted.stdout, re.M)
    assert array and merge, submitted.stdout
    array, merge = array.group(1), merge.group(1)

    states = local_slurm.wait_for_jobs([array, merge], timeout=45)
    job_logs = "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(logs.iterdir()))
    assert_all_completed(states, job_logs)
    assert sorted(task for task, *_ in states[array]) == ["0", "1", "2"]

    for task in range(3):
        text = (logs / f"clustersim-sweep-{array}_{task}.out").read_text()
        assert f"shard {task}/3" in text and "finished with exit code 0" in text, job_logs
    text = (logs / f"clustersim-merge-{merge}.out").read_text()
    assert "merge finished with exit code 0" in text, job_logs
    assert out.is_file(), f"the merge wrote no {out}\n{job_logs}"
    assert (out.parent / "sweep.h5.d").is_dir()

    assert_same_sweep(local, out)


def mpi_job_environment(local_slurm):
    """The local Slurm's environment for an MPI job: Open MPI's mpirun as root (the tests run
    as root), and no leak reports from Open MPI's exit under ASan (as in test_mpi_stop.py)."""
    env = dict(local_slurm.env, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    return env


@pytest.mark.parametrize("launcher", [["--launcher", "srun", "--srun-mpi", "pmix"],
                                      ["--launcher", "mpirun"], []],
                         ids=["srun-pmix", "mpirun", "srun-default"])
def test_slurm_mpi_job_matches_the_local_sweep(local_slurm, tmp_path, launcher):
    """submit.sh --mpi: one job of 2 MPI ranks, started by srun (Slurm's launcher; Debian's
    Open MPI connects to it through PMIx, which this Slurm's MpiDefault=none does not choose,
    hence --srun-mpi pmix) or by Open MPI's mpirun inside the allocation, writes the sweep
    result itself, the one-process result bit for bit. Without --srun-mpi, srun starts two
    processes that Open MPI cannot join into one job: clustersim refuses (exit 2) rather than
    run the sweep twice."""
    local, out, logs = local_sweep_and_folders(tmp_path)
    submitted = subprocess.run(
        [str(SLURM_DIR / "submit.sh"), "--mpi", *launcher, "--clustersim", str(EXECUTABLE),
         "--logs", str(logs), str(SWEEP_SMALL), str(out), "2"],
        env=mpi_job_environment(local_slurm), cwd=tmp_path, capture_output=True, text=True,
        timeout=60)
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    name = launcher[1] if launcher else "srun"
    job = re.search(rf"^mpi job (\d+): 2 MPI rank\(s\) started by {name} run the sweep of ",
                    submitted.stdout, re.M)
    assert job, submitted.stdout
    job = job.group(1)
    states = local_slurm.wait_for_jobs([job], timeout=90)
    log = (logs / f"clustersim-sweep-mpi-{job}.out").read_text()
    started = {"srun-pmix": "started by srun --mpi=pmix --ntasks=2,",
               "mpirun": "started by mpirun -n 2,", "srun-default": "started by srun --ntasks=2,"}
    key = "srun-pmix" if "pmix" in launcher else ("mpirun" if launcher else "srun-default")
    assert f"2 MPI rank(s) {started[key]}" in log, log
    if not launcher:
        [(_, state, _, exit_code)] = states[job]
        assert (state, exit_code) == ("FAILED", "2:0"), (states, log)
        assert "srun started 2 tasks" in log and "--mpi=" in log, log
        assert "MPI sweep finished with exit code 2" in log, log
        assert not out.exists()
        return
    assert_all_completed(states, log)
    assert "MPI sweep finished with exit code 0" in log, log
    assert out.is_file(), log
    assert not (out.parent / "sweep.h5.d").exists()  # the ranks' runs, assembled and removed
    assert_same_sweep(local, out)


def test_mpi_submit_dry_run_and_bad_arguments(tmp_path):
    submit = str(SLURM_DIR / "submit.sh")
    base = ["--clustersim", str(EXECUTABLE)]
    done = subprocess.run([submit, *base, "--mpi", "--dry-run", str(SWEEP_SMALL),
                           str(tmp_path / "o.h5"), "4", "--", "--partition=p"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    env_line, sbatch_line = done.stdout.splitlines()
    assert env_line.endswith(" LAUNCHER=srun"), env_line
    assert sbatch_line == (f"sbatch --parsable --export=ALL --ntasks=4 --partition=p "
                           f"{SLURM_DIR / 'sweep-mpi.sbatch'}"), sbatch_line
    done = subprocess.run([submit, *base, "--mpi", "--launcher", "mpirun", "--cpus-per-task", "2",
                           "--dry-run", str(SWEEP_SMALL), str(tmp_path / "o.h5"), "3"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "LAUNCHER=mpirun" in done.stdout and "--ntasks=3 --cpus-per-task=2" in done.stdout
    cases = [(["--mpi", "--launcher", "mpiexec"], "--launcher mpiexec: expected srun or mpirun"),
             (["--mpi", "--tasks", "1"], "--tasks, --throttle and --no-merge are for the array"),
             (["--launcher", "srun"], "--launcher and --srun-mpi go with --mpi"),
             (["--mpi", "--launcher", "mpirun", "--srun-mpi", "pmix"], "with --launcher srun"),
             (["--mpi", "--srun-mpi", "pmi 2"], "--srun-mpi pmi 2: a plugin name")]
    for args, message in cases:
        done = subprocess.run([submit, *base, *args, "--dry-run", str(SWEEP_SMALL),
                               str(tmp_path / "o.h5"), "2"], capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)


def test_mpi_sbatch_refuses_bad_settings(tmp_path):
    """sweep-mpi.sbatch run by hand with a wrong setting stops at once with exit code 2."""
    script = str(SLURM_DIR / "sweep-mpi.sbatch")
    job = {"SLURM_JOB_ID": "1", "SLURM_NTASKS": "2", "SWEEP": str(SWEEP_SMALL),
           "OUT": str(tmp_path / "o.h5"), "CLUSTERSIM": str(EXECUTABLE)}
    cases = [({}, "not in a Slurm job"),
             ({**job, "LAUNCHER": "mpiexec"}, "LAUNCHER=mpiexec: expected srun or mpirun"),
             ({**job, "LAUNCHER": "mpirun", "MPIRUN": "no-such-mpirun"},
              "no-such-mpirun is not on PATH"),
             ({**job, "SRUN_MPI": "pmix;x"}, "SRUN_MPI=pmix;x is not an srun --mpi plugin"),
             ({**job, "SWEEP": str(tmp_path / "none.yaml")}, "no such readable file")]
    for extra, message in cases:
        env = {"PATH": "/usr/bin:/bin", **extra}
        done = subprocess.run(["bash", script], env=env, capture_output=True, text=True,
                              timeout=30, cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr, (extra, done.stderr)
    assert not (tmp_path / "o.h5").exists()


def test_slurm_rounds_of_shards_and_steps_give_the_local_posterior(local_slurm, small_local,
                                                                    tmp_path):
    """scenarios/calibration/slurm/submit.sh submits one round; each step job submits the next
    until the posterior is written, and it is the one-process posterior bit for bit."""
    cal, local = small_local
    out, logs = tmp_path / "slurm" / "posterior.h5", tmp_path / "logs"
    out.parent.mkdir()
    logs.mkdir()
    submitted = subprocess.run(
        [str(CALIBRATION_SLURM_DIR / "submit.sh"), "--clustersim", str(EXECUTABLE),
         "--logs", str(logs), str(cal), str(out), "2"],
        env=local_slurm.env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    assert re.match(r"round 1: array job \d+ \(2 shard\(s\)\), then step job \d+, for ",
                    submitted.stdout), submitted.stdout

    deadline = time.monotonic() + 240
    while not out.exists():
        records = local_slurm.run("scontrol", "show", "job", "-o", check=False).stdout
        # This calibration's jobs only (their folders are under tmp_path): the module's
        # Slurm keeps other tests' jobs, some of which fail on purpose.
        failed = [line for line in records.splitlines()
                  if re.search(r"JobState=(FAILED|CANCELLED|TIMEOUT)|DependencyNeverSatisfied",
                               line) and str(tmp_path) in line]
        job_logs = "\n".join(f"--- {p.name}\n{p.read_text()}" for p in sorted(logs.iterdir()))
        assert not failed, "\n".join(failed) + "\n" + job_logs
        assert time.monotonic() < deadline, f"no posterior after 240 s\n{records}\n{job_logs}"
        time.sleep(1)
    # The posterior appears before its step job has removed the run folder and said so: on a
    # busy machine the log can lag the file, so wait for the job's last line too.
    done = f"calibration done: {out}"
    while True:
        steps = sorted(logs.glob("clustersim-calibrate-step-*.out"))
        last = max(steps, key=lambda p: p.stat().st_mtime).read_text()
        if done in last:
            break
        assert time.monotonic() < deadline, f"the step job did not finish\n{last}"
        time.sleep(1)
    assert len(steps) > 2, "more than one round"
    assert_same_calibration(local, out)
    assert not (out.parent / "posterior.h5.d").exists()


def test_calibration_mpi_job_gives_the_local_posterior(local_slurm, small_local, tmp_path):
    """scenarios/calibration/slurm/submit.sh --mpi: one job of 2 ranks started by srun (PMIx,
    as for the sweep) runs the whole calibration, no rounds, and writes the one-process
    posterior bit for bit."""
    cal, local = small_local
    out, logs = tmp_path / "slurm" / "posterior.h5", tmp_path / "logs"
    out.parent.mkdir()
    logs.mkdir()
    submitted = subprocess.run(
        [str(CALIBRATION_SLURM_DIR / "submit.sh"), "--mpi", "--srun-mpi", "pmix",
         "--clustersim", str(EXECUTABLE), "--logs", str(logs), str(cal), str(out), "2"],
        env=mpi_job_environment(local_slurm), cwd=tmp_path, capture_output=True, text=True,
        timeout=60)
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    job = re.match(r"mpi job (\d+): 2 MPI rank\(s\) started by srun run the calibration ",
                   submitted.stdout)
    assert job, submitted.stdout
    job = job.group(1)
    states = local_slurm.wait_for_jobs([job], timeout=240)
    log = (logs / f"clustersim-calibrate-mpi-{job}.out").read_text()
    assert_all_completed(states, log)
    assert "2 MPI rank(s) started by srun --mpi=pmix --ntasks=2," in log, log
    assert "MPI calibration finished with exit code 0" in log, log
    assert_same_calibration(local, out)
    assert not (out.parent / "posterior.h5.d").exists()


def test_calibration_submit_refuses_bad_arguments(tmp_path, small_local):
    cal, _ = small_local
    submit = str(CALIBRATION_SLURM_DIR / "submit.sh")
    cases = [([cal, tmp_path / "o.h5", "0"], "N=0 is not a positive whole number"),
             ([tmp_path / "none.yaml", tmp_path / "o.h5", "2"], "no such readable file"),
             (["--max-rounds", "x", cal, tmp_path / "o.h5", "2"], "--max-rounds x is not"),
             ([cal, tmp_path / "o.h5"], "expected CALIBRATION OUT N, got 2 argument(s)"),
             (["--mpi", "--launcher", "mpiexec", cal, tmp_path / "o.h5", "2"],
              "--launcher mpiexec: expected srun or mpirun"),
             (["--mpi", "--max-rounds", "3", cal, tmp_path / "o.h5", "2"],
              "--round and --max-rounds are for rounds of arrays"),
             (["--srun-mpi", "pmix", cal, tmp_path / "o.h5", "2"],
              "--launcher and --srun-mpi go with --mpi")]
    for args, message in cases:
        done = subprocess.run([submit, "--clustersim", str(EXECUTABLE), *map(str, args)],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
    done = subprocess.run([submit, "--clustersim", str(EXECUTABLE), "--mpi", "--launcher",
                           "mpirun", "--dry-run", str(cal), str(tmp_path / "o.h5"), "4"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    env_line, sbatch_line = done.stdout.splitlines()
    assert env_line.endswith(" LAUNCHER=mpirun"), env_line
    assert sbatch_line == (f"sbatch --parsable --export=ALL --ntasks=4 "
                           f"{CALIBRATION_SLURM_DIR / 'calibrate-mpi.sbatch'}"), sbatch_line
    bad = tmp_path / "bad.yaml"
    bad.write_text(cal.read_text().replace("population:", "populaton:"))
    done = subprocess.run([submit, "--clustersim", str(EXECUTABLE), str(bad),
                           str(tmp_path / "o.h5"), "2"], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 2 and "bad.yaml:" in done.stderr and "populaton" in done.stderr, \
        done.stderr


def test_python_sweep_as_slurm_jobs_waits_and_loads_the_local_result(local_slurm, tmp_path):
    # cs.sweep(launcher="slurm") submits the array and the merge, waits for the merge, loads.
    from conftest import PACKAGE_BUILT
    if not PACKAGE_BUILT:
        pytest.skip("the Python package is not built")
    import clustersim as cs
    local = tmp_path / "local.h5"
    done = clustersim("sweep", SWEEP_SMALL, "-o", local, "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "slurm.h5"
    ds = cs.sweep(SWEEP_SMALL, out, launcher="slurm", shards=2, executable=EXECUTABLE,
                  env=local_slurm.env, poll_seconds=0.5)
    assert_same_sweep(local, out)
    assert ds.sizes["point"] == 6
    assert any(p.name.startswith("clustersim-merge-") for p in tmp_path.iterdir())
