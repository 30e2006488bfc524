"""Results as xarray Datasets, from a run in memory or from a result file.

Both paths produce the same Dataset (results/README.md describes the file):

* data variables: one per metric, dims (replicate, time, cluster), or (run, replicate, time,
  cluster) for sweep files, with ``units`` and ``description`` attributes;
* coordinates: ``replicate``, ``time`` (the last day of each quarter, datetime64, so that
  ``sel(time="2020")`` is the year's four quarters and ``sel(time="2015Q4")`` one), ``year``
  (the decimal year at the quarter's end, as the file's ``/time``), ``cluster`` (ids),
  ``goal`` (ids); every dataset of the file's ``/coords`` group along its dimension
  (``time_iso``, ``time_label``, ``cluster_name``, ``cluster_region``, ...); ``date`` (the last
  day of each quarter, datetime64); and the goals, ``goal_<name>`` for each dataset of
  ``/goals`` (``goal_target``, ``goal_deadline``, ``goal_met`` [goal, replicate], ...);
* attributes: the file's root attributes (provenance) and ``scenario``, the resolved scenario;
* for a run compared with a counterfactual: ``comparison_<name>`` coordinates [replicate] and
  the attribute ``counterfactual``.

A file's ``/counterfactual`` metrics and ``/snapshots`` are not read (use h5py).
"""
import os

import h5py
import numpy as np
import pandas as pd
import xarray as xr

from . import _core
from ._errors import ResultFileError, ScenarioError

METRIC_DIMS = ("replicate", "time", "cluster")
GOAL_DIMS = ("goal", "replicate")
# Files whose metrics exceed this many bytes are read lazily (on access) by default.
LAZY_BYTES = 256 * 2**20

# HDF5 and netCDF bookkeeping attributes, not part of the data.
_INTERNAL_ATTRS = {"CLASS", "NAME", "REFERENCE_LIST", "DIMENSION_LIST", "_Netcdf4Dimid",
                   "_Netcdf4Coordinates", "_NCProperties"}


