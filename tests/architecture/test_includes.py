"""The include-direction check passes on the tree and fails on each kind of forbidden include."""
import pathlib
import shutil

import pytest

import check_includes

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_tree_keeps_its_layers():
    assert check_includes.violations(ROOT) == []


@pytest.fixture
def tree(tmp_path):
    """A copy of the sources and ARCHITECTURE.md to plant includes in."""
    for folder in check_includes.SOURCES:
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "ARCHITECTURE.md", tmp_path / "ARCHITECTURE.md")
    return tmp_path


@pytest.mark.parametrize("file, include", [
    ("sim/core/agents.cpp", "models/firm.hpp"),           # the engine including the model
    ("sim/run/ensemble.cpp", "models/cluster_model.hpp"),
    ("sim/core/random.cpp", "sim/config/scenario.hpp"),   # a lower layer including a higher
    ("sim/config/scenario.cpp", "sim/run/model.hpp"),
    ("sim/io/hdf5.cpp", "sim/sweep/store.hpp"),
    ("sim/analysis/outcome.cpp", "sim/sweep/file.hpp"),
    ("sim/sweep/runner.cpp", "sim/cli/cli.hpp"),          # the library including the command line
    ("models/firm.cpp", "sim/cli/command.hpp"),
    ("python/src/core.cpp", "sim/cli/cli.hpp"),
])
def test_a_forbidden_include_fails(tree, file, include):
    source = tree / file
    if not source.exists():  # files may move; any file of the same folder will do
        source = next(source.parent.glob("*.cpp"))
        file = source.relative_to(tree).as_posix()
    source.write_text(f'#include "{include}"\n' + source.read_text())
    found = check_includes.violations(tree)
    assert len(found) == 1, found
    assert found[0].startswith(f"{file}:1: includes {include}"), found


def test_a_file_no_row_covers_fails(tree):
    (tree / "sim" / "extra").mkdir()
    (tree / "sim" / "extra" / "x.cpp").write_text('#include "sim/core/errors.hpp"\n')
    found = check_includes.violations(tree)
    assert any("sim/extra/x.cpp: no row" in line for line in found), found
