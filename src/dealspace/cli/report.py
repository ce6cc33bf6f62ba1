"""``dealspace report`` (one self-contained HTML or Markdown report) and
``dealspace score`` (the scorecard of a signed deal)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from dealspace.cli._app import app, console, console_err, friendly, print_json
from dealspace.cli._bounds import bound
from dealspace.cli.scenario import Source
from dealspace.errors import DealspaceError
from dealspace.scenario import load_scenario

if TYPE_CHECKING:
    from dealspace.scenario.model import Scenario


@contextmanager
def progress_bar(what: str) -> Iterator[Callable[[str], None]]:
    """A rich spinner on stderr; yields ``progress(step_name)`` for :func:`write_report`."""
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console_err, transient=True) as bar:
        task = bar.add_task(escape(what))

        def step(name: str) -> None:
            bar.update(task, description=escape(f"{what}: {name}"))

        yield step


def worker_for(scenario: Scenario, world_runs: int, charts: bool, jobs: int | None) -> Any:
    """The second process of ``analyze`` and ``report`` (:func:`dealspace.workers.second_process`):
    when ``jobs`` allows (default: 2 on 2+ cores) and it has work, the bellwether model (a
    party with a country may be a partner of the 2025 world) or the report's charts.
    It imports what that work needs at once, while this process imports the pipeline."""
    from dealspace.workers import second_process, usable_cores

    jobs = min(2, usable_cores()) if jobs is None else jobs
    world = world_runs > 0 and any(p.country for p in scenario.parties)
    warm: tuple[str, ...] = ("dealspace.world.run",) if world else ()
    if charts:
        warm += ("dealspace.present.charts", "matplotlib.figure", "matplotlib.backends.backend_svg")
    return second_process(jobs if warm else 1, warm)


@app.command()
@friendly
def report(
    source: Source = "us-japan-2025",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The report file. Default: SCENARIO-report.html, or .md with --format md.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="'html' (one self-contained file, charts inline) or 'md'; "
            "default: from the output's suffix, else html.",
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace an existing output file (never an input).")
    ] = False,
) -> None:
    """Write a report of a scenario: verdict, frontier, linkage, red lines, offers, tariffs, sources."""
    from dealspace.pipeline import Settings, analyze
    from dealspace.report import FORMATS, ChartDrawer, check_output, write_report

    if fmt is None:
        fmt = (
            "md" if output is not None and output.suffix.lower() in {".md", ".markdown"} else "html"
        )
    if fmt not in FORMATS:
        raise DealspaceError.single("--format", f"unknown format '{fmt}'", "use 'html' or 'md'")
    scenario = load_scenario(source)
    path = output if output is not None else Path(f"{scenario.name}-report.{fmt}")
    check_output(path, overwrite, inputs=(source,))
    html = fmt == "html"
    with (
        worker_for(scenario, Settings().world_runs, html, None) as worker,
        progress_bar(f"report on {scenario.name}") as step,
    ):
        charts = ChartDrawer(worker if html else None)  # drawn in the worker as results come
        results = analyze(scenario, progress=step, executor=worker, partial=charts.send)
        charts.send(results)
        step("render")
        written = write_report(
            results, path, fmt, overwrite=overwrite, inputs=(source,), charts=charts.draw
        )
    console.print(f"wrote {escape(str(written))}", highlight=False)


@app.command()
@friendly
def score(
    deal: Annotated[
        str, typer.Argument(help="A built-in deal (us-japan-2025-07) or a deal YAML file.")
    ],
    scenario: Annotated[
        str | None,
        typer.Option(help="The scenario the deal is a package of (default: the deal file's)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    html: Annotated[
        Path | None,
        typer.Option("--html", help="Also write the scorecard as one HTML file (.md: Markdown)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option(help="Replace an existing --html file (never an input).")
    ] = False,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            **bound("score", "--draws"),
            help="Draws of the scenario's ranges (stability).",
        ),
    ] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", **bound("score", "--seed"), help="Seed of the draws.")
    ] = 0,
) -> None:
    """Score a signed deal: structural vs headline, practical vs symbolic, mutual benefit,
    fairness, legal instruments (ladder and fate), durability, stability under the
    scenario's ranges, regional architecture — each with its computation and evidence."""
    from dealspace.analysis.scorecard import load_deal
    from dealspace.analysis.scorecard import score as score_deal

    d = load_deal(deal)
    inputs = (deal, scenario or d.scenario)
    if html is not None:
        from dealspace.files import check_output as check_path

        check_path(html, "--html", overwrite=overwrite, inputs=inputs)
    s = load_scenario(scenario or d.scenario)
    card = score_deal(d, s, label=deal, draws=draws, seed=seed)
    if html is not None:
        from dealspace.report.scorecard import write_scorecard

        fmt = "md" if html.suffix.lower() in {".md", ".markdown"} else "html"
        written = write_scorecard(card, html, fmt, overwrite=overwrite, inputs=inputs)
        console_err.print(f"wrote {escape(str(written))}", highlight=False)
    if json_out:
        print_json(card.to_dict())
        return
    console.rule(f"[bold]{escape(d.title or d.name)}")
    console.print(f"[bold]{escape(card.verdict)}[/]", highlight=False)
    console.print(
        f"scenario {escape(s.name)}; {len(d.terms)} terms; {len(d.durability)} evidence items",
        highlight=False,
    )
    summary = Table(title="Scorecard")
    for col in ("criterion", "score", "verdict"):
        summary.add_column(col, justify="right" if col == "score" else "left")
    for c in card.criteria:
        summary.add_row(
            escape(c.name), "—" if c.score != c.score else f"{c.score:.3f}", escape(c.verdict)
        )
    console.print(summary)
    for c in card.criteria:
        console.print(f"\n[bold]{escape(c.name)}[/] — {escape(c.verdict)}", highlight=False)
        for line in c.computation:
            console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
        for e in c.evidence:
            tag = f"[{e['effect']}, w{e['weight']}] " if "effect" in e else ""
            date = f" ({e['date']})" if e.get("date") else ""
            console.print(
                f"  • {escape(tag + e['claim'])}{escape(date)}", highlight=False, soft_wrap=True
            )
            if e.get("source"):
                console.print(
                    f"    [dim]{escape(' '.join(str(e['source']).split()))}[/]",
                    highlight=False,
                    soft_wrap=True,
                )
