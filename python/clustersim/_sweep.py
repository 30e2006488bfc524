"""Sweeps from a notebook: run one on this machine's cores, under an MPI launcher, or as Slurm
jobs, and load the result."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping

from . import _core, _dataset, _scenario

LAUNCHERS = (None, "mpirun", "srun", "slurm")


def _executable(executable=None):
    """The clustersim program for a launcher: the argument, $CLUSTERSIM, the build's or the
    installed one beside this package, or clustersim on PATH."""
    package = os.path.dirname(os.path.abspath(__file__))
    candidates = [executable, os.environ.get("CLUSTERSIM"),
                  os.path.join(package, "..", "..", "bin", "clustersim"),             # build/
                  os.path.join(package, "..", "..", "..", "..", "bin", "clustersim"),  # prefix
                  shutil.which("clustersim")]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    raise FileNotFoundError("no clustersim program found: pass executable=..., set $CLUSTERSIM, "
                            "or put clustersim on PATH")


def _slurm_submit_script(executable):
    """scenarios/sweeps/slurm/submit.sh of the source tree or the install beside the program."""
    bin_dir = os.path.dirname(executable)
    for root in (os.path.join(bin_dir, "..", "share", "clustersim"),
                 os.path.join(bin_dir, "..", ".."), os.path.join(bin_dir, "..")):
        script = os.path.join(root, "scenarios", "sweeps", "slurm", "submit.sh")
        if os.path.isfile(script):
            return os.path.abspath(script)
    raise FileNotFoundError(f"no scenarios/sweeps/slurm/submit.sh near {executable}")


def _sweep_file(sweep, output):
    """A path to the sweep file: a path as given; text or a dict written beside the output as
    OUTPUT.sweep.yaml (kept: it is the sweep the result came from), with a relative base made
    absolute from the current directory, as cs.run takes relative paths."""
    if isinstance(sweep, os.PathLike) or (isinstance(sweep, str)
                                          and not _scenario.looks_like_text(sweep)):
        path = os.fspath(sweep)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"no sweep file '{path}'")
        return path
    if isinstance(sweep, str):
        import yaml
        sweep = yaml.safe_load(sweep)
    if not isinstance(sweep, Mapping):
        raise TypeError("a sweep is a path, YAML text or a dict, not "
                        f"{type(sweep).__name__}")
    sweep = dict(sweep)
    base = sweep.get("base")
    if isinstance(base, (str, os.PathLike)) and os.path.exists(base):
        sweep["base"] = os.path.abspath(base)
    path = os.fspath(output) + ".sweep.yaml"
    with open(path, "w", encoding="utf-8") as f:
        f.write(_scenario.dict_to_yaml(sweep))
    return path


def _run_launched(command, env=None):
    """Runs a launcher's command, its output passed through; Ctrl-C stops it as a terminal
    would (SIGINT), and the finished runs stay in OUTPUT.d."""
    process = subprocess.Popen(command, env=env)
    try:
        code = process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        process.wait()
        raise
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} failed with exit code {code}")


def _wait_for_slurm_job(job, env, poll_seconds):
    """Waits until squeue no longer lists the job, then asks sacct (or scontrol) how it ended."""
    while True:
        listed = subprocess.run(["squeue", "-h", "-j", job, "-o", "%T"], env=env,
                                capture_output=True, text=True)
        if listed.returncode != 0 or not listed.stdout.strip():
            break
        time.sleep(poll_seconds)
    state = subprocess.run(["scontrol", "show", "job", job], env=env, capture_output=True,
                           text=True).stdout
    match = re.search(r"JobState=(\w+)", state)
    if match and match.group(1) != "COMPLETED":
        raise RuntimeError(f"Slurm job {job} (the merge) ended {match.group(1)}; see its log")


def sweep(sweep, output, *, threads=None, force=False, progress=True, launcher=None, ranks=None,
          launcher_args=(), shards=None, sbatch_options=(), executable=None, poll_seconds=5.0,
          env=None):
    """Runs a sweep and returns its result as a Dataset (:func:`clustersim.load`).

    sweep
        a sweep file's path, its YAML text, or a dict nested like the YAML (``base``,
        ``method``, ``settings``, ...; scenarios/README.md, "Sweeps"). Text and dicts are
        written to ``OUTPUT.sweep.yaml`` beside the output and run from there.
    output
        the result file. Finished runs are kept in ``OUTPUT.d`` until it is assembled, so the
        same call after an interruption resumes where it stopped, as ``clustersim sweep``
        does; an existing result is replaced only with ``force=True``.
    launcher
        None: in this process, on this machine's cores (``threads``, default all; results are
        bit-identical for any number). "mpirun" or "srun": ``LAUNCHER -n RANKS clustersim
        sweep``, the MPI placement (``launcher_args`` go before ``-n``, e.g.
        ``["--oversubscribe"]``). "slurm": a job array of ``shards`` shards and a merge job
        (scenarios/sweeps/slurm/submit.sh, ``sbatch_options`` passed to sbatch; the jobs' logs
        go beside the output), waited for.
    env
        the environment of the launched commands (default this process's).
    executable
        the clustersim program for a launcher (default: $CLUSTERSIM, the one beside this
        package, or clustersim on PATH).

    Every placement gives the same file, bit for bit. Raises :class:`ScenarioError` for a bad
    sweep, KeyboardInterrupt on Ctrl-C (finished runs kept), RuntimeError when a launched job
    fails.
    """
    if launcher not in LAUNCHERS:
        raise ValueError(f"launcher must be one of {LAUNCHERS}, not {launcher!r}")
    output = os.fspath(output)
    if os.path.exists(output) and not force:
        raise FileExistsError(f"output file '{output}' exists; pass force=True to replace it")
    path = _sweep_file(sweep, output)
    if launcher is None:
        command_line = f"python: clustersim.sweep({path!r}, {output!r})"
        _core.sweep(path, output, threads=int(threads or 0), force=force, quiet=not progress,
                    command_line=command_line)
        return _dataset.load(output)
    program = _executable(executable)
    options = (["--threads", str(int(threads))] if threads else []) + \
        (["--force"] if force else []) + ([] if progress else ["--quiet"])
    if launcher in ("mpirun", "srun"):
        if not ranks or int(ranks) < 1:
            raise ValueError(f"launcher={launcher!r} needs ranks=N (1 or more)")
        _run_launched([launcher, *launcher_args, "-n", str(int(ranks)), program, "sweep", path,
                       "-o", output] + options, env=env)
        return _dataset.load(output)
    if not shards or int(shards) < 1:
        raise ValueError("launcher='slurm' needs shards=N (1 or more)")
    if force and os.path.exists(output):
        os.remove(output)  # the merge job writes it anew
    submitted = subprocess.run(
        [_slurm_submit_script(program), "--clustersim", program, "--logs",
         os.path.dirname(os.path.abspath(output)), path, output, str(int(shards)), "--",
         *sbatch_options], env=env, capture_output=True, text=True)
    if submitted.returncode != 0:
        raise RuntimeError(f"submitting the sweep failed: {submitted.stderr.strip()}")
    merge = re.search(r"^merge job (\d+)", submitted.stdout, flags=re.M)
    if not merge:
        raise RuntimeError(f"no merge job id in the submission's output: {submitted.stdout!r}")
    print(submitted.stdout.strip(), file=sys.stderr)
    _wait_for_slurm_job(merge.group(1), env, poll_seconds)
    return _dataset.load(output)
