"""The ``facts`` command: the numbers behind common claims, with their sources as citations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from dealspace.cli._app import app, console, friendly, print_json


@app.command()
@friendly
def facts(
    file: Annotated[
        list[Path] | None,
        typer.Option(
            "--file",
            help="A facts file of your own (YAML: inputs with value, unit, date, source; claims computed from them; format in docs/economy.md). Repeatable; its claims follow the built-in ones.",
        ),
    ] = None,
    builtin: Annotated[
        bool,
        typer.Option("--builtin/--no-builtin", help="Include the built-in claims (Japan, 2025)."),
    ] = True,
    data: Annotated[
        Path | None,
        typer.Option(
            help="Trade data for the claims computed on them (averages of the 2 April rates, the BACI balance): the study's folder or a user folder (default: the embedded 194 countries)."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Check common claims: Japan's '700 %' rice tariff, the '46 %' tariff, averages, the goods balance.

    Every number is computed from sourced inputs (as written, with date and
    source); the sources are printed as numbered citations. Add your own
    claims (Korea, the UK, the EU …) with --file.
    """
    from dealspace.economy import load_data
    from dealspace.economy.facts import builtin_facts, evaluate, load_facts

    files = ([builtin_facts()] if builtin else []) + [load_facts(p) for p in file or []]
    if not files:
        raise typer.BadParameter("nothing to show: give --file or keep --builtin")
    needs_data = any(
        c.compute in ("us_rate_average", "goods_balance") for f in files for c in f.claims
    )
    economy = load_data(data) if needs_data else None
    found = [(f, finding) for f in files for finding in evaluate(f, economy)]
    if json_out:
        print_json([{"file": f.where, **finding.to_dict()} for f, finding in found])
        return
    citations: dict[str, int] = {}
    for _, finding in found:
        for fact in finding.inputs:
            citations.setdefault(fact.citation, len(citations) + 1)
    table = Table(title="The numbers behind the claims")
    for column, justify in (
        ("topic", "left"),
        ("claim", "left"),
        ("value", "right"),
        ("what it means", "left"),
        ("inputs (as written) [source]", "left"),
    ):
        table.add_column(escape(column), justify=justify)  # type: ignore[arg-type]
    for _, f in found:
        inputs = "; ".join(f"{fact.written} [{citations[fact.citation]}]" for fact in f.inputs)
        meaning = f.explanation + (f". Note: {f.note}" if f.note else "")
        table.add_row(
            escape(f.topic),
            escape(f.claim),
            escape(f"{_value(f.value)} {f.unit}"),
            escape(meaning),
            escape(inputs),
        )
    console.print(table)
    console.print("Sources", style="bold")
    for text, number in citations.items():
        console.print(f"[{number}] {escape(text)}", highlight=False, soft_wrap=True)


def _value(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.1f}"
