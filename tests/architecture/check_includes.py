#!/usr/bin/env python3
"""Checks that every project include goes the way ARCHITECTURE.md allows.

The rules are the table between the include-rules markers of ARCHITECTURE.md: each row names a
folder (or file) and the folders its files may include. A source file follows the row with the
longest path that contains it; an `#include "sim/..."`, `"models/..."` or `"python/..."` must
start with one of that row's allowed paths. Prints each violation as file:line and exits 1 when
there is any, 0 otherwise.

Usage: check_includes.py [ROOT]   (ROOT: the source tree, default: this file's tree)
"""
import pathlib
import re
import sys

SOURCES = ("sim", "models", "python/src")
INCLUDE = re.compile(r'^\s*#\s*include\s+"((?:sim|models|python)/[^"]+)"')
ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|.*\|([^|]*)\|\s*$")


def rules(architecture):
    """{path: [allowed include prefixes]} from the table between the markers."""
    text = architecture.read_text()
    begin = text.index("<!-- include-rules:begin -->")
    end = text.index("<!-- include-rules:end -->")
    table = {}
    for line in text[begin:end].splitlines():
        match = ROW.match(line)
        if match:
            table[match.group(1)] = re.findall(r"`([^`]+)`", match.group(2))
    if not table:
        raise SystemExit(f"{architecture}: no include rules between the markers")
    return table


def row_of(path, table):
    """The most specific row containing `path` (a path relative to the root), or None."""
    matches = [key for key in table
               if path == key or (key.endswith("/") and path.startswith(key))]
    return max(matches, key=len) if matches else None


def violations(root):
    root = pathlib.Path(root)
    table = rules(root / "ARCHITECTURE.md")
    found = []
    for folder in SOURCES:
        for source in sorted((root / folder).rglob("*")):
            if source.suffix not in (".hpp", ".cpp", ".h"):
                continue
            relative = source.relative_to(root).as_posix()
            row = row_of(relative, table)
            if row is None:
                found.append(f"{relative}: no row of ARCHITECTURE.md's include table covers it")
                continue
            for number, line in enumerate(source.read_text().splitlines(), start=1):
                match = INCLUDE.match(line)
                if match and not any(match.group(1).startswith(p) for p in table[row]):
                    found.append(f"{relative}:{number}: includes {match.group(1)}, but `{row}` "
                                 f"may include only {', '.join(table[row])}")
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2]
    found = violations(root)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} include(s) against ARCHITECTURE.md's layers")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
