"""Chart specs from result objects, shared by the report and the notebook display.

Each function reads one result object and returns a
:class:`~dealspace.report.build.Chart` spec (kind, key, title, data) that
:func:`dealspace.present.charts.render` draws. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from dealspace.analysis.bargaining import Solution
from dealspace.analysis.pareto import Frontier
from dealspace.analysis.redlines import RedlinePrices
from dealspace.analysis.shapley import DomainValues
from dealspace.analysis.silos import LinkageResult
from dealspace.analysis.worth import DomainWorth
from dealspace.present.document import Chart
from dealspace.space import DealSpace

#: Acceptable packages sampled as the frontier chart's background.
CLOUD = 1000


def sample_utilities(space: DealSpace, n: int, seed: int = 0) -> np.ndarray:
    """Utilities of ``n`` acceptable packages drawn uniformly (one row per block at random)."""
    if space.empty:
        return np.zeros((0, space.n_parties))
    rng = np.random.default_rng(seed)
    out = np.zeros((n, space.n_parties))
    for block in space.blocks:
        out += block.utility[rng.integers(block.size, size=n)]
    return out


def frontier_chart(
    frontier: Frontier, solutions: Mapping[str, Solution], names: Sequence[str]
) -> Chart | None:
    """Chart spec: the frontier of the first two parties with BATNAs, status quo, solutions."""
    space = frontier.space
    if space.n_parties < 2 or not len(frontier):
        return None
    sols = {
        k: [v.utilities[p] for p in space.parties[:2]] for k, v in solutions.items() if v.agreement
    }
    return Chart(
        "frontier",
        "frontier",
        "Pareto frontier, BATNAs, status quo and bargaining solutions",
        {
            "utilities": frontier.utilities[:, :2].tolist(),
            "parties": list(names[:2]),
            "batna": space.batna[:2].tolist(),
            "status_quo": space.status_quo_utility[:2].tolist(),
            "solutions": sols,
            "cloud": sample_utilities(space, CLOUD)[:, :2].tolist(),
        },
    )


def linkage_chart(
    link: LinkageResult,
    names: Mapping[str, str] | None = None,
    parties: Mapping[str, str] | None = None,
) -> Chart:
    """Chart spec: each party's gain in silos, in the portfolio, and the value of linkage
    (grouped bars, one colour per party; each in its own points, never summed)."""
    del names  # the chart shows totals, not domains
    parties = parties or {}
    steps = ["silos combined", "portfolio", "value of linkage"]
    series = {
        parties.get(p, p): [link.silo_gains[k], link.portfolio.gains[k], link.linkage_value[k]]
        for k, p in enumerate(link.parties)
    }
    if link.threats is not None:
        # with the split shown, the value of linkage above is its integrative part
        steps[-1] = "value of linkage: integrative part"
        steps.append("value of linkage: threat-based part")
        for k, p in enumerate(link.parties):
            series[parties.get(p, p)].append(link.threats.threat[k])
    return Chart(
        "bars",
        "linkage",
        "Gains over BATNA: silos vs one portfolio",
        {"labels": steps, "series": series, "xlabel": "gain over BATNA (each party's own points)"},
    )


def worth_chart(
    worth: DomainWorth,
    names: Mapping[str, str] | None = None,
    parties: Mapping[str, str] | None = None,
) -> Chart:
    """Chart spec: each domain's marginal value given all the others, one bar per party."""
    names = names or {}
    parties = parties or {}
    return Chart(
        "bars",
        "domains",
        "What each party loses if a domain leaves the table",
        {
            "labels": [names.get(d, d) for d in worth.domains],
            "series": {
                parties.get(p, p): [m[q] for m in worth.marginal]
                for q, p in enumerate(worth.parties)
            },
            "xlabel": "marginal value given all other domains (each party's own points)",
            "signed_colors": False,
        },
    )


def shapley_chart(values: DomainValues, names: Mapping[str, str] | None = None) -> Chart:
    """Chart spec: each domain's Shapley value."""
    names = names or {}
    return Chart(
        "bars",
        "shapley",
        "Each domain's Shapley value to the portfolio",
        {
            "labels": [names.get(d, d) for d in values.domains],
            "series": {"Shapley value": list(values.values)},
            "xlabel": "joint points",
            "signed_colors": True,
        },
    )


def redlines_chart(prices: RedlinePrices, labels: Mapping[str, str] | None = None) -> Chart | None:
    """Chart spec: what each binding constraint costs each party (None when none binds)."""
    labels = labels or {}
    binds = [c for c in prices.prices if not c.free]
    if not binds:
        return None
    return Chart(
        "bars",
        "redlines",
        "What the binding constraints cost",
        {
            "labels": [
                f"{labels.get(c.party, c.party)}: {c.label or c.key.split(':', 1)[1]}"
                for c in binds
            ],
            "series": {
                labels.get(p, p): [c.delta[k] for c in binds] for k, p in enumerate(prices.parties)
            },
            "xlabel": "change of each party's Nash gain if the constraint were dropped (points)",
        },
    )
