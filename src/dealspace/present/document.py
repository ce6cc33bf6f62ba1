"""A renderer-neutral document: sections of paragraphs, tables and chart specs.

Analyses describe what to show with these plain objects; :mod:`dealspace.present.html`
and :mod:`dealspace.present.markdown` render them, :mod:`dealspace.present.charts`
draws the chart specs. Nothing here knows an analysis type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Table:
    """A table: header, rows of text cells, which columns are numeric."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    caption: str = ""
    emphasis: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    """A chart spec: :func:`dealspace.present.charts.render` draws it."""

    kind: str
    key: str
    title: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Text:
    """A paragraph; ``kind`` is ``"p"``, ``"note"`` (small print) or ``"formula"``."""

    text: str
    kind: str = "p"


@dataclass(frozen=True)
class Bullets:
    """A bulleted list of sentences."""

    items: tuple[str, ...]


Block = Table | Chart | Text | Bullets


@dataclass(frozen=True)
class Section:
    """A titled part of the report; ``lead`` is its one-line summary."""

    id: str
    title: str
    blocks: tuple[Block, ...]
    lead: str = ""


@dataclass(frozen=True)
class Verdict:
    """The box at the top: one sentence, a tone, key figures."""

    headline: str
    detail: str
    ok: bool
    figures: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Document:
    """The report as renderer-neutral blocks."""

    title: str
    subtitle: str
    description: str
    verdict: Verdict
    sections: tuple[Section, ...]
    meta: dict[str, str] = field(default_factory=dict)


def num(x: float | None, digits: int = 2) -> str:
    """A number for a table: fixed decimals, thousands separators, '—' for None."""
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "—"
    text = f"{x:,.{digits}f}"
    if text.startswith("-"):
        return text[1:] if float(text[1:].replace(",", "")) == 0 else "−" + text[1:]
    return text


def signed(x: float, digits: int = 2) -> str:
    """A change with its sign: ``+1.20``, ``−0.30``."""
    text = num(abs(x), digits)
    if float(text.replace(",", "")) == 0:
        return text
    return ("+" if x > 0 else "−") + text
