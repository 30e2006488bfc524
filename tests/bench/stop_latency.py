#!/usr/bin/env python3
"""Stop latency: the time from SIGINT to the end of `clustersim run`, for a few replicate counts.

Usage: stop_latency.py CLUSTERSIM SCENARIO [REPLICATES ...] [--repeats K]
Starts the run, waits until its progress line shows quarters done (the ensemble is running),
sends SIGINT, and prints the seconds until the process has exited and its exit code (130). This
is a measurement, not a test: the machine's load moves it.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time


def one(clustersim, scenario, replicates, out):
    env = dict(os.environ)
    run = subprocess.Popen([clustersim, "run", scenario, "-o", out, "--force",
                            "--replicates", str(replicates)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                           bufsize=1)
    # Plain progress lines (stderr is a pipe) come every few seconds; the first "quarters" line
    # is printed once the ensemble has started.
    deadline = time.monotonic() + 300
    started = False
    while time.monotonic() < deadline:
        line = run.stderr.readline()
        if not line:
            break
        if "threads)" in line:  # the header: the scenario is loaded, the ensemble starts
            started = True
            time.sleep(1.0)
            break
    if not started or run.poll() is not None:
        rest = run.stderr.read()
        run.wait()
        return None, run.returncode, rest.strip().splitlines()[-1:] if rest else []
    sent = time.monotonic()
    run.send_signal(signal.SIGINT)
    rest = run.stderr.read()
    run.wait()
    return time.monotonic() - sent, run.returncode, rest.strip().splitlines()[-1:]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("clustersim")
    parser.add_argument("scenario")
    parser.add_argument("replicates", nargs="*", type=int, default=[32, 5000, 100000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "stopped.h5")
        for replicates in args.replicates:
            for _ in range(args.repeats):
                seconds, code, last = one(args.clustersim, args.scenario, replicates, out)
                shown = f"{seconds:.3f} s" if seconds is not None else "not running"
                print(f"{args.scenario} replicates={replicates}: {shown}, exit {code}; {last}")
                assert not os.path.exists(out), "a stopped run wrote its result file"
    return 0


if __name__ == "__main__":
    sys.exit(main())
