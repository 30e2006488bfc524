"""The documentation's generated blocks are what this build produces: the tour's goals report
(README.md) and the baseline figures and stylized facts (models/README.md), from
tests/docs/baseline_figures.py. Results are bit-identical for a scenario and seed, so a stale
number fails here; regenerate with `/usr/bin/python3 tests/docs/baseline_figures.py --update`."""
import importlib.util
import json

import pytest

from conftest import EXECUTABLE, SOURCE_DIR

spec = importlib.util.spec_from_file_location(
    "baseline_figures", SOURCE_DIR / "tests" / "docs" / "baseline_figures.py")
baseline_figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(baseline_figures)


@pytest.fixture(scope="module")
def generated():
    return baseline_figures.blocks(EXECUTABLE)


@pytest.mark.parametrize("name", sorted(baseline_figures.BLOCKS))
def test_the_block_in_the_docs_is_what_this_build_produces(generated, name):
    path, begin, end = baseline_figures.BLOCKS[name]
    block = baseline_figures.readme_block.read_block(path, begin, end)
    assert block == generated[name], (
        f"{path.name}'s {name} block is stale: /usr/bin/python3 tests/docs/baseline_figures.py "
        "--update")


def test_the_figures_table_names_the_shake_out_and_the_steady_exit_rate(generated):
    # The calibration issue's warm start is judged by these two rows.
    table = generated["baseline-figures"]
    assert "as a share of the starting firms" in table
    assert "yearly exit share 2016-2020" in table


calibration_spec = importlib.util.spec_from_file_location(
    "calibration_tables", SOURCE_DIR / "tests" / "calibration" / "calibration_tables.py")
calibration_tables = importlib.util.module_from_spec(calibration_spec)
calibration_spec.loader.exec_module(calibration_tables)


@pytest.fixture(scope="module")
def calibration_generated():
    return calibration_tables.blocks(EXECUTABLE)


@pytest.mark.parametrize("name", sorted(calibration_tables.BLOCKS))
def test_the_calibration_tables_are_what_the_posterior_and_this_build_give(
        calibration_generated, name):
    path, begin, end = calibration_tables.BLOCKS[name]
    block = calibration_tables.readme_block.read_block(path, begin, end)
    assert block == calibration_generated[name], (
        f"{path.name}'s {name} block is stale: /usr/bin/python3 "
        "tests/calibration/calibration_tables.py --update")


coverage_spec = importlib.util.spec_from_file_location(
    "coverage_check", SOURCE_DIR / "tests" / "calibration" / "coverage.py")
coverage_check = importlib.util.module_from_spec(coverage_spec)
coverage_spec.loader.exec_module(coverage_check)


def test_the_coverage_table_is_the_committed_summarys():
    summary = json.loads(coverage_check.COMMITTED.read_text())
    path, begin, end = coverage_check.BLOCK
    assert coverage_check.readme_block.read_block(path, begin, end) == \
        coverage_check.markdown(summary), (
        "models/README.md's calibration-coverage block is stale: /usr/bin/python3 "
        "tests/calibration/coverage.py --summary tests/calibration/coverage.json --update")


def test_the_committed_coverage_comes_from_this_build(tmp_path):
    # Truth 0 again (about 10 s): the same truth, observations and posterior intervals.
    summary = json.loads(coverage_check.COMMITTED.read_text())
    again = coverage_check.one_truth(str(EXECUTABLE), 0, summary["population"], tmp_path)
    committed = [r for r in summary["results"] if r["truth"] == again["truth"]]
    assert len(committed) == 1, "truth 0 is not in tests/calibration/coverage.json"
    assert again["intervals"] == committed[0]["intervals"], (
        "the calibration gives other intervals than the committed coverage check: rerun "
        "tests/calibration/coverage.py (about 10 minutes) and --update")
    assert again["runs"] == committed[0]["runs"]
