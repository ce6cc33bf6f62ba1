r"""The bellwether game: many partners, one large economy of unknown type.

Model
-----
A large economy :math:`L` (the US) of unknown type :math:`\theta \in \Theta`
faces partners :math:`p = 1..P`. Partner :math:`p` holds a prior
:math:`\mu_p` over :math:`\Theta` and a compact bilateral menu: the US tariff
it is threatened with :math:`t^{threat}_p` (the 2 April 2025 rate), the deal
rate :math:`t^{deal}_p`, the escalated rate :math:`t^{esc}_p`, its own
reciprocal tariff on US goods :math:`r_p` (:math:`r^{esc}_p` after
escalation) and the cost :math:`c_p` of its concessions (welfare points).

Partners come to the table one at a time in an order (given, historical, by
stakes or random). The partner at the table picks an action :math:`a`:

* **settle** — offer the concessions; the US answers *good* (tariff to
  :math:`t^{deal}_p`, concessions paid), *bad* (concessions paid, tariff
  stays at or snaps back to :math:`t^{threat}_p`) or *none* (no deal);
* **retaliate** — levy :math:`r_p`; the US answers *backdown* (both sides
  to the deal rate and no retaliation), *hold* (threat vs :math:`r_p`) or
  *escalate* (:math:`t^{esc}_p` vs :math:`r^{esc}_p`);
* **bloc** — a joint retaliation: when the partner at the table would
  retaliate, every other open partner whose own best action is to
  retaliate is invited; members stay while the bloc pays each at least its
  best action alone (iterated until stable), and the bloc forms if it has
  ``min_bloc`` members. The US answers the bloc once, with the bloc
  likelihoods, and the GE payoff has all members retaliating;
* **stay** — no deal, no retaliation: the threat rate applies;
* **wait** — go to the back of the queue (at most ``max_waits`` times) at a
  delay cost :math:`\delta_p`.

The US response :math:`o` to action :math:`a` is drawn from
:math:`L_a(o \mid \theta^*)` for the true type :math:`\theta^*`; it is
public, and every partner updates its belief by Bayes' rule with the
observers' likelihood :math:`L^s_a` (spillover :math:`s`,
:mod:`dealspace.world.beliefs`).

Payoffs are GE welfare changes (:mod:`dealspace.world.payoffs`): with
:math:`W_p(x)` the welfare of :math:`p` in world state :math:`x`, the value
of a one-shot action is

.. math:: V_p(a) = \sum_\theta \mu_p(\theta) \sum_o L_a(o \mid \theta)
          \big[W_p(x_{-p}, s(o)) - c_p\,\mathbb 1\{o\ \text{pays}\}
          - \kappa_p(x_{-p})\,\mathbb 1\{p\ \text{keeps a tariff}\}\big],

where :math:`s(o)` is the tariff state the response leaves (threat, deal,
hold, escalated), :math:`x_{-p}` the current public state of the others
(``context="current"``) or the threat world (``context="reference"``: no
GE spillovers), and :math:`\kappa_p(x_{-p}) = k\max\{W_p(x_{-p},
\text{hold}) - W_p(x_{-p}, \text{threat}), 0\}` the terms-of-trade gain
of its own tariff that a partner does not count (``tot_discount`` k; a
WTO-bound government does not tax imports for that gain — Bagwell and
Staiger 1999). Waiting is valued by a one-step look-ahead (a knowledge
gradient): the partner expects to see one more settlement and then act
optimally,

.. math:: V_p(\text{wait}) = \sum_o P_p(o) \max_{a \ne \text{wait}}
          V_p(a \mid \mu'_p(o)) - \delta_p,
          \qquad \delta_p = d \max\{W_p(\text{deal}) - W_p(\text{threat}), 0\},

so waiting pays only when the information is worth more than the delay.
The :math:`W_p` partners compare come from the second-order expansion of
the GE welfare around the threat world (:meth:`PayoffTable.approx`, exact
when at most two partners have left the threat state) unless
``exact=True``; realised payoffs are always exact GE solutions.
The concession :math:`c_p` in :math:`V_p` and in the payoff is the one the
US demands when :math:`p` comes to the table: with terms spillover it
depends on the deals already struck, and a strategic US mixes *bad* into
its answers to early settlements (:mod:`dealspace.world.terms`; both off,
the demand is :math:`c_p`). Forced blocs (``blocs``) retaliate together
when their first member moves; partners in ``never_retaliate`` have no
retaliate action and join no bloc.
Choices maximise :math:`V_p` or, with noise :math:`\lambda > 0`, follow the
logit rule :math:`P(a) \propto \exp(V_p(a)/\lambda)`. A partner's realised
payoff is :math:`W_p` in the final state, less the concessions it paid,
:math:`\kappa_p` if it still retaliates and :math:`\delta_p` per wait.

References
----------
Bikhchandani, S., Hirshleifer, D. and Welch, I. (1992). *Journal of Political
Economy* 100(5), 992–1026 (informational cascades).
Ossa, R. (2014). "Trade Wars and Trade Talks with Data". *American Economic
Review* 104(12), 4104–4146.
Lashkaripour, A. (2021). "The Cost of a Global Tariff War". *Journal of
International Economics* 131, 103419.
Bagwell, K. and Staiger, R. (1999). "An Economic Theory of GATT". *American
Economic Review* 89(1), 215–248.
McKelvey, R. and Palfrey, T. (1995). "Quantal Response Equilibria for Normal
Form Games". *Games and Economic Behavior* 10, 6–38 (logit choice).
Frazier, P., Powell, W. and Dayanik, S. (2008). "A Knowledge-Gradient Policy
for Sequential Information Collection". *SIAM J. Control Optim.* 47(5).

Experiments that play the game many times to answer one question (the
domino, first-mover advantage, variants, prior sensitivity) and the tables
that read their results are in :mod:`dealspace.world.experiments`.
"""

