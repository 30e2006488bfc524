"""`cmake --install` to a prefix gives a working tool outside the source tree: the program runs a
shipped scenario by name on the installed data, and Debian's python3 imports the installed
package (from the prefix's site folder) and runs it too."""
import os
import subprocess
import sys

import h5py
import pytest

from conftest import EXECUTABLE, PACKAGE_BUILT

BUILD = EXECUTABLE.parents[1]
PYVER = f"{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    root = tmp_path_factory.mktemp("prefix")
    done = subprocess.run(["cmake", "--install", str(BUILD), "--prefix", str(root)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def outside_env(**extra):
    """No variable that points back into the source tree or the build."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CLUSTERSIM", "CLUSTERSIM_SCENARIOS", "PYTHONPATH")}
    env.update(extra)
    return env


def test_the_install_holds_the_program_scenarios_data_docs_and_package(prefix):
    for part in ("bin/clustersim", "share/clustersim/scenarios/shandong-2015.yaml",
                 "share/clustersim/scenarios/data/clusters.csv",
                 "share/doc/clustersim/README.md", "share/doc/clustersim/models.md"):
        assert (prefix / part).is_file(), part
    # cs.sweep(launcher="slurm") runs the installed submit script.
    submit = prefix / "share/clustersim/scenarios/sweeps/slurm/submit.sh"
    assert os.access(submit, os.X_OK), submit
    if PACKAGE_BUILT:
        package = prefix / "lib" / f"python{PYVER}" / "site-packages" / "clustersim"
        assert (package / "__init__.py").is_file()
        assert list(package.glob("_core*.so"))


def test_the_installed_program_runs_a_shipped_scenario_from_any_folder(prefix, tmp_path):
    done = subprocess.run([str(prefix / "bin" / "clustersim"), "run", "shandong-2015",
                           "--replicates", "1", "-o", "out.h5", "--quiet"],
                          cwd=tmp_path, env=outside_env(), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    with h5py.File(tmp_path / "out.h5", "r") as f:
        source = f.attrs["scenario_source"]
        source = source.decode() if isinstance(source, bytes) else source
    assert source.startswith(str(prefix / "share" / "clustersim" / "scenarios")), source


@pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")
def test_debians_python_imports_the_installed_package(prefix, tmp_path):
    site = prefix / "lib" / f"python{PYVER}" / "site-packages"
    code = ("import clustersim as cs, sys; "
            "ds = cs.run('shandong-2015', replicates=1, progress=False); "
            "print(cs.__file__); print(ds.sizes['cluster'])")
    done = subprocess.run(["/usr/bin/python3", "-c", code], cwd=tmp_path,
                          env=outside_env(PYTHONPATH=str(site)), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    where, clusters = done.stdout.split()
    assert where.startswith(str(site)) and clusters == "20"
