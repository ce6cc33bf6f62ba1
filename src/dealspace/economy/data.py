"""Loaders of baseline economies: the study's folder, users' tables, the embedded data.

:func:`load_study` reads the study's replication folder as shipped
(``trade_cepii.csv``, ``gdp.csv``, ``tariffs.csv``, ``country_labels.csv``);
:func:`load_tables` reads users' own long tables (CSV or Parquet);
:func:`load_default` the embedded 194-country 2023 data of
``dealspace/economy/data/`` (see its SOURCES.md), :func:`load_regions` their
14-region aggregate with Taiwan; :func:`load_data` picks one of these from a path. The
baseline is then built by :func:`dealspace.economy.baseline.build_economy`.
Every problem with a file raises :class:`~dealspace.errors.DealspaceError`
naming the file, the column and the fix.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from dealspace.economy.baseline import HOME, build_economy
from dealspace.economy.gravity import Economy, FloatArray
from dealspace.errors import DealspaceError

STUDY_FILES = ("trade_cepii.csv", "gdp.csv", "tariffs.csv", "country_labels.csv")
USER_TRADE_COLUMNS = ("exporter", "importer", "value")


def load_study(folder: str | Path) -> Economy:
    """The study's 194-country data as shipped in its replication package.

    Reads ``trade_cepii.csv`` (194×194, thousands of USD, exporter rows,
    blank = 0), ``gdp.csv`` (USD, divided by 1000), ``country_labels.csv``
    and ``tariffs.csv`` (the announced US rates, kept as
    ``economy.rates["liberation-day"]``), then builds the baseline with
    calibrated local shares. Baseline tariffs are zero, as in the study.
    ``economy.rates["deal"]`` holds the 2025 deal rates of the embedded
    data (:func:`embedded_deal_rates`).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DealspaceError.single(
            str(folder),
            "is not a folder",
            "give the folder holding trade_cepii.csv, gdp.csv, tariffs.csv, country_labels.csv",
        )
    missing = [f for f in STUDY_FILES if not (folder / f).is_file()]
    if missing:
        raise DealspaceError.single(
            str(folder), f"lacks {missing}", "give the study's base_data folder"
        )
    labels = _read_table(folder / "country_labels.csv", ("iso3", "iso_code", "CountryName"))
    labels = labels.sort_values("iso_code")
    codes = tuple(labels["iso3"].astype(str))
    n = len(codes)
    trade_path = folder / "trade_cepii.csv"
    trade = _read_table(trade_path, ())
    if trade.shape != (n, n):
        raise DealspaceError.single(
            str(trade_path),
            f"has shape {trade.shape}, country_labels.csv has {n} countries",
            "use the files of one release",
        )
    flows = _numeric(trade, trade_path, list(trade.columns), blank_is_zero=True).to_numpy(
        dtype=float, copy=True
    )
    gdp_path = folder / "gdp.csv"
    gdp = _numeric(_read_table(gdp_path, ("gdp",)), gdp_path, ["gdp"]).to_numpy()[:, 0] / 1000
    rates_path = folder / "tariffs.csv"
    rates = _numeric(
        _read_table(rates_path, ("applied_tariff",)), rates_path, ["applied_tariff"]
    ).to_numpy()[:, 0]
    for path, rows in ((gdp_path, len(gdp)), (rates_path, len(rates))):
        if rows != n:
            raise DealspaceError.single(
                str(path),
                f"has {rows} rows, country_labels.csv has {n}",
                "use the files of one release",
            )
    np.fill_diagonal(flows, 0.0)
    return build_economy(
        codes,
        flows,
        gdp,
        names=tuple(labels["CountryName"].astype(str)),
        unit="thousand USD",
        source=f"Ignatenko et al. (2025) replication data: BACI HS22 2023, WDI GDP ({folder})",
        rates={
            "liberation-day": dict(zip(codes, rates.tolist(), strict=True)),
            "deal": embedded_deal_rates(),
        },
    )