from __future__ import annotations

import functools
import gc
import itertools
import threading
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from dealspace.errors import DealspaceError, did_you_mean
from dealspace.present.notebook import Displayed
from dealspace.world import beliefs, terms
from dealspace.world.calibration import OUTCOMES, World
from dealspace.world.payoffs import (
    DEAL,
    ESCALATED,
    HOLD,
    STATES,
    THREAT,
    FloatArray,
    Key,
    PayoffTable,
    one_blas_thread,
)

ACTIONS = ("settle", "retaliate", "stay", "wait")
#: Tariff state and "concessions paid" for each outcome of settle / retaliate (and bloc).
EFFECTS = {
    "settle": ((DEAL, True), (THREAT, True), (THREAT, False)),
    "retaliate": ((DEAL, False), (HOLD, False), (ESCALATED, False)),
}
ORDERS = ("given", "stakes", "random")
#: Columns of :attr:`WorldResult.partners` and :attr:`WorldResult.events`.
ROW_COLUMNS = (
    *("run", "true_type", "first_partner", "first_outcome", "partner", "position"),
    *("action", "outcome", "turn", "bloc_size", "state", "retaliated", "waits"),
    *("welfare_pct", "concession", "delay_cost", "tot_netted", "payoff", "us_welfare_pct"),
)
EVENT_COLUMNS = ("run", "turn", "partners", "action", "outcome")
#: Decision points a game remembers before it forgets them (about 100 MB with their payoffs).
MEMO_LIMIT = 200_000
CONTEXTS = ("current", "reference")


@dataclass(frozen=True, eq=False)
class WorldResult(Displayed):
    """Monte Carlo runs of the game.

    ``partners``: one row per (run, partner) — position in the order, the
    concluding action and outcome, the turn, waits, GE welfare, costs and
    payoff. ``events``: one row per turn — who moved, what, and the response.
    """

    world: World
    partners: pd.DataFrame
    events: pd.DataFrame
    settings: Mapping[str, Any]
    solves: int = 0

    def to_frame(self) -> pd.DataFrame:
        """The per-(run, partner) table."""
        return self.partners


