"""Price a scenario's tariff options with the general-equilibrium model.

A tariff issue declares who levies it, on whom, and (optionally) the share of
the bilateral flow it covers (``tariff: {levied_by: USA, on: JPN, share:
0.35}``). The one-sector model sees one tariff per country pair, so the
bilateral rate is the share-weighted sum of the scenario's tariff issues on
that pair (shares of one pair should add up to at most 1; the rest of the flow
keeps the economy's baseline rate).

Each option of issue ``k`` is priced with every other tariff issue at its
status quo (a first-order, issue-by-issue approximation that keeps utilities
additive):

    W_k(o)[c] = 100 · (Ŵ_c − 1),  the welfare change (%) of region c
                when issue k is at option o and all others at the status quo.

A party with ``country: c`` and ``value: economy`` on issue k gets

    v_k(o) = points · (W_k(o)[c] − W_k(sq)[c])     if ``points_per_welfare_pct`` is set,
    v_k(o) = (W_k(o)[c] − min W) / (max W − min W)  otherwise (worst 0, best 1),

which the issue weight then multiplies, like any hand-set value.

Reference: the model is that of Ignatenko, Lashkaripour, Macedoni and
Simonovska (2025), "Making America Great Again? The Economic Impacts of
Liberation Day Tariffs", JIE 157:104138; see :mod:`dealspace.economy.gravity`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dealspace.errors import DealspaceError, Problem, did_you_mean

if TYPE_CHECKING:
    from dealspace.economy.gravity import Economy, ModelParams
    from dealspace.scenario.model import Issue, Scenario


@dataclass(frozen=True)
class TariffPricing:
    """Welfare change (%) of every region for each option of each tariff issue."""

    regions: tuple[str, ...]
    welfare: dict[str, np.ndarray]  # issue id → (options × regions)
    rates: dict[str, np.ndarray]  # issue id → rate (%) of each option
    source: str

    def to_frame(self, scenario: Scenario) -> pd.DataFrame:
        """Long table: issue, option, rate_pct, iso3, welfare_pct."""
        rows = []
        for issue_id, table in self.welfare.items():
            issue = scenario.issue(issue_id)
            for k, option in enumerate(issue.option_ids):
                for c, region in enumerate(self.regions):
                    rows.append(
                        {
                            "issue": issue_id,
                            "option": issue.label(option),
                            "rate_pct": float(self.rates[issue_id][k]),
                            "iso3": region,
                            "welfare_pct": float(table[k, c]),
                        }
                    )
        return pd.DataFrame(rows)


def option_rates(issue: Issue) -> np.ndarray:
    """The tariff rate (%) each option of a tariff issue stands for."""
    assert issue.tariff is not None
    if issue.tariff.rates is not None:
        rates = np.zeros(len(issue.option_ids))
        for key, rate in issue.tariff.rates.items():
            k = issue.option_index(key)
            assert k is not None, "checked at load"
            rates[k] = rate
        return rates
    return np.array(issue.option_ids, dtype=float)


def price_tariffs(scenario: Scenario) -> TariffPricing:
    """Solve the GE model for every option of every tariff issue of a scenario."""
    from dealspace.economy.gravity import solve

    economy, params = _economy(scenario)
    issues = [i for i in scenario.issues if i.tariff is not None]
    _check_regions(scenario, economy, issues)
    status_quo = {i.id: option_rates(i)[i.status_quo_index] for i in issues}
    welfare: dict[str, np.ndarray] = {}
    cache: dict[bytes, np.ndarray] = {}
    for issue in issues:
        rates = option_rates(issue)
        table = np.zeros((len(rates), economy.n))
        for k, rate in enumerate(rates):
            t = _tariff_matrix(economy, issues, {**status_quo, issue.id: rate})
            key = t.tobytes()
            if key not in cache:
                cache[key] = 100.0 * (solve(economy, t, params).welfare_hat - 1.0)
            table[k] = cache[key]
        welfare[issue.id] = table
    return TariffPricing(
        regions=economy.iso3,
        welfare=welfare,
        rates={i.id: option_rates(i) for i in issues},
        source=economy.source,
    )


def economy_values(
    scenario: Scenario, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], np.ndarray]:
    """Value tables ``(party, issue) → v(option)`` for ``value: economy`` valuations
    (before the issue weight is applied; see the module docstring)."""
    pricing = price_tariffs(scenario)
    points = scenario.economy.points_per_welfare_pct if scenario.economy else None
    out = {}
    for party_id, issue_id in pairs:
        party = scenario.party(party_id)
        issue = scenario.issue(issue_id)
        assert party.country is not None, "checked at load"
        w = pricing.welfare[issue_id][:, pricing.regions.index(party.country)]
        if points is not None:
            out[party_id, issue_id] = points * (w - w[issue.status_quo_index])
        else:
            span = w.max() - w.min()
            out[party_id, issue_id] = (w - w.min()) / span if span > 0 else np.zeros_like(w)
    return out


def _economy(scenario: Scenario) -> tuple[Economy, ModelParams]:
    from dealspace.economy.data import load_data, load_default
    from dealspace.economy.gravity import ModelParams

    settings = scenario.economy
    if settings is None or settings.data == "default":
        economy = load_default()
    else:
        economy = load_data(settings.data)
    revenue = settings.revenue if settings is not None else "lump-sum"
    return economy, ModelParams(revenue_use=revenue)


def _tariff_matrix(economy: Economy, issues: list[Issue], rates: dict[str, float]) -> np.ndarray:
    """Baseline tariffs with each country pair's rate replaced by the
    share-weighted sum of the scenario's tariff issues on that pair."""
    t = np.array(economy.tariffs, dtype=float)
    pairs: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for issue in issues:
        assert issue.tariff is not None
        j, i = economy.index(issue.tariff.on), economy.index(issue.tariff.levied_by)
        pairs.setdefault((j, i), []).append((issue.tariff.share, rates[issue.id] / 100.0))
    for (j, i), parts in pairs.items():
        covered = sum(share for share, _ in parts)
        t[j, i] = sum(share * rate for share, rate in parts) + max(0.0, 1.0 - covered) * t[j, i]
    return t