def load_tables(
    trade: str | Path,
    gdp: str | Path | None = None,
    tariffs: str | Path | None = None,
    rates: str | Path | None = None,
    *,
    local_share: str | float | ArrayLike | None = None,
    unit: str = "",
) -> Economy:
    """Users' own data: long tables in CSV or Parquet.

    Parameters
    ----------
    trade : path
        Columns ``exporter, importer, value`` (codes and flows at producer
        prices; repeated pairs are summed; missing pairs are zero). Rows with
        ``exporter == importer`` give domestic absorption; without them it is
        built from GDP.
    gdp : path, optional
        Columns ``iso3, gdp`` (same unit as ``value``); optional columns
        ``name`` and ``local_share``.
    tariffs : path, optional
        Baseline tariffs: a long table ``importer, exporter, rate`` or a
        matrix (first column the exporter code, one column per importer).
    rates : path, optional
        Announced US rates for the presets: ``iso3`` and any of
        ``liberation_day_rate``, ``deal_rate``.
    local_share : "calibrate", float or array_like, optional
        Overrides the ``local_share`` column; without either, ``"calibrate"``
        if there is a USA region and GDP, else 0.
    unit : str
        Unit of the values, for display.
    """
    trade_path = Path(trade)
    table = _read_table(trade_path, USER_TRADE_COLUMNS)
    table = table.assign(value=_numeric(table, trade_path, ["value"])["value"])
    if (table["value"] < 0).any():
        row = int(np.flatnonzero(table["value"].to_numpy() < 0)[0])
        raise DealspaceError.single(
            f"{trade_path}, column 'value'", f"is negative in row {row + 2}", "flows must be >= 0"
        )
    gdp_table = None
    if gdp is not None:
        gdp_path = Path(gdp)
        gdp_table = _read_table(gdp_path, ("iso3", "gdp"))
        gdp_table = gdp_table.assign(gdp=_numeric(gdp_table, gdp_path, ["gdp"])["gdp"])
        if gdp_table["iso3"].duplicated().any():
            dup = sorted(gdp_table.loc[gdp_table["iso3"].duplicated(), "iso3"].astype(str))[:5]
            raise DealspaceError.single(
                f"{gdp_path}, column 'iso3'", f"repeats {dup}", "give each region once"
            )
        codes = tuple(gdp_table["iso3"].astype(str))
        unknown = sorted(
            (set(table["exporter"].astype(str)) | set(table["importer"].astype(str))) - set(codes)
        )
        if unknown:
            raise DealspaceError.single(
                f"{trade_path}, columns 'exporter'/'importer'",
                f"regions {unknown[:8]} are not in {gdp_path}",
                "add them to the GDP table or drop their rows",
            )
        bad = gdp_table["gdp"].to_numpy() <= 0
        if bad.any():
            raise DealspaceError.single(
                f"{gdp_path}, column 'gdp'",
                f"is not positive for {list(np.array(codes)[bad][:5])}",
                "give GDP > 0",
            )
    else:
        codes = tuple(
            sorted(set(table["exporter"].astype(str)) | set(table["importer"].astype(str)))
        )
    index = {c: k for k, c in enumerate(codes)}
    flows = np.zeros((len(codes), len(codes)))
    np.add.at(
        flows,
        (
            table["exporter"].astype(str).map(index).to_numpy(),
            table["importer"].astype(str).map(index).to_numpy(),
        ),
        table["value"].to_numpy(),
    )
    nu_spec: str | float | ArrayLike
    if local_share is not None:
        nu_spec = local_share
    elif gdp_table is not None and "local_share" in gdp_table.columns:
        nu_spec = _numeric(gdp_table, Path(str(gdp)), ["local_share"])["local_share"].to_numpy()
    else:
        nu_spec = "calibrate" if (HOME in index and gdp_table is not None) else 0.0
    source = f"{trade_path}" + (f", {gdp}" if gdp is not None else "")
    return build_economy(
        codes,
        flows,
        None if gdp_table is None else gdp_table["gdp"].to_numpy(),
        local_share=nu_spec,
        tariffs=None if tariffs is None else _read_tariffs(Path(tariffs), codes),
        names=tuple(gdp_table["name"].astype(str))
        if gdp_table is not None and "name" in gdp_table.columns
        else (),
        unit=unit,
        source=source,
        rates=None if rates is None else _read_rates(Path(rates)),
    )


