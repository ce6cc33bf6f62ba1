"""The ``tariffs`` command: welfare and trade effects of a tariff setting (GE model)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from dealspace.cli._app import app, console, friendly, print_json
from dealspace.cli._bounds import bound
from dealspace.errors import DealspaceError, did_you_mean, shorten
from dealspace.files import atomic_output, check_output
from dealspace.present.plotting import pyplot

if TYPE_CHECKING:
    import pandas as pd

# The model (numpy, pandas, scipy) is imported when the command runs, so that
# `dealspace --help` stays fast; tests check that these names match the model's.
PRESET_HELP = (
    "Base tariff world: 'liberation-day' (US rates announced on 2 April 2025, floored at 10 %, EU 20 %, as in the study), "
    "'us-japan-deal' (the same, Japan at 15 %), 'deals-2025' (2025 deal rates where a deal is recorded), "
    "'optimal-us' (the closed-form optimal uniform US tariff, the study's case 3), "
    "'in-force' (the rates in force on --date, default 2 April 2025, from the dated schedule of 2025-26), 'none' (no tariffs)."
)
HOME = "USA"
WELFARE_DEFINITION = (
    "welfare: the change in residents' real income, in % (equivalent variation): what they can buy (spending, "
    "including the tariff revenue returned to them, over the price index), net of the disutility of the change "
    "in hours worked (Ignatenko et al. 2025, eq. for W)."
)
REVENUE_LABEL = {"lump-sum": "lump-sum rebate", "income-tax": "income-tax cut"}
SET_PATTERN = re.compile(
    r"^\s*([A-Za-z]{2,3})\s*:\s*([A-Za-z]{2,3})\s*=\s*(-?\d+(?:\.\d+)?)\s*%?\s*$"
)
#: The embedded trade data (never written over).
EMBEDDED_DATA = Path(__file__).resolve().parents[1] / "economy" / "data"
#: Chart files: the formats offered for --plot.
CHART_SUFFIXES = (".png", ".svg", ".pdf")
#: Highest bilateral rate --set takes, in percent (a 1000-fold price rise).
MAX_RATE_PCT = 100_000.0
BN = {"thousand USD": 1e-6, "million USD": 1e-3, "billion USD": 1.0}


def _choice(value: str, choices: tuple[str, ...] | dict[str, str], option: str) -> str:
    if value not in choices:
        raise DealspaceError.single(
            option, f"unknown value '{shorten(value)}'", did_you_mean(value, choices)
        )
    return value


def parse_set(values: list[str]) -> dict[tuple[str, str], float]:
    """``["USA:KOR=15", ...]`` → ``{("USA", "KOR"): 0.15}`` (the first code levies on the second, in percent)."""
    out: dict[tuple[str, str], float] = {}
    for text in values:
        found = SET_PATTERN.match(text)
        if not found:
            raise DealspaceError.single(
                "--set",
                f"cannot read '{shorten(text)}'",
                "write LEVIER:TARGET=RATE in percent, e.g. --set USA:KOR=15 (the US levies 15 % on Korea's goods)",
            )
        by, on, rate = found.group(1).upper(), found.group(2).upper(), float(found.group(3))
        if rate > MAX_RATE_PCT:
            raise DealspaceError.single(
                "--set",
                f"'{shorten(text)}': the rate is above {MAX_RATE_PCT:g} %",
                f"give a rate in percent, at most {MAX_RATE_PCT:g}",
            )
        if rate <= -100:
            raise DealspaceError.single(
                "--set",
                f"'{shorten(text)}': the rate is not above -100 %",
                "give the rate in percent, e.g. 15",
            )
        out[by, on] = rate / 100
    return out


@app.command()
@friendly
def tariffs(
    preset: Annotated[
        str | None,
        typer.Option(help=PRESET_HELP + " Default: 'liberation-day', or 'in-force' with --date."),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(
            help="With the 'in-force' world: the US rates in force on this date (YYYY-MM-DD), from the dated schedule (docs/economy.md): the 2 April 2025 rates; from 9 April the pause (10 %; China 104 %, 145 % from 10 April, 30 % from the Geneva truce of 14 May); from 7 August 2025 the country and deal rates (Japan, EU, Korea 15 %); the Busan truce (China 20 %) from 31 October; none from the Supreme Court's IEEPA ruling of 20 February 2026, then the 10 % Section 122 surcharge from 24 February 2026."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Set one bilateral rate, in percent, after the preset: LEVIER:TARGET=RATE, e.g. --set USA:KOR=15 (the US levies 15 % on Korean goods). Repeatable; codes may be regions (USA:EU=15).",
        ),
    ] = None,
    rates: Annotated[
        Path | None,
        typer.Option(
            help="CSV (or Parquet) of bilateral rates with columns levied_by, on, rate (percent); applied after the preset, before --set."
        ),
    ] = None,
    retaliation: Annotated[
        str | None,
        typer.Option(
            help="How partners respond to the US: 'none', 'reciprocal' (each levies on US goods the rate the US levies on it) or 'optimal' (the closed-form optimal tariff of the rest of the world). Default: 'reciprocal' when --retaliate is given, else 'none'."
        ),
    ] = None,
    retaliate_: Annotated[
        str | None,
        typer.Option(
            "--retaliate",
            help="Who retaliates: a country or a bloc, e.g. KOR or EU,JPN (default: every partner, when --retaliation is not 'none').",
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            help="The study's data folder (with trade_cepii.csv), a folder with trade.csv/.parquet (exporter, importer, value) and gdp.csv (iso3, gdp), or one trade file with domestic flows. Default: the embedded 194 countries (BACI 2023, WDI GDP, as in the study)."
        ),
    ] = None,
    revenue: Annotated[
        str,
        typer.Option(
            help="What is done with tariff revenue: 'lump-sum' (rebated to households) or 'income-tax' (cuts income taxes, which raises labour supply; the study's headline case). The other treatment is shown alongside."
        ),
    ] = "lump-sum",
    by: Annotated[
        str,
        typer.Option(
            help="Rows of the table: 'region' (13 regions; the EU-27 and the rest of the world aggregated) or 'country'."
        ),
    ] = "region",
    csv: Annotated[
        Path | None, typer.Option(help="Write every country's results to this CSV file.")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Write a bar chart of welfare changes to this image file (.png, .svg, .pdf)."
        ),
    ] = None,
    top: Annotated[
        int,
        typer.Option(
            **bound("tariffs", "--top"), help="Rows to print, largest |welfare| first (0 = all)."
        ),
    ] = 25,
    overwrite: Annotated[
        bool, typer.Option(help="Replace existing --csv and --plot files (never an input).")
    ] = False,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a table.")
    ] = False,
) -> None:
    """Solve the general-equilibrium tariff model for a tariff setting.

    The model is the one-sector model of Ignatenko, Lashkaripour, Macedoni and
    Simonovska (2025, JIE 157:104138): CES trade with elasticity 4, deficits
    fixed as a share of world income, local distribution, endogenous
    pass-through, elastic labour and scale economies, solved for the study's
    194 countries. Changes are relative to the 2023 baseline without tariffs.
    The 'non-US' row is the expenditure-weighted average over the other countries.

    Examples: `dealspace tariffs --set USA:KOR=15`; `dealspace tariffs --retaliate EU,JPN`;
    the study's Table 1 case 1 is `--revenue income-tax`, case 2 the default, case 3 `--preset optimal-us`.
    """
    import numpy as np

    from dealspace.economy import (
        RETALIATION,
        ModelParams,
        display_groups,
        load_data,
        regional_frame,
        solve,
    )
    from dealspace.economy.data import read_rate_table
    from dealspace.economy.gravity import REVENUE_USES
    from dealspace.economy.policy import BASES, build_tariffs

    preset = preset or ("in-force" if date else "liberation-day")
    _choice(preset, BASES, "--preset")
    if date and preset != "in-force":
        raise DealspaceError.single(
            "--date",
            f"is given with --preset {preset}",
            "use --preset in-force (or leave --preset out) to take the rates in force at a date",
        )
    _choice(revenue, REVENUE_USES, "--revenue")
    _choice(by, ("region", "country"), "--by")
    if retaliation is None:
        retaliation = "reciprocal" if retaliate_ else "none"
    _choice(retaliation, RETALIATION, "--retaliation")
    if retaliate_ and retaliation == "none":
        raise DealspaceError.single(
            "--retaliate",
            f"names '{shorten(retaliate_)}' but --retaliation is 'none'",
            "drop --retaliation none, or choose 'reciprocal' or 'optimal'",
        )
    inputs = [EMBEDDED_DATA, data, rates]
    for out, option, suffixes in ((csv, "--csv", (".csv",)), (plot, "--plot", CHART_SUFFIXES)):
        if out is not None:
            check_output(out, option, overwrite=overwrite, inputs=inputs, suffixes=suffixes)
    if csv is not None and csv == plot:
        raise DealspaceError.single("--plot", "is the same file as --csv", "give two paths")
    bilateral = read_rate_table(rates) if rates is not None else {}
    bilateral.update(parse_set(set_ or []))
    economy = load_data(data)
    params = ModelParams(revenue_use=revenue)
    other = next(r for r in REVENUE_USES if r != revenue)
    retaliators = [retaliate_] if retaliate_ else None
    new = build_tariffs(economy, preset, bilateral, retaliation, retaliators, params, date=date)
    start = time.perf_counter()
    eq = solve(economy, new, params)
    seconds = time.perf_counter() - start
    alt = solve(economy, new, ModelParams(revenue_use=other))
    us = economy.index(HOME) if HOME in economy.iso3 else None
    frame = _with_rates(eq.to_frame(), new, us, alt.welfare_hat)
    frame = frame.iloc[
        np.argsort(-frame["welfare_pct"].abs().to_numpy(), kind="stable")
    ].reset_index(drop=True)
    regional = (
        by == "region" and economy.n > 14 and len(display_groups(economy)) > 1
    )  # else the codes are the regions
    rows = (
        _regions(regional_frame(eq), regional_frame(alt), new, economy, us) if regional else frame
    )
    rows = rows.iloc[np.argsort(-rows["welfare_pct"].abs().to_numpy(), kind="stable")].reset_index(
        drop=True
    )
    exclude = (HOME,) if us is not None else ()
    averages = {
        c: eq.weighted_mean(c, exclude=exclude)
        for c in ("welfare_pct", "price_index_pct", "employment_pct")
    }
    averages["welfare_alt_pct"] = (
        float(
            np.average(
                100 * (np.delete(alt.welfare_hat, us) - 1),
                weights=np.delete(economy.expenditure, us),
            )
        )
        if us is not None
        else float("nan")
    )
    scale = BN.get(economy.unit, float("nan"))
    meta = {
        "preset": preset,
        "date": date,
        "set": {f"{a}:{b}": 100 * r for (a, b), r in bilateral.items()},
        "retaliation": retaliation,
        "retaliators": retaliate_ or ("every partner" if retaliation != "none" else None),
        "revenue": revenue,
        "revenue_alternative": other,
        "countries": economy.n,
        "unit": economy.unit,
        "balance_unit": "bn USD" if scale == scale else economy.unit,
        "source": economy.source,
        "us_tariff_revenue_pct_of_expenditure": float(
            frame.loc[frame["iso3"] == HOME, "tariff_revenue_pct"].iloc[0]
        )
        if us is not None
        else None,
        "newton_iterations": eq.iterations,
        "seconds": seconds,
        "welfare_definition": WELFARE_DEFINITION,
        "schedule": _schedule(preset, date),
    }
    if csv is not None:
        with atomic_output(csv, "--csv", overwrite=overwrite, inputs=inputs) as tmp:
            frame.to_csv(tmp, index=False)
    if plot is not None:
        with atomic_output(plot, "--plot", overwrite=overwrite, inputs=inputs) as tmp:
            _plot(
                rows, tmp, f"{preset}, retaliation {retaliation}, revenue: {REVENUE_LABEL[revenue]}"
            )
    if json_out:
        print_json(
            {
                "meta": meta,
                "non_us_average": averages,
                "rows": _records(rows),
                "countries": _records(frame),
            }
        )
        return
    _print(rows, averages, meta, top, scale, economy.n)


def _schedule(preset: str, date: str | None) -> list[dict[str, Any]]:
    """The dated changes behind the 'in-force' rates (each with its source); none for other presets."""
    if preset != "in-force":
        return []
    from dealspace.economy.policy import changes_in_force

    return [c.to_dict() for c in changes_in_force(date)]


def _with_rates(frame: pd.DataFrame, t: Any, us: int | None, alt_hat: Any) -> pd.DataFrame:
    """Add the rate each country faces from the US and levies on the US (percent), and the other revenue use's welfare."""
    frame = frame.copy()
    frame["welfare_alt_pct"] = 100 * (alt_hat - 1)
    if us is not None:
        frame["us_rate_on_it_pct"] = 100 * t[:, us]
        frame["its_rate_on_us_pct"] = 100 * t[us, :]
    return frame


