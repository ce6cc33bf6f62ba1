r"""A simulation cell: one protocol and two strategies on one deal space.

The model
---------
A cell (:class:`Cell`) pairs a protocol (:mod:`dealspace.process.protocols`)
with two strategies (:mod:`dealspace.process.strategies`) on a compiled
two-party deal space (:func:`deal_space`), under a deadline, time costs
(:mod:`dealspace.process.costs`) and a noise level. A run's randomness comes
from one seed: the run's generator draws, in order, the breakdown uniform,
each agent's estimate of the other's valuation (when ``noise > 0``) and the
draws of stochastic strategies. A cell plays the talks of its runs
(:meth:`Cell.course`) and settles them — breakdowns, bound parts, realised
value (:meth:`Cell.settle`, by :func:`dealspace.process.costs.settle`).

Distances
~~~~~~~~~
An outcome's utilities are normalised to each party's feasible range,
``x_p = (u_p − lo_p) / (hi_p − lo_p)`` with ``lo_p, hi_p`` the sums over
blocks of the party's least and greatest block utility; the distance to the
Pareto frontier is the Euclidean distance to its nearest point, the distance
to the Nash package the Euclidean distance to it, both in these units
(:class:`Geometry`; NaN when undefined).

This module holds what single runs (:mod:`dealspace.process.simulate`) and
Monte Carlo batches (:mod:`dealspace.process.montecarlo`) share: the inputs
(deal space, seeds, strategy pairs, argument checks), the cell, and a cache
of the candidate tables and geometry of the last few deal spaces seen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from dealspace.economy.threads import blas_limit
from dealspace.errors import DealspaceError, did_you_mean
from dealspace.process.agent import Strategy
from dealspace.process.candidates import Prepared
from dealspace.process.costs import Settlement, TimeCosts, Timing, settle_costs, timing
from dealspace.process.engine import Course, Engine, RunNormals
from dealspace.process.protocols import Protocol
from dealspace.process.strategies import get_strategy
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace, compile

Source = Scenario | DealSpace | str | Path
StrategySpec = str | Strategy | type[Strategy]
SeedLike = int | np.random.SeedSequence | None


# ------------------------------------------------------------------ inputs


def deal_space(source: Source, parties: Sequence[str] | None = None) -> DealSpace:
    """A compiled two-party deal space from a scenario, a file, a name or a space.

    ``parties`` picks two parties of a larger scenario (every party's hard
    constraints still shape the feasible packages).
    """
    if isinstance(source, DealSpace):
        space = source
    elif isinstance(source, Scenario):
        space = compile(source)
    elif isinstance(source, str | Path):
        from dealspace.scenario import load_scenario

        space = compile(load_scenario(source))
    else:
        raise DealspaceError.single(
            "source",
            f"expected a scenario, a file, a name or a DealSpace, got {type(source).__name__}",
        )
    if parties is None:
        return space
    parties = list(parties)
    if len(parties) != 2 or len(set(parties)) != 2:
        raise DealspaceError.single(
            "parties", f"{parties} is not two different parties", "name exactly two"
        )
    cols = []
    for p in parties:
        if p not in space.parties:
            raise DealspaceError.single(
                "parties", f"unknown party '{p}'", did_you_mean(p, space.parties)
            )
        cols.append(space.parties.index(p))
    blocks = tuple(dataclasses.replace(b, utility=b.utility[:, cols]) for b in space.blocks)
    return dataclasses.replace(
        space,
        parties=tuple(parties),
        blocks=blocks,
        batna=space.batna[cols],
        status_quo_utility=space.status_quo_utility[cols],
    )


def time_costs(
    costs: TimeCosts | None,
    discount: float,
    hazard: float,
    status_quo_cost: Any,
    uncertainty_cost: Any,
) -> TimeCosts:
    """``costs`` if given, else the time costs built from the separate settings."""
    if costs is not None:
        return costs
    return TimeCosts(discount, hazard, status_quo_cost, uncertainty_cost)


#: The round-based arguments of ``simulate`` and ``monte_carlo`` and their defaults.
ROUND_ARGS: dict[str, Any] = {
    "deadline": 100,
    "discount": 1.0,
    "hazard": 0.0,
    "noise": 0.0,
    "status_quo_cost": 0.0,
    "uncertainty_cost": 0.0,
    "costs": None,
}


def on_calendar(
    source: Source, parties: Sequence[str] | None, settings: Any, given: dict[str, Any]
) -> tuple[DealSpace, Any]:
    """The two-party space and the talks (:func:`dealspace.process.settings.talks`)
    of ``settings`` (a :class:`~dealspace.process.settings.ProcessSettings`).

    ``given`` holds the round-based arguments of the call; any of them set away
    from its default is refused, since the calendar replaces them all.
    """
    from dealspace.process.settings import ProcessSettings, talks

    if not isinstance(settings, ProcessSettings):
        raise DealspaceError.single(
            "settings",
            f"{type(settings).__name__} is not ProcessSettings",
            "pass ProcessSettings(...)",
        )
    clash = [k for k, v in given.items() if not _is_default(v, ROUND_ARGS[k])]
    if clash:
        raise DealspaceError.single(
            clash[0],
            f"'{clash[0]}' counts in rounds, but the talks are given on a calendar (settings)",
            "set the calendar in ProcessSettings instead: weeks (length), every and unit (pace), "
            "hazard and delay_cost (per unit of time), discount (per year), noise",
        )
    space = deal_space(source, settings.parties or parties)
    return space, talks(space, settings)


def _is_default(value: Any, default: Any) -> bool:
    if default is None:
        return value is None
    try:
        return bool(np.all(np.asarray(value, dtype=float) == default))
    except (TypeError, ValueError):
        return False


def check_run_args(deadline: int, noise: float) -> None:
    """Reject a deadline that is not a whole number ≥ 1 or a noise level that is not a number ≥ 0."""
    if isinstance(deadline, bool) or not isinstance(deadline, int | np.integer) or deadline < 1:
        raise DealspaceError.single(
            "deadline", f"the deadline is {deadline!r}", "use a whole number of rounds ≥ 1"
        )
    if (
        isinstance(noise, bool)
        or not isinstance(noise, int | float)
        or not (np.isfinite(noise) and noise >= 0)
    ):
        raise DealspaceError.single(
            "noise", f"the noise level is {noise!r}", "use a number ≥ 0 (0 = exact knowledge)"
        )


def seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """The seed sequence of a seed (an int ≥ 0, a SeedSequence, or None for fresh entropy)."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None or (
        isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0
    ):
        return np.random.SeedSequence(seed)
    raise DealspaceError.single("seed", f"the seed is {seed!r}", "use a whole number ≥ 0")


