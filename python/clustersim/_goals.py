"""The plan's goals over an ensemble, summarised by the engine (the numbers `clustersim goals`
prints)."""
import json
import math
import os

import pandas as pd

from . import _core, _dataset

# Fields of the engine's goal summary that are counts of replicates.
_COUNTS = ("replicates", "decided")


def _as_dataset(ds):
    if isinstance(ds, (str, os.PathLike)):
        return _dataset.load(ds)
    return ds


def goal_results(ds):
    """The goal results of a Dataset (one run) as the engine reads them from a file: every
    ``goal_<name>`` coordinate as ``<name>`` ([goal] or [goal, replicate]), and the comparison
    with a counterfactual (``comparison_<name>`` coordinates) when there is one."""
    if "goal" not in ds.coords:
        raise ValueError("the dataset has no goals (no 'goal' coordinate)")
    out = {"id": [str(g) for g in ds["goal"].values]}
    for name, var in ds.coords.items():
        if not name.startswith("goal_"):
            continue
        if "replicate" in var.dims:
            var = var.transpose("goal", "replicate")
        values = var.values
        out[name[len("goal_"):]] = [str(v) for v in values] if values.dtype == object else values
    measures = [name for name in ds.coords if name.startswith("comparison_")]
    if measures and "counterfactual" in ds.attrs:
        out["counterfactual"] = str(ds.attrs["counterfactual"])
        out["comparison"] = [{"name": name[len("comparison_"):],
                              "units": str(ds[name].attrs.get("units", "")),
                              "description": str(ds[name].attrs.get("description", "")),
                              "per_replicate": ds[name].values} for name in measures]
    return out


def _points(ds):
    """A sweep's design points, each (point number, its Dataset); one (None, ds) otherwise."""
    if "point" in ds.dims and "point" in ds.coords["goal_met"].dims:
        return [(ds["point"].values[i] if "point" in ds.coords else i, ds.isel(point=i))
                for i in range(ds.sizes["point"])]
    return [(None, ds)]


def goals(ds):
    """A DataFrame of the plan's goals, one row per goal (per design point and goal for sweeps).

    The columns are the fields of ``clustersim goals --json``, with the same numbers (the
    engine computes them): description, unit, target, deadline (decimal year); replicates,
    decided (replicates whose run reaches the deadline), share_met (among decided),
    value_median, value_p05, value_p95 (the goal's value at the deadline: median and 90%
    interval), share_ever_met, first_met_median and first_met_earliest (decimal years, NaN if
    never), and whatever else the engine reports (e.g. the public money spent by the deadline);
    then deadline_quarter, first_met_median_quarter and first_met_earliest_quarter. ``ds`` is a
    Dataset from :func:`run` or :func:`load`, or a path.
    """
    ds = _as_dataset(ds)
    rows = []
    for point, part in _points(ds):
        report = json.loads(_core.goals_report(goal_results(part), json=True))
        for row in report["goals"]:
            # JSON writes 1.0 as 1: every number is a float but for the counts.
            row = {k: math.nan if v is None else
                   float(v) if isinstance(v, int) and k not in _COUNTS else v
                   for k, v in row.items()}
            if point is not None:
                row = {"point": point, **row}
            row["deadline_quarter"] = _core.quarter_label(row["deadline"])
            row["first_met_median_quarter"] = _core.quarter_label(row["first_met_median"])
            row["first_met_earliest_quarter"] = _core.quarter_label(row["first_met_earliest"])
            rows.append(row)
    frame = pd.DataFrame(rows)
    index = ["point", "id"] if "point" in frame.columns else ["id"]
    return frame.set_index(index) if rows else frame


def goals_report(ds):
    """The goal report as text, exactly as ``clustersim goals`` prints it (including the
    comparison with a counterfactual when the file has one)."""
    ds = _as_dataset(ds)
    points = _points(ds)
    parts = []
    for point, part in points:
        text = _core.goals_report(goal_results(part))
        if point is not None:
            text = f"Point {point} of {len(points)}: {_point_settings(ds, part)}\n{text}"
        parts.append(text)
    return "".join(parts)


def _point_settings(ds, part):
    """A point's varied settings as ``clustersim goals`` prints them: "key=value, ..." in the
    order of /coords/point (by name), values as C's %g."""
    settings = ds.attrs.get("sweep_settings", [])
    settings = [settings] if isinstance(settings, str) else [str(s) for s in settings]
    return ", ".join(f"{name}={float(part[name]):g}" for name in sorted(settings)
                     if name in part.coords)
