"""results/README.md lists every metric the model records, with the kind, units and meaning the
model gives it: the kind decides how a metric adds up, so a stale row would teach a wrong sum."""
import re

import pytest

from conftest import PACKAGE_BUILT, SOURCE_DIR

pytestmark = pytest.mark.skipif(not PACKAGE_BUILT, reason="the Python package is not built")


def documented_rows():
    text = (SOURCE_DIR / "results" / "README.md").read_text()
    table = text.split("<!-- metric table:", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^\| `(\w+)` \| (\w+) \| ([^|]+) \| (.+) \|$", table, flags=re.M)


def test_the_metric_table_is_the_models():
    from clustersim import _core
    expected = [(m["name"], m["kind"], m["units"], m["description"]) for m in _core.metrics()]
    assert [(n, k, u.strip(), d) for n, k, u, d in documented_rows()] == expected