def _check_regions(scenario: Scenario, economy: Economy, issues: list[Issue]) -> None:
    problems = []
    regions = economy.iso3
    for d, domain in enumerate(scenario.domains):
        for k, issue in enumerate(domain.issues):
            if issue.tariff is None:
                continue
            for key in ("levied_by", "on"):
                code = getattr(issue.tariff, key)
                if code not in regions:
                    problems.append(
                        Problem(
                            f"domains[{d}].issues[{k}].tariff.{key}",
                            f"'{code}' is not a region of the economy data",
                            did_you_mean(code, regions),
                        )
                    )
    for p, party in enumerate(scenario.parties):
        uses = any(v.value == "economy" for v in party.valuations.values())
        if uses and party.country not in regions:
            problems.append(
                Problem(
                    f"parties[{p}].country",
                    f"'{party.country}' is not a region of the economy data",
                    did_you_mean(str(party.country), regions),
                )
            )
    by_pair: dict[tuple[str, str], float] = {}
    for issue in issues:
        assert issue.tariff is not None
        pair = (issue.tariff.levied_by, issue.tariff.on)
        by_pair[pair] = by_pair.get(pair, 0.0) + issue.tariff.share
    for (by, on), total in by_pair.items():
        if total > 1.0 + 1e-9:
            problems.append(
                Problem(
                    "tariff.share",
                    f"the tariff issues levied by {by} on {on} cover {total:.2f} of the flow, more than 1",
                    "make the shares of one country pair add up to at most 1",
                )
            )
    if problems:
        raise DealspaceError(problems, f"scenario '{scenario.name}'")
