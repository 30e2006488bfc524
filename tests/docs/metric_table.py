#!/usr/bin/env python3
"""Writes results/README.md's metric table (name, kind, units, meaning) from the model's own
list, which tests/docs/test_metric_table.py checks it against.

    /usr/bin/python3 tests/docs/metric_table.py [--clustersim-python build/python]
"""
import argparse
import pathlib
import sys

SOURCE = pathlib.Path(__file__).resolve().parents[2]
README = SOURCE / "results" / "README.md"
MARKER = "<!-- metric table: checked against the model by tests/docs/test_metric_table.py -->"


def table(metrics):
    rows = ["| name | kind | units | meaning |", "|---|---|---|---|"]
    rows += [f"| `{m['name']}` | {m['kind']} | {m['units']} | {m['description']} |"
             for m in metrics]
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clustersim-python", default=str(SOURCE / "build" / "python"))
    args = parser.parse_args()
    sys.path.insert(0, args.clustersim_python)
    from clustersim import _core
    text = README.read_text()
    start = text.index(MARKER) + len(MARKER) + 1
    end = text.index("\n\n", start)
    README.write_text(text[:start] + table(_core.metrics()) + text[end:])
    print(f"updated {README}")


if __name__ == "__main__":
    main()
