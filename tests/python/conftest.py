"""Shared fixtures for the end-to-end tests: the built executable and the test scenarios."""
import os
import pathlib
import subprocess
import sys

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("CLUSTERSIM_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
EXECUTABLE = pathlib.Path(os.environ.get("CLUSTERSIM", SOURCE_DIR / "build" / "bin" / "clustersim"))
SMALL = SOURCE_DIR / "tests" / "data" / "small.yaml"
# The Python package as the build assembles it (build/python/clustersim), next to build/bin.
PYTHON_DIR = pathlib.Path(os.environ.get("CLUSTERSIM_PYTHONPATH", EXECUTABLE.parents[1] / "python"))
PACKAGE_BUILT = (PYTHON_DIR / "clustersim" / "__init__.py").is_file()
if PACKAGE_BUILT and str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))


def clustersim(*args, cwd=None):
    """Runs the executable; returns the CompletedProcess (text output)."""
    return subprocess.run([str(EXECUTABLE), *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


@pytest.fixture(scope="session")
def small_result(tmp_path_factory):
    """A result file of the small test scenario, run once per session."""
    out = tmp_path_factory.mktemp("small") / "small.h5"
    done = clustersim("run", SMALL, "-o", out, "--quiet")
    assert done.returncode == 0, done.stderr
    return out