def strategy_pair(strategies: Sequence[StrategySpec] | str) -> tuple[Strategy, Strategy]:
    """Two fresh strategies from two specs, one spec (both sides) or ``"a,b"``."""
    if isinstance(strategies, str):
        strategies = [s for s in strategies.split(",") if s.strip()]
    items = list(strategies)
    if len(items) == 1:
        items = items * 2
    if len(items) != 2:
        raise DealspaceError.single(
            "strategies",
            f"{len(items)} strategies for 2 parties",
            "give two, e.g. 'boulware,linear'",
        )
    a = get_strategy(items[0], "strategies[0]")
    b = get_strategy(items[1], "strategies[1]")
    if a is b:  # one instance on both sides would share its memory
        import copy

        b = copy.deepcopy(a)
    return a, b


def pair_label(agents: Sequence[Strategy]) -> str:
    """``"a/b"``: the strategy names of a pair."""
    return "/".join(a.name for a in agents)


# ------------------------------------------------------------------ geometry


@dataclass(frozen=True, eq=False)
class Geometry:
    """Normalisation and reference points for distances."""

    lo: np.ndarray
    span: np.ndarray
    frontier: np.ndarray  # (F, P) normalised
    nash: np.ndarray | None  # (P,) normalised

    @classmethod
    def of(cls, space: DealSpace) -> Geometry:
        from dealspace.analysis.bargaining import nash
        from dealspace.analysis.pareto import pareto_frontier

        p = space.n_parties
        if space.empty:
            return cls(np.zeros(p), np.ones(p), np.zeros((0, p)), None)
        lo = np.sum([b.utility.min(axis=0) for b in space.blocks], axis=0)
        hi = np.sum([b.utility.max(axis=0) for b in space.blocks], axis=0)
        span = np.where(hi - lo > 0, hi - lo, 1.0)
        frontier = pareto_frontier(space)
        solution = nash(frontier)
        point = None
        if solution.agreement:
            point = (np.array([solution.utilities[q] for q in space.parties]) - lo) / span
        return cls(lo, span, (frontier.utilities - lo) / span, point)

    def distances(self, utility: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(N,)`` distances to the frontier and to the Nash point."""
        uniq, inverse = np.unique(np.round(utility, 12), axis=0, return_inverse=True)
        x = (uniq - self.lo) / self.span
        if len(self.frontier):
            d_front = np.sqrt(((x[:, None, :] - self.frontier[None, :, :]) ** 2).sum(axis=2)).min(
                axis=1
            )
        else:
            d_front = np.full(len(x), np.nan)
        d_nash = (
            np.sqrt(((x - self.nash) ** 2).sum(axis=1))
            if self.nash is not None
            else np.full(len(x), np.nan)
        )
        inverse = np.asarray(inverse).ravel()
        return d_front[inverse], d_nash[inverse]


# ------------------------------------------------------------------ core


@dataclass(eq=False)
class Cell:
    """One protocol × strategy pair on one prepared space."""

    prepared: Prepared
    protocol: Protocol
    agents: tuple[Strategy, Strategy]
    deadline: int
    costs: TimeCosts
    noise: float

    @property
    def deterministic(self) -> bool:
        return self.noise == 0 and not any(a.classifier.get("stochastic") for a in self.agents)

    def shares(self, course: Course) -> tuple[np.ndarray, np.ndarray]:
        """``(U, P)`` stake shares of the units: all, and status-quo-cost units."""
        stake = np.array([self.prepared.unit_stake(u) for u in course.units]).reshape(
            len(course.units), -1
        )
        total = stake.sum(axis=0)
        share = np.divide(stake, total, out=np.zeros_like(stake), where=total > 0)
        issues = self.costs.status_quo_issues
        if issues is None:
            return share, share
        space = self.prepared.space
        known = set(space.scenario.issue_ids)
        for i in issues:
            if i not in known:
                raise DealspaceError.single(
                    "status_quo_issues", f"unknown issue '{i}'", did_you_mean(i, known)
                )
        hit = np.array(
            [
                any(i in issues for b in u.blocks for i in space.blocks[b].issues)
                for u in course.units
            ],
            dtype=bool,
        )
        sq_stake = stake * hit[:, None]
        sq_total = sq_stake.sum(axis=0)
        sq_share = np.divide(sq_stake, sq_total, out=np.zeros_like(sq_stake), where=sq_total > 0)
        return share, sq_share

    @property
    def stochastic(self) -> bool:
        """Whether a strategy draws random numbers of its own."""
        return any(a.classifier.get("stochastic") for a in self.agents)

    def course(
        self,
        rngs: Sequence[np.random.Generator] | None,
        record: bool = False,
        normals: RunNormals | None = None,
    ) -> Course:
        """The talks of the runs of ``rngs`` (generators past their first
        draw), or of ``normals`` when no strategy is stochastic, or of one run
        when both are None (a deterministic cell)."""
        tables = self.protocol.tables(self.prepared)
        engine = Engine(
            self.prepared,
            self.agents,
            tables,
            self.noise,
            rngs,
            record,
            horizon=self.deadline,
            normals=normals,
        )
        return self.protocol.run(engine, self.deadline)

    def course_of(
        self, seeds: Sequence[np.random.SeedSequence], normals: RunNormals | None = None
    ) -> tuple[Course, np.ndarray]:
        """The talks of the runs of ``seeds`` and each run's course column:
        one course for a deterministic cell; else the runs' noise draws
        ``normals`` (:func:`shared_normals`, drawn once for every cell on
        these seeds) when given and no strategy is stochastic; else fresh
        generators past their first draw."""
        if self.deterministic:
            return self.course(None), np.zeros(len(seeds), dtype=np.int64)
        if normals is not None and not self.stochastic:
            if normals.seeds != tuple(seeds):
                raise ValueError("the noise draws are of other runs")
            return self.course(None, normals=normals), np.arange(len(seeds))
        rngs = [np.random.default_rng(c) for c in seeds]
        first_uniforms(rngs)
        return self.course(rngs), np.arange(len(seeds))

    def settle(
        self, course: Course, uniforms: np.ndarray, traj: np.ndarray
    ) -> tuple[Settlement, np.ndarray]:
        """Settle ``N`` runs; ``traj[i]`` is the course column of run ``i``."""
        ((out, breakdown),) = self.settle_each(course, uniforms, traj, [self.costs])
        return out, breakdown

    def settle_each(
        self,
        course: Course,
        uniforms: np.ndarray,
        traj: np.ndarray,
        costs: Sequence[TimeCosts],
    ) -> list[tuple[Settlement, np.ndarray]]:
        """:meth:`settle` the same runs under each of several time costs (the
        sensitivity grid), sharing what does not depend on the costs."""
        space = self.prepared.space
        gains = course.gains()[:, traj, :]
        bound_round = course.bound_round[:, traj]
        complete_round = course.complete_round[traj]
        end_round = course.end_round[traj]
        batna = np.asarray(space.batna, dtype=float)
        status_quo = np.asarray(space.status_quo_utility, dtype=float)
        shares: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
        breakdowns: dict[Any, np.ndarray] = {}
        timings: dict[Any, Timing] = {}
        out = []
        for tc in costs:
            issues = tc.status_quo_issues
            if issues not in shares:
                shares[issues] = dataclasses.replace(self, costs=tc).shares(course)
            hazard = (tc.hazard, tc.hazard_path)
            if hazard not in breakdowns:
                breakdowns[hazard] = tc.breakdown_round(uniforms)
            if (hazard, tc.discount) not in timings:
                timings[hazard, tc.discount] = timing(
                    tc,
                    bound_round,
                    gains,
                    complete_round,
                    end_round,
                    breakdowns[hazard],
                    batna,
                    status_quo,
                )
            settled = settle_costs(tc, timings[hazard, tc.discount], *shares[issues])
            out.append((settled, breakdowns[hazard]))
        return out


def first_uniforms(rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """Each run's first draw: the uniform that sets its breakdown round."""
    return np.array([rng.random() for rng in rngs])


@lru_cache(maxsize=8)
def run_draws(seeds: tuple[np.random.SeedSequence, ...]) -> np.ndarray:
    """Each run's first draw (its breakdown uniform), computed once per set of
    run seeds (read-only)."""
    out = first_uniforms([np.random.default_rng(c) for c in seeds])
    out.setflags(write=False)
    return out


#: Most runs whose noise draws (and the agents' estimates made from them) a
#: batch keeps for all its cells: about 40 MB for the built-in scenario. Larger
#: batches draw per cell, as the chunks of :mod:`~dealspace.process.montecarlo` bound.
SHARED_RUNS = 1000


def shared_normals(seeds: Sequence[np.random.SeedSequence]) -> RunNormals | None:
    """The noise draws of the runs of ``seeds``, to share between the cells of
    one batch (:meth:`Cell.course_of`); None for more than :data:`SHARED_RUNS` runs.
    The caller holds them for the batch and lets them go after it."""
    return RunNormals(seeds) if len(seeds) <= SHARED_RUNS else None


def one_blas_thread() -> AbstractContextManager[object]:
    """Limit the BLAS to one thread, if ``threadpoolctl`` is installed (thread pools looked up once)."""
    return blas_limit(1)


_CACHE: dict[int, tuple[DealSpace, Prepared, Geometry]] = {}


def prepare(space: DealSpace) -> tuple[Prepared, Geometry]:
    """Tables and geometry of a space, cached for the last few spaces seen."""
    hit = _CACHE.get(id(space))
    if hit is None or hit[0] is not space:
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        hit = (space, Prepared(space), Geometry.of(space))
        _CACHE[id(space)] = hit
    return hit[1], hit[2]