COUNTRY_ARCHIVE = "countries_2023.npz"
DEFAULT_SOURCE = (
    "Ignatenko et al. (2025) replication data, 194 countries: BACI HS22 V202501 goods flows 2023, "
    "WDI GDP (dealspace/economy/data/countries_2023.npz)"
)


@functools.cache
def load_default() -> Economy:
    """The default economy: the study's 194 countries, 2023, built as the study builds it.

    The study's inputs (BACI HS22 2023 goods flows and WDI GDP, thousand
    USD; the announced US rates of 2 April 2025) are embedded unchanged in
    ``dealspace/economy/data/countries_2023.npz`` (compiled by
    ``scripts/compile_country_data.py``; sources in the sidecar
    ``countries_2023.sources.json`` and ``SOURCES.md``). The baseline is
    built as in :func:`load_study`, so this economy reproduces the study's
    tables. ``economy.rates`` holds "liberation-day" (announced) and "deal"
    (2025 deals, by country). Regions (the EU, ROW, …) are an aggregation
    for display: :mod:`dealspace.economy.regions`. Taiwan is not among the
    study's countries; :func:`load_regions` has it. Cached: the economy is
    immutable.
    """
    with (
        resources.as_file(resources.files("dealspace.economy") / "data" / COUNTRY_ARCHIVE) as path,
        np.load(path, allow_pickle=False) as z,
    ):
        codes = tuple(str(c) for c in z["iso3"])
        names = tuple(str(c) for c in z["names"])
        flows, gdp, announced = z["flows"], z["gdp"], z["liberation_day"]
    return build_economy(
        codes,
        flows,
        gdp,
        names=names,
        unit="thousand USD",
        source=DEFAULT_SOURCE,
        rates={
            "liberation-day": dict(zip(codes, announced.tolist(), strict=True)),
            "deal": embedded_deal_rates(),
        },
    )


@functools.cache
def load_regions() -> Economy:
    """The compact 14-region economy (13 economies incl. the EU-27 and Taiwan, and ROW).

    Regions, in order: USA, JPN, CHN, EU, GBR, CAN, MEX, KOR, VNM, IND, AUS,
    CHE, TWN, ROW. Flows are BACI HS22 2023 goods flows aggregated from the
    study's 194-country data, with domestic absorption, in millions of USD;
    GDP from WDI; local shares as calibrated on the 194-country data. Taiwan,
    which the study's 194 countries leave out, is appended from OECD ICIO
    2022 (goods sectors, 2022 values; its ``gdp`` is the factor income its
    flows imply). Announced and negotiated 2025 US rates in
    ``economy.rates`` ("liberation-day", "deal"). Sources:
    ``dealspace/economy/data/SOURCES.md``. Meant for models that solve the
    economy thousands of times (the world model) and for Taiwan; aggregating
    before solving biases the results against the country-level default
    (docs/economy.md).
    """
    with resources.as_file(resources.files("dealspace.economy") / "data") as path:
        economy = load_tables(
            path / "trade_2023.csv",
            path / "regions_2023.csv",
            rates=path / "tariffs_2025.csv",
            unit="million USD",
        )
    return replace(
        economy,
        source="dealspace embedded data 2023, 14 regions (BACI HS22 V202501 via Ignatenko et al. 2025; WDI GDP; Taiwan: OECD ICIO 2022)",
    )


def embedded_deal_rates() -> dict[str, float]:
    """2025 deal rates of the embedded ``tariffs_2025.csv`` by country code (the EU expanded to its members)."""
    return {code: rate for code, (rate, _, _) in embedded_deals().items()}


