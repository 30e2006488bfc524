"""The YAML blocks of scenarios/README.md load: each is written as a file one folder below a
scratch copy of scenarios/ (so that `../shandong-2015.yaml` and `../data/...` resolve as they do
for files in scenarios/sweeps/ and scenarios/calibration/) and `clustersim validate` accepts
it, as a scenario, a sweep or a calibration. Blocks that show one key of a larger file are
listed in FRAGMENTS by their first line."""
import os
import re

import pytest

from conftest import SOURCE_DIR, clustersim

DOC = SOURCE_DIR / "scenarios" / "README.md"
FRAGMENTS = {
    "vary:": "the vary: section of a sweep file, one design at a time",
    "targets:": "the targets: section of a calibration file",
}


def yaml_blocks():
    return re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(), flags=re.S | re.M)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("yaml-blocks")
    for name in os.listdir(SOURCE_DIR / "scenarios"):
        os.symlink(SOURCE_DIR / "scenarios" / name, root / name)
    (root / "blocks").mkdir()
    return root / "blocks"


def test_there_are_blocks_to_check():
    assert len(yaml_blocks()) >= 4


@pytest.mark.parametrize("index", range(len(yaml_blocks())))
def test_each_block_validates_or_is_a_named_fragment(index, folder):
    block = yaml_blocks()[index]
    first = block.strip().splitlines()[0]
    if first in FRAGMENTS:
        pytest.skip(f"a fragment: {FRAGMENTS[first]}")
    path = folder / f"block-{index}.yaml"
    path.write_text(block)
    done = clustersim("validate", path, cwd=folder)
    assert done.returncode == 0, f"scenarios/README.md, YAML block {index + 1}:\n{done.stderr}"
