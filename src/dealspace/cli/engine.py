"""Deal-space engine commands: ``frontier`` and ``solve``.

``frontier`` prints the exact Pareto frontier (a rich table, JSON, CSV, and a
chart); ``solve`` prints one bargaining solution. :func:`engine_summary` is
the compact version ``dealspace analyze`` prints: the ZOPA verdict, the Nash
and Kalai–Smorodinsky packages and a short frontier table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dealspace.analysis.bargaining import SOLUTIONS, Solution, solve
from dealspace.analysis.pareto import Frontier, pareto_frontier
from dealspace.cli._app import app, console, friendly, print_json
from dealspace.cli._bounds import bound
from dealspace.errors import DealspaceError
from dealspace.files import atomic_output, check_output
from dealspace.scenario import Scenario, load_scenario
from dealspace.scenario.model import OptionRef
from dealspace.space import DealSpace

Source = Annotated[
    str,
    typer.Argument(
        help="A built-in scenario name (see `dealspace scenarios`), a YAML/JSON file, "
        "or a folder with a Genius domain and its profiles.",
        show_default=False,
    ),
]

#: Chart files: the formats matplotlib writes that dealspace offers.
CHART_SUFFIXES = (".png", ".svg", ".pdf")
#: Rows the frontier table shows when ``--limit`` is not given.
TABLE_ROWS = 20
#: Issues shown as separate table columns; above this, a "changes" column.
WIDE_ISSUES = 8


# ---------------------------------------------------------------- frontier


@app.command("frontier")
@friendly
def frontier_command(
    source: Source,
    csv: Annotated[
        Path | None,
        typer.Option(
            "--csv",
            help="Write every frontier package to this CSV file "
            "(a column per issue, then u:<party>).",
            show_default=False,
        ),
    ] = None,
    json_out: Annotated[
        bool,
        typer.Option(
            "--json", help="Print JSON: [{package: {issue: option}, utilities: {party: value}}]."
        ),
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            help="Save a chart of the frontier and the bargaining solutions (.png, .svg or .pdf).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace existing --csv and --plot files (never an input)."
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            **bound("frontier", "--limit"),
            help=f"Show at most N packages, evenly spaced along the "
            f"frontier (table default {TABLE_ROWS}; JSON default all; CSV always all).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The exact Pareto frontier: every package no other feasible package beats for all parties.

    One package is shown per utility vector (the one changing the fewest issues
    from the status quo), sorted by the first party's utility.
    """
    outputs = {"--csv": (csv, (".csv",)), "--plot": (plot, CHART_SUFFIXES)}
    for option, (path, suffixes) in outputs.items():
        if path is not None:
            check_output(path, option, overwrite=overwrite, inputs=(source,), suffixes=suffixes)
    if csv is not None and plot is not None and csv == plot:
        raise DealspaceError.single("--plot", "is the same file as --csv", "give two paths")
    scenario = load_scenario(source)
    frontier = pareto_frontier(scenario)
    if csv is not None:
        with atomic_output(csv, "--csv", overwrite=overwrite, inputs=(source,)) as tmp:
            frontier.to_frame().to_csv(tmp, index=False)
    if plot is not None:
        from dealspace.analysis.charts import frontier_chart

        solutions = [solve(frontier, name) for name in SOLUTIONS]
        with atomic_output(plot, "--plot", overwrite=overwrite, inputs=(source,)) as tmp:
            frontier_chart(frontier, solutions, tmp)
    if json_out:
        chosen = _spaced(len(frontier), limit) if limit else np.arange(len(frontier))
        records = frontier.to_records()
        print_json([records[int(i)] for i in chosen])
        return
    print_frontier(console, frontier, limit or TABLE_ROWS)
    if csv is not None:
        console.print(f"wrote {len(frontier)} packages to {escape(str(csv))}", highlight=False)
    if plot is not None:
        console.print(f"wrote the chart to {escape(str(plot))}", highlight=False)


def print_frontier(out: Console, frontier: Frontier, limit: int = TABLE_ROWS) -> None:
    """A rich table of (up to ``limit``, evenly spaced) frontier packages."""
    space = frontier.space
    scenario = space.scenario
    if len(frontier) == 0:
        out.print(
            "[bold red]No package meets every party's must-haves and red lines: "
            "the frontier is empty.[/]"
        )
        return
    chosen = _spaced(len(frontier), limit)
    shown = (
        f"{len(chosen)} of {len(frontier)}, evenly spaced"
        if len(chosen) < len(frontier)
        else str(len(frontier))
    )
    table = Table(title=escape(f"Pareto frontier of '{scenario.name}' ({shown} packages)"))
    table.add_column("#", justify="right")
    for party in scenario.parties:
        table.add_column(escape(party.label), justify="right")
    wide = len(scenario.issues) <= WIDE_ISSUES
    if wide:
        for issue in scenario.issues:
            table.add_column(escape(issue.name or issue.id))
    else:
        table.add_column("changes from the status quo")
    if (frontier.ties > 1).any():
        table.add_column("ties", justify="right")
    sq = scenario.status_quo()
    for i in chosen:
        i = int(i)
        package = frontier.package(i)
        cells = [str(i + 1), *(f"{u:.2f}" for u in frontier.utilities[i])]
        if wide:
            cells += [_option(space, k, v, sq) for k, v in package.items()]
        else:
            changed = [
                escape(f"{k}={_short(space, k, v)}") for k, v in package.items() if v != sq[k]
            ]
            cells.append(", ".join(changed) or "(status quo)")
        if (frontier.ties > 1).any():
            cells.append(f"{frontier.ties[i]:.0f}")
        table.add_row(*cells)
    out.print(table)
    out.print(
        "utilities in each party's points; BATNA "
        + ", ".join(
            f"{p.label} {b:.2f}" for p, b in zip(scenario.parties, space.batna, strict=True)
        ),
        highlight=False,
        markup=False,
    )