class _Game:
    """Precomputed arrays of one world for the kernel (internal: inputs are valid)."""

    def __init__(
        self,
        world: World,
        table: PayoffTable,
        spillover: float,
        context: str,
        noise: float,
        exact: bool,
        blocs: Sequence[Sequence[int]] = (),
        never_retaliate: Sequence[int] = (),
    ) -> None:
        self.world, self.table, self.context, self.noise, self.exact = (
            world,
            table,
            context,
            noise,
            exact,
        )
        self.n = len(world.partners)
        self.forced_bloc = {m: tuple(b) for b in blocs for m in b}
        self.never = frozenset(never_retaliate)
        self.lik = {
            a: np.asarray(world.likelihood[a], dtype=float) for a in ("settle", "retaliate", "bloc")
        }
        self.seen = {a: beliefs.mix(v, spillover) for a, v in self.lik.items()}
        self.cost = np.array([p.concession for p in world.partners])
        self.reference: Key = (THREAT,) * self.n
        # memos of pure functions of the state (the game is played many times on few states)
        self._welfare: dict[Key, FloatArray] = {}
        self._per_type: dict[tuple[int, Key, float], dict[str, FloatArray]] = {}
        self._beliefs: list[FloatArray] = [np.array([p.prior for p in world.partners], dtype=float)]
        self._observed: dict[tuple[int, str, int], int] = {}
        self._lock = threading.Lock()
        self._choices: dict[tuple[int, int, Key, bool, float], _Choice] = {}
        self._values: dict[tuple[int, int, Key, bool, float], dict[str, float]] = {}
        self._demands: dict[tuple[tuple[float, ...], int], FloatArray] = {}
        self._blocs: dict[tuple[Any, ...], list[int]] = {}
        self._responses: dict[tuple[str, int, float], list[float]] = {}
        self._posteriors: dict[bytes, tuple[FloatArray, FloatArray]] = {}
        gain = np.array(
            [
                self._w(p, self.reference, DEAL) - self._w(p, self.reference, THREAT)
                for p in range(self.n)
            ]
        )
        self.stakes = gain
        self.delay = world.delay_share * np.maximum(gain, 0.0)
        self._delay: list[float] = self.delay.tolist()
        self._codes = [p.code for p in world.partners]

    def welfare(self, key: Key) -> FloatArray:
        """Partners' welfare in a state they weigh: exact, or the second-order expansion (memoised)."""
        hit = self._welfare.get(key)
        if hit is None:
            hit = (self.table.welfare(key) if self.exact else self.table.approx(key))[
                self.table.regions
            ]
            self._welfare[key] = hit
        return hit

    def _w(self, p: int, base: Key, state: int) -> float:
        return float(self.welfare(base[:p] + (state,) + base[p + 1 :])[p])

    def welfare_of(self, keys: Sequence[Key]) -> list[FloatArray]:
        """:meth:`welfare` of each key, the states not weighed yet solved or expanded together."""
        new = [k for k in dict.fromkeys(keys) if k not in self._welfare]
        if new:
            for k, v in zip(
                new,
                self.table.welfare_many(new) if self.exact else self.table.approx_many(new),
                strict=True,
            ):
                self._welfare[k] = v[self.table.regions]
        return [self._welfare[k] for k in keys]

    def _own_states(self, p: int, base: Key) -> list[float]:
        """``p``'s welfare in each of its own states (:data:`STATES` order), the others as in ``base``."""
        keys = [base[:p] + (s,) + base[p + 1 :] for s in range(len(STATES))]
        return [float(w[p]) for w in self.welfare_of(keys)]

    def tot(self, p: int, base: Key) -> float:
        """The terms-of-trade gain of ``p``'s own tariff in ``base`` that it does not count (``tot_discount``)."""
        return self.world.tot_discount * max(self._w(p, base, HOLD) - self._w(p, base, THREAT), 0.0)

    def per_type(self, p: int, base: Key, cost: float) -> dict[str, FloatArray]:
        """Expected payoff of settle / retaliate / stay for each type (K,), given the concession demanded (memoised)."""
        hit = self._per_type.get((p, base, cost))
        if hit is None:
            hit = self._per_type[(p, base, cost)] = self._expected(p, base, cost)
        return hit

    def _expected(self, p: int, base: Key, cost: float) -> dict[str, FloatArray]:
        w = self._own_states(p, base)
        settle = np.array([w[DEAL] - cost, w[THREAT] - cost, w[THREAT]])
        k = len(self.world.types)
        out = {"settle": self.lik["settle"] @ settle}
        if p not in self.never:
            tot = self.world.tot_discount * max(w[HOLD] - w[THREAT], 0.0)  # self.tot(p, base)
            out["retaliate"] = self.lik["retaliate"] @ np.array(
                [w[DEAL], w[HOLD] - tot, w[ESCALATED] - tot]
            )
        out["stay"] = np.full(k, w[THREAT])
        return out

    def values(
        self,
        p: int,
        mu: FloatArray,
        base: Key,
        can_wait: bool,
        cost: float | None = None,
        posterior: tuple[FloatArray, FloatArray] | None = None,
    ) -> dict[str, float]:
        """:math:`V_p(a)` for the available actions (module docstring); ``posterior``: :func:`beliefs.posteriors` of ``mu`` if known."""
        table = self.per_type(p, base, float(self.cost[p]) if cost is None else cost)
        out = {a: float(mu @ v) for a, v in table.items()}
        if can_wait:
            prob, post = posterior or beliefs.posteriors(mu, self.seen["settle"])
            # the best action after each outcome (maximum of the rows: exact, in any order)
            best = functools.reduce(np.maximum, [post @ v for v in table.values()])
            out["wait"] = float(prob @ best) - float(self.delay[p])
        return out

    def choice(self, p: int, belief: int, base: Key, can_wait: bool, cost: float) -> _Choice:
        """The actions open to ``p`` and how it picks among them, at belief ``belief`` (memoised).

        With noise the logit rule's cumulative probabilities
        :math:`\\sum_{b \\le a} P(b)`; a uniform draw ``u`` picks the first
        action whose cumulative probability exceeds it.
        """
        key = (p, belief, base, can_wait, cost)
        hit = self._choices.get(key)
        if hit is None:
            if len(self._choices) >= MEMO_LIMIT:  # long sweeps: keep memory bounded
                for memo in (
                    self._choices,
                    self._values,
                    self._per_type,
                    self._blocs,
                    self._posteriors,
                ):
                    memo.clear()
            values = self.values_at(p, belief, base, can_wait, cost)
            names = tuple(a for a in ACTIONS if a in values)
            v = np.array([values[a] for a in names])
            if self.noise <= 0:
                hit = _Choice(names, (), names[int(np.argmax(v))])
            else:
                z = np.exp((v - v.max()) / self.noise)
                # running sums one by one, as np.cumsum adds them
                hit = _Choice(names, tuple(itertools.accumulate((z / z.sum()).tolist())), "")
            self._choices[key] = hit
        return hit

    def values_at(
        self, p: int, belief: int, base: Key, can_wait: bool, cost: float
    ) -> dict[str, float]:
        """:meth:`values` at belief number ``belief`` (memoised: the choices and the blocs share it)."""
        key = (p, belief, base, can_wait, cost)
        hit = self._values.get(key)
        if hit is None:
            mu = self._beliefs[belief][p]
            posterior = None
            if can_wait:  # by the belief's bytes: partners with the same belief share it
                row = mu.tobytes()
                posterior = self._posteriors.get(row)
                if posterior is None:
                    posterior = self._posteriors[row] = beliefs.posteriors(mu, self.seen["settle"])
            hit = self._values[key] = self.values(p, mu, base, can_wait, cost, posterior)
        return hit

    def observe(self, belief: int, kind: str, outcome: int) -> int:
        """The beliefs after everyone sees ``outcome`` of ``kind`` (Bayes, :func:`beliefs.update_all`), by number (memoised)."""
        key = (belief, kind, outcome)
        hit = self._observed.get(key)
        if hit is None:
            mu = beliefs.update_all(self._beliefs[belief], self.seen[kind], outcome)
            with self._lock:  # numbering must not interleave (a game may serve several threads)
                hit = self._observed.get(key)
                if hit is None:
                    self._beliefs.append(mu)
                    hit = self._observed[key] = len(self._beliefs) - 1
        return hit

    def demands(self, precedents: tuple[float, ...], punished: int) -> FloatArray:
        """The concession demanded of every partner (:func:`terms.demanded_all`, memoised).

        Entry ``p`` is :func:`terms.demanded` of ``p``, bit for bit.
        """
        key = (precedents, punished)
        hit = self._demands.get(key)
        if hit is None:
            hit = self._demands[key] = terms.demanded_all(
                self.cost,
                list(precedents),
                punished,
                self.world.terms_spillover,
                self.world.reputation,
            )
        return hit

    def bloc(
        self, mover: int, open_: list[int], belief: int, state: list[int], demands: FloatArray
    ) -> list[int]:
        """Members of the joint retaliation led by ``mover`` at belief ``belief`` (empty if none forms)."""
        base = self.base(state)
        mu = self._beliefs[belief]
        alone: dict[int, float] = {}
        members = [mover]
        for j in open_:
            if j in self.never or j in self.forced_bloc:
                continue
            v = self.values_at(j, belief, base, False, float(demands[j]))
            if max(v, key=lambda a: v[a]) == "retaliate":
                members.append(j)
                alone[j] = v["retaliate"]
        alone[mover] = self.values_at(mover, belief, base, False, float(demands[mover]))[
            "retaliate"
        ]
        while len(members) >= self.world.min_bloc:
            pay = np.empty((len(members), 3))
            tot = np.array([self.tot(m, base) for m in members])
            keys = []
            for s, _ in EFFECTS["retaliate"]:
                key = list(base)
                for m in members:
                    key[m] = s
                keys.append(tuple(key))
            for col, ((s, _), w) in enumerate(
                zip(EFFECTS["retaliate"], self.welfare_of(keys), strict=True)
            ):
                pay[:, col] = w[members] - (tot if s != DEAL else 0.0)
            value = np.array([mu[m] @ (self.lik["bloc"] @ pay[i]) for i, m in enumerate(members)])
            if value[0] < alone[mover]:
                return []
            keep = [m for i, m in enumerate(members) if i == 0 or value[i] >= alone[m]]
            if keep == members:
                return members
            members = keep
        return []

    def bloc_at(
        self,
        mover: int,
        open_: list[int],
        belief: int,
        state: list[int],
        precedents: tuple[float, ...],
        punished: int,
    ) -> list[int]:
        """:meth:`bloc` at belief ``belief`` with the demands of the moment (memoised)."""
        key = (mover, tuple(open_), belief, tuple(state), precedents, punished)
        hit = self._blocs.get(key)
        if hit is None:
            hit = self._blocs[key] = self.bloc(
                mover, open_, belief, state, self.demands(precedents, punished)
            )
        return hit

    def base(self, state: list[int]) -> Key:
        return tuple(state) if self.context == "current" else self.reference

    def respond(self, action: str, true_type: int, u: float, punish: float = 0.0) -> int:
        """The US response to ``u``; a strategic US answers a settlement with *bad* with extra weight ``punish``."""
        key = (action, true_type, punish)
        cum = self._responses.get(key)
        if cum is None:
            row = self.lik[action][true_type]
            if punish > 0.0:
                row = terms.punishing(row, punish, OUTCOMES["settle"].index("bad"))
            cum = self._responses[key] = np.cumsum(row).tolist()
        return min(bisect_right(cum, u * cum[-1]), len(cum) - 1)

    def play(
        self,
        order: Sequence[int],
        true_type: int,
        u_choice: Sequence[Sequence[float]],
        u_out: Sequence[float],
        forced: int | None,
    ) -> _Played:
        """One run, up to its final state (:meth:`rows` reads the payoffs once that state is solved).

        Random numbers are indexed by partner, not by turn — ``u_choice[p, k]``
        for partner ``p``'s ``k``-th decision, ``u_out[p]`` for the response
        to ``p`` (the leader, for a bloc) — so a partner meets the same luck
        wherever it stands in the order (common random numbers). Beliefs are
        numbered states of :meth:`observe`; every step that is a pure
        function of the history so far is memoised, so runs that share a
        history share its work.
        """
        n = self.n
        codes = self.world.codes
        max_waits = self.world.max_waits
        current = self.context == "current"
        belief = 0
        state = [THREAT] * n
        paid = [0.0] * n
        waits = [0] * n
        precedents: tuple[float, ...] = ()  # concessions of the good deals struck so far
        punished = 0  # settlements the US answered with "bad" so far
        concluded = 0
        done: dict[int, tuple[str, str, int, int]] = {}  # action, outcome, turn, bloc size
        events: list[tuple[int, str, str, str]] = []  # EVENT_COLUMNS after "run"
        queue = deque(order)
        turn = 0
        demands = self.demands(precedents, punished).tolist()  # renewed when either changes
        forced_bloc = self.forced_bloc
        while queue:
            p = queue.popleft()
            open_ = list(queue)  # every other partner still to conclude (each is queued once)
            demand = demands[p]
            partners_in_bloc = (
                [m for m in forced_bloc[p] if m == p or m in open_] if p in forced_bloc else []
            )
            if turn == 0 and forced is not None:
                action = "settle"
            elif len(partners_in_bloc) >= 2:
                action = "forced bloc"
            else:
                pick = self.choice(
                    p,
                    belief,
                    tuple(state) if current else self.reference,
                    waits[p] < max_waits and bool(open_),
                    demand,
                )
                if pick.cum:
                    u = u_choice[p][waits[p]]
                    action = pick.names[min(bisect_right(pick.cum, u), len(pick.names) - 1)]
                else:
                    action = pick.best
            if action == "wait":
                waits[p] += 1
                queue.append(p)
                events.append((turn + 1, codes[p], "wait", "wait"))
                turn += 1
                continue
            movers, kind = [p], action
            if action == "stay":
                label = "stay"
            else:
                if action == "forced bloc":
                    movers, kind = [p, *(m for m in partners_in_bloc if m != p)], "bloc"
                    for m in movers[1:]:
                        queue.remove(m)
                elif action == "retaliate":
                    members = self.bloc_at(p, open_, belief, state, precedents, punished)
                    if members:
                        movers, kind = members, "bloc"
                        for m in members[1:]:
                            queue.remove(m)
                punish = (
                    terms.punishment(self.world.reputation, concluded, n)
                    if kind == "settle"
                    else 0.0
                )
                o = (
                    forced
                    if (turn == 0 and forced is not None)
                    else self.respond(kind, true_type, float(u_out[p]), punish)
                )
                label = OUTCOMES[kind][o]
                s, pays = EFFECTS["settle" if kind == "settle" else "retaliate"][o]
                for m in movers:
                    state[m], paid[m] = s, demand if pays else 0.0
                if kind == "settle" and label in ("good", "bad"):
                    if label == "good":
                        precedents += (demand,)
                    else:
                        punished += 1
                    demands = self.demands(precedents, punished).tolist()
                belief = self.observe(belief, kind, o)
            concluded += len(movers)
            for m in movers:
                done[m] = (kind, label, turn + 1, len(movers) if kind == "bloc" else 0)
            events.append((turn + 1, " ".join(codes[m] for m in movers), kind, label))
            turn += 1
        return _Played(list(order), tuple(state), paid, waits, done, events)

    def rows(self, played: _Played, welfare_all: FloatArray) -> list[tuple[Any, ...]]:
        """The per-partner rows of a run (:data:`ROW_COLUMNS` after the run's tags), given the GE welfare of every region in its final state."""
        final = played.state
        welfare = welfare_all[self.table.regions].tolist()  # Python floats: the same arithmetic
        us = self.table.large_welfare(final)
        position = {p: k + 1 for k, p in enumerate(played.order)}
        rows = []
        for p, code in enumerate(self._codes):
            action, outcome, turn, bloc_size = played.done[p]
            waits, paid, delay = played.waits[p], played.paid[p], self._delay[p]
            tot = self.tot(p, final) if final[p] in (HOLD, ESCALATED) else 0.0
            rows.append(
                (
                    code,
                    position[p],
                    action,
                    outcome,
                    turn,
                    bloc_size,
                    STATES[final[p]],
                    action in ("retaliate", "bloc"),
                    waits,
                    welfare[p],
                    paid,
                    delay * waits,
                    tot,
                    welfare[p] - paid - delay * waits - tot,
                    us,
                )
            )
        return rows


