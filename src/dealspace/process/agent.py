r"""The agent interface: what an agent sees on a track and how it answers.

The model
---------
A negotiation *track* offers a finite table of candidate packages
``c = 0 … C-1`` (see :class:`~dealspace.process.candidates.Table`); each
agent ``p`` knows its own utility ``u_p(c)`` exactly and holds an *estimate*
``\tilde u_q(c)`` of the other party's (exact when the noise level is 0).
What an agent sees — the table, its estimate, the clock, the offers so far —
is its :class:`State`. Every strategy (a :class:`Strategy`) answers two
questions, for ``R`` parallel runs at once (``R = 1`` for a single run):

``propose(state) -> (R,) int``
    the candidate the agent offers in round ``state.t`` (an index into
    ``state.table``; ``state.table.rows[i]`` are the package's block rows);
``respond(state, offer) -> (R,) bool``
    whether the agent accepts the other's offer.

``reset()`` forgets everything learned (a fresh agent). Each class carries a
``classifier`` dict (``time_dependent``, ``stochastic``, ``learns``,
``opponent_model``) and names its literature source in its docstring. The
strategies themselves are in :mod:`dealspace.process.strategies`.

Aspiration strategies
~~~~~~~~~~~~~~~~~~~~~
Most strategies are *aspiration* strategies (:class:`Aspiration`): they set
a target utility ``τ_t`` and

* offer, among the candidates with ``u_p(c) ≥ τ_t``, the one the agent thinks
  best for the other party (``argmax \tilde u_q``; on a tie the one better for
  itself) — the "iso-utility, best for the opponent" bidding of the
  literature; with nothing at or above the target, its own best candidate
  (:meth:`State.bid`);
* accept an offer ``o`` iff ``u_p(o) ≥ max(r_p, u_p(b_{t+1}))`` where ``r_p`` is
  its reservation value and ``b_{t+1}`` the bid it would make next
  (``AC_next``, Baarslag et al. 2014).

An agent accepts only packages strictly better for it than its reservation
value (no zero-gain deals, :meth:`State.accepts`); it proposes below the
reservation value only when no candidate reaches it (it then insists on its
best candidate).

Red lines
---------
Candidates come from the compiled deal space, whose feasible packages meet
*every* party's must-haves and red lines: stated red lines are public in
government talks, and a package the other side has ruled out can never be
signed, so offering it is wasted. Hence an agent never proposes a package that
breaks its own red lines (nor the other's). Private information is in the
*valuations* (weights and option values), which the noise level models.

References
----------
.. [1] T. Baarslag, K. Hindriks, M. Hendrikx, A. Dirkzwager, C. Jonker,
   "Decoupling negotiating agents to explore the space of negotiation
   strategies", in Novel Insights in Agent-based Complex Automated
   Negotiation, Springer, 2014 (acceptance conditions, ``AC_next``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from dealspace.process.candidates import TOL, Table

# ------------------------------------------------------------------ the state


@dataclass(eq=False)
class State:
    """What one agent sees on one track, for ``R`` parallel runs.

    Parameters
    ----------
    table
        The track's candidates.
    me
        The agent's party index (a column of ``table.utility``).
    other
        ``(R, C)`` (or ``(1, C)``, shared by all runs) the agent's estimate of
        the other party's utility of each candidate.
    other_reservation
        ``(R,)`` (or ``(1,)``) its estimate of the other's reservation value.
    deadline
        Rounds available on the track (rounds ``0 … deadline-1``).
    runs
        ``R``.
    uniforms
        ``(R, 2·deadline)`` uniform draws for stochastic strategies (one
        stream per run, from the run's own seed), or None.
    offset
        ``(R,)`` (or a number) the round of the talks in which this track
        opened: the track's round ``t`` is round ``offset + t`` of the talks.
    horizon
        Rounds of the whole talks (the calendar's ``T``); None: ``deadline``.
        Time-dependent strategies concede on this clock
        (:meth:`time_fraction`), the same in every protocol.

    Attributes
    ----------
    t
        The current round on the track.
    received, sent
        Offers received and made so far, one ``(R,)`` array of candidate
        indices per round.
    """

    table: Table
    me: int
    other: np.ndarray
    other_reservation: np.ndarray
    deadline: int
    runs: int = 1
    uniforms: np.ndarray | None = None
    offset: np.ndarray | int = 0
    horizon: int | None = None
    t: int = 0
    received: list[np.ndarray] = field(default_factory=list)
    sent: list[np.ndarray] = field(default_factory=list)
    #: Results a strategy may keep for later rounds (e.g. the bid of a target
    #: that depends on the round only); read-only arrays by convention.
    memo: dict[Any, Any] = field(default_factory=dict)

    def keep(self, memo: dict[Any, Any], key: Any, names: tuple[str, ...]) -> None:
        """Take the cached properties ``names`` kept in ``memo[key]`` by an
        earlier state with the same inputs, or compute this state's and keep
        them there (the engine shares them between cells; read-only)."""
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = {name: getattr(self, name) for name in names}
            for value in hit.values():
                if isinstance(value, np.ndarray):
                    value.setflags(write=False)
        self.__dict__.update(hit)

    # -- the agent's own side (exact) ---------------------------------------
    @cached_property
    def own(self) -> np.ndarray:
        """``(C,)`` the agent's utility of each candidate."""
        return np.asarray(self.table.utility[:, self.me], dtype=float)

    @cached_property
    def reservation(self) -> float:
        return float(self.table.reservation[self.me])

    @cached_property
    def order(self) -> np.ndarray:
        """Candidates by the agent's utility, best first (stable)."""
        return np.argsort(-self.own, kind="stable")

    @cached_property
    def own_sorted(self) -> np.ndarray:
        return self.own[self.order]

    @cached_property
    def _neg_sorted(self) -> np.ndarray:
        """``−own_sorted`` (ascending, for ``searchsorted``)."""
        return -self.own_sorted

    @cached_property
    def _run_index(self) -> np.ndarray:
        return np.arange(self.runs)

    @cached_property
    def own_max(self) -> float:
        return float(self.own_sorted[0])

    @cached_property
    def floor(self) -> float:
        """``P_min``: the reservation value, or the best candidate when none reaches it."""
        r = self.reservation
        return r if self.own_max >= r - TOL else self.own_max

    # -- bidding -------------------------------------------------------------
    def prefix_best(self, estimate: np.ndarray) -> np.ndarray:
        """``(C, R')``: entry ``[k, r]`` is the candidate best for the other (by
        ``estimate[r]``) among the agent's ``k+1`` best candidates.

        Ties go to the candidate better for the agent (earlier in ``order``).
        Computed once per estimate with two running maxima down the candidate
        axis (contiguous in this layout), so a bid is then one look-up.
        """
        vals = np.ascontiguousarray(estimate.T[self.order])  # (C, R')
        best = np.maximum.accumulate(vals, axis=0)
        record = np.empty(vals.shape, dtype=bool)
        record[0] = True
        np.greater(vals[1:], best[:-1], out=record[1:])
        pos = record * np.arange(vals.shape[0], dtype=np.int32)[:, None]
        np.maximum.accumulate(pos, axis=0, out=pos)
        return np.asarray(self.order[pos])

    @cached_property
    def _prefix(self) -> np.ndarray:
        return self.prefix_best(self.other)

    @cached_property
    def other_max(self) -> np.ndarray:
        """``(R,)`` (or ``(1,)``) the other's best candidate, by the estimate."""
        return np.asarray(self.other.max(axis=1))

    def count_at_least(self, target: np.ndarray) -> np.ndarray:
        """How many candidates reach each target (at least 1)."""
        n = np.searchsorted(self._neg_sorted, -(np.asarray(target) - TOL), side="right")
        return np.maximum(n, 1)

    def bid(self, target: np.ndarray | float, prefix: np.ndarray | None = None) -> np.ndarray:
        """``(R,)`` the candidate offered for each run's target utility.

        Among candidates with own utility ≥ target, the one best for the other
        (by the agent's estimate, or by ``prefix`` from :meth:`prefix_best`).
        """
        table = self._prefix if prefix is None else prefix
        target = np.asarray(target, dtype=float)
        if target.size == 1:  # one target for every run: one look-up
            n = self.count_at_least(target.reshape(()))
            if table.shape[1] == 1:
                return np.full(self.runs, table[n - 1, 0])
            return np.asarray(table[n - 1, self._run_index])
        if target.shape != (self.runs,):
            target = np.broadcast_to(target, (self.runs,))
        n = self.count_at_least(target)
        if table.shape[1] == 1:
            return np.asarray(table[n - 1, 0])
        return np.asarray(table[n - 1, self._run_index])

    def bids(self, targets: np.ndarray, prefix: np.ndarray | None = None) -> np.ndarray:
        """``(T, R)`` read-only: row ``i`` is :meth:`bid` of ``targets[i]`` (one
        target for every run, or one per run), all found at once."""
        table = self._prefix if prefix is None else prefix
        targets = np.asarray(targets, dtype=float)
        n = self.count_at_least(targets)
        if targets.ndim == 1:  # one target per round for every run
            out = (
                np.repeat(table[n - 1, :1], self.runs, axis=1)
                if table.shape[1] == 1
                else table[n - 1]
            )
        elif table.shape[1] == 1:
            out = table[n - 1, 0]
        else:
            out = table[n - 1, self._run_index[None, :]]
        out = np.ascontiguousarray(out)
        out.setflags(write=False)
        return out

    def next_level_below(self, utility: np.ndarray) -> np.ndarray:
        """The highest own utility strictly below each value (or the value
        itself at the bottom)."""
        u = np.asarray(utility, dtype=float)
        n = np.searchsorted(self._neg_sorted, -(u - TOL), side="right")
        below = self.own_sorted[np.minimum(n, len(self.own_sorted) - 1)]
        return np.asarray(np.where(n < len(self.own_sorted), below, u))

    def accepts(self, offer: np.ndarray, threshold: np.ndarray | float) -> np.ndarray:
        """``u(offer) ≥ threshold`` and ``u(offer) > reservation`` (within
        tolerance): no agent accepts a package that gives it nothing over
        what it keeps without agreement."""
        own = self.own[offer]
        return np.asarray((own >= np.asarray(threshold, dtype=float) - TOL) & (own > self._above))

    @cached_property
    def _above(self) -> float:
        """The reservation value plus the tolerance: accepted offers lie above it."""
        return self.reservation + TOL

    def estimate_of(self, idx: np.ndarray) -> np.ndarray:
        """``(R,)`` the agent's estimate of the other's utility of candidates ``idx``."""
        if self.other.shape[0] == 1:
            return np.asarray(self.other[0, idx])
        return np.asarray(self.other[self._run_index, idx])

    def time_fraction(self, t: int | None = None) -> np.ndarray:
        """Calendar time since the start of the talks, ``(offset + t) / (H − 1)``
        clipped to [0, 1] (``H`` the horizon): per run when the track opened on
        different rounds in different runs."""
        t = self.t if t is None else t
        horizon = self.horizon if self.horizon is not None else self.deadline
        x = (np.asarray(self.offset, dtype=float) + t) / max(1, horizon - 1)
        return np.minimum(np.maximum(0.0, x), 1.0)  # = np.clip(x, 0, 1), signed zeros too


# ------------------------------------------------------------------ strategies


class Strategy:
    """Base class: the interface every strategy implements.

    Subclasses set ``name``, ``classifier`` and implement :meth:`propose` and
    :meth:`respond`; :meth:`reset` must restore the freshly built state.
    """

    name: ClassVar[str] = "strategy"
    classifier: ClassVar[dict[str, Any]] = {
        "time_dependent": False,
        "stochastic": False,
        "learns": False,
        "opponent_model": False,
    }
    #: The strategy is *individually rational* on a track: it offers only
    #: candidates worth at least its floor to itself (``u ≥ P_min − tol``,
    #: :attr:`State.floor`) and accepts only offers worth more than its
    #: reservation value (:meth:`State.accepts`). Only a class that sets it in
    #: its own body counts (:func:`individually_rational`): a subclass that
    #: changes what it offers or accepts must declare it again. The engine
    #: then skips the rounds of a track on which no agreement is possible.
    rational: ClassVar[bool] = False

    def propose(self, state: State) -> np.ndarray:
        """The candidate offered in round ``state.t``, per run."""
        raise NotImplementedError

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        """Whether the offer is accepted, per run."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget everything learned in a negotiation."""

    @property
    def params(self) -> dict[str, Any]:
        """The constructor arguments (for labels and tables)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


def individually_rational(strategy: Strategy) -> bool:
    """Whether ``strategy``'s own class declares :attr:`Strategy.rational`."""
    return vars(type(strategy)).get("rational", False) is True


class Aspiration(Strategy):
    """A strategy defined by its target utility ``τ_t``: bids at or above it,
    best for the other; accepts with ``AC_next`` (see the module docstring)."""

    def target(self, state: State, t: int) -> np.ndarray:
        """``(R,)`` (or scalar) target utility in round ``t``."""
        raise NotImplementedError

    def propose(self, state: State) -> np.ndarray:
        return state.bid(self.target(state, state.t))

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        planned = state.own[state.bid(self.target(state, state.t + 1))]
        return state.accepts(offer, planned)
