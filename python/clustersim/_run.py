"""Running a scenario's ensemble in-process."""
import datetime
import os

from . import _core, _dataset, _progress, _scenario


def _shown(scenario):
    shown = scenario if not isinstance(scenario, _core.Scenario) else f"<{scenario.name}>"
    return os.fspath(shown) if isinstance(shown, os.PathLike) else shown


def _command_line(scenario, set, replicates, seed, threads, compare=None):
    args = [repr(_shown(scenario))]
    for name, value in (("set", set), ("replicates", replicates), ("seed", seed),
                        ("threads", threads),
                        ("compare", None if compare is None else _shown(compare))):
        if value is not None:
            args.append(f"{name}={value!r}")
    return f"python: clustersim.run({', '.join(args)})"


def _run_one(resolved, threads, progress, draws_from=None):
    callback, close = _progress.make(progress, resolved.name)
    try:
        return _core.run(resolved, threads=int(threads or 0), progress=callback,
                         draws_from=draws_from)
    finally:
        close()


def _check_output(path, force):
    """Python's own exceptions for an output path that cannot be used, before running."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"output folder '{folder}' does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"output path '{path}' is a folder")
    if os.path.exists(path) and not force:
        raise FileExistsError(f"output file '{path}' exists; pass force=True to replace it")
    if not os.access(folder, os.W_OK):
        raise PermissionError(f"output folder '{folder}' is not writable")
    _core.check_output_path(path, force)


def run(scenario, set=None, *, replicates=None, seed=None, threads=None, progress=True,
        output=None, force=False, compare=None):
    """Runs a scenario's ensemble in this process and returns its results as an xarray Dataset.

    scenario
        a path to a scenario file, YAML text, a dict (nested like the YAML; may ``extends`` a
        file, relative to the current directory), or a Scenario from :func:`validate`.
    set
        overrides, ``{"policy.rd_super_deduction": 0.75}`` or ``{"policy.x": {2015: 0.5,
        2018: 0.75}}``; a string value is read as YAML, as ``--set`` reads it.
    replicates, seed
        override ``run.replicates`` and ``run.seed``.
    threads
        worker threads (default all cores); results are bit-identical for any number.
    progress
        True shows a progress bar (tqdm; a widget in Jupyter when ipywidgets is installed),
        False nothing; a callable gets (steps_done, total_steps, replicates_done,
        total_replicates) a few times a second.
    output
        also write the result file that ``clustersim run -o`` writes; an existing file is
        replaced only with ``force=True``.
    compare
        a counterfactual scenario (path, text, dict or Scenario), as ``clustersim run
        --compare``: it runs on this run's calendar, seed and replicates, the Dataset gets
        ``comparison_<measure>`` coordinates (output gained per yuan of public money, ...) and
        the ``counterfactual`` attribute, :func:`goals_report` adds the comparison, and
        ``output`` also holds the counterfactual's metrics.

    The engine runs with the GIL released. Ctrl-C (KeyboardInterrupt) stops every replicate
    at its next quarter, raises KeyboardInterrupt, and writes nothing. Metrics are NumPy views
    of the engine's memory, without copies. Raises :class:`ScenarioError` for bad input.
    """
    resolved = _scenario.resolve(scenario, set, replicates, seed)
    counterfactual = None
    if compare is not None:
        compare_name = "<dict>" if isinstance(compare, dict) else str(_shown(compare))
        on_the_run = dict(item.split("=", 1) for item in _core.counterfactual_overrides(resolved))
        counterfactual = _scenario.resolve(compare, on_the_run)
        _core.check_same_clusters(resolved, counterfactual, compare_name)
        counterfactual.check_fits()
    if output is not None:
        output = os.fspath(output)
        _check_output(output, force)
    result = _run_one(resolved, threads, progress)
    counterfactual_result = None
    if counterfactual is not None:
        counterfactual_result = _run_one(counterfactual, threads, progress, draws_from=resolved)
        _core.compare(resolved, result, counterfactual, counterfactual_result)
    command_line = _command_line(scenario, set, replicates, seed, threads, compare)
    if output is not None:
        _core.write_result(output, resolved, result, command_line, counterfactual,
                           counterfactual_result)
        attrs = _dataset.root_attrs(output)
    else:
        attrs = {
            "filetype": _core.RESULT_FILETYPE,
            "schema_version": list(_core.RESULT_SCHEMA_VERSION),
            "clustersim_version": _core.version(),
            "git_commit": _core.git_commit(),
            "build_flags": _core.build_flags(),
            "created": datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"),
            "command_line": command_line,
            "scenario_name": resolved.name,
            "scenario_source": resolved.source,
            "seed": resolved.seed,
            "replicates": resolved.replicates,
            "threads": result.threads,
            "wall_time_seconds": result.wall_seconds,
        }
    attrs["scenario"] = resolved.resolved_yaml
    ds = _dataset.from_run(resolved, result, attrs)
    if output is not None:
        ds.encoding["source"] = output  # xarray's convention; cs.report finds the file by it
    return ds
