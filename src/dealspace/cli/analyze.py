"""``dealspace analyze``: the main job on a scenario (us-japan-2025 by default)."""

from __future__ import annotations

import numpy as np
from rich.table import Table

from dealspace.cli._app import app, console, friendly
from dealspace.cli.engine import engine_summary
from dealspace.cli.linkage import linkage_summary
from dealspace.cli.scenario import Source, print_scenario
from dealspace.scenario import load_scenario
from dealspace.space import DealSpace, compile


@app.command()
@friendly
def analyze(
    source: Source = "us-japan-2025",
) -> None:
    """Analyse a scenario (default: the built-in US–Japan 2025 portfolio)."""
    scenario = load_scenario(source)
    print_scenario(scenario)
    space = compile(scenario)
    print_party_summary(space)
    engine_summary(console, space)
    if len(scenario.domains) > 1 and not space.empty:
        linkage_summary(console, scenario)


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
