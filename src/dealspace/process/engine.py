r"""The negotiation engine: tracks played round by round, for many runs at once.

The model
---------
Time runs in rounds ``t = 0 … T-1`` (``T`` the deadline); in a round one offer
(or one mediator's text) is made and answered. On one track — a
:class:`~dealspace.process.candidates.Table` of candidates — the
:class:`Engine` plays one of two procedures for ``R`` parallel runs at once
(arrays with a runs axis):

* :meth:`Engine.bargain` — alternating offers: in round ``t`` party
  ``(first + t) mod 2`` proposes a candidate and the other accepts or
  rejects it;
* :meth:`Engine.mediate` — a single negotiating text: the mediator proposes
  a text (:func:`mediator_texts`); each party accepts it or objects, naming
  the part that must change (:func:`critique`).

A track is agreed in the round an offer (a text) is accepted. Each agent
answers through its :class:`~dealspace.process.agent.State`, which holds its
exact utilities and its estimate of the other's, drawn per run (the noise
model is given in :class:`Engine`). Which tracks are played, in which order
and on which clock is the protocol's choice
(:mod:`dealspace.process.protocols`); what the talks produced is a
:class:`Course` — when each unit binds and on which candidate — with, for a
single run, its trace of :class:`Event` records.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dealspace.errors import DealspaceError
from dealspace.process.agent import State, Strategy, individually_rational
from dealspace.process.candidates import TOL, Prepared, Table, Unit
from dealspace.space import DealSpace

# ------------------------------------------------------------------ the engine


#: A state's derived values that depend on its table and side only (:meth:`State.keep`).
OWN = ("own", "order", "own_sorted", "_neg_sorted", "reservation", "own_max", "floor", "_above")
#: ... and those that depend on its estimate of the other too.
OTHER = ("_prefix", "other_max")


class RunNormals:
    """The noise draws of a batch of runs, from their seeds, drawn once per
    width and shared by every engine on those runs (cells of deterministic
    strategies draw nothing else).

    Run ``r``'s generator ``default_rng(seeds[r])`` draws its breakdown
    uniform first (:func:`~dealspace.process.cell.first_uniforms`), then
    ``width`` standard normals (:class:`Engine`): row ``r`` of
    :meth:`draw` is those normals, the same numbers an engine on the
    generators draws.
    """

    def __init__(self, seeds: Sequence[np.random.SeedSequence]) -> None:
        self.seeds = tuple(seeds)
        self._drawn: dict[int, np.ndarray] = {}
        #: What engines derive from these draws alone (agents' estimates), kept for the others.
        self.memo: dict[Any, Any] = {}

    @property
    def runs(self) -> int:
        return len(self.seeds)

    def draw(self, width: int) -> np.ndarray:
        """``(runs, width)`` read-only: each run's normals after its first uniform."""
        hit = self._drawn.get(width)
        if hit is None:
            hit = np.empty((self.runs, width))
            for r, seed in enumerate(self.seeds):
                rng = np.random.default_rng(seed)
                rng.random()
                hit[r] = rng.standard_normal(width)
            hit.setflags(write=False)
            self._drawn[width] = hit
        return hit


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
    horizon
        Rounds of the whole talks: the clock time-dependent strategies concede
        on (None: each track's own deadline).
    normals
        Instead of ``rngs``, when no strategy is stochastic: the runs' noise
        draws (:class:`RunNormals`), shared by every engine on the same runs.
    """

    def __init__(
        self,
        prepared: Prepared,
        agents: Sequence[Strategy],
        tables: Sequence[Table],
        noise: float = 0.0,
        rngs: Sequence[np.random.Generator] | None = None,
        record: bool = False,
        horizon: int | None = None,
        normals: RunNormals | None = None,
    ) -> None:
        self.prepared = prepared
        self.horizon = horizon
        self.agents = list(agents)
        self.noise = float(noise)
        self.rngs = list(rngs) if rngs is not None else None
        self.normals = normals if rngs is None else None
        self.runs = (
            len(self.rngs)
            if self.rngs is not None
            else (normals.runs if normals is not None else 1)
        )
        self.record = record
        self.events: list[Event] = []
        self._noise_tables(tables)

    # -- noise ----------------------------------------------------------------
    def _noise_tables(self, tables: Sequence[Table]) -> None:
        space = self.prepared.space
        n_blocks = len(space.blocks)
        # which block rows the tables use: the same for every engine on these
        # tables, so kept with the prepared space (tables are cached there too)
        self._key = ("noise", tuple(tables))  # tables hash by identity: keys keep them alive
        hit = self.prepared.memo.get(self._key)
        if hit is None:
            used: list[set[int]] = [set() for _ in range(n_blocks)]
            for table in tables:
                for k, b in enumerate(table.blocks):
                    used[b].update(np.unique(table.rows[:, k]).tolist())
            rows = [np.array(sorted(s), dtype=np.int64) for s in used]
            sizes = [len(u) for u in rows]
            offset = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
            sd = np.array(
                [
                    b.utility.std(axis=0) if b.size else np.zeros(space.n_parties)
                    for b in space.blocks
                ]
            ).reshape(n_blocks, space.n_parties)
            hit = self.prepared.memo[self._key] = (rows, offset, int(sum(sizes)), sd)
        self._used: list[np.ndarray] = hit[0]
        self._offset: np.ndarray = hit[1]
        self._n_used: int = hit[2]
        self._sd: np.ndarray = hit[3]
        self._draws: list[tuple[np.ndarray, np.ndarray]] = []
        if self.noise > 0 and (self.rngs is not None or self.normals is not None):
            # per run: agent 0's block errors and option errors, then agent 1's —
            # one call per run (a generator's normals come in the same sequence
            # whether drawn in one call or two)
            width = n_blocks + self._n_used
            if self.rngs is not None:
                draws = np.empty((self.runs, 2 * width))
                for r, rng in enumerate(self.rngs):
                    draws[r] = rng.standard_normal(2 * width)
            else:
                assert self.normals is not None
                draws = self.normals.draw(2 * width)
            for agent in range(2):
                part = draws[:, agent * width : (agent + 1) * width]
                weights = np.exp(self.noise * part[:, :n_blocks] - self.noise**2 / 2)
                self._draws.append((weights, np.ascontiguousarray(part[:, n_blocks:])))

    def _shared(self) -> dict[Any, Any] | None:
        """Where estimates are kept for other engines: with the shared noise
        draws, or with the prepared space when there is no noise (None when
        this engine's generators drew its own)."""
        if not self._draws:
            return self.prepared.memo
        return self.normals.memo if self.normals is not None else None

    def estimate(self, table: Table, me: int) -> tuple[np.ndarray, np.ndarray]:
        """Agent ``me``'s estimate of the other's utilities ``(R, C)`` and
        reservation ``(R,)`` (read-only when kept for other engines)."""
        store = self._shared()
        if store is None:
            return self._estimate(table, me)
        key = ("estimate", self._key, table, me, self.noise if self._draws else 0.0)
        hit = store.get(key)
        if hit is None:
            hit = store[key] = self._estimate(table, me)
            for a in hit:
                a.setflags(write=False)
        return hit

    def _estimate(self, table: Table, me: int) -> tuple[np.ndarray, np.ndarray]:
        q = 1 - me
        if not self._draws:
            return table.utility[None, :, q].copy(), np.array([table.reservation[q]])
        weights, z = self._draws[me]
        util, cols, onehot = self._layout(table, q)
        blocks = list(table.blocks)
        # two matrix products: the weighted block utilities and the option errors
        est = weights[:, blocks] @ util
        est += z[:, cols] @ onehot
        res = (table.reservation[q] - table.status_quo[q]) + weights[
            :, blocks
        ] @ self.prepared.block_sq[blocks, q]
        return est, res

    def _layout(self, table: Table, q: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Computed once per table: ``(K, C)`` party ``q``'s block utilities of
        each candidate; the columns ``cols`` of the noise draws of the table's
        blocks; ``(len(cols), C)`` the scaled indicator of the draw each
        candidate's block rows use (``σ · sd_b``)."""
        key = (self._key, table, q, self.noise)
        hit = self.prepared.memo.get(key)
        if hit is None:
            space = self.prepared.space
            util = np.zeros((len(table.blocks), table.size))
            spans = [
                np.arange(self._offset[b], self._offset[b] + len(self._used[b]))
                for b in table.blocks
            ]
            cols = np.concatenate(spans) if spans else np.zeros(0, dtype=np.int64)
            onehot = np.zeros((len(cols), table.size))
            at = 0
            for k, b in enumerate(table.blocks):
                util[k] = space.blocks[b].utility[table.rows[:, k], q]
                pos = at + np.searchsorted(self._used[b], table.rows[:, k])
                onehot[pos, np.arange(table.size)] += self.noise * self._sd[b, q]
                at += len(self._used[b])
            hit = self.prepared.memo[key] = (util, cols, onehot)
        return hit

    def states(self, table: Table, deadline: int, offset: np.ndarray | int = 0) -> list[State]:
        out = []
        for p, agent in enumerate(self.agents):
            other, res = self.estimate(table, p)
            uniforms = None
            if agent.classifier.get("stochastic") and self.rngs is not None:
                uniforms = np.stack([rng.random(2 * deadline) for rng in self.rngs])
            elif agent.classifier.get("stochastic"):
                raise DealspaceError.single(
                    "rngs", "a stochastic strategy needs per-run generators"
                )
            state = State(table, p, other, res, deadline, self.runs, uniforms, offset, self.horizon)
            # what a state derives from the table (and the estimate) alone, kept for the others
            state.keep(self.prepared.memo, ("own", table, p), OWN)
            store = self._shared()
            if store is not None:
                key = ("other", self._key, table, p, self.noise if self._draws else 0.0)
                state.keep(store, key, OTHER)
            out.append(state)
            agent.reset()
        return out

    # -- recording ---------------------------------------------------------------
    def _event(
        self, t: int, table: Table, kind: str, party: int | None, idx: int | None, note: str = ""
    ) -> None:
        space = self.prepared.space
        pkg = utils = None
        if idx is not None and idx >= 0:
            utils = tuple(float(v) for v in table.utility[idx])
            pkg = {}
            for k, b in enumerate(table.blocks):
                block = space.blocks[b]
                for issue_id, o in zip(
                    block.issues, block.options[table.rows[idx, k]], strict=True
                ):
                    pkg[issue_id] = space.scenario.issue(issue_id).option_ids[int(o)]
        self.events.append(
            Event(
                t,
                table.name,
                kind,
                None if party is None else space.parties[party],
                idx,
                utils,
                pkg,
                note,
            )
        )

    def _per_run(self, x: Any, dtype: type) -> np.ndarray:
        """``x`` as an ``(R,)`` array (a copy) of ``dtype``."""
        x = np.asarray(x)
        if x.shape != (self.runs,):
            x = np.broadcast_to(x, (self.runs,))
        return x.astype(dtype)

    def _check(self, offer: np.ndarray, table: Table, who: int) -> np.ndarray:
        offer = self._per_run(offer, np.int64)
        # one pass over the offers: a negative index is a huge unsigned number
        if offer.size and int(offer.view(np.uint64).max()) >= table.size:
            raise DealspaceError.single(
                "strategy",
                f"{self.agents[who]!r} offered candidate {int(offer.max())} of {table.size}",
                "return indices into state.table",
            )
        return offer

    # -- procedures --------------------------------------------------------------
    def bargain(
        self, table: Table, deadline: int, first: int = 0, offset: np.ndarray | int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Alternating offers on one track opened in round ``offset`` of the talks
        (per run, or one number); ``(track round agreed, candidate)`` per run (-1: none)."""
        agreed = np.full(self.runs, -1, dtype=np.int64)
        pick = np.full(self.runs, -1, dtype=np.int64)
        if table.size == 0 or deadline <= 0:
            return agreed, pick
        states = self.states(table, deadline, offset)  # (draws a stochastic agent's uniforms)
        if not self.record and self._futile(table, deadline, first):
            return agreed, pick
        offset = int(np.asarray(offset).ravel()[0]) if np.size(offset) else 0
        live = np.ones(self.runs, dtype=bool)
        for t in range(deadline):
            p = (first + t) % 2
            q = 1 - p
            states[p].t = states[q].t = t
            offer = self._check(self.agents[p].propose(states[p]), table, p)
            states[p].sent.append(offer)
            states[q].received.append(offer)
            accept = self._per_run(self.agents[q].respond(states[q], offer), bool)
            if self.record:
                self._event(offset + t, table, "offer", p, int(offer[0]))
                self._event(
                    offset + t, table, "accept" if accept[0] else "reject", q, int(offer[0])
                )
            if not accept.any():  # (most rounds: nothing to update)
                continue
            new = live & accept
            agreed[new] = t
            pick[new] = offer[new]
            live &= ~accept
            if not live.any():
                break
        return agreed, pick

    def _futile(self, table: Table, deadline: int, first: int) -> bool:
        """Whether no offer can be accepted on this track, whatever the runs:
        both agents are individually rational (:attr:`Strategy.rational`) and
        no candidate that a proposer may offer (``u_p ≥ P_min,p − tol``) is
        worth more than its reservation value to the responder. The talks on
        the track then run to the deadline without agreement."""
        if not all(individually_rational(a) for a in self.agents):
            return False
        key = ("futile", table)
        hit = self.prepared.memo.get(key)
        if hit is None:
            u, r = table.utility, table.reservation
            top = u.max(axis=0)
            floor = np.where(top >= r - TOL, r, top)
            hit = self.prepared.memo[key] = tuple(
                not bool(((u[:, p] >= floor[p] - TOL) & (u[:, 1 - p] > r[1 - p] + TOL)).any())
                for p in range(2)
            )
        return all(hit[(first + t) % 2] for t in range(min(deadline, 2)))

    def mediate(
        self, table: Table, deadline: int, step: float = 0.25
    ) -> tuple[np.ndarray, np.ndarray]:
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
                answers.append(self._per_run(self.agents[p].respond(states[p], text), bool))
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
                        self._event(
                            t,
                            table,
                            "object",
                            p,
                            int(text[0]),
                            critique(space, table, int(text[0]), p),
                        )
            m += (~answers[0]).astype(np.int64) - (~answers[1]).astype(np.int64)
            np.maximum(m, -deadline, out=m)  # (np.clip, without its overhead)
            np.minimum(m, deadline, out=m)
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