def plain(value):
    """An attribute value as plain Python (str, int, float, list)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return plain(value.item())
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _attrs(obj):
    return {k: plain(v) for k, v in obj.attrs.items() if k not in _INTERNAL_ATTRS}


def _strings(values):
    return np.array(list(values), dtype=object)


def _metric_order(names):
    order = {m["name"]: i for i, m in enumerate(_core.metrics())}
    return sorted(names, key=lambda n: (order.get(n, len(order)), n))


def _assemble(metrics, coords, attrs):
    """The Dataset: metrics {name: (dims, data, attrs)}, coords {name: (dims, data, attrs)}."""
    coords = dict(coords)
    if "time_iso" in coords and "date" not in coords:
        dims, iso, _ = coords["time_iso"]
        coords["date"] = (dims, pd.to_datetime(np.asarray(iso, dtype=str)).values,
                          {"description": "last day of each quarter"})
    if "date" in coords and "time" in coords and "year" not in coords:
        # Time is a date, so that pandas-style selection means what it says: sel(time="2020")
        # is 2020Q1-Q4 and sel(time="2015Q4") one quarter. As a decimal year at the quarter's
        # end, sel(time=2020) was 2019Q4. The decimal year stays as `year`: files of schema 1.1
        # hold it in /coords/time_year (their /time is CF days since 1970), older files in /time.
        if "time_year" in coords:
            coords["year"] = coords.pop("time_year")
        else:
            coords["year"] = coords["time"]
        coords["time"] = (coords["time"][0], coords["date"][1],
                          {"description": "last day of each simulated quarter; select a year "
                           "with sel(time=\"2020\"), a quarter with sel(time=\"2015Q4\")"})
    return xr.Dataset(data_vars=metrics, coords=coords, attrs=attrs)


# --- a run in memory ------------------------------------------------------------------------

def from_run(scenario, run, attrs):
    """The Dataset of a finished run; metrics are views of the run's C++ array (no copy)."""
    replicates, steps, clusters = run.shape
    quarters = scenario.quarters
    catalogue = scenario.clusters
    goals = run.goals
    # Names and descriptions as write_result_file (sim/io/result_file.cpp) writes them.
    coords = {
        "replicate": (("replicate",), np.arange(replicates, dtype=np.int64),
                      {"description": "replicate index (random stream)"}),
        # As a file's /coords/time_year; _assemble makes it `year` and time the quarter's end.
        "time": (("time",), np.array([q[0] for q in quarters], dtype=np.float64),
                 {"units": "year",
                  "description": "decimal year at the end of each quarter (2014Q1: 2014.25)"}),
        "cluster": (("cluster",), _strings(c["id"] for c in catalogue),
                    {"description": "cluster id"}),
        "goal": (("goal",), _strings(goals["id"]), {"description": "goal id of the plan"}),
        "time_iso": (("time",), _strings(q[1] for q in quarters),
                     {"description": "ISO date of the last day of each quarter"}),
        "time_label": (("time",), _strings(q[2] for q in quarters),
                       {"description": "quarter label, e.g. 2015Q4"}),
    }
    for field, description in (("name", "English name of the cluster"),
                               ("name_zh", "name of the cluster in the plan's text"),
                               ("region", "region of the province"),
                               ("kind", "emerging or traditional industry"),
                               ("host_city", "host city (see scenarios/data)")):
        coords[f"cluster_{field}"] = (("cluster",), _strings(c[field] for c in catalogue),
                                      {"description": description})
    goal_attrs = {
        "description": {"description": "what the goal asks"},
        "unit": {"description": "unit of the goal's value"},
        "target": {"description": "met when the value at the deadline is at least this"},
        "deadline": {"units": "year", "description": "decimal year at the end of the deadline "
                     "quarter"},
        "value_at_deadline": {"description": "the goal's value at its deadline (NaN if the run "
                              "ends earlier)"},
        "met": {"description": "1 met by the deadline, 0 not met, -1 undecided (run ends before "
                "the deadline)"},
        "first_met": {"units": "year", "description": "decimal year (quarter end) when the "
                      "target is first reached; NaN if never"},
        "cost_to_deadline": {"units": "yuan", "description": "public money spent from the run's "
                             "start to the goal's deadline (NaN if undecided)"},
        "unreachable": {"description": "why no run can meet the goal; empty when it is "
                        "reachable"},
    }
    for name, values in goals.items():
        if name in ("id", "counterfactual", "comparison"):
            continue
        values = _strings(values) if isinstance(values, list) else np.asarray(values)
        dims = ("goal",) if values.ndim == 1 else GOAL_DIMS
        coords[f"goal_{name}"] = (dims, values, goal_attrs.get(name, {}))
    if "counterfactual" in goals:  # a comparison with a counterfactual run
        attrs = {**attrs, "counterfactual": goals["counterfactual"]}
        for m in goals["comparison"]:
            coords[f"comparison_{m['name']}"] = (
                ("replicate",), np.asarray(m["per_replicate"]),
                {"units": m["units"], "description": m["description"]})
    metrics = {}
    for index, info in enumerate(_core.metrics()):
        metrics[info["name"]] = (METRIC_DIMS, run.metric(index),
                                 {"units": info["units"], "description": info["description"],
                                  "kind": info["kind"]})
    return _assemble(metrics, coords, attrs)


# --- a result file --------------------------------------------------------------------------

def _has_valid_dimension_list(dataset):
    """Whether the DIMENSION_LIST attribute HDF5's dimension-scale API reads is what that API
    expects (one list of object references per axis): the API crashes the interpreter on one of
    another type or shape, which an edited file can hold (test_load_fuzz.py)."""
    if "DIMENSION_LIST" not in dataset.attrs:
        return False
    attr = dataset.attrs.get_id("DIMENSION_LIST")
    return attr.shape == (dataset.ndim,) and h5py.check_vlen_dtype(attr.dtype) == h5py.ref_dtype


def _dims_of(dataset, fallback):
    """Names of the dimension scales attached to each axis of an h5py dataset."""
    if not _has_valid_dimension_list(dataset):
        return tuple(fallback[axis] if axis < len(fallback) else f"dim_{axis}"
                     for axis in range(dataset.ndim))
    names = []
    for axis, proxy in enumerate(dataset.dims):
        try:
            scales = list(proxy.values())
        except (KeyError, RuntimeError, OSError):
            scales = []
        if scales and scales[0].name:
            names.append(scales[0].name.rsplit("/", 1)[-1])
        else:
            names.append(fallback[axis] if axis < len(fallback) else f"dim_{axis}")
    return tuple(names)


def _fallback(ndim, trailing):
    """Dims for an array without attached scales: an optional leading point dimension."""
    if ndim == len(trailing) + 1:
        return ("point",) + trailing
    return trailing[-ndim:] if ndim <= len(trailing) else trailing


