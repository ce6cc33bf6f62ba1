"""The wider world: a bellwether deal watched by many partners.

The game and :func:`simulate` are in :mod:`dealspace.world.model`; the file
format in :mod:`dealspace.world.spec`; deal terms that spill over in
:mod:`dealspace.world.terms`; the experiments built on it (domino, first
mover, variants, prior sensitivity) in :mod:`dealspace.world.experiments`;
proper scores of the fit to 2025 in :mod:`dealspace.world.scores`; the
whole `dealspace world` job as one result object in
:mod:`dealspace.world.run`.
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
from dealspace.world.model import WorldResult, simulate, simulate_many
from dealspace.world.payoffs import PayoffTable
from dealspace.world.run import (
    BellwetherBrief,
    WorldReport,
    bellwether_brief,
    run_experiments,
    run_world,
)
from dealspace.world.scores import FitScores, fit_scores

__all__ = [
    "BellwetherBrief",
    "FitScores",
    "Partner",
    "PayoffTable",
    "World",
    "WorldReport",
    "WorldResult",
    "bellwether_brief",
    "by_position",
    "compare_variants",
    "compare_with_history",
    "domino",
    "first_mover",
    "fit_scores",
    "list_worlds",
    "load_world",
    "metrics",
    "prior_sensitivity",
    "retaliation_by_first",
    "run_experiments",
    "run_world",
    "simulate",
    "simulate_many",
    "summary",
]
