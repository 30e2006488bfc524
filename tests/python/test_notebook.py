"""The example notebook executes headless (nbclient) with the built package and writes its
figures."""
import json
import os
import sys
import time

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import PACKAGE_BUILT, PYTHON_DIR, SOURCE_DIR

if not PACKAGE_BUILT:
    pytest.skip(f"the Python package is not built in {PYTHON_DIR}", allow_module_level=True)

NOTEBOOK = SOURCE_DIR / "python" / "notebooks" / "01-what-if.ipynb"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_notebook_is_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(not c.outputs and c.execution_count is None
               for c in nb.cells if c.cell_type == "code")


def test_what_if_notebook_executes_and_draws_its_figures(tmp_path, monkeypatch, record_property):
    # A kernel on this interpreter (Debian's python3), whatever kernels the machine declares.
    kernel = tmp_path / "jupyter" / "kernels" / "clustersim-test"
    kernel.mkdir(parents=True)
    (kernel / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "clustersim test", "language": "python"}))
    figures = tmp_path / "figures"
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (str(PYTHON_DIR), os.environ.get("PYTHONPATH")) if p))
    monkeypatch.setenv("CLUSTERSIM_FIGURES", str(figures))
    monkeypatch.setenv("CLUSTERSIM_SOURCE_DIR", str(SOURCE_DIR))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    start = time.monotonic()
    NotebookClient(nb, timeout=600, kernel_name="clustersim-test",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    seconds = time.monotonic() - start
    record_property("notebook_seconds", round(seconds, 1))
    print(f"{NOTEBOOK.name} executed in {seconds:.1f} s")

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    inline = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(inline) == 2, "the goals figure and the fan charts are shown"
    written = sorted(p.name for p in figures.iterdir())
    assert written == ["what-if-goals.png", "what-if-output.png"]
    for name in written:
        data = (figures / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000, name
