"""Process commands: ``simulate``, ``compare-protocols``, ``sweep``.

``print_comparison(console, comparison)`` renders a protocol comparison (also for
table used by ``dealspace analyze``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from dealspace.cli._app import app, console, friendly, print_json
from dealspace.cli._bounds import bound
from dealspace.cli._scheduler import connected
from dealspace.errors import DealspaceError, Problem
from dealspace.files import atomic_output, check_output
from dealspace.present.plotting import pyplot

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.process.calendar import Calendar
    from dealspace.process.compare import ProcessSettings, ProtocolComparison
    from dealspace.process.montecarlo import MonteCarloResult
    from dealspace.process.simulate import Run

Source = Annotated[
    str,
    typer.Argument(help="A built-in scenario name (see `dealspace scenarios`) or a scenario file."),
]
#: Chart files: the formats offered for --plot.
CHART_SUFFIXES = (".png", ".svg", ".pdf")

# The calendar options `simulate` and `compare-protocols` share.
Start = Annotated[
    str | None,
    typer.Option(
        "--start", help="First day of the talks, YYYY-MM-DD (default: the scenario's date)."
    ),
]
End = Annotated[
    str | None,
    typer.Option("--end", help="Day the talks must end by (default: start + --weeks)."),
]
Unit = Annotated[
    str,
    typer.Option("--unit", help="week or day: the unit of --every, --hazard and --delay-cost."),
]
Hazard = Annotated[
    str,
    typer.Option(
        "--hazard",
        help="Breakdown hazard per party per unit of time: 0.0025 or us=0.002,japan=0.004.",
    ),
]
DelayCost = Annotated[
    str,
    typer.Option(
        "--delay-cost",
        help="Political cost of delay, points per unit of time: 0.1 or us=0.02,japan=0.28 (on top of the GE-priced tariffs).",
    ),
]
TariffCost = Annotated[
    bool,
    typer.Option(
        "--tariff-cost/--no-tariff-cost",
        help="Price the tariffs in force with the economy model.",
    ),
]


F = TypeVar("F", bound=Callable[..., Any])


def parties_option(func: F) -> F:
    """Name the ``--parties`` option (not the Python argument) when a scenario
    has more than two parties."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DealspaceError as err:
            if [p.where for p in err.problems] != ["parties"]:
                raise
            what = err.problems[0].what
            fix = "choose two with --parties a,b (the others' red lines still apply)"
            raise DealspaceError([Problem("--parties", what, fix)], err.source) from None

    return wrapper  # type: ignore[return-value]


