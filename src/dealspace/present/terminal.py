"""Render a :class:`~dealspace.present.document.Section` on a terminal (rich), as the report shows it.

The terminal summary of ``dealspace analyze`` prints some report sections
through this module, so their numbers and sentences are the report's own
(charts are left to the report). User text is printed literally: rich markup
in it is escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from dealspace.present.document import Bullets, Chart, Section, Table, Text

if TYPE_CHECKING:
    from rich.console import Console


def print_section(console: Console, section: Section) -> None:
    """Title and lead, then each table, paragraph and list of ``section`` (no charts)."""
    from rich.table import Table as RichTable

    console.print(f"[bold]{escape(section.title)}[/]", highlight=False)
    if section.lead:
        console.print(escape(section.lead), highlight=False)
    for block in section.blocks:
        if isinstance(block, Table):
            numeric = block.numeric or tuple(False for _ in block.columns)
            table = RichTable(caption=escape(block.caption) or None, caption_justify="left")
            for name, is_number in zip(block.columns, numeric, strict=True):
                table.add_column(escape(name), justify="right" if is_number else "left")
            for k, row in enumerate(block.rows):
                table.add_row(*map(escape, row), style="bold" if k in block.emphasis else None)
            console.print(table)
        elif isinstance(block, Text):
            console.print(escape(block.text), highlight=False)
        elif isinstance(block, Bullets):
            for item in block.items:
                console.print(f"  • {escape(item)}", highlight=False)
        elif not isinstance(block, Chart):  # pragma: no cover - the Block union is closed
            raise TypeError(f"unknown block {type(block).__name__}")
