"""`clustersim report`: one self-contained HTML file per result, sweep or calibration file,
byte for byte the stored reference for a stored result file, and its PDF through headless
Chromium with the plan's Chinese and English names; bad input ends with exit 2 and no file."""
import os
import re
import shutil
import subprocess

import h5py
import pytest

from conftest import EXECUTABLE, SMALL, SOURCE_DIR, clustersim

REFERENCE = SOURCE_DIR / "tests" / "data" / "report"
# A result file of tests/data/small.yaml compared with tests/data/small-levers.yaml, stored so
# that the report's bytes do not move with every commit (it holds its writer's version).
STORED = REFERENCE / "small-compare.h5"
UPDATE = os.environ.get("CLUSTERSIM_UPDATE_REGRESSION") == "1"


def report(*args, **kwargs):
    done = clustersim("report", *args, **kwargs)
    assert done.returncode == 0, done.stderr
    return done


def seal_lines(path):
    head = path.read_bytes()[:512].split(b"\0", 1)[0].decode()
    return head.splitlines()[1:]  # "bytes N", "crc32 X"


def test_the_report_of_the_stored_result_is_the_stored_reference(tmp_path):
    out = tmp_path / "report.html"
    report(STORED, "-o", out, "--date", "2026-12-04")
    reference = REFERENCE / "small-compare.html"
    if UPDATE:
        shutil.copy(out, reference)
    assert out.read_bytes() == reference.read_bytes(), (
        "the report changed: look at it, then CLUSTERSIM_UPDATE_REGRESSION=1 pytest "
        "tests/cli/test_report.py")


def test_the_report_is_self_contained_and_names_what_a_reader_needs(tmp_path):
    out = tmp_path / "report.html"
    report(STORED, "-o", out, "--date", "2026-12-04")
    html = out.read_text(encoding="utf-8")
    # No scripts and no network references: the SVG namespace is a name, not a request.
    assert "<script" not in html and " src=" not in html and "<link" not in html
    assert not re.findall(r"https?://(?!www\.w3\.org/2000/svg)", html)
    for goal in ("G1", "G2", "G3", "G4"):
        assert f"<b>{goal}</b>" in html
    assert "unreachable: at most" in html  # reachability, not a bare 0%
    assert "90% interval" in html and "Clopper-Pearson" in html
    assert "provincial budget" in html and "national tax expenditure" in html
    assert "bn yuan" in html
    assert "高端石油装备" in html or "半导体" in html or re.search(r"[\u4e00-\u9fff]", html)
    assert "<svg" in html and "class=\"median\"" in html
    assert "Settings that differ from the counterfactual" in html
    for line in seal_lines(STORED):
        assert line in html
    assert "resolved scenario, FNV-1a 64" in html and "The resolved scenario" in html


