r"""Negotiation protocols over a compiled deal space.

The model
---------
A compiled :class:`~dealspace.space.DealSpace` is additive over blocks ``b``
(an issue, or issues merged by a cross-issue condition):
``u_p(x) = Σ_b U_b[x_b, p]``. A protocol splits the blocks into *tracks*
and runs a bargaining procedure on each track over a finite table of
candidate packages (:func:`build_table`). Time runs in rounds
``t = 0 … T-1`` (``T`` the deadline); in a round one offer is made and
answered. Agreements *bind* (enter into force) at the round they are made.

Protocols
~~~~~~~~~
:class:`AlternatingOffers` — the *single undertaking*: one track, the whole
    package; the parties alternate offers (Rubinstein 1982; the stacked
    alternating offers protocol of Aydoğan et al. 2017 for two parties).
    Nothing is agreed until everything is agreed: no value is realised before
    the final agreement.
:class:`SequentialBinding` — *provisional binding / early harvests*: units
    (domains, or blocks) are negotiated one at a time, in a given order or an
    order the parties negotiate; each unit's agreement binds at once and is
    never reopened, so its gains accrue from the round agreed. Each unit gets
    ``stage_rounds`` rounds (default ``T // units``) and strategies see the
    stage's own clock; a unit not agreed in its stage stays at the status quo.
:class:`ParallelSilos` — one track per domain, all running at once over the
    full deadline, each agreement binding when reached; no cross-domain
    trades are possible.
:class:`SingleNegotiatingText` — a mediator drafts one text, the parties accept
    it or object (naming the part that must change); the mediator amends
    (Fisher 1978; Raiffa 1982, ch. 14).

Units and compound blocks
~~~~~~~~~~~~~~~~~~~~~~~~~
A block that links issues of several domains (an interaction, a cross-issue
red line) cannot be split without losing exactness; it is negotiated with the
domain of its first issue. A domain left without blocks has no track.

Candidates
~~~~~~~~~~
A track's candidate table is the exact Pareto frontier of the track's blocks
(:func:`dealspace.analysis.pareto.pareto_frontier`, thinned evenly to at most
``max_frontier`` points, keeping both ends and the Nash point), plus each
party's ``top_k`` best packages for itself (an exact k-best merge over blocks)
and the status quo when it is feasible. Every candidate meets every party's
must-haves and red lines.

Reachable outcomes
~~~~~~~~~~~~~~~~~~
``protocol.reachable(space)`` is the set (its Pareto frontier) of complete
agreements the protocol can reach when parties accept nothing worse than
what they keep without agreement: for a single undertaking (and the single
text) the feasible packages with ``u ≥ d`` (``d`` the BATNAs); for early
harvests and silos, sums over units of unit agreements each of which no party
finds worse than the unit's status quo — a subset of the packages, so the
single undertaking's best reachable outcome is never worse.

References
----------
.. [1] A. Rubinstein, "Perfect equilibrium in a bargaining model",
   Econometrica 50(1), 97–109, 1982.
.. [2] R. Aydoğan, D. Festen, K. Hindriks, C. Jonker, "Alternating offers
   protocols for multilateral negotiation", in Modern Approaches to Agent-based
   Complex Automated Negotiation, Springer, 2017.
.. [3] R. Fisher, "Playing the wrong game?", in Dynamics of Third Party
   Intervention, Praeger, 1981; H. Raiffa, *The Art and Science of
   Negotiation*, Harvard University Press, 1982 (single negotiating text,
   Camp David 1978).
.. [4] C. Fershtman, "The importance of the agenda in bargaining", Games and
   Economic Behavior 2(3), 224–238, 1990 (negotiated agendas).
.. [5] WTO, Ministerial Declaration, Punta del Este, 1986 (the single
   undertaking: "nothing is agreed until everything is agreed").
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from dealspace.analysis.pareto import pareto_frontier
from dealspace.errors import DealspaceError, did_you_mean
from dealspace.process.strategies import TOL, State, Strategy, Table
from dealspace.space import DealSpace, utilities

#: Best packages per party added to every candidate table.
TOP_K = 64
#: Most frontier packages kept in a candidate table.
MAX_FRONTIER = 1000


# ------------------------------------------------------------------ units


@dataclass(frozen=True)
class Unit:
    """A part of the package negotiated on its own track."""

    name: str
    blocks: tuple[int, ...]
    domain: str | None = None


def whole(space: DealSpace) -> Unit:
    """The whole package as one unit."""
    return Unit("package", tuple(range(len(space.blocks))), None)


def domain_units(space: DealSpace) -> list[Unit]:
    """One unit per domain; a compound block goes with its first issue's domain."""
    scenario = space.scenario
    by_domain: dict[str, list[int]] = {d.id: [] for d in scenario.domains}
    for b, block in enumerate(space.blocks):
        first = min(block.issues, key=scenario.issue_ids.index)
        by_domain[scenario.domain_of(first)].append(b)
    return [Unit(d, tuple(bs), d) for d, bs in by_domain.items() if bs]


