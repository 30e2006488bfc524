"""Figures of results with matplotlib; each function returns the Figure (pyplot-managed, so
``plt.show()`` and Jupyter's inline display work; ``fig.savefig(path)`` writes it).

    fig = cs.plot.trajectories(ds, "output_value_trailing_year", clusters=["lithium_battery", "tires"])
    fig = cs.plot.goals(baseline, other_ds=what_if, labels=["plan", "what-if"])
    fig = cs.plot.sensitivity(cs.sensitivity(sweep, "G3"))
"""
import math
import textwrap
import warnings

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

from . import _core
from ._goals import goals as _goal_table

__all__ = ["trajectories", "goals", "sensitivity"]


def _scale(units):
    """Money is shown in bn yuan."""
    if units.startswith("yuan"):
        return 1e9, "bn " + units
    return 1.0, units


def _setting_value(resolved_yaml, key):
    """A constant number from the resolved scenario's YAML, or None."""
    try:
        import yaml
        node = yaml.safe_load(resolved_yaml)
        for part in key.split("."):
            node = node[part]
        return float(node)
    except Exception:  # no PyYAML, a schedule, a missing key: no mark
        return None


def _auto_marks(ds, units):
    """Goal marks in the metric's units: every constant ``goals.*_mark`` number setting of the
    scenario whose unit is the metric's (e.g. the 100 bn yuan/year output mark). Thresholds of a
    goal's definition (``goals.g2.min_output``, ...) are not marks a trajectory is read against."""
    text = ds.attrs.get("scenario")
    if not isinstance(text, str) or not units:
        return []
    marks = []
    for setting in _core.schema():
        if setting["key"].startswith("goals.") and setting["key"].endswith("_mark") \
                and setting["type"] == "number" and setting["unit"] == units:
            value = _setting_value(text, setting["key"])
            if value is not None:
                marks.append((setting["key"], value))
    return marks


def _cluster_ids(ds, clusters):
    ids = [str(c) for c in ds["cluster"].values]
    if clusters is None:
        return ids
    if isinstance(clusters, str):
        clusters = [clusters]
    names = {}
    if "cluster_name" in ds.coords:
        names = {str(n).lower(): i for n, i in zip(ds["cluster_name"].values, ids)}
    out = []
    for c in clusters:
        if c in ids:
            out.append(c)
        elif str(c).lower() in names:
            out.append(names[str(c).lower()])
        else:
            raise ValueError(f"no cluster {c!r}; clusters are {', '.join(ids)}")
    return out


def _x(ds):
    return ds["date"].values if "date" in ds.coords else ds["time"].values


def _decimal_year_to_x(ds, year):
    """A goal deadline (decimal year at a quarter's end) on the time axis."""
    if "date" not in ds.coords:
        return year
    label = _core.quarter_label(year)
    quarter_year, quarter = int(label[:4]), int(label[-1])
    month = 3 * quarter
    last_day = 31 if month in (3, 12) else 30
    return np.datetime64(f"{quarter_year:04d}-{month:02d}-{last_day:02d}")


