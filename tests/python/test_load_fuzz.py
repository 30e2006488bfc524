"""cs.load against files whose contents are wrong: a seeded random search, the Python side of
the result-file fuzzing (tests/fuzz/result_fuzz.cpp does the same through the command line).

Each case edits a copy of a real result or sweep file with h5py (deletes or retypes datasets
and attributes, gives them odd shapes or NaN), seals it as clustersim would, and loads it:
cs.load must return a Dataset or raise ResultFileError, never another exception. The seal
itself (damaged bytes) is tested in test_faults.py."""
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import PACKAGE_BUILT, PYTHON_DIR, SMALL, SOURCE_DIR, clustersim, sealed_h5

if not PACKAGE_BUILT:
    pytest.skip(f"the Python package is not built in {PYTHON_DIR}", allow_module_level=True)

import h5py  # noqa: E402

import clustersim as cs  # noqa: E402

CASES = 80  # per base file and mode; about 15 s in all
VALUES = [0, 1, -1, 3, 2.5, np.nan, np.inf, -np.inf, 1e300, 2**62, "", "x", "clustersim-result",
          "2014Q1", "saltelli"]
ATTRIBUTES = ["filetype", "schema_version", "units", "description", "counterfactual",
              "sweep_method", "sweep_settings", "replicates", "seed", "scenario_name",
              "DIMENSION_LIST", "NAME", "CLASS"]


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("load-fuzz")
    result = folder / "result.h5"
    done = clustersim("run", SMALL, "--compare", SMALL, "-o", result, "-q")
    assert done.returncode == 0, done.stderr
    sweep = folder / "sweep.h5"
    done = clustersim("sweep", SOURCE_DIR / "tests" / "data" / "sweep-saltelli.yaml", "-o", sweep,
                      "-q")
    assert done.returncode == 0, done.stderr
    return {"result": result, "sweep": sweep}


def random_value(rng):
    shape = tuple(int(n) for n in rng.integers(0, 4, size=rng.integers(0, 4)))
    kind = rng.integers(0, 3)
    if kind == 0:
        return np.full(shape, rng.choice([0.0, -1.0, 3.0, np.nan, np.inf, 1e300]))
    if kind == 1:
        return np.full(shape, rng.choice([0, 1, -1, 5, 2**62]), dtype=np.int64)
    text = str(rng.choice(["", "x", "clustersim-result", "2014Q1", "saltelli"]))
    return np.full(shape, text, dtype=h5py.string_dtype()) if shape else text


def edit(f, rng):
    names = ["/"]
    f.visit(lambda name: names.append(name))
    name = names[rng.integers(len(names))]
    op = rng.integers(0, 5)
    if op == 0 and name != "/":
        del f[name]
    elif op == 1 and name != "/":
        del f[name]
        f[name] = random_value(rng)
    elif op == 2:
        f[name].attrs[str(rng.choice(ATTRIBUTES))] = random_value(rng)
    elif op == 3 and len(f[name].attrs):
        del f[name].attrs[list(f[name].attrs)[rng.integers(len(f[name].attrs))]]
    elif op == 4 and isinstance(f[name], h5py.Dataset) and f[name].dtype.kind in "fi" \
            and f[name].size:
        data = f[name][...]
        data.flat[rng.integers(data.size)] = 0 if data.dtype.kind == "i" else np.nan
        f[name][...] = data


@pytest.mark.parametrize("base", ["result", "sweep"])
@pytest.mark.parametrize("counterfactual", [False, True])
def test_load_refuses_wrong_contents_cleanly(bases, tmp_path, base, counterfactual):
    rng = np.random.default_rng([17, counterfactual, base == "sweep"])
    path = tmp_path / "edited.h5"
    for case in range(CASES):
        shutil.copy(bases[base], path)
        with sealed_h5(path) as f:
            for _ in range(rng.integers(1, 4)):
                edit(f, rng)
        try:
            ds = cs.load(path, counterfactual=counterfactual)
            ds.close()
        except cs.ResultFileError:
            pass
        except Exception as e:  # noqa: BLE001: any other exception is the finding
            shutil.copy(path, tmp_path / f"finding-{case}.h5")
            raise AssertionError(f"case {case}: cs.load raised {type(e).__name__}: {e} "
                                 f"(file kept as finding-{case}.h5)") from e


def test_a_dimension_list_of_the_wrong_type_does_not_crash_the_interpreter(bases, tmp_path):
    """Finding of the search above: HDF5's dimension-scale API (h5py's ds.dims) crashed Python
    with SIGSEGV on a DIMENSION_LIST attribute that is not one list of references per axis.
    Loaded in a child process, so that a crash fails this test alone."""
    path = tmp_path / "dims.h5"
    shutil.copy(bases["result"], path)
    with sealed_h5(path) as f:
        f["metrics/output_value"].attrs["DIMENSION_LIST"] = np.arange(3)
        f["metrics/firm_entries"].attrs["DIMENSION_LIST"] = "x"
    code = ("import sys, clustersim as cs\n"
            "ds = cs.load(sys.argv[1])\n"
            "print(ds['output_value'].dims)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          env={"PYTHONPATH": str(PYTHON_DIR)}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "('replicate', 'time', 'cluster')" in done.stdout