def block_units(space: DealSpace) -> list[Unit]:
    """One unit per block, named by its issues (``a+b`` for a compound)."""
    scenario = space.scenario
    out = []
    for b, block in enumerate(space.blocks):
        issues = sorted(block.issues, key=scenario.issue_ids.index)
        out.append(Unit("+".join(issues), (b,), scenario.domain_of(issues[0])))
    return out


# ------------------------------------------------------------------ tables


def block_status_quo(space: DealSpace) -> np.ndarray:
    """``(B, P)`` each block's utility at the status quo, feasible or not.

    Additivity over blocks holds for any package (bonuses never straddle
    blocks), so ``U_b(sq_b) = U_b[r] − (u(sq with block b at row r) − u(sq))``.
    """
    scenario = space.scenario
    sq_pkg = scenario.status_quo()
    out = np.zeros((len(space.blocks), space.n_parties))
    columns = [scenario.party_ids.index(p) for p in space.parties]
    base = utilities(scenario, sq_pkg)[columns]
    for b, block in enumerate(space.blocks):
        if block.status_quo_row is not None:
            out[b] = block.utility[block.status_quo_row]
        elif block.size:
            pkg = dict(sq_pkg)
            for issue_id, k in zip(block.issues, block.options[0], strict=True):
                pkg[issue_id] = scenario.issue(issue_id).option_ids[int(k)]
            out[b] = block.utility[0] - (utilities(scenario, pkg)[columns] - base)
    return out


def _subspace(space: DealSpace, blocks: Sequence[int]) -> DealSpace:
    return dataclasses.replace(space, blocks=tuple(space.blocks[b] for b in blocks))


def _top_k(space: DealSpace, blocks: Sequence[int], party: int, k: int) -> np.ndarray:
    """Rows of the ``k`` best packages for ``party`` (exact k-best merge;
    ties broken by the other parties' total utility)."""
    rows = np.zeros((1, 0), dtype=np.int64)
    mine = np.zeros(1)
    rest = np.zeros(1)
    for b in blocks:
        u = space.blocks[b].utility
        own, other = u[:, party], u.sum(axis=1) - u[:, party]
        keep = np.lexsort((-other, -own))[:k]
        cand_own = (mine[:, None] + own[keep][None, :]).ravel()
        cand_rest = (rest[:, None] + other[keep][None, :]).ravel()
        order = np.lexsort((-cand_rest, -cand_own))[:k]
        i, j = np.divmod(order, len(keep))
        rows = np.concatenate([rows[i], keep[j, None]], axis=1)
        mine, rest = cand_own[order], cand_rest[order]
    return rows


def build_table(
    space: DealSpace,
    unit: Unit,
    reservation: np.ndarray,
    block_sq: np.ndarray,
    top_k: int = TOP_K,
    max_frontier: int = MAX_FRONTIER,
) -> Table:
    """The candidate table of one unit (see the module docstring).

    Parameters
    ----------
    space
        The compiled deal space.
    unit
        The blocks negotiated on the track.
    reservation
        ``(P,)`` each party's reservation value on the track.
    block_sq
        ``(B, P)`` from :func:`block_status_quo`.
    top_k, max_frontier
        Candidate-set sizes.
    """
    blocks = unit.blocks
    scenario = space.scenario
    sq = block_sq[list(blocks)].sum(axis=0) if blocks else np.zeros(space.n_parties)
    issues = tuple(i for b in blocks for i in space.blocks[b].issues)
    sizes = np.array([len(scenario.issue(i).option_ids) for i in issues], dtype=np.int64)
    if any(space.blocks[b].size == 0 for b in blocks):
        empty = np.zeros((0, len(blocks)), dtype=np.int64)
        return Table(unit.name, blocks, empty, np.zeros((0, space.n_parties)), sq,
                     np.asarray(reservation, float), np.zeros((0, len(issues)), np.int64), sizes, issues)
    frontier = pareto_frontier(_subspace(space, blocks))
    f_rows = frontier.rows.astype(np.int64)
    if len(f_rows) > max_frontier:
        keep = np.unique(np.round(np.linspace(0, len(f_rows) - 1, max_frontier)).astype(np.int64))
        gains = frontier.utilities - np.asarray(reservation)
        ok = (gains > TOL).all(axis=1)
        if ok.any():
            score = np.where(ok, np.log(np.where(ok, gains, 1.0)).sum(axis=1), -np.inf)
            keep = np.union1d(keep, [int(np.argmax(score))])
        f_rows = f_rows[keep]
    parts = [f_rows]
    for p in range(space.n_parties):
        parts.append(_top_k(space, blocks, p, top_k))
    sq_rows = [space.blocks[b].status_quo_row for b in blocks]
    if all(r is not None for r in sq_rows):
        parts.append(np.array([sq_rows], dtype=np.int64))
    rows = np.unique(np.concatenate(parts, axis=0), axis=0)
    util = np.zeros((len(rows), space.n_parties))
    options = []
    for k, b in enumerate(blocks):
        block = space.blocks[b]
        util += block.utility[rows[:, k]]
        options.append(block.options[rows[:, k]])
    return Table(
        name=unit.name,
        blocks=tuple(blocks),
        rows=rows,
        utility=util,
        status_quo=sq,
        reservation=np.asarray(reservation, dtype=float),
        options=np.concatenate(options, axis=1).astype(np.int64),
        issue_sizes=sizes,
        issues=issues,
    )


