"""The lever table's variants (lever_table.py): every lever of the plan, each at half and twice
its baseline value within the schema's range, without running the ensembles."""
import pathlib
import sys

import pytest
import yaml

from conftest import EXECUTABLE, SOURCE_DIR

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import lever_table  # noqa: E402
import readme_block  # noqa: E402


def test_every_lever_is_varied_at_half_and_double_within_its_range():
    ranges = lever_table.schema_ranges(str(EXECUTABLE))
    scenario = yaml.safe_load((SOURCE_DIR / lever_table.SCENARIO).read_text())
    variants = lever_table.variants(scenario, ranges)
    numbers = {number for number, _, _, _ in variants}
    assert numbers == set(range(1, 16))
    by_label = {(tuple(keys), label): sets for _, keys, label, sets in variants}
    assert by_label[(("policy.supported_clusters",), "off")] == ["policy.supported_clusters=0"]
    # Scalars: 1e8 a year of guide fund becomes 5e7 and 2e8.
    assert by_label[(("policy.guide_fund.capital_per_year",), "half")] == [
        "policy.guide_fund.capital_per_year=50000000.0"]
    assert by_label[(("policy.guide_fund.capital_per_year",), "double")] == [
        "policy.guide_fund.capital_per_year=200000000.0"]
    # Schedules keep their dates; the take-up share stays within [0, 1].
    assert by_label[(("policy.rd_deduction_takeup",), "double")] == [
        "policy.rd_deduction_takeup={2014: 1.0, 2016: 1.0}"]
    # The HNTE rate varies the cut below the 25% standard rate: 10 points -> 5 and 20.
    assert by_label[(("policy.hnte_tax_rate",), "half")] == ["policy.hnte_tax_rate=0.2"]
    assert by_label[(("policy.hnte_tax_rate",), "double")] == ["policy.hnte_tax_rate=0.05"]
    # A lever the baseline leaves at its default is scaled from the schema default.
    assert by_label[(("policy.tech_transfer_exemption",), "half")] == [
        "policy.tech_transfer_exemption=2500000.0"]


def test_paired_effect_and_its_interval():
    base = [100.0, 110.0, 90.0, 100.0]
    same = lever_table.effect(base, base, relative=True)
    assert same == (0.0, 0.0, False)
    mean, half, measurable = lever_table.effect(base, [101.0, 111.0, 91.0, 101.0], relative=True)
    assert abs(mean - 1.0) < 1e-12 and half == 0.0 and measurable  # +1 of a mean of 100: 1%
    mean, half, measurable = lever_table.effect(base, [101.0, 109.0, 91.0, 99.0], relative=False)
    assert mean == 0.0 and half > 0 and not measurable


def test_the_generated_block_replaces_only_the_text_between_its_markers(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- b -->\nold table\n<!-- e -->\nafter\n")
    readme_block.publish("new table", readme, "<!-- b -->", "<!-- e -->", "tool")
    assert readme.read_text() == "before\n<!-- b -->\nnew table\n<!-- e -->\nafter\n"
    assert "new table" in capsys.readouterr().out
    readme.write_text("no markers\n")
    with pytest.raises(SystemExit, match="tool: .* has no markers"):
        readme_block.publish("x", readme, "<!-- b -->", "<!-- e -->", "tool")
    assert readme.read_text() == "no markers\n"
