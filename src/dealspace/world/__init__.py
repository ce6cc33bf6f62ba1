"""The wider world: a bellwether deal watched by many partners.

The game and :func:`simulate` are in :mod:`dealspace.world.model`; the
experiments built on it (domino, first mover, variants, prior sensitivity)
and the tables that read results in :mod:`dealspace.world.experiments`.
"""

from dealspace.world.calibration import (
    Partner,
    World,
    compare_with_history,
    list_worlds,
    load_world,
)
from dealspace.world.experiments import (
    by_position,
    compare_variants,
    domino,
    first_mover,
    metrics,
    prior_sensitivity,
    retaliation_by_first,
    summary,
)
from dealspace.world.model import WorldResult, simulate
from dealspace.world.payoffs import PayoffTable

__all__ = [
    "Partner",
    "PayoffTable",
    "World",
    "WorldResult",
    "by_position",
    "compare_variants",
    "compare_with_history",
    "domino",
    "first_mover",
    "list_worlds",
    "load_world",
    "metrics",
    "prior_sensitivity",
    "retaliation_by_first",
    "simulate",
    "summary",
]
