r"""Simulate one negotiation and keep its full trace.

The model
---------
:func:`simulate` plays one run of a cell (:mod:`dealspace.process.cell`: a
protocol, two strategies, time costs, a noise level) from one seed; given the
seed :func:`~dealspace.process.montecarlo.monte_carlo` gave one of its runs,
it replays that run.

Outcomes per run (:class:`Run`): agreement (complete), partial (some units
bound, not all), breakdown, the round of the agreement, the final package,
each party's utility and realised value
(:func:`dealspace.process.costs.settle`), its path over the rounds
(:func:`dealspace.process.costs.value_path`), the distances — in utilities
normalised to each party's feasible range — from the outcome to the Pareto
frontier and to the Nash package, and the trace of offers, answers, texts,
objections and bindings.

:func:`best_reachable` scores the best complete agreement a protocol can
reach (:meth:`~dealspace.process.protocols.Protocol.reachable`), the
yardstick for what its runs achieve.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.errors import DealspaceError, did_you_mean
from dealspace.present.notebook import Displayed
from dealspace.process.cell import (
    Cell,
    SeedLike,
    Source,
    StrategySpec,
    check_run_args,
    deal_space,
    first_uniforms,
    on_calendar,
    one_blas_thread,
    prepare,
    seed_sequence,
    strategy_pair,
    time_costs,
)
from dealspace.process.costs import Settlement, TimeCosts, value_path
from dealspace.process.engine import Course, Event
from dealspace.process.protocols import Protocol, get_protocol
from dealspace.tolerances import ACCEPT_TOL

if TYPE_CHECKING:
    import pandas as pd

    from dealspace.process.calendar import Calendar
    from dealspace.process.settings import ProcessSettings


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class Binding:
    """A part of the package that became binding."""

    round: int
    unit: str
    package: dict[str, Any]
    gains: dict[str, float]


@dataclass(frozen=True)
class Run(Displayed):
    """One simulated negotiation.

    Attributes
    ----------
    protocol, strategies
        What was simulated (protocol label; strategy names per party).
    parties
        Party ids.
    seed
        The run's seed sequence (entropy and spawn key) — replays the run.
    deadline, costs, noise
        The settings.
    agreement
        A complete agreement was reached.
    round
        Its round (None without one).
    breakdown
        The talks collapsed (hazard) before ending.
    breakdown_round
        Round at whose start they collapsed (None if not).
    package
        The agreed package (None without a complete agreement).
    in_force
        The package in force at the end: agreed parts, status quo elsewhere.
    bindings
        Parts that became binding, in order (one for a single undertaking).
    utilities
        Party → final utility (undiscounted): ``u(package)``, or BATNA plus
        the gains of the harvests that stay.
    value
        Party → realised value (discounted, net of running costs).
    value_over_time
        ``(deadline, P)`` realised value accumulated up to each round.
    distance_to_frontier, distance_to_nash
        From the outcome, in normalised utilities (NaN when undefined).
    trace
        Offers, responses, texts, objections and bindings, in order.
    calendar
        The calendar of the talks, when run on one (``simulate(settings=…)``):
        round ``r`` is then ``r · w`` weeks after the start (``w`` weeks per
        round; :attr:`weeks`, :attr:`date`).
    """

    protocol: str
    strategies: tuple[str, str]
    parties: tuple[str, ...]
    seed: tuple[Any, tuple[int, ...]]
    deadline: int
    costs: TimeCosts
    noise: float
    agreement: bool
    round: int | None
    breakdown: bool
    breakdown_round: int | None
    package: dict[str, Any] | None
    in_force: dict[str, Any]
    bindings: list[Binding]
    utilities: dict[str, float]
    value: dict[str, float]
    value_over_time: np.ndarray
    distance_to_frontier: float
    distance_to_nash: float
    trace: list[Event] = field(default_factory=list)
    calendar: Calendar | None = None

    def weeks_of(self, round: int | None) -> float | None:
        """Weeks from the start of the talks to a round (None off a calendar)."""
        if self.calendar is None or round is None:
            return None
        return round * self.calendar.weeks_per_round

    def date_of(self, round: int | None) -> str | None:
        """The date of a round, ISO (None off a calendar)."""
        if self.calendar is None or round is None:
            return None
        return self.calendar.date_of(round).isoformat()

    @property
    def weeks(self) -> float | None:
        """Weeks from the start to the complete agreement (``round · w``)."""
        return self.weeks_of(self.round)

    @property
    def date(self) -> str | None:
        """The date of the complete agreement."""
        return self.date_of(self.round)

    def to_frame(self) -> pd.DataFrame:
        """The trace, one row per event: round, track, event, party, the
        offer's utilities ``u:<party>`` (on the track) and its options."""
        import pandas as pd

        rows = []
        for e in self.trace:
            row: dict[str, Any] = {
                "round": e.round,
                "track": e.track,
                "event": e.kind,
                "party": e.party,
                "candidate": e.candidate,
                "note": e.note,
            }
            for p, party in enumerate(self.parties):
                row[f"u:{party}"] = None if e.utilities is None else e.utilities[p]
            row.update(e.package or {})
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (with the trace); on a calendar also the weeks
        and dates of the agreement, the breakdown and each binding."""
        out = self._rounds_dict()
        if self.calendar is None:
            return out
        out["calendar"] = self.calendar.to_dict()
        out["weeks"], out["date"] = self.weeks, self.date
        out["breakdown_weeks"] = self.weeks_of(self.breakdown_round)
        out["breakdown_date"] = self.date_of(self.breakdown_round)
        for b, item in zip(self.bindings, out["bindings"], strict=True):
            item["weeks"], item["date"] = self.weeks_of(b.round), self.date_of(b.round)
        return out

    def _rounds_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "strategies": list(self.strategies),
            "seed": {"entropy": self.seed[0], "spawn_key": list(self.seed[1])},
            "deadline": self.deadline,
            "costs": self.costs.to_dict(),
            "noise": self.noise,
            "agreement": self.agreement,
            "round": self.round,
            "breakdown": self.breakdown,
            "breakdown_round": self.breakdown_round,
            "package": self.package,
            "in_force": self.in_force,
            "bindings": [
                {"round": b.round, "unit": b.unit, "package": b.package, "gains": b.gains}
                for b in self.bindings
            ],
            "utilities": self.utilities,
            "value": self.value,
            "distance_to_frontier": _nan_none(self.distance_to_frontier),
            "distance_to_nash": _nan_none(self.distance_to_nash),
            "trace": [
                {
                    "round": e.round,
                    "track": e.track,
                    "event": e.kind,
                    "party": e.party,
                    "utilities": None if e.utilities is None else list(e.utilities),
                    "package": e.package,
                    "note": e.note,
                }
                for e in self.trace
            ],
        }


def _nan_none(x: float) -> float | None:
    return None if not np.isfinite(x) else float(x)


# ------------------------------------------------------------------ public


def simulate(
    source: Source,
    protocol: str | Protocol | dict[str, Any] = "alternating",
    strategies: Sequence[StrategySpec] | str = ("linear", "linear"),
    seed: SeedLike = None,
    deadline: int = 100,
    discount: float = 1.0,
    hazard: float = 0.0,
    noise: float = 0.0,
    status_quo_cost: float | Sequence[float] = 0.0,
    uncertainty_cost: float | Sequence[float] = 0.0,
    costs: TimeCosts | None = None,
    parties: Sequence[str] | None = None,
    settings: ProcessSettings | None = None,
) -> Run:
    """Simulate one negotiation and keep its full trace.

    Parameters
    ----------
    source
        A Scenario, a compiled DealSpace, a scenario file or a built-in name.
    protocol
        ``alternating`` (single undertaking), ``sequential``,
        ``sequential-negotiated``, ``sequential-blocks``, ``silos``, ``snt``,
        a :class:`~dealspace.process.protocols.Protocol`, or a mapping
        ``{name: ..., <parameters>}``.
    strategies
        Two strategies (names, classes or instances; ``"a,b"`` works too) for
        the first and second party.
    seed
        Seed of the run (an int or a ``numpy.random.SeedSequence``).
    deadline
        Rounds available (one offer and its answer per round).
    discount, hazard, status_quo_cost, uncertainty_cost
        Time costs (see :class:`~dealspace.process.costs.TimeCosts`), or give
        ``costs`` directly.
    noise
        ``σ`` of each agent's estimate of the other's valuation (0: exact).
    parties
        Two parties of a larger scenario.
    settings
        The talks on a calendar (:class:`~dealspace.process.settings.ProcessSettings`),
        as ``compare-protocols`` plays them: it replaces ``deadline``,
        ``discount``, ``hazard``, ``noise`` and the costs (refused if set
        too), and the run reports weeks and dates (:attr:`Run.weeks`).

    Returns
    -------
    Run

    Raises
    ------
    DealspaceError
        For an unknown protocol or strategy, or bad numbers.

    Examples
    --------
    >>> run = simulate("tests/data/toy.yaml", "alternating", ("linear", "linear"), seed=1, deadline=20)
    >>> run.agreement, run.round
    (True, 6)
    """
    calendar = None
    if settings is not None:
        given = dict(
            deadline=deadline,
            discount=discount,
            hazard=hazard,
            noise=noise,
            status_quo_cost=status_quo_cost,
            uncertainty_cost=uncertainty_cost,
            costs=costs,
        )
        source, plan = on_calendar(source, parties, settings, given)
        deadline, costs, noise, parties = plan.calendar.rounds, plan.costs, settings.noise, None
        calendar = plan.calendar
    check_run_args(deadline, noise)
    tc = time_costs(costs, discount, hazard, status_quo_cost, uncertainty_cost)
    proto = get_protocol(protocol)
    agents = strategy_pair(strategies)
    space = deal_space(source, parties)
    prepared, geometry = prepare(space)
    cell = Cell(prepared, proto, agents, int(deadline), tc, float(noise))
    ss = seed_sequence(seed)
    rng = np.random.default_rng(ss)
    uniform = first_uniforms([rng])
    with one_blas_thread():  # as in monte_carlo: the same products, the same bits
        course = cell.course([rng], record=True)
    out, breakdown = cell.settle(course, uniform, np.zeros(1, dtype=np.int64))
    d_front, d_nash = geometry.distances(out.utility)
    run = _make_run(cell, course, out, int(breakdown[0]), ss, float(d_front[0]), float(d_nash[0]))
    return run if calendar is None else dataclasses.replace(run, calendar=calendar)


def _make_run(
    cell: Cell,
    course: Course,
    out: Settlement,
    breakdown: int,
    ss: np.random.SeedSequence,
    d_front: float,
    d_nash: float,
) -> Run:
    space = cell.prepared.space
    scenario = space.scenario
    parties = space.parties
    bindings = []
    in_force = dict(scenario.status_quo())
    bound_rounds = np.where(out.bound[:, 0], course.bound_round[:, 0], -1)
    gains = course.gains()[:, 0, :]
    for u, table in enumerate(course.tables):
        if not out.bound[u, 0]:
            continue
        idx = int(course.pick[u, 0])
        pkg = {}
        for k, b in enumerate(table.blocks):
            block = space.blocks[b]
            for issue_id, o in zip(block.issues, block.options[table.rows[idx, k]], strict=True):
                pkg[issue_id] = scenario.issue(issue_id).option_ids[int(o)]
        in_force.update(pkg)
        bindings.append(
            Binding(
                int(course.bound_round[u, 0]),
                table.name,
                pkg,
                {p: float(g) for p, g in zip(parties, gains[u], strict=True)},
            )
        )
    bindings.sort(key=lambda b: b.round)
    complete = bool(out.complete[0])
    broke = bool(out.breakdown[0])
    trace = [e for e in course.events if not broke or e.round < breakdown]
    if broke:
        trace.append(
            Event(
                breakdown,
                "package",
                "breakdown",
                None,
                None,
                None,
                None,
                "talks collapse; harvests stay",
            )
        )
    share, sq_share = cell.shares(course)
    path = value_path(
        cell.costs,
        cell.deadline,
        bound_rounds,
        gains,
        int(course.complete_round[0]) if complete else -1,
        int(out.cost_rounds[0]),
        np.asarray(space.batna, dtype=float),
        np.asarray(space.status_quo_utility, dtype=float),
        share,
        sq_share,
    )
    ordered = {i: in_force[i] for i in scenario.issue_ids}
    return Run(
        protocol=cell.protocol.label,
        strategies=(cell.agents[0].name, cell.agents[1].name),
        parties=parties,
        seed=(ss.entropy, tuple(ss.spawn_key)),
        deadline=cell.deadline,
        costs=cell.costs,
        noise=cell.noise,
        agreement=complete,
        round=int(course.complete_round[0]) if complete else None,
        breakdown=broke,
        breakdown_round=breakdown if broke else None,
        package=ordered if complete else None,
        in_force=ordered,
        bindings=bindings,
        utilities={p: float(v) for p, v in zip(parties, out.utility[0], strict=True)},
        value={p: float(v) for p, v in zip(parties, out.value[0], strict=True)},
        value_over_time=path,
        distance_to_frontier=d_front,
        distance_to_nash=d_nash,
        trace=trace,
    )


def best_reachable(
    source: Source, protocol: str | Protocol | dict[str, Any], criterion: str = "nash"
) -> float:
    """The best complete agreement a protocol can reach, by a criterion.

    ``criterion``: ``nash`` (product of gains over the BATNAs, 0 when no
    agreement gives every party a positive gain) or ``utilitarian`` (sum of
    gains of agreements no party finds worse than its BATNA; 0 when none).
    See :meth:`~dealspace.process.protocols.Protocol.reachable`.
    """
    space = deal_space(source)
    proto = get_protocol(protocol)
    points = proto.reachable(space)
    gains = points - space.batna
    if criterion == "nash":
        ok = (gains > ACCEPT_TOL).all(axis=1)
        return float(np.prod(gains[ok], axis=1).max()) if ok.any() else 0.0
    if criterion == "utilitarian":
        ok = (gains >= -ACCEPT_TOL).all(axis=1)
        return float(gains[ok].sum(axis=1).max()) if ok.any() else 0.0
    raise DealspaceError.single(
        "criterion",
        f"unknown criterion '{criterion}'",
        did_you_mean(criterion, ["nash", "utilitarian"]),
    )


__all__ = [
    "Binding",
    "Run",
    "best_reachable",
    "deal_space",
    "simulate",
]