@dataclass(eq=False)
class Prepared:
    """Everything computed once per deal space: per-block status-quo utilities,
    stakes and candidate tables (built on demand, cached)."""

    space: DealSpace
    top_k: int = TOP_K
    max_frontier: int = MAX_FRONTIER
    block_sq: np.ndarray = field(init=False)
    stake: np.ndarray = field(init=False)
    _tables: dict[tuple[str, tuple[int, ...]], Table] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        space = self.space
        if space.n_parties != 2:
            raise DealspaceError.single(
                "parties",
                f"process simulation is bilateral; the deal space has {space.n_parties} parties "
                f"({', '.join(space.parties)})",
                "choose two with parties=('a', 'b') (the others' red lines still apply)",
            )
        self.block_sq = block_status_quo(space) if not space.empty else np.zeros((len(space.blocks), 2))
        stake = np.zeros((len(space.blocks), space.n_parties))
        for b, block in enumerate(space.blocks):
            if block.size:
                stake[b] = block.utility.max(axis=0) - block.utility.min(axis=0)
        self.stake = stake

    def table(self, unit: Unit, whole_package: bool = False) -> Table:
        """The candidate table of a unit; the whole package's reservation value
        is the BATNA, a part's is its status-quo utility."""
        key = (unit.name, unit.blocks)
        if key not in self._tables:
            sq = self.block_sq[list(unit.blocks)].sum(axis=0)
            reservation = self.space.batna if whole_package else sq
            self._tables[key] = build_table(
                self.space, unit, reservation, self.block_sq, self.top_k, self.max_frontier
            )
        return self._tables[key]

    def unit_stake(self, unit: Unit) -> np.ndarray:
        """``(P,)`` each party's stake in a unit: the sum of its blocks' utility ranges."""
        return np.asarray(self.stake[list(unit.blocks)].sum(axis=0))


# ------------------------------------------------------------------ the engine


@dataclass
class Event:
    """One step of a negotiation (recorded for single runs)."""

    round: int
    track: str
    kind: str  # offer | text | accept | reject | object | bind | breakdown | deadline
    party: str | None = None
    candidate: int | None = None
    utilities: tuple[float, ...] | None = None
    package: dict[str, Any] | None = None
    note: str = ""


@dataclass
class Course:
    """How the talks went in ``R`` runs, before any breakdown.

    Attributes
    ----------
    tables
        The tables of the units, in the order they were negotiated.
    units
        The units (same order).
    bound_round
        ``(U, R)`` round each unit's agreement binds (-1: never).
    pick
        ``(U, R)`` the agreed candidate of each unit (-1: none).
    complete_round
        ``(R,)`` round the last unit is agreed when all are (-1 otherwise).
    end_round
        ``(R,)`` last round in which the parties talked (-1: no talks).
    events
        The trace, when recorded (single runs).
    """

    tables: list[Table]
    units: list[Unit]
    bound_round: np.ndarray
    pick: np.ndarray
    complete_round: np.ndarray
    end_round: np.ndarray
    events: list[Event] = field(default_factory=list)

    def gains(self) -> np.ndarray:
        """``(U, R, P)`` each bound unit's utility gain over its status quo (0 if unbound)."""
        n_units, runs = self.pick.shape
        parties = self.tables[0].utility.shape[1] if self.tables else 2
        out = np.zeros((n_units, runs, parties))
        for u, table in enumerate(self.tables):
            ok = self.pick[u] >= 0
            if ok.any():
                out[u, ok] = table.utility[self.pick[u, ok]] - table.status_quo
        return out


