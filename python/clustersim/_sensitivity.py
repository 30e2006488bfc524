"""Variance-based sensitivity of a saltelli sweep: the Sobol indices of one outcome per setting.

    ds = cs.load("results/sweep.h5")
    cs.sensitivity(ds, "G3")                          # share of replicates meeting goal G3
    cs.sensitivity(ds, "sum(output_value, 2020)")     # output summed over clusters in 2020
    cs.sensitivity(ds, ds["output_value"].isel(time=-1).sum("cluster"))   # any DataArray

The design, the estimators (``_core.saltelli_design`` and ``_core.sobol_indices``,
sim/analysis/sobol.cpp) and the outcome expressions (``_core.evaluate_outcome``,
sim/analysis/outcome.cpp; results/README.md, "Outcomes") are the engine's, evaluated on the
Dataset's arrays in memory.
"""
import numpy as np
import pandas as pd
import xarray as xr

from . import _core

__all__ = ["sensitivity", "evaluate_outcome"]

COLUMNS = ["S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high"]


def sensitivity(ds, outcome, bootstrap=1000, confidence=0.95, seed=0):
    """Sobol indices of ``outcome`` for each setting varied by the saltelli sweep ``ds``.

    ds
        the Dataset :func:`clustersim.load` reads from a ``clustersim sweep`` result of method
        ``saltelli`` (attributes ``sweep_method``, ``sweep_settings``, ``sweep_base_samples``).
    outcome
        an expression (``"G3"``, ``"G3.value"``, ``"G3.cost"``, ``"sum(M[, P])"``,
        ``"mean(M[, P])"``, ``"clusters(M >= X[, P])"``; P is 2020, 2020Q4 or
        2016Q1:2020Q4), or a DataArray over ``run`` (or ``run`` and ``replicate``: then its
        mean over replicates).
    bootstrap, confidence, seed
        the percentile intervals: ``bootstrap`` resamples of the base samples (0: none, the
        intervals are NaN) drawn from a counter-based stream keyed by ``seed``.

    Returns a DataFrame indexed by setting, largest total index first, with columns S1,
    S1_low, S1_high (first-order index, Saltelli et al. 2010, and its interval) and ST,
    ST_low, ST_high (total index, Jansen 1999). ``df.attrs`` holds the outcome, its variance
    and the bootstrap's parameters. Raises ValueError for a dataset that is not a saltelli
    sweep, a bad expression (:class:`clustersim.ScenarioError`, a ValueError, with the
    engine's message naming the column), or an outcome that is not finite or does not vary.
    """
    settings, base_samples = _design(ds)
    if isinstance(outcome, str):
        y, name = evaluate_outcome(ds, outcome), outcome
    elif isinstance(outcome, xr.DataArray):
        y, name = _per_point(outcome), str(outcome.name or "outcome")
    else:
        raise TypeError(f"outcome must be an expression (str) or an xarray DataArray, not "
                        f"{type(outcome).__name__}")
    expected = base_samples * (len(settings) + 2)
    if y.shape != (expected,):
        raise ValueError(f"the outcome has {y.size} values; the saltelli sweep of {base_samples} "
                         f"base samples and {len(settings)} settings has {expected} points")
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise ValueError(f"the outcome {name!r} is not finite at {bad.size} point(s), first "
                         f"point {bad[0]} ({y[bad[0]]}); Sobol indices need a number for every "
                         f"point")
    try:
        r = _core.sobol_indices(y, len(settings), base_samples, bootstrap=int(bootstrap),
                                confidence=float(confidence), seed=int(seed))
    except ValueError as e:
        raise ValueError(f"outcome {name!r}: {e}") from None
    df = pd.DataFrame({"S1": r["first"], "S1_low": r["first_low"], "S1_high": r["first_high"],
                       "ST": r["total"], "ST_low": r["total_low"], "ST_high": r["total_high"]},
                      index=pd.Index(settings, name="setting"))
    df = df.sort_values("ST", ascending=False, kind="stable")
    df.attrs.update(outcome=name, variance=r["variance"], base_samples=base_samples,
                    bootstrap=r["bootstrap"], confidence=r["confidence"], seed=r["seed"])
    return df


