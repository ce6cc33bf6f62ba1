"""Process commands: ``simulate``, ``compare-protocols``, ``sweep``.

``process_summary(console, scenario)`` prints the compact compare-protocols
table used by ``dealspace analyze``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dealspace.cli._app import app, console, friendly, print_json
from dealspace.errors import DealspaceError
from dealspace.present.plotting import pyplot
from dealspace.process.compare import (
    COLUMNS,
    LABELS,
    ProcessSettings,
    ProtocolComparison,
    compare_protocols,
    total_runs,
)
from dealspace.space import compile

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.process.montecarlo import MonteCarloResult
    from dealspace.process.simulate import Run

Source = Annotated[
    str,
    typer.Argument(help="A built-in scenario name (see `dealspace scenarios`) or a scenario file."),
]

def _refuse_existing(path: Path, overwrite: bool) -> None:
    if path.exists() and not overwrite:
        raise DealspaceError.single(str(path), "the file exists", "choose another path or pass --overwrite")


def _parties(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [p.strip() for p in value.split(",") if p.strip()]


# ------------------------------------------------------------------ simulate


@app.command()
@friendly
def simulate(
    source: Source = "us-japan-2025",
    protocol: Annotated[str, typer.Option("--protocol", "-p", help="alternating, sequential, sequential-negotiated, sequential-blocks, silos, snt.")] = "alternating",
    strategies: Annotated[str, typer.Option("--strategies", "-s", help="Two strategies, e.g. boulware,linear.")] = "linear,linear",
    runs: Annotated[int, typer.Option("--runs", "-n", help="Monte Carlo runs (1 = one run with its outcome).")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Master seed.")] = 0,
    deadline: Annotated[int, typer.Option("--deadline", help="Rounds available.")] = 100,
    discount: Annotated[float, typer.Option("--discount", help="Per-round discount factor in (0, 1].")] = 1.0,
    hazard: Annotated[float, typer.Option("--hazard", help="Per-round breakdown probability in [0, 1).")] = 0.0,
    noise: Annotated[float, typer.Option("--noise", help="σ of each side's estimate of the other's valuation.")] = 0.0,
    status_quo_cost: Annotated[float, typer.Option("--status-quo-cost", help="Running cost of the status quo per round (points).")] = 0.0,
    uncertainty_cost: Annotated[float, typer.Option("--uncertainty-cost", help="Cost of uncertainty per round (points).")] = 0.0,
    parties: Annotated[str | None, typer.Option("--parties", help="Two parties of a larger scenario, e.g. us,japan.")] = None,
    trace: Annotated[bool, typer.Option("--trace", help="Show the offers and answers of one run (run 0).")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Simulate a negotiation: one run, or Monte Carlo runs with a summary."""
    from dealspace.process.montecarlo import monte_carlo
    from dealspace.process.simulate import simulate as run_one

    if runs < 1:
        raise DealspaceError.single("--runs", f"runs is {runs}", "use a whole number ≥ 1")
    if seed < 0:
        raise DealspaceError.single("--seed", f"the seed is {seed}", "use a whole number ≥ 0")
    settings: dict[str, Any] = dict(
        deadline=deadline, discount=discount, hazard=hazard, noise=noise,
        status_quo_cost=status_quo_cost, uncertainty_cost=uncertainty_cost, parties=_parties(parties),
    )
    first = np.random.SeedSequence(seed).spawn(1)[0]  # = run 0 of a Monte Carlo batch
    if runs == 1:
        single = run_one(source, protocol, strategies, seed=first, **settings)
        if json_out:
            one = single.to_dict()
            if not trace:
                one.pop("trace")
            print_json(one)
            return
        print_run(console, single)
        if trace:
            print_trace(console, single)
        return
    result = _with_progress(
        lambda tick: monte_carlo(source, [protocol], [strategies], runs=runs, seed=seed, progress=tick, **settings),
        runs,
        "simulating",
        show=not json_out,
    )
    run = run_one(source, protocol, strategies, seed=first, **settings) if trace else None
    if json_out:
        data: dict[str, Any] = {"settings": result.settings, "summary": _records(result.summary)}
        if run is not None:
            data["run_0"] = run.to_dict()
        print_json(data)
        return
    print_summary(console, result)
    if run is not None:
        console.print("[bold]Run 0[/]", highlight=False)
        print_run(console, run)
        print_trace(console, run)


