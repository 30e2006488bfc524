#!/usr/bin/env python3
"""Writes the libFuzzer dictionaries (-dict=) of the two scenario targets, tests/fuzz/scenario.dict
(scenario_fuzz) and tests/fuzz/set.dict (set_fuzz), from what the program declares:

- every setting's key, from the schema table that `clustersim schema` prints: the dotted key, each
  of its components as a YAML key (`hnte:`), and for set.dict the `key=` of an override;
- the sweep file's own keys, from the k...Keys lists of sim/sweep/file.cpp;
- the cluster ids of the shipped catalogue and of the test world (`clusters.csv`);
- numbers around every limit of scenarios/README.md's "Limits" table (N - 1, N, N + 1), which
  tests/cli/test_limits.py keeps equal to sim/config/limits.hpp;

and the YAML syntax, date forms and number spellings listed below. The dictionaries are checked
in; `make_dictionaries.py CLUSTERSIM --check` (the ctest `fuzz_dictionaries`) fails when one is
not what this script writes now, after a setting, a limit or a cluster changed.

Usage: make_dictionaries.py CLUSTERSIM [--check]
"""
import csv
import pathlib
import re
import subprocess
import sys

FUZZ = pathlib.Path(__file__).resolve().parent
SOURCE = FUZZ.parents[1]
MAX_ENTRY = 64  # libFuzzer ignores longer dictionary entries

# YAML syntax: anchors, aliases and merge keys, flow and block collections, tags, quotes, block
# scalars, documents, directives, and the escapes of double-quoted text.
YAML_TOKENS = [
    "&a ", "*a", "&b ", "*b", "<<: ", "<<: *a", "[", "]", "{", "}", "[]", "{}", "- ", ": ", ", ",
    "? ", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!map ", "!!seq ", "!!binary ",
    "!!binary \"bv9j\"", "! ", "!local ", "!<tag:yaml.org,2002:str> ", "%TAG ! tag:x,2000:\n",
    "%YAML 1.2\n", "---\n", "...\n", "\"", "'", "''", "\"\"", "\\\"", "\\x", "\\u", "\\U",
    "\\0", "\\n", "|\n", ">\n", "|-\n", ">+\n", "# ", "\n", "\n  ", "\n    ", "\t", "\r\n",
    "~", "null", "Null", "NULL", "true", "false", "yes", "no", "on", "off", "y", "n",
    "[[[[[[[[", "]]]]]]]]", "{a: {a: {a: {a: ", "}}}}", "a: &a [x, x, x, x, x, x, x, x]\n",
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n", "\xef\xbb\xbf", "\xff", "\xc0\x80",
]
# Dates as scenarios write them (a year, a quarter, an ISO date) and near misses.
DATES = ["2014", "2014Q1", "2015Q4", "2020Q4", "2015-10-01", "2015-02-29", "2016-02-29",
         "2015Q5", "2015Q0", "1900", "9999Q4", "0000", "-2015"]
# Numbers spelt every way YAML and from_chars might disagree on.
NUMBERS = ["0", "-0", "0.5", "+0.1", "-1", "1e8", "1e-8", "1e308", "1e309", "-1e309", "4.9e-324",
           ".inf", "-.inf", ".nan", "nan", "inf", "0x10", "0o17", "1_000", "9007199254740991",
           "9007199254740992", "18446744073709551616", "0.1.2", "1,5"]
# Engine keys that are group names in the schema table but not settings of their own.
EXTRA_KEYS = ["extends"]
SET_TOKENS = ["=", "\n", "\x00", "..", "=\n"]


def schema_keys(clustersim):
    table = subprocess.run([clustersim, "schema"], capture_output=True, text=True, check=True)
    keys = re.findall(r"^\| `([^`]+)` \|", table.stdout, re.MULTILINE)
    if len(keys) < 100:
        raise SystemExit(f"{clustersim} schema printed {len(keys)} settings: not the schema table")
    return sorted(keys)


def sweep_keys():
    text = (SOURCE / "sim" / "sweep" / "file.cpp").read_text()
    lists = re.findall(r"const std::vector<std::string> k\w+Keys = \{([^}]*)\}", text)
    keys = sorted({k for body in lists for k in re.findall(r'"([^"]+)"', body)})
    if len(keys) < 10:
        raise SystemExit("sim/sweep/file.cpp: the sweep file's key lists were not found")
    return keys


