"""Reports: the main job's :class:`~dealspace.pipeline.Results` as one self-contained
HTML (or Markdown) file.

:func:`~dealspace.report.build.layout` arranges the results into a document;
:func:`render` turns it into text; :func:`write_report` is the one function
here that writes a file. Nothing here computes a number.
"""

from __future__ import annotations

import pickle
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from dealspace.errors import DealspaceError
from dealspace.files import check_output as check_path
from dealspace.files import write_text
from dealspace.pipeline import Results
from dealspace.present.document import Chart
from dealspace.present.html import Draw
from dealspace.report.build import layout
from dealspace.workers import result_or, submit

FORMATS = ("html", "md")


def render(results: Results, fmt: str = "html", charts: Draw | None = None) -> str:
    """The report of ``results`` as HTML or Markdown text (``charts``: :meth:`ChartDrawer.draw`)."""
    if fmt == "html":
        from dealspace.present.html import document_html, draw_chart

        return document_html(layout(results), charts or draw_chart)
    if fmt == "md":
        from dealspace.present.markdown import document_md

        return document_md(layout(results))
    raise DealspaceError.single("--format", f"unknown format '{fmt}'", "use 'html' or 'md'")


class ChartDrawer:
    """The report's charts, drawn in a worker process while this one goes on.

    :meth:`send` sends the charts of some results to the worker (again with
    more results: a chart already sent is not sent twice); :meth:`draw`
    gives a chart's SVG for :func:`render` / :func:`write_report`: the
    worker's, for a chart sent with exactly the same data, else drawn here.
    Without a worker, every chart is drawn here.
    """

    def __init__(self, executor: Executor | None) -> None:
        self.executor = executor
        self.futures: dict[bytes, Any] = {}

    def send(self, results: Results) -> None:
        """Send every chart of the HTML report of ``results`` not sent yet."""
        from dealspace.present.charts import render as render_chart

        if self.executor is None:
            return
        try:
            doc = layout(results)
        except Exception:  # noqa: BLE001 - partial results a section cannot lay out yet:
            return  # the final results send those charts (and render() shows any error)
        for section in doc.sections:
            for chart in (b for b in section.blocks if isinstance(b, Chart)):
                key = _fingerprint(chart)
                if key not in self.futures:
                    self.futures[key] = submit(
                        self.executor, render_chart, chart.kind, chart.key, chart.title, chart.data
                    )

    def draw(self, chart: Chart) -> str:
        """The SVG of ``chart``."""
        from dealspace.present.html import draw_chart

        return result_or(self.futures.get(_fingerprint(chart)), lambda: draw_chart(chart))


def _fingerprint(chart: Chart) -> bytes:
    """Equal for charts drawn alike (the same kind, key, title and data)."""
    return pickle.dumps((chart.kind, chart.key, chart.title, chart.data), protocol=5)


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
        Gives each chart's SVG (:meth:`ChartDrawer.draw`); by default drawn here.

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
    "ChartDrawer",
    "check_output",
    "free_path",
    "layout",
    "render",
    "write_report",
]