def _with_progress(job: Any, total: int, label: str, show: bool = True) -> Any:
    if not show:
        return job(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        return job(lambda n: bar.advance(task, n))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({str(k): (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()})
    return out


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    return f"{x:.{digits}f}"


def print_run(out: Console, run: Run) -> None:
    """One run's outcome: agreement, round, utilities, realised values, bindings."""
    if run.agreement:
        head = f"[green]agreement[/] in round {run.round}"
    elif run.breakdown:
        head = f"[red]breakdown[/] at round {run.breakdown_round}"
    else:
        head = "[yellow]no complete agreement[/] by the deadline"
    out.print(
        f"{run.protocol} · {run.strategies[0]} vs {run.strategies[1]} · {head} · "
        f"{len(run.bindings)} binding part(s)",
        highlight=False,
    )
    table = Table(title="Outcome (utility points)")
    for col in ("party", "utility", "realised value", "strategy"):
        table.add_column(col, justify="left" if col in ("party", "strategy") else "right")
    for p, party in enumerate(run.parties):
        table.add_row(party, _fmt(run.utilities[party]), _fmt(run.value[party]), run.strategies[p])
    out.print(table)
    if run.bindings:
        b = Table(title="Binding parts")
        for col in ("round", "unit", "package", *(f"gain:{p}" for p in run.parties)):
            b.add_column(col)
        for item in run.bindings:
            pkg = ", ".join(f"{k}={v}" for k, v in item.package.items())
            b.add_row(str(item.round), item.unit, pkg, *(_fmt(item.gains[p]) for p in run.parties))
        out.print(b)
    out.print(
        f"distance to the Pareto frontier {_fmt(run.distance_to_frontier, 3)}, "
        f"to the Nash package {_fmt(run.distance_to_nash, 3)} (normalised utilities)",
        highlight=False,
    )


def print_trace(out: Console, run: Run, limit: int = 400) -> None:
    """The offers, answers and bindings of a run."""
    table = Table(title=f"Trace ({len(run.trace)} events)")
    for col in ("round", "track", "event", "party", *(f"u:{p}" for p in run.parties), "note"):
        table.add_column(col, justify="right" if col.startswith("u:") or col == "round" else "left")
    for e in run.trace[:limit]:
        utils = e.utilities or (None,) * len(run.parties)
        table.add_row(str(e.round), e.track, e.kind, e.party or "", *(_fmt(u) for u in utils), e.note)
    out.print(table)
    if len(run.trace) > limit:
        out.print(f"… {len(run.trace) - limit} more events (use --json for all)")


def print_summary(out: Console, result: MonteCarloResult) -> None:
    """The Monte Carlo summary: one row per protocol and strategy pair."""
    parties = result.parties
    table = Table(title=f"{result.settings['runs']} runs per row")
    cols = ["protocol", "strategies", "complete", "any deal", "breakdown", "round", *(f"value:{p}" for p in parties),
            "to Nash"]
    for col in cols:
        table.add_column(col, justify="left" if col in ("protocol", "strategies") else "right")
    for row in result.summary.to_dict(orient="records"):
        table.add_row(
            str(row["protocol"]),
            str(row["strategies"]),
            f"{row['agreement_rate']:.1%}",
            f"{row['deal_rate']:.1%}",
            f"{row['breakdown_rate']:.1%}",
            _fmt(row["round_mean"], 1),
            *(_fmt(row[f"value:{p}_mean"]) for p in parties),
            _fmt(row["dist_nash_mean"], 3),
        )
    out.print(table)
    out.print(
        "round = mean round of complete agreements; value = realised value (mean; discounted, net of costs, "
        "BATNA included); p10/p50/p90 with --json.",
        style="dim",
        highlight=False,
    )


# ------------------------------------------------------------------ compare


def print_compare(out: Console, comparison: ProtocolComparison, title: str) -> None:
    """The per-protocol table, then what each protocol name and column means."""
    parties = comparison.parties
    t = Table(title=escape(title))
    cols = ["protocol", "complete", "any deal", "breakdown", "last bind", *(f"gain:{p}" for p in parties),
            "joint", "to Nash"]
    for col in cols:
        t.add_column(escape(col), justify="left" if col == "protocol" else "right")
    for r in comparison.rows:
        t.add_row(
            r["protocol"],
            f"{r['agreement_rate']:.0%}",
            f"{r['deal_rate']:.0%}",
            f"{r['breakdown_rate']:.0%}",
            _fmt(r["last_binding_mean"], 1),
            *(_fmt(r[f"gain:{p}_mean"]) for p in parties),
            _fmt(r["joint_gain_mean"]),
            _fmt(r["dist_nash_mean"], 3),
        )
    out.print(t)
    legend = "; ".join(f"{r['protocol']}: {LABELS.get(r['protocol'], r['protocol'])}" for r in comparison.rows)
    out.print(
        f"{legend}. complete = {COLUMNS['agreement_rate']}; any deal = {COLUMNS['deal_rate']}; "
        f"breakdown = {COLUMNS['breakdown_rate']}; gain = {COLUMNS['gain:<party>_mean']}; "
        f"last bind = {COLUMNS['last_binding_mean']}; to Nash = {COLUMNS['dist_nash_mean']}.",
        style="dim",
        highlight=False,
        markup=False,
    )
    if comparison.verdict:
        out.print(comparison.verdict, highlight=False, markup=False)


def plot_compare(comparison: ProtocolComparison, path: Path) -> None:
    """Bar chart: mean realised gain per party by protocol (p10–p90 whiskers),
    and deal / breakdown rates."""
    plt = pyplot()

    result = comparison.detail
    table = comparison.to_frame().reset_index()
    parties = result.parties
    protos = list(table["protocol"])
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / len(parties)
    x = np.arange(len(protos))
    for k, p in enumerate(parties):
        g = result.runs.groupby("protocol", sort=False)[f"gain:{p}"]
        mean = g.mean().reindex(protos).to_numpy()
        lo = g.quantile(0.1).reindex(protos).to_numpy()
        hi = g.quantile(0.9).reindex(protos).to_numpy()
        ax.bar(x + k * width, mean, width, label=p, yerr=[mean - lo, hi - mean], capsize=3)
    ax.set_xticks(x + width * (len(parties) - 1) / 2, protos, rotation=20, ha="right")
    ax.set_ylabel("realised gain over BATNA (points)")
    ax.set_title("Realised gain by protocol (mean, p10–p90)")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.legend()
    ax2.bar(x - 0.2, table["deal_rate"], 0.4, label="any deal")
    ax2.bar(x + 0.2, table["breakdown_rate"], 0.4, label="breakdown")
    ax2.set_xticks(x, protos, rotation=20, ha="right")
    ax2.set_ylim(0, 1)
    ax2.set_title("Deal and breakdown rates")
    ax2.legend()
    s = result.settings
    fig.suptitle(
        f"Single undertaking or early harvests? δ={s['discount']:g}, hazard={s['hazard']:g}, "
        f"noise={s['noise']:g}, {s['runs']} runs × {len(set(result.runs['strategies']))} strategy pairs"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


@app.command("compare-protocols")
@friendly
def compare_protocols_command(
    source: Source = "us-japan-2025",
    runs: Annotated[int, typer.Option("--runs", "-n", help="Runs per protocol and strategy pair.")] = 500,
    seed: Annotated[int, typer.Option("--seed", help="Master seed.")] = 0,
    deadline: Annotated[int, typer.Option("--deadline", help="Rounds available.")] = 100,
    discount: Annotated[float, typer.Option("--discount", help="Per-round discount factor.")] = 0.99,
    hazard: Annotated[float, typer.Option("--hazard", help="Per-round breakdown probability.")] = 0.01,
    noise: Annotated[float, typer.Option("--noise", help="σ of each side's estimate of the other's valuation.")] = 0.1,
    plot: Annotated[Path | None, typer.Option("--plot", help="Write a chart (PNG, SVG or PDF).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing --plot file.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Single undertaking or early harvests? Every protocol against a panel of strategy pairs."""
    from dealspace.scenario import load_scenario

    if plot is not None:
        _refuse_existing(plot, overwrite)
        if plot.suffix.lower() not in (".png", ".svg", ".pdf"):
            raise DealspaceError.single("--plot", f"{plot} is not .png, .svg or .pdf", "choose one of these")
    if runs < 1:
        raise DealspaceError.single("--runs", f"runs is {runs}", "use a whole number ≥ 1")
    scenario = load_scenario(source)
    settings = ProcessSettings(runs=runs, seed=seed, deadline=deadline, discount=discount, hazard=hazard, noise=noise)
    space = compile(scenario)
    comparison = _with_progress(
        lambda tick: compare_protocols(space, settings, progress=tick),
        total_runs(settings), "comparing protocols", show=not json_out,
    )
    if plot is not None:
        plot_compare(comparison, plot)
    if json_out:
        print_json(comparison.to_dict())
        return
    title = (
        f"{scenario.title or scenario.name}: protocols compared — {runs} runs × {len(settings.strategies)} strategy "
        f"pairs, δ={discount:g}, hazard={hazard:g}, noise={noise:g}"
    )
    print_compare(console, comparison, title)
    console.print(f"strategy pairs: {', '.join(settings.strategies)}", highlight=False, style="dim", markup=False)
    if plot is not None:
        console.print(f"wrote {plot}", markup=False)


# ------------------------------------------------------------------ sweep


@app.command("sweep")
@friendly
def sweep_command(
    grid: Annotated[Path, typer.Argument(help="A grid file (YAML); see docs/process.md.")],
    scenario: Annotated[str | None, typer.Option("--scenario", help="Scenario name or file (overrides the grid's).")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address, or processes / sync / dask.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Local worker processes.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the results to a Parquet file.")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing --out file.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run a parameter grid of process simulations (local processes or a Dask cluster)."""
    from dealspace.sweep import sweep

    frame = sweep(grid, scenario=scenario, scheduler=scheduler, workers=workers, out=out,
                  progress=not json_out, overwrite=overwrite)
    if json_out:
        print_json(_records(frame))
        return
    table = Table(title=f"Sweep: {len(frame)} cells")
    cols = ["protocol", "strategies", "discount", "hazard", "noise", "seed", "agreement_rate", "deal_rate",
            "joint_gain_mean"]
    for col in cols:
        table.add_column(col, justify="left" if col in ("protocol", "strategies") else "right")
    for row in frame.head(50).to_dict(orient="records"):
        table.add_row(*(f"{row[c]:.3g}" if isinstance(row[c], float) else str(row[c]) for c in cols))
    console.print(table)
    if len(frame) > 50:
        console.print(f"… {len(frame) - 50} more cells (use --out or --json)")
    if out is not None:
        console.print(f"wrote {out}")
