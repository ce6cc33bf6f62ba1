"""Negotiation process simulation: protocols × strategies under time costs.

The modules, from the ground up:

* :mod:`~dealspace.process.candidates` — units of the package and their
  candidate tables;
* :mod:`~dealspace.process.agent` — what an agent sees on a track and the
  strategy interface;
* :mod:`~dealspace.process.strategies` — the concrete strategies and their
  registry;
* :mod:`~dealspace.process.engine` — tracks played round by round, for many
  runs at once;
* :mod:`~dealspace.process.protocols` — how the package is split into tracks
  and bargained;
* :mod:`~dealspace.process.costs` — discounting, running costs, breakdown risk;
* :mod:`~dealspace.process.cell` — a protocol and two strategies on a deal
  space, played and settled;
* :mod:`~dealspace.process.simulate` — one run with its trace;
* :mod:`~dealspace.process.montecarlo` — many runs and their distributions;
* :mod:`~dealspace.process.settings` — a comparison's settings, its calendar
  and time costs;
* :mod:`~dealspace.process.verdict` — the verdict and the sensitivity grid;
* :mod:`~dealspace.process.compare` — protocols compared on a calendar (the
  settings' and the verdict's names are importable from it too);
* :mod:`~dealspace.process.sweep` — grids of Monte Carlo batches.
"""

from dealspace.process.agent import State, Strategy
from dealspace.process.costs import TimeCosts
from dealspace.process.montecarlo import MonteCarloResult, monte_carlo
from dealspace.process.protocols import (
    PROTOCOLS,
    AlternatingOffers,
    ParallelSilos,
    Protocol,
    SequentialBinding,
    SingleNegotiatingText,
    get_protocol,
)
from dealspace.process.simulate import Run, best_reachable, simulate
from dealspace.process.strategies import STRATEGIES, get_strategy

__all__ = [
    "PROTOCOLS",
    "STRATEGIES",
    "AlternatingOffers",
    "MonteCarloResult",
    "ParallelSilos",
    "Protocol",
    "Run",
    "SequentialBinding",
    "SingleNegotiatingText",
    "State",
    "Strategy",
    "TimeCosts",
    "best_reachable",
    "get_protocol",
    "get_strategy",
    "monte_carlo",
    "simulate",
]
