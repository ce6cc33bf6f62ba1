"""Reports: one self-contained HTML (or Markdown) file with every analysis of a
scenario, and the scorecard of a signed deal.

:func:`~dealspace.report.build.build_report` collects the results (pure);
:func:`~dealspace.report.html.render_html` and
:func:`~dealspace.report.markdown.render_markdown` turn them into text;
:func:`write_report` is the one function here that writes a file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from dealspace.errors import DealspaceError
from dealspace.report.build import ReportData, build_report
from dealspace.scenario.model import Scenario

FORMATS = ("html", "md")


def render(data: ReportData, fmt: str = "html") -> str:
    """The report of ``data`` as HTML or Markdown text."""
    if fmt == "html":
        from dealspace.report.html import render_html

        return render_html(data)
    if fmt == "md":
        from dealspace.report.markdown import render_markdown

        return render_markdown(data)
    raise DealspaceError.single("--format", f"unknown format '{fmt}'", "use 'html' or 'md'")


def write_report(
    scenario: Scenario,
    path: str | Path,
    fmt: str = "html",
    progress: Callable[[str], None] | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Build the report of ``scenario`` and write it to ``path``.

    Parameters
    ----------
    scenario
        The scenario to analyse.
    path
        The output file.
    fmt
        ``"html"`` (one self-contained file, charts inline) or ``"md"``.
    progress
        Called with each step's name (analyses, then ``"render"``).
    overwrite
        Replace an existing file; by default an existing file is an error.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    DealspaceError
        When the file exists (and ``overwrite`` is false), the format is
        unknown or the folder does not exist.
    """
    out = Path(path)
    if fmt not in FORMATS:
        raise DealspaceError.single("--format", f"unknown format '{fmt}'", "use 'html' or 'md'")
    if out.exists() and not overwrite:
        raise DealspaceError.single(
            str(out), "the file exists and would be overwritten", "choose another path or pass --overwrite"
        )
    if not out.parent.is_dir():
        raise DealspaceError.single(str(out), f"the folder {out.parent} does not exist", "create it first")
    data = build_report(scenario, progress)
    if progress is not None:
        progress("render")
    text = render(data, fmt)
    mode = "w" if overwrite else "x"
    try:
        with out.open(mode, encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise DealspaceError.single(
            str(out), "the file appeared while the report was built", "choose another path or pass --overwrite"
        ) from None
    return out


def free_path(path: str | Path) -> Path:
    """``path`` if it does not exist, else the first free ``stem-2.suffix``, ``stem-3…``."""
    out = Path(path)
    k = 2
    while out.exists():
        out = Path(path).with_name(f"{Path(path).stem}-{k}{Path(path).suffix}")
        k += 1
    return out


__all__ = ["FORMATS", "ReportData", "build_report", "free_path", "render", "write_report"]
