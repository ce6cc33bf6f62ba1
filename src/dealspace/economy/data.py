r"""Baseline economies for the tariff model: construction, loaders and aggregation.

Construction (Ignatenko, Lashkaripour, Macedoni and Simonovska 2025, one
sector; see :mod:`dealspace.economy.gravity` for the notation)
    Given international flows :math:`X_{ji}` (diagonal empty), GDP
    :math:`Y_i` and local shares :math:`\nu_i`: imports
    :math:`M_i = \sum_{j} X_{ji}`; deficit
    :math:`T_i = (1-\nu_i)(M_i - \sum_k (1-\nu_k) X_{ik})`; expenditure
    :math:`E_i = Y_i + T_i`; domestic absorption
    :math:`X_{ii} = \max(E_i - M_i, 0)`. Expenditure, income, deficits and
    shares are then recomputed from the full matrix
    (:class:`~dealspace.economy.gravity.Economy`).

Local shares
    Two values, one for the US and one for every other region, chosen so that
    in the two-region (US, rest) aggregate of the international flows and GDP
    the weighted local shares hit 0.12 (rest) and 0.26 (US), where each
    region's weight on its own :math:`\nu` is its domestic sales over its
    total sales (:func:`calibrate_local_share`).

Loaders
    :func:`load_study` reads the study's replication folder as shipped
    (``trade_cepii.csv``, ``gdp.csv``, ``tariffs.csv``,
    ``country_labels.csv``); :func:`load_tables` reads users' own long tables
    (CSV or Parquet); :func:`load_default` the embedded 2023 data of
    ``dealspace/economy/data/`` (see its SOURCES.md); :func:`load_data` picks
    one of these from a path. Every problem with a file raises
    :class:`~dealspace.errors.DealspaceError` naming the file, the column and
    the fix.

References
----------
Ignatenko, A., Lashkaripour, A., Macedoni, L. and Simonovska, I. (2025).
*Journal of International Economics* 157, 104138.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from dealspace.economy.gravity import Economy, FloatArray
from dealspace.errors import DealspaceError

LOCAL_SHARE_TARGETS = (0.12, 0.26)  # (rest of the world, US)
STUDY_FILES = ("trade_cepii.csv", "gdp.csv", "tariffs.csv", "country_labels.csv")
USER_TRADE_COLUMNS = ("exporter", "importer", "value")
HOME = "USA"


# --------------------------------------------------------------------------- construction


def calibrate_local_share(
    flows: ArrayLike,
    gdp: ArrayLike,
    home: int,
    targets: tuple[float, float] = LOCAL_SHARE_TARGETS,
    tol: float = 1e-13,
) -> tuple[float, float]:
    r"""Local shares :math:`(\nu_{rest}, \nu_{home})` hitting the two-region targets.

    Parameters
    ----------
    flows : (N, N) array_like
        International flows, exporter rows (the diagonal is ignored).
    gdp : (N,) array_like
        GDP in the unit of ``flows``.
    home : int
        Position of the home country (the US in the study).
    targets : (float, float)
        Target moments for the rest and for home.

    Returns
    -------
    (float, float)

    Notes
    -----
    Aggregate to two regions, 1 = rest, 2 = home, with flows :math:`X` and
    GDP :math:`Y`. With :math:`E_r = Y_r + (1-\nu_r)\,\nu_r \sum_k X_{rk}`
    and the domestic-sales shares
    :math:`s_1 = (E_1 - X_{21})/(E_1 - X_{21} + X_{12})`,
    :math:`s_2 = (E_2 - X_{12})/(E_2 - X_{12} + X_{21})`, solve
    :math:`s_1\nu_1 + (1-s_1)\nu_2 = 0.12` and
    :math:`(1-s_2)\nu_1 + s_2\nu_2 = 0.26` by Newton's method (2×2, numeric
    Jacobian). This is the moment condition of the study's replication code;
    on its data it gives (0.114365, 0.270696).
    """
    x = np.array(flows, dtype=float)
    np.fill_diagonal(x, 0.0)
    y = np.asarray(gdp, dtype=float)
    rest = np.ones(len(y), dtype=bool)
    rest[home] = False
    agg = np.array([rest, ~rest], dtype=float)
    xa, ya = agg @ x @ agg.T, agg @ y

    def moments(nu: FloatArray) -> FloatArray:
        e = ya + (1 - nu) * nu * xa.sum(axis=1)
        s1 = (e[0] - xa[1, 0]) / (e[0] - xa[1, 0] + xa[0, 1])
        s2 = (e[1] - xa[0, 1]) / (e[1] - xa[0, 1] + xa[1, 0])
        return np.array([s1 * nu[0] + (1 - s1) * nu[1], (1 - s2) * nu[0] + s2 * nu[1]]) - np.asarray(targets)

    nu = np.array(targets, dtype=float)
    for _ in range(50):
        f = moments(nu)
        if np.abs(f).max() < tol:
            return float(nu[0]), float(nu[1])
        h = 1e-7
        jac = np.column_stack([(moments(nu + h * np.eye(2)[k]) - f) / h for k in range(2)])
        nu = nu - np.linalg.solve(jac, f)
    raise DealspaceError.single("local shares", f"calibration did not converge (moments off by {np.abs(f).max():.2e})", "give local_share explicitly")


def build_economy(
    iso3: Sequence[str],
    flows: ArrayLike,
    gdp: ArrayLike | None = None,
    *,
    local_share: str | float | ArrayLike = "calibrate",
    tariffs: ArrayLike | None = None,
    names: Sequence[str] = (),
    unit: str = "thousand USD",
    source: str = "",
    rates: Mapping[str, Mapping[str, float]] | None = None,
    home: str = HOME,
) -> Economy:
    r"""Build the baseline :class:`Economy` from flows and GDP (the study's construction).

    Parameters
    ----------
    iso3 : sequence of str
        Region codes in the order of ``flows``.
    flows : (N, N) array_like
        :math:`X_{ji}` at producer prices, exporter rows. If the diagonal is
        empty it is filled with domestic absorption from GDP (module
        docstring); if it is filled everywhere it is used as given.
    gdp : (N,) array_like, optional
        GDP in the unit of ``flows``; needed to fill the diagonal and to
        calibrate the local shares.
    local_share : "calibrate", float or (N,) array_like
        :math:`\nu`: calibrated with :func:`calibrate_local_share` (needs the
        ``home`` region), one value for all, or one per region. 0 gives the
        textbook construction (deficit = imports − exports).
    tariffs : (N, N) array_like, optional
        Baseline tariffs (importer column on exporter row).
    names, unit, source, rates
        Passed to :class:`Economy`.
    home : str
        The region whose local share is calibrated separately.

    Returns
    -------
    Economy
    """
    codes = tuple(str(c) for c in iso3)
    n = len(codes)
    x = np.array(flows, dtype=float)
    if x.shape != (n, n):
        raise DealspaceError.single("flows", f"has shape {x.shape} for {n} regions", "give a square matrix in the order of iso3")
    y = None if gdp is None else np.asarray(gdp, dtype=float)
    if y is not None and (y.shape != (n,) or not np.isfinite(y).all() or (y <= 0).any()):
        raise DealspaceError.single("gdp", "must be one positive number per region", "check the GDP table")
    nu = _local_share(local_share, codes, x, y, home)
    diag = np.diag(x).copy()
    if (diag > 0).all():
        full = x
    elif (diag == 0).all():
        if y is None:
            raise DealspaceError.single("gdp", "is missing but the flows have no domestic absorption", "give a GDP table (iso3, gdp) or fill the diagonal of the flows")
        full = _fill_domestic(x, y, nu)
    else:
        partial = [codes[i] for i in np.flatnonzero(diag == 0)][:8]
        raise DealspaceError.single("flows", f"domestic absorption (exporter = importer) is given for some regions but not for {partial}", "give it for every region or for none (then it is built from GDP)")
    return Economy(
        iso3=codes,
        flows=full,
        local_share=nu,
        tariffs=np.zeros((n, n)) if tariffs is None else np.asarray(tariffs, dtype=float),
        names=tuple(names),
        gdp=y if y is not None else np.zeros(0),
        unit=unit,
        source=source,
        rates={k: dict(v) for k, v in (rates or {}).items()},
    )


def _local_share(spec: str | float | ArrayLike, codes: tuple[str, ...], x: FloatArray, y: FloatArray | None, home: str) -> FloatArray:
    n = len(codes)
    if isinstance(spec, str):
        if spec != "calibrate":
            raise DealspaceError.single("local_share", f"unknown option {spec!r}", "use 'calibrate', a number in [0, 1) or one number per region")
        if home not in codes or y is None:
            raise DealspaceError.single("local_share", f"cannot be calibrated without GDP and a {home!r} region", "give local_share as a number (0 for the textbook model)")
        rest, own = calibrate_local_share(x, y, codes.index(home))
        nu = np.full(n, rest)
        nu[codes.index(home)] = own
        return nu
    return np.broadcast_to(np.asarray(spec, dtype=float), (n,)).copy()


def _fill_domestic(x: FloatArray, y: FloatArray, nu: FloatArray) -> FloatArray:
    imports = x.sum(axis=0)
    deficit = (1 - nu) * (imports - ((1 - nu)[None, :] * x).sum(axis=1))
    full = x.copy()
    np.fill_diagonal(full, np.maximum(y + deficit - imports, 0.0))
    return full


def aggregate(economy: Economy, groups: Mapping[str, Sequence[str]], names: Mapping[str, str] | None = None) -> Economy:
    """Merge regions into groups (e.g. the EU-27), summing flows and GDP.

    Parameters
    ----------
    economy : Economy
        With zero baseline tariffs and one local share within each group.
    groups : mapping
        New code → member codes; every region must be in exactly one group.
    names : mapping, optional
        New code → display name.

    Returns
    -------
    Economy
        Flows within a group become its domestic absorption, so expenditure,
        income and deficits of a group are the sums over its members.
    """
    index = {c: k for k, c in enumerate(economy.iso3)}
    seen: dict[str, str] = {}
    for group, members in groups.items():
        for member in members:
            if member not in index:
                raise DealspaceError.single(f"groups[{group!r}]", f"unknown region {member!r}", "use codes of the economy")
            if member in seen:
                raise DealspaceError.single(f"groups[{group!r}]", f"{member!r} is also in {seen[member]!r}", "put each region in one group")
            seen[member] = group
    missing = [c for c in economy.iso3 if c not in seen]
    if missing:
        raise DealspaceError.single("groups", f"{len(missing)} regions are in no group, e.g. {missing[:5]}", "add a rest-of-world group")
    if np.any(economy.tariffs):
        raise DealspaceError.single("aggregate", "baseline tariffs are not zero", "aggregate before setting tariffs")
    codes = tuple(groups)
    member = np.zeros((len(codes), economy.n))
    for g, group in enumerate(codes):
        member[g, [index[m] for m in groups[group]]] = 1.0
    nu = []
    for g in range(len(codes)):
        values = np.unique(economy.local_share[member[g] > 0])
        if len(values) > 1:
            raise DealspaceError.single(f"groups[{codes[g]!r}]", "mixes regions with different local shares", "group only regions with one local share")
        nu.append(values[0])
    labels = names or {}
    return Economy(
        iso3=codes,
        flows=member @ economy.flows @ member.T,
        local_share=np.array(nu),
        names=tuple(labels.get(c, c) for c in codes),
        gdp=member @ economy.gdp,
        unit=economy.unit,
        source=economy.source,
    )


# --------------------------------------------------------------------------- loaders


def load_study(folder: str | Path) -> Economy:
    """The study's 194-country data as shipped in its replication package.

    Reads ``trade_cepii.csv`` (194×194, thousands of USD, exporter rows,
    blank = 0), ``gdp.csv`` (USD, divided by 1000), ``country_labels.csv``
    and ``tariffs.csv`` (the announced US rates, kept as
    ``economy.rates["liberation-day"]``), then builds the baseline with
    calibrated local shares. Baseline tariffs are zero, as in the study.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DealspaceError.single(str(folder), "is not a folder", "give the folder holding trade_cepii.csv, gdp.csv, tariffs.csv, country_labels.csv")
    missing = [f for f in STUDY_FILES if not (folder / f).is_file()]
    if missing:
        raise DealspaceError.single(str(folder), f"lacks {missing}", "give the study's base_data folder")
    labels = _read_table(folder / "country_labels.csv", ("iso3", "iso_code", "CountryName"))
    labels = labels.sort_values("iso_code")
    codes = tuple(labels["iso3"].astype(str))
    n = len(codes)
    trade_path = folder / "trade_cepii.csv"
    trade = _read_table(trade_path, ())
    if trade.shape != (n, n):
        raise DealspaceError.single(str(trade_path), f"has shape {trade.shape}, country_labels.csv has {n} countries", "use the files of one release")
    flows = _numeric(trade, trade_path, list(trade.columns), blank_is_zero=True).to_numpy()
    gdp_path = folder / "gdp.csv"
    gdp = _numeric(_read_table(gdp_path, ("gdp",)), gdp_path, ["gdp"]).to_numpy()[:, 0] / 1000
    rates_path = folder / "tariffs.csv"
    rates = _numeric(_read_table(rates_path, ("applied_tariff",)), rates_path, ["applied_tariff"]).to_numpy()[:, 0]
    for path, rows in ((gdp_path, len(gdp)), (rates_path, len(rates))):
        if rows != n:
            raise DealspaceError.single(str(path), f"has {rows} rows, country_labels.csv has {n}", "use the files of one release")
    np.fill_diagonal(flows, 0.0)
    return build_economy(
        codes,
        flows,
        gdp,
        names=tuple(labels["CountryName"].astype(str)),
        unit="thousand USD",
        source=f"Ignatenko et al. (2025) replication data: BACI HS22 2023, WDI GDP ({folder})",
        rates={"liberation-day": dict(zip(codes, rates.tolist(), strict=True))},
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
        raise DealspaceError.single(f"{trade_path}, column 'value'", f"is negative in row {row + 2}", "flows must be >= 0")
    gdp_table = None
    if gdp is not None:
        gdp_path = Path(gdp)
        gdp_table = _read_table(gdp_path, ("iso3", "gdp"))
        gdp_table = gdp_table.assign(gdp=_numeric(gdp_table, gdp_path, ["gdp"])["gdp"])
        if gdp_table["iso3"].duplicated().any():
            dup = sorted(gdp_table.loc[gdp_table["iso3"].duplicated(), "iso3"].astype(str))[:5]
            raise DealspaceError.single(f"{gdp_path}, column 'iso3'", f"repeats {dup}", "give each region once")
        codes = tuple(gdp_table["iso3"].astype(str))
        unknown = sorted(set(table["exporter"].astype(str)) | set(table["importer"].astype(str)) - set(codes))
        if unknown:
            raise DealspaceError.single(f"{trade_path}, columns 'exporter'/'importer'", f"regions {unknown[:8]} are not in {gdp_path}", "add them to the GDP table or drop their rows")
        bad = gdp_table["gdp"].to_numpy() <= 0
        if bad.any():
            raise DealspaceError.single(f"{gdp_path}, column 'gdp'", f"is not positive for {list(np.array(codes)[bad][:5])}", "give GDP > 0")
    else:
        codes = tuple(sorted(set(table["exporter"].astype(str)) | set(table["importer"].astype(str))))
    index = {c: k for k, c in enumerate(codes)}
    flows = np.zeros((len(codes), len(codes)))
    np.add.at(flows, (table["exporter"].astype(str).map(index).to_numpy(), table["importer"].astype(str).map(index).to_numpy()), table["value"].to_numpy())
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
        names=tuple(gdp_table["name"].astype(str)) if gdp_table is not None and "name" in gdp_table.columns else (),
        unit=unit,
        source=source,
        rates=None if rates is None else _read_rates(Path(rates)),
    )


def load_default() -> Economy:
    """The embedded 2023 economy: 13 regions (12 economies incl. the EU-27, and ROW).

    Flows are BACI HS22 2023 goods flows aggregated from the study's
    194-country data, with domestic absorption, in millions of USD; GDP from
    WDI; local shares as calibrated on the 194-country data; announced and
    negotiated 2025 US rates in ``economy.rates`` ("liberation-day",
    "deal"). Sources: ``dealspace/economy/data/SOURCES.md``.
    """
    folder = resources.files("dealspace.economy") / "data"
    with resources.as_file(folder) as path:
        economy = load_tables(path / "trade_2023.csv", path / "regions_2023.csv", rates=path / "tariffs_2025.csv", unit="million USD")
    return Economy(
        iso3=economy.iso3,
        flows=economy.flows,
        local_share=economy.local_share,
        names=economy.names,
        gdp=economy.gdp,
        unit=economy.unit,
        source="dealspace embedded data 2023 (BACI HS22 V202501 via Ignatenko et al. 2025; WDI GDP)",
        rates=economy.rates,
    )


def load_data(path: str | Path | None = None) -> Economy:
    """An economy from a path: the study's folder, a user folder or file, or the embedded data.

    ``None`` gives :func:`load_default`. A folder with ``trade_cepii.csv`` is
    the study's (:func:`load_study`); a folder with ``trade.csv`` or
    ``trade.parquet`` (and optional ``gdp``, ``tariffs``, ``rates`` files of
    the same kind) or a single trade file is read with :func:`load_tables`.
    """
    if path is None:
        return load_default()
    path = Path(path)
    if path.is_dir():
        if (path / "trade_cepii.csv").is_file():
            return load_study(path)

        def find(stem: str) -> Path | None:
            hits = [path / f"{stem}{ext}" for ext in (".csv", ".parquet") if (path / f"{stem}{ext}").is_file()]
            return hits[0] if hits else None

        trade = find("trade")
        if trade is None:
            raise DealspaceError.single(str(path), "holds neither trade_cepii.csv (the study's data) nor trade.csv/trade.parquet", "give the study's folder or a folder with trade.csv (exporter, importer, value) and gdp.csv (iso3, gdp)")
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
            raise DealspaceError.single(str(path), f"has unknown type {path.suffix!r}", "use .csv or .parquet")
    except DealspaceError:
        raise
    except ImportError as err:
        raise DealspaceError.single(str(path), f"cannot be read ({err})", "install pyarrow to read Parquet, or use CSV") from None
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise DealspaceError.single(str(path), f"cannot be read: {err}", "save it as a plain CSV with a header row") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DealspaceError.single(f"{path}", f"lacks column(s) {missing} (has {list(frame.columns)[:8]})", f"give the columns {list(required)}")
    return frame


def _numeric(frame: pd.DataFrame, path: Path, columns: Sequence[str], blank_is_zero: bool = False) -> pd.DataFrame:
    out = frame[list(columns)].apply(pd.to_numeric, errors="coerce")
    for column in columns:
        raw, num = frame[column], out[column]
        bad = num.isna() & (raw.notna() if blank_is_zero else True)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DealspaceError.single(f"{path}, column {column!r}", f"row {row + 2} is {raw.iloc[row]!r}, not a number", "use plain numbers (no units or thousands separators)" + ("" if blank_is_zero else "; write 0 for none"))
        if np.isinf(num.to_numpy()).any():
            raise DealspaceError.single(f"{path}, column {column!r}", "has infinite values", "use finite numbers")
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
                raise DealspaceError.single(f"{path}, column {column!r}", f"unknown regions {unknown[:8]}", "use the codes of the trade table")
        out[frame["exporter"].astype(str).map(index).to_numpy(), frame["importer"].astype(str).map(index).to_numpy()] = rate
    else:
        first = frame.columns[0]
        frame = frame.set_index(frame[first].astype(str)).drop(columns=first)
        if set(frame.index) != set(codes) or set(frame.columns) != set(codes):
            raise DealspaceError.single(str(path), "is neither a long table (importer, exporter, rate) nor a matrix over the regions of the trade table", "give importer, exporter, rate columns, or a matrix with exporter rows and importer columns")
        out = _numeric(frame, path, list(frame.columns)).loc[list(codes), list(codes)].to_numpy()
    if (out <= -1).any():
        raise DealspaceError.single(f"{path}, column 'rate'", "has rates <= -1", "give rates as decimals (0.25 = 25 %)")
    return out


def _read_rates(path: Path) -> dict[str, dict[str, float]]:
    frame = _read_table(path, ("iso3",))
    sets = {"liberation-day": "liberation_day_rate", "deal": "deal_rate"}
    present = {name: col for name, col in sets.items() if col in frame.columns}
    if not present:
        raise DealspaceError.single(str(path), "has no rate column", "add liberation_day_rate and/or deal_rate")
    out: dict[str, dict[str, float]] = {}
    for name, column in present.items():
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise DealspaceError.single(f"{path}, column {column!r}", f"row {row + 2} is {frame[column].iloc[row]!r}, not a number", "use decimals (0.15 = 15 %) or leave blank")
        out[name] = {str(c): float(v) for c, v in zip(frame["iso3"], values, strict=True) if not np.isnan(v)}
    return out
