#!/usr/bin/python3
"""How long clustersim serve takes from a change to its first figures and to the whole ensemble.

Usage: latency.py [--clustersim BIN] [--repeats N] [--replicates R]

Starts `clustersim serve` (the plan's baseline against no policy), then N times: posts a run
with a seed not run before (nothing from the cache: both ensembles are simulated), then a lever
change on that seed (the counterfactual's ensemble is reused), and reads each one's server-sent
events: the time from the request to the first event carrying partial goals and fans, and to
the end event; then the wall time of `clustersim run` of the same pair and seed (which also
writes its result file). Prints each repeat and the medians, and complete over run. A measurement, not a test: the figures depend on the
machine and its load.
"""
import argparse
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))


def timed(server, request):
    """(seconds to the first partial figures, seconds to the end, the end event's data)."""
    start = time.perf_counter()
    reply = server.run(request)
    first = None
    for _, data in server.stream(reply["job"]):
        if first is None and "summary" in data:
            first = time.perf_counter() - start
    assert data["state"] == "done", data
    return first, time.perf_counter() - start, data


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clustersim", help="the executable (default build/bin/clustersim)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--replicates", type=int, default=32)
    args = parser.parse_args()
    if args.clustersim:
        import os
        os.environ["CLUSTERSIM"] = str(pathlib.Path(args.clustersim).resolve())
    import serve_support
    rows = {"fresh": [], "lever": [], "cli": []}
    with tempfile.TemporaryDirectory() as folder:
        server = serve_support.Server(cwd=folder)
        try:
            for k in range(args.repeats):
                seed = 900000 + k
                base = {"client": "latency", "seed": seed, "replicates": args.replicates,
                        "changes": []}
                rows["fresh"].append(timed(server, base)[:2])
                lever = dict(base, changes=[{"key": "policy.hnte_tax_rate",
                                             "value": 0.10 + 0.001 * k, "from": 2016}])
                first, end, data = timed(server, lever)
                assert data["counterfactual_reused"], data
                rows["lever"].append((first, end))
                start = time.perf_counter()
                subprocess.run([str(serve_support.EXECUTABLE), "run", "shandong-2015",
                                "--compare", "no-policy", "--seed", str(seed), "--replicates",
                                str(args.replicates), "-q", "-o", f"{folder}/cli.h5", "--force"],
                               check=True, capture_output=True)
                rows["cli"].append(time.perf_counter() - start)
                print(f"repeat {k}: new seed: first figures {rows['fresh'][-1][0]:.2f} s, "
                      f"complete {rows['fresh'][-1][1]:.2f} s; lever change: first figures "
                      f"{first:.2f} s, complete {end:.2f} s; clustersim run {rows['cli'][-1]:.2f} s")
        finally:
            server.stop()
    median = statistics.median
    cli = median(rows["cli"])
    for name, label in (("fresh", "a new seed (both ensembles)"),
                        ("lever", "a lever change (the counterfactual reused)")):
        first = median(r[0] for r in rows[name])
        end = median(r[1] for r in rows[name])
        print(f"median of {args.repeats}, {label}, {args.replicates} replicates: first figures "
              f"{first:.2f} s, complete {end:.2f} s ({end / cli:.2f} x clustersim run's "
              f"{cli:.2f} s)")


if __name__ == "__main__":
    main()
