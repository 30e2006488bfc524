"""clustersim for Python: run scenarios in-process and read results as xarray Datasets.

    import clustersim as cs
    ds = cs.run("scenarios/shandong-2015.yaml", set={"policy.rd_super_deduction": 1.0})
    cs.goals(ds)                                   # the plan's goals, a pandas DataFrame
    cs.plot.trajectories(ds, "output_value_trailing_year")   # fan charts per cluster
    cs.load("results/shandong-2015.h5")                 # any result file, the same Dataset

See python/README.md.
"""
import importlib
import sys

try:
    import h5py  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import xarray  # noqa: F401
except ImportError as e:  # typically a pyenv or other python3 first on PATH
    raise ImportError(f"clustersim needs Debian's /usr/bin/python3 with python3-numpy, "
                      f"-h5py, -xarray and -pandas (or a venv made with "
                      f"--system-site-packages); this is {sys.executable}: {e}") from e

from . import _core  # noqa: E402
from ._calibration import load_calibration  # noqa: E402
from ._compare import compare  # noqa: E402
from ._dataset import load  # noqa: E402
from ._errors import ResultFileError, ScenarioError  # noqa: E402
from ._goals import goals, goals_report  # noqa: E402
from ._report import report  # noqa: E402
from ._run import run  # noqa: E402
from ._scenario import validate  # noqa: E402
from ._sensitivity import sensitivity  # noqa: E402
from ._sweep import sweep  # noqa: E402

Scenario = _core.Scenario
__version__ = _core.version()

__all__ = ["run", "compare", "sweep", "load", "load_calibration", "goals", "goals_report",
           "validate", "schema", "metrics", "plot", "sensitivity", "report", "Scenario",
           "ScenarioError", "ResultFileError", "__version__"]


def schema():
    """Every scenario setting as a DataFrame (key, type, unit, min, max, default, description,
    by_date, by_cluster), as ``clustersim schema`` lists them."""
    import pandas as pd
    return pd.DataFrame(_core.schema()).set_index("key")


def metrics():
    """The model's metrics as a DataFrame (name, units, description)."""
    import pandas as pd
    return pd.DataFrame(_core.metrics()).set_index("name")


def __dir__():
    # The public API only: not the modules and helpers the package imports for itself.
    return sorted(__all__)


def __getattr__(name):
    # matplotlib is imported only when plotting is used.
    if name == "plot":
        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
