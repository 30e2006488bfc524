"""docs/recipes.md answers the six questions of an analyst's day in code that runs: every block
is executed in order and prints what the document shows under it (tests/docs/recipes.py)."""
import subprocess
import sys

import pytest

from conftest import PACKAGE_BUILT, PYTHON_DIR, SOURCE_DIR

pytestmark = pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")


def test_every_recipe_runs_and_prints_what_the_document_shows():
    done = subprocess.run([sys.executable, str(SOURCE_DIR / "tests" / "docs" / "recipes.py"),
                           "--clustersim-python", str(PYTHON_DIR)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
