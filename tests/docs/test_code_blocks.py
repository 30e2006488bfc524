"""The Python blocks of README.md and python/README.md run as written, each document's blocks in
order in one namespace, from a scratch folder laid out like the repository's after `make run`
(tests/docs/doc_scratch.py). The shell blocks: test_shell_blocks.py."""
import re

import pytest

from conftest import PACKAGE_BUILT, SOURCE_DIR
from doc_scratch import docs_scratch  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")

DOCS = ["README.md", "python/README.md"]


def python_blocks(doc):
    text = (SOURCE_DIR / doc).read_text()
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


@pytest.mark.parametrize("doc", DOCS)
def test_the_python_blocks_run_as_written(doc, docs_scratch, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    monkeypatch.chdir(docs_scratch)
    namespace = {"__name__": "__docs__"}
    blocks = python_blocks(doc)
    assert blocks, f"{doc} has no python block"
    for number, code in enumerate(blocks, 1):
        code = code.replace("progress=True", "progress=False")
        exec(compile(code, f"{doc}, python block {number}", "exec"), namespace)
        plt.close("all")
