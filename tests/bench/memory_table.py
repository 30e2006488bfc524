#!/usr/bin/env python3
"""What a firm costs in memory, array by array, as the model itself accounts for it
(`clustersim bench --json`, "memory_per_firm"), as a Markdown table for README.md's Performance
section.

    /usr/bin/python3 tests/bench/memory_table.py [--clustersim BIN] [--update README.md]

State arrays are grouped by the bytes one firm takes in each; the per-firm scratch (arrays a
quarter's phases size by the firm count) is listed item by item. tests/cli/test_bench.py fails
when README.md's table is not what this prints for the build under test.
"""
import argparse
import json
import pathlib
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "levers"))
import readme_block  # noqa: E402

BEGIN = "<!-- memory-per-firm: begin (tests/bench/memory_table.py --update README.md) -->"
END = "<!-- memory-per-firm: end -->"
SOURCE = pathlib.Path(__file__).resolve().parents[2]


def memory_items(binary: str) -> list:
    """The model's per-firm items from a one-replicate bench of the no-policy scenario."""
    done = subprocess.run(
        [binary, "bench", str(SOURCE / "scenarios/no-policy.yaml"), "--json", "--threads", "1",
         "--set", "run.replicates=1", "--set", "run.end=2014Q4"],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"memory_table.py: clustersim bench failed:\n{done.stderr}")
    return json.loads(done.stdout)["memory_per_firm"]


def table(items: list) -> str:
    """State grouped by width, then each scratch item, then the total."""
    rows = ["| bytes per firm | arrays |", "|---:|---|"]
    state = [i for i in items if not i["scratch"]]
    for width in sorted({i["bytes"] for i in state}, reverse=True):
        names = [i["name"] for i in state if i["bytes"] == width]
        rows.append(f"| {width * len(names)} ({len(names)} x {width}) | "
                    f"state: {', '.join(f'`{n}`' for n in names)} |")
    for item in (i for i in items if i["scratch"]):
        rows.append(f"| {item['bytes']} | scratch: {item['name']} |")
    total = sum(i["bytes"] for i in items)
    scratch = sum(i["bytes"] for i in items if i["scratch"])
    rows.append(f"| **{total}** | total: {total - scratch} of state in {len(state)} arrays, "
                f"{scratch} of scratch |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clustersim", default=str(SOURCE / "build/bin/clustersim"))
    parser.add_argument("--update", type=pathlib.Path, help="write the table into this file")
    args = parser.parse_args()
    readme_block.publish(table(memory_items(args.clustersim)), args.update, BEGIN, END,
                         "memory_table.py")


if __name__ == "__main__":
    main()
