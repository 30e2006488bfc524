"""Figures: fan charts per cluster with goal marks and deadlines, goals side by side."""
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from conftest import PACKAGE_BUILT, PYTHON_DIR, SMALL  # noqa: E402

if not PACKAGE_BUILT:
    pytest.skip(f"the Python package is not built in {PYTHON_DIR}", allow_module_level=True)

import clustersim as cs  # noqa: E402


@pytest.fixture(scope="module")
def runs():
    return (cs.run(SMALL, progress=False),
            cs.run(SMALL, set={"policy.rd_super_deduction": 1.0}, progress=False))


def visible_axes(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def test_trajectories_one_panel_per_cluster_with_mark_and_deadlines(runs, tmp_path):
    ds, _ = runs
    fig = cs.plot.trajectories(ds, "output_value")
    axes = visible_axes(fig)
    assert [ax.get_title() for ax in axes] == list(ds["cluster_name"].values)
    ax = axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "median" in labels
    assert any(label.startswith("goals.output_mark: 100 bn yuan/year") for label in labels)
    # One line per deadline, labelled with every goal due then; goal thresholds are not marks.
    labelled = sorted(g for t in ax.texts for g in t.get_text().split())
    assert labelled == sorted(ds["goal"].values)
    assert len(ax.texts) == len(set(ds["goal_deadline"].values))
    assert not any("min_output" in label for label in labels)
    assert len(ax.collections) == 2  # the 90% and 50% bands
    fig.savefig(tmp_path / "fan.png")
    assert (tmp_path / "fan.png").stat().st_size > 0
    plt.close(fig)


def test_trajectories_selects_clusters_by_id_or_name(runs):
    ds, _ = runs
    first_name = str(ds["cluster_name"].values[0])
    fig = cs.plot.trajectories(ds, "patents_granted", clusters=["beta", first_name], marks=None)
    assert [ax.get_title() for ax in visible_axes(fig)] == [str(ds["cluster_name"].values[1]),
                                                            first_name]
    assert not any(line.get_label().startswith("goals.") for line in fig.axes[0].get_lines())
    plt.close(fig)
    with pytest.raises(ValueError, match="no cluster"):
        cs.plot.trajectories(ds, "output_value", clusters=["nowhere"])
    with pytest.raises(ValueError, match="no metric"):
        cs.plot.trajectories(ds, "no_such_metric")


def test_goals_side_by_side(runs):
    ds, other = runs
    fig = cs.plot.goals(ds, other_ds=other, labels=["plan", "what-if"])
    axes = visible_axes(fig)
    assert len(axes) == ds.sizes["goal"]
    for ax, goal in zip(axes, ds["goal"].values):
        assert ax.get_title().startswith(f"{goal}:")
        assert [t.get_text() for t in ax.get_xticklabels()] == ["plan", "what-if"]
        assert len([t for t in ax.texts
                    if t.get_text().startswith(("met ", "undecided"))]) == 2
    plt.close(fig)
    with pytest.raises(ValueError, match="labels"):
        cs.plot.goals(ds, other_ds=[other, other], labels=["one"])


def test_the_goals_plot_has_no_empty_panels_full_titles_and_axes_from_zero(runs):
    ds, _ = runs
    table = cs.goals(ds)
    fig = cs.plot.goals(ds)
    # Four goals fill a 2 x 2 grid: no hidden panel left over.
    assert len(fig.axes) == len(visible_axes(fig)) == 4
    for ax, (goal, row) in zip(fig.axes, table.iterrows()):
        # The whole description, wrapped, not cut.
        assert " ".join(ax.get_title().split()) == f"{goal}: {row['description']}"
        assert ax.get_ylim()[0] == 0
        # Markers are not clipped at the axis, so a median of 0 stays visible.
        assert all(not line.get_clip_on() for line in ax.lines if line.get_marker() == "o")
        share = [t.get_text() for t in ax.texts if t.get_text().startswith(("met ", "undecided"))]
        if row["decided"] > 0:
            assert f"({row['share_met_low']:.0%}-{row['share_met_high']:.0%})" in share[0]
        # The small world's 3 clusters cannot make G2's 15: the panel says so.
        notes = " ".join(" ".join(t.get_text().split()) for t in ax.texts)
        assert ("unreachable: at most 3 clusters can count" in notes) == bool(row["unreachable"])
    assert table.loc["G2", "unreachable"].startswith("at most 3 clusters can count, target 15")
    assert table.loc["G3", "unreachable"] == ""
    plt.close(fig)


def test_compared_scenarios_overlay_and_their_differences_fan():
    what_if = {"extends": str(SMALL), "policy": {"rd_super_deduction": 1.0}}
    ds = cs.compare({"plan": SMALL, "deduction": what_if}, progress=False)
    fig = cs.plot.trajectories(ds, "output_value")
    labels = visible_axes(fig)[0].get_legend_handles_labels()[1]
    assert "plan: median" in labels and "deduction: median" in labels
    assert "bn yuan/year" in visible_axes(fig)[0].get_ylabel()
    plt.close(fig)
    fig = cs.plot.difference(ds, "output_value")
    ax = visible_axes(fig)[0]
    labels = ax.get_legend_handles_labels()[1]
    # Only the what-if against the plan, with the zero line.
    assert "deduction: median" in labels and not any(x.startswith("plan") for x in labels)
    assert any(x.startswith("no difference") for x in labels)
    median = [line for line in ax.lines if line.get_label() == "deduction: median"][0]
    expected = (ds["output_value_difference"].sel(scenario="deduction")
                .isel(cluster=0).median("replicate").values / 1e9)
    np.testing.assert_allclose(median.get_ydata(), expected)
    plt.close(fig)
    with pytest.raises(ValueError, match="clustersim.compare"):
        cs.plot.difference(cs.run(SMALL, progress=False), "output_value")
