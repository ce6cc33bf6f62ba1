"""The ``facts`` command: the numbers behind common claims, with sources and dates."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from dealspace.cli._app import app, console, friendly, print_json


@app.command()
@friendly
def facts(
    data: Annotated[Path | None, typer.Option(help="Trade data for the averages and the BACI balance: the study's folder or a user folder (default: the embedded 2023 data).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Check common claims: Japan's '700 %' rice tariff, the '46 %' tariff, averages, the goods balance.

    Every number is computed from sourced inputs (value, unit, date, source);
    inputs not in ../shared/facts/tariffs-2025.md say so.
    """
    from dealspace.economy import load_data
    from dealspace.economy.facts import findings

    economy = load_data(data)
    found = findings(economy)
    if json_out:
        print_json([asdict(f) for f in found])
        return
    table = Table(title="The numbers behind the claims")
    for column, justify in (("topic", "left"), ("claim", "left"), ("value", "right"), ("what it means", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for f in found:
        table.add_row(f.topic, f.claim, f"{f.value:,.1f} {f.unit}", f.explanation)
    console.print(table)
    sources = Table(title="Inputs")
    for column in ("value", "date", "source"):
        sources.add_column(column)
    seen = set()
    for f in found:
        for fact in f.inputs:
            if fact.source not in seen:
                seen.add(fact.source)
                number = f"{fact.value:,.0f}" if abs(fact.value) >= 1000 else f"{fact.value:,.4g}"
                sources.add_row(f"{number} {fact.unit}", fact.date, fact.source)
    console.print(sources)
