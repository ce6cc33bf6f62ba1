r"""The tariff effects a scenario's report shows, following the scenario's own parties and date.

For a scenario with tariff issues and, optionally, a package (an option for
each issue), :func:`tariff_effects` solves the general-equilibrium model
twice on the scenario's economy (default: the study's 194 countries):

- the **status quo**: the scenario's base world (by default the US rates in
  force at the scenario's ``date``, :func:`dealspace.economy.policy.tariffs_in_force`)
  with each tariff issue at its status quo;
- the **package**: the same with the package's tariff terms
  (:func:`dealspace.economy.scenario.package_tariffs`).

Per country :math:`c`: the welfare change against the no-tariff baseline in
each world, :math:`100(\hat W^{sq}_c - 1)` and :math:`100(\hat W^{x}_c - 1)`,
and what the package changes, :math:`100(\hat W^{x}_c / \hat W^{sq}_c - 1)`.
Shown are the scenario's parties' countries (or regions, e.g. ``EU``) first,
then the display regions (:mod:`dealspace.economy.regions`), each an
expenditure-weighted mean over its countries. Only the country pairs the
scenario's issues tax appear in the rates, so a US–Korea scenario shows
Korea's rates, not Japan's. Pure: nothing is cached or drawn here; the
result says how it is drawn (:attr:`TariffEffects.drawn_as`).

Reference: Ignatenko, Lashkaripour, Macedoni and Simonovska (2025), JIE
157:104138 (the model, :mod:`dealspace.economy.gravity`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.errors import DealspaceError, did_you_mean
from dealspace.present.document import Chart
from dealspace.present.notebook import Displayed

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.economy.gravity import Economy, ModelParams
    from dealspace.scenario.model import Scenario


@dataclass(frozen=True)
class PairRates:
    """The rate (%) on one country pair the scenario taxes: base world, status quo, package."""

    levied_by: str
    on: str
    issues: tuple[str, ...]
    base_pct: float
    status_quo_pct: float
    package_pct: float | None

    @property
    def label(self) -> str:
        """``USA on KOR: 25.0 % → 15.0 %`` (or the status quo alone)."""
        head = f"{self.levied_by} on {self.on}: {self.status_quo_pct:.1f} %"
        return head if self.package_pct is None else f"{head} → {self.package_pct:.1f} %"


@dataclass(frozen=True)
class TariffEffects(Displayed):
    """Welfare effects of a scenario's tariff terms by region (GE model); see the module docstring.

    ``regions[k]`` (``names[k]``, ``roles[k]`` = "party" or "region") has
    welfare ``status_quo_pct[k]`` and ``package_pct[k]`` against the
    no-tariff baseline and ``change_pct[k]`` from status quo to package
    (``None`` without a package).
    """

    scenario: str
    date: str | None
    base: str
    base_description: str
    revenue: str
    pairs: tuple[PairRates, ...]
    regions: tuple[str, ...]
    names: tuple[str, ...]
    roles: tuple[str, ...]
    status_quo_pct: tuple[float, ...]
    package_pct: tuple[float, ...] | None
    change_pct: tuple[float, ...] | None
    source: str

    @property
    def drawn_as(self) -> str:
        """How the result is drawn."""
        if self.change_pct is None:
            return "horizontal bars: welfare change (%) by region in the status quo, against no tariffs; parties first"
        return "horizontal bars: welfare change (%) by region from the status quo to the package; parties first, labelled with the pairs' rates"

    @property
    def title(self) -> str:
        """A chart title naming the scenario's own pairs and date."""
        when = f" ({self.date})" if self.date else ""
        return f"Tariff effects of {self.scenario}{when}: " + "; ".join(p.label for p in self.pairs)

    def chart(self) -> Chart:
        """Horizontal bars (:attr:`drawn_as`): the package's change, else the status quo's welfare."""
        values = self.change_pct if self.change_pct is not None else self.status_quo_pct
        what = (
            "from the status quo to the package"
            if self.change_pct is not None
            else "in the status quo, against no tariffs"
        )
        return Chart(
            "bars",
            "tariffs",
            self.title,
            {
                "labels": list(self.names),
                "series": {"welfare change (%)": [float(v) for v in values]},
                "xlabel": f"welfare change (%) {what}",
                "signed_colors": True,
                "value_format": "{:+.3f}",
            },
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per region: name, role, status_quo_pct, package_pct, change_pct."""
        import pandas as pd

        data: dict[str, Any] = {
            "name": list(self.names),
            "role": list(self.roles),
            "status_quo_pct": list(self.status_quo_pct),
        }
        data["package_pct"] = (
            list(self.package_pct) if self.package_pct is not None else [None] * len(self.regions)
        )
        data["change_pct"] = (
            list(self.change_pct) if self.change_pct is not None else [None] * len(self.regions)
        )
        return pd.DataFrame(data, index=pd.Index(self.regions, name="region"))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (plain floats, ``None`` for missing values)."""
        return {
            "scenario": self.scenario,
            "date": self.date,
            "base": self.base,
            "base_description": self.base_description,
            "revenue": self.revenue,
            "title": self.title,
            "drawn_as": self.drawn_as,
            "source": self.source,
            "pairs": [
                {
                    "levied_by": p.levied_by,
                    "on": p.on,
                    "issues": list(p.issues),
                    "base_pct": _plain(p.base_pct),
                    "status_quo_pct": _plain(p.status_quo_pct),
                    "package_pct": _plain(p.package_pct),
                }
                for p in self.pairs
            ],
            "regions": [
                {
                    "region": r,
                    "name": self.names[k],
                    "role": self.roles[k],
                    "status_quo_pct": _plain(self.status_quo_pct[k]),
                    "package_pct": None
                    if self.package_pct is None
                    else _plain(self.package_pct[k]),
                    "change_pct": None if self.change_pct is None else _plain(self.change_pct[k]),
                }
                for k, r in enumerate(self.regions)
            ],
        }


def has_tariff_issues(scenario: Scenario) -> bool:
    """Whether the scenario has tariff issues (priced by the GE model)."""
    return any(issue.tariff is not None for issue in scenario.issues)


def tariff_effects(
    scenario: Scenario,
    package: Mapping[str, Any] | None = None,
    *,
    economy: Economy | None = None,
    params: ModelParams | None = None,
) -> TariffEffects:
    """The tariff effects of a scenario (and of a package of it) by region; see the module docstring.

    Parameters
    ----------
    scenario : Scenario
        With at least one tariff issue.
    package : mapping, optional
        Issue id → option (as in a deal space's packages); issues left out,
        and issues that are not tariffs, are ignored (tariff issues left out
        stay at their status quo).
    economy, params : optional
        Default: the scenario's (``economy: {data, revenue}``).

    Raises
    ------
    DealspaceError
        No tariff issue, or an option that is not one of its issue's.
    """
    from dealspace.economy.gravity import solve
    from dealspace.economy.policy import BASES
    from dealspace.economy.regions import display_groups, members, region_names
    from dealspace.economy.scenario import (
        base_name,
        package_tariffs,
        scenario_base,
        scenario_economy,
        tariff_groups,
    )

    if not has_tariff_issues(scenario):
        raise DealspaceError.single(
            scenario.origin,
            "has no tariff issue",
            "add a 'tariff' block to an issue to see its effects",
        )
    if economy is None or params is None:
        default_economy, default_params = scenario_economy(scenario)
        economy, params = economy or default_economy, params or default_params
    base = scenario_base(scenario, economy, params)
    sq_t = package_tariffs(scenario, economy, base, {})
    sq = solve(economy, sq_t, params)
    choice = _choice(scenario, package) if package is not None else None
    pk_t = package_tariffs(scenario, economy, base, choice) if choice is not None else None
    pk = solve(economy, pk_t, params, start=sq) if pk_t is not None else None

    names = region_names()
    groups = display_groups(economy)
    parties = [str(p.country) for p in scenario.parties if p.country]
    order = list(dict.fromkeys(parties + [g for g in groups if g not in parties]))
    roles = tuple("party" if r in parties else "region" for r in order)
    weights = economy.expenditure

    def mean(values: np.ndarray, code: str) -> float:
        idx = members(economy, code)
        return float(np.average(values[idx], weights=weights[idx]))

    w_sq = 100 * (sq.welfare_hat - 1)
    pairs = []
    for group in tariff_groups(scenario):
        spec = scenario.issue(group[0]).tariff
        assert spec is not None
        i, j = members(economy, spec.levied_by), members(economy, spec.on)
        cells = [(b, a) for a in i for b in j if a != b]

        def rate(t: np.ndarray, cells: list[tuple[int, int]] = cells) -> float:
            return float(100 * np.mean([t[c] for c in cells]))

        pairs.append(
            PairRates(
                spec.levied_by,
                spec.on,
                group,
                rate(base),
                rate(sq_t),
                None if pk_t is None else rate(pk_t),
            )
        )
    return TariffEffects(
        scenario=scenario.name,
        date=scenario.date,
        base=base_name(scenario),
        base_description=BASES.get(base_name(scenario), ""),
        revenue=params.revenue_use,
        pairs=tuple(pairs),
        regions=tuple(order),
        names=tuple(
            names.get(r, economy.names[economy.index(r)] if r in economy.iso3 else r) for r in order
        ),
        roles=roles,
        status_quo_pct=tuple(mean(w_sq, r) for r in order),
        package_pct=None
        if pk is None
        else tuple(mean(100 * (pk.welfare_hat - 1), r) for r in order),
        change_pct=None
        if pk is None
        else tuple(mean(100 * (pk.welfare_hat / sq.welfare_hat - 1), r) for r in order),
        source=economy.source,
    )


def _choice(scenario: Scenario, package: Mapping[str, Any]) -> dict[str, int]:
    out = {}
    for issue in scenario.issues:
        if issue.tariff is None or issue.id not in package:
            continue
        k = issue.option_index(package[issue.id])
        if k is None:
            raise DealspaceError.single(
                f"package.{issue.id}",
                f"'{package[issue.id]}' is not an option of '{issue.id}'",
                did_you_mean(str(package[issue.id]), map(str, issue.option_ids)),
            )
        out[issue.id] = k
    return out


def _plain(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)
