"""``dealspace analyze``: the main job on a scenario (us-japan-2025 by default).

A terminal summary (portfolio, parties, ZOPA, bargaining solutions, frontier,
value of linkage) and the self-contained HTML report, written to a path it
prints (never over an existing file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from dealspace.cli._app import app, console, friendly
from dealspace.cli.engine import engine_summary
from dealspace.cli.linkage import linkage_summary
from dealspace.cli.process import process_summary
from dealspace.cli.report import progress_bar
from dealspace.cli.scenario import Source, print_scenario
from dealspace.report import free_path, write_report
from dealspace.scenario import load_scenario
from dealspace.space import DealSpace, compile


@app.command()
@friendly
def analyze(
    source: Source = "us-japan-2025",
    report: Annotated[
        Path,
        typer.Option(
            "--report",
            "-o",
            help="Where to write the HTML report; if the file exists, -2, -3, … is appended.",
        ),
    ] = Path("dealspace-report.html"),
    no_report: Annotated[bool, typer.Option("--no-report", help="Terminal summary only.")] = False,
) -> None:
    """Analyse a scenario (default: the built-in US–Japan 2025 portfolio) and write its report."""
    scenario = load_scenario(source)
    print_scenario(scenario)
    space = compile(scenario)
    print_party_summary(space)
    engine_summary(console, space)
    if len(scenario.domains) > 1 and not space.empty:
        linkage_summary(console, scenario)
    if not space.empty:
        process_summary(console, scenario)
    if no_report:
        return
    with progress_bar("writing the report") as step:
        path = write_report(scenario, free_path(report), progress=step)
    console.print(f"\n[bold green]Report:[/] {path.resolve()}", highlight=False)


def print_party_summary(space: DealSpace) -> None:
    """Status-quo utility, BATNA and the best each party could reach."""
    table = Table(title="Parties: status quo, BATNA and reach (utility points)")
    for col in ("party", "status quo", "BATNA", "best acceptable package", "worst acceptable package"):
        table.add_column(col, justify="left" if col == "party" else "right")
    if space.empty:
        best = worst = np.full(space.n_parties, np.nan)
    else:
        best = np.array([sum(b.utility[:, p].max() for b in space.blocks) for p in range(space.n_parties)])
        worst = np.array([sum(b.utility[:, p].min() for b in space.blocks) for p in range(space.n_parties)])
    for p, party in enumerate(space.scenario.parties):
        table.add_row(
            party.label,
            f"{space.status_quo_utility[p]:.2f}",
            f"{space.batna[p]:.2f}",
            f"{best[p]:.2f}",
            f"{worst[p]:.2f}",
        )
    console.print(table)
    console.print(
        f"{space.n_outcomes:,} packages meet every party's must-haves and red lines"
        if not space.empty
        else "[bold red]No package meets every party's must-haves and red lines.[/]",
        highlight=False,
    )