def _design(ds):
    """The varied settings (design column order) and base samples of a saltelli sweep."""
    method = ds.attrs.get("sweep_method")
    if method is None or "point" not in ds.dims:
        raise ValueError("the dataset is not a sweep (no sweep_method attribute or point "
                         "dimension); load the result of `clustersim sweep`")
    if method != "saltelli":
        raise ValueError(f"not a saltelli sweep (its method is {method!r}): Sobol indices need "
                         f"the points of a Saltelli design")
    settings = ds.attrs.get("sweep_settings", [])
    settings = [settings] if isinstance(settings, str) else [str(s) for s in settings]
    base_samples = int(ds.attrs.get("sweep_base_samples", 0))
    points = ds.sizes["point"]
    if not settings or base_samples < 1 or points != base_samples * (len(settings) + 2):
        raise ValueError(f"wrong shape: a saltelli sweep of {base_samples} base samples and "
                         f"{len(settings)} settings has {base_samples * (len(settings) + 2)} "
                         f"points, the dataset has {points}")
    return settings, base_samples


def _per_point(da):
    """A DataArray outcome as one value per design point (its mean over replicates if it has
    them)."""
    if "replicate" in da.dims:
        da = da.mean("replicate", skipna=False)
    if da.dims != ("point",):
        raise ValueError(f"an outcome DataArray must have dims (point,) or (point, replicate), "
                         f"not {da.dims}")
    return np.asarray(da.values, dtype=np.float64)


# --- outcome expressions ----------------------------------------------------------------------

METRIC_DIMS = ("point", "replicate", "time", "cluster")
GOAL_DIMS = ("point", "goal", "replicate")


def evaluate_outcome(ds, expression):
    """The outcome named by ``expression`` for each design point of a sweep Dataset, as a NumPy array:
    the engine's evaluation (sim/analysis/outcome.cpp), so the numbers and the errors
    (ScenarioError naming the expression's column) are those of ``clustersim sensitivity
    --outcome`` on the same file."""
    return _core.evaluate_outcome(_sweep_table(ds), expression)


def _sweep_table(ds):
    """The Dataset as the engine's SweepTable. The engine asks for a metric or goal field only
    when the expression names it, so a lazily loaded file reads no more than that."""
    if "time_label" not in ds.coords:
        raise ValueError("the dataset has no time_label coordinate")
    missing = [dim for dim in METRIC_DIMS if dim not in ds.dims]
    if missing:
        raise ValueError(f"the dataset has no {', '.join(missing)} dimension: outcomes are "
                         f"computed from a sweep's metrics [{', '.join(METRIC_DIMS)}]")

    def metric(name):
        return ds[name].transpose(*METRIC_DIMS).values if name in ds.data_vars else None

    def goal_field(field):
        name = f"goal_{field}"
        return ds[name].transpose(*GOAL_DIMS).values if name in ds.coords else None

    def metric_kind(name):
        if name not in ds.data_vars:  # the engine checks names against metric_names if any
            raise ValueError(f"no metric {name!r}; the dataset holds no metrics")
        attrs = ds[name].attrs
        return str(attrs.get("kind", "")), str(attrs.get("units", ""))

    return _core.SweepTable(
        points=ds.sizes["point"], replicates=ds.sizes["replicate"], steps=ds.sizes["time"],
        clusters=ds.sizes["cluster"], time_labels=[str(x) for x in ds["time_label"].values],
        goal_ids=[str(g) for g in ds["goal"].values] if "goal" in ds.coords else [],
        metric_names=sorted(str(name) for name in ds.data_vars), metric=metric,
        goal_field=goal_field, metric_kind=metric_kind)