def trajectories(ds, metric, clusters=None, *, bands=(0.5, 0.9), marks="auto", goals=True,
                 ncols=4, sharey=False, log=False, figsize=None, title=None):
    """Fan charts of one metric, one panel per cluster: the median over replicates and the
    central 50% and 90% bands. A Dataset of :func:`clustersim.compare` overlays its scenarios,
    one colour each.

    clusters
        ids or English names (default: all clusters).
    marks
        horizontal lines: "auto" draws the scenario's constant ``goals.*`` thresholds whose unit
        is the metric's (for output, the 100 bn yuan/year mark; note that goals compare it with
        the sum of the last four quarters); or a list of numbers or (label, value); or None.
    goals
        draw the goals' deadlines as vertical lines.
    """
    if metric not in ds.data_vars:
        raise ValueError(f"no metric {metric!r}; metrics are {', '.join(ds.data_vars)}")
    da = ds[metric]
    if "point" in da.dims:
        raise ValueError("this dataset holds a sweep's design points; select one, e.g. "
                         "ds.isel(point=0)")
    ids = _cluster_ids(ds, clusters)
    units = str(da.attrs.get("units", ""))
    scale, unit_label = _scale(units)
    bands = sorted(bands, reverse=True)
    levels = sorted({0.5} | {(1 - b) / 2 for b in bands} | {1 - (1 - b) / 2 for b in bands})
    # One fan per scenario: a compared Dataset's scenarios, or the one run.
    scenarios = [str(s) for s in ds["scenario"].values] if "scenario" in da.dims else [None]
    fans = []
    for s in scenarios:
        part = da if s is None else da.sel(scenario=s)
        data = part.sel(cluster=ids).transpose("replicate", "time", "cluster").values / scale
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices (empty clusters)
            fans.append((s, data, dict(zip(levels, np.nanquantile(data, levels, axis=0)))))
    everything_positive = all(np.nanmin(d, initial=np.inf) >= 0 for _, d, _ in fans)
    if marks == "auto":
        marks = _auto_marks(ds, units)
    lines = []
    for m in marks or []:
        label, value = m if isinstance(m, tuple) else (None, m)
        shown = f"{value / scale:g} {unit_label}"
        lines.append((f"{label}: {shown}" if label else shown, value / scale))
    deadlines = []
    if goals and "goal_deadline" in ds.coords:
        # Goals sharing a deadline share one line and one label ("G2 G3 G4").
        by_date = {}
        deadline = ds["goal_deadline"]
        if "scenario" in deadline.dims:  # compared scenarios: the first one's deadlines
            deadline = deadline.isel(scenario=0)
        for g, d in zip(ds["goal"].values, deadline.values):
            by_date.setdefault(float(d), []).append(str(g))
        deadlines = [(" ".join(ids), _decimal_year_to_x(ds, d)) for d, ids in by_date.items()]

    x = _x(ds)
    ncols = max(1, min(ncols, len(ids)))
    nrows = math.ceil(len(ids) / ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=sharey,
                             figsize=figsize or (3.4 * ncols, 2.5 * nrows + 0.9),
                             layout="constrained")
    names = dict(zip(ds["cluster"].values, ds["cluster_name"].values)) \
        if "cluster_name" in ds.coords else {}
    alphas = np.linspace(0.18, 0.4, len(bands))
    for k, cluster in enumerate(ids):
        ax = axes.flat[k]
        for i, (s, _, q) in enumerate(fans):
            named = "" if s is None else f"{s}: "
            # Overlaid scenarios keep only their widest band, so the fans stay readable.
            shown = bands if len(fans) == 1 else bands[:1]
            for band, alpha in zip(shown, alphas):
                ax.fill_between(x, q[(1 - band) / 2][:, k], q[1 - (1 - band) / 2][:, k],
                                color=f"C{i}", alpha=alpha, linewidth=0,
                                label=f"{named}{band:.0%} of replicates")
            ax.plot(x, q[0.5][:, k], color=f"C{i}", linewidth=1.6, label=f"{named}median")
        for label, value in lines:
            ax.axhline(value, color="0.25", linestyle="--", linewidth=0.9, label=label)
        for goal, when in deadlines:
            ax.axvline(when, color="C3", linestyle=":", linewidth=0.9)
            ax.text(when, 0.98, goal, transform=ax.get_xaxis_transform(), rotation=90,
                    ha="right", va="top", fontsize=7, color="C3")
        ax.set_title(str(names.get(cluster, cluster)), fontsize=9)
        if log:
            ax.set_yscale("log")
        elif everything_positive:
            ax.set_ylim(bottom=0)
        ax.tick_params(labelsize=7)
        if k % ncols == 0:
            ax.set_ylabel(unit_label, fontsize=8)
        if "date" in ds.coords:
            locator = mdates.AutoDateLocator(minticks=3, maxticks=5)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    for ax in axes.flat[len(ids):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=6, loc="upper left")
    replicates = ds.sizes.get("replicate", 0)
    name = ds.attrs.get("scenario_name", ", ".join(s for s in scenarios if s is not None))
    shown = bands if len(fans) == 1 else bands[:1]
    text = title or (f"{metric} ({units}), {name}: median and central "
                     f"{', '.join(f'{b:.0%}' for b in shown[::-1])} of {replicates} replicates")
    fig.suptitle("\n".join(textwrap.wrap(text, int(14 * 3.4 * ncols))), fontsize=10)
    return fig


