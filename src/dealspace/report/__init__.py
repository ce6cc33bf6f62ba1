"""Reports: the main job's :class:`~dealspace.pipeline.Results` as one self-contained
HTML (or Markdown) file.

:func:`~dealspace.report.build.layout` arranges the results into a document;
:func:`render` turns it into text; :func:`write_report` is the one function
here that writes a file. Nothing here computes a number.
"""

from __future__ import annotations

from pathlib import Path

from dealspace.errors import DealspaceError
from dealspace.pipeline import Results
from dealspace.report.build import layout

FORMATS = ("html", "md")


def render(results: Results, fmt: str = "html") -> str:
    """The report of ``results`` as HTML or Markdown text."""
    if fmt == "html":
        from dealspace.present.html import document_html

        return document_html(layout(results))
    if fmt == "md":
        from dealspace.present.markdown import document_md

        return document_md(layout(results))
    raise DealspaceError.single("--format", f"unknown format '{fmt}'", "use 'html' or 'md'")


def check_output(path: str | Path, overwrite: bool = False, inputs: tuple[Path, ...] = ()) -> Path:
    """Refuse an output path that exists (unless ``overwrite``), is an input, or has no folder."""
    out = Path(path)
    if str(path) == "":
        raise DealspaceError.single(
            "--output", "the path is empty", "give a file name, e.g. report.html"
        )
    for source in inputs:
        try:
            same = out.exists() and source.exists() and out.resolve() == source.resolve()
        except OSError:
            same = False
        if same:
            raise DealspaceError.single(
                str(out), "this is an input file", "write the report to another path"
            )
    if out.is_dir():
        raise DealspaceError.single(str(out), "this is a folder", "give a file name inside it")
    if out.exists() and not overwrite:
        raise DealspaceError.single(
            str(out),
            "the file exists and would be overwritten",
            "choose another path or pass --overwrite",
        )
    if not out.parent.is_dir():
        raise DealspaceError.single(
            str(out), f"the folder {out.parent} does not exist", "create it first"
        )
    return out


def write_report(
    results: Results, path: str | Path, fmt: str = "html", *, overwrite: bool = False
) -> Path:
    """Render ``results`` and write them to ``path``.

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

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    DealspaceError
        When the file exists (and ``overwrite`` is false), the format is
        unknown, the folder does not exist or the file cannot be written.
    """
    if fmt not in FORMATS:
        raise DealspaceError.single("--format", f"unknown format '{fmt}'", "use 'html' or 'md'")
    out = check_output(path, overwrite)
    text = render(results, fmt)
    try:
        with out.open("w" if overwrite else "x", encoding="utf-8") as fh:
            fh.write(text)
    except FileExistsError:
        raise DealspaceError.single(
            str(out),
            "the file appeared while the report was built",
            "choose another path or pass --overwrite",
        ) from None
    except OSError as err:
        raise DealspaceError.single(
            str(out), f"cannot write the file ({err.strerror})", "choose a writable path"
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


__all__ = ["FORMATS", "Results", "check_output", "free_path", "layout", "render", "write_report"]