def _regions(
    eq_frame: pd.DataFrame, alt_frame: pd.DataFrame, t: Any, economy: Any, us: int | None
) -> pd.DataFrame:
    """Regional rows; a region's rates are weighted by the flows they tax (US imports from it, its imports from the US)."""
    import numpy as np

    from dealspace.economy import display_groups

    out = eq_frame.copy()
    out["welfare_alt_pct"] = alt_frame["welfare_pct"].to_numpy()
    if us is not None:
        groups = display_groups(economy)
        on_it, on_us = [], []
        for code in out["iso3"]:
            idx = [economy.index(c) for c in groups[code]]
            w_in, w_out = economy.flows[idx, us], economy.flows[us, idx]
            on_it.append(
                100 * float(np.average(t[idx, us], weights=w_in))
                if w_in.sum() > 0
                else 100 * float(t[idx, us].mean())
            )
            on_us.append(
                100 * float(np.average(t[us, idx], weights=w_out))
                if w_out.sum() > 0
                else 100 * float(t[us, idx].mean())
            )
        out["us_rate_on_it_pct"] = on_it
        out["its_rate_on_us_pct"] = on_us
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    import numpy as np

    clean = frame.replace([np.inf, -np.inf], np.nan)
    return [
        {str(k): v for k, v in row.items()}
        for row in clean.astype(object).where(clean.notna(), None).to_dict(orient="records")
    ]


