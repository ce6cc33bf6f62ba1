r"""Negotiation strategies: tiny classes sharing one interface.

The model
---------
A negotiation *track* offers a finite table of candidate packages
``c = 0 … C-1`` (see :class:`Table`); each agent ``p`` knows its own utility
``u_p(c)`` exactly and holds an *estimate* ``\tilde u_q(c)`` of the other
party's (exact when the noise level is 0). Every strategy answers two
questions, for ``R`` parallel runs at once (``R = 1`` for a single run):

``propose(state) -> (R,) int``
    the candidate the agent offers in round ``state.t`` (an index into
    ``state.table``; ``state.table.rows[i]`` are the package's block rows);
``respond(state, offer) -> (R,) bool``
    whether the agent accepts the other's offer.

``reset()`` forgets everything learned (a fresh agent). Each class carries a
``classifier`` dict (``time_dependent``, ``stochastic``, ``learns``,
``opponent_model``) and names its literature source in its docstring.

Aspiration strategies
~~~~~~~~~~~~~~~~~~~~~
Most strategies are *aspiration* strategies: they set a target utility
``τ_t`` and

* offer, among the candidates with ``u_p(c) ≥ τ_t``, the one the agent thinks
  best for the other party (``argmax \tilde u_q``; on a tie the one better for
  itself) — the "iso-utility, best for the opponent" bidding of the
  literature; with nothing at or above the target, its own best candidate;
* accept an offer ``o`` iff ``u_p(o) ≥ max(r_p, u_p(b_{t+1}))`` where ``r_p`` is
  its reservation value and ``b_{t+1}`` the bid it would make next
  (``AC_next``, Baarslag et al. 2014).

An agent accepts only packages strictly better for it than its reservation
value (no zero-gain deals); it proposes below the reservation value only when
no candidate reaches it (it then insists on its best candidate).

Time-dependent tactics (Faratin, Sierra & Jennings 1998) use

.. math:: τ_t = P_{min} + (P_{max} - P_{min})\,(1 - F(t)),\qquad
          F(t) = k + (1-k)\,\Bigl(\frac{t}{T-1}\Bigr)^{1/e},

with ``P_max`` the agent's best candidate, ``P_min`` its reservation value
(its best candidate if nothing reaches the reservation), ``T`` the track's
deadline in rounds. ``e < 1`` is *Boulware* (concede late), ``e = 1`` linear,
``e > 1`` *Conceder*.

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
.. [1] P. Faratin, C. Sierra, N. R. Jennings, "Negotiation decision functions
   for autonomous agents", Robotics and Autonomous Systems 24(3–4), 159–182,
   1998.
.. [2] T. Baarslag, K. Hindriks, C. Jonker, "A tit for tat negotiation strategy
   for real-time bilateral negotiations", in Complex Automated Negotiations,
   Studies in Computational Intelligence 435, 229–233, Springer, 2013.
.. [3] T. Baarslag, K. Hindriks, M. Hendrikx, A. Dirkzwager, C. Jonker,
   "Decoupling negotiating agents to explore the space of negotiation
   strategies", in Novel Insights in Agent-based Complex Automated
   Negotiation, Springer, 2014 (acceptance conditions, ``AC_next``).
.. [4] T. van Krimpen, D. Looije, S. Hajizadeh, "HardHeaded", in Complex
   Automated Negotiations, Springer, 2013; O. Tunalı, R. Aydoğan,
   V. Sanchez-Anguix, "Rethinking frequency opponent modeling in automated
   negotiation", PRIMA 2017 (frequency models).
.. [5] R. Axelrod, *The Evolution of Cooperation*, Basic Books, 1984.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from dealspace.errors import DealspaceError, did_you_mean

#: Utilities within this absolute tolerance count as equal.
TOL = 1e-9

# ------------------------------------------------------------------ the table


@dataclass(frozen=True, eq=False)
class Table:
    """The candidate packages of one negotiation track.

    Attributes
    ----------
    name
        The track's name (``"package"`` for the whole package, else a domain
        or block name).
    blocks
        Indices of the deal space's blocks negotiated on this track.
    rows
        ``(C, len(blocks))`` the row of each block in each candidate.
    utility
        ``(C, P)`` each party's utility of the track's part of the package
        (the sum of its blocks' utilities).
    status_quo
        ``(P,)`` the utility of the track's blocks at their status quo.
    reservation
        ``(P,)`` the utility below which a party accepts nothing on this track.
    options
        ``(C, I)`` option index of each of the track's issues in each candidate.
    issue_sizes
        ``(I,)`` number of options of each of the track's issues.
    issues
        The track's issue ids (columns of ``options``).
    """

    name: str
    blocks: tuple[int, ...]
    rows: np.ndarray
    utility: np.ndarray
    status_quo: np.ndarray
    reservation: np.ndarray
    options: np.ndarray
    issue_sizes: np.ndarray
    issues: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return int(self.rows.shape[0])

    @cached_property
    def option_onehot(self) -> np.ndarray:
        """``(Σ issue sizes, C)`` float32 indicator: candidate c uses option o."""
        offsets = np.concatenate([[0], np.cumsum(self.issue_sizes)[:-1]]).astype(np.int64)
        total = int(self.issue_sizes.sum())
        out = np.zeros((total, self.size), dtype=np.float32)
        for i in range(self.options.shape[1]):
            out[offsets[i] + self.options[:, i], np.arange(self.size)] = 1.0
        return out


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
    t: int = 0
    received: list[np.ndarray] = field(default_factory=list)
    sent: list[np.ndarray] = field(default_factory=list)

    # -- the agent's own side (exact) ---------------------------------------
    @cached_property
    def own(self) -> np.ndarray:
        """``(C,)`` the agent's utility of each candidate."""
        return np.asarray(self.table.utility[:, self.me], dtype=float)

    @property
    def reservation(self) -> float:
        return float(self.table.reservation[self.me])

    @cached_property
    def order(self) -> np.ndarray:
        """Candidates by the agent's utility, best first (stable)."""
        return np.argsort(-self.own, kind="stable")

    @cached_property
    def own_sorted(self) -> np.ndarray:
        return self.own[self.order]

    @property
    def own_max(self) -> float:
        return float(self.own_sorted[0])

    @property
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
        n = np.searchsorted(-self.own_sorted, -(np.asarray(target) - TOL), side="right")
        return np.maximum(n, 1)

    def bid(self, target: np.ndarray | float, prefix: np.ndarray | None = None) -> np.ndarray:
        """``(R,)`` the candidate offered for each run's target utility.

        Among candidates with own utility ≥ target, the one best for the other
        (by the agent's estimate, or by ``prefix`` from :meth:`prefix_best`).
        """
        table = self._prefix if prefix is None else prefix
        target = np.broadcast_to(np.asarray(target, dtype=float), (self.runs,))
        n = self.count_at_least(target)
        if table.shape[1] == 1:
            return np.asarray(table[n - 1, 0])
        return np.asarray(table[n - 1, np.arange(self.runs)])

    def next_level_below(self, utility: np.ndarray) -> np.ndarray:
        """The highest own utility strictly below each value (or the value
        itself at the bottom)."""
        u = np.asarray(utility, dtype=float)
        n = np.searchsorted(-self.own_sorted, -(u - TOL), side="right")
        below = self.own_sorted[np.minimum(n, len(self.own_sorted) - 1)]
        return np.asarray(np.where(n < len(self.own_sorted), below, u))

    def accepts(self, offer: np.ndarray, threshold: np.ndarray | float) -> np.ndarray:
        """``u(offer) ≥ threshold`` and ``u(offer) > reservation`` (within
        tolerance): no agent accepts a package that gives it nothing over
        what it keeps without agreement."""
        own = self.own[offer]
        return np.asarray((own >= np.asarray(threshold, dtype=float) - TOL) & (own > self.reservation + TOL))

    def estimate_of(self, idx: np.ndarray) -> np.ndarray:
        """``(R,)`` the agent's estimate of the other's utility of candidates ``idx``."""
        if self.other.shape[0] == 1:
            return np.asarray(self.other[0, idx])
        return np.asarray(self.other[np.arange(self.runs), idx])

    def time_fraction(self, t: int | None = None) -> float:
        """``t / (T-1)`` clipped to [0, 1]."""
        t = self.t if t is None else t
        return min(1.0, max(0.0, t / max(1, self.deadline - 1)))


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


class TimeDependent(Aspiration):
    """Time-dependent concession (Faratin, Sierra & Jennings 1998).

    ``τ_t = P_min + (P_max − P_min)(1 − F(t))``,
    ``F(t) = k + (1 − k)(t/(T−1))^{1/e}``: ``e < 1`` Boulware, ``e = 1``
    linear, ``e > 1`` Conceder.

    Parameters
    ----------
    e
        Concession exponent (> 0).
    k
        Initial concession in [0, 1).

    References
    ----------
    P. Faratin, C. Sierra, N. R. Jennings, "Negotiation decision functions for
    autonomous agents", Robotics and Autonomous Systems 24, 1998.
    """

    name = "time-dependent"
    classifier = {
        "time_dependent": True,
        "stochastic": False,
        "learns": False,
        "opponent_model": True,
    }
    default_e: ClassVar[float] = 1.0

    def __init__(self, e: float | None = None, k: float = 0.0) -> None:
        e = self.default_e if e is None else float(e)
        if not (np.isfinite(e) and e > 0):
            raise DealspaceError.single("e", f"the concession exponent is {e}", "use a number > 0")
        if not 0.0 <= k < 1.0:
            raise DealspaceError.single("k", f"the initial concession is {k}", "use a number in [0, 1)")
        self.e = e
        self.k = float(k)

    @property
    def params(self) -> dict[str, Any]:
        return {"e": self.e, "k": self.k}

    def concession(self, state: State, t: int) -> float:
        """``F(t)``."""
        return self.k + (1.0 - self.k) * state.time_fraction(t) ** (1.0 / self.e)

    def target(self, state: State, t: int) -> np.ndarray:
        lo, hi = state.floor, state.own_max
        return np.asarray(lo + (hi - lo) * (1.0 - self.concession(state, t)))


class Boulware(TimeDependent):
    """Boulware: concedes little until close to the deadline (``e = 0.2``).

    References
    ----------
    Faratin, Sierra & Jennings (1998); H. Raiffa, *The Art and Science of
    Negotiation*, Harvard University Press, 1982 (the name).
    """

    name = "boulware"
    default_e = 0.2


class Linear(TimeDependent):
    """Linear concession from the best candidate to the reservation value (``e = 1``).

    References
    ----------
    Faratin, Sierra & Jennings (1998).
    """

    name = "linear"
    default_e = 1.0


class Conceder(TimeDependent):
    """Conceder: concedes fast early on (``e = 5``).

    References
    ----------
    Faratin, Sierra & Jennings (1998).
    """

    name = "conceder"
    default_e = 5.0


class Hardliner(Aspiration):
    """Hardliner ("take it or leave it"): always bids its best candidate and
    accepts nothing less.

    References
    ----------
    T. Baarslag et al., "Evaluating practical negotiating agents: results and
    analysis of the 2011 international competition", Artificial Intelligence
    198, 73–103, 2013 (the Hardliner baseline of the Genius tournaments).
    """

    name = "hardliner"
    classifier = {
        "time_dependent": False,
        "stochastic": False,
        "learns": False,
        "opponent_model": True,
    }

    def target(self, state: State, t: int) -> np.ndarray:
        return np.asarray(state.own_max)


class TitForTat(Aspiration):
    """Relative tit-for-tat: concede the share of one's range the other has conceded of its own.

    With ``ũ`` the agent's estimate of the other's utility, the other's
    concession is ``φ = (max ũ − ũ(o_last)) / (max ũ − r̃)`` (clipped to
    [0, 1]; ``o_last`` its latest offer, ``r̃`` its estimated reservation
    value); the agent's own concession so far is
    ``ψ = (P_max − u(b_last)) / (P_max − P_min)``. Its target is

    * ``P_max − min(1, φ + ν)(P_max − P_min)`` — it mirrors the other's
      concession (Faratin et al.'s relative tit-for-tat), plus a small
      *niceness* ``ν``;
    * and, when the other has matched it (``φ ≥ ψ``), one step further: the
      next utility level below its last bid — it leads by one step, so two
      tit-for-tat agents do not deadlock on a discrete set of packages
      (Baarslag et al.'s "nice" tit-for-tat).

    It never retracts a concession and never goes below ``P_min``. Against a
    hardliner it concedes one step and waits.

    Parameters
    ----------
    niceness
        ``ν`` in [0, 1].

    References
    ----------
    Faratin, Sierra & Jennings (1998), imitative tactics (relative tit-for-tat);
    T. Baarslag, K. Hindriks, C. Jonker, "A tit for tat negotiation strategy for
    real-time bilateral negotiations", Complex Automated Negotiations, 2013.
    """

    name = "tit-for-tat"
    classifier = {
        "time_dependent": False,
        "stochastic": False,
        "learns": False,
        "opponent_model": True,
    }

    def __init__(self, niceness: float = 0.05) -> None:
        if not 0.0 <= niceness <= 1.0:
            raise DealspaceError.single("niceness", f"niceness is {niceness}", "use a number in [0, 1]")
        self.niceness = float(niceness)

    @property
    def params(self) -> dict[str, Any]:
        return {"niceness": self.niceness}

    def other_concession(self, state: State) -> np.ndarray:
        """``φ`` per run (0 before any offer)."""
        if not state.received:
            return np.zeros(1)
        top = state.other_max
        span = top - state.other_reservation
        drop = top - state.estimate_of(state.received[-1])
        return np.clip(np.divide(drop, span, out=np.zeros_like(drop), where=span > TOL), 0.0, 1.0)

    def target(self, state: State, t: int) -> np.ndarray:
        lo, hi = state.floor, state.own_max
        span = hi - lo
        phi = self.other_concession(state)
        mirror = hi - np.minimum(1.0, phi + self.niceness) * span
        if not state.sent:
            return np.asarray(mirror)
        last = state.own[state.sent[-1]]
        psi = (hi - last) / span if span > TOL else np.zeros_like(last)
        lead = np.where(phi + TOL >= psi, state.next_level_below(last), last)
        return np.asarray(np.maximum(np.minimum(mirror, lead), lo))


class NashSeeker(Aspiration):
    """Nash-seeking: bids the package it believes maximises the Nash product
    ``(u_p − r_p)(ũ_q − r̃_q)`` and accepts anything at least as good for itself.

    Without noise it proposes the exact Nash package of the candidate table.

    References
    ----------
    J. F. Nash, "The bargaining problem", Econometrica 18(2), 1950; the
    Nash-point heuristics of Genius agents (e.g. Baarslag et al. 2013).
    """

    name = "nash"
    classifier = {
        "time_dependent": False,
        "stochastic": False,
        "learns": False,
        "opponent_model": True,
    }

    def __init__(self) -> None:
        self._pick: np.ndarray | None = None

    def reset(self) -> None:
        self._pick = None

    def nash_candidate(self, state: State) -> np.ndarray:
        """``(R,)`` (or ``(1,)``) the estimated Nash candidate per run."""
        if self._pick is None:
            mine = state.own - state.reservation
            theirs = state.other - state.other_reservation[:, None]
            ok = (mine > TOL)[None, :] & (theirs > TOL)
            with np.errstate(divide="ignore", invalid="ignore"):
                score = np.where(ok, np.log(np.where(ok, theirs, 1.0)) + np.log(np.maximum(mine, TOL)), -np.inf)
            pick = np.argmax(score, axis=1)
            none = ~ok.any(axis=1)
            pick[none] = state.order[0]
            self._pick = pick
        return self._pick

    def target(self, state: State, t: int) -> np.ndarray:
        return np.asarray(state.own[self.nash_candidate(state)])

    def propose(self, state: State) -> np.ndarray:
        pick = self.nash_candidate(state)
        return np.broadcast_to(pick, (state.runs,)).copy()

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        return state.accepts(offer, state.own[self.nash_candidate(state)])


class FrequencyLearner(TimeDependent):
    """Learns the other's preferences from its offers (frequency model) and
    bids, on a time-dependent target, the package best for the learned model.

    The model (HardHeaded; Tunalı et al. 2017): an issue whose option the other
    keeps unchanged between consecutive offers gains weight ``ε``; an option's
    value is ``((1 + n_o) / (1 + max n))^γ`` with ``n_o`` how often the other
    offered it. The estimated utility ``Σ_i w_i v_i(x_i)`` (weights
    normalised) replaces the prior estimate once an offer is received and is
    refreshed every ``every`` rounds.

    Parameters
    ----------
    e
        Concession exponent of the target (default 0.5, mildly Boulware).
    epsilon
        Weight learning rate ``ε``.
    gamma
        Value exponent ``γ``.
    every
        Rounds between model refreshes.

    References
    ----------
    T. van Krimpen, D. Looije, S. Hajizadeh, "HardHeaded", Complex Automated
    Negotiations, 2013; T. Baarslag, M. Hendrikx, K. Hindriks, C. Jonker,
    "Predicting the performance of opponent models in automated negotiation",
    IAT 2013; O. Tunalı, R. Aydoğan, V. Sanchez-Anguix, "Rethinking frequency
    opponent modeling in automated negotiation", PRIMA 2017.
    """

    name = "frequency"
    classifier = {
        "time_dependent": True,
        "stochastic": False,
        "learns": True,
        "opponent_model": True,
    }
    default_e = 0.5

    def __init__(
        self, e: float | None = None, epsilon: float = 0.2, gamma: float = 0.25, every: int = 10
    ) -> None:
        super().__init__(e=e)
        if every < 1:
            raise DealspaceError.single("every", f"every is {every}", "use an integer ≥ 1")
        self.epsilon, self.gamma, self.every = float(epsilon), float(gamma), int(every)
        self.reset()

    @property
    def params(self) -> dict[str, Any]:
        return {"e": self.e, "epsilon": self.epsilon, "gamma": self.gamma, "every": self.every}

    def reset(self) -> None:
        self._counts: np.ndarray | None = None
        self._kept: np.ndarray | None = None
        self._last: np.ndarray | None = None
        self._seen = 0
        self._prefix: np.ndarray | None = None
        self._model_at = -1

    def _learn(self, state: State) -> None:
        table = state.table
        sizes = table.issue_sizes
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        while self._seen < len(state.received):
            offer = np.asarray(state.received[self._seen])
            chosen = table.options[offer] + offsets  # (R, I)
            if self._counts is None:
                self._counts = np.zeros((chosen.shape[0], int(sizes.sum())))
                self._kept = np.zeros(chosen.shape, dtype=float)
            assert self._kept is not None
            # each run counts one option per issue: no repeated (run, column) pairs
            self._counts[np.arange(chosen.shape[0])[:, None], chosen] += 1.0
            if self._last is not None:
                self._kept += chosen == self._last
            self._last = chosen
            self._seen += 1

    def model(self, state: State) -> np.ndarray:
        """``(R, C)`` the learned estimate of the other's utility (0–1 scale)."""
        assert self._counts is not None and self._kept is not None
        sizes = state.table.issue_sizes
        issue_of = np.repeat(np.arange(len(sizes)), sizes)
        weights = 1.0 + self.epsilon * self._kept
        weights /= weights.sum(axis=1, keepdims=True)
        counts = self._counts
        top = np.maximum.reduceat(counts, np.concatenate([[0], np.cumsum(sizes)[:-1]]), axis=1)
        values = ((1.0 + counts) / (1.0 + top[:, issue_of])) ** self.gamma
        scores = (weights[:, issue_of] * values).astype(np.float32)
        return np.asarray(scores @ state.table.option_onehot, dtype=float)

    def propose(self, state: State) -> np.ndarray:
        return state.bid(self.target(state, state.t), self._current_prefix(state))

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        planned = state.own[state.bid(self.target(state, state.t + 1), self._current_prefix(state))]
        return state.accepts(offer, planned)

    def _current_prefix(self, state: State) -> np.ndarray | None:
        self._learn(state)
        if self._counts is None:
            return None
        due = self._prefix is None or state.t - self._model_at >= self.every
        if due:
            self._prefix = state.prefix_best(self.model(state))
            self._model_at = state.t
        return self._prefix


class Random(Strategy):
    """Random: offers a uniformly drawn candidate it finds acceptable (own
    utility at or above its reservation value) and accepts an acceptable offer
    with probability ``p``. A baseline, as Axelrod's ``Random`` player.

    Parameters
    ----------
    p
        Probability of accepting an acceptable offer.

    References
    ----------
    R. Axelrod, *The Evolution of Cooperation*, 1984 (the RANDOM entry);
    the Random agents of the Genius benchmarks (Baarslag et al. 2013).
    """

    name = "random"
    classifier = {
        "time_dependent": False,
        "stochastic": True,
        "learns": False,
        "opponent_model": False,
    }

    def __init__(self, p: float = 0.5) -> None:
        if not 0.0 <= p <= 1.0:
            raise DealspaceError.single("p", f"p is {p}", "use a probability in [0, 1]")
        self.p = float(p)

    @property
    def params(self) -> dict[str, Any]:
        return {"p": self.p}

    def _draw(self, state: State, column: int) -> np.ndarray:
        if state.uniforms is None:
            raise DealspaceError.single(
                "uniforms", "the random strategy needs per-run uniform draws", "run it through simulate()"
            )
        return np.asarray(state.uniforms[:, min(column, state.uniforms.shape[1] - 1)])

    def propose(self, state: State) -> np.ndarray:
        n = int(state.count_at_least(np.asarray([state.floor]))[0])
        u = self._draw(state, 2 * state.t)
        pos = np.minimum((u * n).astype(np.int64), n - 1)
        return np.asarray(state.order[pos])

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        u = self._draw(state, 2 * state.t + 1)
        return state.accepts(offer, state.reservation) & (u < self.p)


#: The registry: every strategy class, in the order tables list them.
STRATEGIES: tuple[type[Strategy], ...] = (
    Boulware,
    Linear,
    Conceder,
    Hardliner,
    TitForTat,
    NashSeeker,
    FrequencyLearner,
    Random,
)
ALIASES = {
    "tft": "tit-for-tat",
    "titfortat": "tit-for-tat",
    "nash-seeker": "nash",
    "nash-seeking": "nash",
    "learner": "frequency",
    "hardheaded": "frequency",
    "hard-liner": "hardliner",
}
BY_NAME: dict[str, type[Strategy]] = {cls.name: cls for cls in STRATEGIES}


def get_strategy(spec: str | Strategy | type[Strategy], where: str = "strategy") -> Strategy:
    """A fresh strategy from a name, a class or an instance (reset).

    Raises
    ------
    DealspaceError
        For an unknown name, with a did-you-mean hint.
    """
    if isinstance(spec, Strategy):
        spec.reset()
        return spec
    if isinstance(spec, type) and issubclass(spec, Strategy):
        return spec()
    key = str(spec).strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    if key not in BY_NAME:
        raise DealspaceError.single(
            where, f"unknown strategy '{spec}'", did_you_mean(str(spec), [*BY_NAME, *ALIASES])
        )
    return BY_NAME[key]()


def strategy_names() -> list[str]:
    """The registered strategy names."""
    return list(BY_NAME)