class _Choice(NamedTuple):
    """How a partner picks an action at one point of the game (:meth:`_Game.choice`)."""

    names: tuple[str, ...]  # the actions open, in ACTIONS order
    cum: tuple[float, ...]  # logit rule: cumulative probabilities (empty without noise)
    best: str  # without noise: the action of highest value


class _Played(NamedTuple):
    """One run up to its final state (:meth:`_Game.play`)."""

    order: list[int]
    state: Key
    paid: list[float]
    waits: list[int]
    done: dict[int, tuple[str, str, int, int]]
    events: list[tuple[int, str, str, str]]


def _game(
    world: World,
    table: PayoffTable,
    spillover: float,
    context: str,
    noise: float,
    exact: bool,
    blocs: Sequence[Sequence[int]] = (),
    never_retaliate: Sequence[int] = (),
) -> _Game:
    """The :class:`_Game` of these settings on ``table``, made once and kept with the table (``table.games``).

    A game's memos are pure functions of its settings and of the history of a
    run, so calls of :func:`simulate` that share a table (the domino, the
    first-mover plays) share the work of the histories they have in common.
    A world is immutable and compared by identity. The games live as long as
    the table (they refer to it, it refers to them: the garbage collector frees
    both together).
    """
    key = (
        world,
        spillover,
        context,
        noise,
        exact,
        tuple(tuple(b) for b in blocs),
        tuple(never_retaliate),
    )
    games: dict[tuple[Any, ...], _Game] = table.games
    game = games.get(key)
    if game is None:
        if len(games) >= 16:  # a sweep over settings: keep memory bounded
            games.clear()
        game = games[key] = _Game(
            world, table, spillover, context, noise, exact, blocs, never_retaliate
        )
    return game