def difference(ds, metric, clusters=None, *, bands=(0.5, 0.9), **kwargs):
    """Fan charts of paired differences from :func:`clustersim.compare`: for each scenario but
    the baseline, the metric minus the baseline's replicate by replicate (same seeds), one
    panel per cluster, with a line at zero. Other arguments as :func:`trajectories`."""
    if "scenario" not in ds.dims or f"{metric}_difference" not in ds.data_vars:
        raise ValueError("difference needs a Dataset of clustersim.compare (a scenario "
                         f"dimension and {metric}_difference)")
    baseline = ds.attrs.get("baseline")
    others = ds.drop_sel(scenario=[baseline]) if baseline in ds["scenario"].values else ds
    title = kwargs.pop("title", None) or (
        f"{metric} minus {baseline}'s, replicate by replicate (same seeds): median and central "
        f"{max(bands):.0%} of {ds.sizes.get('replicate', 0)} paired replicates")
    return trajectories(others, f"{metric}_difference", clusters, bands=bands,
                        marks=[("no difference", 0.0)], title=title, **kwargs)


def _points(ds, label):
    """A sweep's design points, each (a label naming the point, its Dataset)."""
    if "point" in ds.dims:
        points = ds["point"].values if "point" in ds.coords else range(ds.sizes["point"])
        return [(f"{label} point {p}", ds.isel(point=i)) for i, p in enumerate(points)]
    return [(label, ds)]


def goals(ds, other_ds=None, *, labels=None, ncols=None, figsize=None, title=None):
    """The plan's goals for one or several scenarios side by side: per goal, each scenario's
    value at the deadline (median and 90% interval over replicates) against the target, with
    the share of replicates meeting the goal and its 90% interval written above, and
    "unreachable" where no run can meet it. The value axes start at zero; the panels fill a
    grid of ``ncols`` columns (default: as square as the goals allow, 2 x 2 for four).

    other_ds
        another Dataset, or a list of them, to compare with ``ds``.
    labels
        one label per dataset (default: their scenario names).
    """
    datasets = [ds] + ([] if other_ds is None else
                       list(other_ds) if isinstance(other_ds, (list, tuple)) else [other_ds])
    if labels is None:
        labels = [d.attrs.get("scenario_name", f"scenario {i + 1}") for i, d in
                  enumerate(datasets)]
        if len(set(labels)) < len(labels):
            labels = [f"{label} ({i + 1})" for i, label in enumerate(labels)]
    if len(labels) != len(datasets):
        raise ValueError(f"{len(datasets)} datasets but {len(labels)} labels")
    entries = [e for label, d in zip(labels, datasets) for e in _points(d, label)]
    tables = [(label, _goal_table(d)) for label, d in entries]
    goal_ids = list(dict.fromkeys(g for _, t in tables for g in t.index))
    if not goal_ids:
        raise ValueError("the datasets have no goals")
    if ncols is None:
        ncols = math.ceil(math.sqrt(len(goal_ids)))
    ncols = max(1, min(ncols, len(goal_ids)))
    nrows = math.ceil(len(goal_ids) / ncols)
    width = max(3.6, 0.9 * len(tables) + 1.6)
    # Characters per line that fit a panel's width: about 9.5 per inch at 9 points, 12 at 7.
    title_chars, note_chars = int(9.5 * width), int(12 * width)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=figsize or (width * ncols, 3.4 * nrows + 0.6),
                             layout="constrained")
    for k, goal in enumerate(goal_ids):
        ax = axes.flat[k]
        target, unit, description, unreachable = None, "", goal, ""
        lows, highs = [], []
        for i, (label, table) in enumerate(tables):
            if goal not in table.index:
                continue
            row = table.loc[goal]
            target, unit, description = row["target"], row["unit"], row["description"]
            unreachable = unreachable or str(row.get("unreachable", "") or "")
            median, lo, hi = row["value_median"], row["value_p05"], row["value_p95"]
            if not math.isnan(lo):
                lows.append(lo)
                highs.append(hi)
            if not math.isnan(median):
                # Not clipped: a median of 0 sits on the axis and stays visible.
                bars = ax.errorbar([i], [median], yerr=[[median - lo], [hi - median]], fmt="o",
                                   color=f"C{i}", capsize=5, markersize=6)
                for artist in bars.get_children():
                    artist.set_clip_on(False)
            if math.isnan(row["share_met"]):
                text = "undecided"
            else:
                text = f"met {row['share_met']:.0%}"
                if "share_met_low" in row and not math.isnan(row["share_met_low"]):
                    text += f" ({row['share_met_low']:.0%}-{row['share_met_high']:.0%})"
            if not math.isnan(row["first_met_median"]):
                text += f"\nfirst {row['first_met_median_quarter']}"
            ax.annotate(text, (i, hi if not math.isnan(hi) else 0), xytext=(0, 8),
                        textcoords="offset points", ha="center", fontsize=8)
        if target is not None:
            ax.axhline(target, color="C3", linestyle="--", linewidth=1, label="target")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_xticks(range(len(tables)), [label for label, _ in tables], fontsize=8,
                      rotation=20 if len(tables) > 2 else 0)
        ax.set_xlim(-0.6, len(tables) - 0.4)
        # Counts start at zero, with room above the highest value, target and labels.
        top = max(highs + [target if target is not None else 0, 1])
        if min(lows + [0]) >= 0:
            ax.set_ylim(0, 1.3 * top)
        else:
            ax.margins(y=0.25)
        if unreachable:
            ax.text(0.02, 0.97, "\n".join(textwrap.wrap("unreachable: " + unreachable,
                                                       note_chars)),
                    transform=ax.transAxes, va="top", fontsize=7, color="C3")
        ax.set_ylabel(f"{unit} at the deadline", fontsize=8)
        ax.set_title("\n".join(textwrap.wrap(f"{goal}: {description}", title_chars,
                                              break_on_hyphens=False)), fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(goal_ids):]:
        ax.set_visible(False)
    fig.suptitle("\n".join(textwrap.wrap(
        title or "Goals: value at the deadline (median, 90% interval) and share of replicates "
        "meeting them (90% interval)", int(7.5 * width * ncols))), fontsize=10)
    return fig


