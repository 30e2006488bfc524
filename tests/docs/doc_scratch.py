"""The scratch folder the docs' code blocks run in (tests/docs/test_code_blocks.py,
test_shell_blocks.py): laid out like the repository after `make run`, with scenarios/ (the
shipped ones), results/shandong-2015.h5 written by make run's command, and results/levers.h5
written by the lever sweep at a smaller scale (4 base samples and 1 replicate, not the file's 32
and 2: the blocks' code is what is tested, not the sweep's numbers, and the full sweep takes
minutes)."""
import os
import re

import pytest

from conftest import SOURCE_DIR, clustersim


def make_run_command():
    makefile = (SOURCE_DIR / "Makefile").read_text()
    target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    line = next(l for l in target.splitlines() if "results/shandong-2015.h5" in l)
    return line.strip().split()[1:]  # without $(BUILD)/bin/clustersim


@pytest.fixture(scope="session")
def docs_scratch(tmp_path_factory):
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