class Engine:
    """Runs tracks for ``R`` parallel runs with two agents.

    Parameters
    ----------
    prepared
        The precomputed deal space.
    agents
        Two strategies (party 0, party 1).
    tables
        Every table the protocol will use (noise is drawn over their rows).
    noise
        ``σ``: each agent's estimate of the other's block utilities is
        ``w_b · U_b[r] + σ · sd_b · z_{b,r}``, ``w_b = exp(σ ε_b − σ²/2)``,
        ``ε, z`` standard normal, drawn per run from the run's generator.
    rngs
        One generator per run, or None when the runs are identical
        (deterministic strategies and no noise; ``R`` is then 1).
    record
        Keep a trace of events (for single runs).
    """

    def __init__(
        self,
        prepared: Prepared,
        agents: Sequence[Strategy],
        tables: Sequence[Table],
        noise: float = 0.0,
        rngs: Sequence[np.random.Generator] | None = None,
        record: bool = False,
    ) -> None:
        self.prepared = prepared
        self.agents = list(agents)
        self.noise = float(noise)
        self.rngs = list(rngs) if rngs is not None else None
        self.runs = len(self.rngs) if self.rngs is not None else 1
        self.record = record
        self.events: list[Event] = []
        self._noise_tables(tables)

    # -- noise ----------------------------------------------------------------
    def _noise_tables(self, tables: Sequence[Table]) -> None:
        space = self.prepared.space
        n_blocks = len(space.blocks)
        used: list[set[int]] = [set() for _ in range(n_blocks)]
        for table in tables:
            for k, b in enumerate(table.blocks):
                used[b].update(np.unique(table.rows[:, k]).tolist())
        self._used = [np.array(sorted(s), dtype=np.int64) for s in used]
        sizes = [len(u) for u in self._used]
        self._offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._n_used = int(sum(sizes))
        self._sd = np.array(
            [b.utility.std(axis=0) if b.size else np.zeros(space.n_parties) for b in space.blocks]
        ).reshape(n_blocks, space.n_parties)
        self._draws: list[tuple[np.ndarray, np.ndarray]] = []
        if self.noise > 0 and self.rngs is not None:
            for _agent in range(2):
                eps = np.empty((self.runs, n_blocks))
                z = np.empty((self.runs, self._n_used))
                for r, rng in enumerate(self.rngs):
                    draw = rng.standard_normal(n_blocks + self._n_used)
                    eps[r], z[r] = draw[:n_blocks], draw[n_blocks:]
                weights = np.exp(self.noise * eps - self.noise**2 / 2)
                self._draws.append((weights, z))

    def estimate(self, table: Table, me: int) -> tuple[np.ndarray, np.ndarray]:
        """Agent ``me``'s estimate of the other's utilities ``(R, C)`` and reservation ``(R,)``."""
        q = 1 - me
        if not self._draws:
            return table.utility[None, :, q].copy(), np.array([table.reservation[q]])
        weights, z = self._draws[me]
        space = self.prepared.space
        est = np.zeros((self.runs, table.size))
        res = np.full(self.runs, table.reservation[q] - table.status_quo[q])
        for k, b in enumerate(table.blocks):
            u = space.blocks[b].utility[table.rows[:, k], q]
            pos = self._offset[b] + np.searchsorted(self._used[b], table.rows[:, k])
            est += weights[:, b, None] * u[None, :]
            est += (self.noise * self._sd[b, q]) * z[:, pos]
            res += weights[:, b] * self.prepared.block_sq[b, q]
        return est, res

    def states(self, table: Table, deadline: int) -> list[State]:
        out = []
        for p, agent in enumerate(self.agents):
            other, res = self.estimate(table, p)
            uniforms = None
            if agent.classifier.get("stochastic") and self.rngs is not None:
                uniforms = np.stack([rng.random(2 * deadline) for rng in self.rngs])
            elif agent.classifier.get("stochastic"):
                raise DealspaceError.single("rngs", "a stochastic strategy needs per-run generators")
            out.append(State(table, p, other, res, deadline, self.runs, uniforms))
            agent.reset()
        return out

    # -- recording ---------------------------------------------------------------
    def _event(self, t: int, table: Table, kind: str, party: int | None, idx: int | None, note: str = "") -> None:
        space = self.prepared.space
        pkg = utils = None
        if idx is not None and idx >= 0:
            utils = tuple(float(v) for v in table.utility[idx])
            pkg = {}
            for k, b in enumerate(table.blocks):
                block = space.blocks[b]
                for issue_id, o in zip(block.issues, block.options[table.rows[idx, k]], strict=True):
                    pkg[issue_id] = space.scenario.issue(issue_id).option_ids[int(o)]
        self.events.append(
            Event(t, table.name, kind, None if party is None else space.parties[party], idx, utils, pkg, note)
        )

    def _check(self, offer: np.ndarray, table: Table, who: int) -> np.ndarray:
        offer = np.broadcast_to(np.asarray(offer), (self.runs,)).astype(np.int64)
        if offer.size and (offer.min() < 0 or offer.max() >= table.size):
            raise DealspaceError.single(
                "strategy", f"{self.agents[who]!r} offered candidate {int(offer.max())} of {table.size}",
                "return indices into state.table",
            )
        return offer

    # -- procedures --------------------------------------------------------------
    def bargain(self, table: Table, deadline: int, first: int = 0, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Alternating offers on one track; ``(round agreed, candidate)`` per run (-1: none)."""
        agreed = np.full(self.runs, -1, dtype=np.int64)
        pick = np.full(self.runs, -1, dtype=np.int64)
        if table.size == 0 or deadline <= 0:
            return agreed, pick
        states = self.states(table, deadline)
        live = np.ones(self.runs, dtype=bool)
        for t in range(deadline):
            p = (first + t) % 2
            q = 1 - p
            states[p].t = states[q].t = t
            offer = self._check(self.agents[p].propose(states[p]), table, p)
            states[p].sent.append(offer)
            states[q].received.append(offer)
            accept = np.broadcast_to(np.asarray(self.agents[q].respond(states[q], offer), dtype=bool), (self.runs,))
            new = live & accept
            agreed[new] = t
            pick[new] = offer[new]
            if self.record:
                self._event(offset + t, table, "offer", p, int(offer[0]))
                self._event(offset + t, table, "accept" if accept[0] else "reject", q, int(offer[0]))
            live &= ~accept
            if not live.any():
                break
        return agreed, pick

    def mediate(self, table: Table, deadline: int, step: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
        """Single negotiating text on one track (see :class:`SingleNegotiatingText`)."""
        agreed = np.full(self.runs, -1, dtype=np.int64)
        pick = np.full(self.runs, -1, dtype=np.int64)
        if table.size == 0 or deadline <= 0:
            return agreed, pick
        texts = mediator_texts(table, deadline, step)
        states = self.states(table, deadline)
        space = self.prepared.space
        m = np.zeros(self.runs, dtype=np.int64)
        live = np.ones(self.runs, dtype=bool)
        for t in range(deadline):
            text = texts[m + deadline]
            answers = []
            for p in range(2):
                states[p].t = t
                states[p].received.append(text)
                answers.append(
                    np.broadcast_to(np.asarray(self.agents[p].respond(states[p], text), dtype=bool), (self.runs,))
                )
            both = answers[0] & answers[1]
            new = live & both
            agreed[new] = t
            pick[new] = text[new]
            if self.record:
                self._event(t, table, "text", None, int(text[0]))
                for p in range(2):
                    if answers[p][0]:
                        self._event(t, table, "accept", p, int(text[0]))
                    else:
                        self._event(t, table, "object", p, int(text[0]), critique(space, table, int(text[0]), p))
            m += (~answers[0]).astype(np.int64) - (~answers[1]).astype(np.int64)
            np.clip(m, -deadline, deadline, out=m)
            live &= ~both
            if not live.any():
                break
        return agreed, pick


def mediator_texts(table: Table, deadline: int, step: float) -> np.ndarray:
    """``(2T+1,)`` the mediator's text for each objection balance ``m ∈ [−T, T]``.

    Text ``m`` maximises the weighted Nash product
    ``λ log g_0 + (1 − λ) log g_1`` over candidates with positive gains
    ``g = u − r`` (``r`` the reservation values), ``λ = 1/(1 + (1+step)^{−m})``:
    ``m = 0`` is the Nash package; each objection by party 0 moves ``m`` up by
    one (the text moves along the frontier toward party 0), each by party 1
    down. With no candidate acceptable to both, the text is the candidate
    with the largest smallest gain.
    """
    gains = table.utility - table.reservation
    ok = (gains > TOL).all(axis=1)
    ms = np.arange(-deadline, deadline + 1)
    if not ok.any():
        return np.full(len(ms), int(np.argmax(gains.min(axis=1))), dtype=np.int64)
    idx = np.flatnonzero(ok)
    logs = np.log(gains[idx])
    lam = 1.0 / (1.0 + np.exp(-ms * math.log1p(step)))
    score = lam[:, None] * logs[None, :, 0] + (1 - lam)[:, None] * logs[None, :, 1]
    return np.asarray(idx[np.argmax(score, axis=1)], dtype=np.int64)


def critique(space: DealSpace, table: Table, idx: int, party: int) -> str:
    """What a party says must change in a text: the block where it falls
    furthest short of its best option."""
    short = []
    for k, b in enumerate(table.blocks):
        u = space.blocks[b].utility[:, party]
        short.append(float(u.max() - u[table.rows[idx, k]]))
    k = int(np.argmax(short))
    issues = space.blocks[table.blocks[k]].issues
    return f"must change: {', '.join(issues)} (short by {short[k]:.3g})"


# ------------------------------------------------------------------ protocols


class Protocol:
    """Base class of the protocols: split into units, run, say what is reachable."""

    name: ClassVar[str] = "protocol"
    description: ClassVar[str] = ""
    #: True when parts agreed early bind at once (early harvests).
    harvests: ClassVar[bool] = False

    def units(self, space: DealSpace) -> list[Unit]:
        return [whole(space)]

    def tables(self, prepared: Prepared) -> list[Table]:
        whole_package = len(self.units(prepared.space)) == 1 and not self.harvests
        return [prepared.table(u, whole_package) for u in self.units(prepared.space)]

    def run(self, engine: Engine, deadline: int) -> Course:
        raise NotImplementedError

    @property
    def params(self) -> dict[str, Any]:
        return {}

    @property
    def label(self) -> str:
        """The name, with non-default parameters in brackets."""
        return self.name + _extras(self.params, self.defaults)

    #: Parameter defaults left out of the label.
    defaults: ClassVar[dict[str, Any]] = {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    def reachable(self, space: DealSpace) -> np.ndarray:
        """``(F, P)`` Pareto frontier of the complete agreements the protocol can reach."""
        frontier = pareto_frontier(space).utilities
        return np.asarray(frontier[(frontier >= space.batna - TOL).all(axis=1)])


def _single(engine: Engine, table: Table, rounds: np.ndarray, pick: np.ndarray, deadline: int, unit: Unit) -> Course:
    end = np.where(rounds >= 0, rounds, deadline - 1)
    if table.size == 0:
        end = np.full(engine.runs, -1, dtype=np.int64)
    if engine.record:
        if rounds[0] >= 0:
            engine._event(int(rounds[0]), table, "bind", None, int(pick[0]), "single undertaking")
        elif table.size:
            engine._event(deadline - 1, table, "deadline", None, None, "no agreement")
    return Course([table], [unit], rounds[None, :], pick[None, :], rounds.copy(), end, engine.events)


class AlternatingOffers(Protocol):
    """Single undertaking: alternating offers on the whole package.

    Parameters
    ----------
    first
        The party that makes the first offer (0 or 1).

    References
    ----------
    Rubinstein (1982); WTO Punta del Este declaration (1986).
    """

    name = "alternating"
    description = "single undertaking: alternating offers on the whole package"
    defaults = {"first": 0}

    def __init__(self, first: int = 0) -> None:
        self.first = _first(first)

    @property
    def params(self) -> dict[str, Any]:
        return {"first": self.first}

    def run(self, engine: Engine, deadline: int) -> Course:
        (table,) = self.tables(engine.prepared)
        rounds, pick = engine.bargain(table, deadline, self.first)
        return _single(engine, table, rounds, pick, deadline, self.units(engine.prepared.space)[0])


class SingleNegotiatingText(Protocol):
    """Single negotiating text: a mediator drafts, parties accept or object.

    The mediator starts from the Nash neighbourhood of its candidate table
    (the package that maximises the product of gains over what each party
    keeps without agreement) and, when a party objects — naming the part of
    the text that must change (recorded in the trace) — amends the text by
    moving it one step along the Pareto frontier toward the objector (see
    :func:`mediator_texts`). Both parties must accept the same text. The
    mediator is informed (parties confide their valuations to it); the parties
    answer with their own strategies' acceptance rules.

    Parameters
    ----------
    step
        How far an objection moves the text (weight ratio ``1 + step``).

    References
    ----------
    Fisher (1981); Raiffa (1982), ch. 14 (Camp David, 1978).
    """

    name = "snt"
    description = "single negotiating text: a mediator drafts and amends, parties accept or object"
    defaults = {"step": 0.25}

    def __init__(self, step: float = 0.25) -> None:
        if not (math.isfinite(step) and step > 0):
            raise DealspaceError.single("step", f"the mediator's step is {step}", "use a number > 0")
        self.step = float(step)

    @property
    def params(self) -> dict[str, Any]:
        return {"step": self.step}

    def run(self, engine: Engine, deadline: int) -> Course:
        (table,) = self.tables(engine.prepared)
        rounds, pick = engine.mediate(table, deadline, self.step)
        return _single(engine, table, rounds, pick, deadline, self.units(engine.prepared.space)[0])


class SequentialBinding(Protocol):
    """Early harvests: units agreed one at a time, binding at once, never reopened.

    Parameters
    ----------
    order
        ``"given"`` (the scenario's domain order, or block order), ``"negotiated"``
        (the parties pick units in turn, the first proposer first, each the
        unit in which it can gain most — an agenda negotiated as in Fershtman
        1990), or a list of unit names.
    units
        ``"domain"`` or ``"block"``.
    stage_rounds
        Rounds per unit (default ``deadline // number of units``).
    first
        The party that opens each stage.

    References
    ----------
    Fershtman (1990); the "early harvest" clauses of WTO-era talks (e.g. the
    2013 Bali package).
    """

    name = "sequential"
    description = "early harvests: one unit at a time, each binding when agreed"
    harvests = True

    def __init__(
        self,
        order: str | Sequence[str] = "given",
        units: str = "domain",
        stage_rounds: int | None = None,
        first: int = 0,
    ) -> None:
        if units not in ("domain", "block"):
            raise DealspaceError.single("units", f"unknown unit kind '{units}'", did_you_mean(units, ["domain", "block"]))
        if isinstance(order, str) and order not in ("given", "negotiated"):
            raise DealspaceError.single(
                "order", f"unknown order '{order}'",
                f"{did_you_mean(order, ['given', 'negotiated'])} (or give a list of unit names)",
            )
        if stage_rounds is not None and stage_rounds < 1:
            raise DealspaceError.single("stage_rounds", f"stage_rounds is {stage_rounds}", "use an integer ≥ 1")
        self.order = order if isinstance(order, str) else tuple(order)
        self.unit_kind = units
        self.stage_rounds = stage_rounds
        self.first = _first(first)

    @property
    def params(self) -> dict[str, Any]:
        return {"order": self.order, "units": self.unit_kind, "stage_rounds": self.stage_rounds, "first": self.first}

    @property
    def label(self) -> str:
        params = dict(self.params)
        base = self.name
        if self.order == "negotiated":
            base, params["order"] = f"{base}-negotiated", "given"
        elif self.unit_kind == "block" and self.order == "given":
            base, params["units"] = f"{base}-blocks", "domain"
        if isinstance(params["order"], tuple):
            params["order"] = ">".join(params["order"])
        return base + _extras(params, {"order": "given", "units": "domain", "stage_rounds": None, "first": 0})

    def units(self, space: DealSpace) -> list[Unit]:
        return domain_units(space) if self.unit_kind == "domain" else block_units(space)

    def agenda(self, prepared: Prepared) -> list[Unit]:
        """The units in the order they are negotiated."""
        units = self.units(prepared.space)
        if self.order == "given":
            return units
        if self.order == "negotiated":
            left = list(units)
            out = []
            party = self.first
            while left:
                value = []
                for u in left:
                    table = prepared.table(u)
                    gain = table.utility[:, party] - table.status_quo[party] if table.size else np.zeros(1)
                    value.append(float(gain.max()))
                out.append(left.pop(int(np.argmax(value))))
                party = 1 - party
            return out
        by_name = {u.name: u for u in units}
        seen = []
        for name in self.order:
            if name not in by_name:
                raise DealspaceError.single(
                    "order", f"no unit '{name}'", did_you_mean(name, list(by_name))
                )
            seen.append(by_name[name])
        missing = [u for u in units if u not in seen]
        return seen + missing

    def run(self, engine: Engine, deadline: int) -> Course:
        prepared = engine.prepared
        agenda = self.agenda(prepared)
        rounds = self.stage_rounds or max(1, deadline // max(1, len(agenda)))
        runs = engine.runs
        start = np.zeros(runs, dtype=np.int64)
        bound = np.full((len(agenda), runs), -1, dtype=np.int64)
        picks = np.full((len(agenda), runs), -1, dtype=np.int64)
        tables = []
        talked = np.zeros(runs, dtype=bool)
        for u, unit in enumerate(agenda):
            table = prepared.table(unit)
            tables.append(table)
            if int(start.min()) >= deadline or table.size == 0:
                continue
            # every stage has its own clock of `rounds` rounds; the overall
            # deadline cuts it short (the same in a batch as in a single run)
            rel, pick = engine.bargain(table, rounds, self.first, offset=int(start[0]))
            at = start + rel
            ok = (rel >= 0) & (at < deadline)
            bound[u] = np.where(ok, at, -1)
            picks[u] = np.where(ok, pick, -1)
            if engine.record and start[0] < deadline:
                if ok[0]:
                    engine._event(int(at[0]), table, "bind", None, int(pick[0]), "early harvest")
                else:
                    last = min(int(start[0]) + rounds, deadline) - 1
                    engine._event(last, table, "deadline", None, None, "stays at status quo")
            used = np.where(rel >= 0, rel + 1, rounds)
            talked |= start < deadline
            start = np.minimum(start + used, deadline)
        complete = np.where((bound >= 0).all(axis=0), bound.max(axis=0), -1)
        end = np.where(talked, start - 1, -1)
        events = [e for e in engine.events if e.round < deadline]
        return Course(tables, agenda, bound, picks, complete, end, events)

    def reachable(self, space: DealSpace) -> np.ndarray:
        prepared = Prepared(space)
        total = np.zeros((1, space.n_parties))
        for unit in self.units(space):
            sub = pareto_frontier(_subspace(space, unit.blocks)).utilities
            sq = prepared.block_sq[list(unit.blocks)].sum(axis=0)
            sub = sub[(sub >= sq - TOL).all(axis=1)]
            if len(sub) == 0:
                return np.zeros((0, space.n_parties))
            total = nondominated((total[:, None, :] + sub[None, :, :]).reshape(-1, space.n_parties))
        return total


class ParallelSilos(SequentialBinding):
    """Parallel silos: one track per domain, all at once, no cross-domain trades.

    Each track runs alternating offers over the full deadline; its agreement
    binds when reached (separate agreements enter into force when signed).

    Parameters
    ----------
    first
        The party that opens each track.

    References
    ----------
    The issue-by-issue negotiation of Fatima, Wooldridge & Jennings, "Multi-issue
    negotiation with deadlines", JAIR 27, 381–417, 2006.
    """

    name = "silos"
    description = "parallel silos: one track per domain, no cross-domain trades"
    harvests = True

    def __init__(self, first: int = 0) -> None:
        super().__init__(order="given", units="domain", first=first)

    @property
    def params(self) -> dict[str, Any]:
        return {"first": self.first}

    @property
    def label(self) -> str:
        return self.name + _extras(self.params, {"first": 0})

    def run(self, engine: Engine, deadline: int) -> Course:
        prepared = engine.prepared
        units = self.units(prepared.space)
        runs = engine.runs
        bound = np.full((len(units), runs), -1, dtype=np.int64)
        picks = np.full((len(units), runs), -1, dtype=np.int64)
        end = np.full(runs, -1, dtype=np.int64)
        tables = []
        for u, unit in enumerate(units):
            table = prepared.table(unit)
            tables.append(table)
            rel, pick = engine.bargain(table, deadline, self.first)
            bound[u], picks[u] = rel, pick
            if table.size:
                end = np.maximum(end, np.where(rel >= 0, rel, deadline - 1))
            if engine.record and table.size:
                if rel[0] >= 0:
                    engine._event(int(rel[0]), table, "bind", None, int(pick[0]), "silo agreement")
                else:
                    engine._event(deadline - 1, table, "deadline", None, None, "stays at status quo")
        complete = np.where((bound >= 0).all(axis=0), bound.max(axis=0), -1)
        engine.events.sort(key=lambda e: e.round)
        return Course(tables, units, bound, picks, complete, end, engine.events)


def nondominated(points: np.ndarray) -> np.ndarray:
    """The distinct non-dominated rows of ``points`` (small sets)."""
    pts = np.unique(np.round(points, 9), axis=0)
    if len(pts) <= 1:
        return pts
    keep = np.ones(len(pts), dtype=bool)
    for lo in range(0, len(pts), 512):
        c = pts[lo : lo + 512]
        ge = (pts[:, None, :] >= c[None, :, :] - TOL).all(axis=2)
        gt = (pts[:, None, :] > c[None, :, :] + TOL).any(axis=2)
        keep[lo : lo + 512] = ~(ge & gt).any(axis=0)
    return np.asarray(pts[keep])


def _extras(params: dict[str, Any], defaults: dict[str, Any]) -> str:
    """``[k=v,…]`` for parameters that differ from their defaults ('' if none)."""
    diff = [f"{k}={v}" for k, v in params.items() if k not in defaults or defaults[k] != v]
    return f"[{','.join(diff)}]" if diff else ""


def _first(first: int) -> int:
    if first not in (0, 1):
        raise DealspaceError.single("first", f"first is {first}", "use 0 (the first party) or 1")
    return int(first)


# ------------------------------------------------------------------ registry

#: Protocol names: the class and the parameters the name stands for.
PROTOCOLS: dict[str, tuple[type[Protocol], dict[str, Any]]] = {
    "alternating": (AlternatingOffers, {}),
    "sequential": (SequentialBinding, {}),
    "sequential-negotiated": (SequentialBinding, {"order": "negotiated"}),
    "sequential-blocks": (SequentialBinding, {"units": "block"}),
    "silos": (ParallelSilos, {}),
    "snt": (SingleNegotiatingText, {}),
}
ALIASES = {
    "single-undertaking": "alternating",
    "su": "alternating",
    "alternating-offers": "alternating",
    "early-harvest": "sequential",
    "early-harvests": "sequential",
    "provisional": "sequential",
    "negotiated": "sequential-negotiated",
    "parallel": "silos",
    "parallel-silos": "silos",
    "single-text": "snt",
    "single-negotiating-text": "snt",
    "mediated": "snt",
}


def get_protocol(spec: str | Protocol | dict[str, Any], where: str = "protocol") -> Protocol:
    """A protocol from a name, an instance, or a mapping ``{name: ..., <params>}``.

    Raises
    ------
    DealspaceError
        For an unknown name or parameter, with a did-you-mean hint.
    """
    if isinstance(spec, Protocol):
        return spec
    params: dict[str, Any] = {}
    if isinstance(spec, dict):
        if "name" not in spec:
            raise DealspaceError.single(
                where, "a protocol mapping needs a 'name'", f"choose one of {', '.join(PROTOCOLS)}"
            )
        params = {str(k): v for k, v in spec.items() if k != "name"}
        spec = str(spec["name"])
    key = str(spec).strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    if key not in PROTOCOLS:
        raise DealspaceError.single(
            where, f"unknown protocol '{spec}'", did_you_mean(str(spec), [*PROTOCOLS, *ALIASES])
        )
    cls, defaults = PROTOCOLS[key]
    allowed = [n for n in inspect.signature(cls).parameters if n not in defaults]
    for name in params:
        if name not in allowed:
            raise DealspaceError.single(
                f"{where}.{name}",
                f"protocol '{key}' has no parameter '{name}'",
                did_you_mean(name, allowed),
            )
    return cls(**defaults, **params)


def protocol_names() -> list[str]:
    """The registered protocol names."""
    return list(PROTOCOLS)
