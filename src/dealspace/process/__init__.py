"""Negotiation process simulation: protocols × strategies under time costs."""

from dealspace.process.costs import TimeCosts
from dealspace.process.protocols import (
    PROTOCOLS,
    AlternatingOffers,
    ParallelSilos,
    Protocol,
    SequentialBinding,
    SingleNegotiatingText,
    get_protocol,
)
from dealspace.process.simulate import MonteCarloResult, Run, best_reachable, monte_carlo, simulate
from dealspace.process.strategies import STRATEGIES, State, Strategy, get_strategy

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