@functools.cache
def embedded_deals() -> dict[str, tuple[float, str, str]]:
    """2025 deals by country code: ``(rate, date, source)`` (the EU under its code and each member's).

    From ``tariffs_2025.csv`` (columns ``deal_rate, deal_date, deal_source``;
    sources in ``../shared/facts/tariffs-2025.md``).
    """
    with resources.as_file(resources.files("dealspace.economy") / "data") as path:
        table = _read_table(
            path / "tariffs_2025.csv", ("iso3", "deal_rate", "deal_date", "deal_source")
        )
        regions = _read_table(path / "regions_2023.csv", ("iso3", "members"))
    members = dict(
        zip(regions["iso3"].astype(str), regions["members"].astype(str).str.split(), strict=True)
    )
    out: dict[str, tuple[float, str, str]] = {}
    for code, rate, date, source in zip(
        table["iso3"].astype(str),
        table["deal_rate"],
        table["deal_date"],
        table["deal_source"],
        strict=True,
    ):
        if code == "ROW" or pd.isna(rate):
            continue
        for country in {code, *members.get(code, [code])}:
            out[country] = (float(rate), str(date), str(source))
    return out


def load_data(path: str | Path | None = None) -> Economy:
    """An economy from a path: the study's folder, a user folder or file, or the embedded data.

    ``None`` or ``"default"`` gives :func:`load_default` (194 countries),
    ``"regions"`` :func:`load_regions` (14 regions). A folder with ``trade_cepii.csv`` is
    the study's (:func:`load_study`); a folder with ``trade.csv`` or
    ``trade.parquet`` (and optional ``gdp``, ``tariffs``, ``rates`` files of
    the same kind) or a single trade file is read with :func:`load_tables`.
    """
    if path is None or str(path) == "default":
        return load_default()
    if str(path) == "regions":
        return load_regions()
    path = Path(path)
    if path.is_dir():
        if (path / "trade_cepii.csv").is_file():
            return load_study(path)

        def find(stem: str) -> Path | None:
            hits = [
                path / f"{stem}{ext}"
                for ext in (".csv", ".parquet")
                if (path / f"{stem}{ext}").is_file()
            ]
            return hits[0] if hits else None

        trade = find("trade")
        if trade is None:
            raise DealspaceError.single(
                str(path),
                "holds neither trade_cepii.csv (the study's data) nor trade.csv/trade.parquet",
                "give the study's folder or a folder with trade.csv (exporter, importer, value) and gdp.csv (iso3, gdp)",
            )
        return load_tables(trade, find("gdp"), find("tariffs"), find("rates"))
    if path.is_file():
        return load_tables(path)
    raise DealspaceError.single(str(path), "does not exist", "give an existing file or folder")


