"""The bellwether game as it was played before the memoised game (commit df60d11), one run at a time.

A reference for ``test_game_reference.py``: :func:`reference_simulate` plays
every run with the original per-run loop (no memos shared across runs, a new
game per call, one GE solve per new final state) and must give the frames
:func:`dealspace.world.model.simulate` gives. Test code only; the package
does not use it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dealspace.world import beliefs, terms
from dealspace.world.calibration import OUTCOMES, World
from dealspace.world.model import EFFECTS, forced_groups, order_codes, type_index
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
        gain = np.array(
            [
                self._w(p, self.reference, DEAL) - self._w(p, self.reference, THREAT)
                for p in range(self.n)
            ]
        )
        self.stakes = gain
        self.delay = world.delay_share * np.maximum(gain, 0.0)

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
        w = [self._w(p, base, s) for s in range(len(STATES))]
        settle = np.array([w[DEAL] - cost, w[THREAT] - cost, w[THREAT]])
        k = len(self.world.types)
        out = {"settle": self.lik["settle"] @ settle}
        if p not in self.never:
            tot = self.tot(p, base)
            out["retaliate"] = self.lik["retaliate"] @ np.array(
                [w[DEAL], w[HOLD] - tot, w[ESCALATED] - tot]
            )
        out["stay"] = np.full(k, w[THREAT])
        return out

    def values(
        self, p: int, mu: FloatArray, base: Key, can_wait: bool, cost: float | None = None
    ) -> dict[str, float]:
        """:math:`V_p(a)` for the available actions (module docstring)."""
        table = self.per_type(p, base, float(self.cost[p]) if cost is None else cost)
        out = {a: float(mu @ v) for a, v in table.items()}
        if can_wait:
            prob, post = beliefs.posteriors(mu, self.seen["settle"])
            best = np.max(np.stack([post @ v for v in table.values()]), axis=0)
            out["wait"] = float(prob @ best) - float(self.delay[p])
        return out

    def choose(self, values: dict[str, float], u: float) -> str:
        names = [a for a in ACTIONS if a in values]
        v = np.array([values[a] for a in names])
        if self.noise <= 0:
            return names[int(np.argmax(v))]
        z = np.exp((v - v.max()) / self.noise)
        cum = np.cumsum(z / z.sum())
        return names[min(int(np.searchsorted(cum, u, side="right")), len(names) - 1)]

    def bloc(
        self, mover: int, open_: list[int], mu: FloatArray, state: list[int], demands: FloatArray
    ) -> list[int]:
        """Members of the joint retaliation led by ``mover`` (empty if none forms)."""
        base = self.base(state)
        alone: dict[int, float] = {}
        members = [mover]
        for j in open_:
            if j in self.never or j in self.forced_bloc:
                continue
            v = self.values(j, mu[j], base, can_wait=False, cost=float(demands[j]))
            if max(v, key=lambda a: v[a]) == "retaliate":
                members.append(j)
                alone[j] = v["retaliate"]
        alone[mover] = self.values(
            mover, mu[mover], base, can_wait=False, cost=float(demands[mover])
        )["retaliate"]
        while len(members) >= self.world.min_bloc:
            pay = np.empty((len(members), 3))
            tot = np.array([self.tot(m, base) for m in members])
            for col, (s, _) in enumerate(EFFECTS["retaliate"]):
                key = list(base)
                for m in members:
                    key[m] = s
                pay[:, col] = self.welfare(tuple(key))[members] - (tot if s != DEAL else 0.0)
            value = np.array([mu[m] @ (self.lik["bloc"] @ pay[i]) for i, m in enumerate(members)])
            if value[0] < alone[mover]:
                return []
            keep = [m for i, m in enumerate(members) if i == 0 or value[i] >= alone[m]]
            if keep == members:
                return members
            members = keep
        return []

    def base(self, state: list[int]) -> Key:
        return tuple(state) if self.context == "current" else self.reference

    def draw(self, action: str, true_type: int, u: float, punish: float = 0.0) -> int:
        """The US response; a strategic US answers a settlement with *bad* with extra weight ``punish``."""
        row = self.lik[action][true_type]
        if punish > 0.0:
            row = terms.punishing(row, punish, OUTCOMES["settle"].index("bad"))
        cum = np.cumsum(row)
        return min(int(np.searchsorted(cum, u * cum[-1], side="right")), len(cum) - 1)

    def play(
        self,
        order: Sequence[int],
        true_type: int,
        u_choice: FloatArray,
        u_out: FloatArray,
        forced: int | None,
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """One run: returns (rows per partner, events).

        Random numbers are indexed by partner, not by turn — ``u_choice[p, k]``
        for partner ``p``'s ``k``-th decision, ``u_out[p]`` for the response
        to ``p`` (the leader, for a bloc) — so a partner meets the same luck
        wherever it stands in the order (common random numbers).
        """
        n = self.n
        mu = np.array([p.prior for p in self.world.partners], dtype=float)
        state = [THREAT] * n
        paid = np.zeros(n, dtype=float)
        waits = np.zeros(n, dtype=int)
        precedents: list[float] = []  # concessions of the good deals struck so far
        punished = 0  # settlements the US answered with "bad" so far
        concluded = 0
        done: dict[int, dict[str, Any]] = {}
        events: list[dict[str, Any]] = []
        queue = deque(order)
        turn = 0
        while queue:
            p = queue.popleft()
            open_ = [j for j in queue if j != p]
            demand = terms.demanded(
                float(self.cost[p]),
                precedents,
                punished,
                self.world.terms_spillover,
                self.world.reputation,
            )
            partners_in_bloc = [m for m in self.forced_bloc.get(p, ()) if m == p or m in open_]
            if turn == 0 and forced is not None:
                action = "settle"
            elif len(partners_in_bloc) >= 2:
                action = "forced bloc"
            else:
                values = self.values(
                    p,
                    mu[p],
                    self.base(state),
                    can_wait=waits[p] < self.world.max_waits and bool(open_),
                    cost=demand,
                )
                action = self.choose(values, float(u_choice[p, waits[p]]))
            if action == "wait":
                waits[p] += 1
                queue.append(p)
                events.append(
                    {
                        "turn": turn + 1,
                        "partners": self.world.partners[p].code,
                        "action": "wait",
                        "outcome": "wait",
                    }
                )
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
                    demands = terms.demanded_all(
                        self.cost,
                        precedents,
                        punished,
                        self.world.terms_spillover,
                        self.world.reputation,
                    )
                    members = self.bloc(p, open_, mu, state, demands)
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
                    else self.draw(kind, true_type, float(u_out[p]), punish)
                )
                label = OUTCOMES[kind][o]
                s, pays = EFFECTS["settle" if kind == "settle" else "retaliate"][o]
                for m in movers:
                    state[m], paid[m] = s, demand if pays else 0.0
                if kind == "settle" and label == "good":
                    precedents.append(demand)
                if kind == "settle" and label == "bad":
                    punished += 1
                mu = beliefs.update_all(mu, self.seen[kind], o)
            concluded += len(movers)
            for m in movers:
                done[m] = {
                    "action": kind,
                    "outcome": label,
                    "turn": turn + 1,
                    "bloc_size": len(movers) if kind == "bloc" else 0,
                }
            events.append(
                {
                    "turn": turn + 1,
                    "partners": " ".join(self.world.partners[m].code for m in movers),
                    "action": kind,
                    "outcome": label,
                }
            )
            turn += 1
        final = tuple(state)
        welfare = self.table.partner_welfare(final)
        us = self.table.large_welfare(final)
        position = {p: k + 1 for k, p in enumerate(order)}
        rows = []
        for p, partner in enumerate(self.world.partners):
            d = done[p]
            tot = self.tot(p, final) if state[p] in (HOLD, ESCALATED) else 0.0
            rows.append(
                {
                    "partner": partner.code,
                    "position": position[p],
                    **d,
                    "state": STATES[state[p]],
                    "retaliated": d["action"] in ("retaliate", "bloc"),
                    "waits": int(waits[p]),
                    "welfare_pct": float(welfare[p]),
                    "concession": float(paid[p]),
                    "delay_cost": float(self.delay[p] * waits[p]),
                    "tot_netted": tot,
                    "payoff": float(welfare[p] - paid[p] - self.delay[p] * waits[p] - tot),
                    "us_welfare_pct": us,
                }
            )
        return rows, events


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
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    n = len(world.partners)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(run,)))
    u_type, perm = rng.random(), rng.permutation(n)
    u_choice, u_out = rng.random((n, world.max_waits + 1)), rng.random(n)
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
    rows, events = game.play(run_order, theta, u_choice, u_out, forced)
    tags = {
        "run": run,
        "true_type": world.types[theta],
        "first_partner": world.partners[run_order[0]].code,
        "first_outcome": events[0]["outcome"],
    }
    return [tags | r for r in rows], [{"run": run} | e for e in events]


def reference_simulate(
    world: World,
    runs: int,
    seed: int | None,
    *,
    table: PayoffTable,
    first: str | None = None,
    outcome: str | None = None,
    order: str | Sequence[str] = "given",
    spillover: float | None = None,
    context: str = "current",
    noise: float | None = None,
    true_type: str | None = None,
    exact: bool = False,
    run_offset: int = 0,
    blocs: Sequence[Sequence[str]] = (),
    never_retaliate: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The partner and event frames of ``simulate`` with the same arguments, by the df60d11 loop."""
    n = len(world.partners)
    base_order = [
        world.index(c) for c in order_codes(world, "given" if order == "random" else order, table)
    ]
    forced = None if outcome is None else OUTCOMES["settle"].index(outcome)
    first_idx = world.index(first) if first is not None else None
    fixed = None if true_type is None else type_index(world, true_type)
    bloc_idx, never_idx = forced_groups(world, blocs, never_retaliate)
    game = _Game(
        world,
        table,
        world.spillover if spillover is None else spillover,
        context,
        world.noise if noise is None else noise,
        exact,
        bloc_idx,
        never_idx,
    )
    assert game.n == n
    rows: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    with one_blas_thread():
        for run in range(run_offset, run_offset + runs):
            rows_run, events_run = _one_run(
                world, game, run, seed, order, base_order, first_idx, fixed, forced
            )
            rows += rows_run
            events += events_run
    return pd.DataFrame(rows), pd.DataFrame(events)
