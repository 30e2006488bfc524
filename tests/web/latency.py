#!/usr/bin/python3
"""How long clustersim serve takes from a change to its first figures and to the whole ensemble.

Usage: latency.py [--clustersim BIN] [--repeats N] [--replicates R]

Starts `clustersim serve` (the plan's baseline against no policy), then N times posts a run
with a seed not run before (so nothing comes from the cache) and reads its server-sent events:
the time from the request to the first event carrying partial goals and fans, and to the end
event; then, for the same seed, the wall time of `clustersim run` of the same pair (which also
writes its result file). Prints each repeat and the medians. A measurement, not a test: the figures depend on the
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
    with tempfile.TemporaryDirectory() as folder:
        server = serve_support.Server(cwd=folder)
        firsts, ends, clis = [], [], []
        try:
            for k in range(args.repeats):
                start = time.perf_counter()
                reply = server.run({"client": "latency", "seed": 900000 + k,
                                    "replicates": args.replicates, "changes": []})
                first = None
                for event, data in server.stream(reply["job"]):
                    if first is None and "summary" in data:
                        first = time.perf_counter() - start
                end = time.perf_counter() - start
                assert data["state"] == "done", data
                firsts.append(first)
                ends.append(end)
                start = time.perf_counter()
                subprocess.run([str(serve_support.EXECUTABLE), "run", "shandong-2015", "--compare",
                                "no-policy", "--seed", str(900000 + k), "--replicates",
                                str(args.replicates), "-q", "-o", f"{folder}/cli.h5", "--force"],
                               check=True, capture_output=True)
                clis.append(time.perf_counter() - start)
                print(f"run {k}: first figures {first:.2f} s, complete {end:.2f} s; "
                      f"clustersim run {clis[-1]:.2f} s")
        finally:
            server.stop()
    print(f"median of {args.repeats}, {args.replicates} replicates each of the scenario and the "
          f"counterfactual: first figures {statistics.median(firsts):.2f} s, complete "
          f"{statistics.median(ends):.2f} s; clustersim run {statistics.median(clis):.2f} s "
          f"(complete / run: {statistics.median(ends) / statistics.median(clis):.2f})")


if __name__ == "__main__":
    main()
