"""Every input is bounded (sim/config/limits.hpp, scenarios/README.md "Limits"): a hostile file
or --set ends at once with exit 2, a message naming file, line, column and key, and nothing
written."""
import re
import subprocess

import pytest

from conftest import EXECUTABLE, SMALL, SOURCE_DIR

HANG_GUARD_SECONDS = 300

LIMITS = (SOURCE_DIR / "sim" / "config" / "limits.hpp").read_text()


def limit(name):
    value = re.search(rf"{name} = ([^;]+);", LIMITS).group(1)
    value = value.replace("'", "").replace("std::size_t{1} << 20", str(1 << 20))
    value = value.replace("std::size_t{16} << 20", str(16 << 20))
    return int(value)


def refused(*args, cwd=None):
    """Exit 2, nothing on standard output; returns standard error. The timeout only guards
    against a hang (each refusal takes well under a second; tests/bench/stop_latency.py and
    `/usr/bin/time` measure such times): a busy machine cannot fail it."""
    done = subprocess.run([str(EXECUTABLE), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=HANG_GUARD_SECONDS)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stdout == ""
    return done.stderr


def alias_bomb(tmp_path):
    lines = [f"extends: {SOURCE_DIR / 'scenarios' / 'shandong-2015.yaml'}",
             "x0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9]"]
    for k in range(1, 10):
        lines.append(f"x{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_alias_bomb_is_refused_at_once(tmp_path, command):
    bomb = alias_bomb(tmp_path)
    assert bomb.stat().st_size < 1024
    err = refused(command, bomb, "-o", tmp_path / "out.h5") if command == "run" \
        else refused(command, bomb)
    found = re.match(rf"{re.escape(str(bomb))}:(\d+):1: error: key 'x(\d)': the document has "
                     rf"more than {limit('kYamlNodes')} YAML nodes", err)
    assert found, err
    # The position is the key's own line (key xK is on line K + 2), not the anchor's that the
    # expanded alias carries.
    assert int(found.group(1)) == int(found.group(2)) + 2, err
    assert not (tmp_path / "out.h5").exists()


def write(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {SMALL}\n" + text)
    return path


def test_deep_nesting(tmp_path):
    depth = limit("kYamlDepth") + 2
    err = refused("validate", write(tmp_path, "x: " + "[" * depth + "]" * depth + "\n"))
    assert f"nested more than {limit('kYamlDepth')} levels deep" in err


def test_long_string(tmp_path):
    err = refused("validate", write(tmp_path, "name: " + "x" * (limit("kStringBytes") + 1)))
    assert ":2:7: error: key 'name': a text of" in err, err


def test_many_entries(tmp_path):
    n = limit("kEntries") + 1
    err = refused("validate", write(tmp_path, "x: [" + ", ".join(["1"] * n) + "]\n"))
    assert f"{n} entries; a mapping or list may have at most {limit('kEntries')}" in err


def test_large_file(tmp_path):
    path = write(tmp_path, "# " + "x" * limit("kFileBytes") + "\n")
    err = refused("validate", path)
    assert "a scenario or sweep file may have at most 1 MiB" in err, err
    # A sweep file is read no further than one byte past the limit, then refused.
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"base: {SMALL}\nreplicates: 1\nvary: {{list: [{{policy.ip_protection: 0}}]}}\n"
                     + "#" * limit("kFileBytes"))
    err = refused("sweep", sweep, "-o", tmp_path / "out.h5")
    assert f"sweep file '{sweep}' has more than 1 MiB" in err, err
    assert not (tmp_path / "out.h5").exists()
    # An endless file is read no further either (it used to be read whole by `sweep`, and by
    # the sweep check of `validate`, until memory ran out).
    for command in (("validate", "/dev/zero"), ("sweep", "/dev/zero", "-o", tmp_path / "z.h5")):
        err = refused(*command)
        assert "more than 1 MiB" in err, (command, err)


def test_long_and_many_overrides(tmp_path):
    err = refused("validate", SMALL, "--set", "name=" + "x" * limit("kOverrideBytes"))
    assert "--set takes at most 4 KiB" in err, err
    many = []
    for _ in range(limit("kOverrides") + 1):
        many += ["--set", "run.seed=1"]
    err = refused("validate", SMALL, *many)
    assert f"a run takes at most {limit('kOverrides')}" in err, err


def test_a_huge_grid_is_refused_before_allocating(tmp_path):
    sweep = tmp_path / "grid.yaml"
    values = "[" + ", ".join(str(i / 1000) for i in range(1000)) + "]"
    sweep.write_text(f"base: {SMALL}\nreplicates: 1\nvary:\n  grid:\n"
                     f"    policy.post_subsidy.rate: {values}\n    policy.rd_super_deduction: {values}\n"
                     f"    policy.ip_protection: {values}\n")
    err = refused("validate", sweep)
    assert "a sweep may have at most" in err, err


def test_the_documented_limits_are_the_codes():
    readme = (SOURCE_DIR / "scenarios" / "README.md").read_text()
    section = readme[readme.index("## Limits"):]
    for name in ("kYamlNodes", "kYamlDepth", "kEntries", "kExtendsChain", "kOverrides"):
        assert f"{limit(name):,}" in section or str(limit(name)) in section, name
    for text in ("1 MiB", "16 MiB", "4 KiB", "100,000"):
        assert text in section, text
