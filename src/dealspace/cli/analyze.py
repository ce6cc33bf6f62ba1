"""``dealspace analyze``: the main job on a scenario (us-japan-2025 by default).

Runs :func:`dealspace.pipeline.analyze` once and renders its one
:class:`~dealspace.pipeline.Results`: a terminal summary (portfolio, parties,
ZOPA, bargaining solutions, frontier, value of linkage, protocols), the
self-contained HTML report written to a path it prints (never over an
existing file), or, with ``--json``, the whole Results as JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from dealspace.cli._app import app, console, friendly, print_json
from dealspace.cli._bounds import bound
from dealspace.cli.scenario import Source

#: The report's file when --report is not given (numbered if it exists: never replaced).
DEFAULT_REPORT = Path("dealspace-report.html")

if TYPE_CHECKING:
    from dealspace.analysis.reach import Reach
    from dealspace.pipeline import Results


@app.command()
@friendly
def analyze(
    source: Source = "us-japan-2025",
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            "-o",
            help="Where to write the HTML report (refused if it exists, unless --overwrite). "
            "Default: dealspace-report.html, or -2, -3, … appended if that exists.",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace an existing --report file (never an input)."),
    ] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Terminal summary only.")] = False,
    json_out: Annotated[
        bool,
        typer.Option("--json", help="Print the whole result as JSON (docs/json.md); no report."),
    ] = False,
    runs: Annotated[
        int,
        typer.Option(
            "--runs",
            **bound("analyze", "--runs"),
            help="Monte Carlo runs per protocol and strategy pair.",
        ),
    ] = 100,
    seed: Annotated[
        int, typer.Option("--seed", **bound("analyze", "--seed"), help="Seed of every random step.")
    ] = 0,
    no_process: Annotated[
        bool, typer.Option("--no-process", help="Skip the protocol comparison.")
    ] = False,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity/--no-sensitivity",
            help="The protocol verdict's sensitivity grid (27 cells).",
        ),
    ] = True,
    world_runs: Annotated[
        int,
        typer.Option(
            "--world-runs",
            **bound("analyze", "--world-runs"),
            help="Runs of the bellwether model (0 skips it).",
        ),
    ] = 100,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            **bound("analyze", "--jobs"),
            help="Processes to use: with 2, a second process runs the bellwether model and "
            "draws the report's charts while this one computes and prints (the same results). "
            "Default: 2 when the machine has 2 or more cores, else 1.",
            show_default=False,
        ),
    ] = None,
    deal: Annotated[
        str,
        typer.Option(
            "--deal",
            help="A signed deal to score against the scenario: a built-in deal "
            "(us-japan-2025-07) or a deal file; 'auto': the built-in deal written for this "
            "scenario, if any; 'none' skips it.",
        ),
    ] = "auto",
) -> None:
    """Analyse a scenario (default: the built-in US–Japan 2025 portfolio) and write its report."""
    from dataclasses import replace

    from dealspace.cli.report import progress_bar, worker_for
    from dealspace.files import check_output
    from dealspace.scenario import load_scenario

    scenario = load_scenario(source)
    want_report = not (no_report or json_out)
    if report is not None and want_report:
        check_output(report, "--report", overwrite=overwrite, inputs=(source,))
    with worker_for(scenario, world_runs, want_report, jobs) as worker:
        from dealspace.pipeline import Settings
        from dealspace.pipeline import analyze as run
        from dealspace.process.compare import ProcessSettings
        from dealspace.report import ChartDrawer, free_path, write_report

        base = Settings().process or ProcessSettings()
        process = (
            None if no_process else replace(base, runs=runs, seed=seed, sensitivity=sensitivity)
        )
        settings = Settings(
            seed=seed,
            process=process,
            world_runs=world_runs,
            deal=None if deal.lower() == "none" else deal,
        )
        if json_out:
            print_json(run(scenario, settings, executor=worker).to_dict())
            return
        # the worker draws the report's charts as their results come: most of them while this
        # process runs the protocol comparison, the last ones while it prints the summary
        charts = ChartDrawer(worker if want_report else None)
        with progress_bar(f"analysing {scenario.name}") as step:
            results = run(scenario, settings, progress=step, executor=worker, partial=charts.send)
        charts.send(results)
        print_results(results)
        if no_report:
            return
        with progress_bar("writing the report") as step:
            step("render")
            path = write_report(
                results,
                free_path(DEFAULT_REPORT) if report is None else report,
                overwrite=overwrite,
                inputs=(source,),
                charts=charts.draw,
            )
    console.print(f"\n[bold green]Report:[/] {escape(str(path.resolve()))}", highlight=False)


def print_results(results: Results) -> None:
    """The terminal summary of the main job's results (renders; computes nothing)."""

    from dealspace.cli.engine import engine_summary
    from dealspace.cli.linkage import linkage_summary
    from dealspace.cli.process import print_comparison
    from dealspace.cli.scenario import print_scenario

    scenario = results.scenario
    print_scenario(scenario)
    print_party_summary(results.reach, {p.id: p.label for p in scenario.parties})
    engine_summary(console, results.frontier, results.zopa, results.solutions)
    labels = {p.id: p.label for p in scenario.parties}
    if results.scorecard is not None:
        card = results.scorecard
        console.print(
            f"[bold]The signed deal, scored[/] ({escape(card.deal.title or card.deal.name)}): "
            f"{escape(card.verdict)} Details: dealspace score {escape(card.deal.name)}",
            highlight=False,
        )
    for note in results.notes:
        console.print(f"[yellow]{escape(note)}[/]", highlight=False)
    if results.near_tie is not None and results.near_tie.warning:
        console.print(f"[yellow]{escape(results.near_tie.warning)}[/]", highlight=False)
    if results.robustness is not None:
        from dealspace.cli.robust import print_robust

        print_robust(console, results.robustness, scenario)
    if results.coalitions is not None:
        from dealspace.cli.linkage import print_coalitions

        print_coalitions(console, results.coalitions, labels)
    if results.linkage is not None:
        linkage_summary(console, results.linkage, results.domain_values, labels)
    if results.protocols is not None:
        s = results.protocols.settings
        print_comparison(
            console,
            results.protocols,
            f"Process: single undertaking or early harvests? ({s.runs} runs per strategy pair)",
        )
    elif len(scenario.parties) != 2:
        console.print(
            "process simulation: skipped (it is bilateral; use `dealspace simulate --parties a,b`)"
        )
    from dealspace.present.terminal import print_section
    from dealspace.report.sections import tariffs_section, world_section

    for build in (tariffs_section, world_section):  # the report's own sections, charts left out
        section = build(results)
        if section is not None:
            console.print()
            print_section(console, section)


def print_party_summary(reach: Reach, labels: dict[str, str]) -> None:
    """Status-quo utility, BATNA and the best each party could reach."""
    from rich.table import Table

    table = Table(title="Parties: status quo, BATNA and reach (utility points)")
    for col in (
        "party",
        "status quo",
        "BATNA",
        "best acceptable package",
        "worst acceptable package",
    ):
        table.add_column(col, justify="left" if col == "party" else "right")
    for k, party in enumerate(reach.parties):
        best = "—" if reach.best is None else f"{reach.best[k]:.2f}"
        worst = "—" if reach.worst is None else f"{reach.worst[k]:.2f}"
        table.add_row(
            escape(labels[party]),
            f"{reach.status_quo[k]:.2f}",
            f"{reach.batna[k]:.2f}",
            best,
            worst,
        )
    console.print(table)
    console.print(
        f"{reach.n_acceptable:,} packages meet every party's must-haves and red lines"
        if reach.n_acceptable
        else "[bold red]No package meets every party's must-haves and red lines.[/]",
        highlight=False,
    )