# ---------------------------------------------------------------- solve


@app.command("solve")
@friendly
def solve_command(
    source: Source,
    solution: Annotated[
        str,
        typer.Option(
            "--solution",
            "-s",
            help="nash, ks (Kalai–Smorodinsky), egalitarian, utilitarian, or all four.",
        ),
    ] = "nash",
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """A bargaining solution: the package it picks and what each party gains over its BATNA."""
    scenario = load_scenario(source)
    frontier = pareto_frontier(scenario)
    names = list(SOLUTIONS) if solution.strip().lower() == "all" else [solution]
    results = [solve(frontier, name) for name in names]
    if json_out:
        print_json(
            results[0].to_dict() if len(results) == 1 else {r.name: r.to_dict() for r in results}
        )
        return
    if len(results) > 1:
        print_packages(console, frontier.space, {_TITLES[r.name]: r.package for r in results})
    for result in results:
        print_solution(console, frontier.space, result, packages=len(results) == 1)


def print_solution(out: Console, space: DealSpace, result: Solution, packages: bool = True) -> None:
    """The package of one solution (issue → option, unless ``packages`` is False) and each party's gain."""
    title = _TITLES.get(result.name, result.name)
    if not result.agreement:
        out.print(
            f"[bold red]{title}: no agreement[/] — no feasible package gives every party "
            "more than its BATNA."
        )
        return
    if packages:
        print_packages(out, space, {title: result.package})
    table = Table(title=f"{title}: utilities")
    for col in ("party", "utility", "BATNA", "gain"):
        table.add_column(col, justify="left" if col == "party" else "right")
    for party, b in zip(space.scenario.parties, space.batna, strict=True):
        table.add_row(
            escape(party.label),
            f"{result.utilities[party.id]:.2f}",
            f"{b:.2f}",
            f"{result.gains[party.id]:+.2f}",
        )
    out.print(table)
    if result.n_ties:
        out.print(
            f"{result.n_ties} other frontier package(s) tie on this criterion.", highlight=False
        )
    if result.note:
        out.print(f"[dim]Note: {escape(result.note)}[/]", highlight=False)


def print_packages(
    out: Console, space: DealSpace, packages: dict[str, dict[str, OptionRef] | None]
) -> None:
    """One table: a row per issue; the status quo, then one column per package."""
    scenario = space.scenario
    sq = scenario.status_quo()
    table = Table(title="Packages (changes from the status quo in bold)")
    table.add_column("issue")
    table.add_column("status quo")
    for name in packages:
        table.add_column(escape(name))
    for issue in scenario.issues:
        cells = [escape(issue.name or issue.id), escape(_label(space, issue.id, sq[issue.id]))]
        for package in packages.values():
            cells.append(
                "—" if package is None else _option(space, issue.id, package[issue.id], sq)
            )
        table.add_row(*cells)
    out.print(table)


# ---------------------------------------------------------------- summary


def engine_summary(
    console: Console, frontier: Frontier, zopa_result: Any, solutions: dict[str, Solution]
) -> None:
    """ZOPA verdict, the Nash and KS packages, and a short frontier table (rendered, not computed).

    Called by ``dealspace analyze`` with the pipeline's results.
    """
    out = console
    space = frontier.space
    colour = "green" if zopa_result.exists else "bold red"
    out.print(f"[{colour}]ZOPA:[/] {escape(zopa_result.explanation)}", highlight=False)
    nash, ks = solutions.get("Nash"), solutions.get("Kalai–Smorodinsky")
    shown = {
        t: s
        for t, s in (("Nash", nash), ("Kalai–Smorodinsky", ks))
        if s is not None and s.agreement
    }
    if shown:
        print_packages(out, space, {t: s.package for t, s in shown.items()})
        parties = space.scenario.parties
        out.print(
            "gains over BATNA — "
            + "; ".join(
                f"{title}: " + ", ".join(f"{p.label} {s.gains[p.id]:+.2f}" for p in parties)
                for title, s in shown.items()
            ),
            highlight=False,
            markup=False,
        )
    print_frontier(out, frontier, 10)


# ---------------------------------------------------------------- helpers

_TITLES = {
    "nash": "Nash",
    "kalai_smorodinsky": "Kalai–Smorodinsky",
    "egalitarian": "Egalitarian",
    "utilitarian": "Utilitarian",
}


def _spaced(n: int, limit: int | None) -> np.ndarray:
    """Up to ``limit`` indices of ``range(n)``, evenly spaced, both ends included."""
    if limit is None or n <= limit:
        return np.arange(n)
    if limit == 1:
        return np.zeros(1, dtype=int)
    return np.unique(np.round(np.linspace(0, n - 1, limit)).astype(int))


def _label(space: DealSpace, issue_id: str, option: OptionRef) -> str:
    return space.scenario.issue(issue_id).label(option)


def _short(space: DealSpace, issue_id: str, option: OptionRef) -> str:
    """The option id (discrete) or value with unit (numeric): compact."""
    issue = space.scenario.issue(issue_id)
    return issue.label(option) if issue.numeric else str(option)


def _option(space: DealSpace, issue_id: str, option: OptionRef, sq: dict[str, OptionRef]) -> str:
    text = escape(_label(space, issue_id, option))
    return f"[bold]{text}[/]" if option != sq[issue_id] else text


__all__ = ["Scenario", "engine_summary", "frontier_command", "print_frontier", "solve_command"]