def simulate(
    world: World,
    runs: int = 200,
    seed: int | None = 0,
    *,
    first: str | None = None,
    outcome: str | None = None,
    order: str | Sequence[str] = "given",
    spillover: float | None = None,
    context: str = "current",
    noise: float | None = None,
    true_type: str | None = None,
    table: PayoffTable | None = None,
    exact: bool = False,
    run_offset: int = 0,
    blocs: Sequence[Sequence[str]] = (),
    never_retaliate: Sequence[str] = (),
) -> WorldResult:
    """Seeded Monte Carlo of the bellwether game (model in the module docstring).

    Parameters
    ----------
    world : World
        E.g. ``load_world("world-2025")``.
    runs : int
        Number of runs.
    seed : int or None
        Run ``k`` uses ``SeedSequence(seed, spawn_key=(k,))``: results do not
        depend on how runs are split into chunks (``run_offset``).
    first : str, optional
        Partner (code or name) placed first in the order.
    outcome : {"good", "bad", "none"}, optional
        Force the first partner to settle with this outcome (the domino
        experiment); needs ``first`` or uses the order's first partner.
    order : "given", "stakes", "random" or a list of codes
        ``given``: the world's order; ``stakes``: largest gain from a deal
        first (readiness); ``random``: a new permutation each run.
    spillover : float, optional
        :math:`s \\in [0,1]`; default the world's.
    context : {"current", "reference"}
        Others' states when a partner values its options.
    noise : float, optional
        Logit scale :math:`\\lambda` (welfare points); default the world's.
    true_type : str, optional
        Fix the large economy's type instead of drawing it from ``world.truth``.
    table : PayoffTable, optional
        A cache to share between calls on the same world.
    exact : bool
        Solve the GE model for every state a partner weighs. By default the
        values partners compare come from the second-order expansion
        :meth:`PayoffTable.approx` (exact when at most two partners have left
        the threat state; 1 + 3P + 9P(P-1)/2 solves, once), which makes long
        Monte Carlo runs cheap. Realised payoffs are always exact.
    run_offset : int
        Index of the first run (for chunked sweeps).
    blocs : sequence of sequences of str
        Forced blocs (codes or names): when the first member comes to the
        table, all open members retaliate jointly (``min_bloc`` does not
        apply). A partner may be in one bloc only.
    never_retaliate : sequence of str
        Partners (codes or names) that never retaliate, alone or in a bloc.

    Returns
    -------
    WorldResult
    """
    table = world.payoff_table() if table is None else table
    with _paused_gc():
        call = _play(
            world,
            runs,
            seed,
            first=first,
            outcome=outcome,
            order=order,
            spillover=spillover,
            context=context,
            noise=noise,
            true_type=true_type,
            table=table,
            exact=exact,
            run_offset=run_offset,
            blocs=blocs,
            never_retaliate=never_retaliate,
        )
        return _results(world, table, [call])[0]


