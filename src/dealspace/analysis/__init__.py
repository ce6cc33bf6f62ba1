"""Analyses of a deal space: Pareto frontier, bargaining solutions, ZOPA, linkage,
domain values, red-line prices, logrolls, offers, early harvests.

Every analysis is a function of a :class:`~dealspace.space.DealSpace` (or a
Scenario, compiled once on the way in) returning a result object with
``to_frame()``, ``to_dict()`` and a notebook display.
"""

from dealspace.analysis.bargaining import (
    Solution,
    egalitarian,
    kalai_smorodinsky,
    nash,
    solve,
    utilitarian,
)
from dealspace.analysis.harvest import HarvestResult, early_harvest
from dealspace.analysis.logroll import Logrolls, logrolls
from dealspace.analysis.offers import OfferMenu, equivalent_offers
from dealspace.analysis.pareto import Frontier, dominates, is_pareto_optimal, pareto_frontier
from dealspace.analysis.redlines import RedlinePrices, redline_prices
from dealspace.analysis.shapley import DomainValues, domain_values
from dealspace.analysis.silos import LinkageResult, linkage
from dealspace.analysis.zopa import ZopaResult, zopa

__all__ = [
    "DomainValues",
    "Frontier",
    "HarvestResult",
    "LinkageResult",
    "Logrolls",
    "OfferMenu",
    "RedlinePrices",
    "Solution",
    "ZopaResult",
    "domain_values",
    "dominates",
    "early_harvest",
    "egalitarian",
    "equivalent_offers",
    "is_pareto_optimal",
    "kalai_smorodinsky",
    "linkage",
    "logrolls",
    "nash",
    "pareto_frontier",
    "redline_prices",
    "solve",
    "utilitarian",
    "zopa",
]
