"""The wider world: a bellwether deal watched by many partners (see :mod:`dealspace.world.model`)."""

from dealspace.world.calibration import (
    Partner,
    World,
    compare_with_history,
    list_worlds,
    load_world,
)
from dealspace.world.model import (
    WorldResult,
    by_position,
    compare_variants,
    domino,
    first_mover,
    metrics,
    prior_sensitivity,
    retaliation_by_first,
    simulate,
    summary,
)
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
