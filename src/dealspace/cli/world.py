"""``dealspace world``: the bellwether game — who settles, who retaliates, and the domino."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from dealspace.cli._app import app, console, friendly, print_json
from dealspace.errors import DealspaceError, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.world.calibration import World
    from dealspace.world.model import WorldResult

# The model (numpy, pandas, the GE solver) is imported when the command runs,
# so that `dealspace --help` stays fast.
OUTCOME_NAMES = ("good", "bad", "none")
ORDER_NAMES = ("given", "stakes", "random")
#: Above this many games in total, runs go to worker processes (or --scheduler).
LOCAL_LIMIT = 2000
PARTNER_COLUMNS = {"settle": "settle", "good_deal": "good deal", "retaliate": "retaliate", "bloc": "bloc", "stay": "stay", "mean_turn": "turn", "payoff": "payoff"}


@app.command("world")
@friendly
def world_command(
    first: Annotated[str | None, typer.Option(help="Partner that moves first (code or name, e.g. japan); also the bellwether of the domino table (default: Japan).")] = None,
    outcome: Annotated[str | None, typer.Option(help="Force the first partner's outcome: 'good' (deal kept), 'bad' (concessions paid, tariff snaps back) or 'none' (no deal).")] = None,
    runs: Annotated[int, typer.Option(help="Monte Carlo runs per experiment.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed; the same seed gives the same tables.")] = 0,
    order: Annotated[str, typer.Option(help="Order of moves: 'stakes' (largest gain from a deal first), 'given' (the world's historical order) or 'random'.")] = "stakes",
    world: Annotated[str, typer.Option(help="A built-in world (world-2025) or a world YAML file.")] = "world-2025",
    plot: Annotated[Path | None, typer.Option(help="Write the cascade and the domino heatmap to this image (.png, .svg, .pdf).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    scheduler: Annotated[str | None, typer.Option(help="Where runs go: 'sync', 'processes', 'dask' or a Dask address (tcp://host:8786). Default: this process for small jobs, local processes for large ones.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes for the local schedulers.")] = None,
    exact: Annotated[bool, typer.Option(help="Solve the GE model for every state partners weigh (slower) instead of the second-order expansion.")] = False,
) -> None:
    """Simulate the bellwether game: partners watch each other's deals and update their view of the US.

    Partners settle, wait, retaliate (alone or in a bloc) or stay, maximising
    expected GE welfare under their beliefs about the US type (dealmaker,
    hardliner, boomerang); each outcome is public and everyone updates by
    Bayes' rule. Prints who does what, the domino (each partner's chance of
    retaliating after a good, bad or no deal by the first mover) and, for
    unforced runs, the comparison with what happened in 2025.
    """
    if runs < 1:
        raise DealspaceError.single("--runs", f"is {runs}", "use a whole number >= 1")
    if outcome is not None and outcome not in OUTCOME_NAMES:
        raise DealspaceError.single("--outcome", f"unknown outcome {outcome!r}", did_you_mean(outcome, OUTCOME_NAMES))
    if order not in ORDER_NAMES:
        raise DealspaceError.single("--order", f"unknown order {order!r}", did_you_mean(order, ORDER_NAMES))
    if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise DealspaceError.single("--plot", f"{plot.name!r} has no image suffix", "end the name in .png, .svg or .pdf")
    from dealspace.world import compare_with_history, load_world, retaliation_by_first, summary
    from dealspace.world.model import combine

    w = load_world(world)
    if first is not None:
        first = w.partners[w.index(first)].code
    bellwether = first or ("JPN" if "JPN" in w.codes else w.order[0])
    experiments = {"main": {"first": first, "outcome": outcome, "order": order}}
    experiments |= {o: {"first": bellwether, "outcome": o, "order": order} for o in OUTCOME_NAMES}
    results = run_experiments(w, experiments, runs, seed, scheduler, workers, exact, progress=not json_out)
    main, domino = results["main"], combine([results[o] for o in OUTCOME_NAMES])
    table = summary(main)
    dom = retaliation_by_first(domino)
    history = compare_with_history(main) if outcome is None and first is None and any(p.history for p in w.partners) else None
    if plot is not None:
        from dealspace.world.charts import save_world_chart

        save_world_chart(main, dom, plot, first=bellwether)
    settings = {"world": w.name, "runs": runs, "seed": seed, "order": order, "first": first, "outcome": outcome, "bellwether": bellwether, "exact": exact}
    if json_out:
        out: dict[str, Any] = {"settings": settings, "partners": _records(table), "domino": _records(dom)}
        if history is not None:
            out["history"] = _records(history.drop(columns=["settle_turn"]))
            out["history_summary"] = dict(history.attrs)
        print_json(out)
        return
    head = f"first {first}" + (f", outcome forced to '{outcome}'" if outcome else "") if first else "no partner forced first"
    console.print(f"[bold]{w.name}[/]: {len(w.partners)} partners, {runs} runs, seed {seed}, order '{order}', {head}.", highlight=False)
    print_frame(table, f"Partners — shares of runs ending in each move ({'outcome ' + repr(outcome) if outcome else 'unforced'})", PARTNER_COLUMNS)
    print_frame(dom, f"Domino — P(retaliate) after {bellwether}'s outcome ({runs} runs each, same seeds)", {c: c for c in dom.columns})
    if history is not None:
        cols = {"history": "2025", "date": "date", "model": "model", "p_history": "P(2025)", "hit": "hit", "settle_rank_history": "order 2025", "settle_rank_model": "order model"}
        print_frame(history, f"Model vs 2025 (order '{order}')", cols)
        console.print(f"hits {history['hit'].sum()}/{len(history)}; settlement order rank correlation {history.attrs['rank_correlation']:.2f}", highlight=False)
    if plot is not None:
        console.print(f"chart written to {plot}", highlight=False)


def run_experiments(
    w: World,
    experiments: dict[str, dict[str, Any]],
    runs: int,
    seed: int,
    scheduler: str | None = None,
    workers: int | None = None,
    exact: bool = False,
    progress: bool = True,
) -> dict[str, WorldResult]:
    """Run named experiments with :func:`dealspace.process.sweep.run_grid`, chunked; results pooled per experiment.

    Every run has its own seed (``SeedSequence(seed, spawn_key=(run,))``), so
    the results do not depend on the scheduler or the chunking.
    """
    from dealspace.process.sweep import run_grid
    from dealspace.world.model import combine, run_task

    total = runs * len(experiments)
    local = scheduler is None and total <= LOCAL_LIMIT
    chunks = 1 if local else max(1, math.ceil(runs / 250))
    size = math.ceil(runs / chunks)
    tasks = []
    for name, options in experiments.items():
        for start in range(0, runs, size):
            tasks.append({"world": w, "runs": min(size, runs - start), "seed": seed, "run_offset": start, "exact": exact, **options, "_name": name})
    names = [t.pop("_name") for t in tasks]
    parts = run_grid(run_task, tasks, scheduler="sync" if local else scheduler, workers=workers, progress=progress and not local, description="world")
    return {name: combine([p for n, p in zip(names, parts, strict=True) if n == name]) for name in experiments}


def print_frame(frame: pd.DataFrame, title: str, columns: dict[str, str], out: Console | None = None) -> None:
    """A DataFrame as a rich table (index first; numbers to 2 decimals)."""
    table = Table(title=title, title_justify="left")
    table.add_column(str(frame.index.name or ""), no_wrap=True)
    for label in columns.values():
        table.add_column(label, justify="right", no_wrap=True)
    for key, row in frame.iterrows():
        table.add_row(str(key), *(_fmt(row[c]) for c in columns))
    (out or console).print(table)


def _fmt(value: Any) -> str:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "—" if math.isnan(value) else f"{value:.2f}"
    return str(value)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    data = frame.reset_index()
    records = data.astype(object).where(data.notna(), None).to_dict(orient="records")  # NaN is not JSON
    return [{str(k): v for k, v in r.items()} for r in records]


def world_summary(out: Console, runs: int = 100, seed: int = 0) -> None:
    """Compact tables for ``dealspace analyze``: the domino after Japan's outcome, and the first-mover payoff.

    Uses the built-in world-2025 in the order of stakes; a few seconds.
    """
    from dataclasses import replace

    from dealspace.world import domino, first_mover, load_world, metrics, retaliation_by_first

    w = load_world("world-2025")
    table = w.payoff_table()
    dom = domino(w, "JPN", runs, seed, order="stakes", table=table)
    by_first = retaliation_by_first(dom).loc["mean"]
    rows = Table(title=f"The wider world — after Japan's outcome ({runs} runs each)", title_justify="left")
    for col in ("Japan's outcome", "P(retaliate), others", "P(bloc)", "P(settle)", "mean payoff"):
        rows.add_column(col, justify="right" if col != "Japan's outcome" else "left")
    for o in OUTCOME_NAMES:
        part = dom.partners[(dom.partners["first_outcome"] == o) & (dom.partners["partner"] != "JPN")]
        m = metrics(replace(dom, partners=part))
        rows.add_row(o, f"{by_first[o]:.2f}", f"{m['bloc']:.2f}", f"{m['settle']:.2f}", f"{m['payoff']:.3f}")
    out.print(rows)
    fm = first_mover(w, max(10, runs // 5), seed, order="stakes", table=table)
    adv = fm["advantage"]
    best, worst = str(adv.idxmax()), str(adv.idxmin())
    out.print(
        f"First mover (each partner first vs last, same seeds): mean advantage {adv.mean():+.3f} welfare points; "
        f"largest {best} {adv.max():+.3f}, smallest {worst} {adv.min():+.3f}.",
        highlight=False,
    )