def test_the_same_file_gives_the_same_bytes_and_the_date_comes_from_the_input(tmp_path):
    done = clustersim("run", SMALL, "-o", tmp_path / "r.h5", "-q")
    assert done.returncode == 0, done.stderr
    report(tmp_path / "r.h5", "-o", tmp_path / "a.html")
    report(tmp_path / "r.h5", "-o", tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    env = {**os.environ, "SOURCE_DATE_EPOCH": "86400"}
    report(tmp_path / "r.h5", "-o", tmp_path / "c.html", env=env)
    assert "clustersim report, 1970-01-02" in (tmp_path / "c.html").read_text()
    # Without a counterfactual the report says how to get one, rather than an empty section.
    assert "run with --compare" in (tmp_path / "a.html").read_text()


def test_a_sweep_report_has_each_point_and_the_sobol_ranking(tmp_path):
    sweep = tmp_path / "saltelli.h5"
    done = clustersim("sweep", SOURCE_DIR / "tests" / "data" / "sweep-saltelli.yaml", "-o", sweep,
                      "-q")
    assert done.returncode == 0, done.stderr
    report(sweep, "-o", tmp_path / "s.html", "--bootstrap", "50")
    html = (tmp_path / "s.html").read_text()
    assert "each of the sweep's 40 points" in html
    assert "What drives the outcomes: Sobol indices" in html
    # The output varies with the settings: its ranking is there; a goal met everywhere has none.
    assert "<h3>end(output_value_trailing_year)</h3><table>" in html
    assert "No indices: &#39;G1&#39;: the output does not vary" in html


def test_a_calibration_report_has_the_posterior_and_the_fit(tmp_path):
    posterior = SOURCE_DIR / "scenarios" / "calibration" / "shandong-posterior.h5"
    report(posterior, "-o", tmp_path / "c.html")
    html = (tmp_path / "c.html").read_text()
    assert "<h2>Posterior</h2>" in html and "Fit to the observations" in html
    assert "weakly identified" in html or "90% width over the prior" in html


@pytest.mark.parametrize("args, message", [
    (["/nonexistent.h5"], "cannot be read (No such file or directory)"),
    ([str(SMALL)], "not an HDF5 file"),
    ([str(STORED), "--date", "04.12.2026"], "expected YYYY-MM-DD"),
])
def test_bad_input_is_refused_with_exit_2(tmp_path, args, message):
    done = clustersim("report", *args, "-o", tmp_path / "x.html")
    assert done.returncode == 2
    assert message in done.stderr, done.stderr
    assert not (tmp_path / "x.html").exists()


def test_an_existing_report_is_kept_without_force_and_a_bad_epoch_is_refused(tmp_path):
    out = tmp_path / "x.html"
    out.write_text("mine")
    done = clustersim("report", STORED, "-o", out)
    assert done.returncode == 2 and "exists" in done.stderr
    assert out.read_text() == "mine"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "yesterday"}
    done = clustersim("report", STORED, "-o", tmp_path / "y.html", env=env)
    assert done.returncode == 2 and "SOURCE_DATE_EPOCH" in done.stderr
    assert not (tmp_path / "y.html").exists()


CHROMIUM = shutil.which("chromium")


@pytest.mark.skipif(CHROMIUM is None or shutil.which("pdftotext") is None,
                    reason="needs Debian's chromium and poppler-utils (make installs them)")
def test_the_pdf_prints_the_goals_the_names_in_both_languages_and_the_seal(tmp_path):
    pdf = tmp_path / "report.pdf"
    report(STORED, "-o", tmp_path / "report.html", "--pdf", pdf, "--date", "2026-12-04",
           timeout=300)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for goal in ("G1", "G2", "G3", "G4"):
        assert goal in text
    with h5py.File(STORED, "r") as f:
        english = [n.decode() for n in f["coords/cluster_name"][...]]
        chinese = [n.decode() for n in f["coords/cluster_name_zh"][...]]
    assert chinese and all(re.search(r"[\u4e00-\u9fff]", n) for n in chinese)
    for name in english + chinese:  # as fonts-wqy-microhei draws them, not as boxes
        assert name in text, name
    for line in seal_lines(STORED):
        assert line in text
    # The pages as images, for a person to look at (build/report-pages-*.png in make test).
    pages = EXECUTABLE.parents[1] / "report-pages"
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(pages)], check=True)


@pytest.mark.skipif(CHROMIUM is None or shutil.which("pdftotext") is None,
                    reason="needs Debian's chromium and poppler-utils (make installs them)")
def test_the_plans_chinese_title_prints(tmp_path):
    title = "关于加快推动创新型产业集群发展的意见（鲁政办发〔2015〕4号）"
    shipped = subprocess.run([str(EXECUTABLE), "show", "shandong-2015"], capture_output=True,
                             text=True, check=True).stdout
    assert f'plan: "{title}"' in shipped
    result = tmp_path / "titled.h5"
    done = clustersim("run", SMALL, "--set", f"plan={title}", "-o", result, "--quiet")
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "titled.pdf"
    report(result, "-o", tmp_path / "titled.html", "--pdf", pdf, timeout=300)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert title in text.replace("\n", "")


def test_no_browser_is_a_clear_error(tmp_path):
    env = {**os.environ, "CLUSTERSIM_CHROMIUM": "/nonexistent/chromium"}
    done = clustersim("report", STORED, "-o", tmp_path / "r.html", "--pdf", tmp_path / "r.pdf",
                      env=env)
    assert done.returncode == 2
    assert "cannot start '/nonexistent/chromium'" in done.stderr
    assert not (tmp_path / "r.pdf").exists()
