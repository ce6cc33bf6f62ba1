"""Rich notebook display: ``_repr_html_`` for dealspace result objects.

:func:`frame_html` renders any result with a ``to_frame()`` (or ``to_dict()``)
as a styled table, preceded by an inline SVG chart for the kinds that have
one (Pareto frontier, linkage waterfall, domain Shapley values, red-line
prices, GE welfare changes). Attach it as a method::

    Frontier._repr_html_ = frame_html

It is pure and never raises on an unexpected object: an object without
``to_frame``/``to_dict`` is shown by its ``repr``.
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from typing import Any

from dealspace.present.document import Chart, Table, num
from dealspace.present.html import chart_html, esc, table_html

#: Rows shown before the table is cut (the rest are counted).
MAX_ROWS = 25

CSS = (
    "<style>.dealspace-repr{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "max-width:900px;color:#1d2733}"
    ".dealspace-repr table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}"
    ".dealspace-repr th,.dealspace-repr td{padding:4px 10px;border-bottom:1px solid #dde3ea;text-align:left}"
    ".dealspace-repr th{background:#f5f7fa;font-weight:600}"
    ".dealspace-repr td.num,.dealspace-repr th.num{text-align:right}"
    ".dealspace-repr caption{caption-side:bottom;text-align:left;font-size:12px;color:#5d6b7a;padding:6px 0}"
    ".dealspace-repr .scroll{overflow-x:auto}.dealspace-repr figure{margin:0 0 8px}"
    ".dealspace-repr figcaption{display:none}"
    ".dealspace-repr .kind{font-size:12px;color:#5d6b7a;margin:0 0 4px}</style>"
)


def _cell(value: Any) -> tuple[str, bool]:
    """Text of a cell and whether it is numeric."""
    if isinstance(value, bool) or value is None:
        return ("" if value is None else str(value)), False
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return num(value, 3 if abs(value) < 10 else 2), True
    if hasattr(value, "item"):  # numpy scalar
        return _cell(value.item())
    return str(value), False


def frame_table(frame: Any, max_rows: int = MAX_ROWS) -> Table:
    """A pandas DataFrame as a report :class:`Table` (index first, at most ``max_rows`` rows)."""
    named_index = any(n is not None for n in frame.index.names) or not _is_range(frame.index)
    columns = ([str(n or "") for n in frame.index.names] if named_index else []) + [
        str(c) for c in frame.columns
    ]
    rows = []
    numeric = [False] * len(columns)
    for index, row in zip(frame.index[:max_rows], frame.itertuples(index=False), strict=False):
        keys = (index if isinstance(index, tuple) else (index,)) if named_index else ()
        cells = [_cell(v) for v in (*keys, *row)]
        rows.append(tuple(t for t, _ in cells))
        numeric = [a or b for a, (_, b) in zip(numeric, cells, strict=True)]
    more = len(frame) - max_rows
    caption = f"… {more:,} more rows (call .to_frame() for all)" if more > 0 else ""
    return Table(tuple(columns), tuple(rows), tuple(numeric), caption)


def _is_range(index: Any) -> bool:
    import pandas as pd

    return isinstance(index, pd.RangeIndex)


def chart_for(result: Any) -> Chart | None:
    """The chart spec a result draws itself with (its ``chart()`` method), if any."""
    method = getattr(result, "chart", None)
    if method is None or not _callable_without_arguments(method):
        return None
    chart = method()
    return chart if isinstance(chart, Chart) else None


def _callable_without_arguments(method: Any) -> bool:
    """Whether ``method`` can be called with no arguments (``to_frame(scenario)`` cannot)."""
    if not callable(method):
        return False
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):  # builtins without a signature
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in signature.parameters.values()
    )


def frame_html(result: Any) -> str:
    """HTML for a notebook: a chart (where one fits) and the result's table.

    Parameters
    ----------
    result
        A dealspace result object: anything with ``to_frame()``, else
        ``to_dict()``; other objects are shown by their ``repr``.

    Returns
    -------
    str
        A self-contained HTML fragment (scoped CSS, inline SVG).
    """
    kind = f'<p class="kind">{esc(type(result).__name__)}</p>'
    parts = [CSS, '<div class="dealspace-repr">', kind]
    chart = chart_for(result)
    if chart is not None:  # ids unique per object: several outputs share one notebook page
        parts.append(chart_html(replace(chart, key=f"{chart.key}-{id(result):x}")))
    if _callable_without_arguments(getattr(result, "to_frame", None)):
        parts.append(table_html(frame_table(result.to_frame())))
    elif _callable_without_arguments(getattr(result, "to_dict", None)):
        items = [
            (str(k), _cell(v)[0] if not isinstance(v, dict | list) else str(v))
            for k, v in result.to_dict().items()
        ]
        parts.append(table_html(Table(("field", "value"), tuple(items))))
    else:
        parts.append(f"<pre>{esc(repr(result))}</pre>")
    parts.append("</div>")
    return "".join(parts)


class Displayed:
    """Mixin: the result shows itself in Jupyter (``_repr_html_``) as a styled
    table from its ``to_frame()``, preceded by the chart its ``chart()``
    method returns, if it has one."""

    def _repr_html_(self) -> str:
        return frame_html(self)
