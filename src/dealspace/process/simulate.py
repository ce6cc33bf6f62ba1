r"""Simulate negotiations: one run with a full trace, or Monte Carlo runs.

The model
---------
A run pairs a protocol (:mod:`dealspace.process.protocols`) with two
strategies (:mod:`dealspace.process.strategies`) on a compiled deal space,
under time costs (:mod:`dealspace.process.costs`). Its randomness comes from
one seed: the run's generator draws, in order, the breakdown uniform, each
agent's estimate of the other's valuation (when ``noise > 0``) and the
draws of stochastic strategies. ``monte_carlo(seed=s, runs=N)`` gives run
``i`` the seed ``SeedSequence(s).spawn(N)[i]``, so ``simulate(seed=that)``
replays it; every protocol and strategy pair sees the same run seeds (common
random numbers).

Outcomes per run: agreement (complete), partial (some units bound, not all),
breakdown, the round of the agreement, the final package, each party's
utility and realised value (:func:`dealspace.process.costs.settle`), and the
distances — in utilities normalised to each party's feasible range — from the
outcome to the Pareto frontier and to the Nash package.

Speed
-----
Everything that does not depend on the run is computed once per deal space
and strategy pair: candidate tables, sorted utilities, the bid for every
target. When strategies are deterministic and agents know each other's
valuation (``noise = 0``), all runs follow one course until a breakdown, so
one course is simulated and the breakdown draws are applied to it in one
vectorised pass. Otherwise the runs are simulated together, vectorised over
a runs axis (``R × C`` arrays), in chunks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dealspace.display import Displayed
from dealspace.errors import DealspaceError, did_you_mean
from dealspace.process.costs import NEVER, Settlement, TimeCosts, settle, value_path
from dealspace.process.protocols import Course, Engine, Event, Prepared, Protocol, get_protocol
from dealspace.process.strategies import Strategy, get_strategy
from dealspace.scenario.model import Scenario
from dealspace.space import DealSpace, compile

if TYPE_CHECKING:
    import pandas as pd

#: Runs simulated together (memory ~ chunk × candidates × 8 bytes per array).
CHUNK = 2500

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
            "source", f"expected a scenario, a file, a name or a DealSpace, got {type(source).__name__}"
        )
    if parties is None:
        return space
    parties = list(parties)
    if len(parties) != 2 or len(set(parties)) != 2:
        raise DealspaceError.single("parties", f"{parties} is not two different parties", "name exactly two")
    cols = []
    for p in parties:
        if p not in space.parties:
            raise DealspaceError.single("parties", f"unknown party '{p}'", did_you_mean(p, space.parties))
        cols.append(space.parties.index(p))
    blocks = tuple(dataclasses.replace(b, utility=b.utility[:, cols]) for b in space.blocks)
    return dataclasses.replace(
        space,
        parties=tuple(parties),
        blocks=blocks,
        batna=space.batna[cols],
        status_quo_utility=space.status_quo_utility[cols],
    )


def _costs(
    costs: TimeCosts | None, discount: float, hazard: float, status_quo_cost: Any, uncertainty_cost: Any
) -> TimeCosts:
    if costs is not None:
        return costs
    return TimeCosts(discount, hazard, status_quo_cost, uncertainty_cost)


def _check_run_args(deadline: int, noise: float) -> None:
    if isinstance(deadline, bool) or not isinstance(deadline, int | np.integer) or deadline < 1:
        raise DealspaceError.single("deadline", f"the deadline is {deadline!r}", "use a whole number of rounds ≥ 1")
    if isinstance(noise, bool) or not isinstance(noise, int | float) or not (np.isfinite(noise) and noise >= 0):
        raise DealspaceError.single("noise", f"the noise level is {noise!r}", "use a number ≥ 0 (0 = exact knowledge)")


def _seed(seed: SeedLike) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None or (isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0):
        return np.random.SeedSequence(seed)
    raise DealspaceError.single("seed", f"the seed is {seed!r}", "use a whole number ≥ 0")


def _pair(strategies: Sequence[StrategySpec] | str) -> tuple[Strategy, Strategy]:
    if isinstance(strategies, str):
        strategies = [s for s in strategies.split(",") if s.strip()]
    items = list(strategies)
    if len(items) == 1:
        items = items * 2
    if len(items) != 2:
        raise DealspaceError.single("strategies", f"{len(items)} strategies for 2 parties", "give two, e.g. 'boulware,linear'")
    a = get_strategy(items[0], "strategies[0]")
    b = get_strategy(items[1], "strategies[1]")
    if a is b:  # one instance on both sides would share its memory
        import copy

        b = copy.deepcopy(a)
    return a, b


def _label(agents: Sequence[Strategy]) -> str:
    return "/".join(a.name for a in agents)


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
        """JSON-ready summary (with the trace)."""
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
                {"round": b.round, "unit": b.unit, "package": b.package, "gains": b.gains} for b in self.bindings
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


@dataclass(frozen=True)
class MonteCarloResult(Displayed):
    """Distributions of outcomes over many runs.

    Attributes
    ----------
    runs
        One row per run and cell: ``protocol``, ``strategies``, ``run``,
        ``agreement``, ``partial``, ``breakdown``, ``round`` (of the complete
        agreement, NaN without), ``end_round``, ``harvests`` (units bound
        early), ``last_binding`` (round of the last part bound, NaN if
        none), ``utility:<party>``,
        ``value:<party>``, ``gain:<party>`` (value − BATNA), ``joint_gain``,
        ``dist_frontier``, ``dist_nash``.
    summary
        One row per protocol and strategy pair: ``runs``, ``agreement_rate``
        (complete), ``partial_rate`` (some parts bound, not all), ``deal_rate``
        (either), ``breakdown_rate``, time to agreement (``round_mean``,
        ``round_p50``, ``round_p90`` over agreements), ``last_binding_mean``,
        realised value per
        party (``value:<party>_mean`` / ``_p10`` / ``_p50`` / ``_p90``),
        ``joint_gain_mean``, ``dist_frontier_mean``, ``dist_nash_mean``.
    parties
        Party ids.
    settings
        deadline, costs, noise, seed, runs.
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    parties: tuple[str, ...]
    settings: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The summary table."""
        return self.summary


# ------------------------------------------------------------------ geometry


@dataclass(frozen=True, eq=False)
class _Geometry:
    """Normalisation and reference points for distances."""

    lo: np.ndarray
    span: np.ndarray
    frontier: np.ndarray  # (F, P) normalised
    nash: np.ndarray | None  # (P,) normalised

    @classmethod
    def of(cls, space: DealSpace) -> _Geometry:
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
            d_front = np.sqrt(((x[:, None, :] - self.frontier[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        else:
            d_front = np.full(len(x), np.nan)
        d_nash = np.sqrt(((x - self.nash) ** 2).sum(axis=1)) if self.nash is not None else np.full(len(x), np.nan)
        inverse = np.asarray(inverse).ravel()
        return d_front[inverse], d_nash[inverse]


# ------------------------------------------------------------------ core


@dataclass(eq=False)
class _Cell:
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
        stake = np.array([self.prepared.unit_stake(u) for u in course.units]).reshape(len(course.units), -1)
        total = stake.sum(axis=0)
        share = np.divide(stake, total, out=np.zeros_like(stake), where=total > 0)
        issues = self.costs.status_quo_issues
        if issues is None:
            return share, share
        space = self.prepared.space
        known = set(space.scenario.issue_ids)
        for i in issues:
            if i not in known:
                raise DealspaceError.single("status_quo_issues", f"unknown issue '{i}'", did_you_mean(i, known))
        hit = np.array(
            [any(i in issues for b in u.blocks for i in space.blocks[b].issues) for u in course.units], dtype=bool
        )
        sq_stake = stake * hit[:, None]
        sq_total = sq_stake.sum(axis=0)
        sq_share = np.divide(sq_stake, sq_total, out=np.zeros_like(sq_stake), where=sq_total > 0)
        return share, sq_share

    def course(self, rngs: Sequence[np.random.Generator] | None, record: bool = False) -> Course:
        tables = self.protocol.tables(self.prepared)
        engine = Engine(self.prepared, self.agents, tables, self.noise, rngs, record)
        return self.protocol.run(engine, self.deadline)

    def settle(self, course: Course, uniforms: np.ndarray, traj: np.ndarray) -> tuple[Settlement, np.ndarray]:
        """Settle ``N`` runs; ``traj[i]`` is the course column of run ``i``."""
        space = self.prepared.space
        share, sq_share = self.shares(course)
        breakdown = self.costs.breakdown_round(uniforms)
        gains = course.gains()[:, traj, :]
        out = settle(
            self.costs,
            course.bound_round[:, traj],
            gains,
            course.complete_round[traj],
            course.end_round[traj],
            breakdown,
            np.asarray(space.batna, dtype=float),
            np.asarray(space.status_quo_utility, dtype=float),
            share,
            sq_share,
        )
        return out, breakdown


def _first_uniforms(rngs: Sequence[np.random.Generator]) -> np.ndarray:
    return np.array([rng.random() for rng in rngs])


_CACHE: dict[int, tuple[DealSpace, Prepared, _Geometry]] = {}


def _prepared(space: DealSpace) -> tuple[Prepared, _Geometry]:
    """Tables and geometry of a space, cached for the last few spaces seen."""
    hit = _CACHE.get(id(space))
    if hit is None or hit[0] is not space:
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        hit = (space, Prepared(space), _Geometry.of(space))
        _CACHE[id(space)] = hit
    return hit[1], hit[2]


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
    _check_run_args(deadline, noise)
    tc = _costs(costs, discount, hazard, status_quo_cost, uncertainty_cost)
    proto = get_protocol(protocol)
    agents = _pair(strategies)
    space = deal_space(source, parties)
    prepared, geometry = _prepared(space)
    cell = _Cell(prepared, proto, agents, int(deadline), tc, float(noise))
    ss = _seed(seed)
    rng = np.random.default_rng(ss)
    uniform = _first_uniforms([rng])
    course = cell.course([rng], record=True)
    out, breakdown = cell.settle(course, uniform, np.zeros(1, dtype=np.int64))
    d_front, d_nash = geometry.distances(out.utility)
    return _make_run(cell, course, out, int(breakdown[0]), ss, float(d_front[0]), float(d_nash[0]))


def _make_run(
    cell: _Cell, course: Course, out: Settlement, breakdown: int, ss: np.random.SeedSequence, d_front: float, d_nash: float
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
            Binding(int(course.bound_round[u, 0]), table.name, pkg, {p: float(g) for p, g in zip(parties, gains[u], strict=True)})
        )
    bindings.sort(key=lambda b: b.round)
    complete = bool(out.complete[0])
    broke = bool(out.breakdown[0])
    trace = [e for e in course.events if not broke or e.round < breakdown]
    if broke:
        trace.append(Event(breakdown, "package", "breakdown", None, None, None, None, "talks collapse; harvests stay"))
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


def monte_carlo(
    source: Source,
    protocols: Sequence[str | Protocol | dict[str, Any]] | str | Protocol = ("alternating",),
    strategies: Sequence[Sequence[StrategySpec] | str] | str = (("linear", "linear"),),
    runs: int = 1000,
    seed: SeedLike = None,
    deadline: int = 100,
    discount: float = 1.0,
    hazard: float = 0.0,
    noise: float = 0.0,
    status_quo_cost: float | Sequence[float] = 0.0,
    uncertainty_cost: float | Sequence[float] = 0.0,
    costs: TimeCosts | None = None,
    parties: Sequence[str] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk: int = CHUNK,
) -> MonteCarloResult:
    """Simulate many runs of each protocol × strategy pair.

    Parameters
    ----------
    source
        As in :func:`simulate`.
    protocols
        One or more protocols (names, instances or mappings).
    strategies
        One or more strategy pairs, e.g. ``[("boulware", "linear"), "tft,tft"]``.
    runs
        Runs per protocol and pair.
    seed
        Master seed: run ``i`` uses ``SeedSequence(seed).spawn(runs)[i]`` in
        every cell (common random numbers).
    deadline, discount, hazard, noise, status_quo_cost, uncertainty_cost, costs, parties
        As in :func:`simulate`.
    progress
        Called with the number of runs just finished (for progress bars).
    chunk
        Runs simulated together when runs differ (memory bound).

    Returns
    -------
    MonteCarloResult

    Raises
    ------
    DealspaceError
        For unknown names or bad numbers.
    """
    import pandas as pd

    _check_run_args(deadline, noise)
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or runs < 1:
        raise DealspaceError.single("runs", f"runs is {runs!r}", "use a whole number ≥ 1")
    tc = _costs(costs, discount, hazard, status_quo_cost, uncertainty_cost)
    if isinstance(protocols, str | Protocol | dict):
        protocols = [protocols]
    protos = [get_protocol(p, f"protocols[{k}]") for k, p in enumerate(protocols)]
    if isinstance(strategies, str):
        strategies = [strategies]
    pairs_specs: list[Any] = list(strategies)
    if len(pairs_specs) == 2 and all(isinstance(s, str) and "," not in s for s in pairs_specs):
        pairs_specs = [pairs_specs]  # a single pair given flat: ("boulware", "linear")
    pairs = [_pair(p) for p in pairs_specs]
    space = deal_space(source, parties)
    prepared, geometry = _prepared(space)
    ss = _seed(seed)
    children = ss.spawn(int(runs))
    frames = []
    for proto in protos:
        for agents in pairs:
            cell = _Cell(prepared, proto, agents, int(deadline), tc, float(noise))
            frames.append(_cell_frame(cell, children, geometry, progress, chunk))
    table = pd.concat(frames, ignore_index=True)
    summary = summarise(table, space.parties)
    settings = {
        "deadline": int(deadline),
        "noise": float(noise),
        "runs": int(runs),
        "seed": ss.entropy,
        **tc.to_dict(),
    }
    return MonteCarloResult(table, summary, space.parties, settings)


def _cell_frame(
    cell: _Cell,
    children: Sequence[np.random.SeedSequence],
    geometry: _Geometry,
    progress: Callable[[int], None] | None,
    chunk: int,
) -> pd.DataFrame:
    import pandas as pd

    space = cell.prepared.space
    n = len(children)
    parts = []
    if cell.deterministic:
        course = cell.course(None)
        for lo in range(0, n, chunk):
            rngs = [np.random.default_rng(c) for c in children[lo : lo + chunk]]
            uniforms = _first_uniforms(rngs)
            out, _ = cell.settle(course, uniforms, np.zeros(len(rngs), dtype=np.int64))
            parts.append((out, course, np.zeros(len(rngs), dtype=np.int64)))
            if progress:
                progress(len(rngs))
    else:
        for lo in range(0, n, chunk):
            rngs = [np.random.default_rng(c) for c in children[lo : lo + chunk]]
            uniforms = _first_uniforms(rngs)
            course = cell.course(rngs)
            out, _ = cell.settle(course, uniforms, np.arange(len(rngs)))
            parts.append((out, course, np.arange(len(rngs))))
            if progress:
                progress(len(rngs))
    records: dict[str, list[np.ndarray]] = {}

    def add(key: str, value: np.ndarray) -> None:
        records.setdefault(key, []).append(np.asarray(value))

    for out, course, traj in parts:
        complete_round = course.complete_round[traj]
        add("agreement", out.complete)
        add("partial", out.bound.any(axis=0) & ~out.complete)
        add("breakdown", out.breakdown)
        add("round", np.where(out.complete, complete_round, np.nan).astype(float))
        add("end_round", np.where(out.breakdown, -1, course.end_round[traj]))
        add("harvests", out.bound.sum(axis=0) if len(course.units) > 1 else np.zeros(len(traj), dtype=np.int64))
        last = np.where(out.bound, course.bound_round[:, traj], -1).max(axis=0)
        add("last_binding", np.where(last >= 0, last, np.nan).astype(float))
        for p, party in enumerate(space.parties):
            add(f"utility:{party}", out.utility[:, p])
            add(f"value:{party}", out.value[:, p])
            add(f"gain:{party}", out.value[:, p] - space.batna[p])
        add("joint_gain", (out.value - space.batna[None, :]).sum(axis=1))
        d_front, d_nash = geometry.distances(out.utility)
        add("dist_frontier", d_front)
        add("dist_nash", d_nash)
    data: dict[str, Any] = {
        "protocol": cell.protocol.label,
        "strategies": _label(cell.agents),
        "run": np.arange(n),
    }
    for key, chunks in records.items():
        data[key] = np.concatenate(chunks)
    return pd.DataFrame(data)


def summarise(runs: pd.DataFrame, parties: Sequence[str]) -> pd.DataFrame:
    """Per protocol × strategy pair: rates, time to agreement, value distribution."""
    import pandas as pd

    rows = []
    for (proto, pair), g in runs.groupby(["protocol", "strategies"], sort=False):
        rounds = g["round"].dropna()
        row: dict[str, Any] = {
            "protocol": proto,
            "strategies": pair,
            "runs": len(g),
            "agreement_rate": float(g["agreement"].mean()),
            "partial_rate": float(g["partial"].mean()),
            "deal_rate": float((g["agreement"] | g["partial"]).mean()),
            "breakdown_rate": float(g["breakdown"].mean()),
            "round_mean": float(rounds.mean()) if len(rounds) else np.nan,
            "round_p50": float(rounds.quantile(0.5)) if len(rounds) else np.nan,
            "round_p90": float(rounds.quantile(0.9)) if len(rounds) else np.nan,
            "last_binding_mean": float(g["last_binding"].mean()),
        }
        for party in parties:
            v = g[f"value:{party}"]
            row[f"value:{party}_mean"] = float(v.mean())
            for q in (10, 50, 90):
                row[f"value:{party}_p{q}"] = float(v.quantile(q / 100))
        row["joint_gain_mean"] = float(g["joint_gain"].mean())
        row["dist_frontier_mean"] = float(g["dist_frontier"].mean())
        row["dist_nash_mean"] = float(g["dist_nash"].mean())
        rows.append(row)
    return pd.DataFrame(rows)


def best_reachable(source: Source, protocol: str | Protocol | dict[str, Any], criterion: str = "nash") -> float:
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
        ok = (gains > 1e-9).all(axis=1)
        return float(np.prod(gains[ok], axis=1).max()) if ok.any() else 0.0
    if criterion == "utilitarian":
        ok = (gains >= -1e-9).all(axis=1)
        return float(gains[ok].sum(axis=1).max()) if ok.any() else 0.0
    raise DealspaceError.single("criterion", f"unknown criterion '{criterion}'", did_you_mean(criterion, ["nash", "utilitarian"]))


__all__ = [
    "NEVER",
    "Binding",
    "MonteCarloResult",
    "Run",
    "best_reachable",
    "deal_space",
    "monte_carlo",
    "simulate",
    "summarise",
]
