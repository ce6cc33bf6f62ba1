r"""Costs of delay per party: tariffs in force, priced by the economy module.

The model
---------
While there is no deal, the status-quo tariffs stay in force. For a party
``p`` with country ``c`` the general-equilibrium model
(:mod:`dealspace.economy`, the model of ``dealspace tariffs``) gives the
welfare change ``W_c(τ)`` (% of real income, a lasting change) under a
tariff matrix ``τ``. The scenario's tariff issues set the bilateral rates
(share-weighted, as in :mod:`dealspace.economy.scenario`); ``τ_sq`` holds
every tariff issue at its status quo, ``τ_deal`` at the deal being discussed
(the Nash package of the whole portfolio). Both are solved exactly (two GE
solves, no issue-by-issue approximation). Each week without the deal costs
the party

.. math::

    c_p = \kappa_p \cdot \max\bigl(0,\ W_c(τ_{deal}) − W_c(τ_{sq})\bigr) / (52\, Y)

points, with ``κ_p`` points per percentage point of welfare — the scale on
which the party values a standing tariff level, as ``value: economy`` does —
and ``Y`` the years over which the package's value is counted
(``valuation_years``, default :data:`VALUATION_YEARS`: a standing change
worth ``κ_p ΔW`` points delivers it over ``Y`` years, so a week's delay forgoes
``1/(52 Y)`` of it). ``κ_p`` is (:func:`exchange_rate`: a value given in the settings, the scenario's
economy setting, or the rate the party's own ``value: economy`` valuation of
the tariff issues implies; else :data:`POINTS_PER_WELFARE_PCT`). A party that the
model finds *better* off at the status-quo tariffs pays nothing (the signed
difference is reported).

In real terms: ``c_p / κ_p`` is the share of a year's real income lost per week,
so ``c_p / κ · 52`` % of income per year of delay.

The cost runs until the units holding the tariff issues bind
(:class:`~dealspace.process.costs.TimeCosts` ``status_quo_issues``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dealspace.errors import DealspaceError
from dealspace.process.candidates import TOL, Prepared, whole
from dealspace.space import DealSpace

#: Points per percentage point of welfare for a year, when neither the
#: scenario nor the settings give one (an assumption, stated with the result).
POINTS_PER_WELFARE_PCT = 10.0
#: Years over which a package's value is counted (an assumption: a US
#: presidential term; set ``valuation_years``).
VALUATION_YEARS = 4.0


@dataclass(frozen=True)
class TariffDelay:
    """What the tariffs in force cost each party per week without the deal.

    Attributes
    ----------
    parties, countries
        The parties and their ISO3 codes.
    issues
        The tariff issues priced.
    deal
        Issue → the option of the deal being discussed (the Nash package).
    welfare_sq, welfare_deal
        Party → welfare change (%) with the tariff issues at the status quo
        and at the deal (against the economy's baseline).
    points_per_welfare_pct
        ``κ``.
    per_week
        Party → ``c_p``, points per week.
    source
        The economy data's source.
    """

    parties: tuple[str, ...]
    countries: tuple[str, ...]
    issues: tuple[str, ...]
    deal: dict[str, Any]
    welfare_sq: dict[str, float]
    welfare_deal: dict[str, float]
    points_per_welfare_pct: dict[str, float]
    exchange_basis: dict[str, str]
    valuation_years: float
    per_week: dict[str, float]
    source: str

    @property
    def income_pct_per_week(self) -> dict[str, float]:
        """Party → % of a year's real income lost per week without the deal (``ΔW / 52``)."""
        return {p: max(0.0, self.welfare_deal[p] - self.welfare_sq[p]) / 52.0 for p in self.parties}

    def to_dict(self) -> dict[str, Any]:
        return {
            "parties": list(self.parties),
            "countries": list(self.countries),
            "issues": list(self.issues),
            "deal": {k: v for k, v in self.deal.items()},
            "welfare_sq_pct": dict(self.welfare_sq),
            "welfare_deal_pct": dict(self.welfare_deal),
            "points_per_welfare_pct": dict(self.points_per_welfare_pct),
            "exchange_basis": dict(self.exchange_basis),
            "valuation_years": self.valuation_years,
            "points_per_week": dict(self.per_week),
            "annual_income_pct_per_week": self.income_pct_per_week,
            "source": self.source,
        }


def tariff_issues(space: DealSpace) -> tuple[str, ...]:
    """The scenario's tariff issues (those with a ``tariff`` spec)."""
    return tuple(i.id for i in space.scenario.issues if i.tariff is not None)


def can_price(space: DealSpace) -> bool:
    """Whether the tariff delay cost can be priced: tariff issues and a country for every party."""
    scenario = space.scenario
    return bool(tariff_issues(space)) and all(scenario.party(p).country for p in space.parties)


def nash_package(space: DealSpace) -> dict[str, Any]:
    """The deal being discussed: the Nash package of the whole-package
    candidate table (the status quo when no package gives both sides a gain)."""
    prepared = Prepared(space)
    table = prepared.table(whole(space), whole_package=True)
    scenario = space.scenario
    deal = dict(scenario.status_quo())
    if table.size == 0:
        return deal
    gains = table.utility - table.reservation
    ok = (gains > TOL).all(axis=1)
    if not ok.any():
        return deal
    score = np.where(ok, np.log(np.where(ok[:, None], gains, 1.0)).sum(axis=1), -np.inf)
    best = int(np.argmax(score))
    for issue_id, k in zip(table.issues, table.options[best], strict=True):
        deal[issue_id] = scenario.issue(issue_id).option_ids[int(k)]
    return deal


def exchange_rate(space: DealSpace, party: str, given: float | None = None) -> tuple[float, str]:
    """``κ_p``, points per percentage point of welfare, and where it comes from.

    In order: the value ``given``; the scenario's ``economy.points_per_welfare_pct``;
    the rate implied by the party's own valuation of its ``value: economy``
    tariff issues — ``Σ_k w_k / Σ_k (max_o W_k(o) − min_o W_k(o))`` over those
    issues (weights ``w_k`` and, from the scenario's tariff pricing, the range
    of the party's welfare over each issue's options), since such an issue is
    worth ``w_k`` points over that range; else :data:`POINTS_PER_WELFARE_PCT`.
    """
    scenario = space.scenario
    if given is not None:
        return float(given), "given"
    if scenario.economy is not None and scenario.economy.points_per_welfare_pct is not None:
        return float(
            scenario.economy.points_per_welfare_pct
        ), "scenario economy.points_per_welfare_pct"
    spec = scenario.party(party)
    priced = [
        (i, v.weight)
        for i, v in spec.valuations.items()
        if v.value == "economy" and scenario.issue(i).tariff is not None
    ]
    if priced and spec.country:
        from dealspace.economy.scenario import price_tariffs

        compiled = space.compiled
        pricing = (
            compiled.pricing
            if compiled is not None and compiled.pricing is not None
            else price_tariffs(scenario)
        )
        c = pricing.regions.index(spec.country)
        weight = sum(w for _, w in priced)
        span = sum(float(np.ptp(pricing.welfare[i][:, c])) for i, _ in priced)
        if span > 0 and weight > 0:
            return weight / span, f"implied by {party}'s valuation of " + ", ".join(
                i for i, _ in priced
            )
    return POINTS_PER_WELFARE_PCT, "default (an assumption)"


def tariff_delay(
    space: DealSpace,
    points_per_welfare_pct: float | None = None,
    valuation_years: float = VALUATION_YEARS,
) -> TariffDelay:
    """Price the weekly cost of the status-quo tariffs for each party (module docstring).

    Raises
    ------
    DealspaceError
        When the scenario has no tariff issue or a party has no country.
    """
    from dealspace.economy.gravity import solve
    from dealspace.economy.regions import region_welfare
    from dealspace.economy.scenario import package_tariffs, scenario_base, scenario_economy

    scenario = space.scenario
    issues = tariff_issues(space)
    if not issues:
        raise DealspaceError.single(
            "issues",
            "the scenario has no tariff issue to price",
            "give the delay costs as numbers (--delay-cost)",
        )
    for p in space.parties:
        if not scenario.party(p).country:
            raise DealspaceError.single(
                f"parties.{p}.country",
                "no country: the economy module cannot price its delay",
                "add an ISO3 'country' to the party, or switch the tariff cost off",
            )
    if points_per_welfare_pct is not None and not (
        np.isfinite(points_per_welfare_pct) and points_per_welfare_pct >= 0
    ):
        raise DealspaceError.single(
            "points_per_welfare_pct", f"{points_per_welfare_pct!r} is not a number ≥ 0"
        )
    if not (np.isfinite(valuation_years) and valuation_years > 0):
        raise DealspaceError.single("valuation_years", f"{valuation_years!r} is not a number > 0")
    kappa = {p: exchange_rate(space, p, points_per_welfare_pct) for p in space.parties}
    economy, params = scenario_economy(scenario)
    base = scenario_base(
        scenario, economy, params
    )  # the scenario's base world (by default the rates in force at its date)
    tariff = [scenario.issue(i) for i in issues]
    deal = nash_package(space)

    def matrix(package: dict[str, Any]) -> np.ndarray:
        choice = {}
        for issue in tariff:
            k = issue.option_index(package[issue.id])
            choice[issue.id] = issue.status_quo_index if k is None else k
        return package_tariffs(scenario, economy, base, choice)

    sq = scenario.status_quo()
    w_sq = 100.0 * (solve(economy, matrix(sq), params).welfare_hat - 1.0)
    w_deal = 100.0 * (solve(economy, matrix(deal), params).welfare_hat - 1.0)
    countries = tuple(str(scenario.party(p).country) for p in space.parties)
    # a region (EU) as its members' expenditure-weighted mean, as the pricing of value: economy
    welfare_sq = {
        p: region_welfare(economy, w_sq, c) for p, c in zip(space.parties, countries, strict=True)
    }
    welfare_deal = {
        p: region_welfare(economy, w_deal, c) for p, c in zip(space.parties, countries, strict=True)
    }
    per_week = {
        p: kappa[p][0] * max(0.0, welfare_deal[p] - welfare_sq[p]) / (52.0 * valuation_years)
        for p in space.parties
    }
    return TariffDelay(
        parties=tuple(space.parties),
        countries=countries,
        issues=issues,
        deal={i: deal[i] for i in issues},
        welfare_sq=welfare_sq,
        welfare_deal=welfare_deal,
        points_per_welfare_pct={p: k for p, (k, _) in kappa.items()},
        exchange_basis={p: why for p, (_, why) in kappa.items()},
        valuation_years=float(valuation_years),
        per_week=per_week,
        source=economy.source,
    )
