r"""Regions as an aggregation of countries, for display and for naming groups.

The model is solved country by country (:func:`dealspace.economy.load_default`);
regions such as the EU-27 or the rest of the world are groups of countries
used to *show* results and to *name* many countries at once (``--retaliate
EU``, a scenario's ``tariff: {levied_by: USA, on: EU}``). The groups are the
13 study regions of ``dealspace/economy/data/regions_2023.csv`` (USA, JPN,
CHN, EU, GBR, CAN, MEX, KOR, VNM, IND, AUS, CHE, ROW); Taiwan, absent from
the study's countries, is in a group only when the economy has it.

Aggregating results
    For a group :math:`G` with baseline expenditure weights :math:`E_c`,
    a change in percent is the expenditure-weighted mean
    :math:`\bar z_G = \sum_{c\in G} E_c z_c / \sum_{c\in G} E_c` (the study's
    "non-US average"); exports, imports and trade balances are summed over
    the members (trade between members included: it is the members' trade).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from importlib import resources

import numpy as np
import pandas as pd

from dealspace.economy.gravity import Economy, Equilibrium, FloatArray
from dealspace.errors import DealspaceError, did_you_mean

REST = "ROW"


@functools.cache
def _table() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    text = (resources.files("dealspace.economy") / "data" / "regions_2023.csv").read_text(
        encoding="utf-8"
    )
    from io import StringIO

    frame = pd.read_csv(StringIO(text))
    return tuple(
        (str(c), str(n), tuple(str(m).split()))
        for c, n, m in zip(frame["iso3"], frame["name"], frame["members"], strict=True)
    )


def display_groups(economy: Economy) -> dict[str, tuple[str, ...]]:
    """Region code → member codes of ``economy``, covering every code exactly once.

    An economy whose codes are the regions themselves (e.g.
    :func:`~dealspace.economy.load_regions`) maps each code to itself.
    Countries in no named region go to ``ROW``.
    """
    codes = set(economy.iso3)
    out: dict[str, tuple[str, ...]] = {}
    taken: set[str] = set()
    for code, _, members in _table():
        if code == REST:
            continue
        inside = tuple(m for m in members if m in codes) if code not in codes else (code,)
        if inside:
            out[code] = inside
            taken.update(inside)
    rest = tuple(c for c in economy.iso3 if c not in taken)
    if rest:
        out[REST] = rest
    return out


def region_names() -> dict[str, str]:
    """Display names of the region codes."""
    return {code: name for code, name, _ in _table()}


def members(economy: Economy, code: str) -> list[int]:
    """Positions in ``economy`` of a country code or a region code (``EU``, ``ROW``)."""
    if code in economy.iso3:
        return [economy.index(code)]
    groups = display_groups(economy)
    if code in groups:
        return [economy.index(c) for c in groups[code]]
    raise DealspaceError.single(
        "region", f"unknown code {code!r}", did_you_mean(code, [*economy.iso3, *groups])
    )


def region_welfare(economy: Economy, welfare: np.ndarray, code: str) -> float:
    """Welfare of a country, or of a region (``EU``) as its members' expenditure-weighted mean:
    :math:`W_R = \\sum_{c \\in R} E_c W_c / \\sum_{c \\in R} E_c`."""
    idx = members(economy, code)
    return float(np.average(welfare[idx], weights=economy.expenditure[idx]))


def resolve(economy: Economy, codes: Sequence[str], where: str) -> list[int]:
    """Positions of comma-separated or listed codes (countries or regions), each once, in order."""
    out: list[int] = []
    for raw in codes:
        for code in (c.strip().upper() for c in str(raw).split(",")):
            if not code:
                continue
            try:
                found = members(economy, code)
            except DealspaceError:
                hint = did_you_mean(code, [*economy.iso3, *display_groups(economy)])
                raise DealspaceError.single(
                    where,
                    f"unknown country or region {code!r}",
                    hint or "use ISO3 codes (JPN) or a region (EU, ROW)",
                ) from None
            out.extend(k for k in found if k not in out)
    return out


def weighted(
    values: FloatArray, weights: FloatArray, groups: Mapping[str, Sequence[int]]
) -> dict[str, float]:
    """Weighted mean of ``values`` within each group of positions."""
    return {
        g: float(np.sum(values[idx] * weights[idx]) / np.sum(weights[idx]))
        for g, idx in groups.items()
    }


def regional_frame(
    eq: Equilibrium, groups: Mapping[str, Sequence[str]] | None = None
) -> pd.DataFrame:
    """One row per region: per-cent changes averaged with baseline expenditure weights, levels summed.

    Columns as in :meth:`Equilibrium.to_frame` (``name`` is the region's
    name; ``members`` the number of countries). Exports, imports and the
    trade balance of a region are its trade with countries *outside* it
    (intra-EU trade is the EU's domestic trade); their ratios to GDP are
    recomputed from these levels; ``deficit_pct`` is left out (use the
    balance levels).
    """
    eco = eq.economy
    groups = groups or display_groups(eco)
    frame = eq.to_frame()
    names = region_names()
    weights = eco.expenditure
    member = np.zeros((len(groups), eco.n))
    for g, ms in enumerate(groups.values()):
        member[g, [eco.index(c) for c in ms]] = 1.0
    off = 1 - np.eye(len(groups))
    x0, x1 = member @ eco.flows @ member.T * off, member @ eq.flows @ member.T * off
    y0 = member @ eco.income
    y1 = member @ (eq.wage_hat * eq.labour_hat * eco.income)
    e0 = member @ weights
    out = pd.DataFrame(
        {
            "iso3": list(groups),
            "name": [names.get(g, g) for g in groups],
            "members": member.sum(axis=1).astype(int),
        }
    )
    if len(groups) == eco.n and all(len(ms) == 1 for ms in groups.values()):
        out["name"] = [eco.names[eco.index(ms[0])] for ms in groups.values()]
    for column in (
        "welfare_pct",
        "price_index_pct",
        "employment_pct",
        "wage_pct",
        "expenditure_pct",
    ):
        out[column] = member @ (frame[column].to_numpy() * weights) / e0
    exports0, exports1, imports0, imports1 = (
        x0.sum(axis=1),
        x1.sum(axis=1),
        x0.sum(axis=0),
        x1.sum(axis=0),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["exports_pct"] = 100 * (exports1 / exports0 - 1)
        out["imports_pct"] = 100 * (imports1 / imports0 - 1)
        out["exports_gdp_pct"] = 100 * ((exports1 / y1) / (exports0 / y0) - 1)
        out["imports_gdp_pct"] = 100 * ((imports1 / y1) / (imports0 / y0) - 1)
    out["trade_balance"] = exports0 - imports0
    out["trade_balance_new"] = exports1 - imports1
    out["tariff_revenue"] = member @ eq.revenue
    out["tariff_revenue_pct"] = 100 * out["tariff_revenue"].to_numpy() / e0
    return out