def sensitivity(df, ax=None, title=None):
    """Each setting's first-order (S1) and total (ST) Sobol index as horizontal bars with their
    bootstrap intervals as error bars, the largest total index at the top.

    df
        what :func:`clustersim.sensitivity` returns (columns S1, S1_low, S1_high, ST, ST_low,
        ST_high, indexed by setting).
    ax
        the Axes to draw on (default: a new figure).

    Returns the Figure (the one holding ``ax`` when given).
    """
    missing = [c for c in ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high")
               if c not in df.columns]
    if missing:
        raise ValueError(f"not a table of Sobol indices (no {', '.join(missing)}); make one with "
                         f"clustersim.sensitivity")
    # barh draws from the bottom up: ascending order puts the largest total index on top.
    table = df.sort_values("ST", ascending=True, kind="stable")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 0.5 * len(table) + 1.4), layout="constrained")
    else:
        fig = ax.figure
    rows = np.arange(len(table))
    height = 0.38
    for offset, column, label, color in ((height / 2, "ST", "total (ST)", "C1"),
                                         (-height / 2, "S1", "first order (S1)", "C0")):
        values = table[column].to_numpy(dtype=float)
        low = table[f"{column}_low"].to_numpy(dtype=float)
        high = table[f"{column}_high"].to_numpy(dtype=float)
        # A percentile interval need not contain the estimate, and without a bootstrap there is
        # none: error bars are clipped at the bar's end and left out when missing.
        error = np.nan_to_num(np.clip(np.vstack([values - low, high - values]), 0, None))
        ax.barh(rows + offset, values, height=height, xerr=error, color=color, label=label,
                error_kw={"ecolor": "0.2", "capsize": 3, "linewidth": 1})
    ax.set_yticks(rows, [str(s) for s in table.index], fontsize=8)
    ax.axvline(0, color="0.4", linewidth=0.8)
    ax.set_xlabel("share of the outcome's variance", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7, loc="lower right")
    if title is None:
        outcome = df.attrs.get("outcome")
        confidence = df.attrs.get("confidence")
        title = "Sobol indices" + (f" of {outcome}" if outcome else "")
        if confidence and df.attrs.get("bootstrap"):
            title += f" ({confidence:.0%} bootstrap intervals)"
    ax.set_title(title, fontsize=10)
    return fig


def _posterior(cal):
    return cal.isel(generation=-1)


