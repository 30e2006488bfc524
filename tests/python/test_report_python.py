"""cs.report writes the bytes `clustersim report` writes, from a path or a Dataset read from a
file; a Dataset made in memory is refused with what to do instead."""
import pytest

from conftest import PACKAGE_BUILT, PYTHON_DIR, SMALL, SOURCE_DIR, clustersim

if not PACKAGE_BUILT:
    pytest.skip(f"the Python package is not built in {PYTHON_DIR}", allow_module_level=True)

import clustersim as cs  # noqa: E402

STORED = SOURCE_DIR / "tests" / "data" / "report" / "small-compare.h5"


def test_the_report_from_python_is_the_clis(tmp_path):
    cli = tmp_path / "cli.html"
    done = clustersim("report", STORED, "-o", cli, "--date", "2026-12-04")
    assert done.returncode == 0, done.stderr
    from_path = cs.report(STORED, tmp_path / "path.html", date="2026-12-04")
    from_dataset = cs.report(cs.load(STORED), tmp_path / "ds.html", date="2026-12-04")
    for written in (from_path, from_dataset):
        assert open(written, "rb").read() == cli.read_bytes()


def test_a_run_written_to_a_file_reports_and_one_in_memory_is_refused(tmp_path):
    ds = cs.run(SMALL, output=tmp_path / "r.h5", progress=False)
    assert cs.report(ds).endswith("r.html")
    with pytest.raises(FileExistsError):
        cs.report(ds)
    with pytest.raises(ValueError, match="not read from a file"):
        cs.report(cs.run(SMALL, progress=False))
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        cs.report(ds, tmp_path / "x.html", date="4 Dec 2026")
