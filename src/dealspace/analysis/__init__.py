"""Analyses of a deal space: Pareto frontier, bargaining solutions, ZOPA."""

from dealspace.analysis.bargaining import (
    Solution,
    egalitarian,
    kalai_smorodinsky,
    nash,
    solve,
    utilitarian,
)
from dealspace.analysis.pareto import Frontier, dominates, is_pareto_optimal, pareto_frontier
from dealspace.analysis.zopa import ZopaResult, zopa

__all__ = [
    "Frontier",
    "Solution",
    "ZopaResult",
    "dominates",
    "egalitarian",
    "is_pareto_optimal",
    "kalai_smorodinsky",
    "nash",
    "pareto_frontier",
    "solve",
    "utilitarian",
    "zopa",
]
