"""Calibration result files (``clustersim calibrate``) as xarray Datasets.

The layout of the file is in results/README.md ("Calibration files"). The Dataset has the
dimensions ``generation``, ``particle``, ``parameter`` (the fitted settings) and ``target``;
the posterior is its last generation, ``ds.isel(generation=-1)``.
"""
import os

import h5py
import numpy as np
import xarray as xr

from ._dataset import check_seal, plain
from ._errors import ResultFileError

FILETYPE = "clustersim-calibration"


def _text(values):
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]


def load_calibration(path):
    """Reads a calibration result file.

    Data variables: ``particles`` [generation, particle, parameter] (the settings' own units),
    ``weights`` and ``distances`` [generation, particle], ``values`` [generation, particle,
    target] (each particle's model value of each target), ``seeds`` [generation, particle],
    ``tolerance``, ``ess``, ``acceptance_rate`` and ``proposals`` [generation], ``observed``,
    ``se``, ``model_spread``, ``scale`` and ``held_out`` (predicted, not fitted) [target], and
    the priors, ``prior`` (its kind),
    ``prior_min``, ``prior_max``, ``prior_mean`` and ``prior_sd`` [parameter]. Coordinates
    ``expression`` and ``source`` [target]. Attributes: the file's root attributes (seed,
    stop_reason, runs, provenance) and ``definition``, the calibration file's text.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such calibration file: {path}")
    check_seal(path)
    with h5py.File(path, "r") as f:
        filetype = plain(f.attrs.get("filetype", ""))
        if filetype != FILETYPE:
            raise ResultFileError(f"is a '{filetype}' file, not a calibration ({FILETYPE})",
                                  file=path)
        names = _text(f["parameters/name"][()])
        targets = _text(f["targets/name"][()])
        generations = sorted(f["generations"])
        stack = {key: np.stack([f[f"generations/{g}/{key}"][()] for g in generations])
                 for key in ("parameters", "weights", "distances", "values", "seeds",
                             "tolerance", "ess", "acceptance_rate", "proposals")}
        by_target = {key: ("target", f[f"targets/{key}"][()])
                     for key in ("observed", "se", "model_spread", "scale")}
        by_target["held_out"] = ("target", f["targets/held_out"][()].astype(bool))
        priors = {f"prior_{key}": ("parameter", f[f"parameters/prior_{key}"][()])
                  for key in ("min", "max", "mean", "sd")}
        ds = xr.Dataset(
            {"particles": (("generation", "particle", "parameter"), stack["parameters"]),
             "weights": (("generation", "particle"), stack["weights"]),
             "distances": (("generation", "particle"), stack["distances"]),
             "values": (("generation", "particle", "target"), stack["values"]),
             "seeds": (("generation", "particle"), stack["seeds"]),
             **{key: ("generation", stack[key][:, 0])
                for key in ("tolerance", "ess", "acceptance_rate", "proposals")},
             **by_target, **priors,
             "prior": ("parameter", _text(f["parameters/prior"][()]))},
            coords={"generation": np.arange(len(generations)), "parameter": names,
                    "target": targets,
                    "expression": ("target", _text(f["targets/expression"][()])),
                    "source": ("target", _text(f["targets/source"][()]))},
            attrs={key: plain(value) for key, value in f.attrs.items()})
        ds.attrs["definition"] = _text([f["calibration/definition"][()]])[0]
    return ds


def weighted_quantile(values, weights, q):
    """The smallest value whose cumulative normalised weight reaches q (as the engine's)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(np.asarray(weights, dtype=float)[order])
    cumulative /= cumulative[-1]
    return np.asarray(values)[order][np.searchsorted(cumulative, q * (1 - 1e-12))]