def _read(dataset):
    """A dataset's values; text as str (an object array, or one str for a scalar)."""
    if dataset.dtype.kind in ("O", "S", "U"):
        if dataset.shape == ():
            return dataset.asstr()[()]
        return _strings(dataset.asstr()[...].ravel()).reshape(dataset.shape)
    return dataset[...]


def _check_file(path, f):
    filetype = plain(f.attrs.get("filetype", ""))
    if filetype != _core.RESULT_FILETYPE:
        raise ResultFileError("not a clustersim result file (filetype attribute)", file=path)
    version = plain(f.attrs.get("schema_version", []))
    major = version[0] if isinstance(version, list) and version else -1
    if major != _core.RESULT_SCHEMA_VERSION[0]:
        raise ResultFileError(f"result schema version {major} is not readable by this build "
                              f"(expects {_core.RESULT_SCHEMA_VERSION[0]}.x)", file=path)


def check_seal(path):
    """Refuses a file whose clustersim seal (length and CRC-32, in its first 512 bytes) is
    missing or broken, before HDF5 parses any of it (the same check as the command line's)."""
    try:
        _core.check_seal(os.fspath(path))
    except ScenarioError as e:
        raise ResultFileError(e.detail, file=os.fspath(path)) from None


def root_attrs(path):
    """The root attributes (provenance) of a result file."""
    check_seal(path)
    with h5py.File(path, "r") as f:
        return _attrs(f)


def load(path, lazy=None, counterfactual=False):
    """Reads a result file (``clustersim run`` or ``sweep``, or ``run(output=...)``) into the
    same Dataset as :func:`clustersim.run` returns.

    ``lazy``: None reads files whose metrics exceed 256 MiB lazily (values are read from the
    file when used; the file stays open until ``ds.close()``), True or False forces it. Sweep
    files, whose metrics have a leading ``point`` dimension (the sweep's design points), come
    back with that dimension and each point's settings from ``/coords/point`` as coordinates
    that ``sel`` takes by value. Sweep files written before schema 1.3 called the dimension
    ``run``; it is renamed ``point`` on loading.

    ``counterfactual=True`` reads instead the counterfactual run a file holds when it was
    written with ``--compare`` (or ``run(..., compare=...)``): its metrics, with its scenario
    in ``attrs`` and the run it was compared with in ``attrs["counterfactual_of"]``; the goals
    and the comparison belong to the run and are left out.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such result file: {path}")
    check_seal(path)
    try:
        ds = _load_checked(path, lazy, counterfactual)
    except ResultFileError:
        raise
    except (KeyError, ValueError, TypeError, IndexError, AttributeError, OSError) as e:
        # What h5py, numpy and xarray raise on contents of the wrong type, shape or name: the
        # file is sealed, so it is as clustersim wrote it, or made or edited on purpose.
        raise ResultFileError(f"damaged or incomplete result file ({type(e).__name__}: {e})",
                              file=path) from e
    ds.encoding["source"] = path  # xarray's convention; cs.report finds the file by it
    return ds


def _load_checked(path, lazy, counterfactual):
    """load() once the file's seal is checked."""
    group = "counterfactual/metrics" if counterfactual else "metrics"
    with h5py.File(path, "r") as f:
        _check_file(path, f)
        if counterfactual and "counterfactual" not in f:
            raise ResultFileError("the file holds no counterfactual run (it was not written "
                                  "with --compare)", file=path)
        coords, attrs, metric_info, nbytes = _read_structure(f, group)
        if counterfactual:
            coords, attrs = _as_counterfactual(f, coords, attrs)
        if lazy is None:
            lazy = nbytes > LAZY_BYTES
        if not lazy:
            metrics = {name: (dims, _read(f[group][name]), a)
                       for name, (dims, a) in metric_info.items()}
            return _index_by_settings(_points_named(_assemble(metrics, coords, attrs)))
    return _index_by_settings(_points_named(_load_lazily(path, coords, attrs, metric_info,
                                                         group)))


def _points_named(ds):
    """A sweep file before schema 1.3 named its design-point dimension ``run``, the word the
    progress lines and run files use for one point x replicate: call it ``point``."""
    if "run" in ds.dims and "point" not in ds.dims:
        ds = ds.rename({"run": "point"})
    return ds


