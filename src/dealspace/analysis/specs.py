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
from dealspace.present.document import Chart
from dealspace.space import DealSpace
from dealspace.tolerances import REL_TOL

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




def frontier_chart(frontier: Frontier, solutions: Mapping[str, Solution], names: Sequence[str]) -> Chart | None:
    """Chart spec: the frontier of the first two parties with BATNAs, status quo, solutions."""
    space = frontier.space
    if space.n_parties < 2 or not len(frontier):
        return None
    sols = {k: [v.utilities[p] for p in space.parties[:2]] for k, v in solutions.items() if v.agreement}
    return Chart(
        "frontier", "frontier", "Pareto frontier, BATNAs, status quo and bargaining solutions",
        {
            "utilities": frontier.utilities[:, :2].tolist(),
            "parties": list(names[:2]),
            "batna": space.batna[:2].tolist(),
            "status_quo": space.status_quo_utility[:2].tolist(),
            "solutions": sols,
            "cloud": sample_utilities(space, CLOUD)[:, :2].tolist(),
        },
    )



def linkage_chart(link: LinkageResult, names: Mapping[str, str] | None = None) -> Chart:
    """Chart spec: the waterfall from each domain alone to one portfolio (joint gains)."""
    names = names or {}
    steps: list[tuple[str, float, str]] = []
    changes = sum(float(sum(si.change)) for si in link.silos)
    base = float(sum(link.silo_sum)) - changes  # joint surplus of the status quo over the BATNAs
    if abs(base) > REL_TOL:
        steps.append(("status quo", base, "total"))
    for silo in link.silos:
        steps.append((names.get(silo.domain, silo.domain), float(sum(silo.change)), "delta" if silo.agreement else "none"))
    interactions = link.silo_joint - base - changes
    if abs(interactions) > REL_TOL:
        steps.append(("cross-domain effects", interactions, "delta"))
    steps.append(("silos combined", link.silo_joint, "total"))
    steps.append(("value of linkage", link.joint_linkage_value, "delta"))
    steps.append(("portfolio", link.portfolio_joint, "total"))
    return Chart(
        "waterfall", "linkage", "Joint gain: each domain alone, then one portfolio",
        {"steps": steps, "ylabel": "joint gain over BATNAs (sum of points)"},
    )



def shapley_chart(values: DomainValues, names: Mapping[str, str] | None = None) -> Chart:
    """Chart spec: each domain's Shapley value."""
    names = names or {}
    return Chart(
        "bars", "shapley", "Each domain's Shapley value to the portfolio",
        {"labels": [names.get(d, d) for d in values.domains], "series": {"Shapley value": list(values.values)},
         "xlabel": "joint points", "signed_colors": True},
    )



def redlines_chart(prices: RedlinePrices, labels: Mapping[str, str] | None = None) -> Chart | None:
    """Chart spec: what each binding constraint costs each party (None when none binds)."""
    labels = labels or {}
    binds = [c for c in prices.prices if not c.free]
    if not binds:
        return None
    return Chart(
        "bars", "redlines", "What the binding constraints cost",
        {"labels": [f"{labels.get(c.party, c.party)}: {c.label or c.key.split(':', 1)[1]}" for c in binds],
         "series": {labels.get(p, p): [c.delta[k] for c in binds] for k, p in enumerate(prices.parties)},
         "xlabel": "change of each party's Nash gain if the constraint were dropped (points)"},
    )