def cluster_ids():
    ids = []
    for catalogue in (SOURCE / "scenarios" / "data" / "clusters.csv",
                      SOURCE / "tests" / "data" / "clusters.csv"):
        with open(catalogue, newline="", encoding="utf-8") as f:
            ids += [row["id"].encode().decode("latin-1") for row in csv.DictReader(f)]
    return ids + ["default"]


def limits():
    """The "at most" column of scenarios/README.md's Limits table, as numbers."""
    readme = (SOURCE / "scenarios" / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Limits"):]
    section = section[:section.index("\n## ", 1)]
    found = []
    for what, at_most in re.findall(r"^\| ([^|]+) \| ([^|]+) \|", section, re.MULTILINE):
        match = re.fullmatch(r"([\d,]+)(?: (KiB|MiB))?", at_most.strip())
        if what.strip() == "what" or not match:
            continue  # the header, and the memory row (the machine's memory)
        scale = {"KiB": 1 << 10, "MiB": 1 << 20, None: 1}[match.group(2)]
        found.append(int(match.group(1).replace(",", "")) * scale)
    if len(found) < 9:
        raise SystemExit("scenarios/README.md: the Limits table was not found")
    return sorted(set(found))


def quote(entry):
    """A dictionary entry as libFuzzer reads it: in double quotes, with \\\\, \\" and \\xNN."""
    out = ""
    for byte in entry.encode("latin-1"):
        char = chr(byte)
        if char in "\\\"":
            out += "\\" + char
        elif 32 <= byte < 127:
            out += char
        else:
            out += f"\\x{byte:02X}"
    return f'"{out}"'


def section(title, entries, seen):
    lines = [f"# {title}"]
    for entry in entries:
        if entry not in seen and len(entry.encode("latin-1")) <= MAX_ENTRY:
            seen.add(entry)
            lines.append(quote(entry))
    return lines


def dictionary(target, keys, sweep, ids, bounds):
    components = sorted({part for key in keys + EXTRA_KEYS for part in key.split(".")})
    numbers = sorted({n + d for n in bounds for d in (-1, 0, 1)})
    seen = set()
    lines = [f"# libFuzzer dictionary of {target} (-dict=). Generated by tests/fuzz/"
             "make_dictionaries.py from `clustersim schema`,",
             "# sim/sweep/file.cpp, the cluster catalogues and scenarios/README.md's Limits table;"
             " do not edit: run",
             "# `python3 tests/fuzz/make_dictionaries.py build/bin/clustersim` (the ctest "
             "fuzz_dictionaries fails when it is stale)."]
    lines += section("YAML syntax", YAML_TOKENS, seen)
    if target == "set_fuzz":
        lines += section("--set: the separators of overrides (newline, or NUL), key=value",
                         SET_TOKENS, seen)
        lines += section("--set: every setting as an override's start",
                         [key + "=" for key in keys], seen)
    lines += section("every setting's dotted key (--set, and a sweep's set: and vary:)", keys, seen)
    lines += section("every component of a key, as a YAML key",
                     [part + ": " for part in components] + components, seen)
    lines += section("the sweep file's keys", [key + ": " for key in sweep], seen)
    lines += section("cluster ids of the shipped catalogue and of the test world", ids, seen)
    lines += section("dates", DATES, seen)
    lines += section("numbers", NUMBERS, seen)
    lines += section("numbers around each limit of scenarios/README.md (Limits)",
                     [str(n) for n in numbers], seen)
    return "\n".join(lines) + "\n"


def main():
    args = [a for a in sys.argv[1:] if a != "--check"]
    if len(args) != 1:
        raise SystemExit(__doc__)
    keys, sweep, ids, bounds = schema_keys(args[0]), sweep_keys(), cluster_ids(), limits()
    stale = []
    for target, name in (("scenario_fuzz", "scenario.dict"), ("set_fuzz", "set.dict")):
        text = dictionary(target, keys, sweep, ids, bounds)
        path = FUZZ / name
        if "--check" in sys.argv:
            if not path.is_file() or path.read_text(encoding="latin-1") != text:
                stale.append(str(path))
        else:
            path.write_text(text, encoding="latin-1")
    if stale:
        print("stale fuzz dictionaries (run python3 tests/fuzz/make_dictionaries.py "
              "build/bin/clustersim):", *stale, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