def _parties(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [p.strip() for p in value.split(",") if p.strip()]


# ------------------------------------------------------------------ simulate


@app.command()
@friendly
@parties_option
def simulate(
    source: Source = "us-japan-2025",
    protocol: Annotated[
        str,
        typer.Option(
            "--protocol",
            "-p",
            help="alternating, sequential, sequential-negotiated, sequential-blocks, silos, snt.",
        ),
    ] = "alternating",
    strategies: Annotated[
        str, typer.Option("--strategies", "-s", help="Two strategies, e.g. boulware,linear.")
    ] = "linear,linear",
    runs: Annotated[
        int,
        typer.Option(
            "--runs",
            "-n",
            **bound("simulate", "--runs"),
            help="Monte Carlo runs (1 = one run with its outcome).",
        ),
    ] = 1,
    seed: Annotated[
        int, typer.Option("--seed", **bound("simulate", "--seed"), help="Master seed.")
    ] = 0,
    start: Start = None,
    end: End = None,
    weeks: Annotated[
        float,
        typer.Option(
            "--weeks",
            **bound("simulate", "--weeks"),
            help="Length of the talks in weeks when --end is not given.",
        ),
    ] = 52.0,
    every: Annotated[
        float,
        typer.Option(
            "--every",
            **bound("simulate", "--every"),
            help="Time between rounds, in --unit (the pace).",
        ),
    ] = 2.0,
    unit: Unit = "week",
    hazard: Hazard = "0.0025",
    delay_cost: DelayCost = "0",
    tariff_cost: TariffCost = True,
    discount: Annotated[
        float,
        typer.Option(
            "--discount",
            **bound("simulate", "--discount"),
            help="Discount factor per year, in (0, 1].",
        ),
    ] = 1.0,
    noise: Annotated[
        float,
        typer.Option(
            "--noise",
            **bound("simulate", "--noise"),
            help="σ of each side's estimate of the other's valuation.",
        ),
    ] = 0.1,
    parties: Annotated[
        str | None,
        typer.Option("--parties", help="Two parties of a larger scenario, e.g. us,japan."),
    ] = None,
    trace: Annotated[
        bool, typer.Option("--trace", help="Show the offers and answers of one run (run 0).")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    deadline: Annotated[str | None, typer.Option("--deadline", hidden=True)] = None,
    status_quo_cost: Annotated[str | None, typer.Option("--status-quo-cost", hidden=True)] = None,
    uncertainty_cost: Annotated[str | None, typer.Option("--uncertainty-cost", hidden=True)] = None,
) -> None:
    """Simulate a negotiation on a calendar: one run, or Monte Carlo runs with a summary.

    The talks run as in `compare-protocols`: from --start for --weeks, one round
    every --every weeks (or days), with hazards and delay costs per unit of time.
    """
    from dealspace.process.montecarlo import monte_carlo
    from dealspace.process.simulate import simulate as run_one

    _refuse_rounds(deadline, status_quo_cost, uncertainty_cost, every, unit)
    settings = settings_from_options(
        runs=runs,
        seed=seed,
        start=start,
        end=end,
        weeks=weeks,
        every=every,
        unit=unit,
        hazard=hazard,
        delay_cost=delay_cost,
        tariff_cost=tariff_cost,
        discount=discount,
        noise=noise,
        parties=parties,
        sensitivity=False,
    )
    first = np.random.SeedSequence(seed).spawn(1)[0]  # = run 0 of a Monte Carlo batch
    if runs == 1:
        single = run_one(source, protocol, strategies, seed=first, settings=settings)
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
        lambda tick: monte_carlo(
            source, [protocol], [strategies], runs=runs, seed=seed, progress=tick, settings=settings
        ),
        runs,
        "simulating",
        show=not json_out,
    )
    run = run_one(source, protocol, strategies, seed=first, settings=settings) if trace else None
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


def _refuse_rounds(
    deadline: str | None,
    status_quo_cost: str | None,
    uncertainty_cost: str | None,
    every: float,
    unit: str,
) -> None:
    """The round-based options of earlier versions, each mapped to its calendar option."""
    if deadline is not None:
        try:
            rounds = float(deadline)
            pace = every if unit == "week" else every / 7
            hint = f"--deadline {deadline} rounds at one round every {every:g} {unit}s is --weeks {rounds * pace:g}"
        except ValueError:
            hint = "e.g. 26 rounds at one round a fortnight is --weeks 52"
        raise DealspaceError.single(
            "--deadline",
            "simulate now runs on a calendar: the deadline is the length of the talks, "
            "--weeks (or --end YYYY-MM-DD), and --every sets the pace",
            hint,
        )
    if status_quo_cost is not None:
        raise DealspaceError.single(
            "--status-quo-cost",
            "the cost of the tariffs in force is now priced per week by the economy model",
            "use --tariff-cost (on by default when the scenario allows it) and --delay-cost for a "
            "political cost per week",
        )
    if uncertainty_cost is not None:
        raise DealspaceError.single(
            "--uncertainty-cost",
            "the running cost of the talks is now --delay-cost, in points per --unit of time",
            "e.g. --delay-cost 0.1 or --delay-cost us=0.02,japan=0.28",
        )


def _with_progress(job: Any, total: int, label: str, show: bool = True) -> Any:
    if not show:
        return job(None)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=total)
        return job(lambda n: bar.advance(task, n))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append(
            {
                str(k): (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in row.items()
            }
        )
    return out


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    return f"{x:.{digits}f}"


def print_run(out: Console, run: Run) -> None:
    """One run's outcome: agreement, round, utilities, realised values, bindings."""
    if run.agreement:
        head = f"[green]agreement[/] in round {run.round}{_when(run, run.round)}"
    elif run.breakdown:
        head = f"[red]breakdown[/] at round {run.breakdown_round}{_when(run, run.breakdown_round)}"
    else:
        head = "[yellow]no complete agreement[/] by the deadline"
    out.print(
        f"{escape(run.protocol)} · {escape(run.strategies[0])} vs {escape(run.strategies[1])} · {head} · "
        f"{len(run.bindings)} binding part(s)",
        highlight=False,
    )
    table = Table(title="Outcome (utility points)")
    for col in ("party", "utility", "realised value", "strategy"):
        table.add_column(col, justify="left" if col in ("party", "strategy") else "right")
    for p, party in enumerate(run.parties):
        table.add_row(
            escape(party),
            _fmt(run.utilities[party]),
            _fmt(run.value[party]),
            escape(run.strategies[p]),
        )
    out.print(table)
    if run.bindings:
        b = Table(title="Binding parts")
        dated = run.calendar is not None
        for col in (
            "round",
            *(("week", "date") if dated else ()),
            "unit",
            "package",
            *(f"gain:{p}" for p in run.parties),
        ):
            b.add_column(escape(col))
        for item in run.bindings:
            pkg = ", ".join(f"{k}={v}" for k, v in item.package.items())
            when = (
                (_fmt(run.weeks_of(item.round), 1), str(run.date_of(item.round))) if dated else ()
            )
            b.add_row(
                str(item.round),
                *when,
                escape(item.unit),
                escape(pkg),
                *(_fmt(item.gains[p]) for p in run.parties),
            )
        out.print(b)
    out.print(
        f"distance to the Pareto frontier {_fmt(run.distance_to_frontier, 3)}, "
        f"to the Nash package {_fmt(run.distance_to_nash, 3)} (normalised utilities)",
        highlight=False,
    )
    _calendar_line(out, run.calendar)


def _when(run: Run, round: int | None) -> str:
    """`` (week 12, 2025-06-11)`` for a run on a calendar."""
    weeks = run.weeks_of(round)
    if weeks is None:
        return ""
    return f" (week {weeks:g}, {run.date_of(round)})"


def _calendar_line(out: Console, calendar: Calendar | None) -> None:
    if calendar is None:
        return
    out.print(
        f"calendar: one round every {calendar.every:g} {calendar.unit}s from {calendar.start} to "
        f"{calendar.end} ({calendar.rounds} rounds, {calendar.weeks:g} weeks); round r is held "
        f"r × {calendar.weeks_per_round:g} weeks after the start",
        style="dim",
        highlight=False,
        markup=False,
    )


def print_trace(out: Console, run: Run, limit: int = 400) -> None:
    """The offers, answers and bindings of a run."""
    table = Table(title=f"Trace ({len(run.trace)} events)")
    for col in ("round", "track", "event", "party", *(f"u:{p}" for p in run.parties), "note"):
        table.add_column(
            escape(col), justify="right" if col.startswith("u:") or col == "round" else "left"
        )
    for e in run.trace[:limit]:
        utils = e.utilities or (None,) * len(run.parties)
        table.add_row(
            str(e.round),
            escape(str(e.track)),
            escape(e.kind),
            escape(e.party or ""),
            *(_fmt(u) for u in utils),
            escape(e.note),
        )
    out.print(table)
    if len(run.trace) > limit:
        out.print(f"… {len(run.trace) - limit} more events (use --json for all)")


def print_summary(out: Console, result: MonteCarloResult) -> None:
    """The Monte Carlo summary: one row per protocol and strategy pair."""
    parties = result.parties
    table = Table(title=f"{result.settings['runs']} runs per row")
    cols = [
        "protocol",
        "strategies",
        "complete",
        "any deal",
        "breakdown",
        "round",
        *(f"value:{p}" for p in parties),
        "to Nash",
    ]
    dated = result.calendar is not None
    if dated:
        cols[cols.index("round") + 1 : cols.index("round") + 1] = ["weeks", "date (median)"]
    for col in cols:
        table.add_column(
            escape(col), justify="left" if col in ("protocol", "strategies") else "right"
        )
    for row in result.summary.to_dict(orient="records"):
        when = (
            (_fmt(row["agreement_weeks_mean"], 1), str(row["agreement_date_p50"] or "–"))
            if dated
            else ()
        )
        table.add_row(
            escape(str(row["protocol"])),
            escape(str(row["strategies"])),
            f"{row['agreement_rate']:.1%}",
            f"{row['deal_rate']:.1%}",
            f"{row['breakdown_rate']:.1%}",
            _fmt(row["round_mean"], 1),
            *when,
            *(_fmt(row[f"value:{p}_mean"]) for p in parties),
            _fmt(row["dist_nash_mean"], 3),
        )
    out.print(table)
    weeks = (
        "weeks = mean weeks from the start of the talks to a complete agreement (round × weeks per "
        "round); date (median) = the date of the median agreement; "
        if dated
        else ""
    )
    out.print(
        "complete = whole package agreed; any deal = complete or some parts bound; breakdown = the "
        "talks collapsed (overlaps the others); round = mean round of complete agreements; "
        + weeks
        + "value = realised value (mean; discounted, net of costs, BATNA included); p10/p50/p90 with --json.",
        style="dim",
        highlight=False,
        markup=False,
    )
    _calendar_line(out, result.calendar)


# ------------------------------------------------------------------ compare


def print_comparison(out: Console, cmp: ProtocolComparison, title: str | None = None) -> None:
    """The per-protocol table, the verdict with its conditions, the sensitivity
    table and the harvest units, every column defined under its table."""
    from dealspace.process.compare import LABELS

    parties = cmp.parties
    rows = cmp.table.to_dict(orient="records")
    t = Table(title=escape(title or f"{cmp.scenario}: protocols compared on one calendar"))
    cols = ["protocol", "complete", "partial", "none", "breakdown", "weeks"]
    for col in cols:
        t.add_column(Text(col), justify="left" if col == "protocol" else "right", no_wrap=True)
    for r in rows:
        t.add_row(
            Text(str(r["protocol"])), *(f"{r[c]:.0%}" for c in cols[1:5]), _fmt(r["weeks"], 1)
        )
    out.print(t)
    v = Table(title="Realised gains and delay costs (points)")
    vcols = [
        "protocol",
        *(f"gain:{p}" for p in parties),
        *(f"cost:{p}" for p in parties),
        "joint",
        "to_nash",
    ]
    for col in vcols:
        v.add_column(Text(col), justify="left" if col == "protocol" else "right", no_wrap=True)
    for r in rows:
        v.add_row(
            Text(str(r["protocol"])), *(_fmt(r[c]) for c in vcols[1:-1]), _fmt(r["to_nash"], 3)
        )
    out.print(v)
    cols = cols + vcols[1:]
    _legend(out, {k: val for k, val in cmp.columns("protocols").items() if k in cols})
    out.print(
        "protocols: "
        + "; ".join(f"{p}: {LABELS.get(str(p).split('[')[0], p)}" for p in cmp.table["protocol"]),
        style="dim",
        highlight=False,
        markup=False,
        emoji=False,
    )
    out.print(Text.assemble(("Verdict: ", "bold"), cmp.verdict.text))
    out.print(Text.assemble(("Conditions: ", "bold"), cmp.verdict.conditions))
    if cmp.tariff is not None:
        tr = cmp.tariff
        parts = [
            f"{p}: {tr.per_week[p]:.3g} points a week ≈ {tr.income_pct_per_week[p]:.2g} % of a year's real income "
            f"a week (welfare {tr.welfare_sq[p]:+.3f} % at the status quo, {tr.welfare_deal[p]:+.3f} % at the deal; "
            f"{tr.points_per_welfare_pct[p]:.3g} points per welfare %, {tr.exchange_basis[p]})"
            for p in parties
        ]
        out.print(Text("Tariffs in force (GE model): " + "; ".join(parts), style="dim"))
    if len(cmp.sensitivity):
        s = Table(title="Sensitivity: which protocol wins where (all joint gains: --json)")
        scols = ["hazard_x", "cost_x", "every", "winner", "margin", "single_minus_harvest"]
        for col in scols:
            s.add_column(Text(col), justify="left" if col == "winner" else "right", no_wrap=True)
        for r in cmp.sensitivity.to_dict(orient="records"):
            style = None if r["winner"] == cmp.verdict.winner else "yellow"
            s.add_row(
                f"×{r['hazard_x']:g}",
                f"×{r['cost_x']:g}",
                f"{r['every']:g}",
                Text(str(r["winner"])),
                _fmt(r["margin"]),
                _fmt(r.get("single_minus_harvest")),
                style=style,
            )
        out.print(s)
        _legend(out, {k: val for k, val in cmp.columns("sensitivity").items() if k in scols})
        out.print(
            "  rows in yellow: a different protocol ranks first than under the base settings",
            style="dim",
            highlight=False,
            markup=False,
        )
    if len(cmp.units):
        u = Table(title="Harvest units: what binding each first does")
        ucols = [
            "unit",
            "issues",
            "bindable",
            "valid",
            "early_value",
            *(f"cost:{p}" for p in parties),
        ]
        for col in ucols:
            u.add_column(Text(col), justify="left" if col in ("unit", "issues") else "right")
        for r in cmp.units.to_dict(orient="records"):
            u.add_row(
                escape(str(r["unit"])),
                escape(str(r["issues"])),
                "yes" if r["bindable"] else "no",
                "yes" if r["valid"] else "no",
                _fmt(r["early_value"]),
                *(_fmt(r[f"cost:{p}"]) for p in parties),
            )
        out.print(u)
        _legend(out, {k: v for k, v in cmp.columns("units").items() if k in ucols})


def _legend(out: Console, defs: dict[str, str]) -> None:
    out.print(
        "\n".join(f"  {k}: {v}" for k, v in defs.items()),
        style="dim",
        highlight=False,
        markup=False,
        emoji=False,
    )


def plot_compare(cmp: ProtocolComparison, path: Path) -> None:
    """Bar chart: mean realised gain per party by protocol, and the outcome shares."""
    plt = pyplot()

    table = cmp.table
    parties = cmp.parties
    protos = list(table["protocol"])
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / len(parties)
    x = np.arange(len(protos))
    for k, p in enumerate(parties):
        mean = table[f"gain:{p}"].to_numpy()
        lo = table[f"gain:{p}_p10"].to_numpy()
        ax.bar(
            x + k * width,
            mean,
            width,
            label=p,
            yerr=[np.maximum(mean - lo, 0), np.zeros_like(mean)],
            capsize=3,
        )
    ax.set_xticks(x + width * (len(parties) - 1) / 2, protos, rotation=20, ha="right")
    ax.set_ylabel("realised gain over BATNA (points)")
    ax.set_title("Realised gain by protocol (mean; whisker down to p10)")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.legend()
    bottom = np.zeros(len(protos))
    for col in ("complete", "partial", "none"):
        ax2.bar(x, table[col], 0.6, bottom=bottom, label=col)
        bottom += table[col].to_numpy()
    ax2.set_xticks(x, protos, rotation=20, ha="right")
    ax2.set_ylim(0, 1)
    ax2.set_title("Outcomes (shares of runs)")
    ax2.legend()
    cal = cmp.calendar
    fig.suptitle(
        f"{cmp.scenario}: {cmp.verdict.winner} wins — {cal.rounds} rounds, one every "
        f"{cal.every:g} {cal.unit}s from {cal.start}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def settings_from_options(**options: Any) -> ProcessSettings:
    """ProcessSettings from command-line options (None: the default)."""
    from dealspace.process.compare import ProcessSettings

    given = {k: v for k, v in options.items() if v is not None}
    if "parties" in given:
        given["parties"] = tuple(_parties(given["parties"]) or ())
    return ProcessSettings(**given)


@app.command("compare-protocols")
@friendly
@parties_option
def compare_protocols(
    source: Source = "us-japan-2025",
    runs: Annotated[
        int,
        typer.Option(
            "--runs",
            "-n",
            **bound("compare-protocols", "--runs"),
            help="Runs per protocol and strategy pair.",
        ),
    ] = 500,
    seed: Annotated[
        int, typer.Option("--seed", **bound("compare-protocols", "--seed"), help="Master seed.")
    ] = 0,
    start: Start = None,
    end: End = None,
    weeks: Annotated[
        float,
        typer.Option(
            "--weeks",
            **bound("compare-protocols", "--weeks"),
            help="Length of the talks in weeks when --end is not given.",
        ),
    ] = 52.0,
    every: Annotated[
        float,
        typer.Option(
            "--every",
            **bound("compare-protocols", "--every"),
            help="Time between rounds, in --unit (same pace in every protocol).",
        ),
    ] = 2.0,
    unit: Unit = "week",
    hazard: Hazard = "0.0025",
    delay_cost: DelayCost = "0",
    tariff_cost: TariffCost = True,
    points_per_welfare_pct: Annotated[
        float | None,
        typer.Option(
            "--points-per-welfare-pct",
            **bound("compare-protocols", "--points-per-welfare-pct"),
            help="Points per % of welfare (default: scenario, else implied by each party's valuation, else 10).",
        ),
    ] = None,
    valuation_years: Annotated[
        float,
        typer.Option(
            "--valuation-years",
            **bound("compare-protocols", "--valuation-years"),
            help="Years over which a package's value is counted (prices a week of delay).",
        ),
    ] = 4.0,
    discount: Annotated[
        float,
        typer.Option(
            "--discount",
            **bound("compare-protocols", "--discount"),
            help="Discount factor per year, in (0, 1].",
        ),
    ] = 1.0,
    noise: Annotated[
        float,
        typer.Option(
            "--noise",
            **bound("compare-protocols", "--noise"),
            help="σ of each side's estimate of the other's valuation.",
        ),
    ] = 0.1,
    parties: Annotated[
        str | None,
        typer.Option("--parties", help="Two parties of a larger scenario, e.g. us,japan."),
    ] = None,
    sensitivity: Annotated[
        bool, typer.Option("--sensitivity/--no-sensitivity", help="Compute the sensitivity table.")
    ] = True,
    sensitivity_runs: Annotated[
        int,
        typer.Option(
            "--sensitivity-runs",
            **bound("compare-protocols", "--sensitivity-runs"),
            help="Runs per pair in each sensitivity cell.",
        ),
    ] = 100,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write a chart (PNG, SVG or PDF).")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing --plot file.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Single undertaking or early harvests? Every protocol against a panel of strategy pairs, on one calendar."""
    from dealspace.process.compare import compare_protocols as run_compare
    from dealspace.process.simulate import deal_space
    from dealspace.scenario import load_scenario

    if plot is not None:
        check_output(plot, "--plot", overwrite=overwrite, inputs=(source,), suffixes=CHART_SUFFIXES)
    settings = settings_from_options(
        runs=runs,
        seed=seed,
        start=start,
        end=end,
        weeks=weeks,
        every=every,
        unit=unit,
        hazard=hazard,
        delay_cost=delay_cost,
        tariff_cost=tariff_cost,
        points_per_welfare_pct=points_per_welfare_pct,
        valuation_years=valuation_years,
        discount=discount,
        noise=noise,
        parties=parties,
        sensitivity=sensitivity,
        sensitivity_runs=sensitivity_runs,
    )
    scenario = load_scenario(source)
    space = deal_space(scenario, settings.parties)
    cells = len(settings.protocols) * len(settings.strategies)
    grid = (
        len(settings.paces) * len(settings.hazard_scales) * len(settings.cost_scales)
        if sensitivity
        else 0
    )
    total = cells * (runs + grid * sensitivity_runs)
    cmp = _with_progress(
        lambda tick: run_compare(space, settings, progress=tick),
        total,
        "comparing protocols",
        show=not json_out,
    )
    if plot is not None:
        with atomic_output(plot, "--plot", overwrite=overwrite, inputs=(source,)) as tmp:
            plot_compare(cmp, tmp)
    if json_out:
        print_json(cmp.to_dict())
        return
    print_comparison(
        console, cmp, f"{scenario.title or scenario.name}: protocols compared on one calendar"
    )
    console.print(
        f"strategy pairs: {', '.join(settings.strategies)}",
        highlight=False,
        style="dim",
        markup=False,
    )
    if plot is not None:
        console.print(f"wrote {escape(str(plot))}", highlight=False)


# ------------------------------------------------------------------ sweep


@app.command("sweep")
@friendly
def sweep_command(
    grid: Annotated[Path, typer.Argument(help="A grid file (YAML); see docs/process.md.")],
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Scenario name or file (overrides the grid's).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, or processes / sync / dask."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", **bound("sweep", "--workers"), help="Local worker processes."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the results to a Parquet file.")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing --out file.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run a grid of process simulations on calendar time (local processes or a Dask cluster).

    Grid keys as compare-protocols' options: weeks, every, unit, hazard, delay_cost, … (docs/process.md).
    """
    from dealspace.process.sweep import sweep

    inputs = (grid, scenario)
    if out is not None:
        check_output(out, "--out", overwrite=overwrite, inputs=inputs, suffixes=(".parquet", ".pq"))
    with connected(scheduler) as where:
        frame = sweep(
            grid,
            scenario=scenario,
            scheduler=where,
            workers=workers,
            progress=not json_out,
        )
    if out is not None:
        with atomic_output(out, "--out", overwrite=overwrite, inputs=inputs) as tmp:
            frame.to_parquet(tmp, index=False)
    if json_out:
        print_json(_records(frame))
        return
    table = Table(title=f"Sweep: {len(frame)} cells")
    cols = [
        "protocol",
        "strategies",
        "weeks",
        "every",
        "hazard",
        "delay_cost",
        "noise",
        "seed",
        "agreement_rate",
        "deal_rate",
        "agreement_weeks_mean",
        "joint_gain_mean",
    ]
    for col in cols:
        table.add_column(col, justify="left" if col in ("protocol", "strategies") else "right")
    for row in frame.head(50).to_dict(orient="records"):
        table.add_row(
            *(f"{row[c]:.3g}" if isinstance(row[c], float) else escape(str(row[c])) for c in cols)
        )
    console.print(table)
    unit = str(frame["unit"].iloc[0]) if len(frame) else "week"
    console.print(
        f"weeks = length of the talks; every = {unit}s between rounds; hazard and delay_cost per "
        f"{unit}; agreement_weeks_mean = mean weeks from the start to a complete agreement "
        "(rounds × weeks per round); every column with --json or --out.",
        style="dim",
        highlight=False,
        markup=False,
    )
    if len(frame) > 50:
        console.print(f"… {len(frame) - 50} more cells (use --out or --json)")
    if out is not None:
        console.print(f"wrote {escape(str(out))}", highlight=False)
