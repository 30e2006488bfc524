"""Every --json output is valid RFC 8259 JSON: parsed by Python's strict parser (NaN and
infinities refused), on normal inputs and on hostile ones (names with quotes, control characters
and bytes that are not UTF-8)."""
import json
import shutil

import pytest

from conftest import SMALL, SOURCE_DIR, clustersim

HOSTILE_NAME = 'q"uote\\back\nnew\tline\x01ctl'


def strict_json(text):
    """Parses with NaN, Infinity and -Infinity refused, as RFC 8259 requires."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def hostile_world(tmp_path_factory):
    """The small test world copied under a folder name with quotes and a non-UTF-8 byte, with a
    scenario named with quotes and control characters."""
    folder = tmp_path_factory.mktemp("json")
    world = folder / 'we"ird\\ \xe9'.encode("latin-1").decode("utf-8", "surrogateescape")
    world.mkdir()
    for name in ("clusters.csv", "initial-state.csv", "small.yaml", "sweep-saltelli.yaml"):
        shutil.copy(SOURCE_DIR / "tests" / "data" / name, world / name)
    scenario = world / "hostile.yaml"
    scenario.write_text(f"extends: small.yaml\nname: {json.dumps(HOSTILE_NAME)}\n"
                        "run: {replicates: 2}\noutput: {firm_snapshots: true}\n")
    return world, scenario


def run_json(*args):
    done = clustersim(*args)
    assert done.returncode == 0, done.stderr
    return strict_json(done.stdout)


def test_goals_json_with_a_hostile_counterfactual_name(tmp_path, hostile_world):
    world, scenario = hostile_world
    out = tmp_path / "r.h5"
    done = clustersim("run", SMALL, "--compare", scenario, "-o", out, "-q", "--replicates", "2")
    assert done.returncode == 0, done.stderr
    report = run_json("goals", out, "--json")
    assert report["counterfactual"] == HOSTILE_NAME
    assert [g["id"] for g in report["goals"]] == ["G1", "G2", "G3", "G4"]
    assert all(m["median"] is None or isinstance(m["median"], float)
               for m in report["comparison"])


def test_stats_json(tmp_path, hostile_world):
    _, scenario = hostile_world
    out = tmp_path / "s.h5"
    assert clustersim("run", scenario, "-o", out, "-q").returncode == 0
    report = run_json("stats", out, "--json")
    assert report["firms_last"] > 0
    # Statistics the small world cannot give are null, never NaN.
    assert all(v is None or isinstance(v, (int, float)) for v in report["growth"].values())


def test_bench_json_with_a_hostile_path(hostile_world):
    _, scenario = hostile_world
    report = run_json("bench", scenario, "--json", "-q", "--threads", "1")
    assert report["scenario"].startswith(str(scenario.parent)[:10])
    assert report["agent_steps_per_s"] > 0


def test_sensitivity_json(tmp_path):
    out = tmp_path / "saltelli.h5"
    done = clustersim("sweep", SOURCE_DIR / "tests" / "data" / "sweep-saltelli.yaml", "-o", out,
                      "-q")
    assert done.returncode == 0, done.stderr
    report = run_json("sensitivity", out, "--outcome", "sum(output_value, 2016)", "--json",
                      "--bootstrap", "0")
    assert report["points"] == 40
    # Without a bootstrap there are no intervals: null, not NaN.
    assert all(s["S1_low"] is None for s in report["settings"])