def posterior(cal, *, figsize=None, title=None):
    """Pair plot of a calibration's posterior (``cs.load_calibration``): each parameter's
    weighted histogram on the diagonal, with its prior's range as the axis, and every pair of
    parameters as a scatter of particles sized by weight below it."""
    from ._calibration import weighted_quantile
    post = _posterior(cal)
    names = list(cal["parameter"].values)
    n = len(names)
    fig, axes = plt.subplots(n, n, squeeze=False, figsize=figsize or (1.9 * n + 1, 1.9 * n + 1),
                             layout="constrained")
    w = post["weights"].values
    for i, a in enumerate(names):
        x = post["particles"].sel(parameter=a).values
        lo, hi = float(cal["prior_min"].sel(parameter=a)), float(cal["prior_max"].sel(parameter=a))
        for j in range(n):
            ax = axes[i][j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.hist(x, bins=20, range=(lo, hi), weights=w, color="C0", alpha=0.8)
                for q in (0.05, 0.5, 0.95):
                    ax.axvline(weighted_quantile(x, w, q), color="C3",
                               linestyle="-" if q == 0.5 else ":", linewidth=1)
                ax.set_yticks([])
                ax.set_xlim(lo, hi)
                ax.set_title(a, fontsize=7)
            else:
                b = names[j]
                y = post["particles"].sel(parameter=b).values
                ax.scatter(y, x, s=4 + 400 * w, alpha=0.5, color="C0", linewidths=0)
                ax.set_xlim(float(cal["prior_min"].sel(parameter=b)),
                            float(cal["prior_max"].sel(parameter=b)))
                ax.set_ylim(lo, hi)
            ax.tick_params(labelsize=6)
            if i == n - 1:
                ax.set_xlabel(names[j], fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(a, fontsize=7)
    fig.suptitle(title or f"Posterior of {n} parameters (generation {int(post['generation'])}, "
                 f"{post.sizes['particle']} particles; axes span the priors; red: median and "
                 f"90% interval)", fontsize=9)
    return fig


def tolerance(cal, ax=None, title=None):
    """A calibration's schedule: each generation's tolerance (log scale) and acceptance rate."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
    else:
        fig = ax.figure
    g = cal["generation"].values
    tol = cal["tolerance"].values
    finite = np.isfinite(tol)
    ax.plot(g[finite], tol[finite], "o-", color="C0", label="tolerance")
    ax.set_yscale("log")
    ax.set_xlabel("generation (0: the prior, tolerance infinite)")
    ax.set_ylabel("tolerance (distance, units of σ)")
    ax.set_xticks(g)
    other = ax.twinx()
    other.plot(g, cal["acceptance_rate"].values, "s--", color="C1", label="acceptance rate")
    other.set_ylabel("acceptance rate")
    other.set_ylim(0, 1.05)
    lines = ax.get_legend_handles_labels()[0] + other.get_legend_handles_labels()[0]
    ax.legend(lines, ["tolerance", "acceptance rate"], fontsize=8, loc="upper right")
    ax.set_title(title or f"Tolerance schedule ({cal.attrs.get('stop_reason', '')})", fontsize=9)
    return fig


def fit(cal, *, ncols=4, figsize=None, title=None):
    """Posterior-predictive fit: per target, the posterior's model values (median and 90%
    band, weighted) against the observation with its standard error, and the prior's band
    (generation 0) for comparison."""
    from ._calibration import weighted_quantile
    targets = list(cal["target"].values)
    ncols = max(1, min(ncols, len(targets)))
    nrows = math.ceil(len(targets) / ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=figsize or (3.0 * ncols, 2.8 * nrows + 0.5),
                             layout="constrained")
    first, post = cal.isel(generation=0), _posterior(cal)
    for k, name in enumerate(targets):
        ax = axes.flat[k]
        for i, (label, gen) in enumerate((("prior", first), ("posterior", post))):
            v = gen["values"].sel(target=name).values
            w = gen["weights"].values
            ok = np.isfinite(v)
            lo, med, hi = (weighted_quantile(v[ok], w[ok], q) for q in (0.05, 0.5, 0.95))
            ax.errorbar([i], [med], yerr=[[med - lo], [hi - med]], fmt="o", capsize=4,
                        color=f"C{i}")
        obs, se = float(cal["observed"].sel(target=name)), float(cal["se"].sel(target=name))
        ax.axhline(obs, color="k", linewidth=1)
        ax.axhspan(obs - se, obs + se, color="k", alpha=0.12)
        ax.set_xticks([0, 1], ["prior", "posterior"], fontsize=7)
        ax.set_xlim(-0.6, 1.6)
        ax.tick_params(labelsize=7)
        ax.set_title("\n".join(textwrap.wrap(name, 28)), fontsize=8)
    for ax in axes.flat[len(targets):]:
        ax.set_visible(False)
    fig.suptitle(title or "Fit: model values (median, 90% band) against the observation "
                 "(black, ±1 standard error)", fontsize=9)
    return fig
