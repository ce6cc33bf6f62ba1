"""``dealspace world``: the bellwether game — parse the options, call :func:`dealspace.world.run_world`, render."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dealspace.cli._app import app, console, friendly, print_json
from dealspace.cli._bounds import bound
from dealspace.cli._scheduler import connected
from dealspace.errors import DealspaceError, did_you_mean, shorten
from dealspace.files import atomic_output, check_output

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.world.run import WorldReport

# The model (numpy, pandas, the GE solver) is imported when the command runs,
# so that `dealspace --help` stays fast.
OUTCOME_NAMES = ("good", "bad", "none")
ORDER_NAMES = ("given", "stakes", "random")
#: Above this many games in total, runs go to worker processes (or --scheduler).
LOCAL_LIMIT = 2000
#: Runs per task when runs go to workers.
CHUNK = 250
PARTNER_COLUMNS = {
    "settle": "settle",
    "good_deal": "good deal",
    "retaliate": "retaliate",
    "bloc": "bloc",
    "stay": "stay",
    "mean_turn": "turn",
    "payoff": "payoff",
}
FIRST_MOVER_COLUMNS = {
    "first": "first",
    "last": "last",
    "advantage": "advantage",
    "se": "± se",
    "settle_first": "settle 1st",
    "settle_last": "settle last",
    "retaliate_last": "retal. last",
}
FIT_COLUMNS = {
    "move_2025": "2025",
    "date": "date",
    "p_settle": "P(settle)",
    "p_retaliate": "P(retal.)",
    "p_stay": "P(stay)",
    "brier": "Brier",
    "log_score": "log score",
}


@app.command("world")
@friendly
def world_command(
    first: Annotated[
        str | None,
        typer.Option(
            help="Partner that moves first (code or name, e.g. japan); also the bellwether of the domino table (default: Japan)."
        ),
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option(
            help="Force the first partner's outcome: 'good' (deal kept), 'bad' (concessions paid, tariff snaps back) or 'none' (no deal)."
        ),
    ] = None,
    runs: Annotated[
        int, typer.Option(**bound("world", "--runs"), help="Monte Carlo runs per experiment.")
    ] = 200,
    seed: Annotated[
        int,
        typer.Option(**bound("world", "--seed"), help="Seed; the same seed gives the same tables."),
    ] = 0,
    order: Annotated[
        str,
        typer.Option(
            help="Order of moves: 'stakes' (largest gain from a deal first), 'given' (the world's historical order), 'random', or partners separated by commas (codes or names)."
        ),
    ] = "stakes",
    world: Annotated[
        str, typer.Option(help="A built-in world (world-2025) or a world YAML file.")
    ] = "world-2025",
    bloc: Annotated[
        list[str] | None,
        typer.Option(
            "--bloc",
            metavar="PARTNERS",
            help="Force a bloc: partners (codes or names, comma-separated, e.g. EU,JPN) that retaliate together when the first of them moves. Repeatable.",
        ),
    ] = None,
    never_retaliate: Annotated[
        list[str] | None,
        typer.Option(
            "--never-retaliate",
            metavar="PARTNERS",
            help="Partners (codes or names, comma-separated) that never retaliate, alone or in a bloc. Repeatable.",
        ),
    ] = None,
    no_blocs: Annotated[
        bool,
        typer.Option(
            "--no-blocs",
            help="Forbid joint retaliation that partners would form by themselves (forced --bloc still applies).",
        ),
    ] = False,
    terms_spillover: Annotated[
        float | None,
        typer.Option(
            **bound("world", "--terms-spillover"),
            help="Deal-terms spillover tau in [0, 1]: how far later partners' concessions are pulled toward earlier deals' (default: the world's; 0 = off).",
        ),
    ] = None,
    reputation: Annotated[
        float | None,
        typer.Option(
            **bound("world", "--reputation"),
            help="Strategic US rho in [0, 1]: punish early settlers to raise later concessions (default: the world's; 0 = off).",
        ),
    ] = None,
    first_mover_runs: Annotated[
        int | None,
        typer.Option(
            **bound("world", "--first-mover-runs"),
            help="Runs per partner and position in the first-mover table (default runs/5, at least 10; 0 skips the table).",
        ),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Write the cascade and the domino heatmap to this image (.png, .svg, .pdf)."
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --plot file.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Where runs go: 'sync', 'processes', 'dask' or a Dask address (tcp://host:8786). Default: this process for small jobs, local processes for large ones."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            **bound("world", "--workers"), help="Worker processes for the local schedulers."
        ),
    ] = None,
    exact: Annotated[
        bool,
        typer.Option(
            help="Solve the GE model for every state partners weigh (slower) instead of the second-order expansion."
        ),
    ] = False,
) -> None:
    """Simulate the bellwether game: partners watch each other's deals and update their view of the US.

    Partners settle, wait, retaliate (alone or in a bloc) or stay, maximising
    expected GE welfare under their beliefs about the US type (dealmaker,
    hardliner, boomerang); each outcome is public and everyone updates by
    Bayes' rule. Prints who does what, the domino (each partner's chance of
    retaliating after a good, bad or no deal by the first mover), the
    first-mover table and, for unforced runs, the fit to 2025 with proper
    scores against baselines.
    """
    if runs < 1:
        raise DealspaceError.single("--runs", f"is {runs}", "use a whole number >= 1")
    if outcome is not None and outcome not in OUTCOME_NAMES:
        raise DealspaceError.single(
            "--outcome",
            f"unknown outcome '{shorten(outcome)}'",
            did_you_mean(outcome, OUTCOME_NAMES),
        )
    order_arg: str | list[str] = order
    if "," in order:
        order_arg = _names(order)
    elif order not in ORDER_NAMES:
        raise DealspaceError.single(
            "--order",
            f"unknown order '{shorten(order)}'",
            did_you_mean(order, ORDER_NAMES) + " (or list partners separated by commas)",
        )
    if plot is not None:
        check_output(
            plot, "--plot", overwrite=overwrite, inputs=(world,), suffixes=(".png", ".svg", ".pdf")
        )
    for name, value in (("--terms-spillover", terms_spillover), ("--reputation", reputation)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise DealspaceError.single(name, f"is {value}", "use a number in [0, 1]")
    from dealspace.world import load_world, run_world

    w = load_world(world)
    changes: dict[str, Any] = {}
    if terms_spillover is not None:
        changes["terms_spillover"] = terms_spillover
    if reputation is not None:
        changes["reputation"] = reputation
    if no_blocs:
        changes["min_bloc"] = 10**6
    w = w.with_(**changes) if changes else w
    blocs = [_names(b) for b in bloc or []]
    never = [n for item in never_retaliate or [] for n in _names(item)]
    fm_runs = max(10, runs // 5) if first_mover_runs is None else first_mover_runs
    games = (
        4 * runs + 2 * len(w.partners) * fm_runs
    )  # main + domino, then each partner first and last
    local = scheduler is None and games <= LOCAL_LIMIT
    with connected(scheduler) as where:
        runner = None if local else _grid_runner(where, workers, progress=not json_out)
        report = run_world(
            w,
            runs,
            seed,
            order=order_arg,
            first=first,
            outcome=outcome,
            blocs=blocs,
            never_retaliate=never,
            first_mover_runs=first_mover_runs,
            exact=exact,
            chunk=None if local else CHUNK,
            runner=runner,
        )
    if plot is not None:
        with atomic_output(plot, "--plot", overwrite=overwrite, inputs=(world,)) as tmp:
            report.draw(tmp)
    if json_out:
        print_json(report.to_dict())
        return
    render_report(report, console)
    if plot is not None:
        console.print(f"chart written to {escape(str(plot))}", highlight=False)


def _names(text: str) -> list[str]:
    """'EU, japan' -> ['EU', 'japan'] (resolved to codes by the model, which accepts codes and names)."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise DealspaceError.single(
            "partners",
            f"'{shorten(text)}' names no partner",
            "give codes or names separated by commas, e.g. EU,JPN",
        )
    return names