def _index_by_settings(ds):
    """A sweep's varied settings index its points, so that sel takes a setting's value:
    ds.sel({"policy.talent_programme.recruits_per_year": 200}). Each setting is an index of its
    own beside the point number `point` (xarray selects on one index at a time: chain sel calls
    for several settings)."""
    settings = ds.attrs.get("sweep_settings", [])
    settings = [str(s) for s in ([settings] if isinstance(settings, str) else settings)]
    for setting in settings:
        if setting in ds.coords and ds[setting].dims == ("point",) and setting not in ds.xindexes:
            ds = ds.set_xindex(setting)
    return ds


def _as_counterfactual(f, coords, attrs):
    """The coordinates and attributes of the counterfactual run of a compared file."""
    coords = {k: v for k, v in coords.items()
              if k != "goal" and not k.startswith(("goal_", "comparison_"))}
    group = f["counterfactual"]
    attrs = {**attrs, "counterfactual_of": attrs.get("scenario_name", "")}
    attrs.pop("counterfactual", None)
    attrs["scenario_name"] = plain(group.attrs.get("scenario_name", ""))
    attrs["scenario_source"] = plain(group.attrs.get("scenario_source", ""))
    attrs["scenario"] = _read(group["scenario"])
    return coords, attrs


def _read_structure(f, metrics_group="metrics"):
    coords, attrs = {}, _attrs(f)
    if "scenario" in f:
        text = _read(f["scenario"])
        if isinstance(text, str):
            attrs["scenario"] = text
        else:
            coords["scenario"] = (_dims_of(f["scenario"], ("point",)), text, {})
    for name, item in f.items():
        # Dimensions (replicate, time, cluster, goal, point) are the root's dimension scales.
        if isinstance(item, h5py.Dataset) and plain(item.attrs.get("CLASS", b"")) == \
                "DIMENSION_SCALE":
            coords[name] = ((name,), _read(item), _attrs(item))
    if "coords" in f:
        for name, item in f["coords"].items():
            if isinstance(item, h5py.Group):  # a sweep's per-point settings, one dataset each
                for sub, ds in item.items():
                    if isinstance(ds, h5py.Dataset):
                        coords[sub] = (_dims_of(ds, (name,)), _read(ds), _attrs(ds))
            elif item.dtype.names:  # compound: one coordinate per field
                data = item[...]
                dims = _dims_of(item, ("point",))
                for field in item.dtype.names:
                    values = data[field]
                    if values.dtype.kind in ("O", "S"):
                        values = _strings(plain(v) for v in values.ravel()).reshape(values.shape)
                    coords[field] = (dims, values, {})
            else:
                fallback = (name.split("_", 1)[0],)
                coords[name] = (_dims_of(item, fallback), _read(item), _attrs(item))
    if "goals" in f:
        for name, ds in f["goals"].items():
            if isinstance(ds, h5py.Dataset):
                dims = _dims_of(ds, _fallback(ds.ndim, GOAL_DIMS))
                coords[f"goal_{name}"] = (dims, _read(ds), _attrs(ds))
    if "comparison" in f:  # measures against a counterfactual run, per replicate
        attrs["counterfactual"] = plain(f["comparison"].attrs.get("counterfactual", ""))
        for name, ds in f["comparison"].items():
            if isinstance(ds, h5py.Dataset):
                dims = _dims_of(ds, _fallback(ds.ndim, ("replicate",)))
                coords[f"comparison_{name}"] = (dims, _read(ds), _attrs(ds))
    metric_info, nbytes = {}, 0
    group = f[metrics_group]
    for name in _metric_order(list(group)):
        ds = group[name]
        if not isinstance(ds, h5py.Dataset):
            continue
        metric_info[name] = (_dims_of(ds, _fallback(ds.ndim, METRIC_DIMS)), _attrs(ds))
        nbytes += ds.size * ds.dtype.itemsize
    return coords, attrs, metric_info, nbytes


def _load_lazily(path, coords, attrs, metric_info, group="metrics"):
    lazy = xr.open_dataset(path, engine="h5netcdf", group=group, decode_cf=False, cache=False)
    metrics = {}
    for name, (dims, a) in metric_info.items():
        variable = lazy[name].variable.copy(deep=False)  # still backed by the file
        variable.dims = dims
        variable.attrs = a
        metrics[name] = variable
    ds = _assemble(metrics, coords, attrs)
    ds.set_close(lazy.close)
    return ds
