"""`make venv`'s recipe (python/make_venv.sh): a venv that sees Debian's packages and this
build's clustersim, in which the package runs a scenario."""
import subprocess

import pytest

from conftest import EXECUTABLE, PACKAGE_BUILT, SOURCE_DIR

BUILD_PYTHON = EXECUTABLE.parents[1] / "python"


@pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")
def test_the_venv_imports_this_build_and_runs_a_scenario(tmp_path):
    venv = tmp_path / "venv"
    made = subprocess.run([str(SOURCE_DIR / "python" / "make_venv.sh"), "/usr/bin/python3",
                           str(venv), str(BUILD_PYTHON)], capture_output=True, text=True,
                          timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"in {venv}" in made.stdout
    # The venv's own python, from outside the tree, with nothing on PYTHONPATH.
    code = ("import clustersim as cs, numpy, xarray; "
            f"ds = cs.run({str(SOURCE_DIR / 'tests' / 'data' / 'small.yaml')!r}, progress=False); "
            "print(cs.__file__); print(ds.sizes['replicate'])")
    done = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True,
                          text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, timeout=300)
    assert done.returncode == 0, done.stderr
    where, replicates = done.stdout.split()
    assert where.startswith(str(BUILD_PYTHON)) and int(replicates) >= 1


def test_the_recipe_refuses_a_folder_without_the_package(tmp_path):
    done = subprocess.run([str(SOURCE_DIR / "python" / "make_venv.sh"), "/usr/bin/python3",
                           str(tmp_path / "venv"), str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "no clustersim package in" in done.stderr and not (tmp_path / "venv").exists()
