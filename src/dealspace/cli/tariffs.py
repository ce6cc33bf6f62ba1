"""The ``tariffs`` command: welfare and trade effects of US tariff settings (GE model)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from dealspace.cli._app import app, console, friendly, print_json
from dealspace.errors import DealspaceError, did_you_mean
from dealspace.present.plotting import pyplot

if TYPE_CHECKING:
    import pandas as pd

# The model (numpy, pandas, scipy) is imported when the command runs, so that
# `dealspace --help` stays fast; tests check that these names match the model's.
PRESET_HELP = (
    "Tariff setting: 'liberation-day' (US rates announced on 2 April 2025, floored at 10 %, EU 20 %, as in the study), "
    "'us-japan-deal' (the same, Japan at 15 %), 'deals-2025' (2025 deal rates where a deal is recorded), "
    "'optimal-us' (the closed-form optimal uniform US tariff, the study's case 3)."
)
COLUMNS = {
    "welfare_pct": "welfare",
    "price_index_pct": "prices",
    "employment_pct": "employ.",
    "exports_gdp_pct": "exp/GDP",
    "imports_gdp_pct": "imp/GDP",
    "deficit_pct": "deficit",
}
HOME = "USA"


def _choice(value: str, choices: tuple[str, ...] | dict[str, str], option: str) -> str:
    if value not in choices:
        raise DealspaceError.single(option, f"unknown value {value!r}", did_you_mean(value, choices))
    return value


def _check_output(out: Path, data: Path | None, option: str) -> None:
    """Refuse to write over an input file (the embedded data's, when ``data`` is None)."""
    if data is None:
        data = Path(__file__).resolve().parents[1] / "economy" / "data"
    if not data.exists():
        return
    inputs = [p for p in data.iterdir() if p.is_file()] if data.is_dir() else [data]
    target = out.resolve()
    if any(target == p.resolve() for p in inputs):
        raise DealspaceError.single(option, f"{out} is one of the input files", "write the output to another path")


@app.command()
@friendly
def tariffs(
    preset: Annotated[str, typer.Option(help=PRESET_HELP)] = "liberation-day",
    retaliation: Annotated[str, typer.Option(help="Partners' response to the US: 'none', 'reciprocal' (each levies on US goods the rate the US levies on it) or 'optimal' (the closed-form optimal tariff of the rest of the world).")] = "none",
    data: Annotated[Path | None, typer.Option(help="The study's data folder (with trade_cepii.csv), a folder with trade.csv/.parquet (exporter, importer, value) and gdp.csv (iso3, gdp), or one trade file with domestic flows. Default: the embedded data (14 regions: BACI 2023; Taiwan from OECD ICIO 2022).")] = None,
    revenue: Annotated[str, typer.Option(help="Use of tariff revenue: 'income-tax' (cuts income taxes) or 'lump-sum' (rebated).")] = "income-tax",
    csv: Annotated[Path | None, typer.Option(help="Write every region's results to this CSV file.")] = None,
    plot: Annotated[Path | None, typer.Option(help="Write a bar chart of welfare changes to this image file (.png, .svg, .pdf).")] = None,
    top: Annotated[int, typer.Option(help="Rows to print, largest |welfare| first (0 = all).")] = 25,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Solve the general-equilibrium tariff model for a US tariff setting.

    The model is the one-sector model of Ignatenko, Lashkaripour, Macedoni and
    Simonovska (2025, JIE 157:104138): CES trade with elasticity 4, deficits
    fixed as a share of world income, local distribution, endogenous
    pass-through, elastic labour and scale economies. Changes are relative to
    the 2023 baseline. The 'non-US average' weights regions by expenditure.

    Reproduce the study's Table 1 with --data ../shared/data/ge/ignatenko2025_liberation_day
    and --preset liberation-day (case 1), plus --revenue lump-sum (case 2),
    or --preset optimal-us (case 3).
    """
    import numpy as np

    from dealspace.economy import (
        PRESETS,
        RETALIATION,
        ModelParams,
        load_data,
        preset_tariffs,
        retaliate,
        solve,
    )
    from dealspace.economy.gravity import REVENUE_USES

    _choice(preset, PRESETS, "--preset")
    _choice(retaliation, RETALIATION, "--retaliation")
    _choice(revenue, REVENUE_USES, "--revenue")
    for out, option in ((csv, "--csv"), (plot, "--plot")):
        if out is not None:
            _check_output(out, data, option)
    economy = load_data(data)
    params = ModelParams(revenue_use=revenue)
    new = retaliate(economy, preset_tariffs(preset, economy, params), retaliation, params=params)
    start = time.perf_counter()
    eq = solve(economy, new, params)
    seconds = time.perf_counter() - start
    frame = eq.to_frame()
    frame = frame.iloc[np.argsort(-frame["welfare_pct"].abs().to_numpy(), kind="stable")].reset_index(drop=True)
    averages = {c: eq.weighted_mean(c, exclude=(HOME,)) for c in COLUMNS}
    us = frame.loc[frame["iso3"] == HOME].iloc[0]
    meta = {
        "preset": preset,
        "retaliation": retaliation,
        "revenue": revenue,
        "regions": economy.n,
        "source": economy.source,
        "us_tariff_revenue_pct_of_expenditure": float(us["tariff_revenue_pct"]),
        "newton_iterations": eq.iterations,
        "seconds": seconds,
    }
    if csv is not None:
        frame.to_csv(csv, index=False)
    if plot is not None:
        _plot(frame, plot, f"{preset}, retaliation {retaliation}, revenue {revenue}")
    if json_out:
        rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")  # NaN is not JSON
        print_json({"meta": meta, "non_us_average": averages, "regions": rows})
        return
    shown = frame if top <= 0 else frame.head(top)
    table = Table(title=f"Changes in % — preset '{preset}', retaliation '{retaliation}', revenue '{revenue}'")
    table.add_column("region", no_wrap=True, min_width=7)
    for label in COLUMNS.values():
        table.add_column(label, justify="right", no_wrap=True, min_width=7)
    for _, row in shown.iterrows():
        table.add_row(str(row["iso3"]), *(_fmt(row[c], c) for c in COLUMNS))
    table.add_section()
    table.add_row("non-US", *(_fmt(averages[c], c) for c in COLUMNS), style="bold")
    console.print(table)
    console.print("non-US: expenditure-weighted average of the other regions; exp/imp: exports/imports over GDP.", highlight=False)
    more = "" if top <= 0 or economy.n <= top else f" ({economy.n - top} more regions: --top 0 or --csv)"
    console.print(
        f"{economy.n} regions{more}. US tariff revenue {meta['us_tariff_revenue_pct_of_expenditure']:.2f} % of expenditure. "
        f"Solved in {eq.iterations} Newton steps, {1000 * seconds:.0f} ms. Data: {economy.source}",
        highlight=False,
    )


def _fmt(value: float, column: str) -> str:
    if value != value or abs(value) == float("inf"):
        return "–"
    return f"{value:.2f}" if column in ("welfare_pct", "employment_pct") else f"{value:.1f}"


def _plot(frame: pd.DataFrame, path: Path, title: str) -> None:
    plt = pyplot()

    shown = frame.head(40).sort_values("welfare_pct")
    fig, ax = plt.subplots(figsize=(8, max(3.0, 0.25 * len(shown) + 1)))
    colours = ["#b2182b" if v < 0 else "#2166ac" for v in shown["welfare_pct"]]
    ax.barh(shown["iso3"], shown["welfare_pct"], color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel("welfare change (%)")
    ax.set_title(title + ("" if len(frame) <= 40 else " — 40 largest effects"), fontsize=9)
    fig.tight_layout()
    try:
        fig.savefig(path)
    except (OSError, ValueError) as err:
        raise DealspaceError.single("--plot", f"cannot write {path}: {err}", "use a writable path ending in .png, .svg or .pdf") from None
    finally:
        plt.close(fig)
