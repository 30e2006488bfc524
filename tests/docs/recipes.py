#!/usr/bin/env python3
"""Executes docs/recipes.md: every python block in order, in one namespace, in a scratch folder
(with its own results/), and compares what each printed with the text block under it
(`<!-- recipe-output:N -->`), or writes it there with --update. `make docs` runs --update; the
check runs in `make test` (tests/docs/test_recipes.py).

    /usr/bin/python3 tests/docs/recipes.py [--update] [--clustersim-python build/python]
"""
import argparse
import contextlib
import io
import os
import pathlib
import re
import sys
import tempfile

SOURCE = pathlib.Path(__file__).resolve().parents[2]
RECIPES = SOURCE / "docs" / "recipes.md"
BLOCK = re.compile(r"^```python\n(.*?)^```\n<!-- recipe-output:(\d+) -->\n(.*?)"
                   r"<!-- recipe-output:\2 end -->\n", flags=re.S | re.M)


def fenced(output):
    return f"```text\n{output}```\n" if output else ""


def run_blocks(text):
    """[(index, code, documented output, printed output)] in document order."""
    import matplotlib
    matplotlib.use("Agg")
    namespace = {"__name__": "__recipes__"}
    results = []
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="clustersim-recipes-") as scratch:
        os.chdir(scratch)
        os.mkdir("results")
        try:
            for match in BLOCK.finditer(text):
                code, index, documented = match.group(1), int(match.group(2)), match.group(3)
                printed = io.StringIO()
                with contextlib.redirect_stdout(printed):
                    exec(compile(code, f"docs/recipes.md, block {index}", "exec"), namespace)
                results.append((index, code, documented, fenced(printed.getvalue())))
        finally:
            os.chdir(here)
    return results


def updated(text, results):
    for index, _, documented, printed in results:
        start = f"<!-- recipe-output:{index} -->\n"
        text = text.replace(start + documented, start + printed, 1)
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="write the outputs into the doc")
    parser.add_argument("--clustersim-python", default=str(SOURCE / "build" / "python"),
                        help="folder holding the built clustersim package")
    args = parser.parse_args()
    sys.path.insert(0, args.clustersim_python)
    text = RECIPES.read_text()
    results = run_blocks(text)
    if args.update:
        RECIPES.write_text(updated(text, results))
        print(f"updated {RECIPES} ({len(results)} blocks)")
        return 0
    stale = [index for index, _, documented, printed in results if documented != printed]
    if stale:
        print(f"docs/recipes.md: the output of blocks {stale} is stale: "
              f"/usr/bin/python3 tests/docs/recipes.py --update", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