def _grid_runner(scheduler: str | None, workers: int | None, progress: bool) -> Any:
    from dealspace.process.sweep import run_grid

    def runner(task: Any, tasks: list[dict[str, Any]]) -> list[Any]:
        return list(
            run_grid(
                task,
                tasks,
                scheduler=scheduler,
                workers=workers,
                progress=progress,
                description="world",
            )
        )

    return runner


def render_report(report: WorldReport, out: Console) -> None:
    """The tables of `dealspace world` (what the command prints)."""
    s = report.settings
    head = (
        f"first {s['first']}" + (f", outcome forced to '{s['outcome']}'" if s["outcome"] else "")
        if s["first"]
        else "no partner forced first"
    )
    extras = []
    if s["blocs"]:
        extras.append("forced blocs " + "; ".join("+".join(b) for b in s["blocs"]))
    if s["never_retaliate"]:
        extras.append("never retaliate: " + ", ".join(s["never_retaliate"]))
    extras.append(f"terms spillover {s['terms_spillover']:g}, reputation {s['reputation']:g}")
    order = s["order"] if isinstance(s["order"], str) else ",".join(s["order"])
    out.print(
        escape(
            f"{s['world']}: {len(report.world.partners)} partners, {s['runs']} runs, seed {s['seed']}, order '{order}', {head}; {'; '.join(extras)}."
        ),
        highlight=False,
    )
    print_frame(
        report.partners,
        f"Partners — shares of runs ending in each move ({'outcome ' + repr(s['outcome']) if s['outcome'] else 'unforced'})",
        PARTNER_COLUMNS,
        out,
    )
    print_frame(
        report.domino,
        f"Domino — P(retaliate) after {s['bellwether']}'s outcome ({s['runs']} runs each, same seeds)",
        {c: c for c in report.domino.columns},
        out,
    )
    if report.first_mover is not None:
        print_frame(
            report.first_mover,
            f"First mover — payoff (welfare points) of each partner first vs last ({s['first_mover_runs']} runs each, same seeds)",
            FIRST_MOVER_COLUMNS,
            out,
        )
    if report.fit is not None:
        fit = report.fit
        print_frame(
            fit.partners,
            "Fit to 2025 — the model's probability of each move (add-½ smoothed) and its proper scores (lower is better)",
            FIT_COLUMNS,
            out,
        )
        print_frame(
            fit.table,
            "Model vs baselines — mean Brier score, mean log score (nats), hits",
            {"brier": "Brier", "log_score": "log score", "hits": "hits"},
            out,
        )
        verdict = ", ".join(
            f"{'beats' if fit.beats(b) else 'does not beat'} '{b}'"
            for b in fit.table.index
            if b != "model"
        )
        out.print(escape(f"On the log score the model {verdict}."), highlight=False)
    if report.history is not None:
        h = report.history
        out.print(
            escape(
                f"Settlement order: rank correlation {h.attrs['rank_correlation']:.2f} between the model's mean turn and the 2025 dates of the partners that settled."
            ),
            highlight=False,
        )


def print_frame(
    frame: pd.DataFrame, title: str, columns: dict[str, str], out: Console | None = None
) -> None:
    """A DataFrame as a rich table (index first; numbers to 2 decimals; text escaped)."""
    table = Table(title=escape(title), title_justify="left")
    table.add_column(escape(str(frame.index.name or "")), no_wrap=True)
    for label in columns.values():
        table.add_column(escape(label), justify="right", no_wrap=True)
    for key, row in frame.iterrows():
        table.add_row(escape(str(key)), *(escape(_fmt(row[c])) for c in columns))
    (out or console).print(table)


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "—" if math.isnan(value) else f"{value:.2f}"
    return str(value)