def _play(
    world: World,
    runs: int = 200,
    seed: int | None = 0,
    *,
    first: str | None = None,
    outcome: str | None = None,
    order: str | Sequence[str] = "given",
    spillover: float | None = None,
    context: str = "current",
    noise: float | None = None,
    true_type: str | None = None,
    table: PayoffTable | None = None,
    exact: bool = False,
    run_offset: int = 0,
    blocs: Sequence[Sequence[str]] = (),
    never_retaliate: Sequence[str] = (),
) -> _Call:
    """:func:`simulate` up to the runs' final states (the arguments are checked here)."""
    if runs < 1 or int(runs) != runs:
        raise DealspaceError.single("runs", f"is {runs!r}", "use a whole number >= 1")
    if context not in CONTEXTS:
        raise DealspaceError.single(
            "context", f"unknown context {context!r}", did_you_mean(context, CONTEXTS)
        )
    n = len(world.partners)
    if isinstance(order, str) and order not in ORDERS:
        raise DealspaceError.single(
            "order", f"unknown order {order!r}", did_you_mean(order, ORDERS)
        )
    table = world.payoff_table() if table is None else table
    base_order = [
        world.index(c) for c in order_codes(world, "given" if order == "random" else order, table)
    ]
    if sorted(base_order) != list(range(n)):
        raise DealspaceError.single(
            "order",
            f"{list(order)} does not list every partner once",
            f"give all of {list(world.codes)}",
        )
    forced = None
    if outcome is not None:
        if outcome not in OUTCOMES["settle"]:
            raise DealspaceError.single(
                "outcome", f"unknown outcome {outcome!r}", did_you_mean(outcome, OUTCOMES["settle"])
            )
        forced = OUTCOMES["settle"].index(outcome)
    first_idx = world.index(first) if first is not None else None
    fixed = None if true_type is None else type_index(world, true_type)
    bloc_idx, never_idx = forced_groups(world, blocs, never_retaliate)
    game = _game(
        world,
        table,
        world.spillover if spillover is None else spillover,
        context,
        world.noise if noise is None else noise,
        exact,
        bloc_idx,
        never_idx,
    )
    with one_blas_thread():
        played = [
            _one_run(world, game, run, seed, order, base_order, first_idx, fixed, forced)
            for run in range(run_offset, run_offset + runs)
        ]
    settings: dict[str, Any] = {
        "runs": runs,
        "seed": seed,
        "first": first,
        "outcome": outcome,
        "order": order if isinstance(order, str) else list(order),
        "spillover": world.spillover if spillover is None else spillover,
        "context": context,
        "noise": game.noise,
        "true_type": true_type,
        "exact": exact,
    }
    settings |= {
        "blocs": [[world.codes[k] for k in b] for b in bloc_idx],
        "never_retaliate": [world.codes[k] for k in never_idx],
    }
    return _Call(game, played, settings)


