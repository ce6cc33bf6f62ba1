r"""Negotiation strategies: tiny classes sharing one interface.

The model
---------
Every strategy implements :class:`~dealspace.process.agent.Strategy`
(``propose``, ``respond``, ``reset``) on the
:class:`~dealspace.process.agent.State` an agent sees. Most are *aspiration*
strategies (:class:`~dealspace.process.agent.Aspiration`): each round they set
a target utility ``τ_t``, bid the candidate at or above it that they think
best for the other party, and accept with ``AC_next``; they differ in their
target.

Time-dependent tactics (Faratin, Sierra & Jennings 1998) use

.. math:: τ_t = P_{min} + (P_{max} - P_{min})\,(1 - F(t)),\qquad
          F(t) = k + (1-k)\,\Bigl(\frac{t}{T-1}\Bigr)^{1/e},

with ``P_max`` the agent's best candidate, ``P_min`` its reservation value
(its best candidate if nothing reaches the reservation), ``t`` the round of
the talks and ``T`` the rounds of the whole calendar — the same clock in every
protocol, so an agent concedes as fast per week whether it bargains over the
whole package or over one part of it (:meth:`~dealspace.process.agent.State.time_fraction`). ``e < 1`` is *Boulware* (concede late), ``e = 1`` linear,
``e > 1`` *Conceder*.

The others mirror the other side (:class:`TitForTat`), aim at the Nash
package (:class:`NashSeeker`), learn the other's preferences from its offers
(:class:`FrequencyLearner`), never concede (:class:`Hardliner`) or offer and
accept at random (:class:`Random`). :data:`STRATEGIES` registers them all;
:func:`get_strategy` builds one by name.

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

from typing import Any, ClassVar

import numpy as np

from dealspace.errors import DealspaceError, did_you_mean
from dealspace.process.agent import Aspiration, State, Strategy
from dealspace.process.candidates import TOL

# ------------------------------------------------------------------ strategies


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
    rational = True
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
            raise DealspaceError.single(
                "k", f"the initial concession is {k}", "use a number in [0, 1)"
            )
        self.e = e
        self.k = float(k)

    @property
    def params(self) -> dict[str, Any]:
        return {"e": self.e, "k": self.k}

    def concession(self, state: State, t: int) -> np.ndarray:
        """``F(t)`` on the calendar clock of the talks (:meth:`State.time_fraction`)."""
        return np.asarray(self.k + (1.0 - self.k) * state.time_fraction(t) ** (1.0 / self.e))

    def target(self, state: State, t: int) -> np.ndarray:
        lo, hi = state.floor, state.own_max
        return np.asarray(lo + (hi - lo) * (1.0 - self.concession(state, t)))

    def targets(self, state: State, start: int = 0, stop: int | None = None) -> np.ndarray:
        """``target(state, t)`` for the rounds ``t = start … stop − 1`` of the
        track (default: to the deadline, inclusive): ``(T,)``, or ``(T, R)``
        when the track opened on different rounds in different runs.

        The same operations on all rounds at once, equal to :meth:`target`
        bit for bit: the arithmetic is elementwise, and the power is taken as
        :meth:`target` takes it (on one number, or on the runs of one round).
        """
        stop = state.deadline + 1 if stop is None else stop
        t = np.arange(start, stop)
        horizon = state.horizon if state.horizon is not None else state.deadline
        offset = np.asarray(state.offset, dtype=float)
        x = (offset[None, ...] + t.reshape(-1, *([1] * offset.ndim))) / max(1, horizon - 1)
        x = np.minimum(np.maximum(0.0, x), 1.0)  # State.time_fraction of each round
        power = 1.0 / self.e
        if offset.ndim == 0:
            powered = np.array([v**power for v in x])  # np.float64 ** float, as in target
        else:
            powered = np.stack([row**power for row in x])
        concession = self.k + (1.0 - self.k) * powered
        lo, hi = state.floor, state.own_max
        return np.asarray(lo + (hi - lo) * (1.0 - concession))

    #: Rounds whose targets and bids are found together (:meth:`_bid_at`).
    WINDOW: ClassVar[int] = 64

    def _window(self, state: State, t: int, bids: bool) -> np.ndarray:
        """The targets (or, with ``bids``, the bids) of the :attr:`WINDOW`
        rounds around round ``t`` (none past the deadline), kept on the state."""
        start = t - t % self.WINDOW
        key = ("bids" if bids else "targets", id(self), start)
        hit = state.memo.get(key)
        if hit is None or t - start >= len(hit):
            stop = max(min(start + self.WINDOW, state.deadline + 1), t + 1)
            targets = self.targets(state, start, stop)
            hit = state.memo[key] = state.bids(targets) if bids else targets
        return np.asarray(hit[t - start])

    def _plain(self) -> bool:
        """Whether the target is :meth:`target` itself (not a subclass's own)."""
        cls = type(self)
        return cls.target is TimeDependent.target and cls.concession is TimeDependent.concession

    def _bid_at(self, state: State, t: int) -> np.ndarray:
        """``state.bid(self.target(state, t))``: the target depends on the
        round only, so the bids of :attr:`WINDOW` rounds are found at once
        (:meth:`targets`, :meth:`State.bids`)."""
        if not self._plain() or t < 0:
            return state.bid(self.target(state, t))
        return self._window(state, t, bids=True)

    def propose(self, state: State) -> np.ndarray:
        return self._bid_at(state, state.t)

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        return state.accepts(offer, state.own[self._bid_at(state, state.t + 1)])


class Boulware(TimeDependent):
    """Boulware: concedes little until close to the deadline (``e = 0.2``).

    References
    ----------
    Faratin, Sierra & Jennings (1998); H. Raiffa, *The Art and Science of
    Negotiation*, Harvard University Press, 1982 (the name).
    """

    name = "boulware"
    rational = True
    default_e = 0.2


class Linear(TimeDependent):
    """Linear concession from the best candidate to the reservation value (``e = 1``).

    References
    ----------
    Faratin, Sierra & Jennings (1998).
    """

    name = "linear"
    rational = True
    default_e = 1.0


class Conceder(TimeDependent):
    """Conceder: concedes fast early on (``e = 5``).

    References
    ----------
    Faratin, Sierra & Jennings (1998).
    """

    name = "conceder"
    rational = True
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
    rational = True
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
    rational = True
    classifier = {
        "time_dependent": False,
        "stochastic": False,
        "learns": False,
        "opponent_model": True,
    }

    def __init__(self, niceness: float = 0.05) -> None:
        if not 0.0 <= niceness <= 1.0:
            raise DealspaceError.single(
                "niceness", f"niceness is {niceness}", "use a number in [0, 1]"
            )
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
        ratio = np.divide(drop, span, out=np.zeros_like(drop), where=span > TOL)
        return np.minimum(np.maximum(0.0, ratio), 1.0)  # = np.clip(ratio, 0, 1), signed zeros too

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

    def _bid(self, state: State) -> np.ndarray:
        """``state.bid(self.target(state, ·))``, kept until an offer is made or
        received: the target depends on the last offers only, so ``respond``
        in round ``t`` finds the bid that ``propose`` makes in round ``t + 1``."""
        cls = type(self)
        if cls.target is not TitForTat.target or cls.other_concession is not (
            TitForTat.other_concession
        ):  # a subclass's own target
            return state.bid(self.target(state, state.t))
        key = ("tit-for-tat", id(self), len(state.received), len(state.sent))
        bid = state.memo.get(key)
        if bid is None:
            bid = state.memo[key] = state.bid(self.target(state, state.t))
        return bid

    def propose(self, state: State) -> np.ndarray:
        return self._bid(state)

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        return state.accepts(offer, state.own[self._bid(state)])


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
    rational = True
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
                score = np.where(
                    ok, np.log(np.where(ok, theirs, 1.0)) + np.log(np.maximum(mine, TOL)), -np.inf
                )
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
    rational = True
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
        return self._bid(state, state.t)

    def respond(self, state: State, offer: np.ndarray) -> np.ndarray:
        return state.accepts(offer, state.own[self._bid(state, state.t + 1)])

    def _bid(self, state: State, t: int) -> np.ndarray:
        """The bid for round ``t`` on the current model, kept while neither
        changes (``respond`` in round ``t`` asks for the bid ``propose`` makes
        in round ``t + 1``, usually on the same model)."""
        prefix = self._current_prefix(state)
        key = ("frequency", id(self))
        hit = state.memo.get(key)
        if hit is not None and hit[0] is prefix and hit[1] == t:
            return hit[2]
        bid = state.bid(self._target_at(state, t), prefix)
        state.memo[key] = (prefix, t, bid)
        return bid

    def _target_at(self, state: State, t: int) -> np.ndarray:
        """``self.target(state, t)``, from the targets of a window of rounds (:meth:`targets`)."""
        if not self._plain() or t < 0:
            return self.target(state, t)
        return self._window(state, t, bids=False)

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
    rational = True
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
                "uniforms",
                "the random strategy needs per-run uniform draws",
                "run it through simulate()",
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
