"""The Python blocks of README.md and python/README.md run as written, each document's blocks in
order in one namespace, from a scratch folder laid out like the repository's after `make run`:
scenarios/ (the shipped ones), results/shandong-2015.h5 written by make run's command, and
results/levers.h5 written by the lever sweep at a smaller scale (4 base samples, 1 replicate,
not the file's 32 and 2: the blocks' code is what is tested, not the sweep's numbers, and the
full sweep takes minutes). The shell blocks are not executed here; their commands are covered by
the command-line tests."""
import os
import re
import shutil

import pytest

from conftest import EXECUTABLE, PACKAGE_BUILT, SOURCE_DIR, clustersim

pytestmark = pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")

DOCS = ["README.md", "python/README.md"]


def python_blocks(doc):
    text = (SOURCE_DIR / doc).read_text()
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def make_run_command():
    makefile = (SOURCE_DIR / "Makefile").read_text()
    target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    line = next(l for l in target.splitlines() if "results/shandong-2015.h5" in l)
    return line.strip().split()[1:]  # without $(BUILD)/bin/clustersim


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    os.symlink(SOURCE_DIR / "scenarios", root / "scenarios")
    (root / "results" / "figures").mkdir(parents=True)
    done = clustersim(*make_run_command(), "--replicates", "4", "--quiet", cwd=root)
    assert done.returncode == 0, done.stderr
    sweep = (SOURCE_DIR / "scenarios" / "sweeps" / "levers.yaml").read_text()
    sweep = sweep.replace("base: ../shandong-2015.yaml", f"base: {SOURCE_DIR}/scenarios/"
                          "shandong-2015.yaml")
    sweep = re.sub(r"base_samples: \d+", "base_samples: 4", sweep)
    sweep = re.sub(r"^replicates: \d+", "replicates: 1", sweep, flags=re.M)
    (root / "levers.yaml").write_text(sweep)
    done = clustersim("sweep", root / "levers.yaml", "-o", root / "results" / "levers.h5",
                      "--quiet", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


@pytest.mark.parametrize("doc", DOCS)
def test_the_python_blocks_run_as_written(doc, scratch, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    monkeypatch.chdir(scratch)
    namespace = {"__name__": "__docs__"}
    blocks = python_blocks(doc)
    assert blocks, f"{doc} has no python block"
    for number, code in enumerate(blocks, 1):
        code = code.replace("progress=True", "progress=False")
        exec(compile(code, f"{doc}, python block {number}", "exec"), namespace)
        plt.close("all")
