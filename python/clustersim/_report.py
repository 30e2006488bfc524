"""cs.report: the report `clustersim report` writes, by the same code in the engine."""
import os

from . import _core


def report(source, output=None, *, pdf=None, date=None, force=False, bootstrap=200):
    """Writes the self-contained HTML report of a result, sweep or calibration file (and, with
    ``pdf``, prints it through headless Chromium), exactly as ``clustersim report`` does; the
    same file and options give the same bytes.

    ``source`` is a file's path, or a Dataset read from one (:func:`clustersim.load`, or
    :func:`clustersim.run` with ``output=``). ``output`` defaults to the file's name with
    ``.html``. ``date`` (``"YYYY-MM-DD"``) is printed in the report; by default
    SOURCE_DATE_EPOCH, else the date the file was written. Returns the HTML's path. Raises
    FileExistsError for an existing output without ``force``, and ScenarioError (with the file
    named) for a file the report cannot read or a PDF Chromium could not print.
    """
    path = _source_path(source)
    output = os.fspath(output) if output is not None else os.path.splitext(path)[0] + ".html"
    for target in (output, pdf):
        if target is not None and os.path.exists(target) and not force:
            raise FileExistsError(f"{os.fspath(target)} exists; pass force=True to replace it")
    if date is not None and not _is_iso_date(date):
        raise ValueError(f"date must be YYYY-MM-DD, e.g. 2026-12-04, not {date!r}")
    html = _core.report_html(path, date=date or "", bootstrap=int(bootstrap))
    temporary = f"{output}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8", newline="") as f:
        f.write(html)
    os.replace(temporary, output)
    if pdf is not None:
        _core.print_pdf(output, os.fspath(pdf))
    return output


def _source_path(source):
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    path = getattr(source, "encoding", {}).get("source")
    if path is None:
        raise ValueError("the Dataset was not read from a file: pass the file's path, or run "
                         "with cs.run(..., output=PATH) first")
    return path


def _is_iso_date(text):
    parts = str(text).split("-")
    return len(parts) == 3 and [len(p) for p in parts] == [4, 2, 2] and \
        all(p.isdigit() for p in parts)