def _print(
    rows: pd.DataFrame,
    averages: dict[str, float],
    meta: dict[str, Any],
    top: int,
    scale: float,
    n: int,
) -> None:
    revenue, other = meta["revenue"], meta["revenue_alternative"]
    shown = rows if top <= 0 else rows.head(top)
    what = f"preset '{meta['preset']}'" + (f" on {meta['date']}" if meta["date"] else "")
    if meta["set"]:
        what += ", " + ", ".join(f"{k}={v:g} %" for k, v in meta["set"].items())
    if meta["retaliation"] != "none":
        what += f", {meta['retaliation']} retaliation by {meta['retaliators']}"
    table = Table(title=escape(f"Changes in % — {what}"))
    columns = [
        ("region", "left"),
        ("US rate on it", "right"),
        ("its rate on US", "right"),
        (f"welfare ({REVENUE_LABEL[revenue]})", "right"),
        (f"welfare if {REVENUE_LABEL[other]}", "right"),
        ("prices", "right"),
        ("employ.", "right"),
        (f"balance before ({meta['balance_unit']})", "right"),
        ("after", "right"),
    ]
    for label, justify in columns:
        table.add_column(label, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for _, row in shown.iterrows():
        table.add_row(
            escape(str(row["iso3"])),
            _num(row.get("us_rate_on_it_pct"), 1),
            _num(row.get("its_rate_on_us_pct"), 1),
            _num(row["welfare_pct"], 2),
            _num(row["welfare_alt_pct"], 2),
            _num(row["price_index_pct"], 1),
            _num(row["employment_pct"], 2),
            _num(row["trade_balance"] * scale, 1),
            _num(row["trade_balance_new"] * scale, 1),
        )
    table.add_section()
    table.add_row(
        "non-US",
        "",
        "",
        _num(averages["welfare_pct"], 2),
        _num(averages["welfare_alt_pct"], 2),
        _num(averages["price_index_pct"], 1),
        _num(averages["employment_pct"], 2),
        "",
        "",
        style="bold",
    )
    console.print(table)
    console.print(WELFARE_DEFINITION, highlight=False)
    if meta["schedule"]:
        console.print(
            f"US rates in force: {len(meta['schedule'])} dated changes since 2 April 2025 "
            "(docs/economy.md; --json gives each one's event and source):",
            highlight=False,
        )
        for c in meta["schedule"]:
            who = "every partner" if c["partner"] == "*" else c["partner"]
            if c["exempt"]:
                who += " but " + ", ".join(c["exempt"])
            rate = "2 April rate" if c["rate"] is None else f"{100 * c['rate']:g} %"
            console.print(
                escape(f"  from {c['effective']} {who}: {rate} ({c['source']})"), highlight=False
            )
    console.print(
        f"Tariff revenue: {REVENUE_LABEL[revenue]} (--revenue {revenue}); the next column is the same tariffs with the revenue "
        f"used as an {REVENUE_LABEL[other]} (--revenue {other}). balance: exports minus imports of goods, before and after "
        "(numeraire: the world price index). non-US: expenditure-weighted average of the other countries.",
        highlight=False,
    )
    more = (
        "" if top <= 0 or len(rows) <= top else f" ({len(rows) - top} more rows: --top 0 or --csv)"
    )
    revenue_pct = meta["us_tariff_revenue_pct_of_expenditure"]
    console.print(
        f"{n} countries{more}."
        + (
            f" US tariff revenue {revenue_pct:.2f} % of expenditure."
            if revenue_pct is not None
            else ""
        )
        + f" Solved in {meta['newton_iterations']} Newton steps, {1000 * meta['seconds']:.0f} ms. Data: {escape(meta['source'])}",
        highlight=False,
    )


def _num(value: Any, digits: int) -> str:
    if value is None or value != value or abs(value) == float("inf"):
        return "–"
    return f"{value:.{digits}f}"


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
        raise DealspaceError.single(
            "--plot",
            f"cannot write {path}: {err}",
            "use a writable path ending in .png, .svg or .pdf",
        ) from None
    finally:
        plt.close(fig)