def _read_table(path: Path, required: Sequence[str]) -> pd.DataFrame:
    if not path.is_file():
        raise DealspaceError.single(str(path), "does not exist", "check the path")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        elif path.suffix.lower() in (".csv", ".txt"):
            frame = pd.read_csv(path)
        else:
            raise DealspaceError.single(
                str(path), f"has unknown type {path.suffix!r}", "use .csv or .parquet"
            )
    except DealspaceError:
        raise
    except ImportError as err:
        raise DealspaceError.single(
            str(path), f"cannot be read ({err})", "install pyarrow to read Parquet, or use CSV"
        ) from None
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise DealspaceError.single(
            str(path),
            f"cannot be read: {str(err).rstrip('.')}",
            "save it as a plain CSV with a header row",
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DealspaceError.single(
            f"{path}",
            f"lacks column(s) {missing} (has {list(frame.columns)[:8]})",
            f"give the columns {list(required)}",
        )
    return frame


def _numeric(
    frame: pd.DataFrame, path: Path, columns: Sequence[str], blank_is_zero: bool = False
) -> pd.DataFrame:
    out = frame[list(columns)].apply(pd.to_numeric, errors="coerce")
    for column in columns:
        raw, num = frame[column], out[column]
        bad = num.isna() & (raw.notna() if blank_is_zero else True)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DealspaceError.single(
                f"{path}, column {column!r}",
                f"row {row + 2} is {raw.iloc[row]!r}, not a number",
                "use plain numbers (no units or thousands separators)"
                + ("" if blank_is_zero else "; write 0 for none"),
            )
        if np.isinf(num.to_numpy()).any():
            raise DealspaceError.single(
                f"{path}, column {column!r}", "has infinite values", "use finite numbers"
            )
    return out.fillna(0.0) if blank_is_zero else out


def _read_tariffs(path: Path, codes: tuple[str, ...]) -> FloatArray:
    frame = _read_table(path, ())
    index = {c: k for k, c in enumerate(codes)}
    out = np.zeros((len(codes), len(codes)))
    if {"importer", "exporter", "rate"} <= set(frame.columns):
        rate = _numeric(frame, path, ["rate"])["rate"].to_numpy()
        for column in ("importer", "exporter"):
            unknown = sorted(set(frame[column].astype(str)) - set(codes))
            if unknown:
                raise DealspaceError.single(
                    f"{path}, column {column!r}",
                    f"unknown regions {unknown[:8]}",
                    "use the codes of the trade table",
                )
        out[
            frame["exporter"].astype(str).map(index).to_numpy(),
            frame["importer"].astype(str).map(index).to_numpy(),
        ] = rate
    else:
        first = frame.columns[0]
        frame = frame.set_index(frame[first].astype(str)).drop(columns=first)
        if set(frame.index) != set(codes) or set(frame.columns) != set(codes):
            raise DealspaceError.single(
                str(path),
                "is neither a long table (importer, exporter, rate) nor a matrix over the regions of the trade table",
                "give importer, exporter, rate columns, or a matrix with exporter rows and importer columns",
            )
        out = _numeric(frame, path, list(frame.columns)).loc[list(codes), list(codes)].to_numpy()
    if (out <= -1).any():
        raise DealspaceError.single(
            f"{path}, column 'rate'", "has rates <= -1", "give rates as decimals (0.25 = 25 %)"
        )
    return out


def _read_rates(path: Path) -> dict[str, dict[str, float]]:
    frame = _read_table(path, ("iso3",))
    sets = {"liberation-day": "liberation_day_rate", "deal": "deal_rate"}
    present = {name: col for name, col in sets.items() if col in frame.columns}
    if not present:
        raise DealspaceError.single(
            str(path), "has no rate column", "add liberation_day_rate and/or deal_rate"
        )
    out: dict[str, dict[str, float]] = {}
    for name, column in present.items():
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DealspaceError.single(
                f"{path}, column {column!r}",
                f"row {row + 2} is {frame[column].iloc[row]!r}, not a number",
                "use decimals (0.15 = 15 %) or leave blank",
            )
        out[name] = {
            str(c): float(v) for c, v in zip(frame["iso3"], values, strict=True) if not np.isnan(v)
        }
    return out


def read_rate_table(path: str | Path) -> dict[tuple[str, str], float]:
    """Bilateral rates from a CSV or Parquet table ``levied_by, on, rate`` (rate in percent: 15 = 15 %).

    Returns ``{(levied_by, on): rate}`` with rates as decimals; a pair given
    twice is refused.
    """
    path = Path(path)
    frame = _read_table(path, ("levied_by", "on", "rate"))
    rate = _numeric(frame, path, ["rate"])["rate"].to_numpy()
    out: dict[tuple[str, str], float] = {}
    for row, (by, on, value) in enumerate(
        zip(frame["levied_by"].astype(str), frame["on"].astype(str), rate, strict=True)
    ):
        key = (by.strip().upper(), on.strip().upper())
        if key in out:
            raise DealspaceError.single(
                f"{path}, row {row + 2}",
                f"the pair {key[0]} on {key[1]} is given twice",
                "give each pair once",
            )
        if value <= -100:
            raise DealspaceError.single(
                f"{path}, row {row + 2}",
                f"rate {value} % is not above -100 %",
                "give rates in percent (15 = 15 %)",
            )
        out[key] = float(value) / 100
    return out
