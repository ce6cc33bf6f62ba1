"""Reports: the main job's :class:`~dealspace.pipeline.Results` as one self-contained
HTML (or Markdown) file.

:func:`~dealspace.report.build.layout` arranges the results into a document;
:func:`render` turns it into text; :func:`write_report` is the one function
here that writes a file. Nothing here computes a number.
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

from dealspace.errors import DealspaceError
from dealspace.files import check_output as check_path
from dealspace.files import write_text
from dealspace.pipeline import Results
from dealspace.present.html import Draw
from dealspace.report.build import layout
from dealspace.workers import result_or, submit

FORMATS = ("html", "md")


def render(results: Results, fmt: str = "html", charts: Draw | None = None) -> str:
    """The report of ``results`` as HTML or Markdown text (``charts``: see :func:`draw_charts`)."""
    if fmt == "html":
        from dealspace.present.html import document_html, draw_chart

        return document_html(layout(results), charts or draw_chart)
    if fmt == "md":
        from dealspace.present.markdown import document_md

        return document_md(layout(results))
    raise DealspaceError.single("--format", f"unknown format '{fmt}'", "use 'html' or 'md'")


def draw_charts(results: Results, executor: Executor | None) -> Draw | None:
    """Send every chart of the HTML report of ``results`` to ``executor`` now, so they are
    drawn there while this process goes on; give the result to :func:`render` or
    :func:`write_report`. A chart the worker fails to draw is drawn here."""
    from dealspace.present.charts import render as render_chart
    from dealspace.present.document import Chart
    from dealspace.present.html import draw_chart

    if executor is None:
        return None
    charts = [b for s in layout(results).sections for b in s.blocks if isinstance(b, Chart)]
    futures = {
        c.key: submit(executor, render_chart, c.kind, c.key, c.title, c.data) for c in charts
    }

    def draw(chart: Chart) -> str:
        return result_or(futures.get(chart.key), lambda: draw_chart(chart))

    return draw


def check_output(
    path: str | Path, overwrite: bool = False, inputs: tuple[str | Path, ...] = ()
) -> Path:
    """Refuse an output path by the one rule (:func:`dealspace.files.check_output`):
    empty, a folder, a device, a missing or read-only folder, an input (even with
    ``overwrite``), or an existing file (unless ``overwrite``)."""
    return check_path(path, "--output", overwrite=overwrite, inputs=inputs)


def write_report(
    results: Results,
    path: str | Path,
    fmt: str = "html",
    *,
    overwrite: bool = False,
    inputs: tuple[str | Path, ...] = (),
    charts: Draw | None = None,
) -> Path:
    """Render ``results`` and write them to ``path`` (atomically: a temporary file renamed into place).

    Parameters
    ----------
    results
        The main job's results (:func:`dealspace.analyze`).
    path
        The output file.
    fmt
        ``"html"`` (one self-contained file, charts inline) or ``"md"``.
    overwrite
        Replace an existing file; by default an existing file is an error.
    inputs
        Files the report was made from: never written over, even with ``overwrite``.
    charts
        The charts, drawn elsewhere (:func:`draw_charts`); by default drawn here.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    DealspaceError
        When the file exists (and ``overwrite`` is false), is an input, the
        format is unknown, the folder does not exist or the file cannot be written.
    """
    if fmt not in FORMATS:
        raise DealspaceError.single("--format", f"unknown format '{fmt}'", "use 'html' or 'md'")
    out = check_output(path, overwrite, inputs)
    text = render(results, fmt, charts)
    write_text(out, text, "--output", overwrite=overwrite, inputs=inputs)
    return out


def free_path(path: str | Path) -> Path:
    """``path`` if it does not exist, else the first free ``stem-2.suffix``, ``stem-3…``."""
    out = Path(path)
    k = 2
    while out.exists():
        out = Path(path).with_name(f"{Path(path).stem}-{k}{Path(path).suffix}")
        k += 1
    return out


__all__ = [
    "FORMATS",
    "Results",
    "check_output",
    "draw_charts",
    "free_path",
    "layout",
    "render",
    "write_report",
]