class _Call(NamedTuple):
    """The runs of one :func:`simulate` call, played up to their final states."""

    game: _Game
    played: list[tuple[tuple[Any, ...], _Played]]
    settings: dict[str, Any]


def simulate_many(
    world: World, calls: Sequence[Mapping[str, Any]], *, table: PayoffTable | None = None
) -> list[WorldResult]:
    """:func:`simulate` of ``world`` with each mapping of keyword arguments in ``calls``, on one table.

    The results are those of the calls one by one, except that the final
    states of all their runs are solved together (one batch of GE solves
    instead of one per call) and every result's ``solves`` is the table's
    count after all calls. The experiments use it (:mod:`dealspace.world.experiments`).
    """
    table = world.payoff_table() if table is None else table
    with _paused_gc():
        return _results(world, table, [_play(world, table=table, **c) for c in calls])


@contextmanager
def _paused_gc() -> Iterator[None]:
    """Python's cyclic garbage collector paused while games are played, then restored.

    The game allocates many small tuples and dicts (its memos) and makes no
    garbage cycles; the collections they trigger cost about a tenth of a brief.
    Reference counting still frees everything else at once.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _results(world: World, table: PayoffTable, calls: Sequence[_Call]) -> list[WorldResult]:
    """The results of played calls: their final states solved (the new ones together), rows built."""
    with one_blas_thread():
        finals = iter(table.welfare_many([run.state for c in calls for _, run in c.played]))
    frames = []
    for call in calls:
        rows: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for tags, run in call.played:
            rows += [tags + r for r in call.game.rows(run, next(finals))]
            events += [(tags[0], *e) for e in run.events]
        frames.append((rows, events))
    out = [  # rows may solve (exact games): the count is taken once they are all built
        WorldResult(
            world,
            pd.DataFrame.from_records(rows, columns=ROW_COLUMNS),
            pd.DataFrame.from_records(events, columns=EVENT_COLUMNS),
            call.settings,
            table.solves,
        )
        for call, (rows, events) in zip(calls, frames, strict=True)
    ]
    return out


def _one_run(
    world: World,
    game: _Game,
    run: int,
    seed: int | None,
    order: Any,
    base_order: list[int],
    first: int | None,
    fixed: int | None,
    forced: int | None,
) -> tuple[tuple[Any, ...], _Played]:
    """Run ``run`` of the game: its tags (run, true type, first partner, its outcome) and the played run."""
    n = len(world.partners)
    u_type, perm, u_choice, u_out = _draws(seed, run, n, world.max_waits + 1)
    run_order = (
        [int(k) for k in perm] if isinstance(order, str) and order == "random" else list(base_order)
    )
    if first is not None:
        run_order.remove(first)
        run_order.insert(0, first)
    truth = np.cumsum(world.truth)
    theta = (
        fixed
        if fixed is not None
        else min(
            int(np.searchsorted(truth, u_type * truth[-1], side="right")), len(world.types) - 1
        )
    )
    played = game.play(run_order, theta, u_choice, u_out, forced)
    tags = (run, world.types[theta], world.partners[run_order[0]].code, played.events[0][3])
    return tags, played


_DRAWS: dict[
    tuple[int | None, int, int, int],
    tuple[float, tuple[int, ...], tuple[tuple[float, ...], ...], tuple[float, ...]],
] = {}


def _draws(
    seed: int | None, run: int, n: int, decisions: int
) -> tuple[float, tuple[int, ...], tuple[tuple[float, ...], ...], tuple[float, ...]]:
    """The random numbers of run ``run``: type draw, permutation, choice and response draws.

    Run ``run`` always draws from ``SeedSequence(seed, spawn_key=(run,))`` in
    this order, so the numbers are kept (as Python numbers, the same values)
    for the next call with the same seed (experiments replay the same runs many
    times). ``seed=None`` draws fresh entropy every time.
    """
    key = (seed, run, n, decisions)
    hit = _DRAWS.get(key) if seed is not None else None
    if hit is None:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(run,)))
        u_type, perm = rng.random(), rng.permutation(n)
        u_choice, u_out = rng.random((n, decisions)), rng.random(n)
        hit = (
            u_type,
            tuple(perm.tolist()),
            tuple(tuple(row) for row in u_choice.tolist()),
            tuple(u_out.tolist()),
        )
        if seed is not None:
            if len(_DRAWS) >= 10_000:
                _DRAWS.clear()
            _DRAWS[key] = hit
    return hit


_TABLES: dict[str, PayoffTable] = {}


def run_task(params: dict[str, Any]) -> WorldResult:
    """One chunk of runs for :func:`dealspace.process.sweep.run_grid` (picklable, top level).

    ``params`` holds ``world`` and the keyword arguments of :func:`simulate`
    (``runs``, ``seed``, ``run_offset``, ``first``, ``outcome``, …). The
    payoff cache is kept per worker process and per world, so chunks on the
    same worker share solved states.
    """
    options = dict(params)
    world: World = options.pop("world")
    key = world.fingerprint()
    if key not in _TABLES:
        if len(_TABLES) > 8:
            _TABLES.clear()
        _TABLES[key] = world.payoff_table()
    return simulate(world, table=_TABLES[key], **options)


def forced_groups(
    world: World, blocs: Sequence[Sequence[str]], never_retaliate: Sequence[str]
) -> tuple[list[list[int]], list[int]]:
    """Partner indices of the forced blocs and of the partners that never retaliate (friendly errors)."""
    bloc_idx = [[world.index(c) for c in b] for b in blocs]
    never_idx = sorted({world.index(c) for c in never_retaliate})
    seen: set[int] = set()
    for b in bloc_idx:
        if len(set(b)) < 2:
            raise DealspaceError.single(
                "bloc",
                f"{[world.codes[k] for k in b]} has fewer than two partners",
                "name at least two partners, e.g. EU,JPN",
            )
        if seen & set(b):
            raise DealspaceError.single(
                "bloc",
                f"{world.codes[min(seen & set(b))]} is in two blocs",
                "put each partner in one bloc",
            )
        seen |= set(b)
    clash = seen & set(never_idx)
    if clash:
        raise DealspaceError.single(
            "never-retaliate",
            f"{world.codes[min(clash)]} is also in a forced bloc",
            "a bloc retaliates: drop it from one of the two",
        )
    return [sorted(set(b), key=b.index) for b in bloc_idx], never_idx


def type_index(world: World, name: str) -> int:
    """Index of the large economy's type ``name`` in ``world.types`` (a friendly error if unknown)."""
    if name not in world.types:
        raise DealspaceError.single(
            "type", f"unknown type {name!r}", did_you_mean(name, world.types), source=world.name
        )
    return world.types.index(name)


def combine(results: Sequence[WorldResult]) -> WorldResult:
    """One result from several (e.g. chunks of a sweep, or one per forced outcome)."""
    if not results:
        raise DealspaceError.single("combine", "got no results", "pass at least one WorldResult")
    head = results[0]
    return WorldResult(
        head.world,
        pd.concat([r.partners for r in results], ignore_index=True),
        pd.concat([r.events for r in results], ignore_index=True),
        head.settings,
        sum(r.solves for r in results),
    )


def order_codes(
    world: World, order: str | Sequence[str], table: PayoffTable | None = None
) -> list[str]:
    """Partner codes in the order ``"given"`` (the world's), ``"stakes"`` (largest gain from a deal first) or as listed."""
    if not isinstance(order, str):
        return [world.partners[world.index(c)].code for c in order]
    if order == "stakes":
        game = _game(
            world, world.payoff_table() if table is None else table, 1.0, "reference", 0.0, False
        )
        return [world.codes[int(k)] for k in np.argsort(-game.stakes, kind="stable")]
    if order != "given":
        raise DealspaceError.single(
            "order", f"{order!r} has no fixed order", "use 'given', 'stakes' or a list of codes"
        )
    return list(world.order)
