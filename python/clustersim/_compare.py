"""Several scenarios side by side on the same seeds, with their paired differences."""
import xarray as xr

from . import _run, _scenario


def compare(scenarios, baseline=None, *, replicates=None, seed=None, threads=None,
            progress=True):
    """Runs each scenario on the same seed and replicates and returns one Dataset with a
    ``scenario`` dimension (its labels are the mapping's keys) and, for each metric M,
    ``M_difference``: the scenario's values minus the baseline's, replicate by replicate
    (common random numbers: replicate r of every scenario draws the same random streams).

    scenarios
        ``{"plan": "shandong-2015", "talent x2": {...}, ...}``: labels to anything
        :func:`run` takes.
    baseline
        the label the differences are taken from (default the first); it may also be a
        scenario not in ``scenarios``, added under the label ``"baseline"``.
    replicates, seed
        shared by every run; by default the baseline's own ``run.replicates`` and ``run.seed``.

    Scenarios must share their calendar and clusters; the goals of each are ``goal_*``
    coordinates along ``scenario``.
    """
    scenarios = dict(scenarios)
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    if baseline is None:
        baseline = next(iter(scenarios))
    elif baseline not in scenarios:
        scenarios = {"baseline": baseline, **scenarios}
        baseline = "baseline"
    base = _scenario.resolve(scenarios[baseline], None)
    replicates = base.replicates if replicates is None else replicates
    seed = base.seed if seed is None else seed
    runs = {label: _run.run(s, replicates=replicates, seed=seed, threads=threads,
                            progress=progress) for label, s in scenarios.items()}
    first = runs[baseline]
    for label, ds in runs.items():
        for dim in ("time", "cluster"):
            if not ds[dim].equals(first[dim]):
                raise ValueError(f"scenario {label!r} has another {dim} axis than the baseline "
                                 f"{baseline!r}: compare needs the same calendar and clusters")
    labels = list(runs)
    # Each scenario's goal results go along `scenario` even where two happen to agree; the
    # calendar and cluster coordinates, which are the same, do not.
    per_scenario = [name for name in first.coords if name.startswith(("goal_", "comparison_"))]
    combined = xr.concat([runs[label].reset_coords(per_scenario) for label in labels],
                         dim="scenario", data_vars="all", coords="minimal", compat="equals",
                         combine_attrs="drop").set_coords(per_scenario)
    for name, variable in combined.variables.items():  # units and descriptions, as in a run
        if name in first.variables:
            variable.attrs = dict(first[name].attrs)
    combined = combined.assign_coords(scenario=labels)
    combined["scenario"].attrs["description"] = "the label of each compared scenario"
    for name in list(first.data_vars):
        difference = combined[name] - combined[name].sel(scenario=baseline)
        difference.attrs = {"units": first[name].attrs.get("units", ""),
                            "description": f"{name} minus the baseline's ({baseline}), "
                                           "replicate by replicate"}
        combined[f"{name}_difference"] = difference
    combined.attrs = {"baseline": baseline, "seed": int(seed), "replicates": int(replicates),
                      "scenario_sources": [str(runs[label].attrs.get("scenario_source", ""))
                                           for label in labels]}
    return combined
