"""Notebook display for result objects: a table, and a chart where one fits."""

from __future__ import annotations


class Displayed:
    """Mixin: the result shows itself in Jupyter (``_repr_html_``) as a styled
    table from its ``to_frame()``, with an inline chart for the kinds that
    have one (see :mod:`dealspace.report.repr`)."""

    def _repr_html_(self) -> str:
        from dealspace.report.repr import frame_html

        return frame_html(self)
