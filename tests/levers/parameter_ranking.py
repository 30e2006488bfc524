#!/usr/bin/python3
"""What the model's own assumptions do: the Sobol ranking of models/README.md ("What the model's
assumptions do").

Usage: parameter_ranking.py [--clustersim BIN] [--threads T] [--update FILE]

Runs `clustersim sweep scenarios/sweeps/parameters.yaml` (a Saltelli design over thirteen
assumed settings around shandong-2015, 960 runs, about a minute on 2 cores), then `clustersim
sensitivity` for 2020 output (`mean(output_value, 2020)`, yuan a year) and for G2's value at its
deadline (clusters), and prints both tables. --update replaces the text between the
parameter-ranking markers of FILE (models/README.md) with them.
"""
import argparse
import datetime
import pathlib
import subprocess
import sys
import tempfile

from readme_block import publish

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]
SWEEP = "scenarios/sweeps/parameters.yaml"
OUTCOMES = ["mean(output_value, 2020)", "G2.value"]
BEGIN = ("<!-- parameter-ranking:begin (tests/levers/parameter_ranking.py --update "
         "models/README.md) -->")
END = "<!-- parameter-ranking:end -->"


def run(command):
    done = subprocess.run(command, cwd=SOURCE_DIR, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"parameter_ranking: {' '.join(command)} failed ({done.returncode}):\n"
                 f"{done.stderr}")
    return done.stdout


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clustersim", default=str(SOURCE_DIR / "build" / "bin" / "clustersim"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--update", type=pathlib.Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "parameters.h5"
        print(f"clustersim sweep {SWEEP} ...", file=sys.stderr)
        run([args.clustersim, "sweep", SWEEP, "-o", str(out), "--threads", str(args.threads),
             "--quiet"])
        tables = [run([args.clustersim, "sensitivity", str(out), "--outcome", o]).rstrip()
                  for o in OUTCOMES]
    when = datetime.date.today().isoformat()
    text = (f"Generated {when} by `tests/levers/parameter_ranking.py` (`clustersim sweep {SWEEP}`, "
            "then `clustersim sensitivity` per outcome):\n\n```text\n" +
            "\n\n".join(tables) + "\n```")
    publish(text, args.update, BEGIN, END, "parameter_ranking")
    return 0


if __name__ == "__main__":
    sys.exit(main())
