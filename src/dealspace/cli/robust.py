"""``dealspace robust``: how the recommendation holds up when the scenario's ranges are drawn.

Loads a scenario whose weights, option values or BATNAs are given as ranges,
runs :func:`dealspace.analysis.robust.robust` and prints the probabilities,
the robust recommendation, the tornado and the value of learning (or JSON).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dealspace.analysis.robust import Robustness, robust
from dealspace.cli._app import app, console, friendly, print_json
from dealspace.cli._bounds import bound
from dealspace.cli.scenario import Source
from dealspace.scenario import Scenario, load_scenario


@app.command("robust")
@friendly
def robust_command(
    source: Source,
    draws: Annotated[
        int, typer.Option("--draws", "-n", **bound("robust", "--draws"), help="Independent draws.")
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", **bound("robust", "--seed"), help="Seed of the draws.")
    ] = 0,
    no_tornado: Annotated[
        bool, typer.Option("--no-tornado", help="Skip the one-at-a-time tornado.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Robustness under uncertain preferences: P(ZOPA), P(each top package is the Nash
    or Kalai–Smorodinsky package), P(each party accepts it), the robust
    recommendation, a tornado with flip values and the expected value of learning."""
    scenario = load_scenario(source)
    result = robust(scenario, draws=draws, seed=seed, tornado=not no_tornado)
    if json_out:
        print_json(result.to_dict())
        return
    console.rule(f"[bold]Robustness — {escape(scenario.title or scenario.name)}")
    print_robust(console, result, scenario)


def print_robust(out: Console, r: Robustness, scenario: Scenario) -> None:
    """Tables and sentences of a :class:`Robustness` (renders; computes nothing)."""
    labels = {p.id: p.label for p in scenario.parties}
    out.print(
        f"{len(r.uncertain)} uncertain numbers, {r.draws:,} draws (seed {r.seed}).", highlight=False
    )
    sq = scenario.status_quo()
    table = Table(title="Top packages across the draws")
    table.add_column("#")
    table.add_column("changes from the status quo")
    table.add_column("P(Nash)", justify="right")
    table.add_column("P(KS)", justify="right")
    for p in r.parties:
        table.add_column(f"P({escape(labels[p])} accepts)", justify="right")
    table.add_column("P(all accept)", justify="right")
    for n, c in enumerate(r.candidates, start=1):
        moves = [
            f"{scenario.issue(i).name or i}: {scenario.issue(i).label(c.package[i])}"
            for i in scenario.issue_ids
            if str(c.package[i]) != str(sq[i])
        ]
        mark = " [bold green](robust)[/]" if n - 1 == r.recommended else ""
        mark += " [dim](point Nash)[/]" if c.is_point_nash else ""
        table.add_row(
            f"{n}{mark}",
            escape("; ".join(moves) or "the status quo"),
            f"{c.p_nash:.1%}",
            f"{c.p_ks:.1%}",
            *(f"{x:.1%}" for x in c.p_accept),
            f"{c.p_all_accept:.1%}",
        )
    out.print(table)
    if r.tornado:
        bars = Table(
            title="Tornado: each number alone across its range (others at their point values)"
        )
        for col in ("uncertain number", "low", "point", "high", "Nash package changes", "flips at"):
            bars.add_column(
                col,
                justify="left" if col in ("uncertain number", "Nash package changes") else "right",
            )
        for b in r.tornado[:10]:
            where = (
                "at low and high"
                if b.changes_low and b.changes_high
                else "at low"
                if b.changes_low
                else "at high"
                if b.changes_high
                else "no"
            )
            flips = ", ".join(f"{x:.4g}" for x in (b.flip_low, b.flip_high) if x is not None)
            bars.add_row(
                escape(b.label), f"{b.low:.4g}", f"{b.point:.4g}", f"{b.high:.4g}", where, flips
            )
        out.print(bars)
    if r.learning:
        learn = Table(
            title="Expected value of learning (rise in P(all accept) if known before choosing)"
        )
        learn.add_column("uncertain number")
        learn.add_column("value", justify="right")
        by_key = {u.key: u.label for u in r.uncertain}
        for key, value in sorted(r.learning.items(), key=lambda kv: -kv[1])[:10]:
            learn.add_row(escape(by_key[key]), f"{value:+.1%}")
        out.print(learn)
    for line in r.sentences():
        out.print(f"• {escape(line)}", highlight=False)
