"""The plan's goals over an ensemble, summarised by the engine (the numbers `clustersim goals`
prints)."""
import math
import os

import pandas as pd

from . import _core, _dataset

# Fields of the engine's per-replicate goal results, as the file's /goals group names them.
_FIELDS = ("description", "unit", "target", "deadline", "value_at_deadline", "met",
           "first_met")


def quarter_label(decimal_year):
    """'2015Q4' for the decimal year at a quarter's end (2016.0); 'never' for NaN."""
    if decimal_year is None or math.isnan(decimal_year):
        return "never"
    quarter = int(round(decimal_year * 4)) - 1
    return f"{quarter // 4}Q{quarter % 4 + 1}"


def _as_dataset(ds):
    if isinstance(ds, (str, os.PathLike)):
        return _dataset.load(ds)
    return ds


def goal_results(ds):
    """The goals of a Dataset (one run) as the engine's GoalResults mapping."""
    if "goal" not in ds.coords:
        raise ValueError("the dataset has no goals (no 'goal' coordinate)")
    out = {"id": [str(g) for g in ds["goal"].values]}
    for field in _FIELDS:
        var = ds.coords[f"goal_{field}"]
        if "replicate" in var.dims:
            var = var.transpose("goal", "replicate")
        values = var.values
        out[field] = [str(v) for v in values] if values.dtype == object else values
    return out


def _runs(ds):
    if "run" in ds.dims and "run" in ds.coords["goal_met"].dims:
        return [(ds["run"].values[i] if "run" in ds.coords else i, ds.isel(run=i))
                for i in range(ds.sizes["run"])]
    return [(None, ds)]


def goals(ds):
    """A DataFrame of the plan's goals, one row per goal (per run and goal for sweeps).

    Columns: description, unit, target, deadline (decimal year) and deadline_quarter;
    replicates, decided (replicates whose run reaches the deadline), share_met (among decided),
    value_median, value_p05, value_p95 (the goal's value at the deadline: median and 90%
    interval), share_ever_met, first_met_median and first_met_earliest (decimal years, NaN if
    never) with their quarters. ``ds`` is a Dataset from :func:`run` or :func:`load`, or a path.
    """
    ds = _as_dataset(ds)
    rows = []
    for run, part in _runs(ds):
        for row in _core.summarise_goals(goal_results(part)):
            if run is not None:
                row = {"run": run, **row}
            row["deadline_quarter"] = quarter_label(row["deadline"])
            row["first_met_median_quarter"] = quarter_label(row["first_met_median"])
            row["first_met_earliest_quarter"] = quarter_label(row["first_met_earliest"])
            rows.append(row)
    frame = pd.DataFrame(rows)
    index = ["run", "id"] if "run" in frame.columns else ["id"]
    return frame.set_index(index) if rows else frame


def goals_report(ds):
    """The goal report as text, exactly as ``clustersim goals`` prints it."""
    ds = _as_dataset(ds)
    parts = []
    for run, part in _runs(ds):
        text = _core.goals_report_text(goal_results(part))
        parts.append(text if run is None else f"run {run}\n{text}")
    return "".join(parts)
