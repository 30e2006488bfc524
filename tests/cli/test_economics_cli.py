"""The full economics from the command line: the counterfactual comparison, firm snapshots and
`clustersim stats`, and the documentation of every metric."""
import json
import re

import h5py
import numpy as np
import pytest

from conftest import SMALL, SOURCE_DIR, clustersim, sealed_h5


def write_policy_pair(tmp_path):
    """A supported small world with two levers on, and its counterfactual with support off."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(f"extends: {SMALL}\nname: small-policy\n"
                      "policy:\n  supported_clusters: 1\n"
                      "  platforms: {investment_per_year: 1e9}\n"
                      "  talent_programme: {recruits_per_year: 200}\n")
    none = tmp_path / "none.yaml"
    none.write_text(f"extends: {policy}\nname: small-none\npolicy:\n  supported_clusters: 0\n")
    return policy, none


def test_compare_stores_the_counterfactual_and_reports_per_yuan(tmp_path):
    policy, none = write_policy_pair(tmp_path)
    out = tmp_path / "compared.h5"
    done = clustersim("run", policy, "--compare", none, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    assert "Compared with 'small-none'" in done.stdout
    assert "output gained per yuan of public money" in done.stdout
    # Each money figure names its basis, and the report prints bn yuan.
    assert "output gained per yuan of provincial budget net of fund NAV" in done.stdout
    assert re.search(r"national tax expenditure beyond the counterfactual's .*: median [-0-9.e]+ "
                     r"bn yuan", done.stdout), done.stdout
    with h5py.File(out, "r") as f:
        assert f["comparison"].attrs["counterfactual"] in ("small-none", b"small-none")
        run_cost = f["metrics/fiscal_cost_total"][...].sum(axis=(1, 2))
        base_cost = f["counterfactual/metrics/fiscal_cost_total"][...].sum(axis=(1, 2))
        # public_money is the paired difference of total fiscal cost, replicate by replicate,
        # in yuan in the file (the report prints bn yuan).
        assert np.allclose(f["comparison/public_money"][...], run_cost - base_cost, rtol=1e-12)
        assert f["comparison/public_money"].attrs["units"] in ("yuan", b"yuan")
        national = sum(f[f"{group}/fiscal_cost_{line}"][...].sum(axis=(1, 2)) * sign
                       for group, sign in (("metrics", 1), ("counterfactual/metrics", -1))
                       for line in ("rd_super_deduction", "hnte_tax_rate",
                                    "tech_transfer_exemption"))
        assert np.allclose(f["comparison/national_tax_expenditure"][...], national, rtol=1e-12)
        assert np.allclose(f["comparison/provincial_budget"][...],
                           run_cost - base_cost - national, rtol=1e-9)
        # The counterfactual spends nothing on the provincial levers.
        assert not f["counterfactual/metrics/fiscal_cost_platforms"][...].any()
        assert f["counterfactual/metrics/output_value"].shape == f["metrics/output_value"].shape
    # goals reads the same report back from the file.
    report = clustersim("goals", out)
    assert report.returncode == 0 and report.stdout == done.stdout
    parsed = json.loads(clustersim("goals", out, "--json").stdout)
    assert parsed["counterfactual"] == "small-none"
    assert {m["name"] for m in parsed["comparison"]} >= {"output_gained", "public_money"}
    assert all("cost_median" in g for g in parsed["goals"])


def test_compare_refuses_a_counterfactual_with_other_clusters(tmp_path):
    policy, _ = write_policy_pair(tmp_path)
    out = tmp_path / "never.h5"
    other = SOURCE_DIR / "scenarios" / "no-policy.yaml"
    done = clustersim("run", policy, "--compare", other, "-o", out, "--quiet")
    assert done.returncode == 2
    assert "same clusters" in done.stderr and str(other) in done.stderr
    assert not out.exists()


def test_stats_needs_snapshots(small_result):
    done = clustersim("stats", small_result)
    assert done.returncode == 2 and "output.firm_snapshots" in done.stderr


def test_stats_reports_the_stylized_facts(tmp_path):
    out = tmp_path / "snap.h5"
    done = clustersim("run", SMALL, "--set", "output.firm_snapshots=true", "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    with h5py.File(out, "r") as f:
        assert sorted(f["snapshots"]) == ["2014Q4", "2015Q4", "2016Q4"]
        snap = f["snapshots/2016Q4"]
        replicates = snap["replicate"][...]
        assert set(replicates.astype(int)) == {0, 1, 2, 3}
        firms_end = f["metrics/firms_backbone"][:, -1, :] + f["metrics/firms_sme"][:, -1, :] + \
            f["metrics/firms_startup"][:, -1, :]
        # One row per firm alive at the end of the quarter, in every replicate.
        assert snap["id"].shape[0] == int(firms_end.sum())
    # netCDF tools read a snapshot group along its own row dimension.
    import xarray as xr
    with xr.open_dataset(out, engine="h5netcdf", group="snapshots/2016Q4") as ds:
        assert ds["sales"].dims == ("row",)
    text = clustersim("stats", out)
    assert text.returncode == 0, text.stderr
    assert "Pareto upper-tail exponent" in text.stdout and "HNTE threshold 5%" in text.stdout
    stats = json.loads(clustersim("stats", out, "--json").stdout)
    assert stats["first"] == "2014Q4" and stats["last"] == "2016Q4"
    assert abs(sum(stats["rd_shares"]) - 1.0) < 1e-9
    assert stats["growth"]["n"] > 0


def test_every_metric_is_documented(small_result):
    readme = (SOURCE_DIR / "results" / "README.md").read_text()
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", readme, flags=re.M))
    with h5py.File(small_result, "r") as f:
        names = set(f["metrics"])
    assert names <= documented, sorted(names - documented)


def test_stats_survives_negative_intensities_and_refuses_odd_replicate_numbers(tmp_path):
    """Fuzzing finding (tests/fuzz/corpus/result/regression-negative-rd-intensity): a negative
    R&D intensity, or a replicate number that is not a whole number, was converted to an index
    with undefined behaviour (UBSan under `make asan` fails this test without the fix)."""
    out = tmp_path / "snap.h5"
    done = clustersim("run", SMALL, "--set", "output.firm_snapshots=true", "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    with sealed_h5(out) as f:
        for quarter in f["snapshots"]:
            f["snapshots"][quarter]["rd_reported"][0] = -1e12
    assert clustersim("stats", out).returncode == 0
    with sealed_h5(out) as f:
        for quarter in f["snapshots"]:
            f["snapshots"][quarter]["replicate"][0] = np.nan
    bad = clustersim("stats", out)
    assert bad.returncode == 2 and "a replicate number is nan" in bad.stderr, bad.stderr


@pytest.mark.parametrize(
    "column, value, message",
    [("id", -1, "a firm id number is -1"), ("cluster", 0.5, "a cluster number is 0.5")],
)
def test_stats_refuses_firm_ids_and_clusters_that_are_not_whole_numbers(
    tmp_path, column, value, message
):
    """Fuzzing finding in CI (tests/fuzz/corpus/result/regression-negative-firm-id): a negative
    firm id was cast to an unsigned key (undefined behaviour under UBSan), and a NaN cluster
    broke the order of the maps that group firms by cluster."""
    out = tmp_path / "snap.h5"
    done = clustersim("run", SMALL, "--set", "output.firm_snapshots=true", "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    with sealed_h5(out) as f:
        for quarter in f["snapshots"]:
            f["snapshots"][quarter][column][0] = value
    bad = clustersim("stats", out)
    assert bad.returncode == 2 and message in bad.stderr, bad.stderr


def test_stats_refuses_snapshots_without_the_columns_it_needs(tmp_path):
    out = tmp_path / "snap.h5"
    done = clustersim("run", SMALL, "--set", "output.firm_snapshots=true", "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    with sealed_h5(out) as f:
        del f["snapshots/2016Q4/sales"]
    bad = clustersim("stats", out)
    assert bad.returncode == 2
    assert str(out) in bad.stderr and "sales" in bad.stderr


def test_finance_binds_for_young_firms_more_than_for_incumbents(tmp_path):
    """Startups scale up faster than their equity lasts, so more of them than of established
    firms have R&D or investment cut to their cash and credit; `stats` reports the shares, and
    they match the snapshots' own flags."""
    out = tmp_path / "snap.h5"
    done = clustersim("run", SMALL, "--set", "output.firm_snapshots=true", "--set", "run.end=2018Q4",
                      "--set", "run.replicates=8", "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    stats = json.loads(clustersim("stats", out, "--json").stdout)["short_of_funds"]
    with h5py.File(out, "r") as f:
        flags = [(f[f"snapshots/{q}/type"][...], f[f"snapshots/{q}/short_of_funds"][...])
                 for q in f["snapshots"]]
    kinds = np.concatenate([t for t, _ in flags])
    short = np.concatenate([s for _, s in flags])
    for code, name in enumerate(("backbone", "sme", "startup")):
        assert stats[name] == pytest.approx(short[kinds == code].mean(), rel=1e-12)
    assert stats["startup"] > 2 * stats["sme"] > 0
    assert stats["young"] > stats["older"]


def test_stats_reports_no_finance_shares_for_files_without_the_column(tmp_path):
    out = tmp_path / "snap.h5"
    done = clustersim("run", SMALL, "--set", "output.firm_snapshots=true", "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    with sealed_h5(out) as f:
        for q in f["snapshots"]:
            del f[f"snapshots/{q}/short_of_funds"]
    stats = json.loads(clustersim("stats", out, "--json").stdout)
    assert all(v is None for v in stats["short_of_funds"].values())
    assert "startups n/a" in clustersim("stats", out).stdout
